"""GTZAN data: the bundled feature tables, the artist-filtered split, audio folders and the audio download.

What is where
-------------
- :func:`load_gtzan_features` — the published feature tables (57 columns). The 30 s table (1000 tracks) is
  bundled inside the package; the 3 s table is read from the user's own Kaggle download (``path=``).
- :func:`gtzan_split` / :class:`ArtistFilteredSplit` — the artist-filtered ("fault-filtered") split of
  Kereliuk, Sturm & Larsen (2015), bundled as data files, as a mapping and as a scikit-learn splitter that
  matches rows by track id, so it serves 30 s rows, 3 s segment rows and audio paths alike.
- :func:`load_audio_folder` — genre sub-folders of audio files → paths, labels, track ids; unreadable
  files are reported (in the result and by a warning), never silently dropped.
- :func:`fetch_gtzan` — download the audio archive to a cache (checksum, resume, atomic move), like
  ``sklearn.datasets.fetch_*``.
- :func:`segment_table` — the published 3-second table regenerated from audio (one row per segment).
- :func:`track_id` — the one helper that turns any GTZAN name or path into its track id.
"""
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
import warnings
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import Bunch

from .audio import AudioLoadWarning

__all__ = ["load_gtzan_features", "gtzan_split", "ArtistFilteredSplit", "track_id", "load_audio_folder",
           "fetch_gtzan", "get_data_home", "segment_table", "AUDIO_EXTENSIONS", "GTZAN_URL"]

logger = logging.getLogger(__name__)

#: File name extensions :func:`load_audio_folder` accepts (case-insensitive).
AUDIO_EXTENSIONS = (".wav", ".au", ".mp3", ".flac", ".ogg")

#: The well-known location of the original GTZAN archive (``genres/<genre>/<genre>.000NN.au``, ~1.2 GB).
#: It has moved before and may move again: pass ``url=`` (and ``sha256=``) to :func:`fetch_gtzan` to use a
#: mirror, e.g. ``https://huggingface.co/datasets/marsyas/gtzan/resolve/main/data/genres.tar.gz``.
GTZAN_URL = "http://opihi.cs.uvic.ca/sound/genres.tar.gz"
# The checksum published for GTZAN_URL by mirdata and torchaudio (MD5: no SHA-256 is published for it).
_KNOWN_CHECKSUMS = {GTZAN_URL: ("md5", "5b3d6dddb579ab49814ab86dba69e7c7")}

_DATA = "data"
_SPLITS = {"filtered": ("train", "valid", "test")}
_KINDS = ("30s", "3s")
_GTZAN_NAME = re.compile(r"^(?P<track>[A-Za-z][\w-]*\.\d{5})(?:\.(?P<segment>\d+))?$")
_HOW_TO_GET_3S = ("the Kaggle dataset 'GTZAN Dataset - Music Genre Classification' "
                  "(kaggle.com/datasets/andradaolteanu/gtzan-dataset-music-genre-classification), file "
                  "Data/features_3_sec.csv")


# -- package data ------------------------------------------------------------------------------------------
def _data_file(*parts):
    return resources.files("genreclf").joinpath(_DATA, *parts)


def _descr(name):
    return _data_file("descr", name).read_text(encoding="utf-8")


# -- track ids ---------------------------------------------------------------------------------------------
def track_id(name):
    """The GTZAN track id of a file name, path, segment name or track id.

    ``"blues.00042"``, ``"blues.00042.wav"``, ``"blues.00042.3.wav"`` (a 3-second segment),
    ``"genres/blues/blues.00042.au"`` and ``"C:\\\\gtzan\\\\blues\\\\blues.00042.wav"`` all give ``"blues.00042"``.
    The folder and a known audio extension (:data:`AUDIO_EXTENSIONS`) are removed; a trailing segment
    index is removed only from GTZAN-style names (``<genre>.<5 digits>.<k>``). Other names keep their
    stem (``"my song.mp3"`` → ``"my song"``).

    Parameters
    ----------
    name : str or os.PathLike

    Returns
    -------
    str

    Examples
    --------
    >>> track_id("genres/jazz/jazz.00054.wav"), track_id("rock.00003.7.wav"), track_id("pop.00001")
    ('jazz.00054', 'rock.00003', 'pop.00001')
    """
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if isinstance(name, np.str_):
        name = str(name)
    if not isinstance(name, str):
        raise TypeError(f"track_id expects a file name, path or track id (str), got {type(name).__name__}: "
                        f"{name!r}")
    base = re.split(r"[/\\]", name.strip())[-1]
    stem, ext = os.path.splitext(base)
    if ext.lower() in AUDIO_EXTENSIONS:
        base = stem
    match = _GTZAN_NAME.match(base)
    if match:
        return match.group("track")
    if not base:
        raise ValueError(f"track_id: {name!r} has no file name")
    return base


def _track_ids(values, what):
    try:
        return np.asarray([track_id(v) for v in values], dtype=object)
    except TypeError as err:
        raise TypeError(f"{what}: {err}") from None


# -- the feature tables ------------------------------------------------------------------------------------
def _columns():
    from .features.gtzan import GTZAN_COLUMNS

    return list(GTZAN_COLUMNS)


def _read_csv(source, where, kind, compression="infer"):
    import pandas as pd

    try:
        return pd.read_csv(source, compression=compression)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, gzip.BadGzipFile,
            EOFError) as err:
        raise ValueError(f"{where} is not a readable CSV table ({type(err).__name__}: {err}); expected a "
                         f"GTZAN feature table (kind={kind!r})") from err


