"""pytest fixtures for the host tests (bit-exactness against TFLM, robustness fuzzing).

The shared reference models live in ../shared/models beside the repository: tests that need
them skip with a message when that folder is missing. The Unix port build/unix/micropython
must exist (`make unix`): a missing binary is a failure, not a skip.
"""

import os
import subprocess
import sys

import pytest

import mputil

# One line per model from the tests, printed at the end of the run even without -s.
SUMMARY = []


def pytest_configure(config):
    config.addinivalue_line("markers", "models: needs the shared reference models")


@pytest.fixture(scope="session")
def models_dir():
    if not mputil.MODELS_DIR.is_dir():
        pytest.skip(mputil.models_missing_reason())
    return mputil.MODELS_DIR


@pytest.fixture(scope="session")
def micropython():
    """The Unix-port binary with tinyml compiled in."""
    try:
        path = mputil.check_binary(mputil.MICROPYTHON)
    except FileNotFoundError as e:
        pytest.fail(str(e), pytrace=False)
    mputil.run_script("import tinyml\n", binary=path, timeout=30)
    return path


@pytest.fixture(scope="session")
def micropython_fuzz(micropython):
    """The sanitizer build if it was built (`make unix-asan`), else the normal one."""
    asan = mputil.MICROPYTHON_ASAN
    if asan.is_file():
        mputil.run_script("import tinyml\n", binary=asan, timeout=60)
        return asan, "sanitizer build"
    return micropython, "normal build (no build/unix-asan/micropython: `make unix-asan` adds sanitizers)"


@pytest.fixture(scope="module")
def emu():
    """A private emulated board for the test module (build/qemu/firmware.elf; missing: a failure)."""
    from linkutil import emulated_board

    try:
        with emulated_board() as e:
            yield e
    except FileNotFoundError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture
def private_emulator_state(tmp_path, monkeypatch):
    """The emulator's state file in a folder of this test's own, so the test neither reuses nor
    stops an emulated board someone else is using; the board it boots is stopped afterwards."""
    runtime = tmp_path / "run"
    runtime.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    yield runtime
    subprocess.run([sys.executable, "-c", "from tinyml_host import emulator; emulator.stop()"],
                   env=dict(os.environ), timeout=30)


@pytest.fixture
def summary():
    """Append a line to the end-of-run summary."""
    return SUMMARY.append


def pytest_terminal_summary(terminalreporter):
    if SUMMARY:
        terminalreporter.section("tinyml host test summary")
        for line in SUMMARY:
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def keras():
    """Keras with TensorFlow (requirements-convert.txt): the convert tests fail without them."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import keras
        import tensorflow  # noqa: F401
    except ImportError:
        pytest.fail("TensorFlow is not installed: `make setup` installs requirements-convert.txt into .venv",
                    pytrace=False)
    return keras
