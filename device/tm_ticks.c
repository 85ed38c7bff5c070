// tm_ticks: the clock that times each inference, one implementation per port (see tm_ticks.h).
// Durations are whole microseconds, at least 1 (shorter inferences report 1); a port with no clock
// reports 0, which the binding shows as None.
//
//   port                        us from                       cycles from
//   emulated board (qemu,       CMSDK timer 0, restarted at   the same timer: under qemu's
//     MPS2-AN385, Cortex-M3)     each start: cycles / 25 MHz   -icount shift=0 (one instruction
//                                                              per virtual ns, the timer ticks every
//                                                              40 ns) = instructions executed,
//                                                              a multiple of 40; deterministic
//   ESP32 (Xtensa or RISC-V)    esp_timer_get_time()          the CPU cycle counter (CCOUNT/mcycle)
//   Unix                        clock_gettime(MONOTONIC)      none (None in Python)
//   Cortex-M3/M4/M7/M33 boards  mp_hal_ticks_us()             DWT->CYCCNT, when the core has it
//   anything else               mp_hal_ticks_us()             none
//
// 32-bit cycle counters wrap (at 240 MHz after 17.9 s): cycles are reported only for durations
// under TM_CYCLES_MAX_US, which no counter of up to 536 MHz wraps in.
//
// Per-node profiles (tm_ticks_profile_clock) read the same counters, one read before and one after
// each node, so a node's time includes one read's cost (a few instructions; a function call on
// Unix): emulated board: instructions, the timer read (40-instruction steps); ESP32: CCOUNT
// cycles; Cortex-M3/M4/M7/M33: DWT->CYCCNT cycles; cores without it (RP2040): mp_hal_ticks_us;
// Unix: CLOCK_MONOTONIC nanoseconds (a node over 4.29 s would wrap).
#include "tm_ticks.h"

#define TM_CYCLES_MAX_US 8000000u

static inline uint64_t ceil_div(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}

#if defined(QEMU_SOC_MPS2)

// The emulated board: qemu-system-arm -machine mps2-an385 (MicroPython's ports/qemu, which uses
// no timer). CMSDK APB timer 0: a 32-bit down-counter on the 25 MHz peripheral clock.
// Writing VALUE restarts the count, and qemu's timer then counts from that exact instant of virtual
// time, so the count read at the end depends only on the instructions executed in between, not on
// when (after how many REPL polling loops) the inference started.
#define TM_TIMER0 ((volatile uint32_t *)0x40000000u) // [0] CTRL, [1] VALUE, [2] RELOAD
#define TM_NS_PER_TICK 40u                           // 25 MHz
#define TM_CORE_MHZ 25u                              // the AN385's Cortex-M3 clock

void tm_ticks_start(tm_ticks_mark *mark) {
    volatile uint32_t *timer = TM_TIMER0;
    if (!(timer[0] & 1u)) {
        timer[2] = 0xFFFFFFFFu; // RELOAD
        timer[0] = 1u;          // CTRL: enabled, internal clock, no interrupt
    }
    timer[1] = 0xFFFFFFFFu; // VALUE: restart here
    mark->t = 0;
    mark->cycles = 0;
    mark->has_cycles = 1;
}

void tm_ticks_stop(const tm_ticks_mark *mark, tm_duration *out) {
    uint32_t ticks = 0xFFFFFFFFu - TM_TIMER0[1];
    (void)mark;
    // With -icount shift=0 one instruction takes 1 ns of virtual time: ticks * 40 instructions.
    out->cycles = (uint64_t)ticks * TM_NS_PER_TICK;
    out->us = out->cycles ? ceil_div(out->cycles, TM_CORE_MHZ) : 1;
    out->has_cycles = 1;
}

// Instructions since the timer's last restart, mod 2^32 (as the timer's count times 40).
static uint32_t timer_instructions(void) {
    return (0xFFFFFFFFu - TM_TIMER0[1]) * TM_NS_PER_TICK;
}

tm_ticks_clock tm_ticks_profile_clock(const char **unit) {
    *unit = "cycles";
    return timer_instructions;
}

#elif defined(QEMU_SOC_STM32) || defined(QEMU_SOC_NRF51) || defined(QEMU_SOC_IMX6) || defined(QEMU_SOC_VIRT)

// Other boards of MicroPython's qemu port: no clock wired up (the port has no mp_hal_ticks_us).
void tm_ticks_start(tm_ticks_mark *mark) {
    mark->t = 0;
    mark->cycles = 0;
    mark->has_cycles = 0;
}

void tm_ticks_stop(const tm_ticks_mark *mark, tm_duration *out) {
    (void)mark;
    out->us = 0;
    out->cycles = 0;
    out->has_cycles = 0;
}

tm_ticks_clock tm_ticks_profile_clock(const char **unit) {
    *unit = "none";
    return NULL;
}

#elif defined(ESP_PLATFORM)

