"""Pretrained musicnn embeddings and tags as scikit-learn transformers (paths or 16 kHz signals in).

musicnn (Pons & Serra, 2019; ISC license) is a family of convolutional networks trained to tag music with 50
tags, on the Million Song Dataset (``MSD_musicnn``) or MagnaTagATune (``MTT_musicnn``). Its inner layers are
general-purpose music descriptors: a linear classifier on the 200-unit ``penultimate`` layer beats every
hand-crafted GTZAN feature set on artist-filtered splits. Their weights ship with genreclf, so everything works
offline, and the networks run in NumPy (:func:`genreclf.models.musicnn_network.musicnn_forward`: float32 BLAS
matrix products, no TensorFlow); a Keras 3 rebuild of them is there for fine-tuning.

The input is the musicnn log-mel spectrogram: librosa mel power spectrogram at 16 kHz (``n_fft=512``,
``hop_length=256``, 96 bands), ``log10(10000 * mel + 1)``, cut into 3-second patches of 187 frames, one every
187 frames; the network runs on every patch (all patches of a clip in one batch) and its outputs are pooled
over the clip. One difference from musicnn 0.1.0, on purpose: musicnn casts the mel spectrogram to float16
before ``10000 * mel``, which overflows to ``inf`` on loud clips (436 of 471 GTZAN clips); here that step
runs in float32. musicnn 0.1.0's extractor also returns, for every patch after the first, the *first*
patch's ``penultimate`` values (a stale variable in its batching loop); here every patch has its own.

Each process prepares each model's weights once (a few milliseconds), so ``n_jobs`` workers and repeated
``transform`` calls pay that once. With ``n_jobs=None`` the network runs each clip's patches on every CPU (one
BLAS thread per patch); in joblib's worker processes, on ``cpu_count // n_jobs`` threads each. The outputs are
the same bits either way.
"""
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._deprecation import DEPRECATED, deprecate_positional_args, renamed_param
from ..audio import AudioLoadError
from ..models.musicnn_network import (
    MUSICNN_HOP_LENGTH,
    MUSICNN_LAYERS,
    MUSICNN_MODELS,
    MUSICNN_N_FFT,
    MUSICNN_SR,
    N_FRAMES,
    N_MELS,
    musicnn_forward,
    musicnn_tags,
)
from .base import BaseAudioTransformer
from .frames import STATISTICS, check_summary, statistic_names

__all__ = ["MusicnnEmbedding", "MusicnnTagger", "musicnn_patches"]

_TAILS = ("drop", "pad")


def musicnn_patches(y, *, tail="drop"):
    """The musicnn input of one 16 kHz signal: log-mel patches of 3 s.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Mono signal at 16 kHz.
    tail : {"drop", "pad"}
        What to do with the last frames that do not fill a patch: drop them (musicnn's behaviour), or
        zero-pad them into one more patch (0 is silence in this log scale). With ``"pad"`` a clip shorter
        than 3 s gives one padded patch.

    Returns
    -------
    np.ndarray [shape=(n_patches, 187, 96)], float32
        ``log10(10000 * mel + 1)`` computed in float32 (musicnn 0.1.0 overflows in float16 here).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).normal(scale=0.1, size=10 * 16000).astype(np.float32)
    >>> musicnn_patches(y).shape
    (3, 187, 96)
    >>> musicnn_patches(y, tail="pad").shape
    (4, 187, 96)
    """
    import librosa

    mel = librosa.feature.melspectrogram(y=np.asarray(y, dtype=np.float32), sr=MUSICNN_SR, n_fft=MUSICNN_N_FFT,
                                         hop_length=MUSICNN_HOP_LENGTH, n_mels=N_MELS)
    rep = np.log10(np.float32(10000) * mel.astype(np.float32, copy=False).T + np.float32(1))
    n_full = rep.shape[0] // N_FRAMES if rep.shape[0] >= N_FRAMES else 0
    rest = rep.shape[0] - n_full * N_FRAMES
    n = n_full + (1 if tail == "pad" and rest > 0 else 0)
    out = np.zeros((n, N_FRAMES, N_MELS), dtype=np.float32)
    out[:n_full] = rep[:n_full * N_FRAMES].reshape(n_full, N_FRAMES, N_MELS)
    if n > n_full:
        out[n_full, :rest] = rep[n_full * N_FRAMES:]
    return out


