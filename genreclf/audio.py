"""Audio decoding: the only place in genreclf that opens an audio file.

Every failure becomes an :class:`AudioLoadError` that names the file (or the array) and the cause,
so a batch of thousands of clips reports *which* clip is bad and *why*.
"""
import contextlib
import errno
import os
import re
import struct

import numpy as np

from ._defaults import SR
from ._quiet import DECODER_NOISE, quiet_stderr

__all__ = ["AudioLoadError", "AudioLoadWarning", "load_audio", "check_signal", "unreadable_reason", "describe",
           "clip_length", "iter_windows", "AUDIO_EXTENSIONS", "SR_RANGE"]

#: The sample rates genreclf reads (Hz): from telephone-grade audio to the highest rate of studio formats. A header
#: outside it is damaged or not audio, and decoding it would multiply its samples by up to the resampling ratio
#: (a 8.8 KB file that says 1 Hz would become 97 million samples at 22,050 Hz).
SR_RANGE = (1_000, 768_000)

#: File name extensions of the audio formats genreclf looks for in folders (case-insensitive); libsndfile
#: decodes them all.
AUDIO_EXTENSIONS = (".wav", ".au", ".mp3", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".aifc", ".w64", ".rf64")


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


def _check_complete(path):
    """Raise :class:`_Truncated` if the file holds less audio than its header declares (a cut-off download).

    libsndfile reads what is there without a word for most formats, which would give features of part of a clip:
    a silent wrong number. Checked here, from the header alone: WAV and WAVEX (RIFF, RIFX), RF64, Wave64, AU,
    AIFF and AIFC, 8SVX and 16SV, NIST SPHERE, AVR, VOC, WVE and MPC2K (the declared size of the audio data),
    MAT4 and MAT5 as libsndfile writes them (the dimensions of the "wavedata" matrix), Ogg (a complete last page
    that ends the stream) and MP3 (the stream size of a Xing, Info or VBRI header). FLAC and CAF are checked by
    libsndfile itself, and MP3s without such a header by comparing the decoded length with the declared one
    (:func:`_read_file`). Formats that declare no length (RAW, IRCAM, PVF, PAF, SD2; XI, whose sample length
    libsndfile writes as 0) cannot be checked. A size of 0 or all ones (a stream written before its length was
    known) is not checked either.
    """
    path = os.fspath(path)
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        head = fh.read(64)
        for magic, check in _HEADER_CHECKS:
            if head.startswith(magic):
                declared, available, what = check(fh, head, size)
                break
        else:
            if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
                declared, available, what = _mp3_sizes(fh, head, size)
            else:
                return
    if declared is not None and declared > available:
        raise _Truncated(f"file is truncated: its {what} header declares {declared} bytes of audio but only "
                         f"{available} are present ({100 * available / declared:.0f}%)")


def _unknown(value, bits=32):
    return value in (0, (1 << bits) - 1)


def _chunks(fh, start, end, endian, header=8, align=2):
    """(chunk id, declared size, data offset) of the chunks of an IFF-like file, from ``start``."""
    pos = start
    while pos + header <= end:
        fh.seek(pos)
        if header == 8:
            chunk_id, chunk_size = struct.unpack(endian + "4sI", fh.read(8))
        else:  # Wave64: 16-byte GUIDs and 8-byte sizes that include the chunk's header
            raw = fh.read(24)
            chunk_id, chunk_size = raw[:4], struct.unpack("<Q", raw[16:24])[0] - 24
        yield chunk_id, chunk_size, pos + header
        pos += header + chunk_size + (-chunk_size % align)


def _riff_sizes(fh, head, size):
    endian = "<" if head[:4] in (b"RIFF", b"RF64") else ">"
    ds64 = None
    for chunk_id, chunk_size, offset in _chunks(fh, 12, size, endian):
        if chunk_id == b"ds64":  # RF64: the 64-bit sizes; its data chunk says 0xFFFFFFFF
            fh.seek(offset + 8)
            ds64 = struct.unpack("<Q", fh.read(8))[0]
        elif chunk_id == b"data":
            declared = ds64 if head[:4] == b"RF64" and _unknown(chunk_size) else chunk_size
            return (None if _unknown(declared, 64 if ds64 else 32) else declared), size - offset, "WAV"
    return None, size, "WAV"