def _check_table(df, where, kind):
    """Validate a GTZAN feature table; every message names the file and the fix."""
    import pandas as pd

    expected = "filename, length, the 57 feature columns (chroma_stft_mean ... mfcc20_var) and label"
    columns = _columns()
    missing = [c for c in ["filename", *columns, "label"] if c not in df.columns]
    if missing:
        shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        hint = f" Is it {_HOW_TO_GET_3S}?" if kind == "3s" else " Is it a Kaggle GTZAN features_30_sec.csv?"
        raise ValueError(f"{where} is not a GTZAN feature table: it lacks {len(missing)} column(s): {shown}. "
                         f"Expected {expected}.{hint}")
    if len(df) == 0:
        raise ValueError(f"{where} has the GTZAN columns but no rows")
    for col in ("filename", "label"):
        bad = df[col].isna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{where}: column {col!r} is empty on {int(bad.sum())} row(s), first on line "
                             f"{row + 2} of the file")
    values = df[columns].apply(pd.to_numeric, errors="coerce")
    bad = values.isna().to_numpy()
    if bad.any():
        rows, cols = np.nonzero(bad)
        r, c = int(rows[0]), int(cols[0])
        raise ValueError(f"{where}: {int(bad.sum())} missing or non-numeric feature value(s) in "
                         f"{len(set(rows.tolist()))} row(s); first: column {columns[c]!r} of "
                         f"{df['filename'].iloc[r]!r} (line {r + 2} of the file, value {df[columns[c]].iloc[r]!r}). "
                         "Remove or recompute those rows.")
    filenames = df["filename"].astype(str)
    duplicated = filenames[filenames.duplicated()]
    if len(duplicated):
        raise ValueError(f"{where}: {len(duplicated)} file name(s) appear more than once, e.g. "
                         f"{duplicated.iloc[0]!r}; each row must be one clip or one segment")
    segments = [m.group("segment") is not None for m in
                (_GTZAN_NAME.match(os.path.splitext(f)[0]) for f in filenames) if m]
    if segments:
        if kind == "3s" and not any(segments):
            raise ValueError(f"{where} looks like a 30-second table (names like {filenames.iloc[0]!r}, no "
                             "segment index): load it with kind='30s'")
        if kind == "30s" and all(segments):
            raise ValueError(f"{where} looks like a 3-second table (names like {filenames.iloc[0]!r}): load it "
                             "with kind='3s'")
    return values.to_numpy(dtype=np.float64)


def load_gtzan_features(kind="30s", *, path=None, as_frame=False, return_X_y=False):
    """Load a published GTZAN feature table (57 librosa features per clip or per 3-second segment).

    ======================  ====================================================================
    kind="30s"              1000 rows, one per track (100 per genre); **bundled** with genreclf
    kind="3s"               one row per 3-second segment (9,990 rows in the full table); read from
                            your copy of the Kaggle file ``Data/features_3_sec.csv`` (``path=``)
    features                57 real columns (:data:`genreclf.features.gtzan.GTZAN_COLUMNS`)
    target                  the genre (string), one of 10
    groups                  the track id, e.g. ``"blues.00042"`` (also for segment rows)
    ======================  ====================================================================

    Parameters
    ----------
    kind : {"30s", "3s"}, default="30s"
        Which table. ``"30s"`` without ``path`` reads the bundled copy; ``"3s"`` needs ``path``.
    path : str or os.PathLike, optional
        Your copy of the table (``features_30_sec.csv`` or ``features_3_sec.csv``, optionally gzipped).
    as_frame : bool, default=False
        ``data`` as a pandas DataFrame and ``target`` as a Series, and ``frame`` = the whole table.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of the Bunch.

    Returns
    -------
    data : Bunch
        data : ndarray of shape (n_rows, 57), float64, or DataFrame
        target : ndarray of shape (n_rows,) of str, or Series (named ``label``)
        target_names : ndarray of str, the genres (sorted)
        feature_names : list of str, the 57 column names
        filenames : ndarray of shape (n_rows,) of str, e.g. ``"blues.00042.wav"`` / ``"blues.00042.7.wav"``
        groups : ndarray of shape (n_rows,) of str, the track ids — pass them as ``groups=`` to grouped
            splitters and to :class:`ArtistFilteredSplit`
        frame : DataFrame of shape (n_rows, 60) or None, the table as published (``filename``, ``length``,
            the 57 features, ``label``); only with ``as_frame=True``
        DESCR : str
    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        ``kind="3s"`` without ``path``, or a ``path`` that does not exist.
    ValueError
        An unknown ``kind``, or a file that is not a GTZAN feature table (missing columns, missing or
        non-numeric values, duplicated rows, the other kind of table).

    Notes
    -----
    GTZAN has repeated clips, one artist in many clips and mislabelings (Sturm, 2013): a random split of
    these rows is optimistic. Use ``groups`` for grouped splits and :class:`ArtistFilteredSplit` for the
    artist-filtered protocol.

    Examples
    --------
    >>> gtzan = load_gtzan_features()
    >>> gtzan.data.shape, gtzan.target[0], gtzan.groups[0], gtzan.feature_names[-1]
    ((1000, 57), 'blues', 'blues.00000', 'mfcc20_var')
    >>> X, y = load_gtzan_features(as_frame=True, return_X_y=True)
    >>> X.shape, y.name
    ((1000, 57), 'label')
    """
    if kind not in _KINDS:
        raise ValueError(f"kind={kind!r} is not valid: use '30s' (bundled 30-second table) or '3s' (your "
                         "features_3_sec.csv, with path=)")
    if path is None:
        if kind == "3s":
            raise FileNotFoundError(
                "kind='3s' reads your copy of the published 3-second table, which is not bundled with genreclf: "
                f"download {_HOW_TO_GET_3S} and pass path='.../features_3_sec.csv'. (The bundled table is "
                "kind='30s'; genreclf.datasets.segment_table regenerates 3-second rows from your audio.)")
        where = "the bundled GTZAN 30-second table"
        with _data_file("features_30_sec.csv.gz").open("rb") as fh:
            df = _read_csv(fh, where + " (features_30_sec.csv.gz)", kind, compression="gzip")
    else:
        path = os.fspath(path)
        where = repr(path)
        if not os.path.exists(path):
            get = _HOW_TO_GET_3S if kind == "3s" else "Data/features_30_sec.csv of the same Kaggle dataset"
            raise FileNotFoundError(f"kind={kind!r}: {where} does not exist. The file is {get}.")
        if os.path.isdir(path):
            raise IsADirectoryError(f"kind={kind!r}: {where} is a folder; pass the CSV file itself "
                                    "(for a folder of audio use load_audio_folder)")
        df = _read_csv(path, where, kind)
    data = _check_table(df, where, kind)
    columns = _columns()
    filenames = df["filename"].astype(str).to_numpy(dtype=object)
    target = df["label"].astype(str).to_numpy(dtype=object)
    groups = _track_ids(filenames, where)
    bunch = Bunch(data=data, target=target, target_names=np.array(sorted(set(target)), dtype=object),
                  feature_names=columns, filenames=filenames, groups=groups, frame=None,
                  DESCR=_descr(f"gtzan_features_{kind}.rst"))
    if as_frame:
        import pandas as pd

        frame = df.copy()
        frame[columns] = data
        frame["filename"] = filenames
        frame["label"] = target
        bunch.frame = frame
        bunch.data = pd.DataFrame(data, columns=columns)
        bunch.target = pd.Series(target, name="label")
    if return_X_y:
        return bunch.data, bunch.target
    return bunch


