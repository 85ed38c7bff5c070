// The emulated board's flash: 16 MB of memory-mapped storage at 0x21000000 (the MPS2's PSRAM,
// which tinyml_host.emulator backs with a file, so what is written survives a reboot of qemu).
//
//   0x21000000  4 MB  ROMFS, mounted at /rom by MicroPython (vfs.rom_ioctl, below): files there
//                     are memory-mapped, so tinyml.Model('/rom/m.tflite') runs the model in place
//   0x21400000 12 MB  littlefs (v2), mounted at / at every reset and formatted if it holds none
//
// The flash is plain memory to the CPU: reads and writes are memcpy, "erase" is a no-op. The host
// writes ROMFS images with the same vfs.rom_ioctl protocol as on the rp2/esp32 ports (mpremote
// `romfs deploy`, `tinyml-host deploy --rom`).
#include <string.h>

#include "py/runtime.h"
#include "py/mperrno.h"
#include "extmod/vfs.h"
#include "extmod/vfs_lfs.h"

#include "board.h"

#define FLASH_BASE 0x21000000u
#define ROMFS_BYTES (4u * 1024 * 1024)
#define FS_BASE (FLASH_BASE + ROMFS_BYTES)
#define FS_BYTES (12u * 1024 * 1024)
#define FS_BLOCK 4096u
#define ROMFS_MIN_WRITE 4u

// ---------------------------------------------------------------------------------------------
// ROMFS: one segment, a memoryview of the region.

static size_t arg_size(mp_obj_t o, size_t max, const char *what) {
    mp_int_t v = mp_obj_get_int(o);
    if (v < 0 || (size_t)v > max) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s %d out of range 0..%u"), what, (int)v, (unsigned)max);
    }
    return (size_t)v;
}

mp_obj_t mp_vfs_rom_ioctl(size_t n_args, const mp_obj_t *args) {
    mp_int_t cmd = mp_obj_get_int(args[0]);
    if (cmd == MP_VFS_ROM_IOCTL_GET_NUMBER_OF_SEGMENTS) {
        return MP_OBJ_NEW_SMALL_INT(1);
    }
    if (n_args < 2 || mp_obj_get_int(args[1]) != 0) {
        return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
    }
    uint8_t *rom = (uint8_t *)FLASH_BASE;
    switch (cmd) {
        case MP_VFS_ROM_IOCTL_GET_SEGMENT:
            return mp_obj_new_memoryview('B', ROMFS_BYTES, rom);
        case MP_VFS_ROM_IOCTL_WRITE_PREPARE: {
            // rom_ioctl(3, 0, length): the image replaces what is there; its start is cleared
            // first, so an image cut short is never mounted.
            if (n_args < 3) {
                return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
            }
            size_t len = arg_size(args[n_args - 1], ROMFS_BYTES, "ROMFS length");
            memset(rom, 0xff, len < FS_BLOCK ? len : FS_BLOCK);
            return MP_OBJ_NEW_SMALL_INT(ROMFS_MIN_WRITE);
        }
        case MP_VFS_ROM_IOCTL_WRITE: {
            // rom_ioctl(4, 0, offset, buffer)
            if (n_args < 4) {
                return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
            }
            mp_buffer_info_t buf;
            mp_get_buffer_raise(args[3], &buf, MP_BUFFER_READ);
            size_t offset = arg_size(args[2], ROMFS_BYTES, "ROMFS offset");
            if (buf.len > ROMFS_BYTES - offset) {
                mp_raise_ValueError(MP_ERROR_TEXT("ROMFS write past the end of the region"));
            }
            memmove(rom + offset, buf.buf, buf.len);
            return MP_OBJ_NEW_SMALL_INT(0);
        }
        case MP_VFS_ROM_IOCTL_WRITE_COMPLETE:
            return MP_OBJ_NEW_SMALL_INT(0);
        default:
            return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
    }
}

// ---------------------------------------------------------------------------------------------
// The filesystem's block device: readblocks/writeblocks/ioctl over the region (the extended
// interface, with an offset in the block, which littlefs uses).

typedef struct {
    mp_obj_base_t base;
} flash_bdev_obj_t;

// A transfer of `buf` at block `block` + `offset`: the address in flash, bounds-checked.
static uint8_t *bdev_addr(mp_obj_t block_in, mp_obj_t offset_in, size_t len) {
    size_t block = arg_size(block_in, FS_BYTES / FS_BLOCK, "block");
    size_t offset = offset_in == MP_OBJ_NULL ? 0 : arg_size(offset_in, FS_BYTES, "offset");
    size_t start = block * FS_BLOCK + offset;
    if (start > FS_BYTES || len > FS_BYTES - start) {
        mp_raise_ValueError(MP_ERROR_TEXT("block device transfer past the end of the flash"));
    }
    return (uint8_t *)FS_BASE + start;
}

