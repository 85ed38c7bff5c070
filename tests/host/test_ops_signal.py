"""Issue 16 part 1: TFLM's audio front-end ("signal" custom ops and the int32 builtins it uses) in
tinyml's C engine, against TFLM (the `tflite-micro` package), bit for bit.

Every signal op runs as a one-op CUSTOM model (single_op_models.build_custom_op_model, options
written as a flexbuffer map like TFLM's converters write them) over random parameter sets, each
fed several random frames through ONE loaded model on both sides, so that state carried from
frame to frame (the spectral subtraction's noise estimate) is compared too: at least 150 frames
per op (TINYML_SIGNAL_SETS scales the parameter sets). Values are drawn over every magnitude
(log-uniform bit widths) with the extremes planted, so the wrapping and saturating corners of
TFLM's fixed point are reached.

The front-end model (../shared/models/tflm/micro_speech/audio_preprocessor_int8.tflite) runs on
every 30 ms frame (480 samples, 320 apart) of the four recordings and of synthetic tones, chirps,
noise and silence, one model per signal, state carried across frames as TFLM carries it; and
again after Model reset (tm_model_reset_state), which must equal a fresh model.

Corrupted options (truncated, bytes flipped, wrong value types, missing keys) are refused with an
error, never read out of bounds (the engine is built with UBSan; the fuzz seeds carry a signal
model for the ASan fuzzer).
"""

from __future__ import annotations

import os
import wave

import numpy as np
import pytest

import mputil
from host_engine import TM_ERR_MODEL, TM_ERR_UNSUPPORTED, TM_OK, build_engine
from single_op_models import Op, Tensor, build_custom_op_model, build_model, build_single_op_model
from test_ops_rnn import tflm_steps
from test_single_ops_elementwise import broadcast_shapes, describe_mismatch, same_bits

SETS = int(os.environ.get("TINYML_SIGNAL_SETS", "30"))
FRAMES_PER_SET = 6
FRONTEND = mputil.MODELS_DIR / "tflm" / "micro_speech" / "audio_preprocessor_int8.tflite"
RECORDINGS = ["yes_1000ms.wav", "no_1000ms.wav", "noise_1000ms.wav", "silence_1000ms.wav"]
FRAME, HOP, RATE = 480, 320, 16000


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return build_engine(tmp_path_factory.mktemp("engine"))


def check_frames(engine, name, model, frames, outputs, select=None, reset_every=0):
    """Runs `frames` through one tinyml model and one TFLM interpreter; every output of every frame
    equal bit for bit (select(k, output index) -> index array limits the comparison). Returns the
    number of frames compared."""
    spec = [(tuple(s), d) for s, d in outputs]
    status, err, ours = engine.steps(model, frames, spec, reset_every=reset_every)
    assert status == TM_OK, f"{name}: tinyml refused the model: {err}"
    refs = tflm_steps(model, frames, reset_every)
    for k, (o_frame, r_frame) in enumerate(zip(ours, refs)):
        for i, (o, r) in enumerate(zip(o_frame, r_frame)):
            o, r = np.asarray(o).reshape(-1), np.asarray(r).reshape(-1)
            if select is not None:
                o, r = o[select(i)], r[select(i)]
            assert same_bits(o, r), describe_mismatch(f"{name} frame {k} output {i}", o, r)
    return len(frames)


