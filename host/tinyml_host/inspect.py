"""`tinyml-host inspect MODEL.tflite [--board B] [--json [FILE]]`: what a model is and whether it runs here.

Library API:
  report = inspect_model("model.tflite", board="rp2040")   # a JSON-ready dict
  print(format_report(report))
  problems = device_problems(model_bytes)                  # the pre-flight check `convert` runs

The model is read with the `tflite` package (tflite_model.py). Whether each op is supported, and
the arena the device needs, come from the device's own C runtime built for the host (native.py):
the op table of device/runtime/tm_ops.c and the planner the firmware runs, so the figures are
the ones `tinyml.Model(...).arena_bytes` reports on the board.
"""

from __future__ import annotations

from . import native
from .agent_ram import agent_bytes
from .boards import BOARDS, BoardSpec, Memory, board_memory, board_named
from .errors import TinymlError
from .float_io import float_io_note, float_io_values
from .inputs import add_json_argument, check_output_file, emit_json, read_model_file
from .tflite_model import ModelInfo, read_model


# What to do about ops the converter often emits that the device lacks.
OP_HINTS = {
    "GELU": "use ReLU, ReLU6, LeakyReLU, ELU or PReLU activations",
}


def add_arguments(p) -> None:
    p.add_argument("model", help="the .tflite file")
    p.add_argument("--board", choices=list(BOARDS),
                   help="check that model + arena fit this board's MicroPython heap and flash (the same names as "
                        "`flash --board`; default: a one-line verdict for every board)")
    add_json_argument(p, "the report")
    p.add_argument("--rom", action="store_true",
                   help="the model is mapped from the board's ROMFS (`deploy --rom`): it counts against "
                        "the ROMFS partition, not RAM")


def run(args) -> int:
    if args.json not in (None, "-"):
        check_output_file(args.json, "--json file")
    report = inspect_model(args.model, board=args.board, rom=args.rom)
    if args.json != "-":
        print(format_report(report))
    if args.json:
        emit_json(args.json, report)
    problems = report_problems(report, args.board)
    if problems:
        float_model = any("float32" in op["reason"] for op in report["ops"] if op["supported"] is False)
        raise TinymlError("; ".join(problems),
                          "a float model: make it full-integer int8 with `tinyml-host convert`" if float_model
                          else "see the report above")
    return 0


def _read(model) -> tuple[bytes, str]:
    if isinstance(model, (bytes, bytearray, memoryview)):
        return bytes(model), "<bytes>"
    return read_model_file(model), str(model)


def op_support(info: ModelInfo, plan: native.Plan, model: bytes | None = None) -> list[tuple[bool | None, str]]:
    """(supported, reason) for every op: the firmware's op table, then its own load-time check.

    With the model's bytes, every node is checked on its own by the device's code
    (native.check_nodes); without them, or if the model cannot be parsed that far, the plan's
    first failure is all there is: an op after that node that is in the table has
    supported=None (not checked)."""
    table = native.supported_ops()
    checks = native.check_nodes(model, len(info.ops)) if model is not None and not plan.ok else None
    out = []
    for op in info.ops:
        row = table.get(op.name if op.name.startswith("CUSTOM:") else op.code)
        if row is None:
            out.append((False, "not in this firmware's op table"))
        elif op.version > row[1]:
            out.append((False, f"version {op.version}; this firmware runs versions 1 to {row[1]}"))
        elif checks is not None:
            out.append((checks[op.index].ok, checks[op.index].error))
        elif not plan.ok and plan.node == op.index:
            out.append((False, plan.error))
        elif not plan.ok and 0 <= plan.node < op.index:
            out.append((None, f"not checked: the device stops at node {plan.node}"))
        else:
            out.append((True, ""))
    return out


def device_problems(model: bytes, info: ModelInfo | None = None) -> list[dict]:
    """Every op of `model` the device cannot run, as dicts (node, op, version, reason, tensor).

    Empty when the device's runtime loads the model. Errors the device finds that belong to no
    op (a corrupt file, too many tensors) are returned with node -1.
    """
    info = info or read_model(model)
    plan = native.plan(model)
    problems = []
    for op, (ok, reason) in zip(info.ops, op_support(info, plan, model)):
        if ok is False:
            problems.append({"node": op.index, "op": op.name, "version": op.version, "reason": reason,
                             "tensor": info.layer_name(op), "hint": OP_HINTS.get(op.name, "")})
    if not plan.ok and not any(p["node"] == plan.node for p in problems):
        problems.append({"node": plan.node, "op": info.ops[plan.node].name if 0 <= plan.node < len(info.ops) else "",
                         "version": 0, "reason": plan.error,
                         "tensor": info.layer_name(info.ops[plan.node]) if 0 <= plan.node < len(info.ops) else "",
                         "hint": ""})
    return problems