# -- the artist-filtered split -----------------------------------------------------------------------------
def _read_split(name):
    if name not in _SPLITS:
        raise ValueError(f"unknown GTZAN split {name!r}: the available splits are {sorted(_SPLITS)} "
                         "('filtered': the artist-filtered split of Kereliuk, Sturm & Larsen 2015)")
    subsets = {}
    for subset in _SPLITS[name]:
        text = _data_file("splits", f"{subset}_{name}.txt").read_text(encoding="utf-8")
        subsets[subset] = [track_id(line) for line in text.splitlines() if line.strip()]
    return subsets


def gtzan_split(name="filtered"):
    """Track ids of an official GTZAN split, by subset.

    Parameters
    ----------
    name : {"filtered"}, default="filtered"
        ``"filtered"``: the artist-filtered ("fault-filtered") split of Kereliuk, Sturm & Larsen (2015),
        as shipped by torchaudio: 443 train, 197 valid and 290 test tracks, no artist on two sides, and
        70 faulty tracks of GTZAN (repetitions, distortions, mislabelings) on none.

    Returns
    -------
    dict of str → list of str
        ``{"train": [...], "valid": [...], "test": [...]}``, track ids like ``"blues.00012"`` in the
        order of the published lists (a new dict on every call).

    Examples
    --------
    >>> split = gtzan_split("filtered")
    >>> {subset: len(ids) for subset, ids in split.items()}
    {'train': 443, 'valid': 197, 'test': 290}
    >>> split["train"][0]
    'blues.00029'
    """
    return _read_split(name)


def _ids_from_X(X, cls_name):
    """Track ids of the rows of X when X itself names the clips (paths, file names or a 'filename' column)."""
    how = (f"{cls_name} needs the track of every row: pass groups= (track ids such as 'blues.00042' or "
           "file names such as 'blues.00042.3.wav', e.g. the groups of load_gtzan_features), or X as a list "
           "of audio paths, or a DataFrame with a 'filename' column")
    if X is None:
        raise ValueError(how)
    if hasattr(X, "columns") and hasattr(X, "iloc"):
        if "filename" in X.columns:
            return _track_ids(X["filename"].to_numpy(), cls_name)
        raise ValueError(f"{how} (X is a DataFrame without a 'filename' column)")
    if hasattr(X, "to_numpy") and getattr(X, "ndim", 2) == 1:
        X = X.to_numpy()
    if isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.ndim == 1):
        items = list(X)
        if items and all(isinstance(v, (str, np.str_, os.PathLike)) for v in items):
            return _track_ids(items, cls_name)
    shape = getattr(X, "shape", None)
    described = f"X of shape {shape}" if shape is not None else f"X of type {type(X).__name__}"
    raise ValueError(f"{how} ({described} does not name the clips)")