def any_magnitude(rng, shape, bits, signed):
    """Integers of every magnitude up to `bits` bits (log-uniform widths), extremes planted."""
    n = int(np.prod(shape, dtype=np.int64))
    widths = rng.integers(0, bits + 1, n)
    mags = np.array([int.from_bytes(rng.bytes(8), "little") >> (64 - int(w)) if w else 0 for w in widths],
                    dtype=object)
    if signed:
        mags = np.array([-m if rng.random() < 0.5 else m for m in mags], dtype=object)
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        mags = np.array([min(max(m, lo), hi) for m in mags], dtype=object)
    if n and rng.random() < 0.5:
        k = max(1, n // 10)
        extremes = [-(1 << (bits - 1)), (1 << (bits - 1)) - 1] if signed else [0, (1 << bits) - 1]
        for i in rng.integers(0, n, k):
            mags[i] = extremes[int(rng.integers(0, 2))]
    dtype = {(16, True): np.int16, (32, True): np.int32, (32, False): np.uint32, (64, False): np.uint64}[(bits, signed)]
    return np.array([int(m) for m in mags], dtype=dtype).reshape(shape)


def counted(summary_counts, op, n):
    summary_counts[op] = summary_counts.get(op, 0) + n


COUNTS: dict[str, int] = {}


# ---------------------------------------------------------------------------------------------
# The nine signal ops

def test_window(engine):
    rng = np.random.default_rng(1601)
    for s in range(SETS):
        n_window = int(rng.integers(1, 520))
        rows = int(rng.integers(1, 4))
        shape = [rows, n_window] if rng.random() < 0.7 else [rows * n_window]
        window = any_magnitude(rng, [n_window], 16, True)
        shift = int(rng.integers(0, 20))
        model = build_custom_op_model("SignalWindow", [Tensor(shape, "int16"), Tensor([n_window], "int16", data=window)],
                                      [Tensor(shape, "int16")], {"shift": shift})
        frames = [[any_magnitude(rng, shape, 16, True)] for _ in range(FRAMES_PER_SET)]
        counted(COUNTS, "SignalWindow", check_frames(engine, f"window set {s}", model, frames, [(shape, np.int16)]))
    assert COUNTS["SignalWindow"] >= 150


def test_fft_auto_scale(engine):
    rng = np.random.default_rng(1602)
    for s in range(SETS):
        n = int(rng.integers(1, 600))
        model = build_custom_op_model("SignalFftAutoScale", [Tensor([n], "int16")],
                                      [Tensor([n], "int16"), Tensor([], "int32")], {})
        frames = []
        for _ in range(FRAMES_PER_SET):
            kind = rng.random()
            if kind < 0.1:
                x = np.zeros(n, np.int16)
            elif kind < 0.6:          # quiet frames: the shift is large
                bits = int(rng.integers(1, 16))
                x = rng.integers(-(1 << (bits - 1)), 1 << (bits - 1), n).astype(np.int16)
            else:
                x = any_magnitude(rng, [n], 16, True)
            frames.append([x])
        counted(COUNTS, "SignalFftAutoScale",
                check_frames(engine, f"auto scale set {s}", model, frames, [((n,), np.int16), ((), np.int32)]))
    assert COUNTS["SignalFftAutoScale"] >= 150


def test_rfft(engine):
    rng = np.random.default_rng(1603)
    for s in range(SETS):
        fft_length = 1 << int(rng.integers(2, 11))
        in_len = int(rng.integers(1, fft_length + 1))
        rows = int(rng.integers(1, 3))
        model = build_custom_op_model("SignalRfft", [Tensor([rows, in_len], "int16")],
                                      [Tensor([rows, fft_length + 2], "int16")], {"fft_length": fft_length, "T": 7})
        frames = []
        for _ in range(FRAMES_PER_SET):
            if rng.random() < 0.5:    # full-scale noise: every butterfly wraps somewhere
                x = any_magnitude(rng, [rows, in_len], 16, True)
            else:                     # a tone, as the front-end feeds it
                t = np.arange(in_len)
                amp = float(rng.uniform(0, 32767))
                x = np.tile(np.round(amp * np.sin(2 * np.pi * rng.uniform(0, 0.5) * t + rng.uniform(0, 6))), (rows, 1)).astype(np.int16)
            frames.append([x])
        counted(COUNTS, "SignalRfft",
                check_frames(engine, f"rfft set {s} (length {fft_length}, {in_len} samples)", model, frames,
                             [((rows, fft_length + 2), np.int16)]))
    assert COUNTS["SignalRfft"] >= 150


def test_rfft_long_lengths(engine):
    """Every supported length above the random sets' (2048 to 32768): the twiddle tables (computed
    without libm) round as TFLM's, seen through impulses and noise."""
    rng = np.random.default_rng(1611)
    for e in range(11, 16):
        fft_length = 1 << e
        model = build_custom_op_model("SignalRfft", [Tensor([fft_length], "int16")], [Tensor([fft_length + 2], "int16")],
                                      {"fft_length": fft_length, "T": 7})
        impulses = []
        for pos in (1, 3, fft_length // 2 - 1, int(rng.integers(0, fft_length))):
            x = np.zeros(fft_length, np.int16)
            x[pos] = 32767
            impulses.append([x])
        frames = impulses + [[any_magnitude(rng, [fft_length], 16, True)]]
        counted(COUNTS, "SignalRfft", check_frames(engine, f"rfft length {fft_length}", model, frames,
                                                   [((fft_length + 2,), np.int16)]))


def test_energy(engine):
    rng = np.random.default_rng(1604)
    for s in range(SETS):
        n_out = int(rng.integers(1, 300))
        start = int(rng.integers(0, n_out + 1))
        end = int(rng.integers(start, n_out + 1))
        model = build_custom_op_model("SignalEnergy", [Tensor([2 * n_out], "int16")], [Tensor([n_out], "uint32")],
                                      {"start_index": start, "end_index": end})
        frames = [[any_magnitude(rng, [2 * n_out], 16, True)] for _ in range(FRAMES_PER_SET)]
        # Outside [start, end) TFLM leaves its arena as it was: only the written range is compared.
        counted(COUNTS, "SignalEnergy", check_frames(engine, f"energy set {s}", model, frames, [((n_out,), np.uint32)],
                                                     select=lambda i: slice(start, end)))
    assert COUNTS["SignalEnergy"] >= 150


def filter_bank_config(rng, channels, n_in):
    widths = rng.integers(0, 12, channels + 1)
    freq = np.array([int(rng.integers(0, n_in - w + 1)) for w in widths])
    n_weights = int(widths.sum()) + int(rng.integers(0, 8))
    wstart = np.array([int(rng.integers(0, n_weights - w + 1)) for w in widths])
    return widths, freq, wstart, n_weights


def test_filter_bank(engine):
    rng = np.random.default_rng(1605)
    for s in range(SETS):
        channels = int(rng.integers(1, 48))
        n_in = int(rng.integers(12, 300))
        widths, freq, wstart, n_weights = filter_bank_config(rng, channels, n_in)
        if rng.random() < 0.7:        # mel-like weights in [0, 4096], unweights the complement
            weights = rng.integers(0, 4097, n_weights)
            unweights = 4096 - weights
        else:                         # any int16: negative weights wrap the uint64 sums
            weights, unweights = any_magnitude(rng, [n_weights], 16, True), any_magnitude(rng, [n_weights], 16, True)
        model = build_custom_op_model(
            "SignalFilterBank",
            [Tensor([n_in], "uint32"), Tensor([n_weights], "int16", data=weights),
             Tensor([n_weights], "int16", data=unweights), Tensor([channels + 1], "int16", data=freq),
             Tensor([channels + 1], "int16", data=wstart), Tensor([channels + 1], "int16", data=widths)],
            [Tensor([channels], "uint64")], {"num_channels": channels})
        frames = [[any_magnitude(rng, [n_in], 32, False)] for _ in range(FRAMES_PER_SET)]
        counted(COUNTS, "SignalFilterBank",
                check_frames(engine, f"filter bank set {s}", model, frames, [((channels,), np.uint64)]))
    assert COUNTS["SignalFilterBank"] >= 150


def test_filter_bank_square_root(engine):
    rng = np.random.default_rng(1606)
    for s in range(SETS):
        n = int(rng.integers(1, 64))
        model = build_custom_op_model("SignalFilterBankSquareRoot", [Tensor([n], "uint64"), Tensor([], "int32")],
                                      [Tensor([n], "uint32")], {})
        frames = [[any_magnitude(rng, [n], 64, False), np.array(int(rng.integers(0, 16)), np.int32)]
                  for _ in range(FRAMES_PER_SET)]
        counted(COUNTS, "SignalFilterBankSquareRoot",
                check_frames(engine, f"square root set {s}", model, frames, [((n,), np.uint32)]))
    assert COUNTS["SignalFilterBankSquareRoot"] >= 150


def spectral_subtraction_options(rng, channels):
    bits = int(rng.integers(8, 17))
    smoothing = int(rng.integers(0, 1 << bits))
    alternate = int(rng.integers(0, 1 << bits))
    return {"num_channels": channels, "smoothing": smoothing, "one_minus_smoothing": (1 << bits) - smoothing,
            "alternate_smoothing": alternate, "alternate_one_minus_smoothing": (1 << bits) - alternate,
            "smoothing_bits": int(rng.integers(0, 14)), "spectral_subtraction_bits": bits,
            "min_signal_remaining": int(rng.integers(0, 1 << bits)), "clamping": bool(rng.random() < 0.5)}


def test_filter_bank_spectral_subtraction(engine):
    """The noise estimate carries over from frame to frame (12 frames per set) as in TFLM."""
    rng = np.random.default_rng(1607)
    for s in range(SETS):
        channels = int(rng.integers(1, 48))
        opts = spectral_subtraction_options(rng, channels)
        model = build_custom_op_model("SignalFilterBankSpectralSubtraction", [Tensor([channels], "uint32")],
                                      [Tensor([channels], "uint32"), Tensor([channels], "uint32")], opts)
        top = 32 - opts["smoothing_bits"] if rng.random() < 0.8 else 32
        frames = [[(any_magnitude(rng, [channels], 32, False) >> np.uint32(32 - top)).astype(np.uint32)]
                  for _ in range(2 * FRAMES_PER_SET)]
        counted(COUNTS, "SignalFilterBankSpectralSubtraction",
                check_frames(engine, f"spectral subtraction set {s} {opts}", model, frames,
                             [((channels,), np.uint32), ((channels,), np.uint32)]))
    assert COUNTS["SignalFilterBankSpectralSubtraction"] >= 150


def test_spectral_subtraction_reset(engine):
    """Model reset zeroes the noise estimate exactly as TFLM's interpreter reset does."""
    rng = np.random.default_rng(1608)
    channels = 40
    model = build_custom_op_model("SignalFilterBankSpectralSubtraction", [Tensor([channels], "uint32")],
                                  [Tensor([channels], "uint32"), Tensor([channels], "uint32")],
                                  spectral_subtraction_options(rng, channels))
    frames = [[rng.integers(0, 1 << 20, channels).astype(np.uint32)] for _ in range(12)]
    check_frames(engine, "spectral subtraction with resets", model, frames,
                 [((channels,), np.uint32), ((channels,), np.uint32)], reset_every=4)
    # And the reset is real: frame 4 after a reset equals frame 4 run first in a fresh model.
    spec = [((channels,), np.uint32), ((channels,), np.uint32)]
    _, _, with_reset = engine.steps(model, frames[:5], spec, reset_every=4)
    _, _, fresh = engine.steps(model, frames[4:5], spec)
    _, _, carried = engine.steps(model, frames[:5], spec)
    assert same_bits(with_reset[4][1], fresh[0][1])
    assert not same_bits(carried[4][1], fresh[0][1])


def test_pcan(engine, models_dir):
    rng = np.random.default_rng(1609)
    for s in range(SETS):
        channels = int(rng.integers(1, 48))
        lut_len = int(rng.integers(125, 140))
        lut = any_magnitude(rng, [lut_len], 16, True)
        model = build_custom_op_model(
            "SignalPCAN", [Tensor([channels], "uint32"), Tensor([channels], "uint32"), Tensor([lut_len], "int16", data=lut)],
            [Tensor([channels], "uint32")], {"snr_shift": int(rng.integers(0, 16))})
        frames = [[any_magnitude(rng, [channels], 32, False), any_magnitude(rng, [channels], 32, False)]
                  for _ in range(FRAMES_PER_SET)]
        counted(COUNTS, "SignalPCAN", check_frames(engine, f"pcan set {s}", model, frames, [((channels,), np.uint32)]))
    assert COUNTS["SignalPCAN"] >= 150


def test_filter_bank_log(engine):
    rng = np.random.default_rng(1610)
    for s in range(SETS):
        n = int(rng.integers(1, 64))
        opts = {"input_correction_bits": int(rng.integers(0, 10)), "output_scale": int(rng.integers(1, 1 << 17))}
        model = build_custom_op_model("SignalFilterBankLog", [Tensor([n], "uint32")], [Tensor([n], "int16")], opts)
        frames = [[any_magnitude(rng, [n], 32, False)] for _ in range(FRAMES_PER_SET)]
        counted(COUNTS, "SignalFilterBankLog", check_frames(engine, f"log set {s} {opts}", model, frames, [((n,), np.int16)]))
    assert COUNTS["SignalFilterBankLog"] >= 150


# ---------------------------------------------------------------------------------------------
# The int32 / int16 builtins of the front-end

BINARY_S32 = ["ADD", "SUB", "MUL", "DIV", "MAXIMUM", "MINIMUM"]
OPTIONS = {"ADD": {"fused_activation_function": "NONE"}, "SUB": {"fused_activation_function": "NONE"},
           "MUL": {"fused_activation_function": "NONE"}, "DIV": {"fused_activation_function": "NONE"}}


@pytest.mark.parametrize("op", BINARY_S32)
def test_int32_binary(engine, op):
    rng = np.random.default_rng(1620 + BINARY_S32.index(op))
    for s in range(SETS * 5):
        out, sh1, sh2 = broadcast_shapes(rng)
        bits = int(rng.choice([8, 16, 32]))
        a = (any_magnitude(rng, sh1 or [1], 32, True) >> np.int32(32 - bits)).reshape(sh1)
        b = (any_magnitude(rng, sh2 or [1], 32, True) >> np.int32(32 - int(rng.choice([4, 16, 32])))).reshape(sh2)
        if op == "DIV":
            # A zero divisor and INT32_MIN / -1 trap in TFLM (SIGFPE): not compared.
            b = np.where((b == 0) | (b == -1), 7, b).astype(np.int32)
            if a.size:
                a.reshape(-1)[0] = np.int32(-2**31)
        const_b = rng.random() < 0.4
        opts = OPTIONS.get(op)
        model = build_single_op_model(op, [Tensor(sh1, "int32"), Tensor(sh2, "int32", data=b if const_b else None)],
                                      [Tensor(out, "int32")], options=opts,
                                      options_type="DivOptions" if op == "DIV" else None)
        frames = [[a] if const_b else [a, b]]
        counted(COUNTS, op, check_frames(engine, f"{op} int32 set {s}", model, frames, [(out, np.int32)]))


CAST_TYPES = {"int8": (8, True), "int16": (16, True), "int32": (32, True), "uint32": (32, False)}
CAST_PAIRS = [("uint32", "int32"), ("int32", "uint32"), ("int16", "int32"), ("int32", "int8"), ("int32", "int16"),
              ("int8", "int32"), ("int16", "int8")]


@pytest.mark.parametrize("src,dst", CAST_PAIRS)
def test_cast(engine, src, dst):
    rng = np.random.default_rng(1630 + CAST_PAIRS.index((src, dst)))
    for s in range(20):
        shape = [int(d) for d in rng.integers(1, 9, int(rng.integers(1, 4)))]
        bits, signed = CAST_TYPES[src]
        if bits == 8:
            x = rng.integers(-128, 128, shape).astype(np.int8)
        else:
            x = any_magnitude(rng, shape, bits, signed)
        model = build_single_op_model("CAST", [Tensor(shape, src)], [Tensor(shape, dst)], version=3)
        counted(COUNTS, "CAST", check_frames(engine, f"CAST {src}->{dst} set {s}", model, [[x]],
                                             [(shape, np.dtype(dst).type)]))


def test_int16_reshape_and_int32_strided_slice(engine):
    """The front-end's RESHAPE (int16) and STRIDED_SLICE / CONCATENATION (int32) as it uses them."""
    rng = np.random.default_rng(1640)
    tensors = [Tensor([1, 480], "int16"), Tensor([1], "int32", data=[-1]), Tensor([480], "int16"),
               Tensor([257], "int32"), Tensor([1], "int32", data=[5]), Tensor([1], "int32", data=[241]),
               Tensor([1], "int32", data=[1]), Tensor([236], "int32"), Tensor([5], "int32", data=[0] * 5),
               Tensor([16], "int32", data=[0] * 16), Tensor([257], "int32")]
    ops = [Op("RESHAPE", [0, 1], [2]), Op("STRIDED_SLICE", [3, 4, 5, 6], [7], options={}),
           Op("CONCATENATION", [8, 7, 9], [10], options={"axis": 0})]
    model = build_model(tensors, ops, [0, 3], [2, 10])
    frames = [[any_magnitude(rng, [1, 480], 16, True), any_magnitude(rng, [257], 32, True)] for _ in range(8)]
    check_frames(engine, "reshape / strided slice / concatenation", model, frames, [((480,), np.int16), ((257,), np.int32)])


# ---------------------------------------------------------------------------------------------
# The front-end model

def need_frontend():
    if not FRONTEND.is_file():
        pytest.skip(mputil.models_missing_reason())


def wav_samples(path):
    with wave.open(str(path)) as w:
        assert w.getframerate() == RATE and w.getsampwidth() == 2 and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), np.int16)


