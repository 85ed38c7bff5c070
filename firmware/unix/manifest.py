# Frozen modules for our Unix-port build: only asyncio, from the MicroPython tree itself.
# The standard variant's manifest pulls micropython-lib packages (mip, ssl, unix-ffi); the pinned
# source we fetch has an empty lib/micropython-lib, and tinyml needs none of them.
include("$(MPY_DIR)/extmod/asyncio")
