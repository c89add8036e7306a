"""The published GTZAN feature table, computed from your own audio: one row per clip or per 3-second segment."""
import os
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .._defaults import SEGMENT_HOP, SEGMENT_SAMPLES, SR
from .._deprecation import warn_deprecated_function
from ..audio import AudioLoadWarning, clip_length
from ..features.gtzan import GTZAN_COLUMNS, GTZANFeatures
from ..segments import IncompleteSegmentsWarning, flatten_segments
from ._audio_folder import load_audio_folder
from ._track_ids import track_id

__all__ = ["gtzan_table", "segment_table"]


def _clips(source, labels):
    """(paths, labels, unreadable files as (path, reason)) of a folder or of a list of paths."""
    if isinstance(source, (str, os.PathLike)):
        if not os.path.isdir(source):
            raise TypeError(f"source={os.fspath(source)!r} is a single path, not a folder: pass a folder of genre "
                            "sub-folders, or a list of audio files (wrap a single file in a list, [path])")
        if labels is not None:
            raise ValueError("labels= goes with a list of paths; the labels of a folder are its sub-folder names")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AudioLoadWarning)  # reported with the other left-out rows
            clips = load_audio_folder(source)
        return list(clips.filenames), list(clips.target), list(clips.unreadable)
    paths = list(source)
    if not paths or not all(isinstance(p, (str, np.str_, os.PathLike)) for p in paths):
        raise TypeError("source must be a folder or a non-empty list of audio file paths")
    paths = [os.fspath(p) for p in paths]
    if labels is None:
        labels = [Path(p).parent.name for p in paths]
    else:
        labels = [str(label) for label in labels]
        if len(labels) != len(paths):
            raise ValueError(f"labels has {len(labels)} entries but paths has {len(paths)}")
    return paths, labels, []


def _header_length(path):
    """The clip's length in samples at 22,050 Hz from its header; 0 when it cannot be read (the extractor then
    reports the file with the other unusable clips)."""
    try:
        return clip_length(path, sr=SR)
    except Exception:
        return 0