static mp_obj_t bdev_readblocks(size_t n_args, const mp_obj_t *args) {
    mp_buffer_info_t buf;
    mp_get_buffer_raise(args[2], &buf, MP_BUFFER_WRITE);
    memcpy(buf.buf, bdev_addr(args[1], n_args > 3 ? args[3] : MP_OBJ_NULL, buf.len), buf.len);
    return MP_OBJ_NEW_SMALL_INT(0);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(bdev_readblocks_obj, 3, 4, bdev_readblocks);

static mp_obj_t bdev_writeblocks(size_t n_args, const mp_obj_t *args) {
    mp_buffer_info_t buf;
    mp_get_buffer_raise(args[2], &buf, MP_BUFFER_READ);
    memmove(bdev_addr(args[1], n_args > 3 ? args[3] : MP_OBJ_NULL, buf.len), buf.buf, buf.len);
    return MP_OBJ_NEW_SMALL_INT(0);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(bdev_writeblocks_obj, 3, 4, bdev_writeblocks);

static mp_obj_t bdev_ioctl(mp_obj_t self_in, mp_obj_t op_in, mp_obj_t arg_in) {
    (void)self_in;
    (void)arg_in;
    switch (mp_obj_get_int(op_in)) {
        case MP_BLOCKDEV_IOCTL_BLOCK_COUNT:
            return MP_OBJ_NEW_SMALL_INT(FS_BYTES / FS_BLOCK);
        case MP_BLOCKDEV_IOCTL_BLOCK_SIZE:
            return MP_OBJ_NEW_SMALL_INT(FS_BLOCK);
        default: // init, deinit, sync, erase: nothing to do for memory
            return MP_OBJ_NEW_SMALL_INT(0);
    }
}
static MP_DEFINE_CONST_FUN_OBJ_3(bdev_ioctl_obj, bdev_ioctl);

static const mp_rom_map_elem_t bdev_locals_table[] = {
    {MP_ROM_QSTR(MP_QSTR_readblocks), MP_ROM_PTR(&bdev_readblocks_obj)},
    {MP_ROM_QSTR(MP_QSTR_writeblocks), MP_ROM_PTR(&bdev_writeblocks_obj)},
    {MP_ROM_QSTR(MP_QSTR_ioctl), MP_ROM_PTR(&bdev_ioctl_obj)},
};
static MP_DEFINE_CONST_DICT(bdev_locals, bdev_locals_table);

static MP_DEFINE_CONST_OBJ_TYPE(flash_bdev_type, MP_QSTR_Flash, MP_TYPE_FLAG_NONE, locals_dict, &bdev_locals);

static const flash_bdev_obj_t flash_bdev = {{&flash_bdev_type}};

// Mount littlefs at / (formatting the region when it holds no filesystem) and make / the
// current directory. A failure leaves the board without / (as before), never stops the boot.
void qemu_board_flash_init(void) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_obj_t bdev = MP_OBJ_FROM_PTR(&flash_bdev);
        mp_obj_t fs;
        nlr_buf_t nlr2;
        if (nlr_push(&nlr2) == 0) {
            fs = MP_OBJ_TYPE_GET_SLOT(&mp_type_vfs_lfs2, make_new)(&mp_type_vfs_lfs2, 1, 0, &bdev);
            mp_obj_t mount_args[2] = {fs, MP_OBJ_NEW_QSTR(MP_QSTR__slash_)};
            mp_vfs_mount(2, mount_args, (mp_map_t *)&mp_const_empty_map);
            nlr_pop();
        } else {
            // No filesystem there yet (a new, zeroed flash image): format it.
            mp_obj_t mkfs = mp_load_attr(MP_OBJ_FROM_PTR(&mp_type_vfs_lfs2), MP_QSTR_mkfs);
            mp_call_function_1(mkfs, bdev);
            fs = MP_OBJ_TYPE_GET_SLOT(&mp_type_vfs_lfs2, make_new)(&mp_type_vfs_lfs2, 1, 0, &bdev);
            mp_obj_t mount_args[2] = {fs, MP_OBJ_NEW_QSTR(MP_QSTR__slash_)};
            mp_vfs_mount(2, mount_args, (mp_map_t *)&mp_const_empty_map);
        }
        mp_vfs_chdir(MP_OBJ_NEW_QSTR(MP_QSTR__slash_));
        nlr_pop();
    } else {
        mp_printf(&mp_plat_print, "board: no filesystem at /: ");
        mp_obj_print_exception(&mp_plat_print, MP_OBJ_FROM_PTR(nlr.ret_val));
    }
}

void qemu_board_init(void) {
    qemu_board_time_init();
    qemu_board_flash_init();
}
