# The emulated board's interrupt-driven console input (see uart_rx_irq.c), as a user C module of
# the qemu port only: firmware/qemu/build.sh puts this folder beside device/ in the modules folder
# it hands to the port. The port's own mp_hal_stdin_rx_chr / mp_hal_stdio_poll stay compiled;
# the linker sends every call to our __wrap_ versions instead.
SRC_USERMOD_C += $(USERMOD_DIR)/uart_rx_irq.c
LDFLAGS_USERMOD += -Wl,--wrap=mp_hal_stdin_rx_chr -Wl,--wrap=mp_hal_stdio_poll
