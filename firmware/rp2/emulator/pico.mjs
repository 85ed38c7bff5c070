// The emulated Raspberry Pi Pico: rp2040js (npm, pinned in package.json) running our RP2040
// firmware, with what rp2040js lacks for a board one can live on.
//
//   node pico.mjs --bootrom ../shared/rp2040/bootrom_b1.bin --uf2 build/rp2/firmware.uf2
//                 [--flash-image FILE] [--drive DIR]
//                 [--profile ADDR --profile-out FILE [--profile-symbols FILE.json]]
//
// stdin/stdout carry the board's USB CDC serial port (host -> board, board -> host);
// host/tinyml_host/pico_bridge.py puts them behind a pty. Log lines go to stderr.
//
// Added to rp2040js:
// - Flash program/erase. rp2040js ignores the flash commands (its IO_QSPI is unimplemented), so
//   the boot ROM's flash routines (looked up in the ROM's function table: connect_internal_flash,
//   flash_exit_xip, flash_range_erase, flash_range_program, flash_flush_cache,
//   flash_enter_cmd_xip) are replaced by BKPT instructions that this script handles: erase sets
//   bytes to 0xFF, program ANDs data in (NOR flash semantics). MicroPython's littlefs therefore
//   formats and keeps its files. With --flash-image the 2 MB flash is loaded from that file and
//   every change is written back to it.
// - USB CDC with host-side flow control: the board's OUT reads are held until the host has data
//   (as a real host does) instead of answered at once with nothing, and host data waits here
//   (stdin is paused when more than HOST_QUEUE_MAX bytes wait) rather than overflowing a buffer.
// - Idle time paced to the wall clock: while the core sleeps (WFI/WFE) the emulated clock
//   advances no faster than real time, and the process sleeps instead of spinning.
// - BOOTSEL: reset_usb_boot (machine.bootloader()) stops the core and shows an RPI-RP2 drive in
//   --drive DIR (an INFO_UF2.TXT); a complete RP2040 UF2 copied there is written to flash and the
//   board reboots from it, as the real boot ROM does. A watchdog reset (machine.reset()) reboots.
// - --profile ADDR: cycles (core.cycles, the Cortex-M0+ instruction timings rp2040js models, with
//   zero-wait memory: no XIP cache misses) spent in each call of the function at ADDR, one JSON
//   line per call to --profile-out: {"cycles": N, "functions": {name: cycles}}, the cycles split by
//   the function the PC was in when --profile-symbols gives [[start, end, name], ...] (the ELF's
//   function symbols).
// On SIGTERM/SIGINT it logs the cycles run and exits.
import fs from 'node:fs';
import path from 'node:path';
import { RP2040, USBCDC } from 'rp2040js';

const FLASH_BASE = 0x10000000;
const FLASH_SIZE = 2 * 1024 * 1024; // the Pico's W25Q16
const CYCLE_NANOS = 8; // 125 MHz
const HOST_QUEUE_MAX = 4096;
const MAX_LAG_NANOS = 10e6; // how far the emulated clock may fall behind before it is re-anchored
// How far it may run ahead: short waits (a USB transfer's 10 us) pass at once instead of costing a
// host timer each (at least 1 ms), and the clock still never gets more than this ahead of real time.
const MAX_LEAD_NANOS = 2e6;
const UF2_MAGIC0 = 0x0a324655, UF2_MAGIC1 = 0x9e5d5157, UF2_MAGIC_END = 0x0ab16f30;
const RP2040_FAMILY = 0xe48bff56;

function parseArgs(argv) {
  const opts = { bootrom: null, uf2: null, flashImage: null, drive: null, profile: null, profileOut: null,
    profileSymbols: null };
  const names = { '--bootrom': 'bootrom', '--uf2': 'uf2', '--flash-image': 'flashImage', '--drive': 'drive',
    '--profile': 'profile', '--profile-out': 'profileOut', '--profile-symbols': 'profileSymbols' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) fail(`unknown or incomplete argument ${argv[i]}`);
    opts[key] = argv[i + 1];
  }
  if (!opts.bootrom) fail('--bootrom FILE is required (the RP2040 B1 boot ROM, 16 KB)');
  return opts;
}

function log(msg) {
  process.stderr.write(`pico: ${msg}\n`);
}

function fail(msg) {
  log(`error: ${msg}`);
  process.exit(2);
}

const quietLogger = {
  debug() {}, info() {},
  warn(component, msg) { if (!/IO_QSPI|Unimplemented/.test(msg)) log(`[${component}] ${msg}`); },
  error(component, msg) { log(`[${component}] error: ${msg}`); },
};

// ----------------------------------------------------------------------------------------------
// UF2

