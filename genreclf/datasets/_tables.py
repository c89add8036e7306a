"""The published GTZAN feature tables: the bundled 30-second table, and the user's own 3-second copy."""
import gzip
import os

import numpy as np
from sklearn.utils import Bunch

from ..features.gtzan import GTZAN_COLUMNS
from ._base import data_file, descr
from ._track_ids import GTZAN_NAME, track_ids

__all__ = ["load_gtzan_features", "load_feature_table"]

_KINDS = ("30s", "3s")
_HOW_TO_GET_3S = ("the Kaggle dataset 'GTZAN Dataset - Music Genre Classification' "
                  "(kaggle.com/datasets/andradaolteanu/gtzan-dataset-music-genre-classification), file "
                  "Data/features_3_sec.csv")


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

    expected = "filename, length, the 57 feature columns (chroma_stft_mean ... mfcc20_var) and label"
    columns = list(GTZAN_COLUMNS)
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
    values = _numeric(df, columns, where, names=df["filename"].astype(str))
    filenames = df["filename"].astype(str)
    segments = [m.group("segment") is not None for m in
                (GTZAN_NAME.match(os.path.splitext(f)[0]) for f in filenames) if m]
    if segments:
        if kind == "3s" and not any(segments):
            raise ValueError(f"{where} looks like a 30-second table (names like {filenames.iloc[0]!r}, no "
                             "segment index): load it with kind='30s'")
        if kind == "30s" and all(segments):
            raise ValueError(f"{where} looks like a 3-second table (names like {filenames.iloc[0]!r}): load it "
                             "with kind='3s'")
    _check_unique(filenames if kind == "3s" else track_ids(filenames, where), where,
                  "segment" if kind == "3s" else "track", filenames)
    return values