class MusicnnEmbedding(BaseAudioTransformer):
    """Pretrained musicnn embeddings of each clip: a layer of the network, pooled over 3 s patches.

    Clips are decoded and resampled to 16 kHz, turned into log-mel patches of 3 s (see
    :func:`musicnn_patches`), run through the pretrained network in one batch per clip, and every unit of the
    chosen layer(s) is summarised over the clip's patches (by default its mean and standard deviation).

    The default, ``layer="penultimate+mean_pool+max_pool", summary="mean_std"`` (3,412 columns), was chosen
    on development data only: on the train -> valid clips of the artist-filtered split (78 -> 59 real GTZAN
    clips), it had the highest accuracy averaged over a logistic regression and a linear SVC of 90 configurations
    (two models x nine layer sets x five summaries): 60.2% (59.3% and 61.0%), against 54.2% for the earlier
    default ``layer="penultimate", summary="mean"`` (200 columns). On 59 valid clips the difference is not
    significant (logistic regression: 4 clips won, 1 lost, McNemar p = 0.38, bootstrap 95% interval -1.7 to
    +13.6 points); the rule was "best mean accuracy, ties to fewer columns". Printed by
    ``python benchmarks/bench_musicnn_layers.py --cache DIR``; the earlier default stays one parameter away.

    Parameters
    ----------
    model : {"MSD_musicnn", "MTT_musicnn"}
        Network weights: trained on the Million Song Dataset (MSD, 50 Last.fm tags) or MagnaTagATune
        (MTT, 50 tags). MSD is the larger and more general one.
    layer : str, default="penultimate+mean_pool+max_pool"
        Output: the 200-unit ``penultimate`` dense layer, the 753 mid-end features averaged (``mean_pool``)
        or maxed (``max_pool``) over the frames of a patch, the 50 tag probabilities (``taggram``, see
        :class:`MusicnnTagger`), or several of them joined by ``+`` (their columns side by side, in that
        order). ``"penultimate"`` was the default before 0.2.
    summary : str or tuple of str, default="mean_std"
        Statistics of every unit over a clip's patches, from ``mean, var, std, min, max, median`` (e.g.
        ``"mean_std"``), as for every ``summary`` of genreclf. With one statistic the columns are named after
        the units; with several, ``_mean``, ``_std``... are appended. ``"mean"`` was the default before 0.2.
    tail : {"drop", "pad"}
        Frames after the last full patch: dropped (musicnn's default, so results match it) or zero-padded
        into one more patch (then clips shorter than 3 s work too).
    batch_size : int > 0
        Most patches per network call (a 30 s clip has 10); bounds the memory of the outputs on long recordings.
        It does not change them: every patch is computed on its own.
    input : {"auto", "filename", "array"}
        What an element of ``X`` is: a path, or a signal **at 16 kHz** (resample other signals first,
        e.g. with ``librosa.resample``).
    offset : float >= 0
        Seconds skipped at the start of each clip.
    duration : float > 0 or None
        Pad with zeros or trim every clip to this many seconds; ``None`` uses each clip whole.
    n_jobs, memory, on_error, verbose
        As for every genreclf feature transformer (:class:`~genreclf.features.base.BaseAudioTransformer`).
        A clip that gives no full patch (shorter than 2.98 s with ``tail="drop"``) is an unusable clip.
    pooling : {"mean", "mean_std"}
        Deprecated since 0.2: the old name of ``summary``.

    Attributes
    ----------
    sr : int
        16000, fixed: the rate the models were trained at.

    See Also
    --------
    MusicnnTagger : the 50 tag probabilities, named by their tags.
    genreclf.models.musicnn_network.musicnn_forward : the network in NumPy, on log-mel patches.
    genreclf.models.musicnn_network.load_musicnn : the same network in Keras, for fine-tuning.

    Notes
    -----
    Weights: musicnn 0.1.0 by Jordi Pons and Xavier Serra, Music Technology Group, Universitat Pompeu
    Fabra, ISC license (``genreclf/data/musicnn/LICENSE``). Outputs match the original code to float32 rounding
    (``benchmarks/bench_musicnn.py``, per-clip means on 46 real clips: within 1e-5 for ``penultimate``,
    ``mean_pool`` and ``taggram``; 1.6e-4 for ``max_pool``, whose values reach 170 and whose float32 result in
    the original code is itself 2.1e-4 from a float64 evaluation), except for two fixes: the float16 overflow of
    its log-mel step, and its per-patch ``penultimate`` values, which repeat the first patch's.

    Speed: the network runs in NumPy, at about the float32 speed of NumPy's BLAS (``benchmarks/
    bench_musicnn_speed.py``); TensorFlow is not imported. With ``n_jobs=None`` the patches of each clip are
    spread over the CPUs (as many threads as BLAS would start: ``OMP_NUM_THREADS`` when set, else every CPU),
    one BLAS thread per patch, so the rows are the same bits for any ``n_jobs``.

    Examples
    --------
    >>> import numpy as np
    >>> from genreclf.features.musicnn import MusicnnEmbedding
    >>> t = np.arange(4 * 16000) / 16000
    >>> y = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)   # 4 s at 16 kHz: one patch
    >>> emb = MusicnnEmbedding()
    >>> emb.fit_transform([y]).shape
    (1, 3412)
    >>> names = emb.get_feature_names_out()
    >>> names[:2].tolist(), names[-1]
    (['musicnn_penultimate_1_mean', 'musicnn_penultimate_1_std'], 'musicnn_max_pool_753_std')
    >>> MusicnnEmbedding(layer="penultimate", summary="mean").fit_transform([y]).shape   # the earlier default
    (1, 200)
    """

    #: The models' sample rate; not a parameter (the networks only know 16 kHz).
    sr = MUSICNN_SR
    #: The network runs a clip's patches on every CPU already (``musicnn_forward``): a benchmark does not give it
    #: parallel clips.
    _runs_own_threads = True

    @deprecate_positional_args
    def __init__(self, model="MSD_musicnn", *, layer="penultimate+mean_pool+max_pool", summary="mean_std", tail="drop",
                 batch_size=32, input="auto", offset=0.0, duration=None, n_jobs=None, memory=None, on_error="raise",
                 verbose=0, pooling=DEPRECATED):
        self.model = model
        self.layer = layer
        self.summary = summary
        self.tail = tail
        self.batch_size = batch_size
        self.input = input
        self.offset = offset
        self.duration = duration
        self.n_jobs = n_jobs
        self.memory = memory
        self.on_error = on_error
        self.verbose = verbose
        self.pooling = pooling

    def _summary(self, warn=False):
        return check_summary(renamed_param(self, "pooling", "summary", warn=warn))

    #: The common parameters of the audio transformers, but ``sr`` (the network reads 16 kHz), and musicnn's own.
    _parameter_constraints = {
        **{k: v for k, v in BaseAudioTransformer._parameter_constraints.items() if k != "sr"},
        "model": [StrOptions(set(MUSICNN_MODELS))],
        "layer": "no_validation",  # _layers names the layers and their combinations
        "summary": "no_validation",  # check_summary names the statistics
        "tail": [StrOptions(set(_TAILS))],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "pooling": "no_validation",  # deprecated: renamed_param says so
    }

    def _check_params(self):
        super()._check_params()
        self._layers()
        self._summary(warn=True)

    def _min_samples(self):
        return MUSICNN_N_FFT

    def _layers(self):
        """The chosen layers, in order: ``"penultimate+max_pool"`` -> ``["penultimate", "max_pool"]``."""
        layers = self.layer.split("+") if isinstance(self.layer, str) else []
        if not layers or any(name not in MUSICNN_LAYERS for name in layers) or len(set(layers)) < len(layers):
            raise ValueError(f"layer={self.layer!r} is not valid: use one of {list(MUSICNN_LAYERS)}, or several "
                             "joined by '+' (each once), e.g. 'penultimate+mean_pool+max_pool'")
        return layers

    def _patch_outputs(self, patches):
        """The chosen layers for every patch, side by side: ``(n_patches, n_units)`` float32."""
        index = [list(MUSICNN_LAYERS).index(name) for name in self._layers()]
        parts = []
        for i in range(0, len(patches), self.batch_size):
            outputs = musicnn_forward(patches[i:i + self.batch_size], self.model)
            parts.append(np.concatenate([outputs[k] for k in index], axis=1))
        return np.concatenate(parts, axis=0)

    def _extract(self, y):
        patches = musicnn_patches(y, tail=self.tail)
        if len(patches) == 0:
            raise AudioLoadError(f"{len(y)} samples ({len(y) / MUSICNN_SR:.2f} s at 16 kHz) do not fill one musicnn "
                                 f"patch of 3 s ({(N_FRAMES - 1) * MUSICNN_HOP_LENGTH} samples); pass tail='pad' to "
                                 "zero-pad short clips into one patch")
        out = self._patch_outputs(patches)
        # in float32, as the network computes (frame_statistics works in float64); coefficient-major like it:
        # unit1_mean, unit1_std, unit2_mean...
        stats = [STATISTICS[name](out) for name in self._summary()]
        return np.stack(stats, axis=1).reshape(-1).astype(np.float32, copy=False)

    def _unit_names(self):
        names = []
        for layer in self._layers():
            if layer == "taggram":
                names += musicnn_tags(self.model)
            else:
                names += [f"musicnn_{layer}_{i + 1}" for i in range(MUSICNN_LAYERS[layer])]
        return names

    def _coef_names(self):
        units, summary = self._unit_names(), self._summary()
        if len(summary) == 1:
            return units
        return statistic_names(units, summary)

    def _compile_kernels(self):
        # nothing to compile: the log-mel spectrogram uses no numba kernel, and a probe would build the network
        # in the parent process, which the workers do not share
        pass

    def _nan_shape(self):
        # known without running the network (used when every clip of a batch failed and on_error="nan")
        return (len(self._coef_names()),), np.dtype(np.float32)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        ``musicnn_penultimate_1`` ... ``musicnn_max_pool_753``, layer after layer (``_mean``/``_std``
        suffixes with several statistics, as by default); the tag names for ``layer="taggram"``.
        ``input_features`` is ignored: the inputs are clips.
        """
        self._check_params()
        return np.asarray(self._coef_names(), dtype=object)


class MusicnnTagger(MusicnnEmbedding):
    """The 50 musicnn tag probabilities of each clip, averaged over its 3 s patches.

    ``MusicnnEmbedding(layer="taggram")`` with the tags as feature names (``"rock"``, ``"jazz"``,
    ``"female vocalists"``...). Useful to look at a collection (which tags fire on which genre) and as a
    compact 50-dimensional feature set. Parameters as for :class:`MusicnnEmbedding`, without ``layer``.

    Examples
    --------
    >>> import numpy as np
    >>> from genreclf.features.musicnn import MusicnnTagger
    >>> y = np.random.default_rng(0).normal(scale=0.1, size=4 * 16000).astype(np.float32)
    >>> tagger = MusicnnTagger().set_output(transform="pandas")
    >>> tags = tagger.fit_transform([y])
    >>> tags.shape, tags.columns[:3].tolist()
    ((1, 50), ['rock', 'pop', 'alternative'])
    >>> bool(((tags >= 0) & (tags <= 1)).all(axis=None))
    True
    """

    #: Always the tag probabilities (a class attribute, not a parameter).
    layer = "taggram"

    _parameter_constraints = {k: v for k, v in MusicnnEmbedding._parameter_constraints.items() if k != "layer"}

    @deprecate_positional_args
    def __init__(self, model="MSD_musicnn", *, summary="mean", tail="drop", batch_size=32, input="auto",
                 offset=0.0, duration=None, n_jobs=None, memory=None, on_error="raise", verbose=0,
                 pooling=DEPRECATED):
        self.model = model
        self.summary = summary
        self.tail = tail
        self.batch_size = batch_size
        self.input = input
        self.offset = offset
        self.duration = duration
        self.n_jobs = n_jobs
        self.memory = memory
        self.on_error = on_error
        self.verbose = verbose
        self.pooling = pooling
