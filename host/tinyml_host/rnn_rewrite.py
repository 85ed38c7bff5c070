"""Keras 3 LSTM, GRU and SimpleRNN layers rewritten into graphs TensorFlow's converter handles.

Keras 3 runs a recurrent layer as a generic while loop: the converter keeps it as a loop, and
its calibrator crashes on it (a segfault on a plain `LSTM`). So, while the model is traced for
conversion, each recurrent layer's `call` is replaced (on that layer object only, restored after):

- LSTM (tanh/sigmoid, no mask, forward, not stateful): the function Keras 2 built its LSTM on,
  `standard_lstm(inputs, init_h, init_c, kernel, recurrent_kernel, bias)`, marked with the
  `api_implements: lstm_<id>` attribute. The converter's fusion pass replaces it with one
  UNIDIRECTIONAL_SEQUENCE_LSTM op (int8 weights, int16 cell state), as in TFLM's LSTM example;
  this needs a batch-1, fixed-shape trace through a SavedModel (convert_tf does both).
- GRU (TFLite has no fused GRU op), SimpleRNN, an LSTM the fused op cannot express, and every LSTM for
  16x8 (TensorFlow does not quantize the fused op to int16 activations): unrolled over the
  time steps into FULLY_CONNECTED, SPLIT, ADD, SUB, MUL, LOGISTIC and TANH (UNPACK/PACK for the
  time axis), all of which the device runs.

The weights are read once from the layer and baked into the trace as constants.

    with recurrent_rewritten(keras_model) as rewritten:   # rewritten: names of the layers
        ...trace / export the model...
"""

from __future__ import annotations

import contextlib
import uuid

from .errors import TinymlError


def recurrent_layers(model) -> list:
    """Every LSTM/GRU layer of a Keras model, nested models included (Bidirectional refused)."""
    import keras
    found = []
    for layer in _walk(model):
        if isinstance(layer, keras.layers.Bidirectional):
            raise TinymlError(f"layer '{layer.name}' is a Bidirectional recurrent layer, which convert does not rewrite",
                              "use a forward LSTM or GRU (or two of them, one on the reversed input)")
        if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU, keras.layers.SimpleRNN)):
            found.append(layer)
        elif isinstance(layer, keras.layers.RNN):
            raise TinymlError(f"layer '{layer.name}' is a generic keras RNN ({type(layer.cell).__name__}); "
                              "convert rewrites LSTM, GRU and SimpleRNN layers only",
                              "use keras.layers.LSTM, GRU or SimpleRNN")
    return found


def _walk(layer):
    for sub in getattr(layer, "layers", []) or []:
        yield sub
        yield from _walk(sub)


@contextlib.contextmanager
def recurrent_rewritten(model, fuse_lstm: bool = True):
    """Patch every LSTM/GRU layer of `model` for conversion; yields their names; restores them.
    fuse_lstm=False unrolls LSTMs too (TensorFlow has no 16x8 UNIDIRECTIONAL_SEQUENCE_LSTM)."""
    layers = recurrent_layers(model)
    saved = []
    try:
        for layer in layers:
            saved.append((layer, layer.__dict__.get("call")))
            object.__setattr__(layer, "call", _bound_call(layer, fuse_lstm))
        yield [layer.name for layer in layers]
    finally:
        for layer, old in saved:
            if old is None:
                layer.__dict__.pop("call", None)
            else:
                object.__setattr__(layer, "call", old)


def _bound_call(layer, fuse_lstm: bool):
    """The replacement `call` of `layer`, with its weights read now (eagerly, as numpy)."""
    import keras
    check_supported(layer)
    if isinstance(layer, keras.layers.LSTM):
        fn = _lstm_fused_call if fuse_lstm and fusable_lstm(layer) else _lstm_unrolled_call
    elif isinstance(layer, keras.layers.GRU):
        fn = _gru_unrolled_call
    else:
        fn = _simple_rnn_unrolled_call
    weights = _weights(layer)

    def call(sequences, initial_state=None, mask=None, training=False):
        _no_extras(layer, initial_state, mask)
        return fn(layer, sequences, weights)
    return call


def check_supported(layer) -> None:
    if getattr(layer, "stateful", False):
        raise TinymlError(f"recurrent layer '{layer.name}' is stateful", "convert a model built with stateful=False")
    if getattr(layer, "return_state", False):
        raise TinymlError(f"recurrent layer '{layer.name}' returns its state (return_state=True)",
                          "build the model for inference without return_state")


def fusable_lstm(layer) -> bool:
    """UNIDIRECTIONAL_SEQUENCE_LSTM computes tanh/sigmoid gates over a forward sequence."""
    import keras
    cell = layer.cell
    return (cell.activation is keras.activations.tanh and cell.recurrent_activation is keras.activations.sigmoid
            and not layer.go_backwards)


def _no_extras(layer, initial_state, mask) -> None:
    if initial_state is not None:
        raise TinymlError(f"recurrent layer '{layer.name}' is given an initial state",
                          "convert a model whose recurrent layers start from zeros")
    if mask is not None:
        raise TinymlError(f"recurrent layer '{layer.name}' receives a mask (Masking/Embedding mask_zero)",
                          "remove the mask: the device runs fixed-length windows")


def _weights(layer):
    import numpy as np
    cell = layer.cell
    kernel = np.asarray(cell.kernel.numpy(), np.float32)
    recurrent = np.asarray(cell.recurrent_kernel.numpy(), np.float32)
    if cell.use_bias:
        bias = np.asarray(cell.bias.numpy(), np.float32)
    else:
        bias = np.zeros((2, kernel.shape[1]) if getattr(cell, "reset_after", False) else kernel.shape[1], np.float32)
    return kernel, recurrent, bias


