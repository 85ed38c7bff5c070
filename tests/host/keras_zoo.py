"""Keras architectures people deploy to microcontrollers, small enough to train and convert in seconds.

    ARCHS: {name: Arch}    Arch(name, build, task, int16)

`build()` returns an uncompiled keras.Model with a fixed input shape (and a dynamic batch, as
Keras builds them). `task` says which synthetic targets zoo_build.py trains it on:
  "class"    softmax over the last axis: one class per window, each class a fixed random pattern
  "autoenc"  the output is the input (dense autoencoder)
  "seg"      one sigmoid per pixel: is channel 0 of the input positive there
  "two_head" a softmax head and a scalar regression head (the window's mean)
`int16` marks the architectures also converted with int16 activations (16x8): only ops TFLM runs
with int16 activations.

The builder's source is part of the cache key (zoo_build.py): editing a builder retrains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Arch:
    name: str
    build: Callable
    task: str = "class"
    int16: bool = False


def _k():
    import keras
    return keras


def _head(x, classes=4):
    L = _k().layers
    return L.Dense(classes, activation="softmax")(x)


def _classifier(input_shape, layers, classes=4):
    """Input -> each layer in turn -> a softmax head: the plain stacks below."""
    L = _k().layers
    x = inp = L.Input(input_shape)
    for layer in layers:
        x = layer(x)
    return _k().Model(inp, _head(x, classes))


def mobilenet_v1():
    keras = _k()
    return keras.applications.MobileNet(input_shape=(32, 32, 3), alpha=0.25, depth_multiplier=1,
                                        dropout=0.0, weights=None, classes=4)


def mobilenet_v2():
    keras = _k()
    return keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, weights=None, classes=4)


def mobilenet_v3_hardswish():
    keras = _k()
    return keras.applications.MobileNetV3Small(input_shape=(32, 32, 3), alpha=0.25, minimalistic=False,
                                               weights=None, classes=4, dropout_rate=0.0,
                                               include_preprocessing=False)


def mobilenet_v3_minimalistic():
    keras = _k()
    return keras.applications.MobileNetV3Small(input_shape=(32, 32, 3), alpha=0.25, minimalistic=True,
                                               weights=None, classes=4, dropout_rate=0.0,
                                               include_preprocessing=False)


def ds_cnn_kws():
    """MLPerf Tiny's DS-CNN keyword spotter, narrower: MFCC 49x10 in, 12 keywords out."""
    L = _k().layers
    x = inp = L.Input((49, 10, 1))
    x = L.Conv2D(16, (10, 4), strides=(2, 2), padding="same", use_bias=False)(x)
    x = L.BatchNormalization()(x)
    x = L.ReLU()(x)
    for _ in range(2):
        x = L.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
        x = L.BatchNormalization()(x)
        x = L.ReLU()(x)
        x = L.Conv2D(16, 1, use_bias=False)(x)
        x = L.BatchNormalization()(x)
        x = L.ReLU()(x)
    x = L.AveragePooling2D(pool_size=(25, 5))(x)
    x = L.Flatten()(x)
    return _k().Model(inp, _head(x, 12))


def conv1d_audio():
    L = _k().layers
    return _classifier((128, 1), [L.Conv1D(8, 9, strides=2, activation="relu"), L.MaxPooling1D(2),
                                  L.Conv1D(16, 5, activation="relu"), L.GlobalAveragePooling1D()])


def conv1d_imu():
    L = _k().layers
    return _classifier((48, 3), [L.Conv1D(8, 5, activation="relu", padding="same"), L.MaxPooling1D(2),
                                 L.Conv1D(8, 3, activation="relu"), L.Flatten(), L.Dense(16, activation="relu")],
                       classes=6)


def tcn_dilated():
    """A temporal convolutional network: causal Conv1D with dilations 1, 2, 4, residual adds."""
    L = _k().layers
    x = inp = L.Input((32, 2))
    x = L.Conv1D(8, 1)(x)
    for d in (1, 2, 4):
        y = L.Conv1D(8, 3, dilation_rate=d, padding="causal", activation="relu")(x)
        x = L.Add()([x, y])
    x = L.GlobalAveragePooling1D()(x)
    return _k().Model(inp, _head(x))


def lstm_classifier():
    L = _k().layers
    x = inp = L.Input((16, 4))
    x = L.LSTM(12, unroll=True)(x)
    return _k().Model(inp, _head(x))