def _w64_sizes(fh, head, size):
    for chunk_id, chunk_size, offset in _chunks(fh, 40, size, "<", header=24, align=8):
        if chunk_id == b"data":
            return chunk_size, size - offset, "Wave64"
    return None, size, "Wave64"


def _iff_sizes(fh, head, size):
    data = b"BODY" if head[8:12] in (b"8SVX", b"16SV") else b"SSND"
    for chunk_id, chunk_size, offset in _chunks(fh, 12, size, ">"):
        if chunk_id == data:
            return (None if _unknown(chunk_size) else chunk_size), size - offset, "AIFF" if data == b"SSND" else "SVX"
    return None, size, "AIFF"


def _au_sizes(fh, head, size):
    endian = ">" if head[:4] == b".snd" else "<"
    offset, data_size = struct.unpack(endian + "II", head[4:12])
    return (None if _unknown(data_size) else data_size), size - offset, "AU"


def _nist_sizes(fh, head, size):
    header = int(head[8:16])
    fh.seek(0)
    fields = dict(re.findall(rb"(\w+) -i (\d+)", fh.read(header)))
    n = [int(fields.get(k, 1 if k == b"channel_count" else 0)) for k in (b"sample_count", b"channel_count",
                                                                         b"sample_n_bytes")]
    return (n[0] * n[1] * n[2] or None), size - header, "NIST"


def _avr_sizes(fh, head, size):
    mono, rez = struct.unpack(">hh", head[12:16])
    n = struct.unpack(">I", head[26:30])[0]
    return n * (2 if mono else 1) * max(rez // 8, 1), size - 128, "AVR"


def _voc_sizes(fh, head, size):
    pos = struct.unpack("<H", head[20:22])[0]
    while pos + 4 <= size:
        fh.seek(pos)
        block = fh.read(4)
        if block[0] == 0:  # the terminator block
            return None, size, "VOC"
        length = int.from_bytes(block[1:4], "little")
        if pos + 4 + length > size:
            return length, size - pos - 4, "VOC"
        pos += 4 + length
    return None, size, "VOC"


def _ogg_sizes(fh, head, size):
    fh.seek(max(0, size - 65536))
    tail = fh.read()
    last = tail.rfind(b"OggS")
    if last < 0 or len(tail) - last < 27:
        return 1, 0, "Ogg"  # no complete last page at all
    page = tail[last:]
    n_segments = page[26]
    declared = 27 + n_segments + sum(page[27:27 + n_segments])
    if len(page) < declared:  # the last page is cut
        return declared, len(page), "Ogg"
    if not page[5] & 0x04:  # a complete last page that does not end the stream: pages are missing
        return 1, 0, "Ogg (no end-of-stream page)"
    return None, size, "Ogg"


def _mp3_sizes(fh, head, size):
    start = 0
    fh.seek(0)
    top = fh.read(10)
    if top[:3] == b"ID3":  # skip the ID3v2 tag (its size is syncsafe: 7 bits a byte)
        start = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(top[6:10])) + (10 if top[5] & 0x10 else 0)
    fh.seek(start)
    frame = fh.read(200)
    fh.seek(max(0, size - 128))
    end = size - (128 if fh.read(3) == b"TAG" else 0)  # an ID3v1 tag
    for tag in (b"Xing", b"Info"):
        at = frame.find(tag)
        if at >= 0 and len(frame) >= at + 16:
            flags = struct.unpack(">I", frame[at + 4:at + 8])[0]
            if flags & 0x2:  # the stream size follows the frame count, if any
                field = at + 8 + (4 if flags & 0x1 else 0)
                return struct.unpack(">I", frame[field:field + 4])[0], end - start, "MP3"
    at = frame.find(b"VBRI")
    if at >= 0 and len(frame) >= at + 14:
        return struct.unpack(">I", frame[at + 10:at + 14])[0], end - start, "MP3"
    return None, size, "MP3"


