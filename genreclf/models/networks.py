"""Plain Keras 3 network builders: no scikit-learn, no data, no compile.

Each builder takes the input shape of **one sample** and the number of classes and returns an uncompiled
``keras.Model`` ending in a softmax layer of ``n_classes`` units. A sample of fewer dimensions than the network
reads gets trailing axes of one (a ``Reshape`` layer: ``(n_frames, n_coefs)`` frames become a one-channel image for
the CNN), and the MLP flattens a sample of more.

Each builder also serves as the ``model=`` of a Keras wrapper for scikit-learn (see
:class:`~genreclf.models.KerasWrapperClassifier`): ``scikeras.wrappers.KerasClassifier(model=build_cnn, ...)``
passes its ``meta`` (the shape of ``X`` and the number of classes) and ``compile_kwargs``, and
``keras.wrappers.SKLearnClassifier(model=build_mlp)`` passes ``X`` and its one-hot ``y``; the builder then reads
``input_shape`` and ``n_classes`` from them, and compiles the network (Adam and categorical cross-entropy for Keras'
wrapper, which requires a compiled model). Networks are kept apart from the estimators
that train them (the aeon design: ``aeon/networks`` vs ``aeon/classification/deep_learning``), so a network can be
built and inspected alone, and :mod:`genreclf.models.classifiers` only adds data handling, compile and fit.

The defaults reproduce the networks of the seed notebooks exactly:

- :func:`build_cnn` — the CNN of the CNN notebook on ``(130, 13, 1)`` MFCC segments (25,162 parameters);
- :func:`build_lstm` — the stacked LSTM of the course slides (LSTM 64 → LSTM 64 → Dense 64 → softmax);
- :func:`build_mlp` — the first MLP of the course slides; the others are in :data:`MLP_PRESETS`.

Keras (and TensorFlow, its backend here) is imported inside the builders, never at module import.
"""
import os
import sys

import numpy as np

__all__ = ["build_cnn", "build_lstm", "build_mlp", "MLP_PRESETS", "import_keras"]

#: Named MLP architectures of the seed reports, as keyword arguments of :func:`build_mlp` plus the learning rate
#: they were trained with (all used Adam). ``"deep"`` is also :func:`build_mlp`'s default.
MLP_PRESETS = {
    # the course slides: 512-256-128-64-32, ReLU, Dropout 0.2 after each layer
    "deep": dict(hidden_units=(512, 256, 128, 64, 32), activation="relu", dropout=0.2, batch_norm=False,
                 learning_rate=1e-3),
    # the comparison slides, "FNN": 1024-512-256-128-64, each Dense -> BatchNorm -> Dropout 0.5 (765,258 params
    # on the 57-feature table)
    "wide_bn": dict(hidden_units=(1024, 512, 256, 128, 64), activation="relu", dropout=0.5, batch_norm=True,
                    learning_rate=1e-3),
    # the comparison slides, "FNN simple": 512-256-64, Dropout 0.2 (178,122 params on 57 features)
    "simple": dict(hidden_units=(512, 256, 64), activation="relu", dropout=0.2, batch_norm=False,
                   learning_rate=1e-3),
    # the 264-feature report: one Dense 128 'elu' layer, no dropout
    "minimal": dict(hidden_units=(128,), activation="elu", dropout=0.0, batch_norm=False, learning_rate=1e-3),
}


def import_keras():
    """Import Keras 3 with the TensorFlow backend (unless ``KERAS_BACKEND`` says otherwise) and return it.

    The one place where genreclf imports Keras; call it inside functions only. TensorFlow's start-up lines on stderr
    (absl, CUDA, CPU features) are left out (:mod:`genreclf._quiet`); any other line still shows.
    """
    if "keras" in sys.modules:
        return sys.modules["keras"]
    from .._quiet import TENSORFLOW_NOISE, quiet_stderr

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    try:
        with quiet_stderr(TENSORFLOW_NOISE):  # TensorFlow's start-up logs, and its probe for a GPU, said quietly
            import keras

            if keras.backend.backend() == "tensorflow":
                import tensorflow as tf

                tf.config.list_physical_devices()
    except ImportError as err:  # pragma: no cover - keras is a hard dependency
        raise ImportError("genreclf's neural networks need Keras 3 and TensorFlow: "
                          "pip install 'keras>=3' tensorflow") from err
    return keras


