# Frozen modules for our ESP32 firmware (firmware/esp32/build.sh). The port's default manifest also
# requires micropython-lib packages (networking bundle, umqtt, aioespnow...), which tinyml does not
# need. Relative paths are resolved from this file.
import os

# The port's own modules: _boot.py and inisetup.py create and mount the flash filesystem.
freeze("$(PORT_DIR)/modules")
include("$(MPY_DIR)/extmod/asyncio")

# tinyml's device-side Python (device/python/*.py: the serial agent), as on the other boards.
if os.path.isdir("../../device/python"):
    freeze("../../device/python")
