"""Helpers shared by the host tests: where things are, and running scripts in MicroPython.

Paths (all overridable from the environment, for running against another build or model set):
  TINYML_MICROPYTHON       the Unix-port binary        (default: build/unix/micropython)
  TINYML_MICROPYTHON_ASAN  the sanitizer build          (default: build/unix-asan/micropython)
  TINYML_MODELS_DIR        the shared reference models  (default: ../shared/models from the repo root)
"""

import os
import select
import subprocess
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = Path(os.environ.get("TINYML_MODELS_DIR", REPO_ROOT.parent / "shared" / "models"))
MICROPYTHON = Path(os.environ.get("TINYML_MICROPYTHON", REPO_ROOT / "build" / "unix" / "micropython"))
MICROPYTHON_ASAN = Path(os.environ.get("TINYML_MICROPYTHON_ASAN",
                                       REPO_ROOT / "build" / "unix-asan" / "micropython"))

# The MicroPython heap for test processes: big enough for the largest shared model read into
# RAM plus its arena, small enough that an absurd allocation fails fast with MemoryError.
HEAPSIZE = os.environ.get("TINYML_HEAPSIZE", "16M")

# Sanitizer runtime options: stop at the first report so that it can be pinned to one variant.
# Leak checking is off: MicroPython's GC heap is one malloc block that is never freed at exit.
SANITIZER_ENV = {
    "ASAN_OPTIONS": "detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=86",
    "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1:exitcode=87",
}
SANITIZER_MARKERS = ("AddressSanitizer", "UndefinedBehaviorSanitizer", "LeakSanitizer",
                     "runtime error:", "SUMMARY: ")


def model_paths():
    """Every shared .tflite model, sorted (empty when the models folder is missing)."""
    if not MODELS_DIR.is_dir():
        return []
    return sorted(MODELS_DIR.rglob("*.tflite"))


# Shared models that use ops this firmware does not run yet, and why: tests that run every shared
# model skip them, and test_inspect.py checks each is refused with the op named (so the entry has
# to go when the op lands).
NEEDS_OPS_WE_LACK = {
}


def model_params():
    """A pytest.param per shared model (id = file name); one skipped param when they are missing.
    Models in NEEDS_OPS_WE_LACK are skipped with the reason."""
    import pytest
    paths = model_paths()
    if not paths:
        return [pytest.param(None, id="no-models", marks=pytest.mark.skip(reason=models_missing_reason()))]
    return [pytest.param(p, id=p.name, marks=[pytest.mark.skip(reason=f"needs ops tinyml lacks: {NEEDS_OPS_WE_LACK[p.name]}")]
                         if p.name in NEEDS_OPS_WE_LACK else []) for p in paths]


def models_missing_reason():
    return (f"shared reference models not found at {MODELS_DIR} "
            "(expected ../shared/models beside the repository; set TINYML_MODELS_DIR to override)")


def check_binary(path):
    """Fail (not skip) when the Unix port was not built: CI always builds it first."""
    path = Path(path)
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise FileNotFoundError(f"{path} not found: run `make unix` first")
    return path


def mp_env(extra=None):
    env = dict(os.environ)
    for k, v in SANITIZER_ENV.items():
        env.setdefault(k, v)
    env.setdefault("MICROPYPATH", "")  # no user/site modules: the script sees only the firmware
    if extra:
        env.update(extra)
    return env


class MicroPythonError(RuntimeError):
    pass


def run_script(script, binary=None, timeout=120, args=(), heapsize=HEAPSIZE, check=True):
    """Run MicroPython source `script` with the Unix port; return its stdout (str).

    With check=True a non-zero exit, a signal, a timeout or a sanitizer report raises
    MicroPythonError with the exit status and the tail of stderr/stdout.
    """
    binary = check_binary(binary or MICROPYTHON)
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(script)
        path = f.name
    try:
        cmd = [str(binary), "-X", f"heapsize={heapsize}", path, *map(str, args)]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                               env=mp_env(), errors="replace")
        except subprocess.TimeoutExpired as e:
            raise MicroPythonError(f"{binary}: timed out after {timeout} s\n"
                                   f"stdout tail: {_tail(e.stdout)}\nstderr tail: {_tail(e.stderr)}")
        if check:
            problem = describe_exit(p.returncode, p.stderr)
            if problem:
                raise MicroPythonError(f"{binary}: {problem}\nstdout tail: {_tail(p.stdout)}\n"
                                       f"stderr tail: {_tail(p.stderr)}")
        return p.stdout
    finally:
        os.unlink(path)


def describe_exit(returncode, stderr):
    """None when a process ended cleanly, else what went wrong."""
    stderr = stderr or ""
    if any(m in stderr for m in SANITIZER_MARKERS):
        line = next((l for l in stderr.splitlines() if any(m in l for m in SANITIZER_MARKERS)), "")
        return f"sanitizer report (exit {returncode}): {line.strip()}"
    if returncode is None:
        return "did not finish"
    if returncode < 0:
        return f"killed by signal {-returncode}"
    if returncode != 0:
        return f"exit status {returncode}"
    return None


def _tail(text, n=1500):
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text[-n:]


class StreamResult:
    def __init__(self, lines, returncode, stderr, timed_out, elapsed):
        self.lines = lines
        self.returncode = returncode
        self.stderr = stderr
        self.timed_out = timed_out
        self.elapsed = elapsed

    @property
    def problem(self):
        if self.timed_out:
            return "hang: no progress within the timeout (killed)"
        return describe_exit(self.returncode, self.stderr)


def run_streaming(script_path, binary, line_timeout, total_timeout=3600, heapsize=HEAPSIZE):
    """Run a MicroPython script that prints one line per unit of work.

    Kills the process when no new stdout line arrives within `line_timeout` seconds (a hang),
    and returns every complete line printed before the end, the exit status and stderr.
    """
    cmd = [str(binary), "-X", f"heapsize={heapsize}", str(script_path)]
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as errf:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errf, env=mp_env())
        fd = p.stdout.fileno()
        buf = b""
        lines = []
        timed_out = False
        last = time.monotonic()
        while True:
            r, _, _ = select.select([fd], [], [], 0.5)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                buf += chunk
                *done, buf = buf.split(b"\n")
                if done:
                    lines.extend(l.decode("utf-8", "replace") for l in done)
                    last = time.monotonic()
            now = time.monotonic()
            if now - last > line_timeout or now - t0 > total_timeout:
                timed_out = True
                p.kill()
                break
        p.stdout.close()
        p.wait()
        errf.seek(0)
        stderr = errf.read().decode("utf-8", "replace")
    return StreamResult(lines, p.returncode, stderr, timed_out, time.monotonic() - t0)
