// The emulated board's clock, for MicroPython's `time` module (ticks_ms/us/cpu, sleep, sleep_ms,
// sleep_us): mp_hal_ticks_* and mp_hal_delay_*, which the qemu port does not have.
//
// The board's clock is the one tinyml's Model.last_us uses (device/tm_ticks.c): a 25 MHz
// Cortex-M3 that executes one instruction per cycle, so ticks_us around m.predict() agrees with
// m.last_us. Under qemu -icount shift=0 an instruction takes 1 ns of qemu's virtual time, which its
// timers count: one 25 MHz timer tick = 40 instructions = 1.6 us of board time. While the CPU
// sleeps (WFI in time.sleep), qemu advances virtual time with the host's clock, so the board's
// clock then runs 40 times faster than the wall clock: time.sleep(1) takes 25 ms.
//
//   CMSDK APB timer 1 (0x40001000, IRQ 9): free-running at 25 MHz, its wrap (every 171.8 s of
//     virtual time) counted in an interrupt: a 64-bit count of ticks since reset. (Timer 0 belongs to
//     tinyml's inference timing, device/tm_ticks.c.)
//   CMSDK dual timer, timer 1 (0x40002000, IRQ 10): one-shot wake-up for sleeps, so a sleeping
//     board waits in WFI (costing the host no CPU) instead of polling.
// Ctrl-C during a sleep raises KeyboardInterrupt.
#include <stdint.h>

#include "py/mphal.h"
#include "py/runtime.h"

#include "board.h"

#define TIMER1 ((volatile uint32_t *)0x40001000u) // [0] CTRL, [1] VALUE, [2] RELOAD, [3] INT
#define TIMER1_IRQ 9
#define DUAL1 ((volatile uint32_t *)0x40002000u) // [0] LOAD, [1] VALUE, [2] CONTROL, [3] INTCLR
#define DUAL_IRQ 10
#define INSTR_PER_TICK 40u // -icount shift=0: 1 ns per instruction; timers tick every 40 ns
#define INSTR_PER_US 25u   // the board's 25 MHz clock, one instruction per cycle

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
    DUAL1[3] = 1u; // clear; the one-shot has stopped
    DUAL1[2] = 0u;
}

void qemu_board_time_init(void) {
    if (TIMER1[0] & 1u) {
        return; // running since the first boot; a soft reset keeps the clock
    }
    TIMER1[2] = 0xFFFFFFFFu;
    TIMER1[1] = 0xFFFFFFFFu;
    TIMER1[3] = 1u;
    qemu_irq_install(TIMER1_IRQ, &timer1_handler);
    qemu_irq_install(DUAL_IRQ, &dual_handler);
    TIMER1[0] = 1u | (1u << 3); // enabled, interrupt on wrap
}

// 25 MHz timer ticks since the first boot. Interrupts off while reading: a wrap that happened but is
// not yet counted shows as the pending flag, and VALUE is read again after it.
static uint64_t ticks(void) {
    uint32_t primask;
    __asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    uint32_t hi = wraps;
    uint32_t v = TIMER1[1];
    if (TIMER1[3] & 1u) {
        v = TIMER1[1];
        hi += 1;
    }
    __asm volatile("msr primask, %0" ::"r"(primask) : "memory");
    return ((uint64_t)hi << 32) | (0xFFFFFFFFu - v);
}

// Board cycles (= instructions) since the first boot.
static uint64_t cycles(void) {
    return ticks() * INSTR_PER_TICK;
}

mp_uint_t mp_hal_ticks_ms(void) {
    return (mp_uint_t)(cycles() / (INSTR_PER_US * 1000u));
}

mp_uint_t mp_hal_ticks_us(void) {
    return (mp_uint_t)(cycles() / INSTR_PER_US);
}

mp_uint_t mp_hal_ticks_cpu(void) {
    return (mp_uint_t)cycles();
}

// Sleep until the cycle count reaches `until`: the dual timer wakes the CPU from WFI.
static void sleep_until(uint64_t until) {
    for (;;) {
        uint64_t now = cycles();
        if (now >= until) {
            return;
        }
        uint64_t left = (until - now + INSTR_PER_TICK - 1) / INSTR_PER_TICK;
        __asm volatile("cpsid i" ::: "memory");
        DUAL1[2] = 0u;
        DUAL1[3] = 1u;
        DUAL1[0] = left > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)left;
        DUAL1[2] = DUAL_ENABLE | DUAL_INTEN | DUAL_32BIT | DUAL_ONESHOT;
        // WFI wakes on a pending interrupt even with interrupts masked: none is slept through.
        __asm volatile("wfi" ::: "memory");
        __asm volatile("cpsie i" ::: "memory");
        if (MP_STATE_THREAD(mp_pending_exception) != MP_OBJ_NULL) {
            DUAL1[2] = 0u;
            mp_handle_pending(true);
        }
    }
}

void mp_hal_delay_us(mp_uint_t us) {
    sleep_until(cycles() + (uint64_t)us * INSTR_PER_US);
}

void mp_hal_delay_ms(mp_uint_t ms) {
    sleep_until(cycles() + (uint64_t)ms * INSTR_PER_US * 1000u);
}

// The board has no real-time clock: "now" is the board time since the first boot (littlefs
// stamps files with it).
uint64_t mp_hal_time_ns(void) {
    return cycles() * (1000u / INSTR_PER_US);
}
