"""Robustness: corrupted models must end in a Python exception or a correct load, never a crash.

For each shared model, TINYML_FUZZ_COUNT (default 1000) seeded variants plus the unmodified
model (variant 0, must load and run) are loaded in the Unix port - the sanitizer build
build/unix-asan/micropython when it exists. Mutations (see `mutate`): bit flips aimed at the
flatbuffer's structure (offsets, vtables, vector lengths, indices), at any non-weight byte and
anywhere; truncations; oversized vector lengths and wild offsets; edge values in indices,
shapes, types, opcodes, versions, scales and zero points; random byte overwrites; and mixes.

A variant is a list of (position, bytes) patches plus an optional truncation, so one
MicroPython process patches the model in RAM, loads it, runs predict() on a zero input when it
loaded, prints one line, un-patches, and goes on: 1000 variants per process-batch cost little
more than the loads themselves. When a process dies (signal, sanitizer report, no progress
within the timeout), the variant it was on is re-run alone to confirm, saved to
build/fuzz-failures/, and the batch resumes after it.

Environment: TINYML_FUZZ_COUNT, TINYML_FUZZ_SEED (default 1), TINYML_FUZZ_VARIANTS (comma-
separated variant numbers to run only those), TINYML_FUZZ_TIMEOUT (seconds without progress
that count as a hang; default 60), TINYML_FUZZ_JOBS (parallel processes; default CPU count).
"""

import collections
import itertools
import os
import random
import struct
from concurrent.futures import ThreadPoolExecutor

import pytest

import mputil
import tflite_layout

COUNT = int(os.environ.get("TINYML_FUZZ_COUNT", "1000"))
SEED = os.environ.get("TINYML_FUZZ_SEED", "1")
ONLY = os.environ.get("TINYML_FUZZ_VARIANTS", "")
LINE_TIMEOUT = float(os.environ.get("TINYML_FUZZ_TIMEOUT", "60"))
JOBS = int(os.environ.get("TINYML_FUZZ_JOBS", str(os.cpu_count() or 2)))
BATCH = 125
FAILURE_DIR = mputil.REPO_ROOT / "build" / "fuzz-failures"

DRIVER = r"""
import tinyml, struct
MODEL = {model!r}
VARIANTS = {variants!r}

buf = bytearray(open(MODEL, "rb").read())
f = open(VARIANTS, "rb")

def report(vid, stage, e=None):
    if e is None:
        print(vid, stage)
    else:
        print(vid, stage, type(e).__name__ + ":", str(e).replace("\n", " | "))

def run_zero(m):
    ins = m.inputs
    if len(ins) == 1 and ins[0].dtype == "int8":
        n = 1
        for d in ins[0].shape:
            n *= d
        m.predict(bytes(n))
    else:
        for i in range(len(ins)):
            mv = m.input_buffer(i)
            try:
                mv[:] = bytes(len(mv))
            except ValueError:      # a typed view (int16 audio): element by element
                for k in range(len(mv)):
                    mv[k] = 0
        m.invoke()
        for i in range(len(m.outputs)):
            m.get_output(i)

print("start")
while True:
    h = f.read(10)
    if len(h) < 10:
        break
    vid, trunc, npatch = struct.unpack("<IiH", h)
    saved = []
    for _ in range(npatch):
        pos, n = struct.unpack("<IH", f.read(6))
        data = f.read(n)
        saved.append((pos, bytes(buf[pos:pos + n])))
        buf[pos:pos + n] = data
    size = trunc if trunc >= 0 else len(buf)
    # Vary the source type: bytes, bytearray, memoryview (each an exact-size copy).
    if vid % 3 == 0:
        src = bytes(memoryview(buf)[:size])
    elif vid % 3 == 1:
        src = bytearray(memoryview(buf)[:size])
    else:
        src = memoryview(bytearray(memoryview(buf)[:size]))
    m = None
    try:
        m = tinyml.Model(src)
    except Exception as e:
        report(vid, "load", e)
    if m is not None:
        try:
            run_zero(m)
            report(vid, "ok")
        except Exception as e:
            report(vid, "run", e)
    m = None
    src = None
    for pos, old in reversed(saved):
        buf[pos:pos + len(old)] = old
print("end")
"""


# -- mutations ---------------------------------------------------------------------------------

BIG32 = [0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 0x40000000, 0x3FFFFFFF, 0x20000000, 0x10000000,
         0xFFFFFFF0, 0x01000000, 0x00FFFFFF, 0x0000FFFF, 0x00010000]
STRUCTURAL = ("uoffset", "soffset", "vtable", "veclen", "index", "dim", "type", "opcode", "version")
VALUE_CATEGORIES = ("index", "dim", "type", "opcode", "version", "float", "int64", "bool", "option")


