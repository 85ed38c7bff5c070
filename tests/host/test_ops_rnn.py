"""UNIDIRECTIONAL_SEQUENCE_LSTM and SVDF (issue 12, recurrent slice) against TFLM, bit for bit,
over several invokes of one loaded model (the state carries over, as in TFLM).

  LSTM, converted: Keras LSTM layers (random or briefly trained weights; units, time steps,
        features, return_sequences) converted to int8 by TensorFlow's converter
        (lstm_keras.py), converted once per test session.
  LSTM, single-op: the converter's layout (int8 input / hidden state / weights, int32 biases,
        int16 cell state at a power-of-two scale, variable states) with random shapes, scales,
        zero points, batch 1..3, time-major or not, cell clip, cell scales off a power of two.
  SVDF: int8 input / weights_feature / output, int16 (and int8) state and weights_time, int32
        bias, random rank, memory, units and quantization (TFLM's keyword-model shape:
        [1, features] frames, one invoke per frame).
Every case runs STEPS invokes with fresh inputs and compares every output; Model.reset() /
tm_model_reset_state against TFLM's reset(); a share runs through `import tinyml` in the Unix
port; plus the models prepare must refuse (REJECTIONS).

TINYML_RNN_CASES sets the number of random single-op cases per op (default 150);
TINYML_RNN_KERAS the number of converted Keras models (default 8).
"""

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

import mputil
from host_engine import TM_ERR_MODEL, TM_ERR_UNSUPPORTED, TM_OK, build_engine
from single_op_models import Tensor, build_single_op_model
from test_single_ops_elementwise import case, describe_mismatch, f32, log_uniform, same_bits
from test_single_ops_elementwise import test_rejections as check_rejection

CASES = int(os.environ.get("TINYML_RNN_CASES", "150"))
KERAS_CASES = int(os.environ.get("TINYML_RNN_KERAS", "8"))
STEPS = 3
UNIX_CASES_PER_OP = 8


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return build_engine(tmp_path_factory.mktemp("engine"))


def tflm_steps(model, steps, reset_every=0):
    """TFLM's outputs for each step's inputs, invoking one interpreter (state carried over)."""
    from tflite_micro.python.tflite_micro import runtime
    import tflite
    n_out = tflite.Model.GetRootAs(model, 0).Subgraphs(0).OutputsLength()
    it = runtime.Interpreter.from_bytes(model, arena_size=1 << 20)
    outs = []
    for k, inputs in enumerate(steps):
        if reset_every and k and k % reset_every == 0:
            it.reset()
        for i, x in enumerate(inputs):
            it.set_input(np.asarray(x), i)
        it.invoke()
        outs.append([np.array(it.get_output(i)) for i in range(n_out)])
    return outs


def check_steps(engine, cases, reset_every=0):
    for name, model, steps, outputs in cases:
        refs = tflm_steps(model, steps, reset_every)
        status, err, ours = engine.steps(model, steps, outputs, reset_every)
        assert status == TM_OK, f"{name}: tinyml refused the model: {err}"
        for k, (o_step, r_step) in enumerate(zip(ours, refs)):
            for o, r in zip(o_step, r_step):
                assert same_bits(o, r), describe_mismatch(f"{name} invoke {k}", o, r)


# ---------------------------------------------------------------------------------------------
# UNIDIRECTIONAL_SEQUENCE_LSTM

def lstm_model(rng, batch, time, n_input, units, time_major=False, cell_clip=0.0, activation="TANH",
               cell_scale=2.0 ** -15, hidden=(0.004, -10), omit=(), bias_type="int32", cell_type="int16",
               act_type="int8", variable_states=True, out_scale=None):
    """A converter-shaped UNIDIRECTIONAL_SEQUENCE_LSTM: inputs in lstm_shared.h order. The last
    arguments make the malformed ones of REJECTIONS."""
    s_in, z_in = log_uniform(rng, 0.005, 0.1), int(rng.integers(-128, 128))
    ins = [Tensor([time, batch, n_input] if time_major else [batch, time, n_input], act_type, scale=s_in, zero_point=z_in)]
    for rows, cols in [(units, n_input)] * 4 + [(units, units)] * 4:
        s = log_uniform(rng, 0.002, 0.03)
        ins.append(Tensor([rows, cols], scale=s, zero_point=0, data=rng.integers(-127, 128, (rows, cols))))
    ins += [None] * 3                                               # no peephole
    for g in range(4):
        s = float(np.float32(s_in * ins[1 + g].scale))
        ins.append(Tensor([units], bias_type, scale=s, zero_point=0,
                          data=rng.integers(-3000, 3000, units)))
    ins += [None] * 2                                               # no projection
    ins.append(Tensor([batch, units], act_type, scale=hidden[0], zero_point=hidden[1], is_variable=variable_states))
    ins.append(Tensor([batch, units], cell_type, scale=cell_scale, zero_point=0, is_variable=variable_states))
    ins += [None] * 4                                               # no layer norm
    for i in omit:
        ins[i] = None
    out_shape = [time, batch, units] if time_major else [batch, time, units]
    out = Tensor(out_shape, act_type, scale=out_scale or hidden[0], zero_point=hidden[1])
    model = build_single_op_model("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [out],
                                  options=dict(fused_activation_function=activation, cell_clip=cell_clip,
                                               time_major=time_major))
    return model, ins[0].shape, out_shape


