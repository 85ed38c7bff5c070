"""Seed corpus for the model fuzzer (fuzz/fuzz_model.c): real models and generated small ones.

Writes into OUT (default build/fuzz/corpus-seed), one .tflite per seed, named by what it is:
  - the shared reference models (../shared/models/**/*.tflite; skipped if absent) and the
    repository's example models (models/*/*.tflite);
  - generated single-op models for every op the engine runs, from the same seeded generators the
    TFLM comparison tests use (tests/host/test_single_ops_elementwise.py, test_conv_fc_tflm.py),
    plus the unary ops, softmax and the pools, and a float-I/O multi-op chain; one model per
    signal CUSTOM op (tests/host/test_ops_signal.py), flexbuffer options included;
  - small models for kernel fast paths the generators rarely reach (1x1 convolution, 3x3
    depthwise by four channels, int16 softmax output, PAD with a constant value);
  - the models those tests expect prepare to refuse, so the error paths start covered too.

  .venv/bin/python fuzz/make_seeds.py [--out DIR] [--per-op N]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "host"))

import test_conv_fc_tflm as conv_fc  # noqa: E402  (tests/host on sys.path first)
import test_single_ops_elementwise as elementwise  # noqa: E402
import test_ops_act as act_ops  # noqa: E402
import test_ops_act2 as act2_ops  # noqa: E402
import test_ops_int16 as int16_ops  # noqa: E402
import test_ops_int16_conv as int16_conv_ops  # noqa: E402
import test_ops_math as math_ops  # noqa: E402
import test_ops_shape as shape_ops  # noqa: E402
import test_ops_shape2 as shape2_ops  # noqa: E402
import test_ops_rnn as rnn_ops  # noqa: E402
import test_ops_data as data_ops  # noqa: E402
import test_ops_signal as signal_ops  # noqa: E402
from single_op_models import Tensor, build_single_op_model, build_unary_model  # noqa: E402

Seed = tuple[str, bytes]


def file_seeds() -> Iterator[Seed]:
    shared = ROOT.parent / "shared" / "models"
    if not shared.is_dir():
        print(f"make_seeds: {shared} not found, shared models skipped", file=sys.stderr)
    for path in sorted(shared.glob("**/*.tflite")) + sorted((ROOT / "models").glob("*/*.tflite")):
        yield f"file_{path.stem}", path.read_bytes()


def signal_seeds() -> Iterator[Seed]:
    """One model per signal CUSTOM op, flexbuffer options included (the audio front-end itself
    comes with the shared models)."""
    for name, model in signal_ops.seed_models():
        yield f"gen_{name}", model


def elementwise_seeds(per_op: int) -> Iterator[Seed]:
    for op in elementwise.GENERATORS:
        for name, model, _, _ in elementwise.cases_for(op, per_op):
            yield f"gen_{op}_{name.split()[0]}", model
    yield "gen_float_io_chain", elementwise.float_io_model(np.random.default_rng(7))


def act_ops_seeds(per_op: int, module: ModuleType = act_ops, tag: str = "act") -> Iterator[Seed]:
    """A test_ops_*.py slice of issue 12 (activation / element-wise, int16, recurrent...): every
    generator's cases, and the slice's rejections."""
    for op in module.GENERATORS:
        for name, model, _, _ in module.cases_for(op, per_op):
            yield f"gen_{op}_{name.split()[0]}", model
    for i, row in enumerate(module.REJECTIONS):
        yield f"reject_{tag}_{i}", row[1]()


def conv_fc_seeds(per_op: int) -> Iterator[Seed]:
    generators: dict[str, Callable] = {"conv_2d": conv_fc.random_conv,
                                       "depthwise_conv_2d": conv_fc.random_depthwise,
                                       "fully_connected": conv_fc.random_fully_connected}
    for k, (op, generator) in enumerate(generators.items()):
        rng = np.random.default_rng(500 + k)
        for i in range(per_op):
            yield f"gen_{op}_{i}", generator(rng)[1]


def activation_seeds(per_op: int) -> Iterator[Seed]:
    rng = np.random.default_rng(11)
    for i in range(per_op):
        s, z = float(np.float32(10 ** rng.uniform(-3, 0.5))), int(rng.integers(-128, 128))
        shape = [1, int(rng.integers(1, 40))]
        yield f"gen_logistic_{i}", build_unary_model("LOGISTIC", shape, (s, z), (1 / 256, -128), version=2)
        yield f"gen_tanh_{i}", build_unary_model("TANH", shape, (s, z), (1 / 128, 0), version=2)
        yield f"gen_relu_{i}", build_unary_model("RELU", shape, (s, z), (s * 0.7, z // 2), version=2)
        yield f"gen_relu6_{i}", build_unary_model("RELU6", shape, (s, z), (s, z), version=2)
        yield f"gen_softmax_{i}", build_unary_model("SOFTMAX", shape, (s, z), (1 / 256, -128),
                                                    options=dict(beta=1.0), version=2)


def pool_seeds(per_op: int) -> Iterator[Seed]:
    rng = np.random.default_rng(13)
    for op in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        for i in range(per_op):
            h, w, c = (int(v) for v in rng.integers(1, 9, size=3))
            f, stride = int(rng.integers(1, 4)), int(rng.integers(1, 3))
            padding = ["SAME", "VALID"][i % 2]
            oh = (h + stride - 1) // stride if padding == "SAME" else (h - f + stride) // stride
            ow = (w + stride - 1) // stride if padding == "SAME" else (w - f + stride) // stride
            if oh <= 0 or ow <= 0:
                continue
            q = dict(scale=0.05, zero_point=int(rng.integers(-128, 128)))
            yield f"gen_{op.lower()}_{i}", build_single_op_model(
                op, [Tensor([1, h, w, c], **q)], [Tensor([1, oh, ow, c], **q)], version=2,
                options=dict(padding=padding, stride_w=stride, stride_h=stride, filter_width=f,
                             filter_height=f, fused_activation_function=["NONE", "RELU6"][i % 2]))


def kernel_path_seeds() -> Iterator[Seed]:
    """Kernel fast paths the random generators rarely reach (found with fuzz/coverage.sh)."""
    rng = np.random.default_rng(17)
    q = dict(scale=0.05, zero_point=3)

    def weights(shape: list[int], axis: int) -> Tensor:
        channels = shape[axis]
        return Tensor(shape, scale=[0.01] * channels, zero_point=[0] * channels,
                      quantized_dimension=axis, data=rng.integers(-127, 128, shape))

    for stride in (1, 2):  # the 1x1 convolution as a matrix product, contiguous and strided
        out = (5 + stride - 1) // stride
        yield f"path_conv_1x1_stride{stride}", build_single_op_model(
            "CONV_2D", [Tensor([1, 5, 5, 8], **q), weights([6, 1, 1, 8], 0),
                        Tensor([6], "int32", data=rng.integers(-500, 500, 6))],
            [Tensor([1, out, out, 6], scale=0.1, zero_point=-2)], version=3,
            options=dict(padding="VALID", stride_w=stride, stride_h=stride))
    for ch in (4, 8):  # the 3x3 depthwise convolution four channels at a time, interior and border
        yield f"path_depthwise_3x3_{ch}ch", build_single_op_model(
            "DEPTHWISE_CONV_2D", [Tensor([1, 6, 6, ch], **q), weights([1, 3, 3, ch], 3),
                                  Tensor([ch], "int32", data=rng.integers(-500, 500, ch))],
            [Tensor([1, 6, 6, ch], scale=0.1, zero_point=1)], version=3,
            options=dict(padding="SAME", stride_w=1, stride_h=1, depth_multiplier=1))
    yield "path_softmax_int16_output", build_single_op_model(
        "SOFTMAX", [Tensor([2, 10], **q)], [Tensor([2, 10], "int16", scale=1 / 65536, zero_point=-32768)],
        options=dict(beta=1.0), version=2)
    # Two live int8 tensors of 2**31 - 1 elements: a 4 GiB arena, which wraps to 0 in 32 bits (issue 11 A).
    big = dict(scale=0.1, zero_point=0)
    yield "path_arena_4gib", build_single_op_model("RELU", [Tensor([0x7FFFFFFF], **big)],
                                                   [Tensor([0x7FFFFFFF], **big)])
    yield "path_pad_constant_value", build_single_op_model(
        "PAD", [Tensor([1, 3, 3, 2], **q), Tensor([4, 2], "int32", data=[[0, 0], [1, 1], [2, 0], [0, 0]]),
                Tensor([1], data=[7], **q)], [Tensor([1, 5, 5, 2], **q)], version=2)


def shape_op_seeds(per_op: int) -> Iterator[Seed]:
    for op in shape_ops.GENERATORS:
        for name, model, _, _ in shape_ops.cases_for(op, per_op):
            yield f"gen_{op}_{name.split()[0]}", model
    yield "gen_dynamic_batch_chain", shape_ops.dynamic_batch_model()
    for i, row in enumerate(shape_ops.REJECTIONS):
        yield f"reject_shape_{i}", row[1]()


def shape2_op_seeds(per_op: int) -> Iterator[Seed]:
    """Issue 12's second shape slice (test_ops_shape2.py): random models of each op, and its rejections."""
    for op in shape2_ops.GENERATORS:
        for name, model, _, _ in shape2_ops.cases_for(op, per_op):
            yield f"gen_{op}_{name.split()[0]}", model
    for i, row in enumerate(shape2_ops.REJECTIONS):
        yield f"reject_shape2_{i}", row[1]()