class Variant:
    def __init__(self, vid, trunc=-1, patches=(), desc="unmodified"):
        self.vid, self.trunc, self.patches, self.desc = vid, trunc, list(patches), desc

    def encode(self):
        out = [struct.pack("<IiH", self.vid, self.trunc, len(self.patches))]
        for pos, data in self.patches:
            out.append(struct.pack("<IH", pos, len(data)) + data)
        return b"".join(out)

    def apply(self, base):
        b = bytearray(base)
        for pos, data in self.patches:
            b[pos:pos + len(data)] = data
        return bytes(b if self.trunc < 0 else b[:self.trunc])


def _u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def _flip(base, patches, pos, nbits, rng):
    cur = _current(base, patches, pos)
    for _ in range(nbits):
        cur ^= 1 << rng.randrange(8)
    patches.append((pos, bytes([cur])))


def _current(base, patches, pos):
    v = base[pos]
    for p, d in patches:
        if p <= pos < p + len(d):
            v = d[pos - p]
    return v


def _edge_value(field, rng):
    """Replacement bytes for a scalar field: values at or past the edge of what is valid."""
    cat, size = field.category, field.size
    if cat == "float":
        v = rng.choice([float("nan"), float("inf"), float("-inf"), 0.0, -0.0, -1.0, 1e-45, 1e-38,
                        3.4e38, 1e30, 1e-30, 65536.0])
        return struct.pack("<f", v), f"{v!r}"
    if cat == "int64":
        v = rng.choice([2**63 - 1, -2**63, 2**31, -2**31 - 1, 128, -129, 255, 256, -1, 2**32 + 5])
        return struct.pack("<q", v), str(v)
    if cat == "type":
        v = rng.choice([rng.randrange(256), rng.randrange(20), 255, 0, 1, 2, 3, 9, 10, 16, 17])
        return bytes([v]), str(v)
    if cat == "bool" or (cat == "option" and rng.random() < 0.5):
        # Options of unknown type: often a 1-byte enum (padding, activation) at this position.
        v = rng.choice([1, 2, 3, 4, 5, 6, 7, 127, 255])
        return bytes([v]), str(v)
    if size == 1:  # deprecated_builtin_code
        v = rng.choice([rng.randrange(256), 127, 0, 32, 255])
        return bytes([v]), str(v)
    if cat == "dim":
        v = rng.choice([0, -1, 0x7FFFFFFF, -0x80000000, 0x10000, 0x8000, 0x40000000, 2, 3, 4096,
                        rng.randrange(1, 1000)])
    elif cat == "opcode":
        v = rng.choice([rng.randrange(210), rng.randrange(256), -1, 0x7FFFFFFF, 32, 0])
    elif cat == "version":
        v = rng.choice([0, -1, 2, 3, 4, 7, 99, 0x7FFFFFFF])
    elif cat == "option":
        v = rng.choice([0, -1, 1, 2, 3, 7, 0x7FFFFFFF, -0x80000000, rng.randrange(-300, 300),
                        rng.getrandbits(32) - 2**31])
    else:  # index
        v = rng.choice([-1, -2, 0x7FFFFFFF, -0x80000000, 0, 1, rng.randrange(300), rng.randrange(5000),
                        0xFFFF, 0x10000, rng.getrandbits(32) - 2**31])
    if size == 8:
        return struct.pack("<q", v), str(v)
    return struct.pack("<i", v), str(v)


