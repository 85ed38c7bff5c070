"""Bit-exactness: tinyml in the Unix port against TensorFlow Lite Micro's reference kernels.

For every shared model (../shared/models/**/*.tflite) a seeded set of int8 inputs (20 random:
10 uniform over int8, 10 normal around the input zero point; plus 4 constant tensors; plus for
person_detect the two real test images) runs through `tflite-micro`'s Python interpreter and,
all in ONE MicroPython process per model, through `tinyml.Model.predict`. The outputs must be
equal byte for byte (0 LSB). The model's input/output details (shape, dtype, scale,
zero_point) must equal what TFLM reports.
"""

import json
import struct
import zlib

import numpy as np
import pytest

import mputil

N_UNIFORM = 10
N_NORMAL = 10

DRIVER = r"""
import tinyml, json
MODEL = {model!r}
INPUTS = {inputs!r}
OUTPUTS = {outputs!r}
N = {n}
IN_SIZE = {in_size}

m = tinyml.Model(MODEL)

def details(ts):
    return [dict(index=t.index, name=t.name, shape=list(t.shape), dtype=t.dtype,
                 scale=t.scale, zero_point=t.zero_point) for t in ts]

fi = open(INPUTS, "rb")
fo = open(OUTPUTS, "wb")
x = bytearray(IN_SIZE)
first = None
for i in range(N):
    if fi.readinto(x) != IN_SIZE:
        raise OSError("short read of input %d" % i)
    y = m.predict(x)
    if i == 0:
        first = bytes(y)
    fo.write(y)
fo.close()

# The lower-level path on the first input must give the same bytes as predict().
fi.seek(0)
fi.readinto(x)
m.set_input(x)
m.invoke()
low = bytes(m.get_output(0))

print(json.dumps(dict(inputs=details(m.inputs), outputs=details(m.outputs),
                      arena_bytes=m.arena_bytes, state_bytes=m.state_bytes,
                      ops=list(m.ops), lowlevel_equal=(low == first))))
"""


def read_bmp_grey(path):
    """Pixels of an uncompressed 8-bit palettised BMP as a top-down uint8 (rows, cols) array.

    Pixel array at the offset stored in the file header (bytes 10..13); rows stored bottom-up
    when the height is positive; each row padded to a multiple of 4 bytes; the palette must be
    grey (B == G == R), its value is the pixel intensity.
    """
    b = open(path, "rb").read()
    if b[:2] != b"BM":
        raise ValueError(f"{path}: not a BMP file")
    (pixel_offset,) = struct.unpack_from("<I", b, 10)
    header_size, width, height, _planes, bpp, compression = struct.unpack_from("<IiiHHI", b, 14)
    if bpp != 8 or compression != 0:
        raise ValueError(f"{path}: need 8-bit uncompressed, got {bpp} bpp, compression {compression}")
    (n_colors,) = struct.unpack_from("<I", b, 46)
    n_colors = n_colors or 256
    palette = np.frombuffer(b, np.uint8, 4 * n_colors, 14 + header_size).reshape(n_colors, 4)
    if not ((palette[:, 0] == palette[:, 1]) & (palette[:, 1] == palette[:, 2])).all():
        raise ValueError(f"{path}: palette is not greyscale")
    rows = abs(height)
    stride = (width + 3) & ~3
    raw = np.frombuffer(b, np.uint8, stride * rows, pixel_offset).reshape(rows, stride)[:, :width]
    if height > 0:
        raw = raw[::-1]
    return palette[raw, 2]


def make_inputs(model_path, shape, zero_point):
    """(label, int8 array) pairs: seeded random + constant inputs, and person_detect's images."""
    rng = np.random.default_rng(zlib.crc32(model_path.name.encode()))
    shape = tuple(int(s) for s in shape)
    cases = []
    for k in range(N_UNIFORM):
        cases.append((f"uniform[{k}]", rng.integers(-128, 128, shape, dtype=np.int8)))
    for k in range(N_NORMAL):
        sigma = [2, 8, 16, 32, 64][k % 5]
        v = np.rint(zero_point + rng.normal(0.0, sigma, shape))
        cases.append((f"normal[{k}] sigma={sigma}", np.clip(v, -128, 127).astype(np.int8)))
    for c in (-128, 127, 0, int(zero_point)):
        cases.append((f"const {c}", np.full(shape, c, np.int8)))
    images = []
    if model_path.stem == "person_detect":
        for bmp in ("person.bmp", "no_person.bmp"):
            img = read_bmp_grey(model_path.parent / bmp)
            assert img.shape == shape[1:3], f"{bmp}: {img.shape} does not fit input {shape}"
            # What TFLM's camera image providers do: int8 = pixel - 128.
            cases.append((f"{bmp} pixel-128", (img.astype(np.int16) - 128).astype(np.int8).reshape(shape)))
            # What TFLM's person_detection_test.cc does: memcpy of the BMP's 8-bit pixels
            # (top-down, as generate_cc_arrays.py writes them) into the int8 input tensor.
            as_test = img.view(np.int8).reshape(shape)
            cases.append((f"{bmp} as person_detection_test", as_test))
            images.append((bmp, len(cases) - 1))
    return cases, images


def tflm_details_dict(d):
    q = d["quantization_parameters"]
    return dict(shape=[int(s) for s in d["shape"]], dtype=np.dtype(d["dtype"]).name,
                scales=[float(s) for s in q["scales"]], zero_points=[int(z) for z in q["zero_points"]])