def _numeric(df, columns, where, names=None):
    """The feature columns as float64, or an error naming the first missing, non-numeric or infinite value."""
    import pandas as pd

    values = df[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    for bad, what in ((np.isnan(values), "missing or non-numeric"), (np.isinf(values), "infinite")):
        if bad.any():
            rows, cols = np.nonzero(bad)
            r, c = int(rows[0]), int(cols[0])
            row = f"{names.iloc[r]!r} (line {r + 2} of the file" if names is not None else f"(line {r + 2} of the file"
            raise ValueError(f"{where}: {int(bad.sum())} {what} feature value(s) in {len(set(rows.tolist()))} "
                             f"row(s); first: column {columns[c]!r} of {row}, value {df[columns[c]].iloc[r]!r}). "
                             "Remove or recompute those rows.")
    return values


def _check_unique(keys, where, what, names):
    """Each track (or segment) once: a duplicate is an error naming it, its rows' file names and their lines."""
    keys = np.asarray(keys, dtype=object)
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    if (counts > 1).any():
        repeated = keys[np.sort(first[counts > 1])[0]]
        rows = np.flatnonzero(keys == repeated)
        listing = ", ".join(f"{names.iloc[i]!r} on line {i + 2}" for i in rows)
        raise ValueError(f"{where}: the {what} {repeated!r} appears more than once ({listing}; "
                         f"{int((counts > 1).sum())} {what}(s) repeat in all): each row must be one {what}, remove "
                         "the repeated rows")


def _labels(df, where):
    """The ``label`` column as str, stripped of surrounding spaces (``" blues"`` is ``"blues"``); none empty."""
    labels = df["label"].astype(str).str.strip()
    empty = (labels == "").to_numpy()
    if empty.any():
        raise ValueError(f"{where}: column 'label' is blank on {int(empty.sum())} row(s), first on line "
                         f"{int(np.flatnonzero(empty)[0]) + 2} of the file")
    return labels.to_numpy(dtype=object)


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
        with data_file("features_30_sec.csv.gz").open("rb") as fh:
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
    columns = list(GTZAN_COLUMNS)
    filenames = df["filename"].astype(str).to_numpy(dtype=object)
    target = _labels(df, where)
    groups = track_ids(filenames, where)
    bunch = Bunch(data=data, target=target, target_names=np.array(sorted(set(target)), dtype=object),
                  feature_names=columns, filenames=filenames, groups=groups, frame=None,
                  DESCR=descr(f"gtzan_features_{kind}.rst"))
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


def load_feature_table(path):
    """Read a table of features from a CSV file: a published GTZAN table, or any table with a ``label`` column.

    A file in the layout of Kaggle's ``features_30_sec.csv`` or ``features_3_sec.csv`` is read by
    :func:`load_gtzan_features` (and checked as strictly). Any other CSV is read as: an optional ``filename``
    column (the track ids become ``groups``), an optional ``length`` column (ignored), a ``label`` column, and
    numeric feature columns.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    data : Bunch
        data : ndarray of shape (n_rows, n_features), float64
        target : ndarray of shape (n_rows,) of str
        groups : ndarray of shape (n_rows,) of str, or None without a ``filename`` column
        feature_names : list of str
        kind : str, ``"30s"`` (a published GTZAN table of clips), ``"3s"`` (one row per segment: its file names
            are ``<track>.<k>.wav``), or ``"table"`` (any other table, one row per track)
        source : str, ``path``

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        ``path`` is missing or a folder.
    ValueError
        A file that is not a table of features; the message names the line and column to fix.

    Examples
    --------
    >>> import os, tempfile, pandas as pd
    >>> path = os.path.join(tempfile.mkdtemp(), "mine.csv")
    >>> pd.DataFrame({"filename": ["a.wav", "b.wav"], "loudness": [0.1, 0.7], "label": ["jazz", "rock"]}).to_csv(
    ...     path, index=False)
    >>> table = load_feature_table(path)
    >>> table.kind, table.feature_names, table.groups.tolist()
    ('table', ['loudness'], ['a', 'b'])
    """

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path!r}: no such file (a CSV of features with a 'label' column is expected)")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a folder: pass the CSV file itself (for a folder of audio use "
                                "load_audio_folder or gtzan_table)")
    df = _read_csv(path, repr(path), "table")
    # a table is of segments because its file names say so (<track>.<k>.wav), never because a track repeats
    kind = "3s" if "filename" in df.columns and _segment_names(df["filename"]) else "30s"
    if {"filename", "label", *GTZAN_COLUMNS} <= set(df.columns):  # the published layout: checked as strictly
        b = load_gtzan_features(kind, path=path)
        return Bunch(data=b.data, target=b.target, groups=b.groups, feature_names=b.feature_names, kind=kind,
                     source=path)
    if "label" not in df.columns:
        header = ",".join(map(str, df.columns))
        hint = ""
        for separator, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if "label" in (column.strip() for column in header.split(separator)):
                hint = (f". Its header is separated by {name}, not commas: convert it, e.g. pandas.read_csv(path, "
                        f"sep={separator!r}).to_csv(new_path, index=False)")
                break
        raise ValueError(f"{path!r} is not a feature table: it has no 'label' column{hint}. A table of features needs "
                         "a 'label' column and numeric feature columns (and may have 'filename' and 'length'); a "
                         "published GTZAN table has filename, length, the 57 feature columns and label")
    features = [c for c in df.columns if c not in ("filename", "length", "label")]
    if not features:
        raise ValueError(f"{path!r} has no feature column besides filename, length and label")
    names = df["filename"].astype(str) if "filename" in df.columns else None
    values = _numeric(df, features, repr(path), names=names)
    groups = None
    if names is not None:
        groups = track_ids(names, repr(path))
        _check_unique(names if kind == "3s" else groups, repr(path), "segment" if kind == "3s" else "track", names)
    return Bunch(data=values, target=_labels(df, repr(path)), groups=groups, feature_names=features,
                 kind="3s" if kind == "3s" else "table", source=path)


def _segment_names(filenames):
    """Whether every file name is a GTZAN segment name, ``<genre>.<5 digits>.<k>.wav``."""
    matches = [GTZAN_NAME.match(os.path.splitext(str(f))[0]) for f in filenames]
    return bool(matches) and all(m is not None and m.group("segment") is not None for m in matches)
