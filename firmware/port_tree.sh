#!/usr/bin/env bash
# The MicroPython tree the CMake ports (rp2, esp32) are built from, and print its path:
# build/mpy-ports/, a copy of the pinned MicroPython source (firmware/fetch_micropython.sh) in which
# every library folder the source leaves empty (Debian's source package drops the git submodules)
# and firmware/fetch_port_deps.sh provides is a symlink into build/port-deps/:
#   lib/pico-sdk -> build/port-deps/pico-sdk    lib/tinyusb -> build/port-deps/tinyusb
#   lib/mbedtls  -> build/port-deps/mbedtls
# Why a copy: those ports look for their libraries at fixed places inside the tree, and ESP-IDF's
# component manager writes into the port folder; the fetched source is a cache shared with the Unix
# and emulator builds (or the user's own $MICROPYTHON_DIR) and is never written to. About 50 MB,
# made once; remade only when the source or the dependencies change (the stamp .tinyml-port-tree).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TREE="$ROOT/build/mpy-ports"
log() { echo "port_tree: $*" >&2; }

MPY_DIR="$("$ROOT/firmware/fetch_micropython.sh")"
DEPS="$("$ROOT/firmware/fetch_port_deps.sh")"

want="$MPY_DIR $DEPS $(tr '\n' ' ' < "$DEPS/VERSIONS")"
if [ "$(cat "$TREE/.tinyml-port-tree" 2>/dev/null)" = "$want" ]; then
    echo "$TREE"; exit 0
fi

log "making $TREE: a copy of $MPY_DIR with the ports' libraries linked in"
rm -rf "$TREE" "$TREE.tmp"
cp -a "$MPY_DIR" "$TREE.tmp"
for lib in pico-sdk tinyusb mbedtls; do
    # A source with its submodules checked out keeps its own copy.
    if [ -z "$(ls -A "$TREE.tmp/lib/$lib" 2>/dev/null)" ]; then
        rm -rf "$TREE.tmp/lib/$lib"
        ln -s "$DEPS/$lib" "$TREE.tmp/lib/$lib"
    fi
done
echo "$want" > "$TREE.tmp/.tinyml-port-tree"
mv "$TREE.tmp" "$TREE"
echo "$TREE"
