# The emulated board's flash and clock (board_flash.c, board_time.c), as a user C module of the
# qemu port only: firmware/qemu/build.sh puts this folder beside device/ in the modules folder it
# hands to the port, and mpconfig_tinyml.h calls qemu_board_init() at every (soft) reset.
SRC_USERMOD_C += $(USERMOD_DIR)/board_flash.c $(USERMOD_DIR)/board_time.c