class ArtistFilteredSplit(BaseCrossValidator):
    """The artist-filtered GTZAN split as a scikit-learn splitter: one (train, test) split, rows matched by track.

    Rows are assigned by their track id (:func:`track_id`), so the same splitter serves the 30 s table, 3 s
    segment rows (all segments of a track on one side) and lists of audio paths. Rows whose track is in
    neither side (GTZAN's known faults, or non-GTZAN clips) are left out of both.

    Parameters
    ----------
    train : str or tuple of str, default=("train", "valid")
        Subset(s) of the split used for training: ``"train"``, ``"valid"``, ``"test"``.
    test : str or tuple of str, default="test"
        Subset(s) used for testing. ``ArtistFilteredSplit(train="train", test="valid")`` is the tuning
        split (model selection without the test tracks).
    Notes
    -----
    ``split(X, y=None, groups=None)`` reads the track of each row from ``groups`` (track ids, file names or
    paths) when given, else from ``X`` itself when ``X`` is a list/array of paths or file names or a
    DataFrame with a ``filename`` column. With scikit-learn's metadata routing enabled, ``groups`` is
    requested by default, like the Group* splitters.

    Examples
    --------
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.svm import SVC
    >>> gtzan = load_gtzan_features()
    >>> cv = ArtistFilteredSplit()
    >>> train, test = next(cv.split(gtzan.data, groups=gtzan.groups))
    >>> len(train), len(test)
    (640, 290)
    >>> model = make_pipeline(StandardScaler(), SVC())
    >>> scores = cross_val_score(model, gtzan.data, gtzan.target, groups=gtzan.groups, cv=cv)
    >>> scores.shape
    (1,)
    """

    __metadata_request__split = {"groups": True}

    def __init__(self, train=("train", "valid"), test="test"):
        self.train = train
        self.test = test

    def _subsets(self, param, value, available):
        names = (value,) if isinstance(value, str) else value
        try:
            names = tuple(names)
        except TypeError:
            names = None
        if not names or not all(isinstance(n, str) for n in names):
            raise ValueError(f"{param}={value!r} must be a subset name or a tuple of them: {list(available)}")
        unknown = [n for n in names if n not in available]
        if unknown:
            raise ValueError(f"{param}={value!r}: unknown subset(s) {unknown}; the {self._split_name()!r} split "
                             f"has {list(available)}")
        return names

    def _split_name(self):
        return "filtered"

    def _sides(self):
        subsets = gtzan_split(self._split_name())
        train = self._subsets("train", self.train, subsets)
        test = self._subsets("test", self.test, subsets)
        both = sorted(set(train) & set(test))
        if both:
            raise ValueError(f"train={self.train!r} and test={self.test!r} share subset(s) {both}: a subset "
                             "can be on one side only")
        return ({t for s in train for t in subsets[s]}, {t for s in test for t in subsets[s]})

    def get_n_splits(self, X=None, y=None, groups=None):
        """Always 1: the split is fixed."""
        return 1

    def _iter_test_indices(self, X=None, y=None, groups=None):  # pragma: no cover - split is overridden
        yield from (test for _, test in self._split(X, y, groups))

    def _split(self, X, y, groups):
        name = type(self).__name__
        if groups is not None:
            if isinstance(groups, (str, os.PathLike)):
                raise TypeError(f"{name}: groups must hold one track id or file name per row, got a single "
                                f"{type(groups).__name__}")
            ids = _track_ids(np.asarray(groups, dtype=object).ravel(), f"{name} groups")
            n_rows = None if X is None else _n_rows(X)
            if n_rows is not None and n_rows != len(ids):
                raise ValueError(f"{name}: groups has {len(ids)} entries but X has {n_rows} rows")
        else:
            ids = _ids_from_X(X, name)
        train_ids, test_ids = self._sides()
        in_train = np.fromiter((t in train_ids for t in ids), dtype=bool, count=len(ids))
        in_test = np.fromiter((t in test_ids for t in ids), dtype=bool, count=len(ids))
        for side, mask, param in (("train", in_train, self.train), ("test", in_test, self.test)):
            if not mask.any():
                example = ids[0] if len(ids) else None
                raise ValueError(
                    f"{name}: none of the {len(ids)} rows belongs to the {side} side ({param!r}) of the "
                    f"{self._split_name()!r} split (first track id: {example!r}). The rows must be GTZAN "
                    "tracks named like 'blues.00042' (groups=, file names or paths).")
        yield np.flatnonzero(in_train), np.flatnonzero(in_test)

    def split(self, X=None, y=None, groups=None):
        """Yield the one ``(train_indices, test_indices)`` pair.

        Parameters
        ----------
        X : array-like of shape (n_rows, ...), list of str or DataFrame
            The rows; used for the track ids only when ``groups`` is None.
        y : ignored
        groups : array-like of shape (n_rows,) of str, optional
            Track ids (``"blues.00042"``), file names (``"blues.00042.wav"``, ``"blues.00042.3.wav"``) or
            paths.

        Yields
        ------
        train : ndarray of int
        test : ndarray of int
        """
        yield from self._split(X, y, groups)


def _n_rows(X):
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape):
        return int(shape[0])
    try:
        return len(X)
    except TypeError:
        return None


# -- audio folders -----------------------------------------------------------------------------------------
def _probe(path):
    """Why ``path`` cannot be decoded (header-only checks), or None if it looks fine."""
    import soundfile as sf

    from .audio import _check_riff

    try:
        if os.path.getsize(path) == 0:
            return "file is empty (0 bytes)"
        _check_riff(path)
        info = sf.info(path)
        if info.frames == 0:
            return "no audio frames"
    except Exception as err:  # soundfile raises several types (LibsndfileError, RuntimeError, ...)
        return f"{type(err).__name__}: {err}"
    return None