def fused_lstm_function(steps: int):
    """A new `standard_lstm(inputs, init_h, init_c, kernel, recurrent_kernel, bias)` over `steps`
    time steps, returning (last h, all h, h, c, runtime) like Keras 2's, and tagged so the
    converter's fusion pass replaces it with UNIDIRECTIONAL_SEQUENCE_LSTM (each function needs
    its own `lstm_<id>` tag). The body is the float semantics (Keras' gate order: input, forget,
    cell, output)."""
    import tensorflow as tf

    @tf.function(experimental_attributes={"api_implements": "lstm_" + uuid.uuid4().hex,
                                          "api_preferred_device": "CPU", "time_major": False,
                                          "go_backwards": False}, autograph=False)
    def standard_lstm(inputs, init_h, init_c, kernel, recurrent_kernel, bias):
        h, c = init_h, init_c
        outs = []
        for t in range(steps):
            z = tf.matmul(inputs[:, t], kernel) + tf.matmul(h, recurrent_kernel) + bias
            i, f, g, o = tf.split(z, 4, axis=1)
            c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
            h = tf.sigmoid(o) * tf.tanh(c)
            outs.append(h)
        return h, tf.stack(outs, axis=1), h, c, tf.constant(1.0)
    return standard_lstm


def _lstm_fused_call(self, sequences, weights):
    import tensorflow as tf
    kernel, recurrent, bias = (tf.constant(w) for w in weights)
    zeros = tf.zeros((tf.shape(sequences)[0], self.units), sequences.dtype)
    standard_lstm = fused_lstm_function(int(sequences.shape[1]))
    last, seq, _, _, _ = standard_lstm(sequences, zeros, zeros, kernel, recurrent, bias)
    return seq if self.return_sequences else last


def _time_steps(layer, sequences):
    """One STRIDED_SLICE per step (an UNPACK would have one output per step: too many for a node)."""
    steps = range(int(sequences.shape[1]))
    return [sequences[:, t] for t in (reversed(steps) if layer.go_backwards else steps)]


MAX_CONCAT = 16   # inputs per CONCATENATION (a node has at most TM_MAX_NODE_INPUTS)


def _sequence(outs):
    """The per-step outputs (batch, units) stacked to (batch, steps, units), in small concats."""
    import tensorflow as tf
    parts = [tf.expand_dims(h, 1) for h in outs]
    while len(parts) > 1:
        parts = [tf.concat(parts[i:i + MAX_CONCAT], axis=1) if len(parts[i:i + MAX_CONCAT]) > 1 else parts[i]
                 for i in range(0, len(parts), MAX_CONCAT)]
    return parts[0]


def _lstm_unrolled_call(self, sequences, weights):
    import tensorflow as tf
    kernel, recurrent, bias = (tf.constant(w) for w in weights)
    act, rec_act = self.cell.activation, self.cell.recurrent_activation
    h = c = tf.zeros((tf.shape(sequences)[0], self.units), sequences.dtype)
    outs = []
    for x in _time_steps(self, sequences):
        z = tf.matmul(x, kernel) + tf.matmul(h, recurrent) + bias
        i, f, g, o = tf.split(z, 4, axis=1)
        c = rec_act(f) * c + rec_act(i) * act(g)
        h = rec_act(o) * act(c)
        outs.append(h)
    return _sequence(outs) if self.return_sequences else h


def _gru_unrolled_call(self, sequences, weights):
    """Keras' GRU (gate order update z, reset r, candidate), reset_after True (default) or False."""
    import tensorflow as tf
    kernel, recurrent, bias = weights
    act, rec_act = self.cell.activation, self.cell.recurrent_activation
    u = self.units
    reset_after = bool(self.cell.reset_after)
    k = tf.constant(kernel)
    if reset_after:
        b_in, b_rec = tf.constant(bias[0]), tf.constant(bias[1])
        rk = tf.constant(recurrent)
    else:
        b_in = tf.constant(bias)
        rk_zr, rk_h = tf.constant(recurrent[:, :2 * u]), tf.constant(recurrent[:, 2 * u:])
    h = tf.zeros((tf.shape(sequences)[0], u), sequences.dtype)
    outs = []
    for x in _time_steps(self, sequences):
        x_z, x_r, x_h = tf.split(tf.matmul(x, k) + b_in, 3, axis=1)
        if reset_after:
            r_z, r_r, r_h = tf.split(tf.matmul(h, rk) + b_rec, 3, axis=1)
            z = rec_act(x_z + r_z)
            r = rec_act(x_r + r_r)
            hh = act(x_h + r * r_h)
        else:
            r_z, r_r = tf.split(tf.matmul(h, rk_zr), 2, axis=1)
            z = rec_act(x_z + r_z)
            r = rec_act(x_r + r_r)
            hh = act(x_h + tf.matmul(r * h, rk_h))
        h = z * h + (1.0 - z) * hh
        outs.append(h)
    return _sequence(outs) if self.return_sequences else h


def _simple_rnn_unrolled_call(self, sequences, weights):
    """Keras' SimpleRNN: h = activation(x @ kernel + bias + h @ recurrent_kernel)."""
    import tensorflow as tf
    kernel, recurrent, bias = (tf.constant(w) for w in weights)
    act = self.cell.activation
    h = tf.zeros((tf.shape(sequences)[0], self.units), sequences.dtype)
    outs = []
    for x in _time_steps(self, sequences):
        h = act(tf.matmul(x, kernel) + bias + tf.matmul(h, recurrent))
        outs.append(h)
    return _sequence(outs) if self.return_sequences else h