def _wve_sizes(fh, head, size):
    # Psion A-law: a 32-byte big-endian header, the number of samples (one byte each, mono) at byte 18
    return struct.unpack(">I", head[18:22])[0] or None, size - 32, "WVE"


def _mpc2k_sizes(fh, head, size):
    # Akai MPC 2000: a 42-byte little-endian header; byte 21 is 1 for stereo, bytes 30-33 the frames; 16-bit samples
    if len(head) < 42 or head[21] not in (0, 1):
        return None, size, "MPC2K"
    frames = struct.unpack("<I", head[30:34])[0]
    return frames * (2 if head[21] else 1) * 2 or None, size - 42, "MPC2K"


#: bytes per element of a MATLAB 4 matrix, by the P digit of its type (double, float, int32, int16, uint16, uint8)
_MAT4_BYTES = {0: 8, 1: 4, 2: 4, 3: 2, 4: 2, 5: 1}


def _mat4_sizes(fh, head, size):
    # libsndfile's layout: a 1x1 double matrix "samplerate", then the matrix "wavedata" (channels x frames)
    endian = "<" if head[:4] == b"\0\0\0\0" else ">"
    fh.seek(39)
    raw = fh.read(20)
    if len(raw) < 20:
        return 1, 0, "MAT4"
    kind, rows, cols, _, name_length = struct.unpack(endian + "5I", raw)
    element = _MAT4_BYTES.get(kind % 100 // 10)
    if element is None:
        return None, size, "MAT4"
    return rows * cols * element or None, size - 59 - name_length, "MAT4"


def _mat5_sizes(fh, head, size):
    # a 128-byte text header ending in "IM" (little-endian) or "MI", then tagged elements; libsndfile writes two
    # matrices, "samplerate" and "wavedata", each of array flags, dimensions, a name and the real part's data
    fh.seek(126)
    endian = "<" if fh.read(2) == b"IM" else ">"
    pos, declared, data = 128, None, size
    while pos + 8 <= size:
        fh.seek(pos)
        kind, length = struct.unpack(endian + "II", fh.read(8))
        if kind != 14:  # not a matrix (miMATRIX)
            pos += 8 + length + (-length % 8)
            continue
        sub = pos + 8
        for _ in range(4):  # array flags, dimensions, name, real part
            fh.seek(sub)
            raw = fh.read(8)
            if len(raw) < 8:
                return length, size - pos - 8, "MAT5"
            sub_kind, n = struct.unpack(endian + "II", raw)
            if sub_kind >> 16:  # the small element format: 2 bytes of size, 4 bytes of data in the tag
                declared, data, sub = sub_kind >> 16, sub + 4, sub + 8
            else:
                declared, data, sub = n, sub + 8, sub + 8 + n + (-n % 8)
        if data + declared > size:
            return declared, size - data, "MAT5"
        pos = sub  # the next matrix (not pos + 8 + length: libsndfile declares its matrices 8 bytes too long)
    return None, size, "MAT5"


#: (magic bytes at the start of the file, the function that reads the declared and present sizes of its audio)
_HEADER_CHECKS = (
    (b"RIFF", _riff_sizes), (b"RIFX", _riff_sizes), (b"RF64", _riff_sizes),
    (b"riff\x2e\x91\xcf\x11", _w64_sizes), (b"FORM", _iff_sizes), (b".snd", _au_sizes), (b"dns.", _au_sizes),
    (b"NIST_1A", _nist_sizes), (b"2BIT", _avr_sizes), (b"Creative Voice File", _voc_sizes), (b"OggS", _ogg_sizes),
    (b"ALawSoundFile**\0", _wve_sizes), (b"MATLAB 5.0 MAT-file", _mat5_sizes),
    (b"\0\0\0\0\1\0\0\0\1\0\0\0\0\0\0\0\x0b\0\0\0samplerate\0", _mat4_sizes),
    (b"\0\0\x03\xe8\0\0\0\1\0\0\0\1\0\0\0\0\0\0\0\x0bsamplerate\0", _mat4_sizes),
    (b"\x01\x04", _mpc2k_sizes),
)


def unreadable_reason(path):
    """Why the audio file ``path`` cannot be decoded, or ``None`` if it looks whole.

    Cheap checks only (the audio is not decoded): the file exists and is not empty, its header declares no more
    bytes of audio than it holds, libsndfile recognises its format, it has at least one frame, and its last
    frames can be read (a cut-off FLAC or MP3 fails there).

    Examples
    --------
    >>> import os, tempfile
    >>> empty = os.path.join(tempfile.mkdtemp(), "empty.wav")
    >>> open(empty, "wb").close()
    >>> unreadable_reason(empty)
    'file is empty (0 bytes)'
    """

    try:
        _check_exists(path)
        _check_complete(path)
        with _open(path) as f:
            _check_rate(f.samplerate)
            if f.frames == 0:
                return "no audio frames"
            tail = min(f.frames, 4096)
            with quiet_stderr(DECODER_NOISE):  # mpg123 complains when it lands mid-frame; the count below decides
                f.seek(f.frames - tail)
                decoded = len(f.read(tail))
            _check_decoded(decoded, tail, f.samplerate)
    except (FileNotFoundError, IsADirectoryError, _Truncated, _NotAudio) as err:
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

    with _open(path) as f:
        _check_rate(f.samplerate)
        return int(round(f.frames * sr / f.samplerate))


class _Truncated(ValueError):
    """The file holds less audio than its header declares, or nothing at all."""


def _check_rate(sr, what="its header says"):
    """Raise :class:`_NotAudio` unless ``sr`` is a sample rate of audio (:data:`SR_RANGE`)."""
    low, high = SR_RANGE
    if not low <= sr <= high:
        raise _NotAudio(f"{what} {sr:g} Hz, which is not an audio sample rate (genreclf reads {low:,} to {high:,} Hz): "
                        "the file is damaged or not audio")


class _NotAudio(ValueError):
    """A file whose header does not describe audio."""


def _check_exists(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        if os.path.islink(path):
            try:
                os.stat(path)
            except OSError as err:
                if err.errno == errno.ELOOP:
                    raise FileNotFoundError(f"a loop of links ({os.readlink(path)} leads back to itself): it points "
                                            "to no file") from None
            raise FileNotFoundError(f"a link to a missing file ({os.readlink(path)}): its content was never fetched "
                                    "or was moved")
        raise FileNotFoundError("file not found")
    if os.path.isdir(path):
        raise IsADirectoryError("is a directory, not an audio file")
    if os.path.getsize(path) == 0:
        raise _Truncated("file is empty (0 bytes)")


def _read_file(path, offset, duration):

    path = os.fspath(path)
    _check_exists(path)
    _check_complete(path)
    with _open(path) as f:
        sr_native = f.samplerate
        _check_rate(sr_native)
        start = int(round(offset * sr_native))
        if start and start >= f.frames:
            raise ValueError(f"offset={offset} s is at or past the end of the file ({f.frames / sr_native:.3f} s)")
        frames = -1 if duration is None else int(round(duration * sr_native))
        with quiet_stderr(DECODER_NOISE) if start or _is_mpeg(f) else contextlib.nullcontext():
            if start:
                f.seek(start)
            y = f.read(frames=frames, dtype="float32", always_2d=True).T  # (channels, samples)
        expected = f.frames - start if frames < 0 else min(frames, f.frames - start)
        _check_decoded(y.shape[-1], expected, sr_native)
    return y, sr_native


def _open(path):
    """``soundfile.SoundFile(path)``, opened with mpg123's complaints about a frame kept off stderr: libsndfile may
    scan an MP3 to count its frames, and mpg123 prints ``error: part2_3_length ... too large`` on a frame it then
    decodes anyway (other lines still reach stderr)."""
    import soundfile as sf

    with quiet_stderr(DECODER_NOISE):
        return sf.SoundFile(os.fspath(path))


def _is_mpeg(f):
    """Whether the open ``soundfile.SoundFile`` is an MP3: mpg123 prints its complaints about a frame (``error:
    part2_3_length ... too large``) on stderr while every sample decodes; the decoded count is checked instead."""
    return f.format in ("MP3", "MPEG")


def _check_decoded(decoded, declared, sr):
    """Raise :class:`_Truncated` if libsndfile decoded clearly fewer frames than the file declares (an MP3 cut off
    after its header was written: mpg123 only warns on stderr). A few frames of decoder padding are tolerated."""
    if declared - decoded > max(0.01 * declared, 4096):
        raise _Truncated(f"file is truncated: its header declares {declared / sr:.2f} s of audio but only "
                         f"{decoded / sr:.2f} s can be decoded ({100 * decoded / declared:.0f}%)")


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
    for name, rate in (("sr", sr), ("orig_sr", orig_sr)):
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating))
                                 or not rate > 0):
            raise ValueError(f"{name}={rate!r} must be a positive number (a sample rate in Hz) or None")
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
            if y.ndim == 2 and y.shape[0] > y.shape[1]:
                raise ValueError(f"a 2-D array of shape {y.shape} looks like channels last (samples, channels), as "
                                 "soundfile reads files: genreclf reads channels first (channels, samples), so pass "
                                 "y.T")
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

    if not duration > 0:
        raise ValueError(f"duration={duration!r} must be a positive number of seconds")
    try:
        _check_exists(path)
        _check_complete(path)
        with _open(path) as f:
            _check_rate(f.samplerate)
            size = int(round(duration * f.samplerate))
            decoded = 0
            while True:
                with quiet_stderr(DECODER_NOISE) if _is_mpeg(f) else contextlib.nullcontext():
                    block = f.read(frames=size, dtype="float32", always_2d=True).T  # (channels, samples)
                decoded += block.shape[-1]
                if block.shape[-1] < size:
                    _check_decoded(decoded, f.frames, f.samplerate)
                if block.shape[-1] == 0 or (block.shape[-1] < size and decoded > block.shape[-1]):
                    return  # the end, or the rest after the last full window
                yield np.ascontiguousarray(_mono_at(block, f.samplerate, sr)[0], dtype=np.float32)
                if block.shape[-1] < size:
                    return
    except AudioLoadError:
        raise
    except Exception as err:  # soundfile raises several types; name the file and keep the cause
        raise AudioLoadError(f"cannot load {describe(path)}: {err}") from err


def check_signal(y, *, min_samples=1, source=None):
    """Raise :class:`AudioLoadError` unless ``y`` is usable audio.

    Usable means: at least ``min_samples`` samples (e.g. one FFT window), only finite values, and sound that spans
    at least ``min_samples`` samples from its first to its last non-zero sample: digital silence with one click, or
    one burst shorter than a window, is silence (a click track, clicks spread over the clip, is not). ``source``
    names the clip in the message.
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
    sounding = int(np.count_nonzero(y))
    if not sounding:
        raise AudioLoadError(f"{name} is silent (every sample is zero)")
    if sounding < min_samples:  # else the sound cannot fit in less than a window
        nonzero = np.flatnonzero(np.any(y != 0, axis=0) if y.ndim > 1 else y)
        span = int(nonzero[-1] - nonzero[0] + 1)
        if span < min_samples:
            raise AudioLoadError(f"{name} is silent but for {sounding} non-zero sample(s) within {span} sample(s), "
                                 f"less than one FFT window ({min_samples} samples): there is nothing to describe "
                                 "but a click")
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
