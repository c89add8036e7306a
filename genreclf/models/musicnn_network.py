"""The musicnn networks of Pons & Serra (2019), rebuilt as plain Keras 3 models.

musicnn 0.1.0 (ISC license, Music Technology Group, Universitat Pompeu Fabra) ships TensorFlow 1 checkpoints
of networks written with ``tf.compat.v1.layers``, which Keras 3 no longer has. :func:`build_musicnn` rebuilds
the same computation layer by layer, and :func:`load_musicnn` fills it with the converted weights shipped in
``genreclf/data/musicnn/<model>.npz`` (made by ``scripts/convert_musicnn_weights.py``).

The network, for one patch of ``n_frames`` log-mel frames ``(n_frames, 96)``:

- **input** batch normalisation (one channel);
- **front end**, musically motivated: two *timbral* convolutions spanning 7 frames × 38 and × 67 mel bands
  (204 filters each, time zero-padded by 3 on each side, ``valid`` in frequency) and three *temporal*
  convolutions spanning 128, 64 and 32 frames × 1 band (51 filters each, ``same`` padding); each is
  ReLU → batch norm → max over frequency, and the five maps are concatenated: ``(n_frames, 561)``;
- **mid end**: three 7-frame convolutions of 64 filters (ReLU → batch norm; the 2nd and 3rd residual),
  densely connected with the front end: ``(n_frames, 753)``;
- **back end**: max and mean over time (``max_pool``, ``mean_pool``: 753 each), interleaved and flattened
  to 1,506 values as the original does, batch norm, dropout, dense 200 ReLU, batch norm (``penultimate``),
  dropout, dense ``n_tags`` and a sigmoid (``taggram``).

Batch normalisations use TF1's defaults (epsilon 1e-3, momentum 0.99) and run in inference mode. Keras is
imported inside the functions, never at module import.
"""
from importlib import resources

import numpy as np

from .networks import import_keras

__all__ = ["MUSICNN_MODELS", "MUSICNN_LAYERS", "build_musicnn", "load_musicnn", "musicnn_tags",
           "musicnn_weights_path", "MUSICNN_SR", "MUSICNN_N_FFT", "MUSICNN_HOP_LENGTH", "N_FRAMES", "N_MELS"]

#: The pretrained models shipped with genreclf (converted from the musicnn 0.1.0 wheel).
MUSICNN_MODELS = ("MSD_musicnn", "MTT_musicnn")
#: The outputs of :func:`build_musicnn`, in order, with their widths for the default sizes.
MUSICNN_LAYERS = {"penultimate": 200, "mean_pool": 753, "max_pool": 753, "taggram": 50}
#: The input the models were trained on: mel spectrograms of audio at 16 kHz (Hz), with a 512-sample window
#: every 256 samples (not genreclf's 22,050 Hz, 2048 and 512 defaults), in 96 mel bands, cut into patches of
#: 187 frames (3 s).
MUSICNN_SR = 16000
MUSICNN_N_FFT = 512
MUSICNN_HOP_LENGTH = 256
N_MELS = 96
N_FRAMES = 187

_BN_EPSILON = 1e-3  # tf.compat.v1.layers.batch_normalization's default
_BN_MOMENTUM = 0.99


