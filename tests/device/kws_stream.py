# Keyword spotting from raw audio with device/python/tinyml_stream.py: TFLM's front-end and
# micro_speech classifier on the recordings, 480-sample windows 320 apart, fed with the heap
# locked (feed() must allocate nothing). The classes, scores and feature checksums in the .exp are
# TFLM's: tests/host/test_kws_stream.py computes them in the tflite-micro package and compares.
import sys

sys.path.append("../../device/python")  # the Unix port; boards have the module frozen in
import micropython
import tinyml
from tinyml_stream import KeywordSpotter, wav_data
from data.frames import checksum

# Whole paths, so that tests/device/run.py puts these files on a board too.
FRONTEND = "../../../shared/models/tflm/micro_speech/audio_preprocessor_int8.tflite"
CLASSIFIER = "../../../shared/models/tflm/micro_speech_quantized.tflite"
WAVS = {"yes_1000ms.wav": "../../../shared/models/tflm/micro_speech/yes_1000ms.wav",
        "no_1000ms.wav": "../../../shared/models/tflm/micro_speech/no_1000ms.wav",
        "silence_1000ms.wav": "../../../shared/models/tflm/micro_speech/silence_1000ms.wav",
        "noise_1000ms.wav": "../../../shared/models/tflm/micro_speech/noise_1000ms.wav"}
try:
    fe = tinyml.Model(FRONTEND)
    cl = tinyml.Model(CLASSIFIER)
except OSError:
    print("SKIP")
    raise SystemExit


# One buffer for the audio, made first: two seconds in one block fit a board's heap only early.
audio = bytearray(64000)


def pcm(name, at=0):
    """The recording's samples into audio[at:]; returns a view of them."""
    f = open(WAVS[name], "rb")
    n = wav_data(f)
    f.readinto(memoryview(audio)[at:at + 2 * n])
    f.close()
    return memoryview(audio)[:at + 2 * n]


def stream(ks, audio, label):
    mv = memoryview(audio)
    for k in range((len(audio) // 2 - 480) // 320 + 1):
        window = mv[640 * k:640 * k + 960]  # made before the lock: the caller's business
        micropython.heap_lock()
        try:
            c = ks.feed(window)
        finally:
            micropython.heap_unlock()
        if c is not None:
            print(label, k, c, ks.score, checksum(ks.ring[ks.head * 40:] + ks.ring[:ks.head * 40]))


ks = KeywordSpotter(fe, cl)
print(ks.rows, ks.row, len(ks.scores))
for name in ("yes_1000ms.wav", "no_1000ms.wav", "silence_1000ms.wav", "noise_1000ms.wav"):
    ks.reset()
    stream(ks, pcm(name), name)

# The same recording from "a microphone": the window moved on in place, 320 new samples a hop.
ks.reset()
yes = pcm("yes_1000ms.wav")
ks.window[:] = yes[:960]
hop = c = None  # globals made before the lock: a new one may grow the module's dict
for k in range(49):
    if k:
        micropython.heap_lock()
        try:
            hop = ks.next_hop()
        finally:
            micropython.heap_unlock()
        hop[:] = yes[640 * k + 320:640 * k + 960]
    micropython.heap_lock()
    try:
        c = ks.feed(ks.window)
    finally:
        micropython.heap_unlock()
print("yes hops", k, c, ks.score, checksum(ks.ring[ks.head * 40:] + ks.ring[:ks.head * 40]))

# One stream, no reset between the recordings, a classification every 10 windows: the ring wraps.
ks = KeywordSpotter(fe, cl, every=10)
pcm("yes_1000ms.wav")
stream(ks, pcm("no_1000ms.wav", 32000), "yes+no")

# Wrong use is refused.
for bad in (lambda: KeywordSpotter(cl, fe), lambda: KeywordSpotter(fe, cl, every=0),
            lambda: KeywordSpotter(fe, cl, stride=481)):
    try:
        bad()
    except ValueError as e:
        print("ValueError", e)
for bad in (lambda: cl.set_input_ring(bytearray(10), 0), lambda: cl.set_input_ring(ks.ring, len(ks.ring)),
            lambda: fe.get_output_into(bytearray(40), 1), lambda: fe.get_output_into(b"x" * 40),
            lambda: cl.set_input_ring("x" * 1960, 0), lambda: cl.set_input_ring(ks.ring),
            lambda: fe.get_output_into(bytearray(40), 0, 1)):
    try:
        bad()
    except (ValueError, TypeError, IndexError) as e:
        print(type(e).__name__, e)

print(cl.set_input_ring(ks.ring, start=40, index=0), fe.get_output_into(buf=bytearray(40), offset=0, index=0))

# Two models in one Arena: reading the front-end's output after the classifier ran is refused.
arena = tinyml.Arena(max(fe.arena_bytes, cl.arena_bytes))
fe2 = tinyml.Model(FRONTEND, arena=arena)
cl2 = tinyml.Model(CLASSIFIER, arena=arena)
fe2.set_input(bytes(960))
fe2.invoke()
cl2.set_input_ring(ks.ring, 40)
try:
    fe2.get_output_into(bytearray(40))
except RuntimeError as e:
    print("RuntimeError", e)
try:
    fe.get_output_into(bytearray(80), -1)
except ValueError as e:
    print("ValueError", e)