def default_boards() -> list[str]:
    """The boards of the one-line verdicts without --board: every real and emulated kind once
    (the emulated Pico has the Pico's memory)."""
    return [b.name for b in BOARDS.values() if b.family != "pico-emulated"]


def board_fit(board: BoardSpec, model_bytes: int, plan: native.Plan, info: ModelInfo | None = None,
              rom: bool = False, memory: Memory | None = None) -> dict:
    """Whether model (when it lives in the heap) + runtime state + arena + the serial agent's
    buffers for serving it (agent_ram.agent_bytes(), the figure the agent itself checks against
    its free heap before it accepts a model) fit the board's heap, and the file its flash.
    rom: the model is mapped from ROMFS (no RAM; the ROMFS partition holds it). memory: the
    board's figures (default: boards.board_memory(board), the firmware built here where readable)."""
    mem = memory or board_memory(board)
    runtime = plan.state_bytes + plan.persist_bytes
    in_heap = model_bytes if mem.model_in_heap and not rom else 0
    agent = agent_bytes(sum(t.nbytes for t in info.inputs), sum(t.nbytes for t in info.outputs)) if info else 0
    need = in_heap + runtime + plan.arena_bytes + agent
    available = mem.heap_bytes - mem.reserve_bytes
    fit = {"board": board.name, "family": board.family, "chip": board.chip, "description": board.description,
           "note": mem.note, "heap_bytes": mem.heap_bytes, "reserve_bytes": mem.reserve_bytes,
           "ram_bytes": board.ram_bytes, "flash_bytes": board.flash_bytes,
           "ram_needed": need, "ram_model": in_heap, "ram_runtime": runtime, "ram_arena": plan.arena_bytes,
           "ram_agent": agent,
           "ram_margin": available - need, "ram_fits": plan.ok and need <= available,
           "storage_bytes": mem.storage_bytes, "rom": rom}
    if rom:
        fit["storage_bytes"] = mem.romfs_bytes
        fit["storage_margin"] = None if mem.romfs_bytes is None else mem.romfs_bytes - model_bytes
        fit["storage_fits"] = mem.romfs_bytes is not None and model_bytes <= mem.romfs_bytes
    elif mem.storage_bytes is not None:
        fit["storage_margin"] = mem.storage_bytes - model_bytes
        fit["storage_fits"] = model_bytes <= mem.storage_bytes
    else:
        fit["storage_margin"] = None
        fit["storage_fits"] = True
    fit["fits"] = fit["ram_fits"] and fit["storage_fits"]
    return fit


def inspect_model(model, board: str | None = None, rom: bool = False) -> dict:
    """The whole report as a JSON-ready dict. `model`: a path or the model's bytes. rom: the
    model mapped from the board's ROMFS (see board_fit)."""
    data, name = _read(model)
    info = read_model(data)
    plan = native.plan(data)
    support = op_support(info, plan, data)
    report = {
        "model": name,
        "size_bytes": len(data),
        "inputs": [t.as_dict() for t in info.inputs],
        "outputs": [t.as_dict() for t in info.outputs],
        "ops": [dict(op.as_dict(), supported=ok, reason=reason, tensor=info.layer_name(op))
                for op, (ok, reason) in zip(info.ops, support)],
        "totals": {"ops": len(info.ops), "macs": info.macs, "params": info.params,
                   "param_bytes": info.param_bytes},
        "float_io": {"values": float_io_values(info.inputs, info.outputs),
                     "note": float_io_note(info.inputs, info.outputs)},
        "device": {"loads": plan.ok, "error": plan.error, "error_node": plan.node,
                   "arena_bytes": plan.arena_bytes if plan.ok else None,
                   "persist_bytes": plan.persist_bytes if plan.ok else None,
                   "state_bytes": plan.state_bytes if plan.ok else None},
    }
    if plan.ok:
        names = [board] if board else default_boards()
        report["boards"] = [board_fit(board_named(b), len(data), plan, info, rom) for b in names]
    else:
        report["boards"] = []
    return report


