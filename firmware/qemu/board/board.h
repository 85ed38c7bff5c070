// The emulated board's own hardware support (firmware/qemu/board/): flash and clock.
#ifndef QEMU_BOARD_H
#define QEMU_BOARD_H

// Called by MicroPython at every (soft) reset, from mp_init (MICROPY_PORT_INIT_FUNC).
void qemu_board_init(void);
void qemu_board_flash_init(void);
void qemu_board_time_init(void);

// firmware/qemu/uart_rx_irq/uart_rx_irq.c: RAM vector table, external interrupt `irq`.
void qemu_irq_install(int irq, void (*handler)(void));

#endif