def _one_mutation(base, layout, rng, patches, kinds):
    """Append patches for one mutation; return (description, truncation or -1)."""
    n = len(base)
    kind = rng.choices(kinds, weights=[w for _, w in MUTATIONS if _ in kinds])[0]
    if kind == "flip_struct":
        f = rng.choice(layout.by_category(*STRUCTURAL))
        pos = f.pos + rng.randrange(f.size)
        k = rng.choice([1, 1, 1, 2, 3])
        _flip(base, patches, pos, k, rng)
        return f"flip_struct {k} bit(s) in {f.label} @{pos}", -1
    if kind == "flip_meta":
        k = rng.choice([1, 2, 3, 4, 8])
        poss = [rng.choice(layout.non_weight) for _ in range(k)]
        for p in poss:
            _flip(base, patches, p, 1, rng)
        return f"flip_meta bits @{poss}", -1
    if kind == "flip_any":
        k = rng.choice([1, 2, 4, 8, 16])
        poss = [rng.randrange(n) for _ in range(k)]
        for p in poss:
            _flip(base, patches, p, 1, rng)
        return f"flip_any bits @{poss}", -1
    if kind == "truncate":
        r = rng.random()
        if r < 0.3:
            t = rng.randrange(min(n, 256))
        elif r < 0.5:
            # just before or after a structural field
            f = rng.choice(layout.fields)
            t = min(n - 1, max(0, f.pos + rng.randrange(-2, f.size + 2)))
        elif r < 0.6:
            t = n - rng.randrange(1, 64)
        else:
            t = rng.randrange(n)
        return f"truncate to {t} of {n} bytes", t
    if kind == "big_len":
        f = rng.choice(layout.by_category("veclen"))
        cur = f.value or 0
        v = rng.choice(BIG32 + [cur + 1, cur + 2, cur * 2 + 1, cur + 0x100, (1 << 32) - cur,
                                0x40000000 + cur, 0x20000000 + cur])
        patches.append((f.pos, _u32(v)))
        return f"big_len {f.label} @{f.pos}: {cur} -> {v:#x}", -1
    if kind == "big_off":
        f = rng.choice(layout.by_category("uoffset", "soffset"))
        cur = f.value if f.category == "soffset" else struct.unpack_from("<I", base, f.pos)[0]
        v = rng.choice(BIG32 + [n, n - f.pos, n - f.pos - 1, n - f.pos - 4, -f.pos, 0, 1, 2, 3,
                                cur + 1, cur + 2, cur - 4, cur + 4, cur + 8, -cur, rng.randrange(n)])
        patches.append((f.pos, _u32(v)))
        return f"big_off {f.category} {f.label} @{f.pos}: {cur:#x} -> {v & 0xFFFFFFFF:#x}", -1
    if kind == "vtable":
        f = rng.choice(layout.by_category("vtable"))
        v = rng.choice([0xFFFF, 0xFFFE, 0x8000, 0, 1, 2, 3, 4, 5, 0x7FFF, rng.randrange(0x10000),
                        (f.value or 0) + 1, (f.value or 0) + 4, (f.value or 0) + 64])
        patches.append((f.pos, struct.pack("<H", v & 0xFFFF)))
        return f"vtable {f.label} @{f.pos}: {f.value} -> {v & 0xFFFF}", -1
    if kind == "bad_value":
        cats = [c for c in VALUE_CATEGORIES if layout.by_category(c)]
        f = rng.choice(layout.by_category(rng.choice(cats)))
        data, shown = _edge_value(f, rng)
        patches.append((f.pos, data[:f.size]))
        return f"bad_value {f.category} {f.label} @{f.pos} -> {shown}", -1
    if kind == "overwrite":
        k = rng.choice([1, 2, 4, 8, 16, 32])
        p = rng.choice(layout.non_weight) if rng.random() < 0.7 else rng.randrange(n)
        p = min(p, n - k)
        patches.append((p, bytes(rng.randrange(256) for _ in range(k))))
        return f"overwrite {k} random bytes @{p}", -1
    raise AssertionError(kind)


MUTATIONS = [("flip_struct", 16), ("flip_meta", 14), ("flip_any", 8), ("truncate", 12),
             ("big_len", 14), ("big_off", 10), ("vtable", 6), ("bad_value", 12), ("overwrite", 5),
             ("multi", 5)]


def mutate(base, layout, vid):
    """The variant number `vid` of a model: deterministic from (TINYML_FUZZ_SEED, model, vid)."""
    rng = random.Random(f"{SEED}:{layout.name}:{vid}")
    kinds = [k for k, _ in MUTATIONS]
    kind = rng.choices(kinds, weights=[w for _, w in MUTATIONS])[0]
    patches = []
    single = [k for k in kinds if k != "multi"]
    if kind == "multi":
        descs, trunc = [], -1
        for _ in range(rng.randrange(2, 5)):
            d, t = _one_mutation(base, layout, rng, patches, [k for k in single if k != "truncate"])
            descs.append(d)
        if rng.random() < 0.3:
            d, trunc = _one_mutation(base, layout, rng, patches, ["truncate"])
            descs.append(d)
        return Variant(vid, trunc, patches, "multi: " + "; ".join(descs))
    d, trunc = _one_mutation(base, layout, rng, patches, [kind])
    return Variant(vid, trunc, patches, d)


# -- running -----------------------------------------------------------------------------------

def parse_line(line):
    """'12 ok' / '12 load ValueError: msg' / '12 run TypeError: msg' -> (vid, stage, type, msg)."""
    parts = line.split(" ", 3)
    if len(parts) < 2 or not parts[0].isdigit():
        return None
    vid, stage = int(parts[0]), parts[1]
    if stage == "ok":
        return vid, stage, None, None
    etype = parts[2].rstrip(":") if len(parts) > 2 else "?"
    msg = parts[3] if len(parts) > 3 else ""
    return vid, stage, etype, msg


