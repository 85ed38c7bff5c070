"""Per-node profiles over the link and in `tinyml-host validate --profile`.

On the emulated board (build/qemu/firmware.elf, `make qemu`): the command prints one row per node
of a real model (KWS, VWW), the nodes' ops are the model's, their instruction counts add up to at
most the last window's count, and --report writes the bar plot. On the Unix port's agent (fast):
profiling is off until asked for, goes off at the next session, and an old request without it
is refused with a message.
"""

import json
import re
import subprocess

import numpy as np
import pytest

from linkutil import FIRMWARE, unix_board
from test_emulated_board_link import cli, cli_env
from tinyml_host.errors import AgentError
from tinyml_host.link import Link
from tinyml_host.tflite_model import read_model

ROW = re.compile(r"^\s+(\d+)  (\S+)\s+([\d,]+)\s+([\d.]+)\s+([\d.]+)$")


def table_rows(text: str) -> list[tuple[int, str, int]]:
    """(node, op, time) of every row of the printed profile table (not the 'slowest' list)."""
    body = text.split("per-node profile", 1)[1].split("slowest", 1)[0]
    return [(int(m[1]), m[2], int(m[3].replace(",", ""))) for m in map(ROW.match, body.splitlines()) if m]


@pytest.mark.parametrize("name", ["kws_ref_model", "vww_96_int8"])
def test_validate_profile_on_the_emulated_board(tmp_path, models_dir, name, summary):
    if not FIRMWARE.is_file():
        pytest.fail(f"{FIRMWARE} not found: run `make qemu` first", pytrace=False)
    model = models_dir / "mlperf_tiny" / f"{name}.tflite"
    info = read_model(model.read_bytes())
    shape = info.inputs[0].shape
    np.save(tmp_path / "x.npy", np.random.default_rng(3).integers(-128, 128, (3, *shape[1:])).astype(np.int8))
    p = subprocess.run(cli("validate", model, "--data", tmp_path / "x.npy", "--profile", "--json",
                           tmp_path / "out.json", "--report", tmp_path / "plots", "--no-progress"),
                       capture_output=True, text=True, timeout=600, env=cli_env(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr
    ops = [op.name for op in info.ops]
    rows = table_rows(p.stdout)
    assert [(r[0], r[1]) for r in rows] == list(enumerate(ops)), p.stdout
    report = json.loads((tmp_path / "out.json").read_text())
    prof = report["summary"]["profile"]
    last = report["windows"][-1]
    assert prof["unit"] == "cycles" and prof["window"] == last["index"] == 2
    assert [(n["node"], n["op"], n["time"]) for n in prof["nodes"]] == rows
    assert all(t > 0 for _, _, t in rows)
    assert sum(t for _, _, t in rows) == prof["total"] <= last["cycles"]
    assert (tmp_path / "plots" / "profile.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    top = sorted(rows, key=lambda r: -r[2])[0]
    summary(f"profile qemu {name}: {len(rows)} nodes, {prof['total']:,} of {last['cycles']:,} cycles "
            f"in nodes; slowest node {top[0]} {top[1]} {top[2]:,}")


def test_profile_over_the_link(models_dir):
    model = (models_dir / "mlperf_tiny" / "kws_ref_model.tflite").read_bytes()
    window = bytes(490)
    with unix_board() as (port, _):
        link = Link.connect(port, start_agent=False)
        try:
            assert link.board_info()["profile"] is True
            link.load_model(model)
            with pytest.raises(AgentError, match="profiling is off"):
                link.profile()
            plain = link.run(window).output
            assert link.set_profile(True) == "ns"
            assert link.profile() == {"unit": "ns", "nodes": None}
            assert link.run(window, index=1).output == plain
            nodes = link.profile()["nodes"]
            assert [n[1] for n in nodes] == link.model_info["ops"] and all(n[2] >= 0 for n in nodes)
            link.close(exit_agent=False)
            link = Link.connect(port, start_agent=False)  # a new session: profiling is off again
            with pytest.raises(AgentError, match="profiling is off"):
                link.profile()
            assert link.set_profile(False) is None
        finally:
            link.close()