def build_musicnn(n_frames=N_FRAMES, n_mels=N_MELS, *, n_tags=50, n_filters_frontend=1.6, n_filters_midend=64,
                  n_units_backend=200, name="musicnn"):
    """Build the musicnn tagging network (untrained) with four outputs.

    Parameters
    ----------
    n_frames : int > 0 or None
        Frames per input patch (187 = 3 s, what the pretrained models were trained on); ``None`` accepts any
        length of at least 7 frames.
    n_mels : int > 0
        Mel bands of the input (96 for the pretrained models).
    n_tags : int > 0
        Units of the output layer.
    n_filters_frontend : float > 0
        Width factor of the front end: ``int(f * 128)`` timbral and ``int(f * 32)`` temporal filters.
    n_filters_midend : int > 0
        Filters of each mid-end convolution.
    n_units_backend : int > 0
        Units of the penultimate dense layer.
    name : str

    Returns
    -------
    keras.Model
        Input ``(batch, n_frames, n_mels)`` log-mel patches; outputs, in order, ``penultimate``
        ``(batch, n_units_backend)``, ``mean_pool`` and ``max_pool`` ``(batch, 561 + 3 * n_filters_midend)``
        (561 front-end features with the default width) and ``taggram`` ``(batch, n_tags)`` (sigmoid
        probabilities).

    Examples
    --------
    >>> model = build_musicnn()
    >>> [tuple(o.shape) for o in model.outputs]
    [(None, 200), (None, 753), (None, 753), (None, 50)]
    >>> model.count_params()
    792079
    """
    keras = import_keras()
    L = keras.layers

    def bn(x, label):
        return L.BatchNormalization(epsilon=_BN_EPSILON, momentum=_BN_MOMENTUM, name=label)(x)

    def freq_max(x, label):  # (batch, time, freq, channels) -> (batch, time, channels)
        x = L.MaxPooling2D(pool_size=(1, x.shape[2]), name=f"{label}_pool")(x)
        return L.Reshape((-1, x.shape[3]), name=f"{label}_squeeze")(x)

    spec = keras.Input((n_frames, n_mels), name="log_mel")
    x = L.Reshape((-1, n_mels, 1), name="expand")(spec)
    x = bn(x, "input_bn")

    # front end: timbral (time-padded 'valid') and temporal ('same') blocks, max over frequency
    padded = L.ZeroPadding2D(((3, 3), (0, 0)), name="timbral_pad")(x)
    front = []
    n_timbral, n_temporal = int(n_filters_frontend * 128), int(n_filters_frontend * 32)
    for label, width in (("timbral_74", int(0.4 * n_mels)), ("timbral_77", int(0.7 * n_mels))):
        h = L.Conv2D(n_timbral, (7, width), padding="valid", activation="relu", name=f"{label}_conv")(padded)
        front.append(freq_max(bn(h, f"{label}_bn"), label))
    for length in (128, 64, 32):
        label = f"temporal_{length}"
        h = L.Conv2D(n_temporal, (length, 1), padding="same", activation="relu", name=f"{label}_conv")(x)
        front.append(freq_max(bn(h, f"{label}_bn"), label))
    front = L.Concatenate(axis=-1, name="frontend")(front)

    # mid end: a (7, width) 2-D convolution over a (time, width, 1) map is a 1-D convolution over time with
    # `width` input channels, so the original's expand/transpose steps disappear
    def mid(h, label):
        h = L.ZeroPadding1D((3, 3), name=f"{label}_pad")(h)
        h = L.Conv1D(n_filters_midend, 7, padding="valid", activation="relu", name=f"{label}_conv")(h)
        return bn(h, f"{label}_bn")

    m1 = mid(front, "midend_1")
    m2 = L.Add(name="midend_2_res")([mid(m1, "midend_2"), m1])
    m3 = L.Add(name="midend_3_res")([mid(m2, "midend_3"), m2])
    features = L.Concatenate(axis=-1, name="midend")([front, m1, m2, m3])

    # back end: temporal pooling, then [max_0, mean_0, max_1, mean_1, ...] as the original flattens it
    max_pool = L.GlobalMaxPooling1D(name="max_pool")(features)
    mean_pool = L.GlobalAveragePooling1D(name="mean_pool")(features)
    width = features.shape[-1]
    pooled = L.Concatenate(axis=-1, name="pool_pairs")([L.Reshape((width, 1), name="max_pool_col")(max_pool),
                                                        L.Reshape((width, 1), name="mean_pool_col")(mean_pool)])
    h = bn(L.Flatten(name="pool_flat")(pooled), "pool_bn")
    h = L.Dropout(0.5, name="pool_dropout")(h)
    h = L.Dense(n_units_backend, activation="relu", name="penultimate_dense")(h)
    penultimate = bn(h, "penultimate")
    h = L.Dropout(0.5, name="penultimate_dropout")(penultimate)
    logits = L.Dense(n_tags, name="logits")(h)
    taggram = L.Activation("sigmoid", name="taggram")(logits)
    return keras.Model(spec, [penultimate, mean_pool, max_pool, taggram], name=name)


