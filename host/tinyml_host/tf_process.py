"""Run the TensorFlow side of `convert` (convert_tf.py) in a child Python process.

TensorFlow's converter can kill the process it runs in (its calibrator segfaults on some
models). In a child, a crash becomes one TinymlError naming the step the child had announced
("calibrating and quantizing to int8 on 200 samples"), the signal and the exit status, and the
parent writes nothing. The child is the same Python with this package first on its path.

    result = run_job(workdir, job, say, verbose)   # a dict, or raises TinymlError
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable

from .errors import TinymlError

PACKAGE_PARENT = Path(__file__).resolve().parent.parent


def _signal_name(returncode: int) -> str:
    """-11 -> "SIGSEGV, exit status 139" (a shell's figure); 3 -> "exit status 3"."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"{name}, exit status {128 - returncode}"
    return f"exit status {returncode}"


def run_job(workdir: Path, job: dict, say: Callable[[str], None], verbose: bool = False) -> dict:
    """Write job.json in `workdir`, run convert_tf there, relay its steps to `say`; return its
    result.json (raise TinymlError for an error it reported, or for its crash)."""
    (workdir / "job.json").write_text(json.dumps(dict(job, verbose=verbose)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_PARENT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    read_fd, write_fd = os.pipe()
    # Quiet: TensorFlow's chatter goes to a log file in the job folder. Verbose: all of it to our
    # stderr (fd 2), stdout included, so that stdout keeps only the result (--json).
    log = open(workdir / "child.log", "wb") if not verbose else None
    try:
        child = subprocess.Popen([sys.executable, "-m", "tinyml_host.convert_tf", str(workdir), str(write_fd)],
                                 pass_fds=(write_fd,), env=env, stdin=subprocess.DEVNULL,
                                 stdout=log if log else 2, stderr=log if log else 2)
    except OSError as e:
        os.close(read_fd)
        raise TinymlError(f"cannot start the TensorFlow converter process ({sys.executable}): {e.strerror or e}")
    finally:
        os.close(write_fd)
        if log:
            log.close()
    step = "starting TensorFlow"
    try:
        with os.fdopen(read_fd, "r", errors="replace") as progress:
            for line in progress:
                if line.startswith("step "):
                    step = line[5:].strip()
                    say(f"convert: {step}")
        returncode = child.wait()
    except KeyboardInterrupt:
        child.kill()
        child.wait()
        raise
    result_path = workdir / "result.json"
    if returncode != 0 or not result_path.is_file():
        where = "--verbose shows TensorFlow's own output" if not verbose else "TensorFlow's output is above"
        raise TinymlError(f"TensorFlow crashed ({_signal_name(returncode)}) while {step}; nothing was written",
                          f"a bug in TensorFlow's converter that this model triggers: replace unusual or custom "
                          f"layers (the recurrent ones first, if the step names any), or try another TensorFlow "
                          f"version; {where}")
    result = json.loads(result_path.read_text())
    if "error" in result:
        if verbose and result.get("traceback"):
            print(result["traceback"], file=sys.stderr)
        raise TinymlError(result["error"], result.get("hint", ""))
    return result