def lstm_case(rng, i):
    batch = int(rng.choice([1, 1, 1, 2, 3]))
    time, n_input, units = int(rng.integers(1, 7)), int(rng.integers(1, 13)), int(rng.integers(1, 13))
    time_major = bool(rng.random() < 0.3)
    cell_clip = 0.0 if rng.random() < 0.5 else float(np.float32(rng.uniform(0.05, 10.0)))
    activation = "TANH"   # the only one the schema and TFLM have in common
    power = int(rng.integers(-15, -9))
    cell_scale = 2.0 ** power if rng.random() < 0.9 else float(np.float32(2.0 ** power * rng.uniform(0.8, 1.3)))
    hidden = (log_uniform(rng, 0.002, 0.02), int(rng.integers(-128, 128)))
    model, in_shape, out_shape = lstm_model(rng, batch, time, n_input, units, time_major, cell_clip,
                                            activation, cell_scale, hidden)
    steps = [[rng.integers(-128, 128, in_shape).astype(np.int8)] for _ in range(STEPS)]
    name = (f"lstm{i} b{batch} t{time} in{n_input} u{units} {'tm ' if time_major else ''}"
            f"clip {cell_clip:.3g} cell 2^{power}")
    return case(name, model, steps, [(out_shape, "int8")])


# ---------------------------------------------------------------------------------------------
# SVDF

def svdf_model(rng, batch, n_input, units, rank, memory, state_type="int16", bias=True):
    s_in, z_in = log_uniform(rng, 0.005, 0.2), int(rng.integers(-128, 128))
    s_wf = log_uniform(rng, 0.002, 0.03)
    if state_type == "int16":
        s_state, z_state = log_uniform(rng, 1e-4, 2e-3), 0
        s_wt = log_uniform(rng, 1e-5, 1e-3)
        wt = rng.integers(-32768, 32768, (units * rank, memory))
    else:
        s_state, z_state = log_uniform(rng, 0.01, 0.2), int(rng.integers(-128, 128))
        s_wt = log_uniform(rng, 0.002, 0.03)
        wt = rng.integers(-127, 128, (units * rank, memory))
    # An output scale around the units' spread (typical int values: 73 for int8, 18900 for int16;
    # the state clamps), so that outputs rarely saturate.
    state_std = min(7300.0 * np.sqrt(n_input) * s_in * s_wf, (20000.0 if state_type == "int16" else 73.0) * s_state)
    out_std = (18900.0 if state_type == "int16" else 73.0) * s_wt * state_std * np.sqrt(memory * rank)
    s_out, z_out = f32(out_std / 40.0 * rng.uniform(0.5, 2.0)), int(rng.integers(-64, 64))
    filters = units * rank
    ins = [Tensor([batch, n_input], scale=s_in, zero_point=z_in),
           Tensor([filters, n_input], scale=s_wf, zero_point=0, data=rng.integers(-127, 128, (filters, n_input))),
           Tensor([filters, memory], state_type, scale=s_wt, zero_point=0, data=wt),
           Tensor([units], "int32", scale=float(np.float32(s_state * s_wt)), zero_point=0,
                  data=rng.integers(-20000, 20000, units)) if bias else None,
           Tensor([batch, memory * filters], state_type, scale=s_state, zero_point=z_state, is_variable=True)]
    act = str(rng.choice(["NONE", "RELU"]))
    model = build_single_op_model("SVDF", ins, [Tensor([batch, units], scale=s_out, zero_point=z_out)],
                                  options=dict(rank=rank, fused_activation_function=act), version=3)
    return model, act


def svdf_case(rng, i):
    batch = int(rng.choice([1, 1, 1, 2, 3]))
    n_input, units = int(rng.integers(1, 17)), int(rng.integers(1, 9))
    rank, memory = int(rng.integers(1, 4)), int(rng.integers(1, 9))
    state_type = "int8" if rng.random() < 0.2 else "int16"
    model, act = svdf_model(rng, batch, n_input, units, rank, memory, state_type)
    steps = [[rng.integers(-128, 128, (batch, n_input)).astype(np.int8)] for _ in range(STEPS + 2)]
    name = f"svdf{i} b{batch} in{n_input} u{units} rank{rank} mem{memory} {state_type} {act}"
    return case(name, model, steps, [((batch, units), "int8")])


