"""Gesture recognition from a 3-axis accelerometer: 2 s windows at 50 Hz (100 x 3, in g).

Data: *synthetic*, from the generator below (no package on the registries we use ships a
labelled 3-axis gesture dataset; aeon ships BasicMotions, 80 smartwatch activity recordings at
10 Hz, too few to measure an accuracy and not gestures). The generator models what makes real
recordings hard:
  - 5 gestures: rest (still), shake (side to side, 3-6 Hz), circle (1-2 turns in the plane of the
    hand), flick (a quick up-down of the wrist), tap (two sharp impacts on the device);
  - 60 subjects, each with their own speed, amplitude, way of holding the device (a random
    orientation: gravity lands on all three axes), and a small per-axis tremor;
  - per-device sensor error: offsets up to +-0.06 g and gains within +-4 % on each axis;
  - white noise (0.02-0.08 g), slow drift, random onset and duration inside the window,
    windows with a gesture cut by the window edge, and "rest" windows with fidgeting (slow sway,
    a small bump) that look like weak gestures.
Train on 48 subjects, test on the other 12 (subjects never seen in training).

Model: Reshape (100, 1, 3) -> Conv2D 8 (5x1) -> MaxPool 2 -> Conv2D 16 (5x1) -> MaxPool 2 ->
Conv2D 24 (3x1) -> GlobalAveragePooling -> Dense 5 softmax. Every layer maps to a device op.

Run from the repository root:  .venv/bin/python models/gesture/train.py   (about 1 min on 2 cores)
Writes, beside this file: gesture.keras, gesture.tflite, calibration.npy (100 training windows),
test_x.npy / test_y.npy (100 test windows and labels), labels.txt (the class names), metrics.json (the README's figures).
"""

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "host"))  # tinyml_host from this checkout

import numpy as np  # noqa: E402

SEED = 2024
RATE = 50                      # Hz
STEPS = 100                    # 2 s windows
GESTURES = ["rest", "shake", "circle", "flick", "tap"]
N_SUBJECTS, N_TEST_SUBJECTS = 60, 12
WINDOWS_PER_SUBJECT_CLASS = 40


def random_rotation(rng, spread):
    """A rotation of up to `spread` radians about a random axis (Rodrigues' formula)."""
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    a = rng.uniform(-spread, spread)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(a) * k + (1 - np.cos(a)) * k @ k


def make_subject(rng):
    return {
        "speed": rng.uniform(0.75, 1.3),          # faster or slower than average
        "amp": rng.uniform(0.45, 1.4),            # bigger or smaller movements
        "grip": random_rotation(rng, 0.6),        # how the device sits in the hand
        "tremor": rng.uniform(0.003, 0.015),      # physiological tremor, 8-12 Hz
        "tremor_hz": rng.uniform(8, 12),
        "offset": rng.uniform(-0.06, 0.06, 3),    # the sensor's zero-g offset
        "gain": rng.uniform(0.96, 1.04, 3),       # and sensitivity error
    }


def gesture_motion(kind, t, s, rng):
    """Linear acceleration (g) in the hand frame for one window, shape (STEPS, 3)."""
    a = np.zeros((len(t), 3))
    dur = rng.uniform(0.8, 1.6) / s["speed"]
    start = rng.uniform(-0.3, 2.0 - dur + 0.2)            # may be cut by the window edge
    env = np.clip((t - start) / dur, 0, 1)
    active = (t >= start) & (t <= start + dur)
    hann = np.where(active, np.sin(np.pi * env) ** 2, 0.0)
    amp = s["amp"]
    if kind == "rest":
        # still, or fidgeting: a slow sway, a small bump (putting the hand down, a step)
        a += rng.normal(0, 0.01, 3)
        if rng.random() < 0.5:
            f = rng.uniform(0.5, 2.0)
            a += 0.15 * amp * hann[:, None] * np.sin(2 * np.pi * f * t[:, None] + rng.uniform(0, 6, 3))
        if rng.random() < 0.3:
            c = rng.uniform(0.2, 1.8)
            a[:, rng.integers(3)] += rng.uniform(0.2, 0.6) * np.exp(-0.5 * ((t - c) / 0.05) ** 2)
    elif kind == "shake":
        f = rng.uniform(3, 6) * s["speed"]
        ph = rng.uniform(0, 2 * np.pi)
        a[:, 0] += 1.2 * amp * hann * np.sin(2 * np.pi * f * t + ph)
        a[:, 1] += 0.25 * amp * hann * np.sin(2 * np.pi * f * t + ph + 0.7)
    elif kind == "circle":
        turns = rng.integers(1, 3)
        ph = 2 * np.pi * turns * env + rng.uniform(0, 2 * np.pi)
        direction = rng.choice([-1, 1])
        a[:, 0] += 0.6 * amp * hann * np.cos(ph)
        a[:, 1] += 0.6 * amp * hann * direction * np.sin(ph)
    elif kind == "flick":
        c = start + dur / 2
        w = 0.09 / s["speed"]
        # up then down: the derivative of a Gaussian bump in z, a little pitch in y
        g = np.exp(-0.5 * ((t - c) / w) ** 2)
        a[:, 2] += 1.8 * amp * (-(t - c) / w) * g
        a[:, 1] += 0.5 * amp * g
    elif kind == "tap":
        for k in range(2):
            c = start + 0.2 + k * rng.uniform(0.18, 0.35) / s["speed"]
            spike = np.exp(-np.abs(t - c) / 0.012) * np.cos(2 * np.pi * 18 * (t - c))
            a[:, 2] -= 2.5 * amp * rng.uniform(0.7, 1.2) * spike
            a[:, 0] += 0.4 * amp * rng.uniform(-1, 1) * spike
    return a