def _per_layer(value, n_layers, name, *, pair=False):
    """Expand a scalar-or-sequence knob to one value per layer; ``pair=True`` for 2-D sizes like ``(4, 4)``."""
    def is_single(v):
        if pair:
            return isinstance(v, int) or (isinstance(v, (tuple, list)) and len(v) == 2
                                          and all(isinstance(i, int) for i in v))
        return not isinstance(v, (tuple, list))

    if is_single(value):
        values = [value] * n_layers
    else:
        values = list(value)
        if len(values) != n_layers:
            raise ValueError(f"{name} has {len(values)} entries but there are {n_layers} layers: give one "
                             f"value for all layers or exactly {n_layers} values")
    if pair:
        values = [(v, v) if isinstance(v, int) else tuple(v) for v in values]
    return values


def _check_units(units, name, allow_empty=True):
    if isinstance(units, int):
        units = (units,)
    units = tuple(units)
    if (not units and not allow_empty) or any(not isinstance(u, int) or isinstance(u, bool) or u < 1
                                              for u in units):
        raise ValueError(f"{name}={units!r} is not valid: use a tuple of positive ints, e.g. (64, 32)")
    return units


def _check_rate(rate, name="dropout"):
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"{name}={rate!r} is not valid: use a rate in [0, 1)")
    return float(rate)


def _dense_head(keras, x, dense_units, n_classes, *, activation, dropout, batch_norm=False):
    """Dense layers (each -> [BatchNorm] -> [Dropout]) then the softmax output."""
    layers = keras.layers
    for units in dense_units:
        x = layers.Dense(units, activation=activation)(x)
        if batch_norm:
            x = layers.BatchNormalization()(x)
        if dropout > 0:
            x = layers.Dropout(dropout)(x)
    return layers.Dense(n_classes, activation="softmax")(x)


def _check_common(input_shape, n_classes, builder, *, meta=None, X=None, y=None):
    """``(input_shape, n_classes)`` as given, or read from a wrapper: scikeras' ``meta`` or Keras' ``X`` and ``y``."""
    if input_shape is None:
        input_shape = meta["X_shape_"][1:] if meta is not None else (np.shape(X)[1:] if X is not None else None)
    if n_classes is None and meta is not None:
        n_classes = meta["n_classes_"]
    elif n_classes is None and y is not None:
        y = np.asarray(y)
        n_classes = y.shape[1] if y.ndim == 2 else len(np.unique(y))  # Keras' wrapper passes one-hot targets
    if input_shape is None or n_classes is None:
        raise TypeError(f"{builder} needs input_shape and n_classes (as a Keras wrapper's model=, it reads them "
                        "from scikeras' meta, or from the X and y of keras.wrappers.SKLearnClassifier)")
    input_shape = tuple(int(d) for d in input_shape)
    if not input_shape or any(d < 1 for d in input_shape):
        raise ValueError(f"{builder} needs the input_shape of one sample (positive dimensions, no batch axis), "
                         f"got {input_shape}")
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ValueError(f"n_classes={n_classes!r} is not valid: use a positive int")
    return input_shape, int(n_classes)


def _inputs(keras, input_shape, ndim):
    """The Input of one sample and the tensor the network reads: trailing axes of one added, or flattened."""
    inputs = keras.Input(shape=input_shape)
    if len(input_shape) < ndim:
        return inputs, keras.layers.Reshape(input_shape + (1,) * (ndim - len(input_shape)))(inputs)
    if len(input_shape) > ndim:
        if ndim != 1:
            raise ValueError(f"input_shape={input_shape} has more than the {ndim} dimensions this network reads")
        return inputs, keras.layers.Flatten()(inputs)
    return inputs, inputs


