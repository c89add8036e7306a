"""Audio decoding: the only place in genreclf that opens an audio file.

Every failure becomes an :class:`AudioLoadError` that names the file (or the array) and the cause,
so a batch of thousands of clips reports *which* clip is bad and *why*.
"""
import os
import struct

import numpy as np

from ._defaults import SR

__all__ = ["AudioLoadError", "AudioLoadWarning", "load_audio", "check_signal", "unreadable_reason", "describe",
           "clip_length", "iter_windows", "AUDIO_EXTENSIONS"]

#: File name extensions of the audio formats genreclf looks for in folders (case-insensitive); libsndfile
#: decodes them all.
AUDIO_EXTENSIONS = (".wav", ".au", ".mp3", ".flac", ".ogg")


class AudioLoadError(ValueError):
    """A clip could not be decoded or is not usable audio (silent, non-finite, too short...)."""


def describe(source, index=None, n=None):
    """How messages name a clip: its path, or the shape of its samples; with ``index``, its place in a batch.

    Examples
    --------
    >>> describe("genres/jazz/jazz.00054.wav", 411, 1000)
    "'genres/jazz/jazz.00054.wav' (clip 412 of 1000)"
    >>> describe(np.zeros(22050)), describe(np.zeros(22050), 0, 3)
    ('array of shape (22050,)', 'clip 1 of 3')
    """
    where = None if index is None else f"clip {index + 1} of {n}"
    if isinstance(source, (str, os.PathLike)):
        return repr(os.fspath(source)) + ("" if where is None else f" ({where})")
    return f"array of shape {np.shape(source)}" if where is None else where


def _to_float(y):
    """Integer PCM → float32 in [-1, 1); floats → float32. Channels stay on axis 0."""
    y = np.asarray(y)
    if y.dtype.kind == "i":
        return (y / float(2 ** (8 * y.dtype.itemsize - 1))).astype(np.float32)
    if y.dtype.kind == "u":
        half = 2 ** (8 * y.dtype.itemsize - 1)
        return ((y.astype(np.float64) - half) / half).astype(np.float32)
    if y.dtype.kind == "b":
        raise TypeError("boolean arrays are not audio")
    if y.dtype.kind not in "f":
        raise TypeError(f"expected a numeric array of samples, got dtype {y.dtype}")
    return y.astype(np.float32, copy=False)


def _check_riff(path):
    """Raise if a RIFF/WAVE file holds fewer audio bytes than its header declares (a truncated download).

    libsndfile silently reads what is there, which would give features of part of a clip: a silent wrong
    number. Files that are not RIFF/WAVE, or whose data size is unknown (streamed: 0 or 0xFFFFFFFF), pass.
    """
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
            return
        endian = "<" if head[:4] == b"RIFF" else ">"
        size = os.fstat(fh.fileno()).st_size
        pos = 12
        while pos + 8 <= size:
            fh.seek(pos)
            chunk_id, chunk_size = struct.unpack(endian + "4sI", fh.read(8))
            if chunk_id == b"data":
                available = size - pos - 8
                if chunk_size not in (0, 0xFFFFFFFF) and chunk_size > available:
                    raise _Truncated(f"file is truncated: its WAV header declares {chunk_size} bytes of audio "
                                     f"but only {available} are present ({100 * available / chunk_size:.0f}%)")
                return
            pos += 8 + chunk_size + (chunk_size & 1)


def unreadable_reason(path):
    """Why the audio file ``path`` cannot be decoded, or ``None`` if its header says it can.

    Cheap checks only (the audio is not decoded): the file exists and is not empty, its header declares no more
    bytes of audio than it holds, libsndfile recognises its format and it has at least one frame.

    Examples
    --------
    >>> import os, tempfile
    >>> empty = os.path.join(tempfile.mkdtemp(), "empty.wav")
    >>> open(empty, "wb").close()
    >>> unreadable_reason(empty)
    'file is empty (0 bytes)'
    """
    import soundfile as sf

    try:
        _check_exists(path)
        _check_riff(path)
        if sf.info(path).frames == 0:
            return "no audio frames"
    except (FileNotFoundError, IsADirectoryError, _Truncated) as err:
        return str(err)
    except Exception as err:  # soundfile raises several types (LibsndfileError, RuntimeError, ...)
        return f"{type(err).__name__}: {err}"
    return None


