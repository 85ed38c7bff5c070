"""Bundles the device's C runtime sources into the package for non-editable installs.

`tinyml-host inspect/convert` compile device/runtime, device/kernels and device/ops into a host
library (tinyml_host/native.py). An editable install (`make setup`) finds them in the checkout;
`pip install ./host` copies them into the wheel as tinyml_host/device_src, so the installed
command works away from the checkout. Everything else is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DEVICE = Path(__file__).resolve().parent.parent / "device"


class build_py_with_device_sources(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False) or not (DEVICE / "runtime").is_dir():
            return
        dest = Path(self.build_lib) / "tinyml_host" / "device_src"
        for sub in ("runtime", "kernels", "ops"):
            shutil.copytree(DEVICE / sub, dest / sub, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.o", "*.d", "__pycache__"))


setup(cmdclass={"build_py": build_py_with_device_sources})
