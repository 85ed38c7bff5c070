// MicroPython configuration of the emulated board: the qemu port's own mpconfigport.h, then the
// features tinyml's tools need that the port leaves out. Selected with -DMP_CONFIGFILE by
// firmware/qemu/build.sh (the port's header defines its options unconditionally, so they cannot be
// overridden with -D; they are #undef'd and redefined here instead). See build.sh for the list.
#include <mpconfigport.h>

// sys.stdin.buffer / sys.stdout.buffer: binary stdio for the serial link (no "\r"->"\n" on input,
// no "\n"->"\r\n" on output).
#undef MICROPY_PY_SYS_STDIO_BUFFER
#define MICROPY_PY_SYS_STDIO_BUFFER (1)
