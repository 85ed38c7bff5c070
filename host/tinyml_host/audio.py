"""Audio for models that take raw samples: reading .wav files and cutting them into frames.

    from tinyml_host.audio import read_wav, wav_files, frames, expected_class
    samples = read_wav("yes_1000ms.wav")              # int16 numpy array (16-bit mono PCM)
    x = frames(samples, 480, 320)                     # (F, 480): 30 ms windows every 20 ms at 16 kHz
    expected_class("yes_1000ms.wav", ["silence", "unknown", "yes", "no"])   # -> 2

TFLM's micro_speech front-end takes 480 samples (30 ms at 16 kHz) every 320 (20 ms): a one-second
recording gives (16000 - 480) // 320 + 1 = 49 frames, the 49 feature rows of its classifier.
"""

from __future__ import annotations

import re
import wave
from pathlib import Path

import numpy as np

from .errors import TinymlError

RATE = 16000          # what TFLM's audio front-end is built for
MAX_WAVS = 10000      # files taken from one folder


def is_audio_path(path: str | Path) -> bool:
    """A .wav file, or a folder (of .wav files)."""
    p = Path(path)
    return p.is_dir() or p.suffix.lower() == ".wav"


def wav_files(path: str | Path) -> list[Path]:
    """`path` itself (a .wav), or the .wav files in the folder `path`, sorted by name."""
    p = Path(path)
    if p.is_dir():
        found = sorted(f for f in p.iterdir() if f.suffix.lower() == ".wav" and f.is_file())
        if not found:
            raise TinymlError(f"{p}: no .wav files in the folder", "give a .wav file or a folder holding some")
        if len(found) > MAX_WAVS:
            raise TinymlError(f"{p}: {len(found)} .wav files, more than {MAX_WAVS}", "split the folder")
        return found
    if not p.is_file():
        raise TinymlError(f"{p}: no such file", "give a .wav file (16-bit mono PCM) or a folder of them")
    return [p]


def read_wav(path: str | Path, rate: int | None = RATE) -> np.ndarray:
    """The samples of a 16-bit mono PCM .wav as int16; `rate`: the sample rate it must have (None:
    any)."""
    p = Path(path)
    hint = "give 16-bit mono PCM (e.g. `sox in.wav -r 16000 -c 1 -b 16 out.wav`)"
    try:
        with wave.open(str(p), "rb") as w:
            channels, width, got_rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            data = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as e:
        raise TinymlError(f"{p}: not a readable PCM .wav file ({e})", hint) from None
    except OSError as e:
        raise TinymlError(f"{p}: cannot read it ({e.strerror or e})") from None
    if channels != 1 or width != 2:
        raise TinymlError(f"{p}: {channels} channel(s) of {8 * width}-bit samples", hint)
    if rate is not None and got_rate != rate:
        raise TinymlError(f"{p}: sampled at {got_rate} Hz; the model's front-end expects {rate} Hz",
                          f"resample it (e.g. `sox {p.name} -r {rate} out.wav`)")
    return np.frombuffer(data, dtype="<i2").astype(np.int16)


def frames(samples: np.ndarray, window: int, stride: int) -> np.ndarray:
    """(F, window) int16: windows of `window` samples, one every `stride`; F = 0 when the audio is
    shorter than one window (the tail that does not fill a window is left out, as TFLM does)."""
    if window < 1 or stride < 1:
        raise TinymlError(f"frames of {window} samples every {stride}: both must be at least 1")
    n = 0 if len(samples) < window else (len(samples) - window) // stride + 1
    if n == 0:
        return np.zeros((0, window), np.int16)
    idx = np.arange(window)[None, :] + stride * np.arange(n)[:, None]
    return np.ascontiguousarray(samples[idx], dtype=np.int16)


def expected_class(path: str | Path, class_names: list[str] | None) -> int | None:
    """The class a recording's file name names: its first word (yes_1000ms.wav -> "yes"), matched
    against the class names without regard to case; None when it names none."""
    if not class_names:
        return None
    words = [w for w in re.split(r"[^0-9A-Za-z]+", Path(path).stem.lower()) if w]
    names = [n.lower() for n in class_names]
    return names.index(words[0]) if words and words[0] in names else None
