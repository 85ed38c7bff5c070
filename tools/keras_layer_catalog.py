"""Keras layers as users write them, one tiny model each, for docs/keras-layers.md.

    LAYERS: list of Layer(name, build, note)

`build()` returns an uncompiled keras.Model with a fixed input shape: the layer (and, where the
converter only makes sense of it in context, what it needs around it, said in `note`). Which
TFLite ops each becomes, and whether this firmware runs them, is not written here: the generator
(gen_keras_table.py) converts each model as `tinyml-host convert` does and asks the device's own
loader. A builder's source is part of the conversion cache key: editing it converts it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Layer:
    name: str           # the row's label: the Keras layer as written in a model
    build: Callable
    note: str = ""
    args: tuple = ()    # build(*args)


def _k():
    import keras
    return keras


def _seq(input_shape, *layers):
    """Input -> the layers -> output: the plain one-layer models below."""
    keras = _k()
    x = inp = keras.Input(input_shape)
    for layer in layers:
        x = layer(x)
    return keras.Model(inp, x)


def merge(layer: str):
    """A merge layer (keras.layers.<layer>) on two branches of one input (convert takes
    single-input models)."""
    keras = _k()
    L = keras.layers
    inp = keras.Input((8, 8, 4))
    a = L.Conv2D(4, 1)(inp)
    b = L.Conv2D(4, 3, padding="same")(inp)
    return keras.Model(inp, getattr(L, layer)()([a, b]))


def dense():
    return _seq((16,), _k().layers.Dense(8))


def dense_relu():
    return _seq((16,), _k().layers.Dense(8, activation="relu"))


def dense_softmax():
    return _seq((16,), _k().layers.Dense(4, activation="softmax"))


def conv2d():
    return _seq((12, 12, 3), _k().layers.Conv2D(8, 3, activation="relu"))


def conv2d_strided_same():
    return _seq((12, 12, 3), _k().layers.Conv2D(8, 3, strides=2, padding="same"))


def conv2d_dilated():
    return _seq((12, 12, 3), _k().layers.Conv2D(8, 3, dilation_rate=2))


def conv1d():
    return _seq((32, 3), _k().layers.Conv1D(8, 5, activation="relu"))


def conv1d_dilated_causal():
    return _seq((32, 3), _k().layers.Conv1D(8, 3, dilation_rate=2, padding="causal"))


def depthwise_conv2d():
    return _seq((12, 12, 4), _k().layers.DepthwiseConv2D(3, padding="same"))


def separable_conv2d():
    return _seq((12, 12, 4), _k().layers.SeparableConv2D(8, 3))


def separable_conv1d():
    return _seq((32, 4), _k().layers.SeparableConv1D(8, 3))


def conv2d_transpose():
    return _seq((6, 6, 4), _k().layers.Conv2DTranspose(4, 3, strides=2, padding="same"))


def max_pooling2d():
    return _seq((12, 12, 4), _k().layers.MaxPooling2D(2))


def average_pooling2d():
    return _seq((12, 12, 4), _k().layers.AveragePooling2D(2))


def max_pooling1d():
    return _seq((32, 4), _k().layers.MaxPooling1D(2))


def average_pooling1d():
    return _seq((32, 4), _k().layers.AveragePooling1D(2))


def global_average_pooling2d():
    return _seq((8, 8, 4), _k().layers.GlobalAveragePooling2D())


def global_max_pooling2d():
    return _seq((8, 8, 4), _k().layers.GlobalMaxPooling2D())


def global_average_pooling1d():
    return _seq((32, 4), _k().layers.GlobalAveragePooling1D())


def flatten():
    L = _k().layers
    return _seq((6, 6, 4), L.Conv2D(4, 1), L.Flatten())


def reshape():
    L = _k().layers
    return _seq((16,), L.Dense(16), L.Reshape((4, 4)))


def permute():
    L = _k().layers
    return _seq((6, 4), L.Dense(4), L.Permute((2, 1)))


def batch_norm_after_conv():
    L = _k().layers
    return _seq((12, 12, 3), L.Conv2D(8, 3), L.BatchNormalization())


def batch_norm_alone():
    return _seq((12, 12, 3), _k().layers.BatchNormalization())


def layer_normalization():
    return _seq((16,), _k().layers.LayerNormalization())


def dropout():
    L = _k().layers
    return _seq((16,), L.Dense(8), L.Dropout(0.5))


def relu_layer():
    L = _k().layers
    return _seq((16,), L.Dense(8), L.ReLU())


def relu6():
    L = _k().layers
    return _seq((16,), L.Dense(8), L.ReLU(max_value=6.0))


def leaky_relu():
    L = _k().layers
    return _seq((16,), L.Dense(8), L.LeakyReLU(negative_slope=0.1))


def prelu():
    L = _k().layers
    return _seq((8, 8, 3), L.Conv2D(4, 3), L.PReLU(shared_axes=[1, 2]))


def elu():
    L = _k().layers
    return _seq((16,), L.Dense(8), L.ELU())


def activation(name: str):
    L = _k().layers
    return _seq((16,), L.Dense(8), L.Activation(name))


def softmax_layer():
    L = _k().layers
    return _seq((16,), L.Dense(8), L.Softmax())


def zero_padding2d():
    L = _k().layers
    return _seq((8, 8, 3), L.Conv2D(4, 1), L.ZeroPadding2D(2))


def cropping2d():
    L = _k().layers
    return _seq((8, 8, 3), L.Conv2D(4, 1), L.Cropping2D(2))


def upsampling2d_nearest():
    L = _k().layers
    return _seq((6, 6, 3), L.Conv2D(4, 1), L.UpSampling2D(2, interpolation="nearest"))


def upsampling2d_bilinear():
    L = _k().layers
    return _seq((6, 6, 3), L.Conv2D(4, 1), L.UpSampling2D(2, interpolation="bilinear"))


def upsampling1d():
    L = _k().layers
    return _seq((16, 3), L.Conv1D(4, 1), L.UpSampling1D(2))


def rescaling():
    L = _k().layers
    return _seq((16,), L.Rescaling(1 / 255.0, offset=-0.5), L.Dense(8))


def lstm():
    return _seq((16, 4), _k().layers.LSTM(8))


def gru():
    return _seq((16, 4), _k().layers.GRU(8))


def simple_rnn():
    return _seq((16, 4), _k().layers.SimpleRNN(8))


LAYERS = [
    Layer("Dense", dense),
    Layer("Dense(activation='relu')", dense_relu, "the activation is fused into the op"),
    Layer("Dense(activation='softmax')", dense_softmax),
    Layer("Conv2D(activation='relu')", conv2d, "int8 weights per output channel"),
    Layer("Conv2D(strides=2, padding='same')", conv2d_strided_same),
    Layer("Conv2D(dilation_rate=2)", conv2d_dilated, "converted with a batch of 1"),
    Layer("Conv1D", conv1d, "a Conv2D over a 1-pixel-high image"),
    Layer("Conv1D(dilation_rate=2, padding='causal')", conv1d_dilated_causal, "a TCN block"),
    Layer("DepthwiseConv2D", depthwise_conv2d),
    Layer("SeparableConv2D", separable_conv2d, "depthwise then 1x1 convolution"),
    Layer("SeparableConv1D", separable_conv1d),
    Layer("Conv2DTranspose", conv2d_transpose),
    Layer("MaxPooling2D", max_pooling2d),
    Layer("AveragePooling2D", average_pooling2d),
    Layer("MaxPooling1D", max_pooling1d),
    Layer("AveragePooling1D", average_pooling1d),
    Layer("GlobalAveragePooling2D", global_average_pooling2d),
    Layer("GlobalMaxPooling2D", global_max_pooling2d),
    Layer("GlobalAveragePooling1D", global_average_pooling1d),
    Layer("Flatten", flatten, "after a Conv2D"),
    Layer("Reshape", reshape, "after a Dense"),
    Layer("Permute", permute, "after a Dense"),
    Layer("BatchNormalization after Conv2D/Dense", batch_norm_after_conv, "folded into the convolution's weights"),
    Layer("BatchNormalization on its own", batch_norm_alone, "on the model's input: a scale and an offset"),
    Layer("LayerNormalization", layer_normalization),
    Layer("Dropout", dropout, "after a Dense; removed at inference"),
    Layer("ReLU", relu_layer, "after a Dense (fused into it)"),
    Layer("ReLU(max_value=6)", relu6, "after a Dense (fused into it)"),
    Layer("LeakyReLU", leaky_relu, "after a Dense"),
    Layer("PReLU(shared_axes=[1, 2])", prelu, "after a Conv2D"),
    Layer("ELU", elu, "after a Dense"),
    Layer("Activation('sigmoid')", activation, args=("sigmoid",), note="after a Dense"),
    Layer("Activation('tanh')", activation, args=("tanh",), note="after a Dense"),
    Layer("Softmax", softmax_layer, "after a Dense"),
    Layer("Activation('swish')", activation, args=("swish",), note="after a Dense"),
    Layer("Activation('hard_swish')", activation, args=("hard_swish",), note="after a Dense"),
    Layer("Activation('hard_sigmoid')", activation, args=("hard_sigmoid",), note="after a Dense"),
    Layer("Activation('gelu')", activation, args=("gelu",), note="after a Dense"),
    Layer("Add", merge, args=("Add",), note="of two Conv2D branches"),
    Layer("Subtract", merge, args=("Subtract",), note="of two Conv2D branches"),
    Layer("Multiply", merge, args=("Multiply",), note="of two Conv2D branches"),
    Layer("Concatenate", merge, args=("Concatenate",), note="of two Conv2D branches"),
    Layer("Maximum", merge, args=("Maximum",), note="of two Conv2D branches"),
    Layer("Minimum", merge, args=("Minimum",), note="of two Conv2D branches"),
    Layer("Average", merge, args=("Average",), note="of two Conv2D branches"),
    Layer("ZeroPadding2D", zero_padding2d, "after a Conv2D"),
    Layer("Cropping2D", cropping2d, "after a Conv2D"),
    Layer("UpSampling2D (nearest)", upsampling2d_nearest, "after a Conv2D"),
    Layer("UpSampling2D (bilinear)", upsampling2d_bilinear, "after a Conv2D"),
    Layer("UpSampling1D", upsampling1d, "after a Conv1D"),
    Layer("Rescaling", rescaling, "before a Dense: folded into its weights"),
    Layer("LSTM", lstm, "int8: one fused op whose state carries over between inferences (`m.reset()` before each independent window); 16x8: unrolled over the time steps"),
    Layer("GRU", gru, "unrolled over the time steps"),
    Layer("SimpleRNN", simple_rnn, "unrolled over the time steps"),
]