def gru_classifier():
    L = _k().layers
    x = inp = L.Input((16, 4))
    x = L.GRU(12, unroll=True)(x)
    return _k().Model(inp, _head(x))


def dense_autoencoder():
    """MLPerf Tiny's anomaly-detection autoencoder, smaller."""
    L = _k().layers
    x = inp = L.Input((64,))
    for units in (32, 8, 32):
        x = L.Dense(units)(x)
        x = L.BatchNormalization()(x)
        x = L.ReLU()(x)
    return _k().Model(inp, L.Dense(64)(x))


def bn_leaky_relu():
    L = _k().layers
    x = inp = L.Input((16, 16, 1))
    for f in (8, 16):
        x = L.Conv2D(f, 3, strides=2, padding="same")(x)
        x = L.BatchNormalization()(x)
        x = L.LeakyReLU(negative_slope=0.1)(x)
    x = L.GlobalAveragePooling2D()(x)
    return _k().Model(inp, _head(x))


def global_max_pool():
    L = _k().layers
    return _classifier((16, 16, 2), [L.Conv2D(8, 3, activation="relu"), L.Conv2D(8, 3, activation="relu"),
                                     L.GlobalMaxPooling2D()])


def transpose_conv_seg():
    """A tiny encoder-decoder: strided convolutions down, Conv2DTranspose up."""
    L = _k().layers
    x = inp = L.Input((16, 16, 1))
    x = L.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    x = L.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    x = L.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(x)
    x = L.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu")(x)
    return _k().Model(inp, L.Conv2D(1, 1, activation="sigmoid")(x))


def upsampling_seg():
    """UpSampling2D nearest and bilinear, with a skip connection (U-Net style)."""
    L = _k().layers
    x = inp = L.Input((16, 16, 1))
    s = L.Conv2D(4, 3, padding="same", activation="relu")(x)
    x = L.MaxPooling2D(2)(s)
    x = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = L.MaxPooling2D(2)(x)
    x = L.UpSampling2D(2, interpolation="nearest")(x)
    x = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = L.UpSampling2D(2, interpolation="bilinear")(x)
    x = L.Concatenate()([x, s])
    return _k().Model(inp, L.Conv2D(1, 1, activation="sigmoid")(x))


def resize_classifier():
    """keras Resizing (tf.image.resize) from a sensor's 20x20 to 12x12, bilinear, then nearest."""
    L = _k().layers
    return _classifier((20, 20, 1), [L.Resizing(12, 12, interpolation="bilinear"), L.Conv2D(8, 3, activation="relu"),
                                     L.Resizing(6, 6, interpolation="nearest"), L.Flatten()])


def elu_cnn():
    """keras.layers.ELU after a convolution. TensorFlow 2.21's converter leaves ELU in float
    (DEQUANTIZE -> ELU float32 -> QUANTIZE) even with int8-only ops: see test_keras_zoo.KNOWN."""
    L = _k().layers
    return _classifier((12, 12, 2), [L.Conv2D(8, 3), L.ELU(), L.GlobalAveragePooling2D()])


def swish_cnn():
    """Swish (x * sigmoid(x): LOGISTIC + MUL) as a Conv2D activation and as a layer."""
    L = _k().layers
    return _classifier((12, 12, 2), [L.Conv2D(8, 3, activation="swish"), L.MaxPooling2D(2), L.Flatten(),
                                     L.Dense(8), L.Activation("swish")])


def residual_add():
    """ResNet-8 style: two residual blocks with a 1x1 projection on the strided one."""
    L = _k().layers
    x = inp = L.Input((16, 16, 3))
    x = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    y = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    y = L.Conv2D(8, 3, padding="same")(y)
    x = L.ReLU()(L.Add()([x, y]))
    y = L.Conv2D(16, 3, strides=2, padding="same", activation="relu")(x)
    y = L.Conv2D(16, 3, padding="same")(y)
    x = L.ReLU()(L.Add()([L.Conv2D(16, 1, strides=2)(x), y]))
    x = L.AveragePooling2D(8)(x)
    x = L.Flatten()(x)
    return _k().Model(inp, _head(x))


def inception_concat():
    L = _k().layers
    x = inp = L.Input((16, 16, 3))
    a = L.Conv2D(4, 1, activation="relu")(x)
    b = L.Conv2D(4, 3, padding="same", activation="relu")(x)
    c = L.MaxPooling2D(3, strides=1, padding="same")(x)
    x = L.Concatenate()([a, b, c])
    x = L.Conv2D(8, 3, strides=2, activation="relu")(x)
    x = L.GlobalAveragePooling2D()(x)
    return _k().Model(inp, _head(x))


