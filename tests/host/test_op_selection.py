"""Build-time op selection (TINYML_OPS): device/tools/select_ops.py, the op table it trims, and the
two build files that run it.

- select_ops.py turns op names and .tflite files into tm_ops_selected.h, and refuses with one line
  (exit 2) an unknown op, a missing model file, a model using an op tinyml lacks, an empty list.
- The engine compiled with that header (as device/runtime/tm_ops.c is in a port build) runs the
  selected models bit-exact with TFLM and refuses any other op, saying the firmware was built with
  TINYML_OPS.
- device/micropython.mk (through a minimal stand-in for a port's make) compiles tm_ops.o with
  -DTM_OPS_SELECTED only when TINYML_OPS is set, recompiles it when the selection changes, and
  stops the build with select_ops' message on a bad selection; device/micropython.cmake does the
  same at configure time.
"""

import re
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

import mputil
from host_engine import TM_ERR_UNSUPPORTED, TM_OK, build_engine
from single_op_models import run_tflm

ROOT = mputil.REPO_ROOT
SELECT = ROOT / "device" / "tools" / "select_ops.py"
KWS = mputil.MODELS_DIR / "mlperf_tiny" / "kws_ref_model.tflite"
IC = mputil.MODELS_DIR / "mlperf_tiny" / "pretrainedResnet_quant.tflite"
FRONTEND = mputil.MODELS_DIR / "tflm" / "micro_speech" / "audio_preprocessor_int8.tflite"


def need(*paths):
    for p in paths:
        if not p.is_file():
            pytest.skip(mputil.models_missing_reason())


def select(tmp_path, *items, cwd=None):
    out = tmp_path / "gen" / "tm_ops_selected.h"
    p = subprocess.run([sys.executable, str(SELECT), "--out", str(out), *items], capture_output=True,
                       text=True, cwd=cwd)
    return p, out


def selected_ops(header):
    return sorted(line.split()[1][len("TM_OP_"):] for line in header.read_text().splitlines()
                  if line.startswith("#define TM_OP_") and line.endswith(" 1"))


def test_names_and_models(tmp_path):
    need(KWS)
    p, out = select(tmp_path, "softmax, RESHAPE", str(KWS))
    assert p.returncode == 0, p.stderr
    assert selected_ops(out) == ["AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED",
                                 "RESHAPE", "SOFTMAX"]
    # Every op of the table gets a line (0 for the rest), so the table never sees an undefined name.
    rows = [l for l in out.read_text().splitlines() if l.startswith("#define TM_OP_")]
    table_rows = re.findall(r"^\s*&tm_op_\w+,\s*$", (ROOT / "device/runtime/tm_ops.c").read_text(), re.M)
    assert len(rows) == len(table_rows) > 60
    # Unchanged selection: the header is not rewritten (nothing recompiles).
    before = out.stat().st_mtime_ns
    time.sleep(0.01)
    assert select(tmp_path, "SOFTMAX RESHAPE", str(KWS))[0].returncode == 0
    assert out.stat().st_mtime_ns == before


@pytest.mark.parametrize("items, message", [
    (["CONV_2D", "FOO"], "unknown op 'FOO' in TINYML_OPS"),
    (["missing.tflite"], "model file missing.tflite not found"),
    ([","], "selects no op"),
])
def test_bad_selection(tmp_path, items, message):
    p, out = select(tmp_path, *items)
    assert p.returncode == 2 and message in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert not out.exists()


def test_model_with_custom_ops_selects_their_rows(tmp_path):
    """The audio front-end's CUSTOM signal ops select their rows (custom code -> row name)."""
    need(FRONTEND)
    p, out = select(tmp_path, str(FRONTEND))
    assert p.returncode == 0, p.stderr
    text = out.read_text()
    for row in ("SIGNAL_WINDOW", "SIGNAL_FFT_AUTO_SCALE", "SIGNAL_RFFT", "SIGNAL_PCAN", "SIGNAL_FILTER_BANK_LOG", "CAST", "DIV"):
        assert f"#define TM_OP_{row} 1" in text, row
    assert "#define TM_OP_CONV_2D 0" in text


def test_custom_op_by_custom_code(tmp_path):
    p, out = select(tmp_path, "SignalFilterBankSpectralSubtraction")
    assert p.returncode == 0, p.stderr
    assert "#define TM_OP_SIGNAL_FILTER_BANK_SPECTRAL_SUBTRACTION 1" in out.read_text()