def check_details(kind, ours, theirs):
    """Our tensor details against TFLM's get_*_details; returns a list of problems."""
    problems = []
    if len(ours) != len(theirs):
        return [f"{kind}: {len(ours)} tensors, TFLM has {len(theirs)}"]
    for i, (o, t) in enumerate(zip(ours, theirs)):
        where = f"{kind}[{i}]"
        if o["index"] != i:
            problems.append(f"{where}: index {o['index']}, expected {i}")
        if o["shape"] != t["shape"]:
            problems.append(f"{where}: shape {o['shape']}, TFLM {t['shape']}")
        if o["dtype"] != t["dtype"]:
            problems.append(f"{where}: dtype {o['dtype']!r}, TFLM {t['dtype']!r}")
        if t["scales"]:
            if o["scale"] is None or np.float32(o["scale"]) != np.float32(t["scales"][0]):
                problems.append(f"{where}: scale {o['scale']!r}, TFLM {t['scales'][0]!r}")
            if o["zero_point"] != t["zero_points"][0]:
                problems.append(f"{where}: zero_point {o['zero_point']!r}, TFLM {t['zero_points'][0]!r}")
        elif o["scale"] not in (None, 0, 0.0) or o["zero_point"] not in (None, 0):
            problems.append(f"{where}: scale/zero_point {o['scale']!r}/{o['zero_point']!r}, TFLM: not quantized")
    return problems


# Shared models this test (independent int8 inputs, one invoke each) does not drive, and where they
# are tested instead.
STREAMING_MODELS = {
    "audio_preprocessor_int8.tflite": "int16 audio frames with state carried between them: "
                                      "test_ops_signal.py runs it frame by frame against TFLM",
}


@pytest.mark.parametrize("model_path", mputil.model_params())
def test_bit_exact(model_path, micropython, tmp_path, summary):
    from tflite_micro.python.tflite_micro import runtime

    if model_path.name in STREAMING_MODELS:
        pytest.skip(f"{model_path.name}: {STREAMING_MODELS[model_path.name]}")

    it = runtime.Interpreter.from_file(str(model_path))
    n_in = n_out = 0
    tflm_in, tflm_out = [], []
    while True:
        try:
            tflm_in.append(tflm_details_dict(it.get_input_details(n_in)))
            n_in += 1
        except IndexError:
            break
    while True:
        try:
            tflm_out.append(tflm_details_dict(it.get_output_details(n_out)))
            n_out += 1
        except IndexError:
            break
    assert n_in == 1 and n_out >= 1, f"{model_path.name}: {n_in} inputs: this test drives single-input models"
    din = tflm_in[0]
    assert din["dtype"] == "int8", f"{model_path.name}: input dtype {din['dtype']}: this test feeds int8"
    zp = din["zero_points"][0] if din["zero_points"] else 0

    cases, images = make_inputs(model_path, din["shape"], zp)
    expected = []
    for _, x in cases:
        it.set_input(x, 0)
        it.invoke()
        expected.append(np.concatenate([np.asarray(it.get_output(k)).reshape(-1).view(np.uint8)
                                        for k in range(n_out)]))
    expected = np.stack(expected)

    # The images are parsed as intended: TFLM's own test expectations hold on them.
    for bmp, idx in images:
        person, no_person = int(expected[idx].view(np.int8)[1]), int(expected[idx].view(np.int8)[0])
        if bmp == "person.bmp":
            assert person > no_person, f"TFLM on {bmp}: person {person} <= no person {no_person}"
        else:
            assert no_person > person, f"TFLM on {bmp}: no person {no_person} <= person {person}"

    in_size = int(np.prod(din["shape"]))
    inputs_file = tmp_path / "inputs.bin"
    outputs_file = tmp_path / "outputs.bin"
    inputs_file.write_bytes(b"".join(x.astype(np.int8).tobytes() for _, x in cases))
    script = DRIVER.format(model=str(model_path), inputs=str(inputs_file), outputs=str(outputs_file),
                           n=len(cases), in_size=in_size)
    out = mputil.run_script(script, binary=micropython, timeout=900)
    info = json.loads(out.strip().splitlines()[-1])

    problems = check_details("inputs", info["inputs"], tflm_in)
    problems += check_details("outputs", info["outputs"], tflm_out)

    got = np.frombuffer(outputs_file.read_bytes(), np.uint8)
    out_size = expected.shape[1]
    assert got.size == len(cases) * out_size, (
        f"{model_path.name}: tinyml wrote {got.size} output bytes, expected {len(cases)} x {out_size}")
    got = got.reshape(len(cases), out_size)
    mismatches = []
    for i, (label, _) in enumerate(cases):
        diff = np.abs(got[i].view(np.int8).astype(np.int16) - expected[i].view(np.int8).astype(np.int16))
        if diff.any():
            mismatches.append(f"{model_path.name}: input {i} ({label}): {int((diff != 0).sum())} of "
                              f"{out_size} output bytes differ, max |diff| {int(diff.max())} LSB; "
                              f"first at byte {int(np.argmax(diff != 0))}")
    if not info.get("lowlevel_equal", False):
        problems.append("set_input/invoke/get_output(0) on input 0 differs from predict()")

    summary(f"bit-exact {model_path.name}: {len(cases)} inputs ({N_UNIFORM} uniform + {N_NORMAL} normal "
            f"+ 4 constant{' + %d image' % (2 * len(images)) if images else ''}), output {out_size} B, "
            f"{len(cases) - len(mismatches)} equal, {len(mismatches)} differ; "
            f"arena {info.get('arena_bytes')} + state {info.get('state_bytes')} B; "
            f"details {'match' if not problems else 'DIFFER'}")
    assert not mismatches and not problems, "\n".join(problems + mismatches)