# The TF1 checkpoint's variable scopes, in the order the original code creates them, and the Keras layer each
# one fills ("bn" = gamma, beta, moving mean, moving variance; "conv"/"dense" = kernel, bias).
WEIGHT_MAP = (
    ("batch_normalization", "input_bn"),
    ("conv2d", "timbral_74_conv"), ("batch_normalization_1", "timbral_74_bn"),
    ("conv2d_1", "timbral_77_conv"), ("batch_normalization_2", "timbral_77_bn"),
    ("conv2d_2", "temporal_128_conv"), ("batch_normalization_3", "temporal_128_bn"),
    ("conv2d_3", "temporal_64_conv"), ("batch_normalization_4", "temporal_64_bn"),
    ("conv2d_4", "temporal_32_conv"), ("batch_normalization_5", "temporal_32_bn"),
    ("conv2d_5", "midend_1_conv"), ("batch_normalization_6", "midend_1_bn"),
    ("conv2d_6", "midend_2_conv"), ("batch_normalization_7", "midend_2_bn"),
    ("conv2d_7", "midend_3_conv"), ("batch_normalization_8", "midend_3_bn"),
    ("batch_normalization_9", "pool_bn"),
    ("dense", "penultimate_dense"), ("batch_normalization_10", "penultimate"),
    ("dense_1", "logits"),
)
_BN_VARS = ("gamma", "beta", "moving_mean", "moving_variance")
_DENSE_VARS = ("kernel", "bias")


def musicnn_weights_path(model="MSD_musicnn"):
    """Path of the shipped weights of ``model`` (one of :data:`MUSICNN_MODELS`)."""
    if model not in MUSICNN_MODELS:
        raise ValueError(f"model={model!r} is not available: use one of {list(MUSICNN_MODELS)}")
    return resources.files("genreclf") / "data" / "musicnn" / f"{model}.npz"


def musicnn_tags(model="MSD_musicnn"):
    """The tag names of the outputs of ``model``'s ``taggram``, in order (a list of 50 str)."""
    with resources.as_file(musicnn_weights_path(model)) as path, np.load(path) as data:
        return [str(t) for t in data["tags"]]


def load_musicnn(model="MSD_musicnn", n_frames=N_FRAMES):
    """Build the musicnn network and load the pretrained weights of ``model``.

    Parameters
    ----------
    model : {"MSD_musicnn", "MTT_musicnn"}
        Trained on the Million Song Dataset (MSD) or on MagnaTagATune (MTT), 50 tags each.
    n_frames : int > 0 or None
        Frames per input patch (187 = 3 s).

    Returns
    -------
    keras.Model
        See :func:`build_musicnn`; every batch normalisation runs in inference mode when called with
        ``training=False`` (the default of ``model.predict``).

    Examples
    --------
    >>> import numpy as np
    >>> net = load_musicnn("MSD_musicnn")
    >>> penultimate, mean_pool, max_pool, taggram = net(np.zeros((2, 187, 96), np.float32), training=False)
    >>> taggram.shape
    TensorShape([2, 50])
    """
    with resources.as_file(musicnn_weights_path(model)) as path, np.load(path) as data:
        weights = {k: data[k] for k in data.files}
    net = build_musicnn(n_frames, N_MELS, n_tags=len(weights["tags"]), name=model)
    for scope, layer_name in WEIGHT_MAP:
        layer = net.get_layer(layer_name)
        names = _BN_VARS if scope.startswith("batch_normalization") else _DENSE_VARS
        values = [weights[f"{scope}/{v}"] for v in names]
        if layer_name.startswith("midend_") and layer_name.endswith("_conv"):
            values[0] = values[0][:, :, 0, :]  # TF1 (7, width, 1, filters) -> Conv1D (7, width, filters)
        expected = [tuple(w.shape) for w in layer.get_weights()]
        if [v.shape for v in values] != expected:
            raise ValueError(f"weights of {scope!r} in {path} have shapes {[v.shape for v in values]}, but layer "
                             f"{layer_name!r} expects {expected}: regenerate them with "
                             "scripts/convert_musicnn_weights.py")
        layer.set_weights(values)
    return net
