// newlib's errno location, for newlib's libm on the emulated board (see micropython.mk here).
// One int: the firmware is single-threaded, and nothing in it reads errno.
int *__errno(void);

int *__errno(void) {
    static int value;
    return &value;
}