def load_audio_folder(path):
    """List the audio files of a folder of genre sub-folders: paths, labels and track ids.

    ``path/<label>/<file>`` → one clip labelled ``<label>``, like ``sklearn.datasets.load_files(path,
    load_content=False)`` but in a stable sorted order and for audio. Only files with an audio extension
    (:data:`AUDIO_EXTENSIONS`: .wav .au .mp3 .flac .ogg) in the immediate sub-folders are taken; every one
    is checked cheaply (its header is decoded with ``soundfile.info``). Files that cannot be decoded are
    **not** in ``filenames``: they are listed in ``unreadable`` and reported by an
    :class:`~genreclf.audio.AudioLoadWarning`.

    Parameters
    ----------
    path : str or os.PathLike
        The folder, e.g. the ``genres_original`` folder of the Kaggle download.

    Returns
    -------
    data : Bunch
        filenames : ndarray of shape (n_clips,) of str, sorted by label then file name
        target : ndarray of shape (n_clips,) of str, the sub-folder names
        target_names : ndarray of str, the sorted sub-folder names that hold audio files
        groups : ndarray of shape (n_clips,) of str, track ids (:func:`track_id`)
        unreadable : list of (str, str), ``(path, reason)`` of every audio file that cannot be decoded
        DESCR : None

    Raises
    ------
    FileNotFoundError / NotADirectoryError
        ``path`` does not exist or is a file.
    ValueError
        No audio file in any sub-folder.

    Examples
    --------
    >>> import tempfile, numpy as np, soundfile as sf
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp())
    >>> for name in ("blues/blues.00001.wav", "rock/rock.00007.wav"):
    ...     (root / name).parent.mkdir(exist_ok=True)
    ...     sf.write(root / name, np.zeros(2048, dtype=np.float32) + 0.1, 22050)
    >>> clips = load_audio_folder(root)
    >>> list(clips.target), list(clips.groups), clips.unreadable
    (['blues', 'rock'], ['blues.00001', 'rock.00007'], [])
    """
    root = Path(os.fspath(path))
    if not root.exists():
        raise FileNotFoundError(f"audio folder {str(root)!r} does not exist")
    if not root.is_dir():
        raise NotADirectoryError(f"{str(root)!r} is a file: pass the folder that holds one sub-folder per genre")
    candidates = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for f in sorted(folder.iterdir()):
            if f.is_file() and not f.name.startswith(".") and f.suffix.lower() in AUDIO_EXTENSIONS:
                candidates.append((folder.name, str(f)))
    if not candidates:
        loose = [f.name for f in root.iterdir() if f.is_file() and f.suffix.lower() in AUDIO_EXTENSIONS]
        hint = (f"; {len(loose)} audio file(s) sit directly in it: put each in a sub-folder named after its "
                "label") if loose else ""
        raise ValueError(f"no audio file ({', '.join(AUDIO_EXTENSIONS)}) in the sub-folders of {str(root)!r}: "
                         f"expected {str(root)!r}/<genre>/<clip>{hint}")
    filenames, target, unreadable, failures = [], [], [], []
    for i, (label, f) in enumerate(candidates):
        reason = _probe(f)
        if reason is None:
            filenames.append(f)
            target.append(label)
        else:
            unreadable.append((f, reason))
            failures.append((i, f, reason))
    if unreadable:
        listing = "; ".join(f"{f!r}: {reason}" for f, reason in unreadable)
        warnings.warn(AudioLoadWarning(f"load_audio_folder: {len(unreadable)} of {len(candidates)} audio file(s) "
                                       f"in {str(root)!r} cannot be decoded and are left out of filenames (see "
                                       f"the 'unreadable' field): {listing}", failures), stacklevel=2)
    return Bunch(filenames=np.asarray(filenames, dtype=object), target=np.asarray(target, dtype=object),
                 target_names=np.asarray(sorted({label for label, _ in candidates}), dtype=object),
                 groups=_track_ids(filenames, "load_audio_folder"), unreadable=unreadable, DESCR=None)


# -- download ----------------------------------------------------------------------------------------------
def get_data_home(data_home=None):
    """The folder where :func:`fetch_gtzan` keeps downloads: ``data_home``, else ``$GENRECLF_DATA``, else
    ``~/genreclf_data``; created if missing.

    Parameters
    ----------
    data_home : str or os.PathLike, optional

    Returns
    -------
    str

    Examples
    --------
    >>> import os, tempfile
    >>> home = get_data_home(os.path.join(tempfile.mkdtemp(), "cache"))
    >>> os.path.isdir(home)
    True
    """
    if data_home is None:
        data_home = os.environ.get("GENRECLF_DATA", os.path.join("~", "genreclf_data"))
    data_home = os.path.expanduser(os.fspath(data_home))
    os.makedirs(data_home, exist_ok=True)
    return data_home


def _hash(path, algorithm):
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _Fatal(Exception):
    """A download error that retrying cannot fix (404, bad URL)."""


