"""Where the host SDK finds what the repository builds, in a checkout or installed from the wheel.

In a checkout (host/tinyml_host beside device/ and build/) files come from the checkout. The wheel
(`make wheel`, scripts/build_wheel.sh) carries copies in tinyml_host/_bundled/: the device/ C
sources native.py compiles, the serial agent, and the emulated board's firmware. A user's own
writable files (the compiled host library, the emulator's state) go to the cache directory.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_DIR = PACKAGE_DIR / "_bundled"


def checkout_root() -> Path | None:
    """The repository this package runs from (host/ within it), or None when installed elsewhere."""
    root = PACKAGE_DIR.parents[1]
    if (root / "device" / "runtime").is_dir() and (root / "host" / "pyproject.toml").is_file():
        return root
    return None


def in_checkout() -> bool:
    return checkout_root() is not None


def repo_file(*parts: str) -> Path | None:
    """A path in the checkout (existing or not), or None outside one."""
    root = checkout_root()
    return root.joinpath(*parts) if root is not None else None


def bundled_file(*parts: str) -> Path | None:
    """A file the wheel carries in _bundled/, or None when it does not carry it."""
    path = BUNDLED_DIR.joinpath(*parts)
    return path if path.exists() else None


def cache_dir() -> Path:
    """The user's cache for the host SDK: $TINYML_CACHE_DIR, else ~/.cache/tinyml-host."""
    env = os.environ.get("TINYML_CACHE_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tinyml-host"
