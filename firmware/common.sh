# Sourced by every firmware build script (firmware/*/build.sh): the preamble they share.
#   ROOT                  the repository
#   JOBS                  parallel make jobs (default 2)
#   TINYML_OPS_PYTHON     (exported) the Python that runs device/tools/select_ops.py: .venv's
#   log MSG               "<LOG_NAME>: MSG" on stderr (set LOG_NAME before sourcing)
#   empty_micropython_lib sets MPY_LIB_DIR: makemanifest.py insists on a micropython-lib with a
#                         README.md; our manifests use none of it
#   export_git_tag TREE   exports MICROPY_GIT_TAG (vX.Y.Z from TREE/py/mpconfig.h) unless set: the
#                         fetched source has no .git for MicroPython's makeversionhdr
#   build_mpy_cross TREE  builds mpy-cross (compiles the frozen .py files) into build/mpy-cross,
#                         shared by the builds, and exports MICROPY_MPYCROSS
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="${JOBS:-2}"
export TINYML_OPS_PYTHON="${TINYML_OPS_PYTHON:-$ROOT/.venv/bin/python}"

log() { echo "${LOG_NAME:-build}: $*" >&2; }

empty_micropython_lib() {
    MPY_LIB_DIR="$ROOT/build/micropython-lib-empty"
    mkdir -p "$MPY_LIB_DIR" && touch "$MPY_LIB_DIR/README.md"
}

export_git_tag() {
    if [ -z "${MICROPY_GIT_TAG:-}" ]; then
        MICROPY_GIT_TAG="v$(awk '/define MICROPY_VERSION_(MAJOR|MINOR|MICRO) / {v = v (v ? "." : "") $3} END {print v}' "$1/py/mpconfig.h")"
        export MICROPY_GIT_TAG
    fi
}

build_mpy_cross() {
    make -s -C "$1/mpy-cross" -j"$JOBS" BUILD="$ROOT/build/mpy-cross"
    export MICROPY_MPYCROSS="$ROOT/build/mpy-cross/mpy-cross"
}
