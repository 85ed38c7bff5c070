// MicroPython configuration of the emulated board: the qemu port's own mpconfigport.h, then the
// features tinyml's tools need that the port leaves out. Selected with -DMP_CONFIGFILE by
// firmware/qemu/build.sh (the port's header defines its options unconditionally, so they cannot be
// overridden with -D; they are #undef'd and redefined here instead). See build.sh for the list.
#include <mpconfigport.h>

// sys.stdin.buffer / sys.stdout.buffer: binary stdio for the serial link (no "\r"->"\n" on input,
// no "\n"->"\r\n" on output).
#undef MICROPY_PY_SYS_STDIO_BUFFER
#define MICROPY_PY_SYS_STDIO_BUFFER (1)

// The board's flash (firmware/qemu/board/board_flash.c): littlefs at /, ROMFS at /rom through
// vfs.rom_ioctl (MicroPython mounts /rom itself when the image is valid).
#undef MICROPY_VFS_ROM_IOCTL
#define MICROPY_VFS_ROM_IOCTL (1)
// MICROPY_VFS_LFS2 is set by build.sh (make MICROPY_VFS_LFS2=1, which also compiles littlefs).

// `time`: ticks_ms/us/cpu, sleep, sleep_ms, sleep_us (firmware/qemu/board/board_time.c).
#undef MICROPY_PY_TIME
#define MICROPY_PY_TIME (1)

// Mount the filesystem and start the clock at every (soft) reset.
void qemu_board_init(void);
#define MICROPY_PORT_INIT_FUNC qemu_board_init()