def make_window(kind, s, rng):
    t = np.arange(STEPS) / RATE
    # orientation: the subject's grip, a little different each time
    r = s["grip"] @ random_rotation(rng, 0.25)
    gravity = r @ np.array([0.0, 0.0, 1.0])
    motion = gesture_motion(kind, t, s, rng) @ r.T
    tremor = s["tremor"] * np.sin(2 * np.pi * s["tremor_hz"] * t[:, None] + rng.uniform(0, 6, 3))
    drift = np.outer(t - 1.0, rng.normal(0, 0.01, 3))
    noise = rng.normal(0, rng.uniform(0.02, 0.08), (STEPS, 3))
    true = gravity + motion + tremor + drift
    measured = true * s["gain"] + s["offset"] + noise
    return np.clip(measured, -4, 4).astype(np.float32)    # a +-4 g sensor


def make_dataset(rng):
    xs, ys, subj = [], [], []
    for sid in range(N_SUBJECTS):
        s = make_subject(rng)
        for c, kind in enumerate(GESTURES):
            for _ in range(WINDOWS_PER_SUBJECT_CLASS):
                xs.append(make_window(kind, s, rng))
                ys.append(c)
                subj.append(sid)
    return np.stack(xs), np.array(ys, np.int64), np.array(subj)


def build_model():
    import keras
    L = keras.layers
    return keras.Sequential([
        keras.Input((STEPS, 3), name="accel"),
        L.Reshape((STEPS, 1, 3), name="to_2d"),
        L.Conv2D(8, (5, 1), padding="same", activation="relu", name="conv1"),
        L.MaxPooling2D((2, 1), name="pool1"),
        L.Conv2D(16, (5, 1), padding="same", activation="relu", name="conv2"),
        L.MaxPooling2D((2, 1), name="pool2"),
        L.Conv2D(24, (3, 1), padding="same", activation="relu", name="conv3"),
        L.GlobalAveragePooling2D(name="gap"),
        L.Dropout(0.2, name="dropout"),
        L.Dense(len(GESTURES), activation="softmax", name="gesture"),
    ], name="gesture")


def main():
    import keras
    import tensorflow as tf
    from tinyml_host.convert import convert
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(SEED)
    x, y, subj = make_dataset(rng)
    test = subj >= N_SUBJECTS - N_TEST_SUBJECTS
    x_train, y_train, x_test, y_test = x[~test], y[~test], x[test], y[test]

    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(0.003), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=25, batch_size=64, validation_split=0.1, verbose=0,
              callbacks=[keras.callbacks.ReduceLROnPlateau(patience=3, factor=0.5)])
    model.save(HERE / "gesture.keras")

    # Full test set for the figures; 100 windows of each kept beside the model.
    tmp = Path(tempfile.mkdtemp(prefix="gesture-"))
    np.save(tmp / "test_x.npy", x_test)
    np.save(tmp / "test_y.npy", y_test)
    pick = np.random.default_rng(0).choice(len(x_train), 100, replace=False)
    np.save(HERE / "calibration.npy", x_train[pick])
    keep = np.random.default_rng(1).choice(len(x_test), 100, replace=False)
    np.save(HERE / "test_x.npy", x_test[keep])
    np.save(HERE / "test_y.npy", y_test[keep])
    (HERE / "labels.txt").write_text("".join(g + "\n" for g in GESTURES))  # validate --class-names
    r = convert(HERE / "gesture.keras", HERE / "calibration.npy", output=HERE / "gesture.tflite",
                eval_data=tmp / "test_x.npy", eval_labels=tmp / "test_y.npy")
    shutil.rmtree(tmp)
    metrics = dict(r.as_dict(), output="gesture.tflite", classes=GESTURES,
                   train_windows=int(len(x_train)), test_windows=int(len(x_test)))
    (HERE / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(r.summary())


if __name__ == "__main__":
    main()
