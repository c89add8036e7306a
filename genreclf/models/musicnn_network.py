"""The musicnn networks of Pons & Serra (2019): their weights, a Keras 3 rebuild, and a NumPy forward pass.

musicnn 0.1.0 (ISC license, Music Technology Group, Universitat Pompeu Fabra) ships TensorFlow 1 checkpoints
of networks written with ``tf.compat.v1.layers``, which Keras 3 no longer has. Their weights are shipped in
``genreclf/data/musicnn/<model>.npz`` (made by ``scripts/convert_musicnn_weights.py``) and read by one function,
:func:`musicnn_weights`, for two implementations of the same network:

- :func:`build_musicnn` / :func:`load_musicnn`: the network rebuilt layer by layer in Keras 3, for fine-tuning
  and inspection (TensorFlow is imported inside the functions, never at module import);
- :func:`musicnn_forward`: inference in NumPy, every convolution one float32 BLAS matrix product, which is what
  :class:`~genreclf.features.musicnn.MusicnnEmbedding` runs: no TensorFlow, the same numbers on every machine,
  and about the BLAS's float32 speed on every CPU. The two agree to float32 rounding (tested).

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

Batch normalisations use TF1's defaults (epsilon 1e-3, momentum 0.99) and run in inference mode.
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import numpy as np
from numpy.lib.stride_tricks import as_strided
from scipy import special

from .networks import import_keras

__all__ = ["MUSICNN_MODELS", "MUSICNN_LAYERS", "build_musicnn", "load_musicnn", "musicnn_forward", "musicnn_tags",
           "musicnn_weights", "musicnn_weights_path", "MUSICNN_SR", "MUSICNN_N_FFT", "MUSICNN_HOP_LENGTH", "N_FRAMES",
           "N_MELS"]

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


def musicnn_weights(model="MSD_musicnn"):
    """The pretrained weights of ``model``, by layer of :func:`build_musicnn`.

    The one reader of the shipped ``<model>.npz``: :func:`load_musicnn` (Keras) and :func:`musicnn_forward`
    (NumPy) both take their weights from here.

    Parameters
    ----------
    model : {"MSD_musicnn", "MTT_musicnn"}

    Returns
    -------
    dict of str to list of np.ndarray
        For every layer with weights, its arrays in the order of Keras' ``layer.get_weights()``: ``[kernel,
        bias]`` for a convolution or a dense layer, ``[gamma, beta, moving_mean, moving_variance]`` for a batch
        normalisation. float32.

    Examples
    --------
    >>> weights = musicnn_weights("MSD_musicnn")
    >>> [w.shape for w in weights["timbral_74_conv"]]
    [(7, 38, 1, 204), (204,)]
    >>> weights["midend_1_conv"][0].shape   # (time, input channels, filters), as a Conv1D holds it
    (7, 561, 64)
    """
    with resources.as_file(musicnn_weights_path(model)) as path, np.load(path) as data:
        stored = {k: data[k] for k in data.files}
    weights = {}
    for scope, layer_name in WEIGHT_MAP:
        names = _BN_VARS if scope.startswith("batch_normalization") else _DENSE_VARS
        values = [stored[f"{scope}/{v}"] for v in names]
        if layer_name.startswith("midend_") and layer_name.endswith("_conv"):
            values[0] = values[0][:, :, 0, :]  # TF1 (7, width, 1, filters) -> Conv1D (7, width, filters)
        weights[layer_name] = values
    return weights


def load_musicnn(model="MSD_musicnn", n_frames=N_FRAMES):
    """Build the musicnn network in Keras and load the pretrained weights of ``model``.

    For fine-tuning or inspecting the network. genreclf's transformers run the same network and weights in
    NumPy (:func:`musicnn_forward`), without TensorFlow.

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
    weights = musicnn_weights(model)
    net = build_musicnn(n_frames, N_MELS, n_tags=len(musicnn_tags(model)), name=model)
    for layer_name, values in weights.items():
        layer = net.get_layer(layer_name)
        expected = [tuple(w.shape) for w in layer.get_weights()]
        if [v.shape for v in values] != expected:
            raise ValueError(f"weights of layer {layer_name!r} in {musicnn_weights_path(model)} have shapes "
                             f"{[v.shape for v in values]}, but the layer expects {expected}: regenerate them with "
                             "scripts/convert_musicnn_weights.py")
        layer.set_weights(values)
    return net


