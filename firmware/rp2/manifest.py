# Frozen modules for our rp2 firmware (firmware/rp2/build.sh). The port's default manifest also
# requires micropython-lib packages (onewire, ds18x20, dht, neopixel), which the pinned MicroPython
# source we fetch lacks and tinyml does not need. Relative paths are resolved from this file.
import os

# The port's own modules: _boot.py mounts the flash filesystem (models are copied there), rp2.py.
freeze("$(PORT_DIR)/modules")
include("$(MPY_DIR)/extmod/asyncio")

# tinyml's device-side Python (device/python/*.py: the serial agent), as on the emulated board.
if os.path.isdir("../../device/python"):
    freeze("../../device/python")
