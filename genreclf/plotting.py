"""Plots: every picture of the seed notebooks in one call.

Three families, each function drawing on an ``ax`` (or, for multi-panel views, a ``fig``) that it creates
when none is given, and returning the matplotlib :class:`~matplotlib.axes.Axes` (or
:class:`~matplotlib.figure.Figure`) it drew on, so a plot can be restyled, combined or saved:

- signal views of one clip: :func:`plot_waveform`, :func:`plot_spectrum`, :func:`plot_spectrogram`,
  :func:`plot_mel_spectrogram`, :func:`plot_mfcc`, :func:`plot_chroma`, and :func:`plot_clip`, a panel of
  them with the genre a fitted model predicts for the clip;
- data views of a feature table: :func:`plot_pca`, :func:`plot_tempo_by_genre`, :func:`plot_class_distribution`;
- model views: :func:`plot_confusion_matrix`, :func:`plot_history`, :func:`plot_per_class_scores`,
  :func:`plot_leaderboard`.

matplotlib is an optional dependency (``pip install genreclf[plots]``): it is imported inside the functions,
so ``import genreclf.plotting`` costs nothing and never loads it.
"""
import os
from collections.abc import Mapping

import numpy as np

from ._defaults import HOP_LENGTH, N_FFT, SR

__all__ = ["plot_waveform", "plot_spectrum", "plot_spectrogram", "plot_mel_spectrogram", "plot_mfcc",
           "plot_chroma", "plot_clip", "plot_pca", "plot_tempo_by_genre", "plot_class_distribution",
           "plot_confusion_matrix", "plot_history", "plot_per_class_scores", "plot_leaderboard"]


