# On the board: keywords from raw audio. Each .wav recording (16 kHz, 16-bit mono) is streamed
# window by window - 480 samples (30 ms) every 320 (20 ms), read into one bytearray, as a
# microphone driver would hand them over - through TFLM's audio front-end and its micro_speech
# classifier with tinyml_stream.KeywordSpotter (frozen into our firmware; on another build copy
# device/python/tinyml_stream.py to the board). Prints each recording's word and score, and the
# time per frame and per classification on the board's clock.
#
#   tinyml-host deploy audio_preprocessor_int8.tflite; tinyml-host deploy micro_speech_quantized.tflite
#   (copy the .wav files to the board, e.g. `mpremote cp yes_1000ms.wav :`)
#   tinyml-host run models/keyword_spotting/spot_keywords.py
import gc
import time

import tinyml
from tinyml_stream import KeywordSpotter, wav_data

DIR = "/"                                   # where the models and recordings are on the board
FRONTEND = "audio_preprocessor_int8.tflite"
CLASSIFIER = "micro_speech_quantized.tflite"
RECORDINGS = ("yes_1000ms.wav", "no_1000ms.wav", "silence_1000ms.wav", "noise_1000ms.wav")
CLASSES = ("silence", "unknown", "yes", "no")
WINDOW, STRIDE = 480, 320                   # samples: 30 ms every 20 ms at 16 kHz
EVERY = 1                                   # classify on every frame once 49 rows are in

gc.collect()
free = gc.mem_free()
frontend = tinyml.Model(DIR + FRONTEND)
classifier = tinyml.Model(DIR + CLASSIFIER)
ks = KeywordSpotter(frontend, classifier, every=EVERY, stride=STRIDE)
gc.collect()
print("memory: front-end arena %d B, state %d B; classifier arena %d B, state %d B; heap used %d B"
      % (frontend.arena_bytes, frontend.state_bytes, classifier.arena_bytes, classifier.state_bytes,
         free - gc.mem_free()))

for name in RECORDINGS:
    f = open(DIR + name, "rb")
    n = wav_data(f)
    ks.reset()
    best = None
    frame_us = []
    invoke = []     # (us, cycles) of the front-end's invoke, the classifier's
    classify_us = []
    for k in range((n - WINDOW) // STRIDE + 1 if n >= WINDOW else 0):
        # As from a microphone: the first window whole, then STRIDE new samples a time, read in
        # place into the spotter's window (ks.next_hop() moves the overlap; nothing allocated).
        f.readinto(ks.next_hop() if k else ks.window)
        t0 = time.ticks_us()
        c = ks.feed(ks.window)
        us = time.ticks_diff(time.ticks_us(), t0)
        if c is None:
            frame_us.append(us)
            if not invoke:
                invoke.append((frontend.last_us, frontend.last_cycles))
        else:
            classify_us.append(us)
            invoke.append((classifier.last_us, classifier.last_cycles))
            if best is None or ks.score > best[1]:
                best = (c, ks.score)
    f.close()
    frame_us.sort()
    print("%s: %s (score %s)" % (name, "-" if best is None else CLASSES[best[0]], "-" if best is None else best[1]))
    if frame_us:
        print("  feed() without classifying: median %d us; the front-end's invoke %d us, %s cycles"
              % (frame_us[len(frame_us) // 2], invoke[0][0], invoke[0][1]))
    if classify_us:
        print("  feed() with a classification: %d us; the classifier's invoke %d us, %s cycles"
              % (classify_us[0], invoke[-1][0], invoke[-1][1]))