# -- the same network in NumPy, for inference ------------------------------------------------------------
#: Output frames per block of the temporal convolutions' banded (Toeplitz) weights: each block is one row of a
#: matrix product with 8 x 51 columns instead of 51, for 1.05 times the multiply-adds of a 128-frame filter;
#: measured fastest of 4, 8, 16 and 32 (``benchmarks/bench_musicnn_speed.py`` times the whole network).
_TEMPORAL_BLOCK = 8
#: Mel bands per matrix product of a timbral convolution: its windows (7 x 67 x 8 x 187 float32: 2.8 MB at most)
#: and products (1.2 MB) stay in the caches, and the max over frequency is taken chunk by chunk.
_BAND_CHUNK = 8
#: Time padding of the timbral convolutions (7 frames, ``valid`` after 3 zero frames on each side).
_TIMBRAL_PAD = 3


def _bn_affine(bn, dtype):
    """A batch normalisation in inference mode as ``x * scale + shift`` (TensorFlow's order of operations)."""
    gamma, beta, mean, var = (np.asarray(v, dtype) for v in bn)
    scale = (1 / np.sqrt(var + dtype(_BN_EPSILON))) * gamma
    return scale.astype(dtype), (beta - mean * scale).astype(dtype)


class _NumpyMusicnn:
    """The pretrained network as NumPy arrays, and the forward pass of one patch.

    Every convolution is one matrix product (BLAS ``gemm``) on a copy of its input windows (im2col), in the
    layout that makes that copy a run of whole rows:

    - **timbral** (7 frames x 38 or 67 bands): ``(filters, 7 * bands) @ (7 * bands, positions)``, positions
      ``(band, frame)``, from the transposed input (mel bands x frames);
    - **temporal** (128, 64, 32 frames x 1 band): banded weights, ``(band, block) x (8 + length - 1)`` windows
      times ``(8 + length - 1, 8 * 51)``: 8 output frames per row;
    - **mid end** (7 frames over 561 or 64 channels): ``(64, 7 * channels) @ (7 * channels, frames)``.

    Each front-end convolution is followed by ReLU, batch normalisation and the maximum over frequency. A batch
    normalisation ``s * x + t`` with ``s < 0`` turns the maximum into a minimum, so those filters' weights are
    negated (exactly) and the maximum is taken on the products: ``max_f(s * relu(z) + t) = s * relu(sign * max_f
    (sign * z) + bias) + t`` with ``sign = sign(s)``, over ``(frames, filters)`` instead of ``(frames, bands,
    filters)``. Batch normalisations follow ReLUs, so they cannot be folded into the convolutions' weights.

    One patch is computed by one thread with one BLAS thread, always in the same way, so its outputs do not
    depend on the number of threads, on the other patches of a call, or on ``n_jobs``.
    """

    def __init__(self, model, dtype):
        self.model, self.dtype = model, np.dtype(dtype)
        f = self.dtype.type
        w = {name: [np.asarray(v, f) for v in values] for name, values in musicnn_weights(model).items()}
        self.input_bn = _bn_affine(w["input_bn"], f)
        self.n_mels = N_MELS

        def flipped(label):
            """The kernel as (filters, taps), negated where the batch normalisation's scale is negative."""
            kernel, bias = w[f"{label}_conv"]
            scale, shift = _bn_affine(w[f"{label}_bn"], f)
            sign = np.where(scale < 0, f(-1), f(1))
            return kernel.reshape(-1, kernel.shape[-1]) * sign, sign, bias, scale, shift

        self.timbral = []
        for label in ("timbral_74", "timbral_77"):
            n_time, width = w[f"{label}_conv"][0].shape[:2]
            kernel, sign, bias, scale, shift = flipped(label)
            self.timbral.append((n_time, width, np.ascontiguousarray(kernel.T),
                                 *(v[:, None] for v in (sign, bias, scale, shift))))
        self.temporal = []
        block = _TEMPORAL_BLOCK
        for length in (128, 64, 32):
            kernel, sign, bias, scale, shift = flipped(f"temporal_{length}")
            n_out = kernel.shape[1]
            # banded weights: output frame j of a block reads input frames j .. j + length - 1 of its window
            banded = np.zeros((block + length - 1, block, n_out), f)
            for j in range(block):
                banded[j:j + length, j] = kernel
            self.temporal.append((length, banded.reshape(block + length - 1, block * n_out),
                                  *(v[:, None] for v in (sign, bias, scale, shift))))
        self.max_length = self.temporal[0][0]
        self.midend = []
        for label in ("midend_1", "midend_2", "midend_3"):
            kernel, bias = w[f"{label}_conv"]
            scale, shift = _bn_affine(w[f"{label}_bn"], f)
            n_time = kernel.shape[0]
            self.midend.append((n_time, np.ascontiguousarray(kernel.reshape(-1, kernel.shape[-1]).T),
                                *(v[:, None] for v in (bias, scale, shift))))
        self.n_front = sum(t[2].shape[0] for t in self.timbral) + sum(t[2].shape[0] for t in self.temporal)
        self.n_features = self.n_front + sum(m[1].shape[0] for m in self.midend)
        self.pool_bn = _bn_affine(w["pool_bn"], f)
        self.dense = w["penultimate_dense"]
        self.penultimate_bn = _bn_affine(w["penultimate"], f)
        self.logits = w["logits"]
        self.band_chunk = _BAND_CHUNK
        self._local = threading.local()

    def widths(self):
        """Units of the four outputs: penultimate, mean_pool, max_pool, taggram."""
        return self.dense[0].shape[1], self.n_features, self.n_features, self.logits[0].shape[1]

    def _buffers(self, n_frames):
        """This thread's work arrays for patches of ``n_frames`` frames (allocated once, then reused)."""
        local = self._local
        if getattr(local, "key", None) != (n_frames, self.band_chunk):
            T, F, f = n_frames, self.n_mels, self.dtype
            block = _TEMPORAL_BLOCK
            n_blocks = -(-T // block)
            longest = self.max_length
            bands = [min(self.band_chunk, F - width + 1) for _, width, *_ in self.timbral]
            windows = max([n_time * width * nf * T for (n_time, width, *_), nf in zip(self.timbral, bands)]
                          + [F * n_blocks * (block + length - 1) for length, *_ in self.temporal])
            products = max([k.shape[0] * nf * T for (_, _, k, *_), nf in zip(self.timbral, bands)]
                           + [F * n_blocks * k.shape[1] for _, k, *_ in self.temporal])
            # the input, transposed (bands x frames), with (longest - 1) // 2 zero frames before it and enough
            # after it for the temporal convolutions' last block; the timbral ones read 3 of them on each side
            local.spec = np.zeros((F, (longest - 1) // 2 + n_blocks * block + longest // 2 + 1), f)
            local.windows = np.empty(windows, f)
            local.products = np.empty(products, f)
            # every feature of the front and mid end (channels x frames), 3 zero frames on each side
            local.features = np.zeros((self.n_features, T + 2 * _TIMBRAL_PAD), f)
            inputs = [self.n_front] + [kernel.shape[0] for _, kernel, *_ in self.midend[:-1]]
            local.mid_windows = np.empty(max(n_time * width * T for (n_time, *_), width in zip(self.midend, inputs)),
                                         f)
            local.mid_products = np.empty((self.midend[0][1].shape[0], T), f)
            local.key = (n_frames, self.band_chunk)
        return local

    def patch(self, x, outputs, i):
        """The four outputs of patch ``x`` ``(n_frames, n_mels)``, written into row ``i`` of ``outputs``."""
        T, F = x.shape
        b = self._buffers(T)
        item = self.dtype.itemsize
        lead = (self.max_length - 1) // 2
        spec = b.spec
        row = spec.strides[0]
        scale, shift = self.input_bn
        xin = spec[:, lead:lead + T]
        np.multiply(x.T, scale, out=xin)
        xin += shift
        feats = b.features
        P = _TIMBRAL_PAD
        col = 0
        for n_time, width, kernel, sign, bias, s, t in self.timbral:
            n_bands = F - width + 1
            n_out = kernel.shape[0]
            top = None
            chunk = self.band_chunk
            for f0 in range(0, n_bands, chunk):
                nf = min(chunk, n_bands - f0)
                # windows[dt, df, f, t] = spec[f0 + f + df, t + dt] (time padded by P): rows of the input
                view = as_strided(spec[f0:, lead - P:], shape=(n_time, width, nf, T), strides=(item, row, row, item),
                                  writeable=False)
                windows = b.windows[:view.size].reshape(view.shape)
                np.copyto(windows, view)
                z = b.products[:n_out * nf * T].reshape(n_out, nf * T)
                np.matmul(kernel, windows.reshape(n_time * width, nf * T), out=z)
                if top is None:
                    top = z.reshape(n_out, nf, T).max(axis=1)  # (filters, frames)
                else:
                    np.maximum(top, z.reshape(n_out, nf, T).max(axis=1), out=top)
            self._activate(top, sign, bias, s, t)
            feats[col:col + n_out, P:P + T] = top
            col += n_out
        block = _TEMPORAL_BLOCK
        n_blocks = -(-T // block)
        for length, banded, sign, bias, s, t in self.temporal:
            k = block + length - 1
            # windows[f, blk, j] = spec[f, blk * block + j + lead - (length - 1) // 2]
            view = as_strided(spec[:, lead - (length - 1) // 2:], shape=(F, n_blocks, k),
                              strides=(row, block * item, item), writeable=False)
            windows = b.windows[:view.size].reshape(view.shape)
            np.copyto(windows, view)
            n_out = banded.shape[1] // block
            z = b.products[:F * n_blocks * banded.shape[1]].reshape(F * n_blocks, banded.shape[1])
            np.matmul(windows.reshape(F * n_blocks, k), banded, out=z)
            top = z.reshape(F, n_blocks * block * n_out).max(axis=0).reshape(n_blocks * block, n_out)
            top = np.ascontiguousarray(top[:T].T)  # (filters, frames)
            self._activate(top, sign, bias, s, t)
            feats[col:col + n_out, P:P + T] = top
            col += n_out
        src, width = 0, self.n_front
        for k, (n_time, kernel, bias, s, t) in enumerate(self.midend):
            # windows[dt, c, t] = features[src + c, t + dt]: the source padded by P zero frames
            view = as_strided(feats[src:], shape=(n_time, width, T), strides=(item, feats.strides[0], item),
                              writeable=False)
            windows = b.mid_windows[:view.size].reshape(n_time * width, T)
            np.copyto(windows.reshape(view.shape), view)
            n_out = kernel.shape[0]
            z = b.mid_products[:n_out]
            np.matmul(kernel, windows, out=z)
            z += bias
            np.maximum(z, 0, out=z)
            z *= s
            z += t
            if k > 0:  # residual
                z += feats[src:src + width, P:P + T]
            feats[col:col + n_out, P:P + T] = z
            src, width = col, n_out
            col += n_out
        inner = feats[:, P:P + T]
        max_pool = inner.max(axis=1)
        mean_pool = inner.mean(axis=1, dtype=np.float64).astype(self.dtype)
        # back end: [max_0, mean_0, max_1, mean_1, ...], as the original flattens its pooled pairs
        pooled = np.stack([max_pool, mean_pool], axis=1).reshape(-1)
        scale, shift = self.pool_bn
        pooled = pooled * scale + shift
        kernel, bias = self.dense
        h = pooled @ kernel + bias
        np.maximum(h, 0, out=h)
        scale, shift = self.penultimate_bn
        penultimate = h * scale + shift
        kernel, bias = self.logits
        outputs[0][i] = penultimate
        outputs[1][i] = mean_pool
        outputs[2][i] = max_pool
        outputs[3][i] = special.expit(penultimate @ kernel + bias)

    @staticmethod
    def _activate(top, sign, bias, scale, shift):
        """ReLU and batch normalisation of the maxima of sign-flipped filters, in place."""
        top *= sign
        top += bias
        np.maximum(top, 0, out=top)
        top *= scale
        top += shift


_FORWARD = {}
_FORWARD_LOCK = threading.Lock()
_POOL = None
_POOL_LOCK = threading.Lock()


def _numpy_network(model, dtype):
    """The NumPy network of ``model``, prepared once per process and dtype."""
    key = (model, np.dtype(dtype).name)
    with _FORWARD_LOCK:
        if key not in _FORWARD:
            _FORWARD[key] = _NumpyMusicnn(model, dtype)
        return _FORWARD[key]


def _threads(n_threads):
    """How many threads run patches: ``n_threads``, or what BLAS would start in this process.

    That is ``OMP_NUM_THREADS`` (or ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``) when set, which joblib's
    worker processes get as ``cpu_count // n_jobs``, else every CPU this process may use (affinity and cgroup
    quotas, as ``joblib.cpu_count()`` counts them).
    """
    if n_threads is not None:
        if not (isinstance(n_threads, (int, np.integer)) and n_threads > 0):
            raise ValueError(f"n_threads={n_threads!r} must be a positive int or None")
        return int(n_threads)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(var, "").split(",")[0].strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    import joblib

    return max(1, joblib.cpu_count())


def _pool(n_threads):
    """This process's thread pool for patches (rebuilt after a fork, or to grow)."""
    global _POOL
    with _POOL_LOCK:
        pid, pool, size = _POOL or (None, None, 0)
        if pid != os.getpid() or size < n_threads:
            if pool is not None and pid == os.getpid():
                pool.shutdown(wait=False)
            pool = ThreadPoolExecutor(max_workers=n_threads, thread_name_prefix="genreclf-musicnn")
            _POOL = (os.getpid(), pool, n_threads)
        return pool


def musicnn_forward(patches, model="MSD_musicnn", *, n_threads=None, dtype=np.float32):
    """Run the pretrained musicnn network on log-mel patches, in NumPy (no TensorFlow).

    The same network and weights as :func:`load_musicnn` (equal to float32 rounding, tested), computed as BLAS
    matrix products: every patch on one thread with one BLAS thread, patches spread over ``n_threads``
    threads. A patch's outputs are the same bits whatever the number of threads or the other patches.

    Parameters
    ----------
    patches : np.ndarray [shape=(n_patches, n_frames, 96)]
        Log-mel patches, as :func:`genreclf.features.musicnn.musicnn_patches` makes them (187 frames = 3 s,
        what the models were trained on; any ``n_frames >= 1`` runs).
    model : {"MSD_musicnn", "MTT_musicnn"}
    n_threads : int > 0 or None
        Threads that run patches. ``None``: the threads BLAS would use in this process, i.e.
        ``OMP_NUM_THREADS`` when set (joblib sets it to ``cpu_count // n_jobs`` in its worker processes), else
        every available CPU.
    dtype : {np.float32, np.float64}
        float64 evaluates the network (nearly) exactly, to measure float32's rounding; about twice as slow.

    Returns
    -------
    penultimate, mean_pool, max_pool, taggram : np.ndarray of ``dtype``
        ``(n_patches, 200)``, ``(n_patches, 753)`` twice and ``(n_patches, 50)``, as the outputs of
        :func:`build_musicnn`.

    Examples
    --------
    >>> import numpy as np
    >>> patches = np.zeros((2, 187, 96), np.float32)
    >>> [o.shape for o in musicnn_forward(patches)]
    [(2, 200), (2, 753), (2, 753), (2, 50)]
    """
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise ValueError(f"dtype={dtype!r} is not supported: use np.float32 or np.float64")
    net = _numpy_network(model, dtype)  # an unknown model raises ValueError
    patches = np.asarray(patches)
    if patches.ndim != 3 or patches.shape[2] != net.n_mels or patches.shape[1] < 1:
        raise ValueError(f"patches of shape {patches.shape} given: expected (n_patches, n_frames, {net.n_mels}) "
                         "log-mel patches (see musicnn_patches)")
    patches = np.ascontiguousarray(patches, dtype=net.dtype)
    n = len(patches)
    outputs = [np.empty((n, width), net.dtype) for width in net.widths()]
    threads = min(_threads(n_threads), n)
    from ..features.base import _one_thread

    with _one_thread():  # one BLAS thread per patch: parallelism comes from the patches
        if threads <= 1:
            for i in range(n):
                net.patch(patches[i], outputs, i)
        else:
            list(_pool(threads).map(lambda i: net.patch(patches[i], outputs, i), range(n)))
    return tuple(outputs)