GENERATORS = {"unidirectional_sequence_lstm": lstm_case, "svdf": svdf_case}
SEEDS = {name: 9100 + k for k, name in enumerate(GENERATORS)}


def cases_for(op, n=CASES):
    rng = np.random.default_rng(SEEDS[op])
    return [GENERATORS[op](rng, i) for i in range(n)]


@pytest.mark.parametrize("op", list(GENERATORS))
def test_engine_matches_tflm(engine, op, summary):
    cases = cases_for(op)
    check_steps(engine, cases)
    summary(f"{op}: {len(cases)} random single-op models x {len(cases[0][2])} invokes bit-exact with TFLM (C engine)")


@pytest.mark.parametrize("op", list(GENERATORS))
def test_reset_matches_tflm(engine, op, summary):
    """Resetting the state every 2 invokes: the same outputs as TFLM's reset()."""
    cases = cases_for(op, 20)
    check_steps(engine, cases, reset_every=2)
    summary(f"{op}: 20 models with the state reset every 2 invokes, bit-exact with TFLM")


# ---------------------------------------------------------------------------------------------
# Converted Keras LSTMs (cached for the session: a conversion takes seconds).

KERAS_CONFIGS = [  # units, time steps, features, return_sequences, trained
    (4, 3, 2, True, False), (8, 5, 3, False, True), (3, 2, 1, True, True), (16, 4, 6, True, False),
    (5, 8, 2, False, False), (12, 3, 10, True, True), (1, 6, 3, False, False), (20, 2, 4, False, True),
]


@pytest.fixture(scope="session")
def keras_models():
    from lstm_keras import keras_lstm_tflite
    return [(cfg, keras_lstm_tflite(*cfg[:4], seed=100 + k, trained=cfg[4]))
            for k, cfg in enumerate(KERAS_CONFIGS[:KERAS_CASES])]


def keras_cases(keras_models, n_steps=STEPS):
    import tflite
    cases = []
    rng = np.random.default_rng(77)
    for (units, time, features, seqs, trained), model in keras_models:
        sg = tflite.Model.GetRootAs(model, 0).Subgraphs(0)
        ops = {sg.Operators(i).OpcodeIndex() for i in range(sg.OperatorsLength())}
        assert ops, "empty model"
        out_shape = tuple(sg.Tensors(sg.Outputs(0)).ShapeAsNumpy())
        steps = [[rng.integers(-128, 128, (1, time, features)).astype(np.int8)] for _ in range(n_steps)]
        name = f"keras lstm u{units} t{time} f{features} {'seq' if seqs else 'last'} {'trained' if trained else 'random'}"
        cases.append(case(name, model, steps, [(out_shape, "int8")]))
    return cases


def test_keras_lstm_matches_tflm(engine, keras_models, summary):
    import tflite
    for _, model in keras_models:
        m = tflite.Model.GetRootAs(model, 0)
        codes = {max(m.OperatorCodes(i).BuiltinCode(), m.OperatorCodes(i).DeprecatedBuiltinCode())
                 for i in range(m.OperatorCodesLength())}
        assert 44 in codes, "the converter did not fuse the LSTM"   # UNIDIRECTIONAL_SEQUENCE_LSTM
    cases = keras_cases(keras_models)
    check_steps(engine, cases)
    summary(f"keras LSTM: {len(cases)} converted models x {STEPS} invokes bit-exact with TFLM (C engine)")


# ---------------------------------------------------------------------------------------------
# Models prepare must refuse.

def _lstm(**kw):
    return lambda: lstm_model(np.random.default_rng(5), 1, 3, 2, 4, **kw)[0]


def _svdf(**kw):
    return lambda: svdf_model(np.random.default_rng(6), 1, 4, 3, 2, 5, **kw)[0]


REJECTIONS = [
    ("lstm with a RELU cell activation", _lstm(activation="RELU"),
     TM_ERR_UNSUPPORTED, "cell activation 1 is not supported", False),
    ("lstm with an int8 cell state", _lstm(cell_type="int8"),
     TM_ERR_UNSUPPORTED, "cell state is int8", True),
    ("lstm with int16 activations (16x8, not supported yet)", _lstm(act_type="int16", hidden=(0.0001, 0)),
     TM_ERR_UNSUPPORTED, "int16 activations (16x8) are not supported", False),
    ("lstm with CIFG (no input gate weights)", _lstm(omit=(1, 5, 12)),
     TM_ERR_UNSUPPORTED, "CIFG is not supported", True),
    ("lstm with int64 biases", _lstm(bias_type="int64"),
     TM_ERR_UNSUPPORTED, "gate bias is int64", False),
    ("lstm whose states are not variable tensors", _lstm(variable_states=False),
     TM_ERR_MODEL, "must be variable tensors", True),
    ("lstm whose output quantization differs from the hidden state's", _lstm(out_scale=0.02),
     TM_ERR_UNSUPPORTED, "output quantization differs", False),
    ("svdf without a bias", _svdf(bias=False),
     TM_ERR_UNSUPPORTED, "needs a bias", False),
]


