#!/usr/bin/env bash
# Build the host SDK's wheel with what the repository builds inside it, so that
# `pip install build/wheel/tinyml_host-*.whl` gives a working CLI outside a checkout:
#   - tinyml_host/_bundled/device_src/: device/runtime, kernels, ops (the C sources the host library
#     compiles, native.py) and python/tinyml_agent.py (pasted onto boards without it, transport.py);
#   - tinyml_host/_bundled/firmware/qemu-firmware.elf: the emulated board (emulator.py's default
#     when the checkout has no build/qemu/firmware.elf).
# Run by `make wheel`, after `make qemu`. Output: build/wheel/tinyml_host-VERSION-py3-none-any.whl.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
FIRMWARE=build/qemu/firmware.elf
BUNDLE=host/tinyml_host/_bundled
OUT=build/wheel

if [ ! -f "$FIRMWARE" ]; then
    echo "build_wheel: $FIRMWARE does not exist: run \`make qemu\` (or \`make wheel\`, which does)" >&2
    exit 1
fi

# Staged afresh so files deleted from device/ do not linger in the wheel.
rm -rf "$BUNDLE"
mkdir -p "$BUNDLE/device_src/python" "$BUNDLE/firmware"
cp -r device/runtime device/kernels device/ops "$BUNDLE/device_src/"
cp device/python/tinyml_agent.py "$BUNDLE/device_src/python/"
cp "$FIRMWARE" "$BUNDLE/firmware/qemu-firmware.elf"

# setuptools reuses host/build/ between runs: a stale copy would put old files in the wheel.
rm -rf host/build "$OUT"
mkdir -p "$OUT"
"$PYTHON" -m pip wheel --quiet --no-deps --no-build-isolation ./host -w "$OUT"
rm -rf host/build
ls -l "$OUT"/*.whl