def gtzan_table(source, *, labels=None, n_segments=None, n_jobs=None, verbose=0):
    """The published GTZAN feature table, computed from audio: one row per clip or per 3-second segment.

    The layout is that of Kaggle's ``features_30_sec.csv`` (``n_segments=None``: rows named after their files,
    ``length`` in samples at 22,050 Hz) or ``features_3_sec.csv`` (``n_segments=10``: segment ``k`` of
    ``.../blues.00042.wav`` is the row ``blues.00042.k.wav``, 66,149 samples long), so
    ``table.frame.to_csv(path, index=False)`` writes a file that :func:`load_gtzan_features` reads. The features
    are :class:`~genreclf.features.GTZANFeatures`.

    Rows that cannot be computed (an unreadable file, a clip too short for all ``n_segments``, NaN features) are
    left out of the table — as in the published 3 s table, whose short clips have 9 rows — but never silently:
    they are listed in ``skipped`` and reported by one :class:`~genreclf.audio.AudioLoadWarning`.

    Parameters
    ----------
    source : str or os.PathLike, or list of them
        A folder of genre sub-folders (:func:`load_audio_folder`; labels are the sub-folder names), or audio
        files.
    labels : list of str, optional
        One label per path of a list; default: each file's folder name (``genres/blues/x.wav`` → ``"blues"``).
    n_segments : int > 0 or None, default=None
        ``None``: one row per clip (the 30 s table). ``k``: one row per segment of the first ``k`` (the 3 s
        table is ``n_segments=10``).
    n_jobs : int, optional
        Clips processed in parallel (joblib).
    verbose : int, default=0
        ``> 0`` shows a progress bar.

    Returns
    -------
    data : Bunch
        frame : DataFrame, the table in the published layout (``filename``, ``length``, the 57 features,
            ``label``), rows in the order of the clips, then of the segments
        data : ndarray of shape (n_rows, 57), float64
        target : ndarray of shape (n_rows,) of str
        groups : ndarray of shape (n_rows,) of str, the track id of each row (for grouped splitters and
            :class:`ArtistFilteredSplit`)
        filenames : ndarray of shape (n_rows,) of str, the ``filename`` column
        feature_names : list of str
        skipped : list of (str, str), ``(name, reason)`` of every row left out: the path of a file that cannot be
            decoded, else the row's ``filename``

    Examples
    --------
    >>> import tempfile, numpy as np, soundfile as sf
    >>> from pathlib import Path
    >>> clip = Path(tempfile.mkdtemp()) / "jazz" / "jazz.00003.wav"
    >>> clip.parent.mkdir()
    >>> noise = np.random.default_rng(0).normal(scale=0.1, size=2 * 66149 + 100).astype(np.float32)
    >>> sf.write(clip, noise, 22050)
    >>> table = gtzan_table([clip], n_segments=2)
    >>> list(table.frame["filename"]), table.data.shape, list(table.groups)
    (['jazz.00003.0.wav', 'jazz.00003.1.wav'], (2, 57), ['jazz.00003', 'jazz.00003'])
    >>> gtzan_table(clip.parent.parent).frame[["filename", "length", "label"]].values.tolist()
    [['jazz.00003.wav', 132398, 'jazz']]
    """
    import pandas as pd

    extractor = GTZANFeatures(n_segments=n_segments, on_error="nan", n_jobs=n_jobs, verbose=verbose)
    extractor._check_params()  # a bad n_segments is named before any file is read
    paths, labels, unreadable_files = _clips(source, labels)
    if n_segments is not None and paths:  # from the headers, before any decoding: a row per segment that fits
        longest = max(_header_length(p) for p in paths)
        fits = 0 if longest < SEGMENT_SAMPLES else 1 + (longest - SEGMENT_SAMPLES) // SEGMENT_HOP
        if n_segments > fits:
            holds = (f"holds {fits}; ask for {fits} or fewer" if fits else
                     "is shorter than one segment; leave segments out to get one row per clip")
            raise ValueError(f"gtzan_table: n_segments={n_segments} segments of 3 s do not fit in any clip: the "
                             f"longest, {longest / SR:.1f} s, {holds}")
    columns = list(GTZAN_COLUMNS)
    unusable = {}
    if paths:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            features = extractor.fit_transform(paths)
        for w in caught:
            if isinstance(w.message, AudioLoadWarning):
                unusable.update({i: cause for i, _, cause in w.message.failures})
            elif not issubclass(w.category, IncompleteSegmentsWarning):  # those are the rows reported below
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    else:
        features = np.zeros((0, len(columns)))
    per_clip = features[:, np.newaxis] if n_segments is None else features       # (n_clips, k, 57)
    values, clip, segment = flatten_segments(per_clip)
    skipped = list(unreadable_files)
    failures = [(None, p, reason) for p, reason in unreadable_files]
    keep = np.zeros(len(values), dtype=bool)
    names = []
    for row, (i, k) in enumerate(zip(clip, segment)):
        name = Path(paths[i]).name if n_segments is None else f"{track_id(paths[i])}.{k}.wav"
        names.append(name)
        nan = np.isnan(values[row])
        if i in unusable:
            reason = f"the clip cannot be used: {unusable[i]}"
        elif nan.all() and n_segments is not None:
            reason = (f"the clip does not extend beyond {(k + 1) * extractor.segment_hop} samples, where segment "
                      f"{k} ends ({extractor.segment_samples} samples every {extractor.segment_hop})")
        elif nan.any():
            reason = f"NaN features: {', '.join(columns[j] for j in np.flatnonzero(nan))}"
        else:
            keep[row] = True
            continue
        skipped.append((name, reason))
        failures.append((int(i), paths[i], f"{name}: {reason}"))
    if skipped:
        shown = "; ".join(f"{n}: {r}" for n, r in skipped[:10]) + (" ..." if len(skipped) > 10 else "")
        unit = "clip(s)" if n_segments is None else "segment(s)"
        warnings.warn(AudioLoadWarning(f"gtzan_table: {len(skipped)} of {len(values) + len(unreadable_files)} "
                                       f"{unit} are left out of the table (see 'skipped'): {shown}", failures),
                      stacklevel=2)
    if not keep.any():
        raise ValueError(f"gtzan_table: no row could be computed from {_described(source)}: "
                         + "; ".join(f"{n}: {r}" for n, r in skipped[:5]))
    data = values[keep]
    rows = np.flatnonzero(keep)
    names = np.asarray(names, dtype=object)[rows]
    if n_segments is None:
        lengths = [clip_length(paths[i], sr=SR) for i in clip[rows]]
    else:
        lengths = np.full(len(rows), extractor.segment_samples, dtype=np.int64)
    target = np.asarray(labels, dtype=object)[clip[rows]]
    groups = np.asarray([track_id(paths[i]) for i in clip[rows]], dtype=object)
    frame = pd.DataFrame(data, columns=columns)
    frame.insert(0, "filename", names)
    frame.insert(1, "length", np.asarray(lengths, dtype=np.int64))
    frame["label"] = target
    return Bunch(frame=frame, data=data, target=target, groups=groups, filenames=names, feature_names=columns,
                 skipped=skipped)


def _described(source):
    return repr(os.fspath(source)) if isinstance(source, (str, os.PathLike)) else f"{len(list(source))} file(s)"


def segment_table(paths, *, labels=None, n_segments=10, n_jobs=None, verbose=0):
    """Deprecated since 0.2: ``gtzan_table(paths, n_segments=10)``, which also makes the 30 s table."""
    warn_deprecated_function("segment_table", "gtzan_table(paths, n_segments=10)")
    return gtzan_table(paths, labels=labels, n_segments=n_segments, n_jobs=n_jobs, verbose=verbose)