def report_problems(report: dict, board: str | None) -> list[str]:
    """Why the model will not run (on `board`): unsupported ops, a load error, no room."""
    out = []
    bad = [op for op in report["ops"] if op["supported"] is False]
    for op in bad:
        out.append(f"op {op['op']} (version {op['version']}) at node {op['node']} is not supported: {op['reason']}")
    if not report["device"]["loads"] and (not bad or report["device"]["error_node"] < 0):
        # no node to blame, or a whole-model verdict (a float or hybrid model): that comes first
        out.insert(0, f"the device runtime cannot load the model: {report['device']['error']}")
    if board:
        for fit in report["boards"]:
            if not fit["ram_fits"]:
                out.append(f"needs {fit['ram_needed']:,} B of RAM; {fit['board']} has "
                           f"{fit['heap_bytes'] - fit['reserve_bytes']:,} B for it")
            if not fit["storage_fits"] and fit.get("rom"):
                out.append(f"the model ({report['size_bytes']:,} B) does not fit {fit['board']}'s ROMFS "
                           f"partition ({fit['storage_bytes'] or 0:,} B)")
            elif not fit["storage_fits"]:
                out.append(f"the file ({report['size_bytes']:,} B) is larger than {fit['board']}'s "
                           f"filesystem ({fit['storage_bytes']:,} B)")
    return out


def _shape(s) -> str:
    return "[" + ",".join(str(d) for d in s) + "]"


def _tensor_line(t: dict) -> str:
    q = f"scale {t['scale']:.6g}, zero point {t['zero_point']}" if t["scale"] else "not quantized"
    return f"  {t['index']:>4}  {_shape(t['shape']):<16} {t['dtype']:<8} {q}   {t['name']}"


def format_report(r: dict) -> str:
    lines = [f"model {r['model']}: {r['size_bytes']:,} bytes, {r['totals']['ops']} ops"]
    lines.append("inputs:")
    lines += [_tensor_line(t) for t in r["inputs"]]
    lines.append("outputs:")
    lines += [_tensor_line(t) for t in r["outputs"]]
    lines.append("")
    lines.append(f"  {'node':>4}  {'op':<20} {'ver':>3}  {'device':<6} {'MACs':>12} {'params':>10}")
    for op in r["ops"]:
        dev = {True: "yes", False: "NO", None: "?"}[op["supported"]]
        line = f"  {op['node']:>4}  {op['op']:<20} {op['version']:>3}  {dev:<6} {op['macs']:>12,} {op['params']:>10,}"
        if op["supported"] is not True:
            line += f"   <- {op['reason']}"
        lines.append(line)
    t = r["totals"]
    lines.append(f"  {'total':>4}  {'':<20} {'':>3}  {'':<6} {t['macs']:>12,} {t['params']:>10,}")
    lines.append("")
    lines.append(f"MACs (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED): {t['macs']:,}")
    lines.append(f"parameters: {t['params']:,} ({t['param_bytes']:,} bytes of constant data)")
    d = r["device"]
    if d["loads"]:
        lines.append(f"device memory (this firmware's planner): arena {d['arena_bytes']:,} B, "
                     f"runtime state {d['state_bytes'] + d['persist_bytes']:,} B "
                     f"(64-bit host figure: a little less on 32-bit boards)")
    else:
        lines.append(f"device: this firmware cannot load the model: {d['error']}")
    if r["float_io"]["note"]:
        lines.append(f"note: {r['float_io']['note']}")
    if len(r["boards"]) > 1:
        lines.append("")
        lines.append("boards (--board B for the details):")
    for fit in r["boards"]:
        if len(r["boards"]) == 1:
            lines.append("")
        lines.append(_fit_text(fit, r["size_bytes"], len(r["boards"]) == 1))
    return "\n".join(lines)


def _fit_text(f: dict, size: int, detailed: bool) -> str:
    verdict = "fits" if f["fits"] else "does NOT fit"
    if not detailed:
        flash = "" if f["storage_bytes"] is None else f", flash margin {f['storage_margin']:,} B"
        return f"  {f['board']:<8} {verdict}: RAM {f['ram_needed']:,} B, margin {f['ram_margin']:,} B{flash}"
    out = [f"board {f['board']}: {f['description']}: {verdict}"]
    out.append(f"  RAM: model {f['ram_model']:,} + runtime {f['ram_runtime']:,} + arena {f['ram_arena']:,} "
               f"+ serial agent {f['ram_agent']:,} = {f['ram_needed']:,} B of a {f['heap_bytes']:,} B heap ({f['reserve_bytes']:,} B kept for "
               f"your program): margin {f['ram_margin']:,} B")
    if f.get("rom"):
        out.append(f"  flash: {size:,} B mapped from a {f['storage_bytes'] or 0:,} B ROMFS partition, in place "
                   f"(no RAM): margin {f['storage_margin'] if f['storage_margin'] is not None else 0:,} B")
    elif f["storage_bytes"] is None:
        out.append("  flash: not used (the model is sent over the link)")
    else:
        out.append(f"  flash: {size:,} B file on a {f['storage_bytes']:,} B filesystem: margin {f['storage_margin']:,} B")
    if f["note"]:
        out.append(f"  ({f['note']})")
    return "\n".join(out)