// ESP32 family (ESP-IDF 5): the microsecond system timer and the running core's cycle counter
// (MicroPython's task is pinned to one core, so start and stop read the same counter).
#include "esp_timer.h"
#include "esp_cpu.h"

void tm_ticks_start(tm_ticks_mark *mark) {
    mark->t = (uint64_t)esp_timer_get_time();
    mark->cycles = (uint32_t)esp_cpu_get_cycle_count();
    mark->has_cycles = 1;
}

void tm_ticks_stop(const tm_ticks_mark *mark, tm_duration *out) {
    uint32_t cycles = (uint32_t)esp_cpu_get_cycle_count() - mark->cycles;
    uint64_t us = (uint64_t)esp_timer_get_time() - mark->t;
    out->us = us ? us : 1;
    out->cycles = cycles;
    out->has_cycles = us < TM_CYCLES_MAX_US;
}

static uint32_t cpu_cycles(void) {
    return (uint32_t)esp_cpu_get_cycle_count();
}

tm_ticks_clock tm_ticks_profile_clock(const char **unit) {
    *unit = "cycles";
    return cpu_cycles;
}

#elif defined(__unix__) || defined(__APPLE__)

// Unix port: the monotonic clock in nanoseconds; no portable cycle counter.
#include <time.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void tm_ticks_start(tm_ticks_mark *mark) {
    mark->t = now_ns();
    mark->cycles = 0;
    mark->has_cycles = 0;
}

void tm_ticks_stop(const tm_ticks_mark *mark, tm_duration *out) {
    uint64_t ns = now_ns() - mark->t;
    out->us = ns ? ceil_div(ns, 1000u) : 1;
    out->cycles = 0;
    out->has_cycles = 0;
}

static uint32_t clock_ns(void) {
    return (uint32_t)now_ns();
}

tm_ticks_clock tm_ticks_profile_clock(const char **unit) {
    *unit = "ns";
    return clock_ns;
}

#else

// A MicroPython port on a microcontroller: its microsecond tick, plus DWT->CYCCNT on Armv7-M and
// Armv8-M mainline cores that implement it (not on Cortex-M0/M0+/M23, e.g. the RP2040).
#include "py/mphal.h"

#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__)                             \
    || defined(__ARM_ARCH_8_1M_MAIN__)
#define TM_REG(addr) (*(volatile uint32_t *)(addr))
#define TM_CPUID TM_REG(0xE000ED00u)
#define TM_DEMCR TM_REG(0xE000EDFCu)
#define TM_DWT_CTRL TM_REG(0xE0001000u)
#define TM_DWT_CYCCNT TM_REG(0xE0001004u)
#define TM_DWT_LAR TM_REG(0xE0001FB0u)

// Turns the cycle counter on if needed (the port may already use it); 0 if the core has none.
static int cyccnt_on(void) {
    TM_DEMCR |= 1u << 24;           // TRCENA: enable the DWT
    if (TM_DWT_CTRL & (1u << 25)) { // NOCYCCNT
        return 0;
    }
    if (!(TM_DWT_CTRL & 1u)) {
        if (((TM_CPUID >> 4) & 0xFFFu) == 0xC27u) {
            TM_DWT_LAR = 0xC5ACCE55u; // Cortex-M7: unlock the DWT before writing to it
        }
        TM_DWT_CTRL |= 1u; // CYCCNTENA
    }
    return 1;
}
#define TM_CYCLES_START(mark) ((mark)->has_cycles = (uint8_t)cyccnt_on(), (mark)->cycles = TM_DWT_CYCCNT)
#define TM_CYCLES_NOW() TM_DWT_CYCCNT
#define TM_HAS_CYCLES() cyccnt_on()

static uint32_t dwt_cycles(void) {
    return TM_DWT_CYCCNT;
}
#else
#define TM_CYCLES_START(mark) ((mark)->has_cycles = 0, (mark)->cycles = 0)
#define TM_CYCLES_NOW() 0u
#endif

void tm_ticks_start(tm_ticks_mark *mark) {
    TM_CYCLES_START(mark);
    mark->t = (uint32_t)mp_hal_ticks_us();
}

void tm_ticks_stop(const tm_ticks_mark *mark, tm_duration *out) {
    uint32_t us = (uint32_t)mp_hal_ticks_us() - (uint32_t)mark->t; // wraps like the tick itself
    uint32_t cycles = (uint32_t)TM_CYCLES_NOW() - mark->cycles;
    out->us = us ? us : 1;
    out->cycles = cycles;
    out->has_cycles = mark->has_cycles && us < TM_CYCLES_MAX_US;
}

static uint32_t hal_us(void) {
    return (uint32_t)mp_hal_ticks_us();
}

tm_ticks_clock tm_ticks_profile_clock(const char **unit) {
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__)                             \
    || defined(__ARM_ARCH_8_1M_MAIN__)
    if (TM_HAS_CYCLES()) {
        *unit = "cycles";
        return dwt_cycles;
    }
#endif
    *unit = "us";
    return hal_us;
}

#endif
