#!/usr/bin/env bash
# Install everything the build and the tests need on a Debian (bookworm) machine, as root:
# system packages with apt, and the pinned Python packages of requirements.txt in .venv.
# Idempotent: a stamp records what was installed, so a second run only checks and returns (<2 s).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.bootstrap-stamp"
log() { echo "bootstrap: $*" >&2; }

# build-essential: gcc/make for MicroPython and the C tests; pkg-config: queried by the Unix port's
# Makefile; valgrind: callgrind for the benchmark; dpkg-dev: dpkg-source, to unpack MicroPython's
# Debian source package (firmware/fetch_micropython.sh); git: the first way that script tries.
APT_PACKAGES=(build-essential pkg-config valgrind dpkg-dev git ca-certificates)
# The emulated board (make qemu, firmware/qemu/build.sh): Arm bare-metal compiler + C library, and qemu.
APT_PACKAGES+=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)
# make fuzz: clang and its runtime libraries (libFuzzer, ASan/UBSan; Debian only recommends the
# latter); the 32-bit C/C++ libraries for its FUZZ_ARCH=i386 build.
APT_PACKAGES+=(clang libclang-rt-14-dev libc6-dev-i386 lib32gcc-12-dev lib32stdc++-12-dev)
# make lint / make format: clang-format (14 on bookworm) checks and writes the C style (.clang-format).
APT_PACKAGES+=(clang-format)
# `python3 -m venv` needs ensurepip; Debian's own python3 ships it separately as python3-venv.
python3 -c 'import ensurepip, venv' 2>/dev/null || APT_PACKAGES+=(python3-venv)

# The stamp is the content of everything that decides what gets installed.
want="$(cat "$ROOT/requirements.txt" "$ROOT/requirements-convert.txt" "${BASH_SOURCE[0]}" "$ROOT/host/pyproject.toml" | sha256sum | cut -d' ' -f1) $(python3 --version 2>&1)"

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ] && [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
    "$ROOT/scripts/setup_pico_emulator.sh"  # the emulated Pico's rp2040js (returns at once when installed)
    exit 0
fi

if [ ${#missing[@]} -gt 0 ]; then
    log "installing apt packages: ${missing[*]}"
    [ "$(id -u)" = 0 ] || { log "error: need root to apt-get install ${missing[*]}"; exit 1; }
    export DEBIAN_FRONTEND=noninteractive
    # An up-to-date package list is needed only when something is missing; update once.
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
log "installing requirements.txt into .venv"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements.txt"
# TensorFlow for `tinyml-host convert` and the example models' training (large: its own file).
log "installing requirements-convert.txt (TensorFlow) into .venv"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements-convert.txt"
# The host SDK itself (the `tinyml-host` command), editable so the checkout is what runs;
# its dependencies are already pinned above.
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e "$ROOT/host"
# The emulated Raspberry Pi Pico: Node.js and rp2040js, pinned (scripts/setup_pico_emulator.sh).
"$ROOT/scripts/setup_pico_emulator.sh"
echo "$want" > "$STAMP"
log "done"
