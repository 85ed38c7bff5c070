"""What a model's float32 input/output costs on the board, said where users meet it.

A model converted with `--io float` quantizes its input (QUANTIZE: x / scale, rounded, as TFLM)
and dequantizes its output (DEQUANTIZE) itself, every inference. On boards without an FPU
(RP2040's Cortex-M0+, ESP32-S2, ESP32-C3, the emulated Cortex-M3) that is software floating point, a
division per input value. Measured with `tinyml-host validate` on the emulated Cortex-M3 board,
the same Keras models converted with int8 and with float I/O:
  32x32x1 image classifier (1,024 inputs, 2 outputs): 4.514 -> 28.682 ms, +604,200 cycles
  64x1 waveform classifier (64 inputs, 3 outputs):     3.600 ->  5.130 ms,  +38,240 cycles
about 590 cycles per value. A Cortex-M0+ (no hardware divide either) pays more.
"""

from __future__ import annotations

from .tflite_model import TensorInfo

CYCLES_PER_VALUE = 590          # the emulated Cortex-M3, measured as above
EMULATED_HZ = 25_000_000        # the emulated board's clock (Model.last_us)


def float_io_values(inputs: list[TensorInfo], outputs: list[TensorInfo]) -> int:
    """How many float32 values the model converts at its boundary per inference."""
    return sum(t.elements for t in list(inputs) + list(outputs) if t.dtype == "float32")


def float_io_note(inputs: list[TensorInfo], outputs: list[TensorInfo]) -> str | None:
    """The note for a model with float32 inputs or outputs; None when it has none."""
    values = float_io_values(inputs, outputs)
    if not values:
        return None
    cycles = values * CYCLES_PER_VALUE
    ms = cycles / EMULATED_HZ * 1000
    return (f"float32 input/output: the model quantizes and dequantizes its {values:,} float values itself on "
            f"every inference, in software floating point on boards without an FPU (RP2040, ESP32-S2, ESP32-C3, "
            f"the emulated Cortex-M3): about {cycles:,} cycles, +{ms:.1f} ms at the emulated board's 25 MHz "
            f"(~{CYCLES_PER_VALUE} cycles per value, measured; more on a Cortex-M0+). To avoid it, convert with "
            f"int8 I/O (`tinyml-host convert` without --io float) and give the board int8 input")
