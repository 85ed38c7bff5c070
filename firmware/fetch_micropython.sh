#!/usr/bin/env bash
# Obtain the MicroPython source at the pinned version and print its path.
#
# Order (the first that works wins):
#   1. $MICROPYTHON_DIR, if set (used as is, never modified);
#   2. a shallow clone of the upstream tag (short timeout: many build hosts have no route to it);
#   3. Debian's source package micropython $MICROPYTHON_DEB_VERSION from the trixie suite via
#      `apt-get source`, with a deb-src entry whose URI is taken from this machine's own Debian
#      apt sources (so no registry host name is written into this repository).
# The result is cached under build/micropython-<version>; later runs reuse it.
set -euo pipefail

MICROPYTHON_VERSION="${MICROPYTHON_VERSION:-v1.25.0}"
MICROPYTHON_DEB_VERSION="${MICROPYTHON_DEB_VERSION:-1.25.0+ds-1}"
MICROPYTHON_GIT_URL="${MICROPYTHON_GIT_URL:-https://github.com/micropython/micropython.git}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/build/micropython-$MICROPYTHON_VERSION"

log() { echo "fetch_micropython: $*" >&2; }

if [ -n "${MICROPYTHON_DIR:-}" ]; then
    [ -f "$MICROPYTHON_DIR/py/mpconfig.h" ] || { log "error: MICROPYTHON_DIR=$MICROPYTHON_DIR is not a MicroPython source tree (no py/mpconfig.h)"; exit 1; }
    echo "$MICROPYTHON_DIR"; exit 0
fi
if [ -f "$CACHE/py/mpconfig.h" ]; then echo "$CACHE"; exit 0; fi

mkdir -p "$ROOT/build"
tmp="$(mktemp -d "$ROOT/build/.fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

log "trying a shallow clone of $MICROPYTHON_VERSION (20 s timeout)"
if timeout 20 git clone -q --depth 1 --branch "$MICROPYTHON_VERSION" "$MICROPYTHON_GIT_URL" "$tmp/src" 2>/dev/null \
   && [ -f "$tmp/src/py/mpconfig.h" ]; then
    mv "$tmp/src" "$CACHE"; echo "$CACHE"; exit 0
fi

log "no clone; falling back to Debian's source package micropython $MICROPYTHON_DEB_VERSION (trixie)"
command -v dpkg-source >/dev/null || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev >&2; }
# The Debian mirror URI this machine already uses, from deb822 .sources or one-line .list files.
uri="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2}' | grep -v -e security -e '^$' | grep -i debian | head -n1 || true)"
if [ -z "$uri" ]; then
    uri="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1=="deb" {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' | grep -i debian | head -n1 || true)"
fi
[ -n "$uri" ] || { log "error: no Debian apt source found on this machine to derive a deb-src URI from; set MICROPYTHON_DIR to a MicroPython $MICROPYTHON_VERSION tree"; exit 1; }

# A private apt configuration so the machine's own sources are left untouched.
apt_dir="$tmp/apt"; mkdir -p "$apt_dir/lists/partial" "$apt_dir/sources.list.d"
printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" > "$apt_dir/sources.list.d/trixie-src.sources"
apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d" -o "Dir::State::Lists=$apt_dir/lists" -o "APT::Sandbox::User=root")
apt-get "${apt_opts[@]}" update -qq >&2
(cd "$tmp" && apt-get "${apt_opts[@]}" source -qq --download-only "micropython=$MICROPYTHON_DEB_VERSION" >&2)
dsc="$(ls "$tmp"/micropython_*.dsc | head -n1)"
dpkg-source --skip-patches -x "$dsc" "$tmp/src" >&2
[ -f "$tmp/src/py/mpconfig.h" ] || { log "error: unpacked Debian source has no py/mpconfig.h"; exit 1; }
mv "$tmp/src" "$CACHE"
echo "$CACHE"
