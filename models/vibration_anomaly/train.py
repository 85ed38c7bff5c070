"""Vibration anomaly detection (predictive maintenance): an autoencoder on vibration spectra.

Trained on normal machines only; at run time the reconstruction error (mean squared error between
the 64-band spectrum and the model's output) flags a machine that no longer sounds like a healthy
one. The same idea as MLPerf Tiny's anomaly detection benchmark, on vibration instead of sound.

Data: *synthetic*, from the generator below (the bearing datasets on the registries we use, e.g.
CWRU and Paderborn packages, download their data at run time, which this project does not do).
Vibration of a rotating machine sampled at 6.4 kHz, 1024-sample frames (0.16 s), Hann window,
power spectrum in 64 bands of 50 Hz, log scale (dB / 20, offset so that values sit around 0):
  - 10 units of one machine type (a pump: 2-pole motor, 7-blade impeller), each with its own
    speed under load (2800-2990 rpm, +-3 % from frame to frame), harmonic profile (1x..5x),
    blade-pass level, structural resonance (1300-1700 Hz, how it is bolted down), noise floor
    and sensor mounting gain (+-2 dB);
  - four faults, seen only in the test: bearing outer race (impacts at 3.1-3.6 x rpm ringing the
    resonance), imbalance (1x grows 3-6 times), misalignment (2x and 3x grow), mechanical
    looseness (many harmonics and half-harmonics), each at a random severity, some mild.
80 % of the normal frames of every unit train the model; the test holds the other 20 % and the
faulty frames.

Model: Dense 64 -> 32 -> 8 -> 32 -> 64 (ReLU inside, linear output), all FULLY_CONNECTED on the
device. The threshold is the 99th percentile of the error on held-out normal training frames.

Run from the repository root:  .venv/bin/python models/vibration_anomaly/train.py  (about 1 min)
Writes, beside this file: vibration_ae.keras, vibration_ae.tflite, calibration.npy (100 normal
frames), test_x.npy / test_y.npy (100 test spectra, label 1 = faulty), metrics.json.
"""

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "host"))  # tinyml_host from this checkout

import numpy as np  # noqa: E402

SEED = 7
FS = 6400
FRAME = 1024
BANDS = 64
N_MACHINES = 10
NORMAL_FRAMES = 500            # per machine
FAULT_FRAMES = 60              # per machine and fault
FAULTS = ["bearing", "imbalance", "misalignment", "looseness"]


def make_machine(rng):
    return {
        "rpm": rng.uniform(2800, 2990),              # 2-pole motors under different loads
        "harm": rng.uniform(0.2, 0.3) * np.array([1, rng.uniform(0.25, 0.4), rng.uniform(0.08, 0.15),
                                                  rng.uniform(0.03, 0.07), rng.uniform(0.01, 0.03)]),
        "mesh_order": 7,                               # a 7-blade impeller: blade-pass frequency
        "mesh_amp": rng.uniform(0.03, 0.06),
        "res_hz": rng.uniform(1300, 1700),             # how each unit is bolted down
        "res_q": rng.uniform(10, 16),
        "res_amp": rng.uniform(0.015, 0.025),
        "floor": rng.uniform(0.006, 0.012),
        "gain": 10 ** (rng.uniform(-2, 2) / 20),       # sensor mounting
    }


def resonance(x, f0, q, fs):
    """x filtered by a 2-pole resonator at f0 Hz with quality q (a struck structure)."""
    w = 2 * np.pi * f0 / fs
    r = np.exp(-w / (2 * q))
    a1, a2 = 2 * r * np.cos(w), -r * r
    spec = np.fft.rfft(x)
    z = np.exp(-1j * np.linspace(0, np.pi, len(spec)))
    return np.fft.irfft(spec / (1 - a1 * z - a2 * z * z), n=len(x)) * (1 - r)


def make_frame(m, rng, fault=None, severity=0.0):
    t = np.arange(FRAME) / FS
    f1 = m["rpm"] / 60 * rng.uniform(0.97, 1.03)
    harm = m["harm"].copy()
    x = np.zeros(FRAME)
    extra_orders = []
    if fault == "imbalance":
        harm[0] *= 1 + severity * rng.uniform(2, 5)
    elif fault == "misalignment":
        harm[1] *= 1 + severity * rng.uniform(3, 6)
        harm[2] *= 1 + severity * rng.uniform(3, 8)
    elif fault == "looseness":
        extra_orders = [(k / 2, severity * rng.uniform(0.02, 0.06)) for k in range(1, 21)]
    for k, a in enumerate(harm, start=1):
        x += a * np.sin(2 * np.pi * k * f1 * t + rng.uniform(0, 2 * np.pi))
    for order, a in extra_orders:
        x += a * np.sin(2 * np.pi * order * f1 * t + rng.uniform(0, 2 * np.pi))
    x += m["mesh_amp"] * np.sin(2 * np.pi * m["mesh_order"] * f1 * t + rng.uniform(0, 2 * np.pi))
    # broadband excitation of the structure, plus impacts when the outer race is damaged
    excitation = rng.normal(0, 1, FRAME)
    if fault == "bearing":
        bpfo = f1 * rng.uniform(3.1, 3.6)
        period = FS / bpfo
        phase = rng.uniform(0, period)
        for n in np.arange(phase, FRAME, period):
            excitation[int(n)] += severity * rng.uniform(15, 30)
    x += m["res_amp"] * resonance(excitation, m["res_hz"], m["res_q"], FS) * 10
    x += rng.normal(0, m["floor"], FRAME)
    return x * m["gain"]