def data_op_seeds(per_op: int) -> Iterator[Seed]:
    """Issue 12's data slice (test_ops_data.py): random models of each op, the SHAPE -> FILL chain,
    and its rejections."""
    for op in data_ops.GENERATORS:
        for name, model, _, _ in data_ops.cases_for(op, per_op):
            yield f"gen_{op}_{name.split()[0]}", model
    yield "gen_fill_from_shape", data_ops.fill_from_shape_model([2, 3], "int8", 5)
    yield "gen_dynamic_batch_dilated_conv", data_ops.dynamic_batch_dilated_conv_model()
    for i, row in enumerate(data_ops.REJECTIONS):
        yield f"reject_data_{i}", row[1]()


def rejection_seeds() -> Iterator[Seed]:
    for i, row in enumerate(conv_fc.REJECTIONS):
        yield f"reject_conv_fc_{i}", row[1]
    for i, row in enumerate(elementwise.REJECTIONS):
        yield f"reject_elementwise_{i}", row[1]()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "fuzz" / "corpus-seed")
    parser.add_argument("--per-op", type=int, default=12, help="generated models per op (default 12)")
    args = parser.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    count = 0
    for source in (file_seeds(), elementwise_seeds(args.per_op), conv_fc_seeds(args.per_op),
                   activation_seeds(args.per_op), pool_seeds(args.per_op), shape_op_seeds(args.per_op),
                   kernel_path_seeds(), rejection_seeds(), act_ops_seeds(args.per_op),
                   act_ops_seeds(args.per_op, act2_ops, "act2"), shape2_op_seeds(args.per_op),
                   act_ops_seeds(args.per_op, int16_conv_ops, "int16conv"),
                   act_ops_seeds(args.per_op, int16_ops, "int16"),
                   act_ops_seeds(args.per_op, rnn_ops, "rnn"),
                   data_op_seeds(args.per_op), signal_seeds(),
                   act_ops_seeds(args.per_op, math_ops, "math")):
        for name, model in source:
            (args.out / f"{name}.tflite").write_bytes(model)
            count += 1
    print(f"make_seeds: {count} seeds in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