def _fetch_to_part(url, part, timeout):
    """Append the rest of ``url`` to ``part`` (resuming from its size); restart if the source cannot resume."""
    import http.client
    from urllib.error import HTTPError
    from urllib.request import Request, urlopen

    offset = part.stat().st_size if part.exists() else 0
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        source = Path(url2pathname(parsed.path) if parsed.scheme else url)
        if not source.is_file():
            raise _Fatal(f"{url!r}: no such file")
        size = source.stat().st_size
        if offset > size:
            offset = 0
        with open(source, "rb") as src, open(part, "ab" if offset else "wb") as dst:
            src.seek(offset)
            shutil.copyfileobj(src, dst, 1 << 20)
        return
    if parsed.scheme not in ("http", "https"):
        raise _Fatal(f"url={url!r}: only http(s):// and file:// URLs are supported")
    from . import __version__

    request = Request(url, headers={"User-Agent": f"genreclf/{__version__}"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urlopen(request, timeout=timeout)
    except HTTPError as err:
        if err.code == 416 and offset:
            return  # nothing left to fetch: the part is complete (or wrong, which the checksum will tell)
        if 400 <= err.code < 500 and err.code not in (408, 429):
            raise _Fatal(f"{url!r}: HTTP {err.code} {err.reason}") from err
        raise
    with response:
        resumed = offset and response.status == 206 and (
            response.headers.get("Content-Range", "").startswith(f"bytes {offset}-"))
        if offset and not resumed:
            logger.info("%s does not resume downloads: starting %s again", url, part.name)
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length and length.isdigit() else None
        done, last = offset, time.monotonic()
        with open(part, "ab" if offset else "wb") as dst:
            while True:
                try:
                    block = response.read(1 << 20)
                except http.client.IncompleteRead as err:
                    dst.write(err.partial)
                    raise
                if not block:
                    break
                dst.write(block)
                done += len(block)
                if time.monotonic() - last > 5:
                    last = time.monotonic()
                    logger.info("downloading %s: %d%s bytes", part.name, done, f" of {total}" if total else "")
        if total is not None and done < total:
            raise OSError(f"connection closed after {done} of {total} bytes")


def _download(url, dest, checksum, n_retries, delay, timeout=60):
    """Download ``url`` to ``dest`` through ``dest.part``: resume, verify, then move into place atomically.

    A partial download is kept on interruption (the next call resumes it); a file whose checksum does not
    match is deleted, never used, and fetched again.
    """
    part = dest.with_name(dest.name + ".part")
    algorithm, expected = checksum if checksum else (None, None)
    mismatch = None
    for attempt in range(n_retries + 1):
        try:
            _fetch_to_part(url, part, timeout)
        except _Fatal as err:
            raise OSError(f"cannot download {err}") from None
        except Exception as err:  # network, HTTP 5xx, truncated transfer, disk: retry, resuming the part
            if attempt < n_retries:
                logger.warning("download of %s failed (%s); retrying in %s s (%d left)", url, err, delay,
                               n_retries - attempt)
                time.sleep(delay)
                continue
            kept = (f"; the partial file {str(part)!r} ({part.stat().st_size} bytes) is kept and the next call "
                    "resumes it") if part.exists() else ""
            raise OSError(f"cannot download {url!r} after {n_retries + 1} attempt(s): {type(err).__name__}: "
                          f"{err}{kept}") from err
        if algorithm is None:
            os.replace(part, dest)
            return dest
        actual = _hash(part, algorithm)
        if actual == expected:
            os.replace(part, dest)
            return dest
        mismatch = (part.stat().st_size, actual)
        part.unlink()
        warnings.warn(f"the download of {url!r} has {algorithm} {actual}, expected {expected}: deleted"
                      + (", fetching it again" if attempt < n_retries else ""), RuntimeWarning, stacklevel=3)
        if attempt < n_retries:
            time.sleep(delay)
    raise OSError(f"{str(dest)!r} downloaded from {url!r} ({mismatch[0]} bytes) has {algorithm} {mismatch[1]} "
                  f"but {expected} was expected, {n_retries + 1} time(s); the file was deleted. If the archive "
                  "has legitimately changed, pass its sha256= (or a trusted mirror's url=)")


def _archive_stem(filename):
    for ext in (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip"):
        if filename.lower().endswith(ext):
            return filename[: -len(ext)]
    return filename


def _extract(archive, target):
    """Extract into a temporary sibling folder, then rename it to ``target`` (all or nothing)."""
    import tarfile
    import zipfile

    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".extract-", dir=target.parent))
    try:
        if tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter="data")
        elif zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(tmp)
        else:
            raise ValueError("not a tar or zip archive")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except Exception as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OSError(f"cannot extract {str(archive)!r}: {type(err).__name__}: {err}; the archive is deleted, "
                      "call fetch_gtzan again to download it anew") from err


def _has_audio(folder):
    return any(p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS for p in folder.iterdir())


def _dataset_root(folder):
    """Descend through wrapper folders (``genres/``) to the folder whose sub-folders hold the audio."""
    while True:
        subdirs = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "__MACOSX"))]
        if len(subdirs) != 1 or _has_audio(folder) or _has_audio(subdirs[0]):
            return folder
        folder = subdirs[0]


