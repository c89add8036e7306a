"""One rule for too few classes, wherever genreclf trains (``benchmark``, ``genreclf train``, ``fit``).

Training needs at least two classes, and every class as many members as the training splits it into: the folds
of a stratified search or cross-validation each need one of every class. A model may need more rows in all (a
KNN's neighbours). Each rule fails at training time, never at predict time, with a message that names the class
and a fix that can be followed.
"""
import numbers

import numpy as np

__all__ = ["check_classes", "check_members", "lower_or_drop", "members_needed", "check_training"]


def check_classes(y, *, where="y", what="rows"):
    """Raise ValueError unless ``y`` holds at least two classes; return ``(classes, counts)``.

    Examples
    --------
    >>> check_classes(["rock", "rock"], where="genreclf train")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: genreclf train: y holds only one class, 'rock' (2 rows); a classifier needs at least 2 classes...
    """
    classes, counts = _unique_labels(y, where)
    if len(classes) < 2:
        held = f"only one class, {classes.tolist()[0]!r} ({counts[0]} {what})" if len(classes) else "no labels"
        raise ValueError(f"{where}: y holds {held}; a classifier needs at least 2 classes. Check that y is the label "
                         "column and that no filtering dropped the other genres (a folder needs one sub-folder per "
                         "genre)")
    return classes, counts


def _unique_labels(y, where):
    """``np.unique(y, return_counts=True)``, with an error that says what is wrong with labels it cannot sort."""
    y = np.asarray(y)
    if y.dtype.kind == "O":
        missing = [i for i, v in enumerate(y.tolist()) if v is None or (isinstance(v, float) and v != v)]
        if missing:
            raise ValueError(f"{where}: y has {len(missing)} missing label(s) (None or NaN) at rows {missing[:10]}: "
                             "drop those rows (and the same rows of X), or give them a label")
        kinds = sorted({"str" if isinstance(v, str) else "number" if isinstance(v, numbers.Number)
                        else type(v).__name__ for v in y.tolist()})
        if len(kinds) > 1:
            raise TypeError(f"{where}: y mixes labels of types {', '.join(kinds)}: make them all strings, e.g. "
                            "y = [str(label) for label in y], or all numbers")
    return np.unique(y, return_counts=True)


def check_members(y, needed, *, where, because, fix, what="rows"):
    """Raise ValueError unless every class of ``y`` has ``needed`` members, naming the smallest.

    ``fix(worst, n)`` says what to do about the class ``worst`` of ``n`` members.
    """
    classes, counts = check_classes(y, where=where, what=what)
    if counts.min() >= needed:
        return
    worst, n = classes.tolist()[counts.argmin()], int(counts.min())
    small = ", ".join(f"{c!r} ({k} {what})" for c, k in zip(classes.tolist(), counts) if k < needed)
    raise ValueError(f"{where}: class {worst!r} has only {n} {what}, fewer than {because}; {fix(worst, n)}. "
                     f"Classes below {needed}: {small}")


def lower_or_drop(param, keep_hint):
    """The fix of :func:`check_members` when ``param`` can be lowered: lower it (if 2 or more), or drop the class."""
    def fix(worst, n):
        lower = f"use {param}<={n}, or " if n >= 2 else ""
        return f"{lower}drop the class (keep = y != {worst!r}; then {keep_hint})"
    return fix


def members_needed(estimator, param_grid=None, n_folds=None, n_classes=None):
    """``[(needed, because, of)]``: what fitting ``estimator`` asks of the training rows, where ``of`` says whose
    count must reach ``needed``: ``"each"`` class's, ``"all"`` the rows', or the ``"largest"`` class's.

    The folds of a search (each class in every fold); the internal folds of a calibrated classifier (scikit-learn's
    ``CalibratedClassifierCV``, 5 unless set): as many rows as folds in the largest class, or ``StratifiedKFold``
    refuses, and, with ``n_classes`` of 3 or fewer (or unknown), two rows of each class, so that no training fold
    of the calibration is left with fewer than 3 classes, which scikit-learn cannot calibrate (with more classes
    a class of one row only warns, as scikit-learn fits it); the neighbours of a KNN (rows in all). A value of
    ``param_grid`` counts at its largest.
    """
    params = estimator.get_params(deep=True) if hasattr(estimator, "get_params") else {}
    needs = []
    if n_folds:
        needs.append((int(n_folds), f"the {n_folds} folds of the hyper-parameter search", "each"))
    for key, value in params.items():
        prefix, _, name = key.rpartition("__")
        owner = params.get(prefix) if prefix else estimator
        candidates = [value, *(param_grid or {}).get(key, [])]
        if name == "n_neighbors":
            k = max(int(v) for v in candidates if isinstance(v, (int, np.integer)))
            needs.append((k, f"the {k} neighbours of the KNN", "all"))
        elif name == "cv" and type(owner).__name__ == "CalibratedClassifierCV" and (value is None or
                                                                                    isinstance(value, int)):
            k = 5 if value is None else int(value)
            if n_classes is None or n_classes <= 3:
                needs.append((2, f"the 2 that the {k} internal folds of the calibrated classifier need to hold the "
                                 "class in each of their training folds (with 3 classes or fewer)", "each"))
            needs.append((k, f"the {k} internal folds of the calibrated classifier", "largest"))
    return needs


def check_training(estimator, y, *, where, param_grid=None, n_folds=None, what="clips"):
    """Every rule of this module for fitting ``estimator`` on labels ``y`` (see :func:`members_needed`)."""
    classes, counts = check_classes(y, where=where, what=what)
    for needed, because, of in members_needed(estimator, param_grid, n_folds, n_classes=len(classes)):
        if of == "each":
            check_members(y, needed, where=where, what=what, because=because,
                          fix=lambda worst, n: f"add {what} of {worst!r}, or leave the class out")
        elif of == "all" and counts.sum() < needed:
            raise ValueError(f"{where}: {counts.sum()} {what} in all, fewer than {because}: add {what}, or use "
                             "another model")
        elif of == "largest" and counts.max() < needed:
            raise ValueError(f"{where}: the largest class has only {counts.max()} {what}, fewer than {because}: add "
                             f"{what}, or use another model")
