"""Running `tinyml-host flash` in a subprocess, as a user does, for the flash tests."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNIX_MICROPYTHON = ROOT / "build" / "unix" / "micropython"

# esptool reads its timeouts from the file ESPTOOL_CFGFILE names: short ones, so that a simulated
# board that stops answering fails the test run in seconds, not minutes.
FAST_ESPTOOL_CFG = """[esptool]
timeout = 0.5
max_timeout = 2
sync_timeout = 0.05
connect_attempts = 2
write_block_attempts = 1
md5_timeout_per_mb = 2
erase_region_timeout_per_mb = 4
erase_write_timeout_per_mb = 4
"""


def run_flash(args, tmp_path, timeout=60):
    """`tinyml-host flash ARGS --no-progress`; returns (exit code, stdout, stderr, seconds)."""
    cfg = Path(tmp_path) / "esptool.cfg"
    cfg.write_text(FAST_ESPTOOL_CFG)
    env = dict(os.environ, ESPTOOL_CFGFILE=str(cfg))
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "tinyml_host.cli", "flash", *map(str, args), "--no-progress"],
                       capture_output=True, text=True, timeout=timeout, env=env, cwd=tmp_path)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def run_flash_json(args, tmp_path, timeout=60):
    code, out, err, secs = run_flash([*args, "--json"], tmp_path, timeout)
    try:
        summary = json.loads(out)
    except json.JSONDecodeError:
        raise AssertionError(f"no JSON on stdout (exit {code}):\n{out}\n--- stderr:\n{err}") from None
    return code, summary, err, secs


def unix_tinyml_info():
    """tinyml's version and op names as the Unix port reports them (what the fake boards run)."""
    code = "import tinyml; print(tinyml.__version__); print(' '.join(o[0] for o in tinyml.ops()))"
    p = subprocess.run([str(UNIX_MICROPYTHON), "-c", code], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    version, ops = p.stdout.splitlines()
    return version, ops.split()
