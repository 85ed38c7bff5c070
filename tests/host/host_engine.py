"""tinyml's plain C engine as a host shared library, for the tests that run it without MicroPython.

build_engine(out_dir) compiles device/runtime, device/kernels, device/ops and
tests/host/tm_host_run.c with the host gcc (with UBSan) into a shared library, or loads the
prebuilt one named by TINYML_HOST_LIB=path, and returns

    run(model, inputs, outputs) -> (status, error text, output arrays)

which loads, prepares and invokes the model once (tm_host_run_steps with one step): `inputs` are arrays in the model's
input order, `outputs` a list of (shape, dtype), one per model output. status is TM_OK or the
tm_status of the failure (TM_ERR_MODEL, TM_ERR_UNSUPPORTED, as in device/runtime/tm_status.h).

    run.steps(model, steps, outputs, reset_every=0) -> (status, error text, [per-step output lists])

invokes one loaded model once per entry of `steps` (each a list of input arrays), so that the
state of recurrent ops carries over; reset_every > 0 resets that state before every step k > 0
with k % reset_every == 0 (tm_model_reset_state).

compile_library(out, sources, ubsan) is the gcc command line behind it, for tests that build a
library of their own (test_kernels_tflm.py: the kernels alone).
"""

import ctypes
import os
import subprocess

import numpy as np

import mputil

TM_OK, TM_ERR_MODEL, TM_ERR_UNSUPPORTED = 0, 1, 2


def compile_library(out, sources, ubsan=True, extra_flags=()):
    """gcc -shared: strict C99, warnings as errors, the engine's include paths; -> ctypes.CDLL."""
    root = mputil.REPO_ROOT
    sanitize = ["-fsanitize=undefined", "-fno-sanitize-recover=all"] if ubsan else []
    cmd = ["gcc", "-std=c99", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", *sanitize, *extra_flags,
           "-I", str(root / "device" / "runtime"), "-I", str(root / "device" / "kernels"),
           "-o", str(out), *[str(s) for s in sources], "-lm"]
    subprocess.run(cmd, check=True)
    return ctypes.CDLL(str(out))


def build_engine(out_dir, extra_flags=()):
    """extra_flags: e.g. -DTM_OPS_SELECTED -I<dir of a tm_ops_selected.h> (an op subset); the
    prebuilt TINYML_HOST_LIB is used only without them."""
    prebuilt = os.environ.get("TINYML_HOST_LIB")
    if prebuilt and not extra_flags:
        return _wrap(ctypes.CDLL(prebuilt))
    root = mputil.REPO_ROOT
    srcs = sorted(str(p) for d in ("runtime", "kernels", "ops") for p in (root / "device" / d).glob("*.c"))
    srcs.append(str(root / "tests" / "host" / "tm_host_run.c"))
    return _wrap(compile_library(out_dir / "libtinyml_host.so", srcs, extra_flags=extra_flags))


def cached_engine(cache_dir):
    """build_engine() compiled once per version of the sources: the library goes to
    cache_dir/libtinyml_host-<hash of every engine source>.so and is reused while it matches."""
    import hashlib
    root = mputil.REPO_ROOT
    srcs = sorted(p for d in ("runtime", "kernels", "ops") for p in (root / "device" / d).glob("*.[ch]"))
    srcs.append(root / "tests" / "host" / "tm_host_run.c")
    h = hashlib.sha256()
    for p in srcs:
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    out = cache_dir / f"libtinyml_host-{h.hexdigest()[:16]}.so"
    if not out.is_file():
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        compile_library(tmp, [p for p in srcs if p.suffix == ".c"])
        os.replace(tmp, out)
    return _wrap(ctypes.CDLL(str(out)))


def _wrap(lib):
    lib.tm_host_run_steps.restype = ctypes.c_int
    u8p = ctypes.POINTER(ctypes.c_uint8)

    def steps(model, step_inputs, outputs, reset_every=0):
        n = len(step_inputs)
        ins = [np.concatenate([np.ascontiguousarray(s[i]).view(np.uint8).reshape(-1) for s in step_inputs])
               for i in range(len(step_inputs[0]))]
        outs = [np.zeros((n,) + tuple(shape), dtype) for shape, dtype in outputs]
        raw = [o.reshape(-1).view(np.uint8) for o in outs]
        in_ptrs = (u8p * max(len(ins), 1))(*[x.ctypes.data_as(u8p) for x in ins])
        in_lens = (ctypes.c_size_t * max(len(ins), 1))(*[x.size for x in ins])
        out_ptrs = (u8p * len(raw))(*[o.ctypes.data_as(u8p) for o in raw])
        out_lens = (ctypes.c_size_t * len(raw))(*[o.size for o in raw])
        err = ctypes.create_string_buffer(256)
        status = lib.tm_host_run_steps(model, ctypes.c_size_t(len(model)), n, reset_every, len(ins),
                                       in_ptrs, in_lens, len(raw), out_ptrs, out_lens, err,
                                       ctypes.c_size_t(len(err)))
        return status, err.value.decode(), [[o[k] for o in outs] for k in range(n)]

    def run(model, inputs, outputs):
        status, err, outs = steps(model, [inputs], outputs)
        return status, err, outs[0]

    def set_model_offset(offset):
        """Place the engine's copy of every later model `offset` (0 or 4) bytes past an 8-byte
        boundary: 4 gives a model whose int64 data is 4- but not 8-byte aligned."""
        ctypes.c_int.in_dll(lib, "tm_host_model_offset").value = offset

    run.steps = steps
    run.set_model_offset = set_model_offset
    return run
