#!/usr/bin/env bash
# Build the host SDK's wheel with what the repository builds inside it, so that
# `pip install build/wheel/tinyml_host-*.whl` gives a working CLI outside a checkout: host/setup.py
# puts the device C sources, the serial agent and the emulated board's firmware (required here)
# into tinyml_host/_bundled/.
# Run by `make wheel`, after `make qemu`. Output: build/wheel/tinyml_host-VERSION-py3-none-any.whl.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
FIRMWARE=build/qemu/firmware.elf
OUT=build/wheel

if [ ! -f "$FIRMWARE" ]; then
    echo "build_wheel: $FIRMWARE does not exist: run \`make qemu\` (or \`make wheel\`, which does)" >&2
    exit 1
fi

# setuptools reuses host/build/ between runs: a stale copy would put old files in the wheel.
rm -rf host/build "$OUT"
mkdir -p "$OUT"
"$PYTHON" -m pip wheel --quiet --no-deps --no-build-isolation ./host -w "$OUT"
rm -rf host/build
ls -l "$OUT"/*.whl
