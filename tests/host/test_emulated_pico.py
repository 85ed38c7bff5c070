"""The emulated Raspberry Pi Pico (tinyml_host.pico): the RP2040 firmware CI builds (`make rp2`,
build/rp2/firmware.uf2) booted in rp2040js, used through `--port pico` like a real Pico: deploy to
its littlefs filesystem, validate bit-exact against TFLM, files kept across a restart, and
`tinyml-host flash --board rp2040` through its BOOTSEL drive.

rp2040js runs ~15 M cycles/s, so the windows are few. Needs Node.js and rp2040js (`make setup`)
and the boot ROM (../shared/rp2040/bootrom_b1.bin)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import heaputil
from flashutil import run_flash_json, unix_tinyml_info
from tinyml_host import uf2
from tinyml_host.tflite_model import read_model

ROOT = Path(__file__).resolve().parents[2]
UF2 = ROOT / "build" / "rp2" / "firmware.uf2"
MODELS = ROOT.parent / "shared" / "models"


def _cli(args, cwd, timeout=300):
    p = subprocess.run([sys.executable, "-m", "tinyml_host.cli", *map(str, args)], capture_output=True,
                       text=True, timeout=timeout, env=dict(os.environ), cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def _pico(action, *args, timeout=60):
    """`tinyml-host emulator ACTION --board pico` (--uf2 / --flash-image as --firmware / --flash)."""
    names = {"--uf2": "--firmware", "--flash-image": "--flash"}
    p = subprocess.run([sys.executable, "-m", "tinyml_host.cli", "emulator", action, "--board", "pico",
                        *(names.get(str(a), str(a)) for a in args)],
                       capture_output=True, text=True, timeout=timeout, env=dict(os.environ))
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


@pytest.fixture(scope="module")
def pico(tmp_path_factory):
    """One kept emulated Pico for the module, its state and flash image private to it; `--port
    pico` in the commands below reuses it."""
    if not UF2.is_file():
        pytest.fail("no build/rp2/firmware.uf2: run `make rp2`", pytrace=False)
    base = tmp_path_factory.mktemp("pico")
    (base / "run").mkdir()
    old = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = str(base / "run")
    image = base / "flash.bin"
    try:
        out = _pico("start", "--uf2", UF2, "--flash-image", image)
        yield {"dir": base, "image": image, "start": out}
    finally:
        _pico("stop")
        if old is None:
            os.environ.pop("XDG_RUNTIME_DIR", None)
        else:
            os.environ["XDG_RUNTIME_DIR"] = old


def test_boots_the_rp2_firmware_with_tinyml(pico):
    assert "Raspberry Pi Pico with RP2040" in pico["start"], pico["start"]
    script = pico["dir"] / "ops.py"
    script.write_text("import tinyml, sys\nprint(sys.platform, tinyml.__version__)\n"
                      "print(' '.join(o[0] for o in tinyml.ops()))\n")
    code, out, err = _cli(["run", script, "--port", "pico"], pico["dir"])
    assert code == 0, err
    version, ops = unix_tinyml_info()
    first, second = out.strip().splitlines()[-2:]
    assert first == f"rp2 {version}" and second.split() == ops


def test_devices_lists_the_emulated_pico_and_what_it_runs(pico):
    code, out, err = _cli(["devices", "--json"], pico["dir"])
    assert code == 0, err
    (row,) = [e for e in json.loads(out)["emulators"] if e["board"] == "pico"]
    assert row["kept"] and row["port"].startswith("/dev/pts/") and Path(row["firmware"]) == UF2.resolve()
    script = pico["dir"] / "count.py"  # what the board itself says, asked another way
    script.write_text("import tinyml\nprint(tinyml.__version__, len(tinyml.ops()))\n")
    code, out, err = _cli(["run", script, "--port", "pico"], pico["dir"])
    assert code == 0, err
    version, count = out.split()[-2:]
    assert row["running"]["tinyml"] == version and row["running"]["ops"] == int(count) > 0
    assert row["running"]["machine"] == "Raspberry Pi Pico with RP2040"
    code, text, err = _cli(["devices"], pico["dir"])
    assert code == 0 and f"pico  {row['port']}" in text and f"tinyml {version}" in text


@pytest.mark.parametrize("model,windows", [("tflm/hello_world_int8.tflite", 20),
                                           ("mlperf_tiny/kws_ref_model.tflite", 3)])
def test_validate_bit_exact_from_the_filesystem(pico, model, windows):
    path = MODELS / model
    if not path.is_file():
        pytest.skip(f"{path} missing (the shared reference models)")
    data = pico["dir"] / (path.stem + ".npy")
    shape = read_model(path.read_bytes()).inputs[0].shape
    rng = np.random.default_rng(7)  # int8 windows over every input code
    np.save(data, rng.integers(-128, 128, size=(windows, *shape[1:]), dtype=np.int8))
    code, out, err = _cli(["deploy", path, "--port", "pico", "--no-progress"], pico["dir"])
    assert code == 0, out + err
    # The agent loaded it from the Pico's filesystem: validate finds it loaded and sends no model.
    report = pico["dir"] / (path.stem + ".json")
    code, out, err = _cli(["validate", path, "--data", data, "--port", "pico", "--json", report,
                           "--no-progress", "--timeout", "60"], pico["dir"])
    assert code == 0, out + err
    s = json.loads(report.read_text())["summary"]
    assert s["passed"] and s["bit_exact"] == windows and s["max_abs_diff"] == 0, s
    script = pico["dir"] / "stat.py"
    script.write_text(f"import os\nprint(os.stat('/{path.name}')[6])\n")
    code, out, err = _cli(["run", script, "--port", "pico"], pico["dir"])
    assert code == 0 and out.split()[-1] == str(path.stat().st_size), out + err


def test_files_survive_a_restart_in_the_flash_image(pico):
    script = pico["dir"] / "write.py"
    script.write_text("with open('/kept.txt', 'w') as f:\n    f.write('written before the restart')\n")
    code, out, err = _cli(["run", script, "--port", "pico"], pico["dir"])
    assert code == 0, out + err
    _pico("stop")
    _pico("start", "--flash-image", pico["image"])  # no UF2: the firmware comes from the image too
    script.write_text("print(open('/kept.txt').read())\n")
    code, out, err = _cli(["run", script, "--port", "pico"], pico["dir"])
    assert code == 0 and out.strip().splitlines()[-1] == "written before the restart", out + err


def test_flash_rp2040_boots_what_was_copied_to_the_bootsel_drive(pico):
    # The same firmware with its build date changed: the banner read back after flashing must
    # show the new one, so the board runs the UF2 the flash command copied, not the old flash.
    blocks = list(uf2.blocks(UF2.read_bytes()))
    start = blocks[0][1][3]
    image = bytearray()
    for _i, hdr, payload in blocks:
        image[hdr[3] - start:hdr[3] - start + len(payload)] = payload
    old = b"v1.25.0 on "
    at = image.find(old)
    assert at > 0
    date = bytes(image[at + len(old):at + len(old) + 10])
    assert image.count(date) >= 1
    patched = bytes(image).replace(old + date, old + b"2099-09-09")
    firmware = pico["dir"] / "patched.uf2"
    firmware.write_bytes(uf2.make_uf2(patched, base=start))
    code, summary, err, secs = run_flash_json(["--board", "rp2040", "--port", "pico", "--firmware", firmware,
                                               "--timeout", "60"], pico["dir"], timeout=180)
    assert code == 0, err
    r = summary["results"][0]
    assert r["ok"] and r["method"] == "uf2 drive", r
    assert "v1.25.0 on 2099-09-09" in r["board_info"]["banner"], r["board_info"]
    version, ops = unix_tinyml_info()
    assert r["board_info"]["tinyml"] == version and r["board_info"]["ops"] == ops


def test_a_missing_boot_rom_says_how_to_get_it(tmp_path):
    env = dict(os.environ, TINYML_PICO_BOOTROM=str(tmp_path / "none.bin"), XDG_RUNTIME_DIR=str(tmp_path))
    p = subprocess.run([sys.executable, "-m", "tinyml_host.pico", "start"], capture_output=True, text=True,
                       timeout=60, env=env)
    assert p.returncode == 1
    assert f"no RP2040 boot ROM at {tmp_path / 'none.bin'}" in p.stderr
    assert "raspberrypi/pico-bootrom" in p.stderr and "demo/bootrom.ts" in p.stderr
    wrong = tmp_path / "wrong.bin"
    wrong.write_bytes(b"\0" * 16384)
    p = subprocess.run([sys.executable, "-m", "tinyml_host.pico", "start"], capture_output=True, text=True,
                       timeout=60, env=dict(env, TINYML_PICO_BOOTROM=str(wrong)))
    assert p.returncode == 1 and "is not the RP2040 B1 boot ROM (wrong sha256)" in p.stderr


def test_vww_runs_in_place_from_romfs(pico):
    # VWW (333 KB) does not fit in the Pico's RAM as bytes: from ROMFS it runs in place in flash.
    path = MODELS / "mlperf_tiny/vww_96_int8.tflite"
    if not path.is_file():
        pytest.skip(f"{path} missing (the shared reference models)")
    code, out, err = _cli(["deploy", "--rom", path, "--port", "pico", "--no-progress", "--timeout", "120"],
                          pico["dir"])
    assert code == 0 and "ROMFS /rom/vww_96_int8.tflite" in out, out + err
    data = pico["dir"] / "vww.npy"
    np.save(data, np.random.default_rng(3).integers(-128, 128, size=(1, 96, 96, 3), dtype=np.int8))
    report = pico["dir"] / "vww.json"
    code, out, err = _cli(["validate", path, "--data", data, "--port", "pico", "--board-file",
                           "/rom/vww_96_int8.tflite", "--json", report, "--no-progress", "--timeout", "60"],
                          pico["dir"])
    assert code == 0, out + err
    s = json.loads(report.read_text())["summary"]
    assert s["passed"] and s["bit_exact"] == 1 and s["max_abs_diff"] == 0, s
    script = pico["dir"] / "heap.py"
    script.write_text(heaputil.HEAP_SCRIPT.format(path="/rom/vww_96_int8.tflite"))
    code, out, err = _cli(["run", script, "--port", "pico"], pico["dir"])
    assert code == 0, out + err
    extra = heaputil.parse(out)
    print(f"heap beyond arena+state, VWW ({path.stat().st_size:,} B) from ROMFS: {extra:,} B")
    assert extra < 0.02 * path.stat().st_size, "the ROMFS model was copied into RAM"