def test_relative_model_path_from_base(tmp_path):
    """make -C moves into the port: model paths are taken from --base (make's $(PWD))."""
    need(KWS)
    out = tmp_path / "h.h"
    p = subprocess.run([sys.executable, str(SELECT), "--base", str(KWS.parent), "--out", str(out), KWS.name],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr


@pytest.fixture(scope="module")
def kws_only_engine(tmp_path_factory):
    need(KWS)
    tmp = tmp_path_factory.mktemp("selected")
    p, header = select(tmp, str(KWS))
    assert p.returncode == 0, p.stderr
    return build_engine(tmp, extra_flags=("-DTM_OPS_SELECTED", "-I", str(header.parent)))


def test_selected_engine_runs_its_model_bit_exact(kws_only_engine):
    from tflite_micro.python.tflite_micro import runtime
    model = KWS.read_bytes()
    it = runtime.Interpreter.from_bytes(model)
    ind, outd = it.get_input_details(0), it.get_output_details(0)
    x = np.random.default_rng(5).integers(-128, 128, ind["shape"]).astype(np.int8)
    status, err, (ours,) = kws_only_engine(model, [x], [(tuple(outd["shape"]), "int8")])
    assert status == TM_OK, err
    (ref,) = run_tflm(model, [x])
    assert np.array_equal(ours.view(np.uint8), np.asarray(ref).view(np.uint8))


def test_selected_engine_refuses_other_ops(kws_only_engine):
    need(IC)
    status, err, _ = kws_only_engine(IC.read_bytes(), [np.zeros((1, 32, 32, 3), np.int8)], [((1, 10), "int8")])
    assert status == TM_ERR_UNSUPPORTED
    assert "ADD v2" in err and "built with only 6 ops (TINYML_OPS)" in err, err


# A port's make, reduced to what micropython.mk relies on: BUILD, USER_C_MODULES, USERMOD_DIR,
# PYTHON, CFLAGS; the recipe for tm_ops.o prints its flags and prerequisites.
FAKE_PORT = """\
BUILD := {build}
USER_C_MODULES := {root}
USERMOD_DIR := {root}/device
PYTHON := {python}
CFLAGS := -Os
include {root}/device/micropython.mk
$(TINYML_OPS_O):
\t@echo "CFLAGS=$(CFLAGS)"; echo "DEPS=$^"; mkdir -p $(@D); touch $@
"""


def fake_make(port, ops=None):
    env = {k: v for k, v in __import__("os").environ.items() if k != "TINYML_OPS"}
    if ops is not None:
        env["TINYML_OPS"] = ops
    obj = port / "build" / "device" / "runtime" / "tm_ops.o"
    return subprocess.run(["make", "-s", "-C", str(port), str(obj)], capture_output=True, text=True, env=env)


def test_micropython_mk(tmp_path):
    need(KWS)
    if shutil.which("make") is None:
        pytest.skip("no make")
    port = tmp_path / "port"
    port.mkdir()
    (port / "Makefile").write_text(FAKE_PORT.format(build=port / "build", root=ROOT, python=sys.executable))
    p = fake_make(port)
    assert p.returncode == 0, p.stderr
    assert "TM_OPS_SELECTED" not in p.stdout
    assert fake_make(port).stdout == ""          # up to date: nothing recompiled
    p = fake_make(port, str(KWS))                # a selection: recompiled, with the header
    assert p.returncode == 0, p.stderr
    assert "-DTM_OPS_SELECTED" in p.stdout and "tm_ops_selected.h" in p.stdout
    assert fake_make(port, str(KWS)).stdout == ""
    p = fake_make(port)                          # unset again: recompiled without it
    assert p.returncode == 0 and "CFLAGS=-Os" in p.stdout and "TM_OPS_SELECTED" not in p.stdout, p.stdout
    p = fake_make(port, "CONV_2D NOT_AN_OP")
    assert p.returncode != 0 and "unknown op 'NOT_AN_OP' in TINYML_OPS" in p.stderr, p.stderr


CMAKE_PROJECT = """\
cmake_minimum_required(VERSION 3.13)
project(fake_port C)
add_library(usermod INTERFACE)
include({root}/device/micropython.cmake)
get_source_file_property(DEFS {root}/device/runtime/tm_ops.c COMPILE_DEFINITIONS)
message(STATUS "tm_ops.c definitions: ${{DEFS}}")
"""


def test_micropython_cmake(tmp_path):
    need(KWS)
    if shutil.which("cmake") is None:
        pytest.skip("no cmake")
    src = tmp_path / "src"
    src.mkdir()
    (src / "CMakeLists.txt").write_text(CMAKE_PROJECT.format(root=ROOT))

    def configure(build, ops):
        env = {k: v for k, v in __import__("os").environ.items() if k != "TINYML_OPS"}
        env["TINYML_OPS_PYTHON"] = sys.executable
        if ops:
            env["TINYML_OPS"] = ops
        return subprocess.run(["cmake", "-S", str(src), "-B", str(tmp_path / build)], capture_output=True,
                              text=True, env=env)

    p = configure("all", None)
    assert p.returncode == 0, p.stderr
    assert "tm_ops.c definitions: NOTFOUND" in p.stdout
    p = configure("kws", f"{KWS} SOFTMAX")
    assert p.returncode == 0, p.stderr
    assert "tm_ops.c definitions: TM_OPS_SELECTED" in p.stdout and "6 of" in p.stdout
    assert selected_ops(tmp_path / "kws" / "tinyml-gen" / "tm_ops_selected.h")[0] == "AVERAGE_POOL_2D"
    p = configure("bad", "NOT_AN_OP")
    assert p.returncode != 0 and "unknown op 'NOT_AN_OP'" in p.stderr, p.stderr


def test_every_row_can_be_left_out():
    """Each row of the op table sits in its own #if TM_WITH(NAME) (NAME its own name), or a
    selection could not drop it."""
    import re
    lines = (ROOT / "device/runtime/tm_ops.c").read_text().splitlines()
    rows = [i for i, l in enumerate(lines) if re.fullmatch(r"\s*&tm_op_\w+,", l)]
    assert rows
    for i in rows:
        name = re.search(r"&tm_op_(\w+),", lines[i]).group(1).upper()
        assert lines[i - 1].strip() == f"#if TM_WITH({name})" and lines[i + 1].strip() == "#endif", \
            f"tm_ops.c line {i + 1}: {lines[i].strip()} is not inside #if TM_WITH({name}) ... #endif"
