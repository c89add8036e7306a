"""The artist-filtered GTZAN split, as track ids and as a scikit-learn splitter."""
import os
import warnings

import numpy as np
from sklearn.model_selection import BaseCrossValidator

from ._base import data_file
from ._track_ids import track_id, track_ids

__all__ = ["gtzan_split", "ArtistFilteredSplit"]

_SPLITS = {"filtered": ("train", "valid", "test")}


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
    if name not in _SPLITS:
        raise ValueError(f"unknown GTZAN split {name!r}: the available splits are {sorted(_SPLITS)} "
                         "('filtered': the artist-filtered split of Kereliuk, Sturm & Larsen 2015)")
    subsets = {}
    for subset in _SPLITS[name]:
        text = data_file("splits", f"{subset}_{name}.txt").read_text(encoding="utf-8")
        subsets[subset] = [track_id(line) for line in text.splitlines() if line.strip()]
    return subsets


def _ids_from_X(X, cls_name):
    """Track ids of the rows of X when X itself names the clips (paths, file names or a 'filename' column)."""
    how = (f"{cls_name} needs the track of every row: pass groups= (track ids such as 'blues.00042' or "
           "file names such as 'blues.00042.3.wav', e.g. the groups of load_gtzan_features), or X as a list "
           "of audio paths, or a DataFrame with a 'filename' column")
    if X is None:
        raise ValueError(how)
    if hasattr(X, "columns") and hasattr(X, "iloc"):
        if "filename" in X.columns:
            return track_ids(X["filename"].to_numpy(), cls_name)
        raise ValueError(f"{how} (X is a DataFrame without a 'filename' column)")
    if hasattr(X, "to_numpy") and getattr(X, "ndim", 2) == 1:
        X = X.to_numpy()
    if isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.ndim == 1):
        items = list(X)
        if items and all(isinstance(v, (str, np.str_, os.PathLike)) for v in items):
            return track_ids(items, cls_name)
    shape = getattr(X, "shape", None)
    described = f"X of shape {shape}" if shape is not None else f"X of type {type(X).__name__}"
    raise ValueError(f"{how} ({described} does not name the clips)")


class ArtistFilteredSplit(BaseCrossValidator):
    """The artist-filtered GTZAN split as a scikit-learn splitter: one (train, test) split, rows matched by track.

    Rows are assigned by their track id (:func:`track_id`), so the same splitter serves the 30 s table, 3 s
    segment rows (all segments of a track on one side) and lists of audio paths. Rows whose track is in
    neither side (GTZAN's known faults, or non-GTZAN clips) are left out of both, with a warning that counts them.

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
    >>> from genreclf.datasets import load_gtzan_features
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
    #: The split of :func:`gtzan_split` this splitter serves.
    _SPLIT = "filtered"

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
            raise ValueError(f"{param}={value!r}: unknown subset(s) {unknown}; the {self._SPLIT!r} split "
                             f"has {list(available)}")
        return names

    def _sides(self):
        subsets = gtzan_split(self._SPLIT)
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
        yield from (test for _, test in self.split(X, y, groups))

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
        name = type(self).__name__
        if groups is not None:
            if isinstance(groups, (str, os.PathLike)):
                raise TypeError(f"{name}: groups must hold one track id or file name per row, got a single "
                                f"{type(groups).__name__}")
            ids = track_ids(np.asarray(groups, dtype=object).ravel(), f"{name} groups")
            n_rows = None if X is None else _n_rows(X)
            if n_rows is not None and n_rows != len(ids):
                raise ValueError(f"{name}: groups has {len(ids)} entries but X has {n_rows} rows")
        else:
            ids = _ids_from_X(X, name)
        train_ids, test_ids = self._sides()
        in_train = np.fromiter((t in train_ids for t in ids), dtype=bool, count=len(ids))
        in_test = np.fromiter((t in test_ids for t in ids), dtype=bool, count=len(ids))
        outside = ~(in_train | in_test)
        if outside.any():
            example = ids[np.flatnonzero(outside)[0]]
            warnings.warn(f"{name}: {int(outside.sum())} of {len(ids)} rows belong to neither side of the "
                          f"{self._SPLIT!r} split (GTZAN's faulty tracks, tracks of an unused subset, or clips that "
                          f"are not GTZAN tracks, e.g. {example!r}) and are left out of both", UserWarning,
                          stacklevel=2)
        for side, mask, param in (("train", in_train, self.train), ("test", in_test, self.test)):
            if not mask.any():
                example = ids[0] if len(ids) else None
                raise ValueError(
                    f"{name}: none of the {len(ids)} rows belongs to the {side} side ({param!r}) of the "
                    f"{self._SPLIT!r} split (first track id: {example!r}). The rows must be GTZAN "
                    "tracks named like 'blues.00042' (groups=, file names or paths).")
        yield np.flatnonzero(in_train), np.flatnonzero(in_test)


def _n_rows(X):
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape):
        return int(shape[0])
    try:
        return len(X)
    except TypeError:
        return None