def spectrum(x):
    """Frame -> 64 log-power bands: the model's input (the device would compute the same)."""
    p = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2 / len(x)
    bands = p[1:1 + BANDS * 8].reshape(BANDS, 8).mean(axis=1)     # 8 bins of 6.25 Hz = 50 Hz
    return ((10 * np.log10(bands + 1e-10) + 40) / 20).astype(np.float32)


def make_dataset(rng):
    machines = [make_machine(rng) for _ in range(N_MACHINES)]
    normal, normal_mid, faulty, faulty_kind = [], [], [], []
    for mid, m in enumerate(machines):
        for _ in range(NORMAL_FRAMES):
            normal.append(spectrum(make_frame(m, rng)))
            normal_mid.append(mid)
        for kind in FAULTS:
            for _ in range(FAULT_FRAMES):
                faulty.append(spectrum(make_frame(m, rng, kind, rng.uniform(0.3, 1.0))))
                faulty_kind.append(kind)
    return (np.stack(normal), np.array(normal_mid), np.stack(faulty), np.array(faulty_kind))


def roc_auc(scores_normal, scores_faulty):
    """Probability that a faulty frame scores higher than a normal one (ties count half)."""
    s = np.concatenate([scores_normal, scores_faulty])
    order = s.argsort(kind="mergesort")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    for v in np.unique(s):           # average ranks of ties
        tie = s == v
        if tie.sum() > 1:
            ranks[tie] = ranks[tie].mean()
    n0, n1 = len(scores_normal), len(scores_faulty)
    return float((ranks[n0:].sum() - n1 * (n1 + 1) / 2) / (n0 * n1))


def main():
    import keras
    import tensorflow as tf
    from tinyml_host import native
    from tinyml_host.convert import convert, dequantize_output, quantize_input
    from tinyml_host.tflite_model import read_model
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(SEED)
    normal, mid, faulty, kind = make_dataset(rng)
    split = np.random.default_rng(1).random(len(normal)) < 0.8
    x_train, x_test_normal = normal[split], normal[~split]

    L = keras.layers
    model = keras.Sequential([
        keras.Input((BANDS,), name="spectrum"),
        L.Dense(32, activation="relu", name="enc1"),
        L.Dense(8, activation="relu", name="code"),
        L.Dense(32, activation="relu", name="dec1"),
        L.Dense(BANDS, name="reconstruction"),
    ], name="vibration_ae")
    model.compile(optimizer=keras.optimizers.Adam(0.002), loss="mse")
    fit_idx = np.random.default_rng(2).permutation(len(x_train))
    n_val = len(x_train) // 10
    x_val, x_fit = x_train[fit_idx[:n_val]], x_train[fit_idx[n_val:]]
    model.fit(x_fit, x_fit, epochs=80, batch_size=64, validation_data=(x_val, x_val), verbose=0,
              callbacks=[keras.callbacks.ReduceLROnPlateau(patience=5, factor=0.5)])
    model.save(HERE / "vibration_ae.keras")

    np.save(HERE / "calibration.npy", x_fit[np.random.default_rng(3).choice(len(x_fit), 100, replace=False)])
    x_all = np.concatenate([x_test_normal, faulty])
    y_all = np.concatenate([np.zeros(len(x_test_normal), np.int64), np.ones(len(faulty), np.int64)])
    keep = np.random.default_rng(4).choice(len(x_all), 100, replace=False)
    np.save(HERE / "test_x.npy", x_all[keep])
    np.save(HERE / "test_y.npy", y_all[keep])
    np.save(HERE / "test_recon_target.npy", x_all[keep])   # an autoencoder's target is its input
    r = convert(HERE / "vibration_ae.keras", HERE / "calibration.npy", output=HERE / "vibration_ae.tflite",
                eval_data=HERE / "test_x.npy", eval_labels=HERE / "test_recon_target.npy", task="regression")
    (HERE / "test_recon_target.npy").unlink()

    # Anomaly scores, float (Keras) and int8 (the device's engine), on the whole test set.
    tfl = (HERE / "vibration_ae.tflite").read_bytes()
    info = read_model(tfl)

    def scores_float(x):
        return np.mean((model.predict(x, batch_size=512, verbose=0) - x) ** 2, axis=1)

    def scores_int8(x):
        raw = native.run_batch(tfl, quantize_input(x, info.inputs[0]))
        return np.mean((dequantize_output(raw, info.outputs[0]).reshape(len(x), -1) - x) ** 2, axis=1)

    result = {}
    for name, score in (("float", scores_float), ("int8", scores_int8)):
        thr = float(np.percentile(score(x_val), 99))
        sn, sf = score(x_test_normal), score(faulty)
        per_fault = {k: float(np.mean(sf[kind == k] > thr)) for k in FAULTS}
        acc = float((np.sum(sn <= thr) + np.sum(sf > thr)) / (len(sn) + len(sf)))
        result[name] = {"auc": roc_auc(sn, sf), "threshold": thr, "accuracy": acc,
                        "false_alarms": float(np.mean(sn > thr)), "detected": per_fault}
    metrics = dict(r.as_dict(), output="vibration_ae.tflite", anomaly=result,
                   train_frames=int(len(x_fit)), test_normal=int(len(x_test_normal)), test_faulty=int(len(faulty)))
    (HERE / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(r.summary())
    for name in ("float", "int8"):
        m = result[name]
        print(f"{name}: AUC {m['auc']:.4f}, accuracy at threshold {m['accuracy']:.4f}, false alarms "
              f"{m['false_alarms']:.4f}, detected " + ", ".join(f"{k} {v:.2f}" for k, v in m["detected"].items()))


if __name__ == "__main__":
    main()