def squeeze_excite():
    L = _k().layers
    x = inp = L.Input((16, 16, 3))
    x = L.Conv2D(16, 3, strides=2, padding="same", activation="relu")(x)
    s = L.GlobalAveragePooling2D()(x)
    s = L.Dense(4, activation="relu")(s)
    s = L.Dense(16, activation="sigmoid")(s)
    x = L.Multiply()([x, L.Reshape((1, 1, 16))(s)])
    x = L.GlobalAveragePooling2D()(x)
    return _k().Model(inp, _head(x))


def two_output_heads():
    L = _k().layers
    x = inp = L.Input((32, 3))
    x = L.Conv1D(8, 3, activation="relu")(x)
    x = L.GlobalAveragePooling1D()(x)
    x = L.Dense(16, activation="relu")(x)
    return _k().Model(inp, [_head(x), L.Dense(1)(x)])


def mlp_classifier():
    L = _k().layers
    return _classifier((20,), [L.Dense(16, activation="relu"), L.Dense(16, activation="tanh")], classes=3)


def prelu_cnn():
    L = _k().layers
    return _classifier((12, 12, 1), [L.Conv2D(8, 3), L.PReLU(shared_axes=[1, 2]), L.MaxPooling2D(2), L.Flatten()])


def separable_lenet():
    """SeparableConv2D, MaxPooling2D and AveragePooling2D, Flatten into Dense, ReLU6."""
    L = _k().layers
    return _classifier((28, 28, 1), [L.Conv2D(6, 5, activation="relu6"), L.MaxPooling2D(2),
                                     L.SeparableConv2D(12, 3, activation="relu6"), L.AveragePooling2D(2),
                                     L.Flatten(), L.Dense(16, activation="relu")], classes=10)


def pad_crop_sigmoid():
    """ZeroPadding2D, Cropping2D, Subtract and sigmoid gating: PAD, STRIDED_SLICE, SUB, LOGISTIC."""
    L = _k().layers
    x = inp = L.Input((12, 12, 2))
    x = L.ZeroPadding2D(2)(x)
    x = L.Conv2D(8, 3, activation="relu")(x)
    x = L.Cropping2D(2)(x)
    y = L.Conv2D(8, 1, activation="sigmoid")(x)
    x = L.Subtract()([x, y])
    x = L.GlobalAveragePooling2D()(x)
    return _k().Model(inp, _head(x))


ARCHS = {a.name: a for a in [
    Arch("mobilenet_v1", mobilenet_v1),
    Arch("mobilenet_v2", mobilenet_v2),
    Arch("mobilenet_v3_hardswish", mobilenet_v3_hardswish),
    Arch("mobilenet_v3_minimalistic", mobilenet_v3_minimalistic),
    Arch("ds_cnn_kws", ds_cnn_kws, int16=True),
    Arch("conv1d_audio", conv1d_audio, int16=True),
    Arch("conv1d_imu", conv1d_imu, int16=True),
    Arch("tcn_dilated", tcn_dilated),
    Arch("lstm_classifier", lstm_classifier),
    Arch("gru_classifier", gru_classifier),
    Arch("dense_autoencoder", dense_autoencoder, task="autoenc", int16=True),
    Arch("bn_leaky_relu", bn_leaky_relu, int16=True),
    Arch("global_max_pool", global_max_pool),
    Arch("transpose_conv_seg", transpose_conv_seg, task="seg", int16=True),
    Arch("upsampling_seg", upsampling_seg, task="seg"),
    Arch("resize_classifier", resize_classifier),
    Arch("elu_cnn", elu_cnn),
    Arch("swish_cnn", swish_cnn),
    Arch("residual_add", residual_add, int16=True),
    Arch("inception_concat", inception_concat, int16=True),
    Arch("squeeze_excite", squeeze_excite),
    Arch("two_output_heads", two_output_heads, task="two_head", int16=True),
    Arch("mlp_classifier", mlp_classifier, int16=True),
    Arch("prelu_cnn", prelu_cnn),
    Arch("separable_lenet", separable_lenet, int16=True),
    Arch("pad_crop_sigmoid", pad_crop_sigmoid),
]}
