#!/usr/bin/env python3
"""Run the device tests: every tests/device/*.py in MicroPython, output compared with its .py.exp.

The same scripts run on the Unix port here and on a board later, so they only print: a test
passes when its output (stdout and stderr together, as MicroPython's own run-tests does, so an
uncaught exception shows up as a difference) equals the .py.exp file. A test that prints
"SKIP" as its only output is skipped (a feature compiled out, a model file missing). Files whose
name starts with "_" are helpers for the tests to import, not tests.
Scripts run with the tests/device folder as current directory, so they open models by the
relative path ../../../shared/models/...

    tests/device/run.py [--micropython PATH] [--timeout S] [test.py ...]

Ends with "device: N passed, N failed, N skipped"; exit status 1 if any test failed.
"""
import argparse
import difflib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run_one(micropython, name, timeout):
    """Return (status, detail): status is "pass", "fail" or "skip"."""
    exp_path = os.path.join(HERE, name + ".exp")
    try:
        proc = subprocess.run([micropython, name], cwd=HERE, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "fail", "timed out after %d s" % timeout
    out = proc.stdout.decode("utf-8", "replace").replace("\r\n", "\n")
    if out == "SKIP\n":
        return "skip", ""
    if proc.returncode < 0:
        # Killed by a signal: a crash, whatever it printed before.
        return "fail", out + "CRASH (signal %d)\n" % -proc.returncode
    if not os.path.exists(exp_path):
        return "fail", out + "(no %s to compare with)\n" % os.path.basename(exp_path)
    with open(exp_path, encoding="utf-8") as f:
        exp = f.read().replace("\r\n", "\n")
    if out == exp:
        return "pass", ""
    diff = difflib.unified_diff(exp.splitlines(True), out.splitlines(True),
                                name + ".exp", name + " (actual)")
    return "fail", "".join(diff)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--micropython", default=os.path.join(ROOT, "build", "unix", "micropython"),
                    help="MicroPython binary to run the tests with (default: build/unix/micropython)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per test (default: 60)")
    ap.add_argument("tests", nargs="*", help="test files to run (default: every tests/device/*.py)")
    args = ap.parse_args()

    micropython = os.path.abspath(args.micropython)
    if not os.access(micropython, os.X_OK):
        print("device: error: no MicroPython binary at %s (run `make unix`)" % micropython,
              file=sys.stderr)
        return 2
    this = os.path.basename(__file__)
    names = [os.path.basename(t) for t in args.tests] or sorted(
        n for n in os.listdir(HERE) if n.endswith(".py") and not n.startswith("_") and n != this)

    counts = {"pass": 0, "fail": 0, "skip": 0}
    for name in names:
        status, detail = run_one(micropython, name, args.timeout)
        counts[status] += 1
        print("%-4s %s" % (status, name))
        if detail:
            sys.stdout.write(detail if detail.endswith("\n") else detail + "\n")
        sys.stdout.flush()
    print("device: %d passed, %d failed, %d skipped" % (counts["pass"], counts["fail"], counts["skip"]))
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
