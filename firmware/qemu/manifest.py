# Frozen modules for the emulated board (firmware/qemu/build.sh): every device-side Python module
# of tinyml (device/python/*.py: the serial agent and its helpers), compiled to bytecode and kept in
# the firmware image, so `import tinyml_agent` works on a board with no filesystem.
# The port's default manifest needs micropython-lib's unittest (absent from the pinned source) and
# freezes MicroPython's own test modules; this replaces it. Paths are relative to this file.
freeze("../../device/python")