/** The flash writes of a UF2 file as [offset, payload] pairs; throws unless it is a complete
 *  RP2040 image inside the flash. */
function parseUf2(data) {
  if (data.length === 0 || data.length % 512) throw new Error(`size ${data.length} is not a multiple of 512`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const writes = [];
  const seen = new Set();
  let total = -1;
  for (let off = 0; off < data.length; off += 512) {
    const w = (i) => view.getUint32(off + i, true);
    if (w(0) !== UF2_MAGIC0 || w(4) !== UF2_MAGIC1 || w(508) !== UF2_MAGIC_END) throw new Error(`bad magic in block at ${off}`);
    if ((w(8) & 0x2000) && w(28) !== RP2040_FAMILY) throw new Error(`block at ${off} is not for the RP2040`);
    const addr = w(12), size = w(16);
    if (size > 476 || addr < FLASH_BASE || addr + size > FLASH_BASE + FLASH_SIZE) throw new Error(`block at ${off} is outside the flash`);
    total = w(24);
    seen.add(w(20));
    writes.push([addr - FLASH_BASE, data.subarray(off + 32, off + 32 + size)]);
  }
  if (seen.size !== total) throw new Error(`incomplete: ${seen.size} of ${total} blocks`);
  return writes;
}

// ----------------------------------------------------------------------------------------------
// The board

class Pico {
  constructor(opts) {
    this.opts = opts;
    this.bootrom = new Uint32Array(fs.readFileSync(opts.bootrom).buffer.slice(0));
    this.flash = new Uint8Array(FLASH_SIZE).fill(0xff);
    this.imageFd = null;
    if (opts.flashImage) {
      if (fs.existsSync(opts.flashImage)) this.flash.set(fs.readFileSync(opts.flashImage).subarray(0, FLASH_SIZE));
      this.imageFd = fs.openSync(opts.flashImage, fs.existsSync(opts.flashImage) ? 'r+' : 'w+');
    }
    if (opts.uf2) this.writeFlash(parseUf2(fs.readFileSync(opts.uf2)));
    else if (!opts.flashImage) fail('give --uf2 FILE and/or --flash-image FILE');
    this.persist(0, FLASH_SIZE);
    this.hostQueue = [];
    this.hostBytes = 0;
    this.pendingRead = null;
    this.bootsel = false;
    this.totalCycles = 0;
    this.profileEntry = opts.profile ? parseInt(opts.profile, 16) & ~1 : null;
    this.profileOut = opts.profileOut ? fs.openSync(opts.profileOut, 'a') : null;
    this.profileStart = null;
    this.profileReturn = 0;
    this.symbols = opts.profileSymbols ? JSON.parse(fs.readFileSync(opts.profileSymbols, 'utf8')) : [];
    this.symbolAt = new Map(); // pc -> symbol index (-1: none)
    this.byFunction = null;
    this.timer = null;
    this.wake = null;
    this.boot();
  }

  writeFlash(writes) {
    for (const [off, payload] of writes) this.flash.set(payload, off);
  }

  persist(off, len) {
    if (this.imageFd !== null) fs.writeSync(this.imageFd, this.flash, off, len, off);
  }

  boot() {
    const rp = new RP2040();
    rp.logger = quietLogger;
    rp.loadBootrom(this.bootrom);
    rp.flash.set(this.flash);
    this.rp = rp;
    this.hookRom();
    rp.onBreak = (code) => this.onBreak(code);
    rp.watchdog = rp.peripherals[0x40058];
    rp.watchdog.onWatchdogTrigger = () => { this.resetRequested = true; };
    this.resetRequested = false;
    this.cdc = new USBCDC(rp.usbCtrl);
    this.cdc.onSerialData = (data) => process.stdout.write(Buffer.from(data));
    rp.usbCtrl.onEndpointRead = (endpoint, size) => {
      if (endpoint !== this.cdc.outEndpoint) return;
      this.pendingRead = { endpoint, size };
      this.feed();
    };
    this.pendingRead = null;
    rp.core.PC = FLASH_BASE; // boot2, as the ROM would after checking it
    this.booted = process.hrtime.bigint();
    this.offset = null; // wall nanos minus emulated nanos, set on the first idle
    log(`boot (flash ${this.opts.flashImage || 'in memory'})`);
  }

  /** Replace the ROM's flash functions and reset_usb_boot with BKPT #n. */
  hookRom() {
    const rp = this.rp;
    const table = rp.readUint16(0x14);
    const codes = { IF: 1, EX: 2, RE: 3, RP: 4, FC: 5, CX: 6, UB: 7 };
    const rom = new DataView(rp.bootrom.buffer);
    for (let p = table; ; p += 4) {
      const code = rp.readUint16(p);
      if (code === 0) break;
      const name = String.fromCharCode(code & 0xff, code >> 8);
      if (codes[name]) rom.setUint16(rp.readUint16(p + 2) & ~1, 0xbe00 | codes[name], true);
    }
  }

  onBreak(code) {
    const core = this.rp.core;
    const r = core.registers;
    const dataOk = (addr, len) => addr <= FLASH_SIZE && len <= FLASH_SIZE - addr;
    switch (code) {
      case 3: { // flash_range_erase(addr, count, block_size, block_cmd)
        const addr = r[0] & 0xffffff, count = r[1];
        if (dataOk(addr, count)) {
          this.flash.fill(0xff, addr, addr + count);
          this.rp.flash.fill(0xff, addr, addr + count);
          this.persist(addr, count);
        } else log(`flash_range_erase out of range: ${addr.toString(16)} + ${count}`);
        break;
      }
      case 4: { // flash_range_program(addr, data, count)
        const addr = r[0] & 0xffffff, src = r[1] >>> 0, count = r[2];
        if (dataOk(addr, count)) {
          for (let i = 0; i < count; i++) this.flash[addr + i] &= this.rp.readUint8(src + i);
          this.rp.flash.set(this.flash.subarray(addr, addr + count), addr);
          this.persist(addr, count);
        } else log(`flash_range_program out of range: ${addr.toString(16)} + ${count}`);
        break;
      }
      case 7: // reset_usb_boot
        this.enterBootsel();
        return;
      case 1: case 2: case 5: case 6:
        break; // nothing to do: the emulated flash is always readable
      default:
        log(`breakpoint ${code} at ${(core.PC - 2).toString(16)}: the firmware stopped`);
        this.halted = true;
        return;
    }
    core.PC = core.LR & ~1; // return from the ROM function
  }

  // --- USB CDC, host side ---

  hostData(buf) {
    if (this.bootsel) return; // the CDC port is gone while the ROM's drive is shown
    this.hostQueue.push(buf);
    this.hostBytes += buf.length;
    if (this.hostBytes > HOST_QUEUE_MAX) process.stdin.pause();
    this.feed();
    this.wakeUp();
  }

  feed() {
    if (!this.pendingRead || this.hostBytes === 0) return;
    const { endpoint, size } = this.pendingRead;
    const out = new Uint8Array(Math.min(size, this.hostBytes));
    let n = 0;
    while (n < out.length) {
      const head = this.hostQueue[0];
      const take = Math.min(head.length, out.length - n);
      out.set(head.subarray(0, take), n);
      n += take;
      if (take === head.length) this.hostQueue.shift();
      else this.hostQueue[0] = head.subarray(take);
    }
    this.hostBytes -= n;
    this.pendingRead = null;
    this.rp.usbCtrl.endpointReadDone(endpoint, out);
    if (this.hostBytes <= HOST_QUEUE_MAX / 2) process.stdin.resume();
  }

  // --- BOOTSEL ---

  enterBootsel() {
    const drive = this.opts.drive;
    this.bootsel = true;
    this.hostQueue = [];
    this.hostBytes = 0;
    process.stdin.resume();
    if (!drive) {
      log('reset_usb_boot: no --drive folder to show the RPI-RP2 drive in; the board is halted');
      return;
    }
    fs.mkdirSync(drive, { recursive: true });
    fs.writeFileSync(path.join(drive, 'INFO_UF2.TXT'),
      'UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n');
    fs.writeFileSync(path.join(drive, 'INDEX.HTM'),
      '<html><head><meta http-equiv="refresh" content="0;URL=\'https://raspberrypi.com/device/RP2?version=E0C9125B0D9B\'"/></head></html>\n');
    log(`BOOTSEL: RPI-RP2 drive in ${drive}`);
    const poll = () => {
      for (const name of fs.readdirSync(drive)) {
        if (!name.toLowerCase().endsWith('.uf2')) continue;
        const file = path.join(drive, name);
        let writes;
        try {
          writes = parseUf2(fs.readFileSync(file));
        } catch (e) {
          if (/incomplete|multiple of 512/.test(e.message)) continue; // still being copied
          log(`BOOTSEL: ignoring ${name}: ${e.message}`);
          fs.rmSync(file, { force: true });
          continue;
        }
        this.writeFlash(writes);
        for (const [off, payload] of writes) this.persist(off, payload.length);
        for (const f of fs.readdirSync(drive)) fs.rmSync(path.join(drive, f), { force: true });
        log(`BOOTSEL: wrote ${name} (${writes.length} blocks), rebooting`);
        this.bootsel = false;
        this.reboot();
        return;
      }
      setTimeout(poll, 100);
    };
    setTimeout(poll, 100);
  }

  reboot() {
    this.totalCycles += this.rp.core.cycles;
    this.pendingRead = null;
    this.boot();
    this.schedule(0);
  }

  // --- Running ---

  wakeUp() {
    if (this.wake) this.wake();
  }

  schedule(ms) {
    this.timer = setTimeout(() => this.run(), ms);
  }

  run() {
    this.timer = null;
    this.wake = null;
    if (this.bootsel || this.halted) return;
    const { rp } = this;
    const { core, clock } = rp;
    const sliceEnd = performance.now() + 20;
    const profiling = this.profileEntry !== null;
    while (performance.now() < sliceEnd) {
      for (let i = 0; i < 20000; i++) {
        if (core.waiting) {
          if (this.idle()) return;
          continue;
        }
        if (profiling) {
          clock.tick(this.profileStep(core) * CYCLE_NANOS);
        } else {
          clock.tick(core.executeInstruction() * CYCLE_NANOS);
        }
        if (this.resetRequested || this.bootsel || this.halted) break;
      }
      if (this.resetRequested) { log('watchdog reset'); this.reboot(); return; }
      if (this.bootsel || this.halted) return;
    }
    setImmediate(() => this.run());
  }

  /** The core sleeps: advance the clock to the next alarm, no faster than the wall clock. Returns
   *  true when run() must stop (a timer or input will call it again). */
  idle() {
    const { clock } = this.rp;
    const wall = Number(process.hrtime.bigint() - this.booted);
    if (this.offset === null || wall - clock.nanos - this.offset > MAX_LAG_NANOS) {
      this.offset = wall - clock.nanos - MAX_LAG_NANOS;
    }
    const allowed = wall - this.offset - clock.nanos + MAX_LEAD_NANOS; // emulated nanos we may advance now
    const next = clock.nextAlarm ? clock.nanosToNextAlarm : Infinity;
    if (next <= allowed) {
      clock.tick(next);
      return false;
    }
    // Sleep until the next alarm is due in real time, or until host data arrives.
    const sleptFrom = process.hrtime.bigint();
    const wakeAt = (now) => {
      const slept = Number(now - sleptFrom) + allowed;
      clock.tick(Math.max(0, Math.min(next, slept)));
    };
    this.wake = () => {
      if (this.timer) clearTimeout(this.timer);
      wakeAt(process.hrtime.bigint());
      this.schedule(0);
    };
    const ms = Number.isFinite(next) ? Math.max(0, (next - allowed) / 1e6) : 1000;
    this.timer = setTimeout(() => {
      this.wake = null;
      wakeAt(process.hrtime.bigint());
      this.run();
    }, ms);
    return true;
  }

  /** Execute one instruction, counting its cycles when inside the profiled function. */
  profileStep(core) {
    const pc = core.PC;
    if (this.profileStart === null) {
      if (pc === this.profileEntry) {
        this.profileStart = core.cycles;
        this.profileReturn = core.LR & ~1;
        this.profileSp = core.SP;
        this.byFunction = new Map();
      }
    } else if (pc === this.profileReturn && core.SP === this.profileSp) {
      const functions = Object.fromEntries([...this.byFunction].sort((a, b) => b[1] - a[1]));
      const line = JSON.stringify({ cycles: core.cycles - this.profileStart, functions });
      fs.writeSync(this.profileOut ?? 2, `${line}\n`);
      this.profileStart = null;
    }
    const cycles = core.executeInstruction();
    if (this.profileStart !== null) {
      const name = this.symbolName(pc);
      this.byFunction.set(name, (this.byFunction.get(name) || 0) + cycles);
    }
    return cycles;
  }

  symbolName(pc) {
    let i = this.symbolAt.get(pc);
    if (i === undefined) {
      let lo = 0, hi = this.symbols.length - 1;
      i = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (this.symbols[mid][0] <= pc) { i = mid; lo = mid + 1; } else hi = mid - 1;
      }
      if (i >= 0 && pc >= this.symbols[i][1]) i = -1;
      this.symbolAt.set(pc, i);
    }
    return i >= 0 ? this.symbols[i][2] : '?';
  }

  cycles() {
    return this.totalCycles + this.rp.core.cycles;
  }
}

const opts = parseArgs(process.argv.slice(2));
const pico = new Pico(opts);
process.stdin.on('data', (buf) => pico.hostData(buf));
process.stdin.on('end', () => { log(`stdin closed after ${pico.cycles()} cycles`); process.exit(0); });
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    const secs = Number(process.hrtime.bigint() - pico.booted) / 1e9;
    log(`stopped: ${pico.cycles()} cycles, ${secs.toFixed(1)} s since the last boot`);
    process.exit(0);
  });
}
pico.schedule(0);
