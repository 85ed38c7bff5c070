"""`tinyml-host inspect`: MACs, parameters, op support and the arena, against known figures and
against the firmware itself.

- MACs of the four MLPerf Tiny models equal the published figures;
- the arena and runtime state the host library reports (the device's C engine built for the
  host) equal what the Unix-port firmware reports (m.arena_bytes, m.state_bytes) on every shared
  model, and its op table equals tinyml.ops();
- a model with an op the firmware lacks is reported with the op's name (CLI exit status 2);
- board profiles: a small model fits the RP2040, VWW does not, with the margin shown.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

import model_runs
import mputil
from single_op_models import Tensor, build_single_op_model
from tinyml_host import agent_ram
from tinyml_host import inspect as tinspect
from tinyml_host import native
from tinyml_host.errors import TinymlError
from tinyml_host.tflite_model import read_model

MLPERF_MACS = {
    "kws_ref_model.tflite": 2_656_768,
    "vww_96_int8.tflite": 7_489_664,
    "pretrainedResnet_quant.tflite": 12_501_632,
    "ad01_int8.tflite": 264_192,
}


def cli(*args, check=False):
    p = subprocess.run([sys.executable, "-m", "tinyml_host.cli", *map(str, args)], capture_output=True,
                       text=True, timeout=300, cwd=mputil.REPO_ROOT)
    if check:
        assert p.returncode == 0, p.stderr
    return p


@pytest.mark.parametrize("name", sorted(MLPERF_MACS))
def test_mlperf_macs(models_dir, name, summary):
    path = models_dir / "mlperf_tiny" / name
    info = read_model(path.read_bytes())
    assert info.macs == MLPERF_MACS[name], f"{name}: {info.macs:,} MACs, expected {MLPERF_MACS[name]:,}"
    # Every MAC comes from the three counted ops, each with weights.
    assert all(op.macs == 0 for op in info.ops if op.name not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"))
    report = tinspect.inspect_model(path)
    assert report["totals"]["macs"] == MLPERF_MACS[name]
    summary(f"inspect {name}: {info.macs:,} MACs, {info.param_bytes:,} parameter bytes, "
            f"arena {report['device']['arena_bytes']:,} B")


@pytest.mark.parametrize("path", mputil.model_params())
def test_arena_equals_device(path, micropython):
    """The host library's plan is the firmware's: same arena and state bytes as m.arena_bytes/m.state_bytes."""
    plan = native.plan(path.read_bytes())
    assert plan.ok, plan.error
    arena, state, _ = model_runs.device_figures(path, binary=micropython)
    assert plan.arena_bytes == arena, f"{path.name}: host {plan.arena_bytes}, device {arena}"
    # The Unix port is a 64-bit build like the host library, so even the pointer-holding state matches.
    assert plan.state_bytes + plan.persist_bytes == state
    assert plan.arena_lower_bound <= plan.arena_bytes


@pytest.mark.parametrize("name", sorted(mputil.NEEDS_OPS_WE_LACK))
def test_models_needing_ops_we_lack_are_refused_by_op(models_dir, name):
    paths = list(models_dir.rglob(name))
    if not paths:
        pytest.skip(f"{name} is not among the shared models")
    plan = native.plan(paths[0].read_bytes())
    assert plan.status == native.TM_ERR_UNSUPPORTED, plan.error
    assert "CUSTOM 'Signal" in plan.error


def test_op_table_is_the_firmwares(micropython, models_dir):
    _, _, device_ops = model_runs.device_figures(models_dir / "tflm" / "hello_world_int8.tflite", binary=micropython)
    host_ops = {name: ver for name, ver in native.supported_ops().values()}
    assert host_ops == device_ops


def test_library_rebuilds_when_sources_change(tmp_path, monkeypatch):
    """The cached library is keyed on the C sources: a changed op table gives a new library."""
    import shutil
    src = tmp_path / "device"
    for d in native.SOURCE_DIRS:
        shutil.copytree(native.device_dir() / d, src / d)
    monkeypatch.setenv("TINYML_DEVICE_DIR", str(src))
    monkeypatch.setenv("TINYML_CACHE_DIR", str(tmp_path / "cache"))
    first = native.build_library()
    assert native.build_library() == first                 # cached
    ops_c = src / "runtime" / "tm_ops.c"
    ops_c.write_text(ops_c.read_text() + "\n// changed\n")
    assert native.build_library() != first


def unsupported_model():
    x = Tensor([1, 8], "int8", scale=0.05, zero_point=0)
    y = Tensor([1, 8], "int8", scale=0.05, zero_point=0)
    return build_single_op_model("SIN", [x], [y])


def test_unsupported_op_named(tmp_path):
    model = unsupported_model()
    report = tinspect.inspect_model(model)
    assert [op["op"] for op in report["ops"]] == ["SIN"]
    assert report["ops"][0]["supported"] is False
    assert not report["device"]["loads"]
    assert "SIN" in report["device"]["error"]
    problems = tinspect.device_problems(model)
    assert [p["op"] for p in problems] == ["SIN"] and problems[0]["node"] == 0
    path = tmp_path / "sin.tflite"
    path.write_bytes(model)
    p = cli("inspect", path)
    assert p.returncode == 2
    assert "SIN" in p.stdout and "NO" in p.stdout
    assert "op SIN (version 1) at node 0 is not supported" in p.stderr


def test_unsupported_version_named():
    """An op the firmware has, at a version above the table's: the reason says which versions run."""
    x = Tensor([1, 8], "int8", scale=0.05, zero_point=0)
    y = Tensor([1, 8], "int8", scale=0.05, zero_point=0)
    model = build_single_op_model("RELU", [x], [y], version=9)
    problems = tinspect.device_problems(model)
    assert len(problems) == 1 and problems[0]["op"] == "RELU"
    assert "version 9" in problems[0]["reason"]


