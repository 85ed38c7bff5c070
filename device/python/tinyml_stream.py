# tinyml_stream: keyword spotting from raw audio on the board, frame by frame, allocating nothing
# per frame (frozen into our firmware with the serial agent; on other ports copy this file).
#
#   import tinyml
#   from tinyml_stream import KeywordSpotter
#   ks = KeywordSpotter(tinyml.Model("audio_preprocessor_int8.tflite"),
#                       tinyml.Model("micro_speech_quantized.tflite"), every=1)
#   for each 30 ms window of 16 kHz int16 audio (480 samples, a new one every 20 ms):
#       k = ks.feed(window)       # None until 49 rows are in, and between classifications
#       if k is not None: print(k, ks.score)
#
# From a microphone, fill the newest `stride` samples of ks.window in place, also allocating nothing:
#       i2s.readinto(ks.next_hop()); k = ks.feed(ks.window)
#
# The front-end model (TFLM's audio_preprocessor_int8: one window -> one row of 40 int8 features,
# with a noise estimate carried from window to window) runs on every window; its row goes into a
# ring of the classifier's rows (a bytearray made once); every `every` windows, once the ring is
# full, the classifier runs on the rows oldest first. The copies are Model.get_output_into and
# Model.set_input_ring (no slices, no memoryviews made per call), so feed() allocates nothing and
# can run with the heap locked (micropython.heap_lock()).


class _Slicer:
    def __getitem__(self, s):  # a slice object made once (this port's slice() may not be callable)
        return s


class KeywordSpotter:
    def __init__(self, frontend, classifier, every=1, stride=320):
        fo, ci = frontend.outputs[0], classifier.inputs[0]
        if frontend.inputs[0].dtype != "int16":
            raise ValueError("the front-end takes %s; an audio front-end takes int16 samples" % frontend.inputs[0].dtype)
        if fo.dtype != "int8" or ci.dtype != "int8":
            raise ValueError("front-end output %s, classifier input %s: both must be int8" % (fo.dtype, ci.dtype))
        row = 1
        for d in fo.shape:
            row *= d
        size = 1
        for d in ci.shape:
            size *= d
        if row < 1 or size % row:
            raise ValueError("the classifier's input (%d bytes) is not a whole number of %d-byte feature rows"
                             % (size, row))
        if every < 1:
            raise ValueError("every must be at least 1")
        samples = 1
        for d in frontend.inputs[0].shape:
            samples *= d
        if not 1 <= stride <= samples:
            raise ValueError("stride %d: from 1 to the window's %d samples" % (stride, samples))
        self.frontend = frontend
        self.classifier = classifier
        self.row = row                 # bytes per feature row
        self.rows = size // row        # rows per classification (49 for micro_speech)
        self.every = every
        self.ring = bytearray(size)    # the feature rows; self.head is the oldest
        self.scores = classifier.output_buffer(0)  # the classes' scores after a classification
        # The audio window for next_hop(): its newest samples move to its front, through a slice
        # object and memoryviews made here, so that moving them allocates nothing.
        self.window = bytearray(2 * samples)
        view = memoryview(self.window)
        keep = 2 * (samples - stride)
        self._keep_to = _Slicer()[0:keep]
        self._keep_from = view[2 * stride:]
        self._hop = view[keep:]
        self.score = None
        self.reset()

    def reset(self):
        """A new, unrelated stream: the front-end's noise estimate and the rows go."""
        self.frontend.reset()
        self.head = 0
        self.filled = 0
        self.since = 0
        self.score = None

    def next_hop(self):
        """Moves self.window on by one stride (its newest samples become its oldest) and returns a
        memoryview of the bytes the next `stride` samples go into (int16, little-endian). Fill
        all of self.window once before the first feed()."""
        self.window[self._keep_to] = self._keep_from
        return self._hop

    def features(self, window):
        """Run the front-end on one window (480 int16 samples: bytes, bytearray, array('h')) and
        put its row in the ring; returns the row's offset in self.ring."""
        fe = self.frontend
        fe.set_input(window)
        fe.invoke()
        at = self.head * self.row
        fe.get_output_into(self.ring, at)
        self.head = self.head + 1 if self.head + 1 < self.rows else 0
        if self.filled < self.rows:
            self.filled += 1
        self.since += 1
        return at

    def classify(self):
        """Run the classifier on the ring (oldest row first); returns the top class (the first of
        equal scores) and sets self.score."""
        cl = self.classifier
        cl.set_input_ring(self.ring, self.head * self.row)
        cl.invoke()
        self.since = 0
        s = self.scores
        best = 0
        for i in range(1, len(s)):
            if s[i] > s[best]:
                best = i
        self.score = s[best]
        return best

    def feed(self, window):
        """One window in; the top class when the classifier ran (every `every` windows once the
        ring is full), else None."""
        self.features(window)
        if self.filled < self.rows or self.since < self.every:
            return None
        return self.classify()


def wav_data(f):
    """A .wav file opened in binary mode: checks it is 16 kHz mono 16-bit PCM and leaves `f` at the
    first sample; returns the number of samples."""
    head = f.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise ValueError("not a WAV file (no RIFF/WAVE header)")
    fmt = None
    while True:
        chunk = f.read(8)
        if len(chunk) < 8:
            raise ValueError("no data chunk in the WAV file")
        size = int.from_bytes(chunk[4:8], "little")
        if chunk[:4] == b"fmt ":
            fmt = f.read(size + (size & 1))
        elif chunk[:4] == b"data":
            break
        else:
            f.read(size + (size & 1))
    if fmt is None or len(fmt) < 16:
        raise ValueError("no fmt chunk before the data in the WAV file")
    tag, channels = int.from_bytes(fmt[0:2], "little"), int.from_bytes(fmt[2:4], "little")
    rate, bits = int.from_bytes(fmt[4:8], "little"), int.from_bytes(fmt[14:16], "little")
    if tag != 1 or channels != 1 or bits != 16 or rate != 16000:
        raise ValueError("the WAV is format %d, %d channels, %d bits, %d Hz: 16 kHz mono 16-bit PCM "
                         "wanted" % (tag, channels, bits, rate))
    return size // 2
