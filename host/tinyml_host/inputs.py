"""What the user hands the CLI, checked before anything trusts it: files and numbers.

Files (`read_file`, `read_model_file`, `load_array`):
  * only regular files are read: a folder, a device (/dev/zero), a FIFO or a socket is refused
    (opened with O_NONBLOCK, so a FIFO without a writer cannot hang the check);
  * the size is checked before reading (a 2 GB sparse file is refused at once), and the read
    itself stops one byte past the limit (a file that grows while read is refused too);
  * .npy files are parsed here, never unpickled: the header's dtype and shape must describe
    exactly the bytes that follow, and only numbers (bool, integers, floats) are accepted.

The limits:
  max_model_bytes()  the largest model a board could hold: the largest heap or flash filesystem in
                   the board table of `inspect` (today the ESP32-S3's 6 MiB filesystem). Every
                   .tflite the CLI reads (inspect, validate, deploy) and every script `run` sends
                   is bounded by it: a bigger file cannot run on any board we know.
  MAX_DATA_BYTES   data files (windows, calibration samples, labels): 256 MiB. They are held in
                   host memory whole (and converted to float), so this guards the host; split a
                   bigger set into several files (`convert --calibration` takes a folder).
  MAX_FIRMWARE_BYTES  firmware images for `flash`: 32 MiB, a UF2 of a 16 MiB flash (the largest
                   an RP2040 or ESP32 maps) at 256 payload bytes per 512-byte block.

Numbers (argparse `type=` converters): `nonneg_float`, `seconds`, `int_at_least(low, high)`:
NaN, infinities, negative or absurd values are refused with a message that argparse turns into
one line (see cli.py).
"""

from __future__ import annotations

import argparse
import io
import math
import os
import stat
import warnings
from pathlib import Path

from .errors import TinymlError

MAX_DATA_BYTES = 256 * 1024 * 1024
MAX_FIRMWARE_BYTES = 32 * 1024 * 1024
MAX_SECONDS = 24 * 3600.0       # a timeout longer than a day is a typo (and overflows some timers)
NUMERIC_KINDS = "biuf"          # numpy dtype kinds of data we accept: bool, int, uint, float


def max_model_bytes() -> int:
    """The largest heap or flash filesystem of the boards tinyml-host knows."""
    from .boards import BOARDS

    return max(max(b.memory.heap_bytes, b.memory.storage_bytes or 0) for b in BOARDS.values())


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB"


# --- files --------------------------------------------------------------------------------


def read_file(path, what: str, limit: int, hint: str = "", *, allow_empty: bool = False,
              too_big_hint: str = "") -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them, or a TinymlError (exit 2)
    that names `what` ("model", "calibration data"...) and says why."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise TinymlError(f"cannot read {what} file {p}: not found", hint) from None
    except OSError as e:
        raise TinymlError(f"cannot read {what} file {p}: {e.strerror or e}", hint) from None
    big = f"{what} file {p} is larger than {_mib(limit)}"
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise TinymlError(f"{what} {p} is a folder, not a file", hint)
        if not stat.S_ISREG(st.st_mode):
            raise TinymlError(f"{what} {p} is not a regular file (a device, FIFO or socket)",
                              "save the data to a file first and give its path")
        if st.st_size > limit:
            raise TinymlError(f"{big} ({st.st_size:,} bytes)", too_big_hint or hint)
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as e:
        raise TinymlError(f"cannot read {what} file {p}: {e.strerror or e}", hint) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise TinymlError(f"{big} (it grew while read)", too_big_hint or hint)
    if not data and not allow_empty:
        raise TinymlError(f"{what} file {p} is empty", hint)
    return data


def read_model_file(path, what: str = "model", *, allow_empty: bool = False) -> bytes:
    """A .tflite file (or a script for the board), bounded by max_model_bytes()."""
    limit = max_model_bytes()
    return read_file(path, what, limit, "give the path of a .tflite file" if what == "model" else "",
                     allow_empty=allow_empty, too_big_hint=f"no board in `tinyml-host inspect`'s table holds more than {_mib(limit)}")


