#!/usr/bin/env bash
# Fetch the libraries MicroPython's CMake ports (rp2, esp32) take from git submodules, which the
# Debian source of MicroPython leaves out, into build/port-deps/, and print that folder:
#   pico-sdk/  Debian trixie's pico-sdk-source (the Raspberry Pi Pico SDK 2.1.x)
#   tinyusb/   Debian trixie's tinyusb-source (TinyUSB 0.18.x; rp2, and esp32 on S2/S3)
#   mbedtls/   the upstream tarball of trixie's mbedtls source package (3.6.x; the rp2 port always
#              compiles lib/mbedtls, for the ssl/hashlib modules)
# The .debs are unpacked with `dpkg -x` (nothing is installed); see firmware/trixie_apt.sh.
# The major.minor versions are checked against what MicroPython v1.25.0 was released with;
# the exact versions used are written to build/port-deps/VERSIONS. Cached: later runs return at once.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS="$ROOT/build/port-deps"
# Wanted versions, as prefixes of Debian version strings.
PICO_SDK_WANT="${PICO_SDK_WANT:-2.1.}"
TINYUSB_WANT="${TINYUSB_WANT:-0.18.}"
MBEDTLS_WANT="${MBEDTLS_WANT:-3.6.}"

log() { echo "fetch_port_deps: $*" >&2; }

if [ -f "$DEPS/VERSIONS" ] && [ -f "$DEPS/pico-sdk/README.md" ] && [ -f "$DEPS/tinyusb/src/tusb.h" ] \
   && [ -f "$DEPS/mbedtls/include/mbedtls/version.h" ]; then
    echo "$DEPS"; exit 0
fi

command -v dpkg >/dev/null || { log "error: needs dpkg (a Debian machine)"; exit 1; }
mkdir -p "$ROOT/build"
tmp="$(mktemp -d "$ROOT/build/.port-deps.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=trixie_apt.sh
source "$ROOT/firmware/trixie_apt.sh"

log "reading Debian trixie's package lists (private apt configuration under $tmp)"
trixie_apt_init "$tmp"

check_version() {  # name version wanted-prefix
    case "$2" in
        "$3"*) ;;
        *) log "error: trixie has $1 $2, this build expects $3x (set ${4}_WANT to override)"; exit 1 ;;
    esac
}

pico_v="$(trixie_apt_version pico-sdk-source)"; check_version pico-sdk-source "$pico_v" "$PICO_SDK_WANT" PICO_SDK
tusb_v="$(trixie_apt_version tinyusb-source)"; check_version tinyusb-source "$tusb_v" "$TINYUSB_WANT" TINYUSB
log "downloading pico-sdk-source $pico_v and tinyusb-source $tusb_v"
mkdir -p "$tmp/dl" "$tmp/x"
dpkg -x "$(trixie_apt_download "$tmp/dl" pico-sdk-source)" "$tmp/x"
dpkg -x "$(trixie_apt_download "$tmp/dl" tinyusb-source)" "$tmp/x"

log "downloading mbedtls's upstream source (trixie)"
tarball="$(trixie_apt_orig "$tmp/dl" mbedtls)"
mbedtls_v="$(basename "$tarball" | sed -E 's/^mbedtls_(.*)\.orig\.tar\..*$/\1/')"
check_version mbedtls "$mbedtls_v" "$MBEDTLS_WANT" MBEDTLS
mkdir -p "$tmp/mbedtls"
tar -xf "$tarball" -C "$tmp/mbedtls" --strip-components=1

rm -rf "$DEPS"
mkdir -p "$DEPS"
mv "$tmp/x/usr/src/pico-sdk" "$DEPS/pico-sdk"
mv "$tmp/x/usr/src/tinyusb" "$DEPS/tinyusb"
mv "$tmp/mbedtls" "$DEPS/mbedtls"
# Debian's pico-sdk links lib/tinyusb to its own tinyusb-source (../../tinyusb); point it at ours.
rm -rf "$DEPS/pico-sdk/lib/tinyusb"
ln -s ../../tinyusb "$DEPS/pico-sdk/lib/tinyusb"
# MicroPython's rp2 Makefile takes lib/pico-sdk/README.md as the sign of an initialised submodule;
# Debian's package drops it.
[ -f "$DEPS/pico-sdk/README.md" ] || echo "Raspberry Pi Pico SDK $pico_v (Debian pico-sdk-source, unpacked)" > "$DEPS/pico-sdk/README.md"
printf 'pico-sdk-source %s\ntinyusb-source %s\nmbedtls %s\n' "$pico_v" "$tusb_v" "$mbedtls_v" > "$DEPS/VERSIONS"
log "done: $(tr '\n' ' ' < "$DEPS/VERSIONS")"
echo "$DEPS"
