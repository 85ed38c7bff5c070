"""Patch-based inference (device/runtime/tm_patch.h): the device's own engine built for the host.

For VWW, person_detect and the Keras zoo's MobileNets (v1, v2, v3 minimalistic and hard-swish):
  - outputs with patches forced on, in the default (auto) mode and off are equal byte for byte,
    and equal to TensorFlow Lite Micro's, on the seeded inputs of test_bit_exact.py (person_detect:
    its two real images too) - and a forced plan does run a chain of at least two nodes;
  - the plan is sound: a run in an arena poisoned past the size the plan claims (twice, two
    poison bytes) writes nothing past that size, with and without patches;
  - auto mode patches when, and only when, it lowers the arena, within the MAC budget; person_detect
    reaches 0.6x of the per-op lower bound; the figures go to the run summary.
"""

from pathlib import Path

import numpy as np
import pytest

import zoo_build
from model_runs import run_tflm_batch
from test_bit_exact import make_inputs
from tinyml_host import native
from tinyml_host.tflite_model import read_model

SHARED = ["mlperf_tiny/vww_96_int8.tflite", "tflm/person_detect.tflite"]
ZOO = ["mobilenet_v1", "mobilenet_v2", "mobilenet_v3_minimalistic", "mobilenet_v3_hardswish"]
MAX_EXTRA_PERCENT = 15


def load(models_dir: Path, name: str) -> tuple[bytes, list]:
    """The model's bytes and its test inputs."""
    if name in ZOO:
        conv = zoo_build.conversion(name, "keras_int8")
        assert conv.tflite is not None, f"{name}: conversion failed: {conv.error}"
        model, path = conv.tflite, Path(name + ".tflite")
    else:
        path = models_dir / name
        model = path.read_bytes()
    tin = read_model(model).inputs[0]
    cases, _ = make_inputs(path, tin.shape, tin.zero_point)
    return model, [x for _, x in cases]


@pytest.mark.parametrize("name", SHARED + ZOO)
def test_patches_bit_exact(models_dir, name, summary):
    model, xs = load(models_dir, name)
    x = np.stack([v.reshape(-1) for v in xs])
    forced = native.patch_info(model, "on")
    assert forced.nodes >= 2, f"{name}: no chain of two row-wise nodes found: {forced}"
    off = native.run_batch(model, x, patches="off")
    on = native.run_batch(model, x, patches="on")
    auto = native.run_batch(model, x, patches="auto")
    assert (on == off).all(), f"{name}: patched outputs differ from unpatched ones"
    assert (auto == off).all(), f"{name}: auto-mode outputs differ from unpatched ones"
    tflm = run_tflm_batch(model, x).reshape(len(x), -1).view(np.uint8)
    assert (off == tflm).all(), f"{name}: outputs differ from TFLM's"
    assert len({bytes(r) for r in off}) > 1, f"{name}: every input gives the same output"
    summary(f"patches {name}: {len(x)} inputs, on == off == auto == TFLM (chain of {forced.nodes} nodes "
            f"from node {forced.first_node}, {forced.bands} bands)")


@pytest.mark.parametrize("name", SHARED + ZOO)
def test_patch_plan_touches_only_what_it_claims(models_dir, name):
    model, xs = load(models_dir, name)
    for mode in ("off", "on"):
        claimed = native.patch_info(model, mode).arena_bytes
        touched = native.arena_touched(model, xs[0].tobytes(), mode)
        assert touched <= claimed, f"{name} patches {mode}: wrote arena byte {touched - 1}, plan claims {claimed}"
        # A run that left most of its arena unwritten would make this check say little.
        assert touched > claimed * 3 // 4, f"{name} patches {mode}: touched {touched} of {claimed} bytes"


@pytest.mark.parametrize("name", SHARED + ZOO)
def test_auto_patches_only_when_smaller(models_dir, name, summary):
    model, _ = load(models_dir, name)
    off, auto, on = (native.patch_info(model, mode) for mode in ("off", "auto", "on"))
    assert off.nodes == 0 and off.arena_bytes == off.arena_unpatched
    assert auto.arena_unpatched == off.arena_bytes and auto.bound_unpatched == off.arena_lower_bound
    assert on.extra_macs * 100 <= on.conv_macs * MAX_EXTRA_PERCENT, f"{name}: {on}"
    if auto.nodes:
        assert auto.arena_bytes < off.arena_bytes, f"{name}: patched although not smaller: {auto}"
        assert auto.extra_macs * 100 <= auto.conv_macs * MAX_EXTRA_PERCENT, f"{name}: {auto}"
    else:
        assert on.arena_bytes >= off.arena_bytes, f"{name}: auto mode left a smaller patched plan out: {on}"
        assert auto.arena_bytes == off.arena_bytes
    ratio = auto.arena_bytes / off.arena_lower_bound
    summary(f"patches {name}: arena {off.arena_bytes} -> {auto.arena_bytes} B ({ratio:.2f}x the per-op bound "
            f"{off.arena_lower_bound}), +{100 * auto.extra_macs / auto.conv_macs:.1f}% MACs")
    if name.endswith("person_detect.tflite"):
        assert ratio <= 0.6, f"{name}: {auto}"


DEVICE_SCRIPT = r"""
import sys, tinyml
src = open(sys.argv[1], "rb").read()
x = bytes(range(256)) * (int(sys.argv[2]) // 256) + bytes(int(sys.argv[2]) % 256)
for patches in (None, True, False):
    m = tinyml.Model(src, patches=patches)
    print(m.arena_bytes, bytes(m.predict(x)).hex())
m = tinyml.Model(src, patches=True, profile=True)
m.predict(x)
print(",".join(str(t) for _, _, t in m.profile()))
"""


@pytest.mark.parametrize("name", SHARED)
def test_micropython_patches_argument(models_dir, micropython, name):
    import mputil
    model = (models_dir / name).read_bytes()
    in_bytes = read_model(model).inputs[0].nbytes
    out = mputil.run_script(DEVICE_SCRIPT, binary=micropython, args=(models_dir / name, in_bytes)).split()
    times = [int(t) for t in out.pop().split(",")]
    chain = native.patch_info(model, "on")
    # A patched chain's nodes are timed band by band: each gets its own (non-zero) time.
    assert all(t > 0 for t in times[chain.first_node:chain.first_node + chain.nodes]), times
    (auto_arena, auto_y), (on_arena, on_y), (off_arena, off_y) = zip(out[0::2], out[1::2])
    assert int(auto_arena) == native.patch_info(model, "auto").arena_bytes
    assert int(on_arena) == native.patch_info(model, "on").arena_bytes
    assert int(off_arena) == native.patch_info(model, "off").arena_bytes > int(auto_arena)
    assert auto_y == on_y == off_y, f"{name}: outputs differ with patches on/off in the Unix port"