def check_output_file(path, what: str) -> Path:
    """Before a long run: the file `path` can be written (not a folder, its folder exists)."""
    p = Path(path)
    if p.is_dir():
        raise TinymlError(f"{what} {p} is a folder", "give a file name, e.g. out/result.json")
    parent = p.parent
    if not parent.is_dir():
        raise TinymlError(f"{what} {p}: folder {parent} does not exist", "create it first")
    if p.exists() and not os.access(p, os.W_OK) or not p.exists() and not os.access(parent, os.W_OK):
        raise TinymlError(f"{what} {p} cannot be written (permission denied)")
    return p


def write_text(path, text: str, what: str) -> None:
    try:
        Path(path).write_text(text)
    except OSError as e:
        raise TinymlError(f"cannot write {what} {path}: {e.strerror or e}") from None


def add_json_argument(p: argparse.ArgumentParser, what: str) -> None:
    """`--json [FILE]`, the same on every command: JSON on stdout, or into FILE."""
    p.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                   help=f"print {what} as JSON on stdout (or write it to FILE)")


def emit_json(dest: str, value) -> None:
    """`value` as JSON to `dest`: "-" is stdout, else a file (checked first with check_output_file)."""
    import json
    import sys

    text = json.dumps(value, indent=1) + "\n"
    if dest == "-":
        sys.stdout.write(text)
    else:
        write_text(dest, text, "--json file")


def check_output_dir(path, what: str) -> Path:
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise TinymlError(f"{what} {p} exists and is not a folder", "give a folder for the plots")
    return p


# --- data files ---------------------------------------------------------------------------


def parse_npy(data: bytes, where: str):
    """A .npy file's array, parsed without numpy's pickle path: header, then exactly the bytes
    its dtype and shape announce. Object (pickled) arrays and non-numeric dtypes are refused."""
    import numpy as np
    from numpy.lib import format as npf

    f = io.BytesIO(data)
    try:
        version = npf.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = npf.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = npf.read_array_header_2_0(f)
        else:
            raise ValueError(f"format version {version[0]}.{version[1]} is not read here (save with numpy.save)")
    except Exception as e:  # numpy's header parser raises ValueError, EOFError, SyntaxError...
        raise TinymlError(f"cannot read {where}: not a .npy file ({_one_line(e)})",
                          "save the array with numpy.save()") from None
    if dtype.hasobject:
        raise TinymlError(f"{where}: a .npy of Python objects (pickled data is never loaded)",
                          "save a numeric array: numpy.save(path, np.asarray(x, dtype=np.float32))")
    _check_numeric(dtype, where)
    count = math.prod(shape)
    need = count * dtype.itemsize
    have = len(data) - f.tell()
    if have < need:
        raise TinymlError(f"cannot read {where}: truncated .npy file: its header announces {dtype} {tuple(shape)} "
                          f"({need:,} bytes), {have:,} bytes follow", "save the array again")
    arr = np.frombuffer(data, dtype=dtype, count=count, offset=f.tell())
    arr = arr.reshape(shape[::-1]).transpose() if fortran else arr.reshape(shape)
    return arr.copy()


def _check_numeric(dtype, where: str) -> None:
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None:
        raise TinymlError(f"{where}: holds values of type {dtype}, not numbers",
                          "give integer or float values")


def parse_csv(data: bytes, where: str):
    """Numbers, comma-separated, one row per line (an optional first line of column names)."""
    import numpy as np

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TinymlError(f"cannot read {where}: not a text file", "a .csv of numbers, one sample per row") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and not _numeric_row(lines[0]):
        lines = lines[1:]  # a header line
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.loadtxt(io.StringIO("\n".join(lines)), delimiter=",", ndmin=2, dtype=np.float64)
    except ValueError as e:
        raise TinymlError(f"cannot read {where}: not a CSV of numbers ({_one_line(e)})",
                          "numbers only, comma-separated, the same count on every row, "
                          "optionally one header line") from None
    if arr.size == 0:
        raise TinymlError(f"{where}: no numbers in it", "one sample per row, comma-separated")
    return arr