def frames_of(samples):
    return [[samples[i:i + FRAME].reshape(1, FRAME)] for i in range(0, len(samples) - FRAME + 1, HOP)]


def synthetic_signals():
    t = np.arange(2 * RATE) / RATE
    rng = np.random.default_rng(1650)
    chirp = np.sin(2 * np.pi * (50 * t + (7900 - 50) / (2 * t[-1]) * t * t))
    return {
        "silence": np.zeros(RATE, np.int16),
        "tone 440 Hz": (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16),
        "tone 3 kHz loud": (32767 * np.sin(2 * np.pi * 3000 * t)).astype(np.int16),
        "tone 100 Hz quiet": (40 * np.sin(2 * np.pi * 100 * t)).astype(np.int16),
        "chirp 50 Hz to 7.9 kHz": (20000 * chirp).astype(np.int16),
        "white noise full scale": rng.integers(-32768, 32768, RATE).astype(np.int16),
        "square wave clipping": np.where(np.sin(2 * np.pi * 700 * t) >= 0, 32767, -32768).astype(np.int16),
        "silence then tone": np.concatenate([np.zeros(RATE // 2), 12000 * np.sin(2 * np.pi * 1000 * t[:RATE])]).astype(np.int16),
    }


def frontend_signals(models_dir):
    signals = {name: wav_samples(FRONTEND.parent / name) for name in RECORDINGS}
    signals.update(synthetic_signals())
    return signals


def test_frontend_every_frame(engine, models_dir, summary):
    need_frontend()
    model = FRONTEND.read_bytes()
    total = 0
    for name, samples in frontend_signals(models_dir).items():
        total += check_frames(engine, f"front-end on {name}", model, frames_of(samples), [((40,), np.int8)])
    summary(f"signal: front-end bit-exact with TFLM on {total} frames (4 recordings + 8 synthetic signals)")
    assert total >= 4 * 49


def test_frontend_reset_equals_fresh_model(engine, models_dir):
    need_frontend()
    model = FRONTEND.read_bytes()
    frames = frames_of(wav_samples(FRONTEND.parent / "yes_1000ms.wav"))
    check_frames(engine, "front-end with a reset every 10 frames", model, frames, [((40,), np.int8)], reset_every=10)


def test_op_counts(summary):
    """Runs last in this file: the per-op frame counts of the tests above."""
    if COUNTS:
        summary("signal ops bit-exact with TFLM, frames per op: " + ", ".join(f"{k} {v}" for k, v in sorted(COUNTS.items())))


# ---------------------------------------------------------------------------------------------
# Seeds for the fuzzer (fuzz/make_seeds.py): one small model per signal op, the options included

def signal_op_specs() -> list[tuple[str, list, list, dict]]:
    """(custom code, inputs, outputs, options) of one small valid model per signal op."""
    rng = np.random.default_rng(1670)
    widths, freq, wstart, n_weights = filter_bank_config(rng, 4, 32)
    return [
        ("SignalWindow", [Tensor([1, 16], "int16"), Tensor([16], "int16", data=np.arange(16))],
         [Tensor([1, 16], "int16")], {"shift": 12}),
        ("SignalFftAutoScale", [Tensor([64], "int16")], [Tensor([64], "int16"), Tensor([], "int32")], {}),
        ("SignalRfft", [Tensor([48], "int16")], [Tensor([66], "int16")], {"fft_length": 64, "T": 7}),
        ("SignalEnergy", [Tensor([66], "int16")], [Tensor([33], "uint32")], {"start_index": 2, "end_index": 30}),
        ("SignalFilterBank",
         [Tensor([32], "uint32"), Tensor([n_weights], "int16", data=rng.integers(0, 4097, n_weights)),
          Tensor([n_weights], "int16", data=rng.integers(0, 4097, n_weights)), Tensor([5], "int16", data=freq),
          Tensor([5], "int16", data=wstart), Tensor([5], "int16", data=widths)],
         [Tensor([4], "uint64")], {"num_channels": 4}),
        ("SignalFilterBankSquareRoot", [Tensor([4], "uint64"), Tensor([], "int32")], [Tensor([4], "uint32")], {}),
        ("SignalFilterBankSpectralSubtraction", [Tensor([8], "uint32")], [Tensor([8], "uint32"), Tensor([8], "uint32")],
         spectral_subtraction_options(rng, 8)),
        ("SignalPCAN", [Tensor([8], "uint32"), Tensor([8], "uint32"), Tensor([125], "int16", data=rng.integers(0, 32767, 125))],
         [Tensor([8], "uint32")], {"snr_shift": 6}),
        ("SignalFilterBankLog", [Tensor([8], "uint32")], [Tensor([8], "int16")],
         {"input_correction_bits": 3, "output_scale": 64}),
    ]


def seed_models() -> list[tuple[str, bytes]]:
    return [(name, build_custom_op_model(name, ins, outs, opts)) for name, ins, outs, opts in signal_op_specs()]


def test_seed_models_load_and_run(engine):
    """The fuzzer's signal seeds are valid models (the fuzzer mutates from there)."""
    for name, model in seed_models():
        inputs = [np.zeros(shape, dtype) for shape, dtype in io_specs(model, "Inputs")]
        status, err, _ = engine(model, inputs, io_specs(model, "Outputs"))
        assert status == TM_OK, f"{name}: {err}"


def io_specs(model, which):
    """[(shape, numpy dtype)] of a model's inputs or outputs (which: "Inputs" / "Outputs")."""
    import tflite
    sg = tflite.Model.GetRootAs(model, 0).Subgraphs(0)
    types = {tflite.TensorType.INT16: np.int16, tflite.TensorType.INT32: np.int32,
             tflite.TensorType.UINT32: np.uint32, tflite.TensorType.UINT64: np.uint64}
    tensors = [sg.Tensors(int(i)) for i in getattr(sg, which + "AsNumpy")()]
    return [(tuple(t.ShapeAsNumpy()) if t.ShapeLength() else (), types[t.Type()]) for t in tensors]


# ---------------------------------------------------------------------------------------------
# Corrupted options and wrong tensors

def window_model(options_bytes=None, options=None, in_type="int16"):
    from flatbuffers import flexbuffers
    raw = options_bytes if options_bytes is not None else bytes(flexbuffers.Dumps(options if options is not None else {"shift": 12}))
    return build_single_op_model("CUSTOM", [Tensor([1, 16], in_type), Tensor([16], "int16", data=np.arange(16))],
                                 [Tensor([1, 16], "int16")], custom_code="SignalWindow", custom_options=raw)


def run_window(engine, model):
    return engine(model, [np.zeros((1, 16), np.int16)], [((1, 16), np.int16)])


def test_corrupted_options_refused(engine):
    from flatbuffers import flexbuffers
    good = bytes(flexbuffers.Dumps({"shift": 12}))
    assert run_window(engine, window_model(good))[0] == TM_OK
    cases = {
        "no options": b"",
        "two bytes": good[-2:],
        "root not a map": bytes(flexbuffers.Dumps([12])),
        "root width 3": good[:-1] + b"\x03",
        "root offset past the start": good[:-3] + b"\xff" + good[-2:],
        "missing key": bytes(flexbuffers.Dumps({"shaft": 12})),
        "string value": bytes(flexbuffers.Dumps({"shift": "12"})),
        "float value": bytes(flexbuffers.Dumps({"shift": 12.0})),
        "shift 40": bytes(flexbuffers.Dumps({"shift": 40})),
        "shift -1": bytes(flexbuffers.Dumps({"shift": -1})),
        "shift 2^40": bytes(flexbuffers.Dumps({"shift": 1 << 40})),
    }
    for name, raw in cases.items():
        status, err, _ = run_window(engine, window_model(raw))
        assert status in (TM_ERR_MODEL, TM_ERR_UNSUPPORTED), f"{name}: accepted ({err!r})"
        assert "SignalWindow" in err, f"{name}: {err}"


def test_every_byte_of_every_ops_options_mutated(engine):
    """Each byte of every signal op's options set to other values, and the options cut short:
    refused or run, never a read out of bounds (UBSan aborts the test process on one)."""
    from flatbuffers import flexbuffers
    runs = 0
    for name, ins, outs, opts in signal_op_specs():
        raw = bytes(flexbuffers.Dumps(opts))
        model = build_single_op_model("CUSTOM", ins, outs, custom_code=name, custom_options=raw)
        feeds = [np.zeros(shape, dtype) for shape, dtype in io_specs(model, "Inputs")]
        spec = io_specs(model, "Outputs")
        variants = [raw[:pos] + bytes([v]) + raw[pos + 1:] for pos in range(len(raw)) for v in (0, 0xff, raw[pos] ^ 0x21)]
        variants += [raw[cut:] for cut in range(1, len(raw))] + [raw[:cut] for cut in range(len(raw))]
        for mutated in variants:
            m = build_single_op_model("CUSTOM", ins, outs, custom_code=name, custom_options=mutated)
            status, err, _ = engine(m, feeds, spec)
            assert status in (TM_OK, TM_ERR_MODEL, TM_ERR_UNSUPPORTED), f"{name}: {err}"
            runs += 1
    assert runs > 1000


def test_every_byte_of_the_options_mutated(engine):
    """Each byte of the window's options (with keys the op does not read) set to other values:
    refused or run, never a read out of bounds."""
    from flatbuffers import flexbuffers
    rng = np.random.default_rng(1660)
    raw = bytes(flexbuffers.Dumps({"shift": 3, "zzz": 1 << 20, "aaa": [1, 2, 3]}))
    tried = 0
    for pos in range(len(raw)):
        for value in {0, 1, 0xff, 0x80, int(rng.integers(0, 256)), raw[pos] ^ 4}:
            mutated = raw[:pos] + bytes([value]) + raw[pos + 1:]
            status, err, _ = run_window(engine, window_model(mutated))
            assert status in (TM_OK, TM_ERR_MODEL, TM_ERR_UNSUPPORTED), err
            tried += 1
    for cut in range(len(raw)):
        status, err, _ = run_window(engine, window_model(raw[cut:]))
        assert status in (TM_OK, TM_ERR_MODEL, TM_ERR_UNSUPPORTED), err
    assert tried > 100


def test_wrong_tensor_types_refused(engine):
    status, err, _ = engine(window_model(in_type="int32"), [np.zeros((1, 16), np.int32)], [((1, 16), np.int16)])
    assert status == TM_ERR_UNSUPPORTED and "SignalWindow: input is int32" in err, err
    model = build_custom_op_model("SignalFilterBankLog", [Tensor([8], "int32")], [Tensor([8], "int16")],
                                  {"input_correction_bits": 3, "output_scale": 64})
    status, err, _ = engine(model, [np.zeros(8, np.int32)], [((8,), np.int16)])
    assert status == TM_ERR_UNSUPPORTED and "must be uint32" in err, err


def test_filter_bank_indices_checked(engine):
    """A channel reaching past the energies is refused at prepare (TFLM would read past them)."""
    widths, freq, wstart = np.array([2, 2, 2]), np.array([0, 2, 7]), np.array([0, 2, 4])
    model = build_custom_op_model(
        "SignalFilterBank",
        [Tensor([8], "uint32"), Tensor([6], "int16", data=np.ones(6)), Tensor([6], "int16", data=np.ones(6)),
         Tensor([3], "int16", data=freq), Tensor([3], "int16", data=wstart), Tensor([3], "int16", data=widths)],
        [Tensor([2], "uint64")], {"num_channels": 2})
    status, err, _ = engine(model, [np.zeros(8, np.uint32)], [((2,), np.uint64)])
    assert status == TM_ERR_MODEL and "channel 2 reads past" in err, err


def test_rfft_lengths_checked(engine):
    model = build_custom_op_model("SignalRfft", [Tensor([600], "int16")], [Tensor([514], "int16")],
                                  {"fft_length": 512, "T": 7})
    status, err, _ = engine(model, [np.zeros(600, np.int16)], [((514,), np.int16)])
    assert status == TM_ERR_MODEL and "do not fit fft_length 512" in err, err
    model = build_custom_op_model("SignalRfft", [Tensor([480], "int16")], [Tensor([482], "int16")],
                                  {"fft_length": 480, "T": 7})
    status, err, _ = engine(model, [np.zeros(480, np.int16)], [((482,), np.int16)])
    assert status == TM_ERR_UNSUPPORTED and "powers of two" in err, err


# ---------------------------------------------------------------------------------------------
# The front-end through `import tinyml` in the Unix port

UNIX_FRAMES = 12
UNIX_SCRIPT = """
import sys, tinyml
from array import array
path, wav, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
m = tinyml.Model(path)
print('mem', m.arena_bytes, m.state_bytes)
f = open(wav, 'rb'); f.read(44); pcm = f.read(); f.close()
def frame(k):
    return array('h', pcm[2 * 320 * k:2 * (320 * k + 480)])
for k in range(n):
    m.set_input(frame(k))
    m.invoke()
    print('f', k, m.get_output(0).hex())
m.reset()
m.set_input(frame(0))
m.invoke()
print('r', 0, m.get_output(0).hex())
print('done')
"""


def test_frontend_unix_port(micropython, summary):
    """12 frames of yes_1000ms.wav, then Model.reset() and frame 0 again: each equal to TFLM's
    (one interpreter, state carried; the reset frame equals a fresh interpreter's frame 0)."""
    need_frontend()
    wav = FRONTEND.parent / "yes_1000ms.wav"
    out = mputil.run_script(UNIX_SCRIPT, binary=micropython, args=[str(FRONTEND), str(wav), str(UNIX_FRAMES)], timeout=120)
    lines = out.split("\n")
    assert "done" in lines, out[-2000:]
    frames = frames_of(wav_samples(wav))[:UNIX_FRAMES]
    refs = [r[0].reshape(-1) for r in tflm_steps(FRONTEND.read_bytes(), frames + frames[:1], reset_every=UNIX_FRAMES)]
    got = {(l.split()[0], int(l.split()[1])): np.frombuffer(bytes.fromhex(l.split()[2]), np.int8)
           for l in lines if l[:2] in ("f ", "r ")}
    for k in range(UNIX_FRAMES):
        assert same_bits(got[("f", k)], refs[k]), describe_mismatch(f"unix port frame {k}", got[("f", k)], refs[k])
    assert same_bits(got[("r", 0)], refs[UNIX_FRAMES]), "frame 0 after reset() differs from a fresh TFLM"
    assert not same_bits(got[("f", UNIX_FRAMES - 1)], refs[0])
    arena, state = [int(v) for l in lines if l.startswith("mem ") for v in l.split()[1:]]
    summary(f"signal: front-end in the Unix port: {UNIX_FRAMES} frames + reset() bit-exact; arena {arena} B, "
            f"state + persistent {state} B")


# ---------------------------------------------------------------------------------------------
# The front-end on the emulated Cortex-M3 board (build/qemu/firmware.elf)

EMU_FRAMES = 8
EMU_SCRIPT = """
import tinyml, gc
model = {model!r}
audio = {audio!r}
gc.collect()
m = tinyml.Model(model)
print('mem', m.arena_bytes, m.state_bytes)
for k in range({n}):
    m.set_input(memoryview(audio)[960 * k:960 * (k + 1)])
    m.invoke()
    print('f', k, m.last_cycles, m.get_output(0).hex())
"""


def test_frontend_emulated_board(emu, tmp_path, summary):
    """8 frames of yes_1000ms.wav through `import tinyml` on the emulated board, state carried,
    each equal to TFLM's; the instructions per frame are the board's own count."""
    import io
    from tinyml_host.runscript import run_script
    need_frontend()
    model = FRONTEND.read_bytes()
    frames = frames_of(wav_samples(FRONTEND.parent / "yes_1000ms.wav"))[:EMU_FRAMES]
    audio = b"".join(f[0].tobytes() for f in frames)
    script = tmp_path / "frontend.py"
    script.write_text(EMU_SCRIPT.format(model=model, audio=audio, n=EMU_FRAMES))
    out = io.StringIO()
    assert run_script(script, port=emu.pty, timeout=300, out=out) == 0, out.getvalue()[-2000:]
    refs = [r[0].reshape(-1) for r in tflm_steps(model, frames)]
    lines = [l.split() for l in out.getvalue().splitlines()]
    got = {int(p[1]): (int(p[2]), np.frombuffer(bytes.fromhex(p[3]), np.int8)) for p in lines if p and p[0] == "f"}
    assert sorted(got) == list(range(EMU_FRAMES)), out.getvalue()[-2000:]
    for k in range(EMU_FRAMES):
        assert same_bits(got[k][1], refs[k]), describe_mismatch(f"emulated board frame {k}", got[k][1], refs[k])
    arena, state = [int(v) for p in lines if p and p[0] == "mem" for v in p[1:]]
    cycles = [got[k][0] for k in range(EMU_FRAMES)]
    summary(f"signal: front-end on the emulated Cortex-M3: {EMU_FRAMES} frames bit-exact, "
            f"{min(cycles)}-{max(cycles)} instructions per frame; arena {arena} B, state + op data {state} B")


def test_unknown_custom_op_refused_by_name(engine):
    model = build_custom_op_model("SignalDelay", [Tensor([8], "int16")], [Tensor([8], "int16")], {"delay_length": 2})
    status, err, _ = engine(model, [np.zeros(8, np.int16)], [((8,), np.int16)])
    assert status == TM_ERR_UNSUPPORTED and "CUSTOM 'SignalDelay'" in err, err


def test_inspect_finds_every_frontend_op_supported():
    """The host SDK's device check (tinyml-host inspect / validate) knows the custom rows."""
    from tinyml_host import inspect
    need_frontend()
    assert inspect.device_problems(FRONTEND.read_bytes()) == []
    problems = inspect.device_problems(build_custom_op_model("SignalDelay", [Tensor([8], "int16")],
                                                             [Tensor([8], "int16")], {"delay_length": 2}))
    assert [p["op"] for p in problems] == ["CUSTOM:SignalDelay"], problems