# ---------------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------------
def _pyplot(caller):
    """Import pyplot, or raise an ImportError that names the caller and the fix (sklearn's
    ``check_matplotlib_support``)."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError(f"{caller} requires matplotlib: pip install genreclf[plots] "
                          f"(or pip install matplotlib)") from err
    return plt


def _axes(ax, caller, figsize=(8, 4)):
    """Return ``ax``, checked, or a new Axes on a new figure."""
    plt = _pyplot(caller)
    from matplotlib.axes import Axes

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
        return ax
    if not isinstance(ax, Axes):
        raise TypeError(f"{caller}: ax={ax!r} is not a matplotlib Axes; pass one Axes (e.g. from "
                        f"plt.subplots()) or ax=None for a new figure")
    return ax


def _figure(fig, caller, figsize):
    """Return ``fig``, checked to be an empty Figure, or a new one."""
    plt = _pyplot(caller)
    from matplotlib.figure import Figure, SubFigure

    if fig is None:
        return plt.figure(figsize=figsize, layout="constrained")
    if not isinstance(fig, (Figure, SubFigure)):
        raise TypeError(f"{caller}: fig={fig!r} is not a matplotlib Figure; pass an empty Figure "
                        f"(e.g. plt.figure()) or fig=None for a new one")
    if fig.axes:
        raise ValueError(f"{caller}: fig already holds {len(fig.axes)} Axes; pass an empty Figure "
                         f"(or a SubFigure) since this function lays out its own panels")
    return fig


def _signal(y, sr, caller, duration=None):
    """A path or an array → (1-D float32 signal, sr). Channels are averaged."""
    from .audio import load_audio

    if isinstance(y, (str, os.PathLike)):
        y, sr = load_audio(y, sr=sr, duration=duration)
    else:
        if sr is None:
            raise ValueError(f"{caller}: sr=None is only valid for a path (the file's own rate); "
                             f"give the sample rate of the array, e.g. sr=22050")
        y = np.asarray(y)
        if y.ndim not in (1, 2):
            raise ValueError(f"{caller}: expected one signal, a 1-D array (or channels-first 2-D array), got "
                             f"an array of shape {y.shape}; plot one clip at a time, e.g. X[0]")
        y, sr = load_audio(y, sr=sr, duration=duration)
    if y.size == 0:
        raise ValueError(f"{caller}: the signal is empty (0 samples)")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{caller}: the signal has {int(np.sum(~np.isfinite(y)))} NaN or infinite sample(s)")
    return y, sr


def _colorbar(ax, mappable, fmt=None, label=None):
    cbar = ax.figure.colorbar(mappable, ax=ax, format=fmt)
    if label:
        cbar.set_label(label)
    return cbar


def _labels(y, caller, name="y"):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{caller}: {name} must be 1-D (one label per clip), got shape {y.shape}")
    if y.size == 0:
        raise ValueError(f"{caller}: {name} is empty")
    return y


def _classes(y, order, caller, name="order"):
    """Classes to show, in ``order`` if given (must cover every label), else sorted (the GTZAN order)."""
    present = np.unique(y)
    if order is None:
        return list(present)
    order = list(order)
    missing = sorted(set(present.tolist()) - set(order))
    if missing:
        raise ValueError(f"{caller}: {name}={order!r} lacks the labels {missing} found in y; list every class")
    return order


def _colors(n):
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


# ---------------------------------------------------------------------------------------------------------------
# signal views
# ---------------------------------------------------------------------------------------------------------------
def plot_waveform(y, *, sr=SR, max_points=11025, ax=None, **kwargs):
    """Plot the waveform (amplitude over time) of one clip.

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (n_channels, n)] or str or os.PathLike
        A signal at ``sr`` Hz (channels are averaged), or a path to an audio file, which is loaded by
        :func:`genreclf.audio.load_audio` at ``sr`` Hz (``sr=None`` keeps the file's rate).
    sr : int > 0
        Sample rate.
    max_points : int > 0
        A signal longer than this is drawn as its envelope (the min and max of each of ``max_points // 2``
        blocks, filled), as :func:`librosa.display.waveshow` does; shorter ones as a line of every sample.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` or :meth:`~matplotlib.axes.Axes.fill_between`
        (e.g. ``color``, ``alpha``).

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from genreclf.plotting import plot_waveform
    >>> y = 0.5 * np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    >>> ax = plot_waveform(y, sr=22050)
    >>> ax.get_title(), ax.get_xlabel(), [float(t) for t in ax.get_xlim()]
    ('Waveform', 'Time (s)', [0.0, 1.0])
    """
    caller = "plot_waveform"
    if not (isinstance(max_points, (int, np.integer)) and max_points > 1):
        raise ValueError(f"{caller}: max_points={max_points!r} must be an integer > 1")
    ax = _axes(ax, caller, figsize=(10, 3))
    y, sr = _signal(y, sr, caller)
    n = y.shape[-1]
    if n <= max_points:
        ax.plot(np.arange(n) / sr, y, **{"linewidth": 0.8, **kwargs})
    else:  # envelope: min/max of each block (a static picture; no redraw callbacks)
        n_blocks = max_points // 2
        block = int(np.ceil(n / n_blocks))
        padded = np.pad(y, (0, block * n_blocks - n), mode="edge").reshape(n_blocks, block)
        times = (np.arange(n_blocks) + 0.5) * block / sr
        ax.fill_between(times, padded.min(axis=1), padded.max(axis=1), **{"linewidth": 0.5, **kwargs})
    ax.set_xlim(0, n / sr)
    ax.set(title="Waveform", xlabel="Time (s)", ylabel="Amplitude")
    return ax


def plot_spectrum(y, *, sr=SR, scale="linear", fmax=None, ax=None, max_points=20000):
    """Plot the magnitude spectrum (FFT of the whole clip) against frequency.

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (n_channels, n)] or str or os.PathLike
        A signal at ``sr`` Hz, or a path to an audio file.
    sr : int > 0
        Sample rate.
    scale : {"linear", "db"}
        Magnitude axis: linear ``|FFT|`` (as the seed notebooks) or decibels relative to the peak.
    fmax : float > 0 or None
        Highest frequency shown; default ``sr / 2``.
    ax : matplotlib.axes.Axes, optional
    max_points : int > 0
        A long clip has hundreds of thousands of FFT bins: above ``max_points`` they are reduced to
        ``max_points`` blocks keeping each block's peak, which looks the same and draws much faster.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from genreclf.plotting import plot_spectrum
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    >>> ax = plot_spectrum(y, sr=22050)
    >>> freqs, mag = ax.lines[0].get_data()
    >>> round(float(freqs[np.argmax(mag)]))
    440
    """
    caller = "plot_spectrum"
    if scale not in ("linear", "db"):
        raise ValueError(f"{caller}: scale={scale!r} is not valid: use 'linear' or 'db'")
    if fmax is not None and not fmax > 0:
        raise ValueError(f"{caller}: fmax={fmax!r} must be a positive frequency in Hz or None")
    if not (isinstance(max_points, (int, np.integer)) and max_points > 0):
        raise ValueError(f"{caller}: max_points={max_points!r} must be a positive integer")
    ax = _axes(ax, caller)
    y, sr = _signal(y, sr, caller)
    mag = np.abs(np.fft.rfft(y))
    freqs = np.fft.rfftfreq(y.shape[-1], d=1.0 / sr)
    if mag.size > max_points:  # peak of each block: same picture, far fewer vertices
        block = int(np.ceil(mag.size / max_points))
        n = mag.size // block * block
        blocks = mag[:n].reshape(-1, block)
        peak = blocks.argmax(axis=1) + np.arange(blocks.shape[0]) * block
        mag, freqs = mag[peak], freqs[peak]
    if scale == "db":
        import librosa

        mag = librosa.amplitude_to_db(mag, ref=np.max)
        ylabel = "Magnitude (dB)"
    else:
        ylabel = "Magnitude"
    ax.plot(freqs, mag, linewidth=0.8)
    ax.set_xlim(0, fmax if fmax is not None else sr / 2)
    ax.set(title="Magnitude spectrum", xlabel="Frequency (Hz)", ylabel=ylabel)
    return ax


def plot_spectrogram(y, *, sr=SR, n_fft=N_FFT, hop_length=HOP_LENGTH, y_axis="log", colorbar=True, ax=None,
                     cmap="magma"):
    """Plot the log-amplitude STFT spectrogram (dB relative to the peak) with :func:`librosa.display.specshow`.

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (n_channels, n)] or str or os.PathLike
        A signal at ``sr`` Hz, or a path to an audio file.
    sr : int > 0
    n_fft, hop_length : int > 0
        STFT window and hop (librosa's and the GTZAN tables' defaults).
    y_axis : {"log", "linear", "hz"}
        Frequency axis scale.
    colorbar : bool
        Add a colorbar in dB.
    ax : matplotlib.axes.Axes, optional
    cmap : str

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from genreclf.plotting import plot_spectrogram
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    >>> ax = plot_spectrogram(y, sr=22050)
    >>> ax.get_title(), len(ax.figure.axes)  # the spectrogram and its colorbar
    ('Spectrogram (log amplitude)', 2)
    """
    caller = "plot_spectrogram"
    if y_axis not in ("log", "linear", "hz"):
        raise ValueError(f"{caller}: y_axis={y_axis!r} is not valid: use 'log', 'linear' or 'hz'")
    ax = _axes(ax, caller)
    y, sr = _signal(y, sr, caller)
    import librosa
    import librosa.display

    S = librosa.amplitude_to_db(np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop_length)), ref=np.max)
    img = librosa.display.specshow(S, sr=sr, n_fft=n_fft, hop_length=hop_length, x_axis="s", y_axis=y_axis,
                                   ax=ax, cmap=cmap)
    if colorbar:
        _colorbar(ax, img, "%+2.0f dB")
    ax.set(title="Spectrogram (log amplitude)", xlabel="Time (s)", ylabel="Frequency (Hz)")
    return ax


def plot_mel_spectrogram(y, *, sr=SR, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=128, fmax=None, colorbar=True,
                         ax=None, cmap="magma"):
    """Plot the mel spectrogram in dB (power relative to the peak).

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (n_channels, n)] or str or os.PathLike
        A signal at ``sr`` Hz, or a path to an audio file.
    sr : int > 0
    n_fft, hop_length : int > 0
    n_mels : int > 0
        Number of mel bands.
    fmax : float > 0 or None
        Highest mel band edge; default ``sr / 2``.
    colorbar : bool
    ax : matplotlib.axes.Axes, optional
    cmap : str

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from genreclf.plotting import plot_mel_spectrogram
    >>> y = np.random.default_rng(0).normal(size=22050)
    >>> plot_mel_spectrogram(y, sr=22050, n_mels=64).get_ylabel()
    'Frequency (Hz, mel scale)'
    """
    caller = "plot_mel_spectrogram"
    ax = _axes(ax, caller)
    y, sr = _signal(y, sr, caller)
    import librosa
    import librosa.display

    M = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, fmax=fmax)
    img = librosa.display.specshow(librosa.power_to_db(M, ref=np.max), sr=sr, hop_length=hop_length, x_axis="s",
                                   y_axis="mel", fmax=fmax, ax=ax, cmap=cmap)
    if colorbar:
        _colorbar(ax, img, "%+2.0f dB")
    ax.set(title="Mel spectrogram", xlabel="Time (s)", ylabel="Frequency (Hz, mel scale)")
    return ax


def plot_mfcc(y, *, sr=SR, n_mfcc=20, n_fft=N_FFT, hop_length=HOP_LENGTH, colorbar=True, ax=None, cmap="coolwarm"):
    """Plot the MFCCs of a clip over time (coefficient 1 at the bottom).

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (n_channels, n)] or str or os.PathLike
        A signal at ``sr`` Hz, or a path to an audio file.
    sr : int > 0
    n_mfcc : int > 0
        Number of coefficients (20 in the GTZAN tables, 13 in the seed CNN).
    n_fft, hop_length : int > 0
    colorbar : bool
    ax : matplotlib.axes.Axes, optional
    cmap : str

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from genreclf.plotting import plot_mfcc
    >>> y = np.random.default_rng(0).normal(size=22050)
    >>> ax = plot_mfcc(y, sr=22050, n_mfcc=13)
    >>> ax.collections[0].get_array().shape[0] // 13 > 0, ax.get_ylabel()
    (True, 'MFCC')
    """
    caller = "plot_mfcc"
    ax = _axes(ax, caller)
    y, sr = _signal(y, sr, caller)
    import librosa
    import librosa.display

    C = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop_length)
    img = librosa.display.specshow(C, sr=sr, hop_length=hop_length, x_axis="s",
                                   y_coords=np.arange(1, n_mfcc + 1), ax=ax, cmap=cmap)
    from matplotlib.ticker import MaxNLocator, ScalarFormatter

    ax.yaxis.set_major_locator(MaxNLocator(nbins=min(n_mfcc, 6), integer=True))  # coefficient numbers
    ax.yaxis.set_major_formatter(ScalarFormatter())
    if colorbar:
        _colorbar(ax, img)
    ax.set(title=f"MFCC ({n_mfcc} coefficients)", xlabel="Time (s)", ylabel="MFCC")
    return ax


def plot_chroma(y, *, sr=SR, n_fft=N_FFT, hop_length=HOP_LENGTH, colorbar=True, ax=None, cmap="magma"):
    """Plot the chromagram (energy per pitch class C … B over time, from the STFT).

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (n_channels, n)] or str or os.PathLike
        A signal at ``sr`` Hz, or a path to an audio file.
    sr : int > 0
    n_fft, hop_length : int > 0
    colorbar : bool
    ax : matplotlib.axes.Axes, optional
    cmap : str

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from genreclf.plotting import plot_chroma
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)  # an A
    >>> ax = plot_chroma(y, sr=22050)
    >>> ax.get_title(), ax.get_ylabel()
    ('Chromagram', 'Pitch class')
    """
    caller = "plot_chroma"
    ax = _axes(ax, caller)
    y, sr = _signal(y, sr, caller)
    import librosa
    import librosa.display

    chroma = librosa.feature.chroma_stft(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length)
    img = librosa.display.specshow(chroma, sr=sr, hop_length=hop_length, x_axis="s", y_axis="chroma", ax=ax,
                                   cmap=cmap, vmin=0, vmax=1)
    if colorbar:
        _colorbar(ax, img)
    ax.set(title="Chromagram", xlabel="Time (s)", ylabel="Pitch class")
    return ax


def _predict_text(model, clip, top_k):
    """'predicted: jazz (82%) · blues 10% · rock 3%' for one clip (a path or a 1-D signal)."""
    X = [os.fspath(clip) if isinstance(clip, (str, os.PathLike)) else clip]
    if hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(X))[0]
        classes = np.asarray(model.classes_)
        order = np.argsort(proba)[::-1][:max(int(top_k), 1)]
        best, rest = order[0], order[1:]
        text = f"predicted: {classes[best]} ({proba[best]:.0%})"
        if len(rest):
            text += " · " + " · ".join(f"{classes[i]} {proba[i]:.0%}" for i in rest)
        return text
    return f"predicted: {np.asarray(model.predict(X))[0]}"


def plot_clip(source, *, sr=SR, model=None, duration=None, top_k=3, fig=None):
    """"Show me this file": waveform, spectrogram, MFCC and chroma of one clip, and the genre a model predicts.

    Parameters
    ----------
    source : str, os.PathLike or np.ndarray [shape=(n,) or (n_channels, n)]
        A path to an audio file (loaded with :func:`genreclf.audio.load_audio`) or a signal at ``sr`` Hz.
    sr : int > 0
        Sample rate the file is loaded at (or of the signal).
    model : fitted estimator or None
        A classifier or pipeline that accepts a list of clips as ``X`` (paths for a path ``source``,
        1-D signals for an array), e.g. ``make_pipeline(GTZANFeatures(), StandardScaler(), LogisticRegression())``.
        Its prediction for the clip, with the ``top_k`` probabilities when it has ``predict_proba``, goes
        into the figure's title. The model reads the file itself, with its own settings.
    duration : float > 0 or None
        Length of the clip plotted, in seconds: trimmed, or padded with zeros, as everywhere in genreclf (the model
        still sees the whole file).
    top_k : int > 0
        Number of genres shown with their probability.
    fig : matplotlib.figure.Figure or SubFigure, optional
        An empty figure to draw on; default a new one.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Four stacked panels sharing the time axis; ``fig.get_suptitle()`` names the clip and the prediction.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from genreclf.plotting import plot_clip
    >>> y = 0.5 * np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    >>> model = DummyClassifier(strategy="prior").fit(np.zeros((4, 1)), ["jazz", "jazz", "jazz", "rock"])
    >>> fig = plot_clip(y, sr=22050, model=model)
    >>> fig.get_suptitle()
    'signal, 1.0 s — predicted: jazz (75%) · rock 25%'
    >>> [ax.get_title() for ax in fig.axes[:4]]  # then the three colorbars
    ['Waveform', 'Spectrogram (log amplitude)', 'MFCC (20 coefficients)', 'Chromagram']
    """
    caller = "plot_clip"
    if not (isinstance(top_k, (int, np.integer)) and top_k > 0):
        raise ValueError(f"{caller}: top_k={top_k!r} must be a positive integer")
    fig = _figure(fig, caller, figsize=(10, 10))
    y, sr = _signal(source, sr, caller, duration=duration)
    axes = fig.subplots(4, 1, sharex=True)
    plot_waveform(y, sr=sr, ax=axes[0])
    plot_spectrogram(y, sr=sr, ax=axes[1])
    plot_mfcc(y, sr=sr, ax=axes[2])
    plot_chroma(y, sr=sr, ax=axes[3])
    for ax in axes[:-1]:
        ax.set_xlabel("")
    is_path = isinstance(source, (str, os.PathLike))
    title = f"{os.path.basename(os.fspath(source)) if is_path else 'signal'}, {y.shape[-1] / sr:.1f} s"
    if model is not None:
        title += " — " + _predict_text(model, source if is_path else y, top_k)
    fig.suptitle(title)
    return fig


# ---------------------------------------------------------------------------------------------------------------
# data views
# ---------------------------------------------------------------------------------------------------------------
def _feature_matrix(X, caller):
    if hasattr(X, "dtypes") and getattr(X, "ndim", 1) == 2:  # DataFrame: name the non-numeric columns
        bad = [str(c) for c, dt in zip(X.columns, X.dtypes) if getattr(dt, "kind", "O") not in "biuf"]
        if bad:
            raise ValueError(f"{caller}: X has non-numeric columns {bad}; drop them (e.g. X.drop(columns={bad}))"
                             f" and pass the labels as y")
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{caller}: X must be a numeric feature table (n_clips, n_features): {err}") from err
    if X.ndim != 2:
        hint = (" (frame-level features: summarise them first, e.g. with FrameStatistics or summary='mean_var')"
                if X.ndim == 3 else "")
        raise ValueError(f"{caller}: X must be 2-D (n_clips, n_features), got shape {X.shape}{hint}")
    bad_rows = int(np.sum(~np.isfinite(X).all(axis=1)))
    if bad_rows:
        raise ValueError(f"{caller}: {bad_rows} row(s) of X hold NaN or infinite values (e.g. clips that failed "
                         f"with on_error='nan'); drop them first: keep = np.isfinite(X).all(axis=1)")
    return X


def plot_pca(X, y=None, *, standardize=True, order=None, ax=None, **scatter_kwargs):
    """Scatter a feature table on its first two principal components, coloured by genre.

    The features are standardised (``StandardScaler``) then projected with ``PCA(n_components=2)``,
    as in the seed notebooks; the axis labels give the share of variance each component explains.

    Parameters
    ----------
    X : array-like of shape (n_clips, n_features)
        Numeric features (e.g. the 57 columns of the GTZAN table, or a transformer's output).
    y : array-like of shape (n_clips,) or None
        Genre of each row (one colour and legend entry each); ``None`` draws one colour.
    standardize : bool
        Scale each feature to unit variance first (features in Hz would otherwise dominate).
    order : list of str, optional
        Order of the classes in the legend; default sorted.
    ax : matplotlib.axes.Axes, optional
    **scatter_kwargs
        Passed to :meth:`matplotlib.axes.Axes.scatter` (e.g. ``s``, ``alpha``).

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from genreclf.plotting import plot_pca
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (20, 5)), rng.normal(3, 1, (20, 5))])
    >>> ax = plot_pca(X, ["blues"] * 20 + ["metal"] * 20)
    >>> len(ax.collections), [t.get_text() for t in ax.get_legend().get_texts()]
    (2, ['blues', 'metal'])
    """
    caller = "plot_pca"
    X = _feature_matrix(X, caller)
    if X.shape[0] < 2 or X.shape[1] < 2:
        raise ValueError(f"{caller}: a 2-D projection needs at least 2 rows and 2 features, got X of shape "
                         f"{X.shape}")
    if y is not None:
        y = _labels(y, caller)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"{caller}: X has {X.shape[0]} rows but y has {y.shape[0]} labels")
    ax = _axes(ax, caller, figsize=(7, 6))
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    Z = StandardScaler(with_std=standardize).fit_transform(X)
    pca = PCA(n_components=2, random_state=0)
    P = pca.fit_transform(Z)
    kwargs = {"s": 14, "alpha": 0.8, **scatter_kwargs}
    if y is None:
        ax.scatter(P[:, 0], P[:, 1], **kwargs)
    else:
        classes = _classes(y, order, caller)
        for label, color in zip(classes, _colors(len(classes))):
            mask = y == label
            ax.scatter(P[mask, 0], P[mask, 1], color=color, label=str(label), **kwargs)
        ax.legend(title="genre", fontsize="small", markerscale=1.5, loc="best")
    ratio = pca.explained_variance_ratio_
    ax.set(title=f"PCA of {X.shape[1]} features ({X.shape[0]} clips)",
           xlabel=f"PC1 ({ratio[0]:.1%} of variance)", ylabel=f"PC2 ({ratio[1]:.1%} of variance)")
    return ax


def plot_tempo_by_genre(tempo, y, *, order=None, points=True, ax=None):
    """Box plot of the tempo (BPM) of the clips of each genre.

    Parameters
    ----------
    tempo : array-like of shape (n_clips,) or (n_clips, 1)
        Tempo of each clip in beats per minute, e.g. the ``tempo`` column of the GTZAN table or the
        output of :class:`~genreclf.features.TempoTransformer`.
    y : array-like of shape (n_clips,)
        Genre of each clip.
    order : list of str, optional
        Order of the boxes; default sorted.
    points : bool
        Overlay every clip as a (horizontally jittered) dot.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from genreclf.plotting import plot_tempo_by_genre
    >>> ax = plot_tempo_by_genre([90, 95, 100, 140, 150, 160], ["blues"] * 3 + ["disco"] * 3)
    >>> [t.get_text() for t in ax.get_xticklabels()], ax.get_ylabel()
    (['blues', 'disco'], 'Tempo (BPM)')
    """
    caller = "plot_tempo_by_genre"
    tempo = np.asarray(tempo, dtype=np.float64)
    if tempo.ndim == 2 and tempo.shape[1] == 1:
        tempo = tempo[:, 0]
    if tempo.ndim != 1:
        raise ValueError(f"{caller}: tempo must be 1-D (one BPM value per clip), got shape {tempo.shape}")
    y = _labels(y, caller)
    if tempo.shape[0] != y.shape[0]:
        raise ValueError(f"{caller}: tempo has {tempo.shape[0]} values but y has {y.shape[0]} labels")
    ok = np.isfinite(tempo)
    tempo, y = tempo[ok], y[ok]
    if tempo.size == 0:
        raise ValueError(f"{caller}: no finite tempo value to plot")
    ax = _axes(ax, caller, figsize=(9, 4.5))
    classes = _classes(y, order, caller)
    data = [tempo[y == label] for label in classes]
    positions = np.arange(1, len(classes) + 1)
    ax.boxplot(data, positions=positions, widths=0.6, showfliers=not points, medianprops={"color": "black"})
    if points:
        rng = np.random.default_rng(0)
        for pos, values, color in zip(positions, data, _colors(len(classes))):
            ax.scatter(pos + rng.uniform(-0.18, 0.18, values.size), values, s=8, alpha=0.6, color=color)
    ax.set_xticks(positions, [str(c) for c in classes], rotation=45, ha="right")
    ax.set(title="Tempo by genre", xlabel="Genre", ylabel="Tempo (BPM)")
    return ax


def plot_class_distribution(y, *, order=None, ax=None):
    """Bar chart of the number of samples per class, each bar labelled with its count.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels (of clips, or of segments for a segment-level table).
    order : list of str, optional
        Order of the bars; default sorted.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from genreclf.plotting import plot_class_distribution
    >>> ax = plot_class_distribution(["rock", "jazz", "rock"])
    >>> [float(p.get_height()) for p in ax.patches]
    [1.0, 2.0]
    """
    caller = "plot_class_distribution"
    y = _labels(y, caller)
    ax = _axes(ax, caller, figsize=(8, 4))
    classes = _classes(y, order, caller)
    counts = [int(np.sum(y == label)) for label in classes]
    bars = ax.bar([str(c) for c in classes], counts, color=_colors(len(classes)))
    ax.bar_label(bars, padding=2)
    ax.tick_params(axis="x", labelrotation=45)
    ax.set_ylim(0, max(counts) * 1.12)
    ax.set(title=f"Class distribution ({y.shape[0]} samples, {len(classes)} classes)", xlabel="Class",
           ylabel="Count")
    return ax


# ---------------------------------------------------------------------------------------------------------------
# model views
# ---------------------------------------------------------------------------------------------------------------
_NORMALIZE_TITLES = {None: "counts", "true": "normalised over true labels (recall)",
                     "pred": "normalised over predictions (precision)", "all": "normalised over all samples"}


def plot_confusion_matrix(y_true, y_pred, *, labels=None, normalize=None, colorbar=True, cmap="Blues",
                          values_format=None, xticks_rotation=45, ax=None):
    """Plot a confusion matrix with :class:`sklearn.metrics.ConfusionMatrixDisplay`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : list, optional
        Classes (rows/columns) and their order; default every label in ``y_true`` or ``y_pred``, sorted.
    normalize : {None, "true", "pred", "all"}
        ``None`` shows counts; ``"true"`` divides each row by its total, so the diagonal is each class's recall.
    colorbar : bool
    cmap : str
    values_format : str, optional
        Format of the numbers in the cells; default ``"d"`` for counts and ``".2f"`` when normalised.
    xticks_rotation : float or {"vertical", "horizontal"}
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    ax : matplotlib.axes.Axes
        The display object is kept as ``ax.confusion_matrix_display_`` (its ``confusion_matrix`` holds the
        numbers shown).

    Notes
    -----
    For a model of a :func:`~genreclf.evaluation.benchmark` leaderboard, the pooled out-of-fold predictions are in
    ``board.attrs["predictions"][(model, protocol)]``: ``plot_confusion_matrix(p["y_true"], p["y_pred"])``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from genreclf.plotting import plot_confusion_matrix
    >>> ax = plot_confusion_matrix(["rock", "jazz", "rock"], ["rock", "rock", "rock"], normalize="true")
    >>> ax.confusion_matrix_display_.confusion_matrix.tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    caller = "plot_confusion_matrix"
    if normalize not in _NORMALIZE_TITLES:
        raise ValueError(f"{caller}: normalize={normalize!r} is not valid: use None, 'true', 'pred' or 'all'")
    y_true, y_pred = _labels(y_true, caller, "y_true"), _labels(y_pred, caller, "y_pred")
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(f"{caller}: y_true has {y_true.shape[0]} labels but y_pred has {y_pred.shape[0]}")
    ax = _axes(ax, caller, figsize=(7.5, 6.5))
    from sklearn.metrics import ConfusionMatrixDisplay

    if values_format is None:
        values_format = "d" if normalize is None else ".2f"
    display = ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=labels, normalize=normalize, ax=ax, cmap=cmap, colorbar=colorbar,
        values_format=values_format, xticks_rotation=xticks_rotation)
    if xticks_rotation not in ("vertical", "horizontal", 90, 0):
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    ax.set_title(f"Confusion matrix ({_NORMALIZE_TITLES[normalize]})")
    ax.confusion_matrix_display_ = display
    return ax


def _find_history(obj, caller):
    """A Keras-style history dict from a dict, a fitted genreclf Keras classifier (``history_``), a
    ``keras.callbacks.History``, or a fitted Pipeline / search / meta-estimator wrapping one."""
    if isinstance(obj, Mapping):
        return obj
    if hasattr(obj, "history_"):
        return obj.history_
    if isinstance(getattr(obj, "history", None), Mapping):  # keras.callbacks.History
        return obj.history
    for inner in ("best_estimator_", "estimator_"):
        if hasattr(obj, inner):
            return _find_history(getattr(obj, inner), caller)
    if hasattr(obj, "steps"):  # Pipeline: the final estimator
        return _find_history(obj.steps[-1][1], caller)
    if hasattr(obj, "get_params") and "epochs" in obj.get_params(deep=False):
        raise ValueError(f"{caller}: this {type(obj).__name__} has no history_: it is not fitted yet. "
                         f"Call fit first")
    raise TypeError(f"{caller}: expected a history dict (e.g. clf.history_) or a fitted Keras classifier, got "
                    f"{type(obj).__name__}")


def _pretty(metric):
    return {"loss": "Loss", "accuracy": "Accuracy", "acc": "Accuracy"}.get(metric, metric.replace("_", " "))


def plot_history(history, *, metrics=None, fig=None):
    """Plot training curves (train vs validation) from a Keras classifier's ``history_``.

    Parameters
    ----------
    history : dict of str to list of float, or fitted estimator
        ``{"loss": [...], "accuracy": [...], "val_loss": [...], "val_accuracy": [...]}``, as in the
        ``history_`` of :class:`~genreclf.models.MLPClassifier`, :class:`~genreclf.models.CNNClassifier`
        and :class:`~genreclf.models.LSTMClassifier`; or such a fitted classifier, a Pipeline or search
        ending in one, or a ``keras.callbacks.History``.
    metrics : str or list of str, optional
        Training metrics to plot, one panel each (its ``val_`` twin is drawn in the same panel when
        present); default every training metric of the history except the learning rate, loss first.
    fig : matplotlib.figure.Figure or SubFigure, optional
        An empty figure to draw on; default a new one.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One panel per metric, side by side, with epochs (from 1) on the x-axis.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from genreclf.plotting import plot_history
    >>> history = {"loss": [1.2, 0.8, 0.6], "accuracy": [0.5, 0.7, 0.8],
    ...            "val_loss": [1.3, 1.0, 0.9], "val_accuracy": [0.4, 0.6, 0.65]}
    >>> fig = plot_history(history)
    >>> [ax.get_title() for ax in fig.axes], [line.get_label() for line in fig.axes[0].lines]
    (['Loss', 'Accuracy'], ['train', 'validation'])
    """
    caller = "plot_history"
    history = _find_history(history, caller)
    train = [k for k in history if not str(k).startswith("val_")]
    if metrics is None:
        metrics = [k for k in train if k not in ("lr", "learning_rate")]
        metrics.sort(key=lambda k: k != "loss")
    elif isinstance(metrics, str):
        metrics = [metrics]
    metrics = list(metrics)
    if not metrics:
        raise ValueError(f"{caller}: the history holds no training metric (keys: {sorted(history)}); "
                         f"was the model fitted for at least one epoch?")
    missing = [m for m in metrics if m not in history]
    if missing:
        raise ValueError(f"{caller}: metrics {missing} are not in the history; available: {sorted(train)}")
    fig = _figure(fig, caller, figsize=(5 * len(metrics), 4))
    axes = np.atleast_1d(fig.subplots(1, len(metrics), squeeze=False)[0])
    for ax, metric in zip(axes, metrics):
        values = np.asarray(history[metric], dtype=np.float64)
        epochs = np.arange(1, values.size + 1)
        ax.plot(epochs, values, marker="o" if values.size < 30 else None, markersize=3, label="train")
        val = history.get(f"val_{metric}")
        if val is not None and len(val):
            val = np.asarray(val, dtype=np.float64)
            ax.plot(np.arange(1, val.size + 1), val, marker="o" if val.size < 30 else None, markersize=3,
                    label="validation")
        ax.set(title=_pretty(metric), xlabel="Epoch", ylabel=_pretty(metric))
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


_SCORES = ("precision", "recall", "f1")


def plot_per_class_scores(y_true, y_pred, *, labels=None, metrics=("precision", "recall"), ax=None):
    """Grouped bars of precision and recall (and/or F1) for each class.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : list, optional
        Classes and their order; default every label in ``y_true`` or ``y_pred``, sorted.
    metrics : sequence of {"precision", "recall", "f1"}
        One group member (bar container) per metric; the legend gives each metric's macro average.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from genreclf.plotting import plot_per_class_scores
    >>> ax = plot_per_class_scores(["rock", "jazz", "rock"], ["rock", "rock", "rock"])
    >>> [[round(float(b.get_height()), 2) for b in c] for c in ax.containers]  # precision, recall of jazz, rock
    [[0.0, 0.67], [0.0, 1.0]]
    """
    caller = "plot_per_class_scores"
    if isinstance(metrics, str):
        metrics = [metrics]
    metrics = list(metrics)
    bad = [m for m in metrics if m not in _SCORES]
    if bad or not metrics:
        raise ValueError(f"{caller}: metrics={metrics!r} is not valid: choose among {list(_SCORES)}")
    y_true, y_pred = _labels(y_true, caller, "y_true"), _labels(y_pred, caller, "y_pred")
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(f"{caller}: y_true has {y_true.shape[0]} labels but y_pred has {y_pred.shape[0]}")
    from sklearn.metrics import precision_recall_fscore_support

    if labels is None:
        labels = list(np.unique(np.concatenate([y_true, y_pred])))
    precision, recall, f1, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    scores = {"precision": precision, "recall": recall, "f1": f1}
    ax = _axes(ax, caller, figsize=(max(6, 0.9 * len(labels) + 2), 4.5))
    x = np.arange(len(labels))
    width = 0.8 / len(metrics)
    for i, metric in enumerate(metrics):
        values = scores[metric]
        ax.bar(x + (i - (len(metrics) - 1) / 2) * width, values, width,
               label=f"{metric} (macro {np.mean(values):.2f})")
    ax.set_xticks(x, [str(c) for c in labels], rotation=45, ha="right")
    ax.set_ylim(0, 1.18)  # room for the legend above the bars
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set(title="Per-class scores", xlabel="Class", ylabel="Score")
    ax.legend(loc="upper center", ncol=len(metrics), fontsize="small", frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return ax


def plot_leaderboard(table, *, metric="accuracy", model="model", protocol="protocol", sort=True, values_format=".3f",
                     ax=None):
    """Horizontal bars of each model's mean score with ± std error bars, from :func:`genreclf.evaluation.benchmark`.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per model (and per protocol), with the columns ``{metric}_mean`` and, for the error bars,
        ``{metric}_std`` (a plain ``{metric}`` column also works, without error bars). A ``spread`` column
        (benchmark's: ``"std over 10 folds"`` or ``"bootstrap s.e. (290 clips)"``) says what the error bars
        are, in the axis label or the legend.
    metric : str
        Which score, e.g. ``"accuracy"``, ``"f1_macro"``, ``"log_loss"``.
    model : str
        Column holding the model names; when absent the index is used.
    protocol : str
        Column naming the evaluation protocol. With several protocols in the table, each model gets one bar
        per protocol (e.g. leaky random split vs grouped by track vs artist-filtered), side by side.
    sort : bool
        Best model at the top (highest score; lowest for a metric whose name contains ``loss``, ``error``
        or ``time``). Otherwise the table's order.
    values_format : str, default=".3f"
        Format of the ``mean ± std`` written beside each bar (``".1f"`` for scores in percent).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from genreclf.plotting import plot_leaderboard
    >>> table = pd.DataFrame({"model": ["svc", "knn"], "protocol": ["grouped", "grouped"],
    ...                       "accuracy_mean": [0.76, 0.68], "accuracy_std": [0.03, 0.04]})
    >>> ax = plot_leaderboard(table)
    >>> [t.get_text() for t in ax.get_yticklabels()], ax.get_title()  # best at the top
    (['knn', 'svc'], 'Leaderboard — grouped')
    """
    caller = "plot_leaderboard"
    if not hasattr(table, "columns"):
        raise TypeError(f"{caller}: table must be a pandas DataFrame (benchmark()'s result), got "
                        f"{type(table).__name__}")
    if f"{metric}_mean" in table.columns:
        mean_col = f"{metric}_mean"
    elif metric in table.columns:
        mean_col = metric
    else:
        choices = sorted(str(c)[:-5] for c in table.columns if str(c).endswith("_mean"))
        raise ValueError(f"{caller}: metric={metric!r} has no column {metric + '_mean'!r} (or {metric!r}) in the "
                         f"table; metrics available: {choices or list(map(str, table.columns))}")
    std_col = f"{metric}_std" if f"{metric}_std" in table.columns else None
    if len(table) == 0:
        raise ValueError(f"{caller}: the table is empty")
    names = (table[model] if model in table.columns else table.index.to_series()).astype(str).to_numpy()
    means = table[mean_col].to_numpy(dtype=np.float64)
    stds = table[std_col].to_numpy(dtype=np.float64) if std_col else np.full(means.shape, np.nan)
    groups = (table[protocol].astype(str).to_numpy() if protocol in table.columns
              else np.full(means.shape, "", dtype=object))
    protocols = list(dict.fromkeys(groups))  # table order
    models = list(dict.fromkeys(names))
    lower_is_better = any(word in metric for word in ("loss", "error", "time"))
    if sort:
        first = {}
        for name, group, value in zip(names, groups, means):  # rank on the first protocol, then on the mean
            first.setdefault(name, [])
            first[name].append((protocols.index(group), value))
        key = {name: (min(v)[1] if np.isfinite(min(v)[1]) else -np.inf) for name, v in first.items()}
        models.sort(key=lambda n: key[n], reverse=lower_is_better)  # best ends at the top (last y position)
    ax = _axes(ax, caller, figsize=(8, max(2.5, 0.45 * len(models) * len(protocols) + 1.5
                                           + (0.3 * len(protocols) + 0.5 if len(protocols) > 1 else 0))))
    spreads = {}  # what the error bars are, per protocol (benchmark()'s "spread" column)
    if std_col and "spread" in table.columns:
        for group in protocols:
            values = table["spread"].to_numpy()[groups == group]
            spreads[group] = "; ".join(dict.fromkeys(str(v) for v in values if isinstance(v, str) and v))
    height = 0.8 / len(protocols)
    ypos = {name: i for i, name in enumerate(models)}
    colors = _colors(len(protocols))
    for j, (group, color) in enumerate(zip(protocols, colors)):
        rows = np.flatnonzero(groups == group)
        y = np.array([ypos[names[r]] for r in rows]) - (j - (len(protocols) - 1) / 2) * height  # 1st on top
        err = stds[rows] if std_col else None
        label = group + (f" (± {spreads[group]})" if spreads.get(group) else "")
        ax.barh(y, means[rows], height, xerr=err, color=color, capsize=3, label=label or None,
                error_kw={"elinewidth": 1})
        for yy, m, s in zip(y, means[rows], stds[rows]):
            if np.isfinite(m):
                end = m + (s if np.isfinite(s) else 0)
                ax.annotate(f"{m:{values_format}}" + (f" ± {s:{values_format}}" if np.isfinite(s) else ""), (end, yy),
                            xytext=(4, 0), textcoords="offset points", va="center", fontsize="small")
    ax.set_yticks(range(len(models)), models)
    ax.margins(x=0.25)
    if not lower_is_better:
        ax.set_xlim(left=0)
    xlabel = metric.replace("_", " ")
    if std_col:
        single = spreads.get(protocols[0]) if len(protocols) == 1 else None
        xlabel += f" (mean ± {single})" if single else " (mean ± std)"
    ax.set_xlabel(xlabel)
    title = "Leaderboard"
    if len(protocols) == 1 and protocols[0]:
        title += f" — {protocols[0]}"
    elif len(protocols) > 1:
        ax.legend(title=protocol, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14),
                  ncol=1 if max(map(len, ax.get_legend_handles_labels()[1])) > 40 else 2, frameon=False)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return ax