def test_cli_json_and_board_fit(models_dir):
    kws = models_dir / "mlperf_tiny" / "kws_ref_model.tflite"
    p = cli("inspect", kws, "--board", "rp2040", "--json", check=True)
    r = json.loads(p.stdout)
    assert r["totals"]["macs"] == MLPERF_MACS["kws_ref_model.tflite"]
    assert r["inputs"][0]["shape"] == [1, 49, 10, 1] and r["inputs"][0]["dtype"] == "int8"
    assert all(op["supported"] for op in r["ops"])
    (fit,) = r["boards"]
    assert fit["board"] == "rp2040" and fit["fits"]
    # the serial agent's share: 5 kept 12-byte outputs and its link buffers (tinyml_host.agent_ram)
    assert fit["ram_agent"] == agent_ram.agent_bytes(490, 12) == 5 * 12 + agent_ram.LINK_BYTES
    assert fit["ram_needed"] == (kws.stat().st_size + r["device"]["state_bytes"] + r["device"]["persist_bytes"]
                                 + 16000 + fit["ram_agent"])
    assert fit["ram_margin"] == fit["heap_bytes"] - fit["reserve_bytes"] - fit["ram_needed"]
    text = cli("inspect", kws, "--board", "rp2040", check=True).stdout
    assert "2,656,768" in text and "arena 16,000 B" in text and "fits" in text and "margin" in text

    vww = models_dir / "mlperf_tiny" / "vww_96_int8.tflite"
    p = cli("inspect", vww, "--board", "rp2040")
    assert p.returncode == 2 and "does NOT fit" in p.stdout
    assert "of RAM; rp2040 has" in p.stderr
    assert cli("inspect", vww, "--board", "esp32s3").returncode == 0

    # Mapped from ROMFS (`deploy --rom`), VWW runs on the Pico: no RAM for the model, the ROMFS
    # partition of firmware/rp2/romfs_layout.h holds it.
    (fit,) = json.loads(cli("inspect", vww, "--board", "rp2040", "--rom", "--json", check=True).stdout)["boards"]
    assert fit["fits"] and fit["rom"] and fit["ram_model"] == 0
    assert fit["storage_bytes"] == 512 * 1024 and fit["storage_margin"] == 512 * 1024 - vww.stat().st_size
    assert fit["ram_needed"] == fit["ram_runtime"] + fit["ram_arena"] + fit["ram_agent"]
    big = cli("inspect", models_dir / "mlperf_tiny" / "vww_96_int8.tflite", "--board", "qemu", "--rom", check=True)
    assert "4,194,304 B ROMFS partition" in big.stdout


def test_bad_input_is_an_error_not_a_traceback(tmp_path):
    bad = tmp_path / "x.tflite"
    bad.write_bytes(b"\x00" * 64)
    p = cli("inspect", bad)
    assert p.returncode == 2 and "not a TensorFlow Lite model" in p.stderr and "Traceback" not in p.stderr
    p = cli("inspect", tmp_path / "missing.tflite")
    assert p.returncode == 2 and "cannot read" in p.stderr
    with pytest.raises(TinymlError):
        read_model(b"abcdTFL3" + b"\xff" * 8)


def test_params_count_constants_once(models_dir):
    info = read_model((models_dir / "mlperf_tiny" / "ad01_int8.tflite").read_bytes())
    # AD: 10 FULLY_CONNECTED layers 640-128-128-128-128-8-128-128-128-128-640 with biases.
    dims = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128, 640]
    weights = sum(a * b for a, b in zip(dims, dims[1:]))
    biases = sum(dims[1:])
    assert info.macs == weights
    assert info.params == weights + biases
    assert info.param_bytes == weights + 4 * biases      # int8 weights, int32 biases
    assert np.sum([op.params for op in info.ops]) == info.params


def test_inspect_needs_no_board_or_convert_packages():
    """`pip install ./host` without extras gives a working `inspect`: building the CLI imports
    neither pyserial, mpremote, esptool nor TensorFlow (deploy imported the link, and so pyserial,
    at module level)."""
    blocked = ["serial", "mpremote", "esptool", "tensorflow", "tflite_micro", "matplotlib"]
    code = (f"import sys\nfor m in {blocked!r}: sys.modules[m] = None\n"
            "from tinyml_host import cli\n"
            f"sys.exit(cli.main(['inspect', {str(mputil.REPO_ROOT / 'models/sine/sine.tflite')!r}]))\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "Traceback" not in p.stderr
