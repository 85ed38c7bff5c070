# newlib's errno for the emulated board: firmware/qemu/build.sh links newlib's libm, whose double
# functions with error cases (sqrt, used by RSQRT's prepare as TFLM does) set errno through
# __errno(), which the qemu port (-nostdlib, no newlib libc) does not define.
SRC_USERMOD_LIB_C += $(USERMOD_DIR)/newlib_errno.c