def clip_length(path, *, sr=SR):
    """Number of samples of the audio file ``path`` once resampled to ``sr``, from its header.

    Examples
    --------
    >>> import os, tempfile, numpy as np, soundfile as sf
    >>> path = os.path.join(tempfile.mkdtemp(), "one_second.wav")
    >>> sf.write(path, np.zeros(44100, dtype=np.float32) + 0.1, 44100)
    >>> clip_length(path)
    22050
    """
    import soundfile as sf

    info = sf.info(os.fspath(path))
    return int(round(info.frames * sr / info.samplerate))


class _Truncated(ValueError):
    """The file holds less audio than its header declares, or nothing at all."""


def _check_exists(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError("file not found")
    if os.path.isdir(path):
        raise IsADirectoryError("is a directory, not an audio file")
    if os.path.getsize(path) == 0:
        raise _Truncated("file is empty (0 bytes)")


def _read_file(path, offset, duration):
    import soundfile as sf

    path = os.fspath(path)
    _check_exists(path)
    _check_riff(path)
    with sf.SoundFile(path) as f:
        sr_native = f.samplerate
        start = int(round(offset * sr_native))
        if start and start >= f.frames:
            raise ValueError(f"offset={offset} s is at or past the end of the file ({f.frames / sr_native:.3f} s)")
        if start:
            f.seek(start)
        frames = -1 if duration is None else int(round(duration * sr_native))
        y = f.read(frames=frames, dtype="float32", always_2d=True).T  # (channels, samples)
    return y, sr_native


def load_audio(source, *, sr=SR, orig_sr=None, offset=0.0, duration=None, mono=True):
    """Load a clip as a float32 signal at ``sr`` Hz.

    Parameters
    ----------
    source : str, os.PathLike or np.ndarray [shape=(n,) or (n_channels, n)]
        A path to an audio file (anything libsndfile reads: WAV, FLAC, OGG, MP3...) or samples.
        Integer arrays are read as PCM and scaled to [-1, 1).
    sr : int > 0 or None
        Target sample rate; ``None`` keeps the native rate of a file.
    orig_sr : int > 0 or None
        Sample rate of an array ``source``; default ``sr`` (no resampling).
    offset : float >= 0
        Start reading after ``offset`` seconds.
    duration : float > 0 or None
        Length of the clip in seconds: read that much and pad the end with zeros if the clip is shorter, so the
        signal has exactly ``round(duration * sr)`` samples (what ``duration`` means throughout genreclf).
        ``None`` reads to the end.
    mono : bool
        Average the channels.

    Returns
    -------
    y : np.ndarray [shape=(n,) or (n_channels, n)], float32
    sr : int

    Raises
    ------
    AudioLoadError
        For anything that cannot be read or is not usable audio, naming the file and the cause.

    Examples
    --------
    >>> import numpy as np
    >>> y, sr = load_audio(np.zeros(44100, dtype=np.int16) + 100, sr=22050, orig_sr=44100)
    >>> y.shape, sr
    ((22050,), 22050)
    """
    if sr is not None and (not np.isscalar(sr) or sr <= 0):
        raise ValueError(f"sr={sr!r} must be a positive number or None")
    if offset < 0:
        raise ValueError(f"offset={offset!r} must be >= 0")
    if duration is not None and duration <= 0:
        raise ValueError(f"duration={duration!r} must be > 0 or None")
    try:
        if isinstance(source, (str, os.PathLike)):
            y, native = _read_file(source, offset, duration)
        else:
            y = _to_float(source)
            native = orig_sr or sr
            if native is None:
                raise ValueError("the sample rate of an array is unknown: pass orig_sr or sr")
            if y.ndim not in (1, 2):
                raise ValueError(f"expected a 1-D signal or a 2-D (channels, samples) array, got {y.ndim}-D")
            start = int(round(offset * native))
            stop = None if duration is None else start + int(round(duration * native))
            y = y[..., start:stop]
        y, sr = _mono_at(y, native, sr, mono)
        if duration is not None:
            import librosa

            y = librosa.util.fix_length(y, size=int(round(duration * sr)))
        return np.ascontiguousarray(y, dtype=np.float32), sr
    except AudioLoadError:
        raise
    except Exception as err:  # soundfile, librosa and numpy raise many types; name the file and keep the cause
        raise AudioLoadError(f"cannot load {describe(source)}: {err}") from err


def _mono_at(y, native, sr, mono=True):
    """Channels-first samples at ``native`` Hz → (mono if asked) samples at ``sr`` Hz (``None``: ``native``)."""
    if mono and y.ndim == 2:
        y = y.mean(axis=0) if y.shape[0] > 1 else y[0]
    if sr is not None and native != sr and y.shape[-1] > 0:
        import librosa

        y = librosa.resample(y, orig_sr=native, target_sr=sr, res_type="soxr_hq")
    return y, sr or native


def iter_windows(path, duration, *, sr=SR):
    """Decode an audio file one window of ``duration`` seconds at a time: memory holds one window, not the file.

    Every full window from the start of the file is yielded, mono at ``sr`` Hz, ``round(duration * sr)`` samples
    long (each resampled on its own); a file shorter than one window is one shorter window; the rest after the last
    full window, shorter than a window, is left out (it is never more than ``duration`` seconds).

    Parameters
    ----------
    path : str or os.PathLike
    duration : float > 0
        Window length in seconds.
    sr : int > 0

    Yields
    ------
    np.ndarray [shape=(round(duration * sr),)], float32

    Raises
    ------
    AudioLoadError
        The file cannot be read (raised when the generator is advanced), naming the file and the cause.

    Examples
    --------
    >>> import os, tempfile, numpy as np, soundfile as sf
    >>> path = os.path.join(tempfile.mkdtemp(), "long.wav")
    >>> sf.write(path, np.full(5 * 44100 + 100, 0.1, dtype=np.float32), 44100)   # 5 s at 44.1 kHz
    >>> [w.shape for w in iter_windows(path, 2.0, sr=22050)]
    [(44100,), (44100,)]
    """
    import soundfile as sf

    if not duration > 0:
        raise ValueError(f"duration={duration!r} must be a positive number of seconds")
    try:
        _check_exists(path)
        _check_riff(path)
        with sf.SoundFile(os.fspath(path)) as f:
            size = int(round(duration * f.samplerate))
            first = True
            while True:
                block = f.read(frames=size, dtype="float32", always_2d=True).T  # (channels, samples)
                if block.shape[-1] == 0 or (block.shape[-1] < size and not first):
                    return
                yield np.ascontiguousarray(_mono_at(block, f.samplerate, sr)[0], dtype=np.float32)
                if block.shape[-1] < size:
                    return
                first = False
    except AudioLoadError:
        raise
    except Exception as err:  # soundfile raises several types; name the file and keep the cause
        raise AudioLoadError(f"cannot load {describe(path)}: {err}") from err


def check_signal(y, *, min_samples=1, source=None):
    """Raise :class:`AudioLoadError` unless ``y`` is usable audio.

    Usable means: at least ``min_samples`` samples (e.g. one FFT window), only finite values, not all zero.
    ``source`` names the clip in the message.
    """
    name = describe(y if source is None else source)
    n = y.shape[-1]
    if n == 0:
        raise AudioLoadError(f"{name} is empty (0 samples)")
    bad = int(np.size(y) - np.count_nonzero(np.isfinite(y)))
    if bad:
        raise AudioLoadError(f"{name} has {bad} NaN or infinite sample(s)")
    if n < min_samples:
        raise AudioLoadError(f"{name} has {n} samples, shorter than one FFT window ({min_samples} samples)")
    if not np.any(y):
        raise AudioLoadError(f"{name} is silent (every sample is zero)")
    return y


class AudioLoadWarning(UserWarning):
    """Some clips of a batch could not be used and became NaN rows (``on_error="nan"``).

    ``failures`` lists ``(index, source, cause)`` for every such clip.
    """

    def __init__(self, message, failures=()):
        super().__init__(message)
        self.failures = list(failures)

    def __reduce__(self):
        return type(self), (self.args[0], self.failures)