class Runner:
    def __init__(self, model_path, binary, workdir):
        self.model_path = model_path
        self.binary = binary
        self.workdir = workdir
        self._ids = itertools.count(1)

    def run(self, variants):
        """Run `variants` in one process; -> (results {vid: parsed line}, problem or None,
        stderr tail). Results hold every variant that printed its line."""
        n = next(self._ids)
        vfile = self.workdir / f"variants-{n}.bin"
        sfile = self.workdir / f"driver-{n}.py"
        vfile.write_bytes(b"".join(v.encode() for v in variants))
        sfile.write_text(DRIVER.format(model=str(self.model_path), variants=str(vfile)))
        r = mputil.run_streaming(sfile, self.binary, LINE_TIMEOUT,
                                 total_timeout=LINE_TIMEOUT + 10 * len(variants))
        results = {}
        for line in r.lines:
            p = parse_line(line)
            if p:
                results[p[0]] = p
        problem = r.problem
        if not problem and (not r.lines or r.lines[-1] != "end"):
            problem = "stopped before the end without an error status"
        vfile.unlink()
        sfile.unlink()
        return results, problem, mputil._tail(r.stderr, 3000)

    def run_all(self, variants, base):
        """Every variant to a result; failures are (variant, problem, detail)."""
        results, failures = {}, []
        todo = list(variants)
        while todo:
            res, problem, stderr = self.run(todo)
            results.update(res)
            if not problem:
                break
            pending = [v for v in todo if v.vid not in res]
            if not pending:
                failures.append((None, f"process failed after its last variant: {problem}", stderr))
                break
            culprit = pending[0]
            alone, problem_alone, stderr_alone = self.run([culprit])
            results.update(alone)
            if problem_alone:
                failures.append((culprit, problem_alone, stderr_alone))
            else:
                before = [v.vid for v in todo if v.vid in res][-5:]
                failures.append((culprit, f"{problem} (only after variants ..{before} in the same "
                                          "process; alone it passes)", stderr))
            save_failure(self.model_path, culprit, base)
            todo = pending[1:]
        return results, failures


def save_failure(model_path, variant, base):
    FAILURE_DIR.mkdir(parents=True, exist_ok=True)
    out = FAILURE_DIR / f"{model_path.stem}-v{variant.vid}.tflite"
    out.write_bytes(variant.apply(base))
    return out


@pytest.mark.parametrize("model_path", mputil.model_params())
def test_robustness(model_path, micropython_fuzz, tmp_path, summary):
    binary, which = micropython_fuzz
    base = model_path.read_bytes()
    layout = tflite_layout.Layout(base)
    layout.name = model_path.name
    layout.non_weight = layout.non_weight_bytes()

    vids = [int(v) for v in ONLY.split(",") if v.strip()] if ONLY else list(range(COUNT + 1))
    variants = [Variant(0) if vid == 0 else mutate(base, layout, vid) for vid in vids]

    runner = Runner(model_path, binary, tmp_path)
    batches = [variants[i:i + BATCH] for i in range(0, len(variants), BATCH)]
    results, failures = {}, []
    with ThreadPoolExecutor(max_workers=max(1, JOBS)) as pool:
        for res, fails in pool.map(lambda b: runner.run_all(b, base), batches):
            results.update(res)
            failures.extend(fails)

    outcomes = collections.Counter()
    problems = []
    for v in variants:
        r = results.get(v.vid)
        if r is None:
            outcomes["crashed/hung"] += 1
            continue
        _, stage, etype, msg = r
        outcomes["ok" if stage == "ok" else f"{stage} {etype}"] += 1
        if stage != "ok" and not msg.strip():
            problems.append(f"variant {v.vid} ({v.desc}): {stage} raised {etype} with an empty message")
        if stage == "run":
            problems.append(f"variant {v.vid} ({v.desc}): loaded, but predict() on a zero input raised "
                            f"{etype}: {msg}")
        if v.vid == 0 and stage != "ok":
            problems.append(f"the unmodified model did not load and run: {stage} {etype}: {msg}")
    for variant, problem, stderr in failures:
        if variant is None:
            problems.append(f"{model_path.name}: {problem}\n{stderr}")
        else:
            problems.append(f"{model_path.name} variant {variant.vid} (seed {SEED}; {variant.desc}): "
                            f"{problem}; saved as {FAILURE_DIR / (model_path.stem + f'-v{variant.vid}.tflite')}"
                            f"; re-run: TINYML_FUZZ_VARIANTS={variant.vid}\n{stderr}")

    loaded = outcomes.get("ok", 0)
    value_errors = outcomes.get("load ValueError", 0)
    other = {k: c for k, c in sorted(outcomes.items()) if k not in ("ok", "load ValueError")}
    summary(f"robustness {model_path.name} [{which}]: {len(variants)} variants: loaded+ran {loaded}, "
            f"ValueError {value_errors}, other {sum(other.values())} {other or ''}; "
            f"failures {len(failures)}")
    if problems:
        pytest.fail("\n".join(problems[:20]) + (f"\n... {len(problems) - 20} more" if len(problems) > 20 else ""),
                    pytrace=False)