def _compiled(model, y, compile_kwargs):
    """Compile ``model`` when a wrapper asks for it: scikeras' ``compile_kwargs``, or Keras' wrapper (``y`` given)."""
    if compile_kwargs is not None:
        model.compile(**compile_kwargs)
    elif y is not None:
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def build_cnn(input_shape=None, n_classes=None, *, filters=(48, 32, 16), kernel_sizes=((4, 4), (3, 3), (2, 2)),
              pool_sizes=((4, 4), (3, 3), (2, 2)), pool_strides=2, padding="valid", activation="relu",
              batch_norm=True, dense_units=(32,), dropout=0.3, name="cnn", meta=None, compile_kwargs=None, X=None,
              y=None):
    """2-D CNN over (frames × coefficients × channels) images, the seed notebook's network by default.

    Each block is ``Conv2D(filters[i], kernel_sizes[i], activation, padding)`` → ``MaxPool2D(pool_sizes[i],
    pool_strides, padding="same")`` → ``BatchNormalization`` (if ``batch_norm``); then ``Flatten`` → for each of
    ``dense_units``: ``Dense(activation)`` → ``Dropout(dropout)``; then ``Dense(n_classes, softmax)``.

    Parameters
    ----------
    input_shape : tuple of int, (n_frames, n_coefs, n_channels)
        Shape of one sample, channels last; the seed's MFCC segments are ``(130, 13, 1)``. ``(n_frames, n_coefs)``
        is read as one channel.
    n_classes : int > 0
    filters : tuple of int, default=(48, 32, 16)
        Filters of each convolution block (one block per entry).
    kernel_sizes, pool_sizes : int, (int, int) or sequence of them, default=seed
        One size for all blocks, or one per block.
    pool_strides : int or (int, int), default=2
    padding : {"valid", "same"}, default="valid"
        Padding of the convolutions ("valid" in the seed). Use "same" for inputs too small for the kernels.
    activation : str, default="relu"
    batch_norm : bool, default=True
    dense_units : tuple of int, default=(32,)
    dropout : float in [0, 1), default=0.3
        Dropout after each dense layer.
    name : str, default="cnn"
    meta, compile_kwargs, X, y
        What a Keras wrapper passes to its ``model=`` (see the module's docstring); leave them to the wrapper.

    Returns
    -------
    keras.Model
        Uncompiled; output of shape ``(None, n_classes)``.

    Examples
    --------
    >>> model = build_cnn((130, 13, 1), 10)
    >>> model.count_params(), model.layers[1].output.shape
    (25162, (None, 127, 10, 48))
    """
    keras = import_keras()
    layers = keras.layers
    input_shape, n_classes = _check_common(input_shape, n_classes, "build_cnn", meta=meta, X=X, y=y)
    filters = _check_units(filters, "filters", allow_empty=False)
    kernel_sizes = _per_layer(kernel_sizes, len(filters), "kernel_sizes", pair=True)
    pool_sizes = _per_layer(pool_sizes, len(filters), "pool_sizes", pair=True)
    if padding not in ("valid", "same"):
        raise ValueError(f"padding={padding!r} is not valid: use 'valid' or 'same'")
    dropout = _check_rate(dropout)
    dense_units = _check_units(dense_units, "dense_units")

    inputs, x = _inputs(keras, input_shape, 3)
    for n_filters, kernel, pool in zip(filters, kernel_sizes, pool_sizes):
        if padding == "valid" and (x.shape[1] < kernel[0] or x.shape[2] < kernel[1]):
            raise ValueError(f"build_cnn: kernel {kernel} is larger than its input {tuple(x.shape[1:3])} "
                             f"(input_shape={input_shape}); use smaller kernel_sizes, fewer filters "
                             "(blocks) or padding='same'")
        x = layers.Conv2D(n_filters, kernel, activation=activation, padding=padding)(x)
        x = layers.MaxPool2D(pool, pool_strides, padding="same")(x)
        if batch_norm:
            x = layers.BatchNormalization()(x)
    x = layers.Flatten()(x)
    outputs = _dense_head(keras, x, dense_units, n_classes, activation=activation, dropout=dropout)
    return _compiled(keras.Model(inputs, outputs, name=name), y, compile_kwargs)


