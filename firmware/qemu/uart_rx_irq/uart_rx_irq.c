// The emulated board's console input, interrupt-driven (replaces the qemu port's polled input).
//
// MicroPython's ports/qemu reads UART0 by polling its STATE register in a loop. Under qemu that
// is slow twice over: every poll is an MMIO access that takes qemu's global lock, so the vCPU
// thread and qemu's I/O thread (the one that moves host bytes into the UART) fight over it, and
// input arrives at ~15-20 kB/s; and nothing is read while Python code or an inference runs, so
// the transfer of the next window cannot overlap the current inference.
//
// Here UART0's RX interrupt (external IRQ 0 on the MPS2 AN385) moves each byte into a 4 KB ring
// buffer, and a reader with nothing to read sleeps in WFI instead of polling, which leaves qemu's
// lock to the I/O thread. Flow control is kept: when the ring is full the RX interrupt is masked
// and the byte stays in the UART, which makes qemu hold back the rest, so no byte is ever lost.
// Ctrl-C arriving while code runs raises KeyboardInterrupt (as on real ports), so mpremote and
// the host can stop a running script on the emulated board; at the REPL prompt (interrupt char
// -1) it is an ordinary input byte.
//
// Linked in by firmware/qemu/build.sh as a user C module with -Wl,--wrap: every call to
// mp_hal_stdin_rx_chr / mp_hal_stdio_poll in MicroPython reaches the __wrap_ versions below.
// Output is unchanged (the port's uart_tx_strn).
#include <stdbool.h>
#include <stdint.h>

#include "py/mphal.h"
#include "py/runtime.h"
#include "py/stream.h"
#include "shared/runtime/interrupt_char.h"

// CMSDK APB UART (ARM DDI 0479C, 4.2), UART0 of the MPS2 AN385.
typedef struct {
    volatile uint32_t DATA;
    volatile uint32_t STATE;
    volatile uint32_t CTRL;
    volatile uint32_t INTSTATUS; // read: pending; write 1: clear
} cmsdk_uart_t;
#define UART0 ((cmsdk_uart_t *)0x40004000)
#define UART_STATE_RXFULL (1u << 1)
#define UART_CTRL_RX_INTEN (1u << 3)
#define UART_INT_RX (1u << 1)
#define UART0_RX_IRQ 0

// Cortex-M3 system control space.
#define SCB_VTOR (*(volatile uint32_t *)0xE000ED08)
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100)
#define NUM_VECTORS (16 + 32) // the AN385's NVIC has 32 external interrupts

#define RING_SIZE 4096u // a power of two
static volatile uint8_t ring[RING_SIZE];
static volatile uint32_t ring_head; // written by the interrupt only
static volatile uint32_t ring_tail; // written by the reader only
static volatile uint8_t rx_paused;  // ring was full: RX interrupt masked, byte left in the UART
static uint8_t started;

// The vector table moves to RAM so that it can hold our handler (VTOR needs the table aligned to
// its size rounded up to a power of two: 48 words -> 256 bytes).
static uint32_t ram_vectors[NUM_VECTORS] __attribute__((aligned(256)));

static inline void irq_off(void) {
    __asm volatile("cpsid i" ::: "memory");
}

static inline void irq_on(void) {
    __asm volatile("cpsie i" ::: "memory");
}

// Move the byte waiting in the UART (STATE says there is one) into the ring, or leave it there
// and mask the RX interrupt when the ring is full (qemu then holds back the rest) until the
// reader has made room. Interrupts off, or in the handler. False when the ring was full.
static bool take_byte(void) {
    uint32_t head = ring_head;
    if (head - ring_tail >= RING_SIZE) {
        UART0->CTRL &= ~UART_CTRL_RX_INTEN;
        rx_paused = 1;
        return false;
    }
    int c = (int)(UART0->DATA & 0xff);
    if (c == mp_interrupt_char) {
        mp_sched_keyboard_interrupt();
    } else {
        ring[head % RING_SIZE] = (uint8_t)c;
        ring_head = head + 1;
    }
    return true;
}

