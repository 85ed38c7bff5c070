"""Train and convert the Keras zoo (keras_zoo.py), cached on disk so that reruns take seconds.

    z = zoo_artifacts(name)          # trained model, calibration data, float windows (cached)
    conversion(name, kind) -> Conversion(tflite bytes or None, error text or None, skip reason)

Kinds: "keras_int8", "keras_int16" (TFLiteConverter.from_keras_model, dynamic batch, as
TensorFlow's post-training integer quantization guide shows: representative dataset, int8 or
16x8 ops only, integer input/output) and "tinyml_int8", "tinyml_int16"
(tinyml_host.convert.convert, the SDK's converter).

The cache lives in build/zoo-cache/<name>-<key>/. The key hashes the builder's source, the
training recipe's version and TensorFlow's version; tinyml's conversions also hash
tinyml_host/convert.py, and a refusal by the device's pre-flight check also the device sources
(it goes away when the engine learns the op).

    python tests/host/zoo_build.py [names...]   builds everything (or the names) and prints times
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import inspect
import os
import shutil
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "host"))

import keras_zoo  # noqa: E402

CACHE = Path(os.environ.get("TINYML_ZOO_CACHE", REPO / "build" / "zoo-cache"))
TRAIN_RECIPE = 2          # bump when the data or the training below changes
N_TRAIN, N_CALIB, N_WINDOWS, EPOCHS = 256, 100, 20, 3
KINDS = ("keras_int8", "tinyml_int8", "keras_int16", "tinyml_int16")


@dataclass
class Conversion:
    tflite: bytes | None
    error: str | None = None
    skip: str | None = None


def _tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    tf.get_logger().setLevel("ERROR")
    return tf


def _sha(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
        h.update(b"\0")
    return h.hexdigest()[:16]


def cache_dir(name: str) -> Path:
    arch = keras_zoo.ARCHS[name]
    key = _sha(inspect.getsource(arch.build), arch.task, str(TRAIN_RECIPE), _tf().__version__)
    return CACHE / f"{name}-{key}"


def engine_hash() -> str:
    ddir = REPO / "device"
    files = sorted(p for d in ("runtime", "kernels", "ops") for p in (ddir / d).glob("*.[ch]"))
    return _sha(*[p.read_bytes() for p in files])


# ---------------------------------------------------------------------------------------------
# Synthetic, learnable data

def make_data(name: str, model, n: int, seed_offset: int):
    """(x, targets) for `model`'s task: inputs around a per-class pattern, targets per output."""
    arch = keras_zoo.ARCHS[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))          # the task: same for every split
    in_shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    out_shapes = [tuple(int(d) for d in o.shape[1:]) for o in model.outputs]
    classes = out_shapes[0][-1]
    patterns = rng.normal(0, 1, (max(classes, 1),) + in_shape).astype(np.float32)
    mix = rng.normal(0, 1, (4, int(np.prod(in_shape)))).astype(np.float32)
    rng = np.random.default_rng(zlib.crc32(name.encode()) + seed_offset)
    if arch.task == "autoenc":
        x = (rng.normal(0, 1, (n, 4)).astype(np.float32) @ mix).reshape((n,) + in_shape)
        return x, x
    noise = rng.normal(0, 0.7, (n,) + in_shape).astype(np.float32)
    if arch.task == "seg":
        x = noise + rng.normal(0, 0.7, (n,) + in_shape[:-2] + (1, 1)).astype(np.float32)
        return x, (x[..., :1] > 0).astype(np.float32)
    labels = rng.integers(0, classes, n)
    x = noise + patterns[labels]
    if arch.task == "two_head":
        return x, [labels, x.reshape(n, -1).mean(axis=1, keepdims=True)]
    return x, labels


def _train(name: str, model) -> None:
    import keras
    arch = keras_zoo.ARCHS[name]
    x, y = make_data(name, model, N_TRAIN, 1)
    for layer in model.layers:   # a few dozen steps: the moving statistics must follow them
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = 0.5
    loss = {"class": "sparse_categorical_crossentropy", "autoenc": "mse", "seg": "binary_crossentropy",
            "two_head": ["sparse_categorical_crossentropy", "mse"]}[arch.task]
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss)
    model.fit(x, y, batch_size=32, epochs=EPOCHS, verbose=0)


