# One Model used from two threads: calls are serialised, every result is right (issue 11: on the
# Unix port, which runs threads without a GIL, 3-4 of 3,000 predict() results were wrong).
import tinyml

try:
    import _thread
    import time
except ImportError:
    print("SKIP")
    raise SystemExit
try:
    kws = open("../../../shared/models/mlperf_tiny/kws_ref_model.tflite", "rb").read()
except OSError:
    print("SKIP")
    raise SystemExit

m = tinyml.Model(kws)
inputs = [bytes((i * k + 3) % 256 for i in range(490)) for k in range(4)]
want = [m.predict(x) for x in inputs]
ROUNDS = 400
done = []
wrong = []


def worker(first):
    bad = 0
    for r in range(ROUNDS):
        k = (first + r) % 4
        if m.predict(inputs[k]) != want[k]:
            bad += 1
    wrong.append(bad)
    done.append(1)


_thread.start_new_thread(worker, (0,))
_thread.start_new_thread(worker, (1,))
worker(2)
while len(done) < 3:
    time.sleep_ms(10)
print("calls", 3 * ROUNDS, "wrong", sum(wrong))
