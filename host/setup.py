"""Bundles what the repository builds into the package for non-editable installs.

`pip install ./host` and `make wheel` (scripts/build_wheel.sh) both go through here: the built
package gets tinyml_host/_bundled/ (bundled.py reads it) with
  - device_src/runtime, kernels, ops: the C sources the host library compiles (native.py);
  - device_src/python/tinyml_agent.py: the serial agent, pasted onto boards without it;
  - firmware/qemu-firmware.elf: the emulated board, when the checkout has built it (`make qemu`;
    without it `validate`/`run` with no --port say to build it or to name a --port).
An editable install (`make setup`) finds all of this in the checkout instead. Everything else is
in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent.parent
DEVICE = ROOT / "device"
QEMU_FIRMWARE = ROOT / "build" / "qemu" / "firmware.elf"


class build_py_with_bundle(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False) or not (DEVICE / "runtime").is_dir():
            return
        bundle = Path(self.build_lib) / "tinyml_host" / "_bundled"
        shutil.rmtree(bundle, ignore_errors=True)  # nothing stale from an earlier build
        for sub in ("runtime", "kernels", "ops"):
            shutil.copytree(DEVICE / sub, bundle / "device_src" / sub,
                            ignore=shutil.ignore_patterns("*.o", "*.d", "__pycache__"))
        (bundle / "device_src" / "python").mkdir(parents=True)
        shutil.copy2(DEVICE / "python" / "tinyml_agent.py", bundle / "device_src" / "python")
        if QEMU_FIRMWARE.is_file():
            (bundle / "firmware").mkdir(parents=True)
            shutil.copy2(QEMU_FIRMWARE, bundle / "firmware" / "qemu-firmware.elf")


setup(cmdclass={"build_py": build_py_with_bundle})