def fetch_gtzan(data_home=None, *, url=GTZAN_URL, sha256=None, download_if_missing=True, n_retries=3, delay=1.0):
    """Download the GTZAN audio archive (once) and list its clips like :func:`load_audio_folder`.

    The archive goes to ``<data_home>/gtzan/<name>.part`` first: an interrupted download is kept and the
    next call resumes it (HTTP ``Range``), the checksum is verified, and only then is the file moved into
    place (``os.replace``) and extracted into a temporary folder that is renamed when complete, so a cache is
    either whole or absent. A file with a wrong checksum is deleted and fetched again, never used.
    Progress is logged (``logging.getLogger("genreclf.datasets")``).

    Parameters
    ----------
    data_home : str or os.PathLike, optional
        Cache folder; default :func:`get_data_home` (``$GENRECLF_DATA`` or ``~/genreclf_data``).
    url : str, default=GTZAN_URL
        Where the archive is (``http(s)://`` or ``file://``; ``.tar.gz``, ``.tar``, ``.zip``). The default is
        the well-known original location, which has moved before: pass a mirror's ``url=`` (and ``sha256=``)
        if it is unreachable.
    sha256 : str, optional
        SHA-256 of the archive. ``None`` with the default URL verifies the MD5 published for it (by mirdata and
        torchaudio); ``None`` with another URL downloads unverified, with a warning giving the SHA-256 to pin.
    download_if_missing : bool, default=True
        If False, raise ``OSError`` when the data is not cached instead of downloading it.
    n_retries : int >= 0, default=3
        Further attempts after a failed or corrupt download (each resumes the partial file).
    delay : float >= 0, default=1.0
        Seconds between attempts.

    Returns
    -------
    data : Bunch
        As :func:`load_audio_folder` (``filenames``, ``target``, ``target_names``, ``groups``,
        ``unreadable``) plus ``DESCR`` and ``path`` (the extracted folder).

    Examples
    --------
    A local archive (``file://``) made on the fly; the real one is ~1.2 GB:

    >>> import hashlib, tarfile, tempfile, numpy as np, soundfile as sf
    >>> from pathlib import Path
    >>> tmp = Path(tempfile.mkdtemp())
    >>> (tmp / "genres" / "jazz").mkdir(parents=True)
    >>> sf.write(tmp / "genres" / "jazz" / "jazz.00003.wav", np.full(4096, 0.1, dtype=np.float32), 22050)
    >>> with tarfile.open(tmp / "genres.tar.gz", "w:gz") as tar:
    ...     tar.add(tmp / "genres", arcname="genres")
    >>> digest = hashlib.sha256((tmp / "genres.tar.gz").read_bytes()).hexdigest()
    >>> gtzan = fetch_gtzan(tmp / "cache", url=(tmp / "genres.tar.gz").as_uri(), sha256=digest)
    >>> list(gtzan.groups), list(gtzan.target)
    (['jazz.00003'], ['jazz'])
    """
    if not (isinstance(n_retries, (int, np.integer)) and n_retries >= 0):
        raise ValueError(f"n_retries={n_retries!r} must be an int >= 0")
    if sha256 is not None:
        if not (isinstance(sha256, str) and re.fullmatch(r"[0-9a-fA-F]{64}", sha256)):
            raise ValueError(f"sha256={sha256!r} must be 64 hexadecimal digits (the SHA-256 of the archive)")
        checksum = ("sha256", sha256.lower())
    else:
        checksum = _KNOWN_CHECKSUMS.get(url)
    filename = os.path.basename(urlparse(url).path) or "gtzan_archive"
    home = Path(get_data_home(data_home)) / "gtzan"
    home.mkdir(parents=True, exist_ok=True)
    stem = _archive_stem(filename)
    folder = home / (stem if stem != filename else filename + "_extracted")
    stamp_file = folder / ".genreclf_source.json"
    if folder.is_dir():
        try:
            stamp = json.loads(stamp_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stamp = None
        if stamp is not None and (checksum is None or stamp.get("checksum") == list(checksum)):
            return _audio_bunch(folder)
        warnings.warn(f"the cached GTZAN folder {str(folder)!r} does not come from an archive with the requested "
                      "checksum: fetching it again", RuntimeWarning, stacklevel=2)
    if not download_if_missing:
        raise OSError(f"GTZAN is not in {str(home)!r} and download_if_missing=False: call "
                      "fetch_gtzan(download_if_missing=True) or pass data_home= where it was downloaded")
    archive = home / filename
    if archive.exists():  # a complete earlier download that was not extracted: verify it before use
        if checksum is not None and _hash(archive, checksum[0]) != checksum[1]:
            warnings.warn(f"{str(archive)!r} does not match its checksum: deleted and downloaded again",
                          RuntimeWarning, stacklevel=2)
            archive.unlink()
    if not archive.exists():
        logger.info("downloading %s to %s", url, archive)
        _download(url, archive, checksum, n_retries, delay)
    if checksum is None:
        digest = _hash(archive, "sha256")
        warnings.warn(f"{url!r} was downloaded without a checksum to verify; its sha256 is {digest}: pass "
                      f"sha256='{digest}' to pin it", RuntimeWarning, stacklevel=2)
        checksum = ("sha256", digest)
    try:
        _extract(archive, folder)
    except OSError:
        archive.unlink(missing_ok=True)
        raise
    stamp_tmp = folder / ".genreclf_source.json.tmp"
    stamp_tmp.write_text(json.dumps({"url": url, "checksum": list(checksum)}), encoding="utf-8")
    os.replace(stamp_tmp, stamp_file)
    archive.unlink()  # the extracted folder is the cache; the archive would double the disk space
    return _audio_bunch(folder)


def _audio_bunch(folder):
    root = _dataset_root(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AudioLoadWarning)
        bunch = load_audio_folder(root)
    if bunch.unreadable:
        listing = "; ".join(f"{f!r}: {reason}" for f, reason in bunch.unreadable)
        warnings.warn(AudioLoadWarning(f"fetch_gtzan: {len(bunch.unreadable)} audio file(s) cannot be decoded and "
                                       f"are left out of filenames (see 'unreadable'): {listing}",
                                       [(None, f, r) for f, r in bunch.unreadable]), stacklevel=3)
    bunch.DESCR = _descr("gtzan_audio.rst")
    bunch.path = str(root)
    return bunch


# -- segment features from audio ---------------------------------------------------------------------------
def segment_table(paths, *, labels=None, n_segments=10, n_jobs=None, verbose=0):
    """The published 3-second GTZAN table, computed from your audio: one row per segment.

    Each clip is cut into ``n_segments`` consecutive segments of 66,149 samples at 22,050 Hz
    (:class:`~genreclf.features.GTZANFeatures` with ``segments=n_segments``), and segment ``k`` of
    ``.../blues.00042.wav`` becomes the row ``blues.00042.k.wav`` — the layout of Kaggle's
    ``features_3_sec.csv``, so ``table.frame.to_csv(path, index=False)`` writes a file that
    ``load_gtzan_features(kind="3s", path=path)`` reads.

    Segments that cannot be computed (a clip too short for all ``n_segments``, or an unreadable clip) are
    left out of the table — as in the published table, whose short clips have 9 rows — but never silently:
    they are listed in ``skipped`` and reported by an :class:`~genreclf.audio.AudioLoadWarning`.

    Parameters
    ----------
    paths : list of str or os.PathLike
        Audio files (e.g. ``load_audio_folder(...).filenames``).
    labels : list of str, optional
        One label per path; default: each file's folder name (``genres/blues/x.wav`` → ``"blues"``).
    n_segments : int > 0, default=10
    n_jobs : int, optional
        Clips processed in parallel (joblib).
    verbose : int, default=0
        ``> 0`` shows a progress bar.

    Returns
    -------
    data : Bunch
        frame : DataFrame, the table in the published layout (``filename``, ``length``, the 57 features,
            ``label``), rows in the order of ``paths`` then segment
        data : ndarray of shape (n_rows, 57), float64
        target : ndarray of shape (n_rows,) of str
        groups : ndarray of shape (n_rows,) of str, the track id of each row (for grouped splitters and
            :class:`ArtistFilteredSplit`)
        filenames : ndarray of shape (n_rows,) of str, ``<track>.<k>.wav``
        feature_names : list of str
        skipped : list of (str, str), ``(segment name, reason)`` of every segment left out

    Examples
    --------
    >>> import tempfile, numpy as np, soundfile as sf
    >>> from pathlib import Path
    >>> clip = Path(tempfile.mkdtemp()) / "jazz" / "jazz.00003.wav"
    >>> clip.parent.mkdir()
    >>> noise = np.random.default_rng(0).normal(scale=0.1, size=2 * 66149 + 100).astype(np.float32)
    >>> sf.write(clip, noise, 22050)
    >>> table = segment_table([clip], n_segments=2)
    >>> list(table.frame["filename"]), table.data.shape, list(table.groups)
    (['jazz.00003.0.wav', 'jazz.00003.1.wav'], (2, 57), ['jazz.00003', 'jazz.00003'])
    """
    import pandas as pd

    from .features.gtzan import GTZANFeatures

    if isinstance(paths, (str, os.PathLike)):
        raise TypeError("paths must be a list of audio files, got a single path: wrap it in a list, [path]")
    paths = list(paths)
    if not paths or not all(isinstance(p, (str, np.str_, os.PathLike)) for p in paths):
        raise TypeError("paths must be a non-empty list of audio file paths")
    if not (isinstance(n_segments, (int, np.integer)) and n_segments > 0):
        raise ValueError(f"n_segments={n_segments!r} must be a positive int")
    if labels is None:
        labels = [Path(os.fspath(p)).parent.name for p in paths]
    else:
        labels = [str(label) for label in labels]
        if len(labels) != len(paths):
            raise ValueError(f"labels has {len(labels)} entries but paths has {len(paths)}")
    extractor = GTZANFeatures(segments=n_segments, on_error="nan", n_jobs=n_jobs, verbose=verbose)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        features = extractor.fit_transform([os.fspath(p) for p in paths])  # (n_clips, n_segments, 57)
    unreadable = {}
    for w in caught:
        if isinstance(w.message, AudioLoadWarning):
            unreadable.update({i: cause for i, _, cause in w.message.failures})
        elif not (issubclass(w.category, UserWarning) and "segments of" in str(w.message)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    columns = _columns()
    rows, names, target, groups, skipped, failures = [], [], [], [], [], []
    for i, (path, label) in enumerate(zip(paths, labels)):
        tid = track_id(path)
        for k in range(n_segments):
            name = f"{tid}.{k}.wav"
            values = features[i, k]
            if i in unreadable:
                reason = f"the clip cannot be used: {unreadable[i]}"
            elif np.isnan(values).all():
                reason = (f"the clip does not extend beyond {(k + 1) * extractor.segment_hop} samples, "
                          f"where segment {k} ends ({extractor.segment_samples} samples every "
                          f"{extractor.segment_hop})")
            elif np.isnan(values).any():
                bad = [columns[j] for j in np.flatnonzero(np.isnan(values))]
                reason = f"NaN features: {', '.join(bad)}"
            else:
                rows.append(values)
                names.append(name)
                target.append(label)
                groups.append(tid)
                continue
            skipped.append((name, reason))
            failures.append((i, os.fspath(path), f"{name}: {reason}"))
    if skipped:
        shown = "; ".join(f"{n}: {r}" for n, r in skipped[:10]) + (" ..." if len(skipped) > 10 else "")
        warnings.warn(AudioLoadWarning(f"segment_table: {len(skipped)} of {len(paths) * n_segments} segment(s) "
                                       f"are left out of the table (see 'skipped'): {shown}", failures),
                      stacklevel=2)
    data = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(columns))
    frame = pd.DataFrame(data, columns=columns)
    frame.insert(0, "filename", np.asarray(names, dtype=object))
    frame.insert(1, "length", np.full(len(rows), extractor.segment_samples, dtype=np.int64))
    frame["label"] = np.asarray(target, dtype=object)
    return Bunch(frame=frame, data=data, target=np.asarray(target, dtype=object),
                 groups=np.asarray(groups, dtype=object), filenames=np.asarray(names, dtype=object),
                 feature_names=columns, skipped=skipped)
