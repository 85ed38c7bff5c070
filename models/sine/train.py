"""Sine regression: the "hello world" of TinyML, trained, converted to int8 and checked.

Data: x uniform in [0, 2*pi), y = sin(x) + Gaussian noise (sigma 0.1), generated here (seeded).
Model: Dense(16, relu) -> Dense(16, relu) -> Dense(1), float32 Keras, then full-integer int8 with
`tinyml_host.convert` (the library behind `tinyml-host convert`), calibrated on training inputs.

Run from the repository root:  .venv/bin/python models/sine/train.py   (about 20 s on 2 cores)
Writes, beside this file: sine.keras, sine.tflite, calibration.npy, test_x.npy, test_y.npy,
metrics.json (the figures quoted in README.md).
"""

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "host"))  # tinyml_host from this checkout

import numpy as np  # noqa: E402

SEED = 1234
N_TRAIN, N_TEST = 4000, 200


def make_data(n, rng):
    x = rng.uniform(0.0, 2 * np.pi, size=(n, 1)).astype(np.float32)
    y = (np.sin(x) + rng.normal(0.0, 0.1, size=(n, 1))).astype(np.float32)
    return x, y


def main():
    import keras
    import tensorflow as tf
    from tinyml_host.convert import convert
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(SEED)
    x_train, y_train = make_data(N_TRAIN, rng)
    x_test = np.linspace(0.0, 2 * np.pi, N_TEST, endpoint=False, dtype=np.float32)[:, None]
    y_test = np.sin(x_test).astype(np.float32)   # the clean curve: error against the truth

    model = keras.Sequential([
        keras.Input((1,), name="x"),
        keras.layers.Dense(16, activation="relu", name="dense1"),
        keras.layers.Dense(16, activation="relu", name="dense2"),
        keras.layers.Dense(1, name="y"),
    ], name="sine")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    model.fit(x_train, y_train, epochs=60, batch_size=64, validation_split=0.1, verbose=0,
              callbacks=[keras.callbacks.ReduceLROnPlateau(patience=5, factor=0.5)])
    model.save(HERE / "sine.keras")

    np.save(HERE / "calibration.npy", x_train[:200])
    np.save(HERE / "test_x.npy", x_test)
    np.save(HERE / "test_y.npy", y_test)
    r = convert(HERE / "sine.keras", HERE / "calibration.npy", output=HERE / "sine.tflite",
                eval_data=HERE / "test_x.npy", eval_labels=HERE / "test_y.npy", task="regression")
    metrics = dict(r.as_dict(), output="sine.tflite")
    (HERE / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(r.summary())


if __name__ == "__main__":
    main()
