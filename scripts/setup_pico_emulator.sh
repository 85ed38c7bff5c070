#!/usr/bin/env bash
# The emulated Raspberry Pi Pico's JavaScript side: rp2040js, pinned exactly (1.4.1) by
# firmware/rp2/emulator/package.json and package-lock.json, installed from npm with `npm ci` into
# firmware/rp2/emulator/node_modules. Node.js and npm come from Debian (apt) when missing.
# Idempotent: returns at once when the pinned version is installed. Called by scripts/bootstrap.sh.
#
# The RP2040 boot ROM, which the npm package does not ship, is not installed here: the emulator
# reads it from ../shared/rp2040/bootrom_b1.bin, or from $TINYML_PICO_BOOTROM (see
# host/tinyml_host/pico.py for how to get it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/firmware/rp2/emulator"
WANT="$(sed -n 's/.*"rp2040js": *"\([0-9.]*\)".*/\1/p' "$DIR/package.json" | head -n1)"
log() { echo "setup_pico_emulator: $*" >&2; }

have="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$DIR/node_modules/rp2040js/package.json" 2>/dev/null | head -n1 || true)"
if [ "$have" = "$WANT" ] && command -v node >/dev/null; then
    exit 0
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    [ "$(id -u)" = 0 ] || { log "error: Node.js and npm are needed: run as root, or apt-get install nodejs npm"; exit 1; }
    log "installing nodejs and npm with apt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 18 ] || { log "error: rp2040js needs Node.js 18 or later, found $(node --version)"; exit 1; }

log "installing rp2040js $WANT (npm ci in ${DIR#$ROOT/})"
(cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
log "done"