def zoo_artifacts(name: str) -> Path:
    """The cache folder with model.keras, calibration.npy and windows.npy (float) for `name`."""
    d = cache_dir(name)
    if (d / "windows.npy").is_file():
        return d
    import keras
    keras.utils.set_random_seed(zlib.crc32(name.encode()) & 0xFFFF)
    with contextlib.redirect_stdout(sys.stderr):
        model = keras_zoo.ARCHS[name].build()
        _train(name, model)
    # Built in a private folder and renamed: a concurrent run never sees half of it.
    tmp = d.with_name(f"{d.name}.{os.getpid()}.tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    model.save(tmp / "model.keras")
    np.save(tmp / "calibration.npy", make_data(name, model, N_CALIB, 2)[0])
    np.save(tmp / "windows.npy", make_data(name, model, N_WINDOWS, 3)[0])
    try:
        os.rename(tmp, d)
    except OSError:                 # another process finished first: use its folder
        shutil.rmtree(tmp, ignore_errors=True)
    return d


def _write(path: Path, data: bytes | str) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data.encode() if isinstance(data, str) else data)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# Conversions

def _keras_convert(d: Path, int16: bool) -> bytes:
    """TensorFlow's documented path: from_keras_model (the batch stays dynamic)."""
    import keras
    tf = _tf()
    model = keras.models.load_model(d / "model.keras", compile=False)
    calib = np.load(d / "calibration.npy")

    def representative():
        for s in calib:
            yield [s[None].astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    if int16:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        conv.inference_input_type = conv.inference_output_type = tf.int16
    else:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = conv.inference_output_type = tf.int8
    return bytes(conv.convert())


def _tinyml_convert(d: Path, int16: bool, out: Path) -> bytes:
    from tinyml_host.convert import convert
    kw = {"activations": "int16"} if int16 else {}       # int8 calls run on converters without the keyword
    return convert(str(d / "model.keras"), str(d / "calibration.npy"), output=str(out), io="int8", **kw).tflite


def _short(e: BaseException) -> str:
    lines = [l for l in str(e).strip().splitlines() if l.strip()]
    useful = [l for l in lines if "error:" in l]
    return f"{type(e).__name__}: " + (useful[0] if useful else (lines[-1] if lines else ""))[:600]


def conversion(name: str, kind: str) -> Conversion:
    assert kind in KINDS, kind
    d = zoo_artifacts(name)
    int16 = kind.endswith("int16")
    if kind.startswith("tinyml"):
        key = _sha((REPO / "host" / "tinyml_host" / "convert.py").read_bytes())
        out = d / f"{kind}-{key}.tflite"
        err_file = d / f"{kind}-{key}-{engine_hash()}.error"
    else:
        out = d / f"{kind}.tflite"
        err_file = d / f"{kind}.error"
    if out.is_file():
        return Conversion(out.read_bytes())
    if err_file.is_file():
        return _failed(err_file.read_text())
    try:
        with contextlib.redirect_stdout(sys.stderr):    # Keras prints "Saved artifact ..."
            if kind.startswith("tinyml"):
                tflite = _tinyml_convert(d, int16, out)
            else:
                tflite = _keras_convert(d, int16)
                _write(out, tflite)
        return Conversion(tflite)
    except TypeError as e:
        if "activations" not in str(e):
            raise
        # Not cached: the keyword arrives with the converter branch that adds 16x8 and LSTM/GRU.
        return Conversion(None, skip="tinyml_host.convert.convert() has no activations= keyword yet "
                                     "(16x8 conversion lands with the converter branch)")
    except Exception as e:  # noqa: BLE001 - every converter failure is a result to report
        msg = _short(e)
        _write(err_file, msg)
        return _failed(msg)


def _failed(msg: str) -> Conversion:
    return Conversion(None, error=msg)


def windows(name: str) -> np.ndarray:
    return np.load(zoo_artifacts(name) / "windows.npy")


def cases() -> list[tuple[str, str]]:
    """(architecture, kind) for every conversion the zoo tests."""
    out = []
    for name, arch in keras_zoo.ARCHS.items():
        out += [(name, "keras_int8"), (name, "tinyml_int8")]
        if arch.int16:
            out += [(name, "keras_int16"), (name, "tinyml_int16")]
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("names", nargs="*", help="architectures (default: all)")
    args = p.parse_args(argv)
    names = args.names or list(keras_zoo.ARCHS)
    t_all = time.time()
    for name, kind in cases():
        if name not in names:
            continue
        t = time.time()
        c = conversion(name, kind)
        status = "ok" if c.tflite else ("skip: " + c.skip if c.skip else "FAIL: " + (c.error or ""))
        print(f"{name:28s} {kind:13s} {time.time() - t:6.1f}s  {status[:160]}", flush=True)
    print(f"total {time.time() - t_all:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
