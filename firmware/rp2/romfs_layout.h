// The Raspberry Pi Pico's 2 MB of flash with a ROMFS partition (MicroPython v1.25's rp2 port puts
// ROMFS just below the filesystem, at the top of the code space):
//
//   0x10000000  640 KB  firmware (build.sh fails the build when firmware.bin grows past it)
//   0x100A0000  512 KB  ROMFS, mounted at /rom: models there run in place (tinyml.Model('/rom/..'))
//   0x10120000  896 KB  littlefs filesystem at /
//
// Sized so that VWW (333 KB) or IC (96 KB) + KWS fit in ROMFS beside a filesystem for the rest.
// Included after the port's own mpconfigboard.h by the board folder build.sh makes for RPI_PICO
// (build/rp2-board/RPI_PICO), which overrides its filesystem size.
#undef MICROPY_HW_FLASH_STORAGE_BYTES
#define MICROPY_HW_FLASH_STORAGE_BYTES (896 * 1024)
#define MICROPY_HW_ROMFS_BYTES (512 * 1024)
#define TINYML_RP2_FIRMWARE_MAX_BYTES (640 * 1024)
