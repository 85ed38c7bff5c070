"""The device's C engine on the host: op table, memory plan and inference from the same code.

The plain C99 runtime (device/runtime, device/kernels, device/ops) plus `csrc/tm_host_api.c` is
compiled with the host C compiler into a shared library and called through ctypes. The supported
ops (`supported_ops()`), the arena (`plan()`) and the outputs (`run_batch()`) are therefore the
firmware's own, not a copy: adding an op to the C table adds it here on the next call.

The library is built on first use and cached under a name that is the hash of every source, so
it is rebuilt exactly when the C code changes. Where things are (overridable from the environment):
  TINYML_DEVICE_DIR   the device/ source folder (default: device/ of the checkout, else the copy
                      the wheel carries in _bundled/device_src: bundled.py)
  TINYML_HOST_LIB     a prebuilt library to load instead of building one
  TINYML_CACHE_DIR    where built libraries go (default: build/host-sdk in a checkout, else
                      ~/.cache/tinyml-host: bundled.cache_dir)
  CC                  the C compiler (default: gcc, else cc)
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from .bundled import BUNDLED_DIR, PACKAGE_DIR, cache_dir, repo_file
from .errors import TinymlError

GLUE = PACKAGE_DIR / "csrc" / "tm_host_api.c"
SOURCE_DIRS = ("runtime", "kernels", "ops")

# tm_status codes (device/runtime/tm_status.h).
TM_OK, TM_ERR_MODEL, TM_ERR_UNSUPPORTED, TM_ERR_ARENA, TM_ERR_ARGUMENT = range(5)
STATUS_NAMES = {TM_OK: "ok", TM_ERR_MODEL: "model", TM_ERR_UNSUPPORTED: "unsupported",
                TM_ERR_ARENA: "arena", TM_ERR_ARGUMENT: "argument"}

_lock = threading.Lock()
_lib = None


def device_dir() -> Path:
    """The device/ source folder the library is built from."""
    env = os.environ.get("TINYML_DEVICE_DIR")
    checkout = repo_file("device")
    candidates = [Path(env)] if env else [d for d in (checkout, BUNDLED_DIR / "device_src") if d is not None]
    for d in candidates:
        if (d / "runtime" / "tm_model.h").is_file():
            return d
    where = ", ".join(str(c) for c in candidates)
    raise TinymlError(f"the tinyml C runtime sources were not found (looked in {where})",
                      "set TINYML_DEVICE_DIR to the device/ folder of a tinyml checkout, "
                      "or install a wheel built with `make wheel` in a tinyml checkout")


def _sources(ddir: Path) -> list[Path]:
    srcs = sorted(p for d in SOURCE_DIRS for p in (ddir / d).glob("*.c"))
    return srcs + [GLUE]


def _cache_dir() -> Path:
    build = repo_file("build")
    if not os.environ.get("TINYML_CACHE_DIR") and build is not None and os.access(build.parent, os.W_OK):
        return build / "host-sdk"
    return cache_dir()


def _compiler() -> str:
    cc = os.environ.get("CC")
    if cc:
        return cc
    for name in ("gcc", "cc", "clang"):
        if shutil.which(name):
            return name
    raise TinymlError("no C compiler found: the host SDK builds the device's C runtime into a "
                      "library on first use (inspect, convert)",
                      "install one: `apt-get install build-essential` (Debian/Ubuntu), "
                      "`xcode-select --install` (macOS); or set CC")


def build_library(force: bool = False) -> Path:
    """Compile (if needed) and return the path of the host library."""
    ddir = device_dir()
    srcs = _sources(ddir)
    h = hashlib.sha256()
    for p in srcs + sorted(p for d in SOURCE_DIRS for p in (ddir / d).glob("*.h")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    out = _cache_dir() / f"libtinyml_host-{h.hexdigest()[:16]}.so"
    if out.is_file() and not force:
        return out
    cc = _compiler()
    out.parent.mkdir(parents=True, exist_ok=True)
    # Build into a temporary name and rename: concurrent processes never load a half-written file.
    fd, tmp = tempfile.mkstemp(prefix=out.name + ".", dir=out.parent)
    os.close(fd)
    cmd = [cc, "-std=c99", "-O2", "-shared", "-fPIC", "-I", str(ddir / "runtime"),
           "-I", str(ddir / "kernels"), "-o", tmp, *map(str, srcs), "-lm"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        os.unlink(tmp)
        raise TinymlError(f"could not run the C compiler {cc!r}: {e}", "install gcc or set CC")
    if p.returncode != 0:
        os.unlink(tmp)
        raise TinymlError(f"building the host library from {ddir} failed:\n{p.stderr.strip()[-2000:]}",
                          f"command: {' '.join(cmd)}")
    os.replace(tmp, out)
    return out


def load_library():
    """The ctypes handle of the host library (built once per process)."""
    global _lib
    with _lock:
        if _lib is None:
            path = os.environ.get("TINYML_HOST_LIB") or str(build_library())
            lib = ctypes.CDLL(path)
            lib.tm_host_op_count.restype = ctypes.c_int
            lib.tm_host_op_at.restype = ctypes.c_char_p
            lib.tm_host_op_at.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_int32),
                                          ctypes.POINTER(ctypes.c_int32)]
            lib.tm_host_builtin_name.restype = ctypes.c_char_p
            lib.tm_host_builtin_name.argtypes = [ctypes.c_int32]
            lib.tm_host_plan.restype = ctypes.c_int
            lib.tm_host_plan.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t),
                                         ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, ctypes.c_size_t]
            lib.tm_host_check_nodes.restype = ctypes.c_int
            lib.tm_host_check_nodes.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int),
                                                ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int,
                                                ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, ctypes.c_size_t]
            lib.tm_host_set_patch_mode.restype = None
            lib.tm_host_set_patch_mode.argtypes = [ctypes.c_int]
            lib.tm_host_patch_info.restype = ctypes.c_int
            lib.tm_host_patch_info.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint64),
                                               ctypes.c_char_p, ctypes.c_size_t]
            lib.tm_host_arena_touched.restype = ctypes.c_int
            lib.tm_host_arena_touched.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
                                                  ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint64),
                                                  ctypes.c_char_p, ctypes.c_size_t]
            lib.tm_host_run_batch.restype = ctypes.c_int
            lib.tm_host_run_batch.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t,
                                              ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                              ctypes.c_size_t, ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
            _lib = lib
        return _lib


CUSTOM_CODE = 32  # TFLite BuiltinOperator CUSTOM: a custom op's row is found by its name


def supported_ops() -> dict[int | str, tuple[str, int]]:
    """{builtin code: (name, highest version)} for every op of the firmware's op table; a custom
    op's row (TFLM's signal ops) is keyed "CUSTOM:<name>", as tflite_model names the op."""
    lib = load_library()
    ops = {}
    for i in range(lib.tm_host_op_count()):
        code, ver = ctypes.c_int32(), ctypes.c_int32()
        name = lib.tm_host_op_at(i, ctypes.byref(code), ctypes.byref(ver))
        key = f"CUSTOM:{name.decode()}" if code.value == CUSTOM_CODE else code.value
        ops[key] = (name.decode(), ver.value)
    return ops


def builtin_name(code: int) -> str:
    return load_library().tm_host_builtin_name(code).decode()


@dataclass
class Plan:
    """What loading the model on the device gives: the status and the memory it needs."""
    status: int             # tm_status, TM_OK when the device would load the model
    error: str              # the device's error text ("" when ok)
    node: int               # the node the error belongs to, or -1
    state_bytes: int        # tensor/node records and shapes kept after load (host pointer size: see below)
    persist_bytes: int      # op data from prepare (multipliers...)
    arena_bytes: int        # the activation arena (m.arena_bytes on the device)
    arena_lower_bound: int  # the largest set of activations alive at once

    @property
    def ok(self) -> bool:
        return self.status == TM_OK


def plan(model: bytes) -> Plan:
    """Load `model` as tinyml.Model() does (open, parse, prepare) and report the outcome.

    arena_bytes and persist_bytes are the same on every target (the planner aligns to 4 bytes and
    uses no pointers); state_bytes holds pointers, so the figure from a 64-bit host is an upper
    bound for 32-bit boards. A model that fails to open (an unsupported op) has no arena figure.
    """
    lib = load_library()
    sizes = (ctypes.c_size_t * 4)()
    node = ctypes.c_int(-1)
    err = ctypes.create_string_buffer(256)
    status = lib.tm_host_plan(bytes(model), len(model), sizes, ctypes.byref(node), err, len(err))
    return Plan(status, err.value.decode("utf-8", "replace"), node.value, *[int(s) for s in sizes])


# Patch-based inference modes (tm_model.h TM_PATCH_*): "auto" patches when it lowers the arena.
PATCH_MODES = {"auto": 0, "off": 1, "on": 2}


def set_patch_mode(mode: str) -> None:
    """Patch-based inference for every later load in this process: "auto" (the device's default),
    "off" or "on" (the best chain within the MAC budget even when it does not lower the arena)."""
    if mode not in PATCH_MODES:
        raise TinymlError(f"unknown patch mode {mode!r}", f"use one of {', '.join(PATCH_MODES)}")
    load_library().tm_host_set_patch_mode(PATCH_MODES[mode])


@dataclass
class PatchInfo:
    """The patch plan the device's parse chooses, and the arena with and without it."""
    arena_bytes: int
    arena_lower_bound: int
    arena_unpatched: int
    bound_unpatched: int
    conv_macs: int          # every CONV_2D / DEPTHWISE_CONV_2D multiply-accumulate of one run
    extra_macs: int         # those the patches' halo rows compute again
    first_node: int
    nodes: int              # 0: no patches
    rows: int               # output rows of the chain's last node per band
    bands: int


def patch_info(model: bytes, mode: str = "auto") -> PatchInfo:
    """Load `model` as the device does with patch mode `mode` and report its patch plan."""
    lib = load_library()
    info = (ctypes.c_uint64 * 10)()
    err = ctypes.create_string_buffer(256)
    set_patch_mode(mode)
    try:
        status = lib.tm_host_patch_info(bytes(model), len(model), info, err, len(err))
    finally:
        set_patch_mode("auto")
    if status != TM_OK:
        raise TinymlError(f"the device runtime cannot load this model: {err.value.decode('utf-8', 'replace')}")
    return PatchInfo(*[int(v) for v in info])


def arena_touched(model: bytes, x: bytes, mode: str = "auto", guard: int = 4096) -> int:
    """One past the highest arena byte one run on input `x` writes (the arena poisoned twice, with
    `guard` bytes past the planned size): at most the plan's arena_bytes when the plan is sound."""
    lib = load_library()
    end = ctypes.c_uint64(0)
    err = ctypes.create_string_buffer(256)
    set_patch_mode(mode)
    try:
        status = lib.tm_host_arena_touched(bytes(model), len(model), bytes(x), len(x), guard, ctypes.byref(end),
                                           err, len(err))
    finally:
        set_patch_mode("auto")
    if status != TM_OK:
        raise TinymlError(f"running the model failed: {err.value.decode('utf-8', 'replace')}")
    return end.value


NODE_TEXT_BYTES = 256


@dataclass
class NodeCheck:
    """One node's verdict from the device's own prepare, run on that node alone."""
    status: int             # tm_status: TM_OK, or why the device refuses the node
    error: str

    @property
    def ok(self) -> bool:
        return self.status == TM_OK


def check_nodes(model: bytes, n_nodes: int) -> list[NodeCheck] | None:
    """Every node of `model` checked on its own (op table, version, the op's prepare), so a user
    sees every node the firmware refuses, not only the first one its loader stops at. None when
    the model cannot be parsed that far (a corrupt file: `plan()` says why)."""
    lib = load_library()
    count = max(n_nodes, 1)
    statuses = (ctypes.c_int * count)()
    texts = ctypes.create_string_buffer(count * NODE_TEXT_BYTES)
    checked = ctypes.c_int(0)
    err = ctypes.create_string_buffer(256)
    status = lib.tm_host_check_nodes(bytes(model), len(model), statuses, texts, NODE_TEXT_BYTES, count,
                                     ctypes.byref(checked), err, len(err))
    if status != TM_OK or checked.value != n_nodes:
        return None
    raw = texts.raw
    return [NodeCheck(statuses[i], raw[i * NODE_TEXT_BYTES:(i + 1) * NODE_TEXT_BYTES].split(b"\0", 1)[0]
                      .decode("utf-8", "replace")) for i in range(n_nodes)]


def run_batch(model: bytes, inputs, reset_state: bool = False,
              patches: str = "auto") -> "numpy.ndarray":  # noqa: F821
    """Run a single-input single-output model on each row of `inputs` with the device's engine.

    patches: patch-based inference mode ("auto", "off", "on": see set_patch_mode).
    reset_state: set the recurrent state (LSTM, SVDF variable tensors) back to its reset value
    before each row (Model.reset() on the board), so each row is an independent window; by
    default the state carries over from one row to the next, as from one invoke to the next.

    `inputs`: an array whose first axis is the sample and whose other elements are the input
    tensor's, in its dtype (int8, or float32 for float-I/O models). Returns the raw outputs as an
    array of shape (n, output bytes) of uint8, for the caller to view as the output's dtype.
    """
    import numpy as np
    lib = load_library()
    x = np.ascontiguousarray(inputs)
    n = x.shape[0]
    in_bytes = x.nbytes // max(n, 1)
    p = plan(model)
    if not p.ok:
        raise TinymlError(f"the device runtime cannot load this model: {p.error}")
    out_bytes = _single_output_bytes(model)
    out = np.zeros((n, out_bytes), np.uint8)
    err = ctypes.create_string_buffer(256)
    set_patch_mode(patches)
    try:
        status = lib.tm_host_run_batch(bytes(model), len(model), n, x.ctypes.data, in_bytes, out.ctypes.data,
                                       out_bytes, int(reset_state), err, len(err))
    finally:
        set_patch_mode("auto")
    if status != TM_OK:
        raise TinymlError(f"running the model failed: {err.value.decode('utf-8', 'replace')}")
    return out


def _single_output_bytes(model: bytes) -> int:
    from .tflite_model import read_model
    info = read_model(model)
    if len(info.outputs) != 1:
        raise TinymlError(f"the model has {len(info.outputs)} outputs; batch runs need exactly one")
    return info.outputs[0].nbytes