def _numeric_row(line: str) -> bool:
    try:
        [float(v) for v in line.split(",")]
    except ValueError:
        return False
    return True


def load_array(path, what: str):
    """A .npy or .csv data file as a numeric numpy array (bounded by MAX_DATA_BYTES)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".npy", ".csv", ".txt"):
        raise TinymlError(f"{what} file {p} is neither .npy nor .csv",
                          "save the samples with numpy.save() or as CSV, one flattened sample per row")
    data = read_file(p, what, MAX_DATA_BYTES, "a .npy (numpy.save) or .csv file",
                     too_big_hint="split the data into several smaller files")
    where = f"{what} file {p}"
    arr = parse_npy(data, where) if suffix == ".npy" else parse_csv(data, where)
    if arr.ndim == 0 or arr.size == 0:
        raise TinymlError(f"{where}: no values in it (shape {tuple(arr.shape)})")
    return arr


def sample_shape(tensor_shape) -> tuple[int, ...]:
    """The shape of one sample of an input tensor: without its batch dimension of 1."""
    shape = tuple(int(d) for d in tensor_shape)
    return shape[1:] if len(shape) > 1 and shape[0] == 1 else shape


def fit_samples(a, shape, what: str, path):
    """`a` as (N, *shape), or a TinymlError naming the shape it has and the one expected.

    Accepted: N samples of exactly `shape`; one sample of `shape`; N flattened rows (2-D, as a
    .csv gives); N samples that differ from `shape` only by dimensions of 1 ((N, 100, 3) for
    (100, 1, 3)). Refused: anything else with the right number of values, which would be a silent
    reshape of wrongly ordered data (channels-first (N, 3, 64) for (64, 3), a transposed image)."""
    import numpy as np

    shape = tuple(int(d) for d in shape)
    n_in = int(np.prod(shape))
    if a.shape[1:] == shape:
        return a
    if a.shape == shape:                                   # a single sample
        return a[None]
    if a.ndim == 2 and a.shape[1] == n_in:                 # flattened rows
        return a.reshape((a.shape[0],) + shape)
    squeeze = tuple(d for d in shape if d != 1)
    if a.ndim >= 2 and tuple(d for d in a.shape[1:] if d != 1) == squeeze:
        return a.reshape((a.shape[0],) + shape)
    got = tuple(a.shape[1:])
    hint = (f"give an array of shape (N, {', '.join(map(str, shape))}) in .npy, "
            f"or a .csv with {n_in} values per row")
    if a.ndim >= 2 and sorted(d for d in got if d != 1) == sorted(squeeze) and got != shape:
        order = [d for d in got if d != 1]
        hint = (f"the samples look transposed (dimensions {order} for {list(squeeze)}: channels first?); "
                f"reorder them, e.g. numpy.moveaxis, to (N, {', '.join(map(str, shape))})")
    raise TinymlError(f"{path}: {what} shaped {tuple(a.shape)} are samples of {got}; the model's input "
                      f"takes samples of {shape}", hint)


def require_finite(arr, where: str, hint: str = "") -> None:
    import numpy as np

    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise TinymlError(f"{where} contains NaN or infinite values", hint or "clean the data first")


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return (text or type(e).__name__)[:300]


# --- numbers (argparse types) -------------------------------------------------------------


def _float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
    return v


def nonneg_float(text: str) -> float:
    """A finite number >= 0 (an int when whole: printed as 1, not 1.0)."""
    v = _float(text)
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {text!r}")
    return int(v) if v.is_integer() else v


def seconds(text: str) -> float:
    """A timeout: finite, > 0, at most a day."""
    v = _float(text)
    if not 0 < v <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"must be > 0 and at most {MAX_SECONDS:.0f} seconds, not {text!r}")
    return v


def int_at_least(low: int, high: int = 2**31 - 1):
    def parse(text: str) -> int:
        try:
            v = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, not {text!r}")
        return v
    parse.__name__ = f"int_at_least_{low}"
    return parse
