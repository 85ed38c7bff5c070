// The emulated board's clock, for MicroPython's `time` module (ticks_ms/us/cpu, sleep, sleep_ms,
// sleep_us): mp_hal_ticks_* and mp_hal_delay_*, which the qemu port does not have.
//
// Time is qemu's virtual time: with -icount shift=0 one instruction takes 1 ns, so ticks measure
// instructions executed while code runs; while the CPU sleeps (WFI in a sleep), qemu advances
// virtual time with the host's clock, so time.sleep(1) takes about a second.
//
//   CMSDK APB timer 1 (0x40001000, IRQ 9): free-running at 25 MHz, its wrap (every 171.8 s)
//     counted in an interrupt: a 64-bit count of 40 ns ticks since reset. (Timer 0 belongs to
//     tinyml's inference timing, device/tm_ticks.c.)
//   CMSDK dual timer, timer 1 (0x40002000, IRQ 10): one-shot wake-up for sleeps, so a sleeping
//     board waits in WFI (costing the host no CPU) instead of polling.
// Ctrl-C during a sleep raises KeyboardInterrupt.
#include <stdint.h>

#include "py/mphal.h"
#include "py/runtime.h"

#include "board.h"

#define TIMER1 ((volatile uint32_t *)0x40001000u)  // [0] CTRL, [1] VALUE, [2] RELOAD, [3] INT
#define TIMER1_IRQ 9
#define DUAL1 ((volatile uint32_t *)0x40002000u)   // [0] LOAD, [1] VALUE, [2] CONTROL, [3] INTCLR
#define DUAL_IRQ 10
#define TICKS_PER_US 25u

#define DUAL_ONESHOT (1u << 0)
#define DUAL_32BIT (1u << 1)
#define DUAL_INTEN (1u << 5)
#define DUAL_ENABLE (1u << 7)

static volatile uint32_t wraps;

static void timer1_handler(void) {
    TIMER1[3] = 1u;
    wraps = wraps + 1;
}

static void dual_handler(void) {
    DUAL1[3] = 1u;           // clear; the one-shot has stopped
    DUAL1[2] = 0u;
}

void qemu_board_time_init(void) {
    if (TIMER1[0] & 1u) {
        return;              // running since the first boot; a soft reset keeps the clock
    }
    TIMER1[2] = 0xFFFFFFFFu;
    TIMER1[1] = 0xFFFFFFFFu;
    TIMER1[3] = 1u;
    qemu_irq_install(TIMER1_IRQ, &timer1_handler);
    qemu_irq_install(DUAL_IRQ, &dual_handler);
    TIMER1[0] = 1u | (1u << 3);  // enabled, interrupt on wrap
}

// 25 MHz ticks since the first boot. Interrupts off while reading: a wrap that happened but is
// not yet counted shows as the pending flag, and VALUE is read again after it.
static uint64_t ticks(void) {
    uint32_t primask;
    __asm volatile ("mrs %0, primask\n cpsid i" : "=r" (primask) :: "memory");
    uint32_t hi = wraps;
    uint32_t v = TIMER1[1];
    if (TIMER1[3] & 1u) {
        v = TIMER1[1];
        hi += 1;
    }
    __asm volatile ("msr primask, %0" :: "r" (primask) : "memory");
    return ((uint64_t)hi << 32) | (0xFFFFFFFFu - v);
}

mp_uint_t mp_hal_ticks_ms(void) {
    return (mp_uint_t)(ticks() / (TICKS_PER_US * 1000u));
}

mp_uint_t mp_hal_ticks_us(void) {
    return (mp_uint_t)(ticks() / TICKS_PER_US);
}

// Instructions executed (qemu -icount shift=0: 40 per 25 MHz tick).
mp_uint_t mp_hal_ticks_cpu(void) {
    return (mp_uint_t)(ticks() * 40u);
}

// Sleep until the tick count reaches `until`: the dual timer wakes the CPU from WFI.
static void sleep_until(uint64_t until) {
    for (;;) {
        uint64_t now = ticks();
        if (now >= until) {
            return;
        }
        uint64_t left = until - now;
        __asm volatile ("cpsid i" ::: "memory");
        DUAL1[2] = 0u;
        DUAL1[3] = 1u;
        DUAL1[0] = left > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)left;
        DUAL1[2] = DUAL_ENABLE | DUAL_INTEN | DUAL_32BIT | DUAL_ONESHOT;
        // WFI wakes on a pending interrupt even with interrupts masked: none is slept through.
        __asm volatile ("wfi" ::: "memory");
        __asm volatile ("cpsie i" ::: "memory");
        if (MP_STATE_THREAD(mp_pending_exception) != MP_OBJ_NULL) {
            DUAL1[2] = 0u;
            mp_handle_pending(true);
        }
    }
}

void mp_hal_delay_us(mp_uint_t us) {
    sleep_until(ticks() + (uint64_t)us * TICKS_PER_US);
}

void mp_hal_delay_ms(mp_uint_t ms) {
    sleep_until(ticks() + (uint64_t)ms * TICKS_PER_US * 1000u);
}

// The board has no real-time clock: "now" is the time since the first boot (littlefs stamps
// files with it).
uint64_t mp_hal_time_ns(void) {
    return ticks() * (1000u / TICKS_PER_US);
}