// Every byte waiting in the UART (at start, and when the reader has made room again).
static void drain_uart(void) {
    while ((UART0->STATE & UART_STATE_RXFULL) && take_byte()) {
    }
}

// One byte per interrupt, three register accesses: each access is costly under qemu (it takes
// qemu's global lock). Clear the flag first: a byte qemu delivers after this sets it again, and
// the handler runs again; qemu delivers none while the current one is unread.
static void uart0_rx_handler(void) {
    UART0->INTSTATUS = UART_INT_RX;
    if (UART0->STATE & UART_STATE_RXFULL) {
        take_byte();
    }
}

// Moves the vector table to RAM (once) and points external interrupt `irq` at `handler`: the
// other interrupt-driven parts of the board (firmware/qemu/board/board_time.c) use it too.
void qemu_irq_install(int irq, void (*handler)(void));
void qemu_irq_install(int irq, void (*handler)(void)) {
    if (SCB_VTOR != (uint32_t)(uintptr_t)ram_vectors) {
        const uint32_t *current = (const uint32_t *)SCB_VTOR;
        for (int i = 0; i < NUM_VECTORS; ++i) {
            // Unused external interrupts go to the HardFault handler, which reports them.
            ram_vectors[i] = i < 16 ? current[i] : current[3];
        }
        __asm volatile("dsb" ::: "memory");
        SCB_VTOR = (uint32_t)(uintptr_t)ram_vectors;
        __asm volatile("dsb\n isb" ::: "memory");
    }
    ram_vectors[16 + irq] = (uint32_t)(uintptr_t)handler;
    __asm volatile("dsb" ::: "memory");
    NVIC_ISER0 = 1u << irq;
}

static void start(void) {
    UART0->INTSTATUS = UART_INT_RX;
    UART0->CTRL |= UART_CTRL_RX_INTEN;
    qemu_irq_install(UART0_RX_IRQ, &uart0_rx_handler);
    started = 1;
    irq_off();
    drain_uart(); // a byte that arrived before the interrupt was enabled
    irq_on();
}

int __wrap_mp_hal_stdin_rx_chr(void);
uintptr_t __wrap_mp_hal_stdio_poll(uintptr_t poll_flags);

int __wrap_mp_hal_stdin_rx_chr(void) {
    if (!started) {
        start();
    }
    for (;;) {
        irq_off();
        uint32_t tail = ring_tail;
        if (ring_head != tail) {
            int c = ring[tail % RING_SIZE];
            ring_tail = tail + 1;
            if (rx_paused) {
                rx_paused = 0;
                UART0->CTRL |= UART_CTRL_RX_INTEN;
                drain_uart();
            }
            irq_on();
            return c;
        }
        // WFI wakes on a pending interrupt even with interrupts masked, so a byte arriving
        // between the check above and here is not slept through. Sleeping (not polling) also
        // lets qemu idle: an idle board costs the host no CPU.
        __asm volatile("wfi" ::: "memory");
        irq_on();
        if (MP_STATE_THREAD(mp_pending_exception) != MP_OBJ_NULL) {
            mp_handle_pending(true); // Ctrl-C while blocked reading: KeyboardInterrupt
        }
    }
}

uintptr_t __wrap_mp_hal_stdio_poll(uintptr_t poll_flags) {
    if (!started) {
        start();
    }
    uintptr_t ret = 0;
    if ((poll_flags & MP_STREAM_POLL_RD) && ring_head != ring_tail) {
        ret |= MP_STREAM_POLL_RD;
    }
    if (poll_flags & MP_STREAM_POLL_WR) {
        ret |= MP_STREAM_POLL_WR; // output blocks until sent, so it is always writable
    }
    return ret;
}