def build_lstm(input_shape=None, n_classes=None, *, units=(64, 64), dense_units=(64,), activation="relu",
               dropout=0.0, name="lstm", meta=None, compile_kwargs=None, X=None, y=None):
    """Stacked LSTM over frame sequences, the seed slides' network by default.

    ``LSTM(units[0], return_sequences=True)`` → … → ``LSTM(units[-1])`` → for each of ``dense_units``:
    ``Dense(activation)`` → ``Dropout(dropout)`` (if > 0) → ``Dense(n_classes, softmax)``.

    Parameters
    ----------
    input_shape : tuple of int, (n_frames, n_coefs)
        ``(n_features,)`` is read as ``n_features`` steps of one value.
    n_classes : int > 0
    units : tuple of int, default=(64, 64)
        Units of each LSTM layer; all but the last return sequences.
    dense_units : tuple of int, default=(64,)
    activation : str, default="relu"
        Activation of the dense layers.
    dropout : float in [0, 1), default=0.0
    name : str, default="lstm"
    meta, compile_kwargs, X, y
        What a Keras wrapper passes to its ``model=`` (see the module's docstring); leave them to the wrapper.

    Returns
    -------
    keras.Model
        Uncompiled.

    Examples
    --------
    >>> model = build_lstm((50, 58), 10)        # the slides: 50 steps of 58 features
    >>> [layer.count_params() for layer in model.layers[1:]]
    [31488, 33024, 4160, 650]
    """
    keras = import_keras()
    layers = keras.layers
    input_shape, n_classes = _check_common(input_shape, n_classes, "build_lstm", meta=meta, X=X, y=y)
    units = _check_units(units, "units", allow_empty=False)
    dense_units = _check_units(dense_units, "dense_units")
    dropout = _check_rate(dropout)

    inputs, x = _inputs(keras, input_shape, 2)
    for i, n_units in enumerate(units):
        x = layers.LSTM(n_units, return_sequences=i < len(units) - 1)(x)
    outputs = _dense_head(keras, x, dense_units, n_classes, activation=activation, dropout=dropout)
    return _compiled(keras.Model(inputs, outputs, name=name), y, compile_kwargs)


def build_mlp(input_shape=None, n_classes=None, *, hidden_units=(512, 256, 128, 64, 32), activation="relu",
              dropout=0.2, batch_norm=False, name="mlp", meta=None, compile_kwargs=None, X=None, y=None):
    """Fully connected network over feature vectors; the seed slides' 5-layer MLP by default.

    For each of ``hidden_units``: ``Dense(activation)`` → ``BatchNormalization`` (if ``batch_norm``) →
    ``Dropout(dropout)`` (if > 0); then ``Dense(n_classes, softmax)``. :data:`MLP_PRESETS` lists the four seed MLPs.

    Parameters
    ----------
    input_shape : tuple of int, (n_features,)
        A sample of more dimensions is flattened.
    n_classes : int > 0
    hidden_units : tuple of int, default=(512, 256, 128, 64, 32)
        May be empty (multinomial logistic regression).
    activation : str, default="relu"
    dropout : float in [0, 1), default=0.2
    batch_norm : bool, default=False
    name : str, default="mlp"
    meta, compile_kwargs, X, y
        What a Keras wrapper passes to its ``model=`` (see the module's docstring); leave them to the wrapper.

    Returns
    -------
    keras.Model
        Uncompiled.

    Examples
    --------
    >>> preset = {k: v for k, v in MLP_PRESETS["wide_bn"].items() if k != "learning_rate"}
    >>> build_mlp((57,), 10, **preset).count_params()
    765258
    """
    keras = import_keras()
    input_shape, n_classes = _check_common(input_shape, n_classes, "build_mlp", meta=meta, X=X, y=y)
    hidden_units = _check_units(hidden_units, "hidden_units")
    dropout = _check_rate(dropout)

    inputs, x = _inputs(keras, input_shape, 1)
    outputs = _dense_head(keras, x, hidden_units, n_classes, activation=activation, dropout=dropout,
                          batch_norm=batch_norm)
    return _compiled(keras.Model(inputs, outputs, name=name), y, compile_kwargs)