@pytest.mark.parametrize("what,make,status,message,tflm_refuses", REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_rejections(engine, what, make, status, message, tflm_refuses):
    check_rejection(engine, what, make, status, message, tflm_refuses)


# ---------------------------------------------------------------------------------------------
# Through `import tinyml` in the Unix port: several invokes, then reset() and the first again.

UNIX_SCRIPT = """
import sys, tinyml
d = sys.argv[1]
def load(p):
    f = open(p, 'rb'); b = f.read(); f.close(); return b
k = 0
while True:
    try:
        model = load('%s/%d.tflite' % (d, k))
    except OSError:
        break
    n = int(load('%s/%d.n' % (d, k)))
    m = tinyml.Model(model)
    outs = []
    for s in range(n):
        m.set_input(load('%s/%d.in%d' % (d, k, s)))
        m.invoke()
        outs.append(m.get_output(0).hex())
    m.reset()
    m.set_input(load('%s/%d.in0' % (d, k)))
    m.invoke()
    outs.append(m.get_output(0).hex())
    print(k, ' '.join(outs))
    k += 1
print('done', k)
"""


def test_unix_port(micropython, keras_models, summary):
    picked = [c for op in GENERATORS for c in cases_for(op, UNIX_CASES_PER_OP)] + keras_cases(keras_models)[:3]
    with tempfile.TemporaryDirectory() as d:
        for k, (name, model, steps, outputs) in enumerate(picked):
            Path(d, f"{k}.tflite").write_bytes(model)
            Path(d, f"{k}.n").write_text(str(len(steps)))
            for s, (x,) in enumerate(steps):
                Path(d, f"{k}.in{s}").write_bytes(np.ascontiguousarray(x).tobytes())
        out = mputil.run_script(UNIX_SCRIPT, binary=micropython, args=[d], timeout=300)
    lines = out.split("\n")
    assert f"done {len(picked)}" in lines, out[-2000:]
    results = dict(l.split(" ", 1) for l in lines if l and not l.startswith("done"))
    for k, (name, model, steps, outputs) in enumerate(picked):
        refs = [r[0] for r in tflm_steps(model, steps + [steps[0]], reset_every=len(steps))]
        shape, dtype = outputs[0]
        for s, (hexed, ref) in enumerate(zip(results[str(k)].split(), refs)):
            ours = np.frombuffer(bytes.fromhex(hexed), dtype).reshape(shape)
            assert same_bits(ours, ref), describe_mismatch(f"unix port {name} invoke {s}", ours, ref)
    summary(f"recurrent ops: {len(picked)} models x {STEPS}+ invokes and a reset() bit-exact with TFLM through `import tinyml`")


# ---------------------------------------------------------------------------------------------
# The device test's expected output is TFLM's.

def test_device_checksums_are_tflms():
    """tests/device/model_recurrent.py prints checksums of three invokes of two recurrent models
    and whether reset() gives the first again: compute them in TFLM and compare with its .exp."""
    device = mputil.REPO_ROOT / "tests" / "device"

    def checksum(b):
        s = 0
        for v in np.asarray(b).view(np.uint8).reshape(-1):
            s = (s * 31 + int(v)) & 0xFFFFFF
        return s

    expected, shared = [], []
    for name in ("lstm_small", "svdf_small"):
        model = (device / "data" / f"{name}.tflite").read_bytes()
        from tflite_micro.python.tflite_micro import runtime
        shape = runtime.Interpreter.from_bytes(model).get_input_details(0)["shape"]
        n = int(np.prod(shape))
        frames = [np.frombuffer(bytes((i * 37 + k * 11) % 256 for i in range(n)), np.int8).reshape(shape)
                  for k in (0, 1, 2, 0)]
        outs = [o[0] for o in tflm_steps(model, [[f] for f in frames], reset_every=3)]
        sums = [checksum(o) for o in outs]
        expected.append(f"{name} {sums[:3]} {sums[3] == sums[0]}")
        shared.append(sums[:3])
    expected.append(f"shared arena {shared}")
    assert (device / "model_recurrent.py.exp").read_text().splitlines() == expected
