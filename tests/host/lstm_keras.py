"""Keras LSTM layers converted to int8 .tflite models with UNIDIRECTIONAL_SEQUENCE_LSTM, as
TensorFlow's converter emits them (TFLM's LSTM example: a fixed-batch concrete function, a
representative dataset, TFLITE_BUILTINS_INT8).

Keras 3 (the Keras this TensorFlow ships) runs an LSTM as a generic while loop that the
converter does not fuse; the converter fuses the function Keras 2's LSTM was built on, a
`standard_lstm(inputs, init_h, init_c, kernel, recurrent_kernel, bias)` marked with the
`api_implements: lstm_<id>` attribute (tinyml_host.rnn_rewrite.fused_lstm_function, which
`tinyml-host convert` uses too). So the weights come from a real Keras 3 `LSTM` layer
(its initializers, or a few steps of training on a toy task), and the model is that layer's
arithmetic in the function the converter recognises - the UNIDIRECTIONAL_SEQUENCE_LSTM it
writes is the one a Keras 2 LSTM gets.

    keras_lstm_tflite(units, time_steps, features, return_sequences, seed, trained) -> bytes

The conversion goes through a SavedModel (from_concrete_functions inlines the function
before the fusion pass sees it). Each call costs a few seconds: callers cache.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from tinyml_host.rnn_rewrite import fused_lstm_function


def _keras_weights(units: int, time_steps: int, features: int, seed: int, trained: bool):
    import keras
    keras.utils.set_random_seed(seed)
    layer = keras.layers.LSTM(units, return_sequences=False)
    model = keras.Sequential([keras.Input((time_steps, features), batch_size=1), layer,
                              keras.layers.Dense(1)])
    if trained:
        rng = np.random.default_rng(seed)
        x = rng.normal(0, 1, (64, time_steps, features)).astype(np.float32)
        y = x[:, :, 0].sum(axis=1, keepdims=True)   # a toy target: the sum of feature 0 over time
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, batch_size=1, epochs=1, verbose=0)
    kernel, recurrent, bias = (np.asarray(w) for w in layer.get_weights())
    return kernel, recurrent, bias


def keras_lstm_tflite(units: int, time_steps: int, features: int, return_sequences: bool,
                      seed: int, trained: bool = False) -> bytes:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    kernel, recurrent, bias = (tf.constant(w) for w in _keras_weights(units, time_steps, features, seed, trained))

    standard_lstm = fused_lstm_function(time_steps)

    @tf.function
    def run(x):
        zeros = tf.zeros((1, units))
        last, seq, _, _, _ = standard_lstm(x, zeros, zeros, kernel, recurrent, bias)
        return seq if return_sequences else last

    module = tf.Module()
    module.run = run
    fn = run.get_concrete_function(tf.TensorSpec([1, time_steps, features], tf.float32))
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as d:
        tf.saved_model.save(module, d, signatures=fn)
        converter = tf.lite.TFLiteConverter.from_saved_model(d)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: (
            [rng.normal(0, 1, (1, time_steps, features)).astype(np.float32)] for _ in range(16))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
        return converter.convert()
