"""Honest benchmarks: one call that cross-validates several models and returns a leaderboard.

:func:`benchmark` evaluates each model under one or more protocols, from the one a random split would flatter to
the one the research literature reports on GTZAN:

============  =====================================================================================
protocol      what is split
============  =====================================================================================
``"cv"``      k-fold cross-validation. Without ``groups`` (or with one row per group): stratified
              k-fold over rows. With segment rows (a group holding several rows): stratified *grouped*
              k-fold — no track on both sides — scored per segment and per track (mean of the
              segments' probabilities).
``"filtered"`` the artist-filtered GTZAN split (:class:`~genreclf.datasets.ArtistFilteredSplit`): model
              selection on train → valid only, refit on train + valid, scored on the 290 test tracks.
============  =====================================================================================

Hyper-parameters are never chosen on test rows: with ``tune=True`` a model's ``param_grid`` is searched by
:class:`~sklearn.model_selection.GridSearchCV` inside each outer training fold (nested CV), or on the train/valid
part of the filtered split. The members of an ensemble that a grid does not tune (the ``ensemble`` baseline's SVC
and XGBoost, whose grid tunes its logistic regression) are fitted once per training fold of the search, not once
per candidate: the same models, as only seeded members are shared.

All work is dispatched through :mod:`joblib` (one task per model and fold), so ``n_jobs`` parallelizes it and
``with joblib.parallel_backend("dask"): benchmark(...)`` runs it on a Dask cluster.
"""
import math
import os
import time
import warnings

import numpy as np
from sklearn.base import BaseEstimator, clone, is_classifier

from ._defaults import SEGMENT_SECONDS
from ._deprecation import deprecate_positional_args
from ._labels import check_classes, check_members, lower_or_drop
from ._persistence import VERSIONED_LIBRARIES
from ._progress import progress_bar
from .models.wrappers import as_classifier
from .segments import aggregate_tracks, one_hot, track_labels

__all__ = ["benchmark", "pick_models", "format_leaderboard", "METRICS", "PROTOCOLS"]

#: Metric names accepted in ``scoring``. ``"neg_log_loss"`` (scikit-learn's name) and ``"log_loss"`` both give a
#: ``log_loss`` column with the positive loss (lower is better).
METRICS = ("accuracy", "balanced_accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_macro",
           "neg_log_loss", "log_loss")
#: Protocol names accepted in ``protocol`` (``"both"`` means ``("cv", "filtered")``).
PROTOCOLS = ("cv", "filtered", "both")


# -------------------------------------------------------------------------------------------------- metrics
def _metric(name, y_true, y_pred, proba, classes):
    from sklearn import metrics

    if name == "accuracy":
        return metrics.accuracy_score(y_true, y_pred)
    if name == "balanced_accuracy":
        return metrics.balanced_accuracy_score(y_true, y_pred)
    if name in ("f1_macro", "f1_weighted", "precision_macro", "recall_macro"):
        kind, average = name.split("_")
        fn = {"f1": metrics.f1_score, "precision": metrics.precision_score, "recall": metrics.recall_score}[kind]
        return fn(y_true, y_pred, average=average, labels=classes, zero_division=0)
    if name == "log_loss":
        if proba is None:
            return np.nan
        return metrics.log_loss(y_true, _normalized(proba), labels=classes)
    raise AssertionError(name)  # pragma: no cover - names are checked up front


def _normalized(proba):
    """Probabilities for the log loss: float32 probabilities (XGBoost) may not sum to 1 in float64, and a zero
    would be an infinite loss."""
    proba = np.clip(proba, 1e-15, None)
    return proba / proba.sum(axis=1, keepdims=True)


def _check_scoring(scoring):
    if isinstance(scoring, str):
        scoring = (scoring,)
    try:
        scoring = list(scoring)
    except TypeError:
        raise TypeError(f"scoring={scoring!r} must be a metric name or a list of them: {list(METRICS)}") from None
    unknown = [s for s in scoring if s not in METRICS]
    if unknown or not scoring:
        raise ValueError(f"scoring={scoring!r}: unknown metric(s) {unknown}; use names from {list(METRICS)}")
    names = []
    for s in scoring:
        s = "log_loss" if s == "neg_log_loss" else s
        if s not in names:
            names.append(s)
    return names


# ------------------------------------------------------------------------------------------------ estimators
class _Models(dict):
    """``{name: (estimator, param_grid)}``, and ``descriptions``: ``{name: one line}`` of the presets among them."""

    def __init__(self, entries=(), descriptions=None):
        super().__init__(entries)
        self.descriptions = dict(descriptions or {})


def _resolve_estimators(estimators, random_state):
    """{name: (estimator, param_grid)} from a dict, a list of names/estimators, or one estimator (a
    :class:`_Models`, with the descriptions of the presets that are still the objects make_baselines built)."""
    from .baselines import make_baselines

    if estimators is None:
        estimators = make_baselines(random_state=random_state)
    if isinstance(estimators, str):
        estimators = [estimators]
    if hasattr(estimators, "fit"):
        estimators = {type(estimators).__name__: estimators}
    grids = dict(getattr(estimators, "param_grids", {}))  # a Baselines dict knows how to tune its models
    built = getattr(estimators, "built", lambda name: False)
    descriptions = {k: v for k, v in getattr(estimators, "descriptions", {}).items() if built(k)}
    if not isinstance(estimators, dict):
        items = list(estimators)
        names = [e for e in items if isinstance(e, str)]
        resolved = make_baselines(names, random_state=random_state) if names else None
        estimators = {}
        for e in items:
            if isinstance(e, str):
                estimators[e] = resolved[e]
                grids[e] = resolved.param_grids[e]
                descriptions[e] = resolved.descriptions[e]
            elif hasattr(e, "fit"):
                name = type(e).__name__
                k, n = name, 2
                while k in estimators:
                    k, n = f"{name}_{n}", n + 1
                estimators[k] = e
            else:
                raise TypeError(f"estimators: {e!r} is neither a baseline name nor an estimator")
    if not estimators:
        raise ValueError("estimators is empty: pass {name: estimator}, a list of baseline names "
                         "(see genreclf.baselines.BASELINE_NAMES) or None for the default baselines")
    out = {}
    for name, value in estimators.items():
        if isinstance(value, tuple) and len(value) == 2 and hasattr(value[0], "fit"):
            est, grid = value
        elif hasattr(value, "fit"):
            est, grid = value, grids.get(name, {})
        else:
            raise TypeError(f"estimators[{name!r}] must be an estimator or (estimator, param_grid); "
                            f"got {type(value).__name__}")
        est = as_classifier(est)  # a Keras wrapper for scikit-learn gets its classifier tag and probabilities back
        if not is_classifier(est):
            raise TypeError(f"estimators[{name!r}] ({type(est).__name__}) is not a classifier: scikit-learn's tags "
                            "do not say estimator_type='classifier'")
        out[str(name)] = (est, dict(grid or {}))
    return _Models(out, {str(k): v for k, v in descriptions.items()})


def _described(name, est, models, n_features, n_samples=None):
    """The leaderboard's ``description`` of a model: what it is (a preset's own line, else its steps) and what it
    saw of ``n_samples`` training rows of ``n_features`` columns (a :class:`~genreclf.baselines.WideTablePCA` in
    it may reduce them)."""
    from .baselines import WideTablePCA

    what = getattr(models, "descriptions", {}).get(name)
    if what is None:
        steps = getattr(est, "steps", None)
        what = " → ".join(type(step).__name__ for _, step in steps) if steps else type(est).__name__
    if n_features is None:
        return what
    if isinstance(n_features, tuple):  # frames
        return f"{what}; saw frames of {n_features[1]} coefficients"
    todo, seen = [est], f"all {n_features} columns"
    while todo:
        part = todo.pop()
        if isinstance(part, WideTablePCA):
            seen = part.describe(n_features, n_samples)
            break
        todo += [e for _, e in getattr(part, "estimators", [])] + [step for _, step in getattr(part, "steps", [])]
        todo += [part.estimator] if hasattr(part, "estimator") else []
    return f"{what}; saw {seen}"


# --------------------------------------------------------------------------------------------------- splits
def _protocols(protocol):
    if protocol is None:
        return ["cv"]
    items = [protocol] if isinstance(protocol, str) else list(protocol)
    out = []
    for p in items:
        if p not in PROTOCOLS:
            raise ValueError(f"protocol={protocol!r}: unknown protocol {p!r}; use 'cv' (k-fold, grouped by track "
                             "when groups has several rows per track), 'filtered' (artist-filtered GTZAN split), "
                             "'both', or a list of them")
        for q in (("cv", "filtered") if p == "both" else (p,)):
            if q not in out:
                out.append(q)
    return out


def _cv_plan(cv, y, groups, segmented, random_state):
    """(splitter, label, use_groups) for the 'cv' protocol."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        k = int(cv)
        if k < 2:
            raise ValueError(f"cv={cv!r} must be >= 2 folds (or a scikit-learn splitter)")
        check_members(track_labels(y, groups)[1] if segmented else y, k, where=f"cv={k}",
                      what="tracks" if segmented else "rows", because="the folds",
                      fix=lower_or_drop("cv", "benchmark(..., X[keep], y[keep]"
                                        + (", groups=groups[keep])" if segmented else ")")))
        if segmented:
            return (StratifiedGroupKFold(k, shuffle=True, random_state=random_state),
                    f"grouped {k}-fold CV", True)
        return StratifiedKFold(k, shuffle=True, random_state=random_state), f"stratified {k}-fold CV", False
    if hasattr(cv, "split"):
        return cv, type(cv).__name__, groups is not None
    raise TypeError(f"cv={cv!r} must be an int (number of folds) or a scikit-learn splitter")


def _inner_cv(protocol, segmented, random_state, inner_cv):
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    if protocol == "filtered":
        from .datasets import ArtistFilteredSplit

        return ArtistFilteredSplit(train="train", test="valid")
    if segmented:
        return StratifiedGroupKFold(inner_cv, shuffle=True, random_state=random_state)
    return StratifiedKFold(inner_cv, shuffle=True, random_state=random_state)



# ----------------------------------------------------------------------------------------------- validation
def _check_labels(y):
    """y has no missing labels and at least two classes."""
    if y.dtype.kind == "f":
        missing = np.isnan(y)
    elif y.dtype.kind == "O":
        missing = np.array([v is None or (isinstance(v, float) and math.isnan(v)) for v in y], dtype=bool)
    else:
        missing = np.zeros(len(y), dtype=bool)
    if missing.any():
        rows = np.flatnonzero(missing)
        raise ValueError(f"y has {len(rows)} missing labels (None/NaN) at rows {rows[:10].tolist()}"
                         f"{' ...' if len(rows) > 10 else ''}; drop those rows from X, y (and groups) first")
    check_classes(y, where="benchmark")


def _allows_nan(estimator):
    """Whether ``estimator`` declares that it accepts NaN input (a pipeline: its first step)."""
    from sklearn.pipeline import Pipeline
    from sklearn.utils import get_tags

    if isinstance(estimator, Pipeline):
        steps = [s for _, s in estimator.steps if s is not None and s != "passthrough"]
        return bool(steps) and _allows_nan(steps[0])
    try:
        return bool(get_tags(estimator).input_tags.allow_nan)
    except Exception:  # an estimator without scikit-learn tags
        return False


def _check_finite(X, models):
    """No inf anywhere in a numeric X, and no NaN unless every model accepts NaN (e.g. a SimpleImputer first)."""
    if hasattr(X, "select_dtypes") and hasattr(X, "columns"):  # DataFrame: name the columns
        numeric = X.select_dtypes(include="number")
        values = numeric.to_numpy(dtype=float)
        names = [repr(c) for c in numeric.columns]
        where = "columns"
    else:
        if isinstance(X, (list, tuple)) or not hasattr(X, "dtype") or not hasattr(X, "ndim"):
            return  # paths, clips or other non-numeric input: the pipeline checks it
        if X.dtype.kind not in "fc" or X.ndim < 2:
            return  # integers and bools are always finite
        values = np.asarray(X)
        names = None
        where = "columns" if X.ndim == 2 else "coefficients (last axis)"
    if values.size == 0:
        return
    flat = values.reshape(len(values), -1, values.shape[-1]) if values.ndim > 2 else values[:, None, :]
    nan, inf = np.isnan(flat), np.isinf(flat)
    if not (nan.any() or inf.any()):
        return
    refuse = [n for n, (est, _) in models.items() if not _allows_nan(est)]
    if not inf.any() and not refuse:
        return  # every model handles NaN itself
    bad_cols = np.flatnonzero((nan | inf).any(axis=(0, 1)))
    bad_rows = np.flatnonzero((nan | inf).any(axis=(1, 2)))
    shown = [names[i] for i in bad_cols] if names is not None else bad_cols.tolist()
    listing = ", ".join(map(str, shown[:10])) + (f", ... ({len(shown)} in all)" if len(shown) > 10 else "")
    kinds = " and ".join(k for k, a in (("NaN", nan), ("infinity", inf)) if a.any())
    if inf.any():
        who = "no estimator accepts infinite values"
    else:
        who = f"estimators {refuse} do not accept NaN"
    raise ValueError(
        f"X contains {kinds} in {len(bad_rows)} rows (first: {bad_rows[:5].tolist()}), {where} [{listing}]; "
        f"{who}. Feature extraction with on_error='nan' marks unreadable files with NaN rows: drop them "
        "(keep = np.isfinite(X).all(axis=1) on an array, X.notna().all(axis=1) on a DataFrame; filter y and groups "
        "alike), or fix them upstream (on_error='raise' names the bad files); or impute them, e.g. "
        "make_pipeline(SimpleImputer(), model) for NaN")


def _check_splits(protocol, label, splits, X, y, groups, track_groups, models, tune, inner_cv, inner):
    """Every training part holds 2+ classes; enough members per class for the inner search and for what each model
    needs (:func:`_check_models_fit`); warn about classes a test part holds but its training part never saw (they
    are scored, with zero predicted probability)."""
    what = "tracks" if track_groups is not None else "rows"
    searched = tune and protocol == "cv" and any(grid for _, grid in models.values())
    for i, (train, test) in enumerate(splits):
        ytr = y[train]
        if track_groups is not None:
            ytr = track_labels(ytr, track_groups[train])[1]
        labels, counts = np.unique(ytr, return_counts=True)
        if len(labels) < 2:
            raise ValueError(f"{label}: the training part of split {i} holds only class "
                             f"{labels.tolist()[0] if len(labels) else None!r}; use a stratified splitter "
                             "(an int cv=, StratifiedKFold or StratifiedGroupKFold)")
        unseen = sorted(set(np.unique(y[test]).tolist()) - set(labels.tolist()), key=str)
        if unseen:
            warnings.warn(f"{label}: classes {unseen} are in the test part of split {i} but not in its training "
                          "part; those rows are scored as misclassified (zero probability in the log loss). "
                          "Use a stratified splitter or drop the rare classes", UserWarning, stacklevel=3)
        if searched:
            check_members(ytr, inner_cv, where=f"inner_cv={inner_cv}: in the training part of split {i}", what=what,
                          because="the folds of the hyper-parameter search",
                          fix=lower_or_drop("inner_cv", "benchmark(..., X[keep], y[keep], ...); or tune=False"))
        _check_models_fit(models, f"{label}, split {i}", train, X, y, groups, tune, inner)


def _check_models_fit(models, where, train, X, y, groups, tune, inner):
    """Each model can be fitted on the rows it will be fitted on in the training part ``train``: every training fold
    of its search (when tuned) and the whole part. Checks what the model itself asks (:func:`members_needed`): the
    internal folds of a calibrated classifier (the ``svc`` and ``ensemble`` baselines), a KNN's neighbours (at the
    largest value of its grid). Said before any feature is extracted, naming the model, the class and the fix."""
    from ._labels import members_needed

    ytr, gtr = y[train], None if groups is None else groups[train]
    fold_counts = None
    for name, (est, grid) in models.items():
        tuned = tune and bool(grid)
        needs = members_needed(est, grid if tuned else None, n_classes=len(np.unique(ytr)))
        if not needs:
            continue
        parts = [("its training part", *np.unique(ytr, return_counts=True))]
        if tuned:
            if fold_counts is None:  # the smallest count of each class over the search's training folds
                folds = list(inner.split(_subset(X, train), ytr, gtr))
                classes = np.unique(ytr)
                counts = np.array([[np.sum(ytr[fit] == c) for c in classes] for fit, _ in folds])
                fold_counts = ("a training fold of its search", classes, counts.min(axis=0))
            parts.append(fold_counts)
        for part, classes, counts in parts:
            for needed, because, of in needs:
                have = {"each": counts.min(), "all": counts.sum(), "largest": counts.max()}[of]
                if have >= needed:
                    continue
                fewer = "" if where.startswith("artist-filtered") else "use fewer folds, "
                if of == "each":
                    worst = classes.tolist()[int(np.argmin(counts))]
                    short = f"class {worst!r} has only {have} rows in {part}"
                    fix = f"add clips of {worst!r}, {fewer}or leave {name!r} out"
                elif of == "largest":
                    short = f"its largest class has only {have} rows in {part}"
                    fix = f"add clips, {fewer}or leave {name!r} out"
                else:
                    short = f"{part} holds only {have} rows"
                    fix = f"add clips, {fewer}or leave {name!r} out"
                raise ValueError(f"model {name!r} cannot be fitted on {where}: {short}, fewer than {because}. "
                                 f"Fix: {fix}{' (or tune=False)' if part != parts[0][0] else ''}")


# ----------------------------------------------------------------------------------------------------- task
def _subset(X, idx):
    if hasattr(X, "iloc"):
        return X.iloc[idx]
    if isinstance(X, (list, tuple)):
        return [X[i] for i in idx]
    return X[idx]


class _FitStore(dict):
    """The fits of one member in one grid search, by training data. Shared, not copied, by the search's clones."""

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):  # not the fitted models, in the repr of an estimator that holds the store
        return f"<{len(self)} fit(s)>"


class _SharedFit(BaseEstimator):
    """A member of an ensemble that one grid search fits once per training data, not once per candidate.

    A grid that tunes one member of a ``VotingClassifier`` (the ``ensemble`` baseline's ``lr__clf__C``), or the
    final estimator of a ``StackingClassifier``, leaves the other members as they are, yet ``GridSearchCV`` fits
    them again for every candidate, on the same inner folds.
    Wrapped, a member is fitted on the first candidate and the fitted model is used by the others: the same
    predictions, as the member is deterministic (see :func:`_deterministic`). Only inside :func:`_fit_predict`,
    whose fitted model nobody keeps.
    """

    def __init__(self, estimator, store):
        self.estimator = estimator
        self.store = store

    def fit(self, X, y, **fit_params):
        from joblib import hash as content_hash

        key = content_hash((X, y, fit_params))
        if key not in self.store:
            self.store[key] = clone(self.estimator).fit(X, y, **fit_params)
        self.estimator_ = self.store[key]
        return self

    def __getattr__(self, name):  # predict, predict_proba, classes_...: the fitted member's (before fit: the
        # member's own, which a StackingClassifier asks for to choose its stack method)
        if name.startswith("__") or "estimator" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__.get("estimator_", self.__dict__["estimator"]), name)

    def __sklearn_tags__(self):
        from sklearn.utils import get_tags

        return get_tags(self.estimator)


def _random_states(estimator):
    """The value of every ``random_state`` parameter of ``estimator``, its parts' included."""
    params = estimator.get_params(deep=True) if hasattr(estimator, "get_params") else {}
    return [value for key, value in params.items() if key == "random_state" or key.endswith("__random_state")]


def _deterministic(estimator):
    """Whether fitting ``estimator`` twice on the same data gives the same model: every ``random_state`` in it is
    an int, or it has none."""
    return all(isinstance(value, (int, np.integer)) for value in _random_states(estimator))


def _share_untuned_members(estimator, grid):
    """``estimator`` with the members of its ``estimators`` that ``grid`` does not tune fitted once per training
    data in the search (:class:`_SharedFit`); other estimators as they are."""
    members = getattr(estimator, "estimators", None)
    if not isinstance(members, list) or not hasattr(estimator, "set_params"):
        return estimator
    tuned = {key.split("__")[0] for part in (grid if isinstance(grid, list) else [grid]) for key in part}
    shared = [(name, member if name in tuned or not hasattr(member, "fit") or not _deterministic(member)
               else _SharedFit(member, _FitStore())) for name, member in members]
    return estimator.set_params(estimators=shared)


def _fit_predict(name, protocol, fold, estimator, grid, X, y, groups, train, test, inner, tune, features=None):
    """One model on one split: (grid search and) fit on ``train``, predict ``test``. Runs in a joblib worker."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV

    Xtr, ytr = _subset(X, train), y[train]
    gtr = None if groups is None else groups[train]
    best_params, tune_accuracy = None, np.nan
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        if tune and grid:
            search = GridSearchCV(_share_untuned_members(clone(estimator), grid), grid, cv=inner,
                                  scoring="accuracy", refit=True, n_jobs=1, error_score="raise")
            search.fit(Xtr, ytr, **({"groups": gtr} if gtr is not None else {}))
            model, best_params = search.best_estimator_, search.best_params_
            tune_accuracy = float(search.best_score_)
        else:
            model = clone(estimator).fit(Xtr, ytr)
        fit_time = time.perf_counter() - start
        Xte = _subset(X, test)
        start = time.perf_counter()
        proba = model.predict_proba(Xte) if hasattr(model, "predict_proba") else None
        pred = model.classes_[np.argmax(proba, axis=1)] if proba is not None else np.asarray(model.predict(Xte))
        predict_time = time.perf_counter() - start
    return dict(name=name, protocol=protocol, fold=fold, features=features, test=test, proba=proba, pred=pred,
                classes=np.asarray(model.classes_), fit_time=fit_time, predict_time=predict_time,
                best_params=best_params, tune_accuracy=tune_accuracy)


# ----------------------------------------------------------------------------------------- reused fold results
# A fold result is what one model learnt on one split and predicted for its test part. Kept on disk, a second run
# of the same benchmark reads it back instead of fitting again; its key is everything the result depends on.
class _FoldResults:
    """The fold results of earlier runs in the cache ``memory`` (see :mod:`genreclf.features._cache`): arrays and
    JSON, no pickle, each entry bound to the key of the call that made it. One folder per set of library versions (a
    new scikit-learn or genreclf may fit differently)."""

    def __init__(self, location):
        import hashlib

        from ._persistence import library_versions
        from .features._cache import EntryStore

        tag = hashlib.blake2b("\n".join(library_versions()).encode(), digest_size=8).hexdigest()
        self.store = EntryStore(location, os.path.join("genreclf-folds", tag))
        self.store.unwritten = "every model is fitted again on the next run"

    @classmethod
    def of(cls, memory, with_features=False):
        """The fold results under the cache ``memory`` (None: no reuse); None if it cannot be written (one warning,
        for the features of the same cache too when ``with_features``)."""
        if memory is None:
            return None
        results = cls(os.fspath(getattr(memory, "location", memory)))
        consequence = ("nothing is stored, and the next run extracts the features and fits every model again"
                       if with_features else results.store.unwritten)
        results.store.check("benchmark", consequence)
        return results if results.store.writable else None

    @staticmethod
    def key(args):
        """The key of the call ``_fit_predict(*args)``: its code, the estimator and its parameters, the features,
        labels and split (hashed by joblib, which pickles to hash and never unpickles)."""
        import inspect

        from joblib import hash as content_hash

        # loky hands a worker large arrays as np.memmap, which joblib hashes apart from the same ndarray: keyed as
        # the arrays they view, a result is found again whichever process, and whatever n_jobs, made it
        args = tuple(np.asarray(a) if isinstance(a, np.memmap) else a for a in args)
        return content_hash((inspect.getsource(_fit_predict), args))

    def load(self, key):
        """``(result, None)``; ``(None, None)`` without an entry; ``(None, why)`` for an entry that is not served."""
        import json

        arrays, problem = self.store.load(key)
        if arrays is None:
            return None, problem
        try:
            meta = json.loads(str(arrays.pop("meta")), object_hook=_from_json)
            for name in ("pred", "classes"):
                if meta.pop(f"{name}_as_object"):
                    arrays[name] = arrays[name].astype(object)
            proba = arrays.pop("proba") if meta.pop("has_proba") else None
            return {**meta, **arrays, "proba": proba, "error": None, "reused": True}, None
        except Exception as err:  # a foreign entry that happens to carry the right key and digest
            return None, f"cannot be read ({type(err).__name__}: not a fold result)"

    def save(self, key, result):
        """Store ``result`` (a dict of :func:`_fit_predict`) if every part of it has a safe form; else nothing."""
        import json

        arrays = {"test": np.asarray(result["test"])}
        meta = {}
        for name in ("pred", "classes"):
            values = np.asarray(result[name])
            as_object = values.dtype.kind == "O"
            if as_object:
                if not all(isinstance(v, str) for v in values.tolist()):
                    return  # labels of mixed or other types have no form without pickle: fitted again next time
                values = values.astype(str)
            arrays[name], meta[f"{name}_as_object"] = values, as_object
        meta["has_proba"] = result["proba"] is not None
        if meta["has_proba"]:
            arrays["proba"] = np.asarray(result["proba"])
        for name in ("name", "protocol", "fold", "features", "fit_time", "predict_time", "best_params",
                     "tune_accuracy"):
            meta[name] = result[name]
        try:
            arrays["meta"] = np.array(json.dumps(_to_json(meta), allow_nan=True))
        except TypeError:  # a grid value without a JSON form (an estimator, say): fitted again next time
            return
        self.store.store(key, **arrays)


def _to_json(value):
    """``value`` with its tuples and NumPy scalars tagged, so that :func:`_from_json` gives them back exactly."""
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("dict keys must be str")
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return {"__tuple__": [_to_json(v) for v in value]}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return {"__numpy__": value.dtype.str, "value": value.item()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"{type(value).__name__} has no JSON form")


def _from_json(value):
    if "__tuple__" in value:
        return tuple(value["__tuple__"])
    if "__numpy__" in value:
        return np.dtype(value["__numpy__"]).type(value["value"])
    return value


def _reusable(estimator):
    """Whether a fold result of ``estimator`` may be read back on a later run: every part of it (classes, and
    functions among its parameters) comes from a versioned library, because a class of the user's own can change
    between runs with no sign in its parameters; and no ``random_state`` is a generator, whose state moves."""
    if any(value is not None and not isinstance(value, (int, np.integer)) for value in _random_states(estimator)):
        return False
    params = estimator.get_params(deep=True) if hasattr(estimator, "get_params") else {}
    for value in [estimator, *params.values()]:
        if isinstance(value, (str, bytes, int, float, bool, type(None))):
            continue
        owner = type(value) if hasattr(value, "get_params") else value if callable(value) else None
        if owner is not None and getattr(owner, "__module__", "").partition(".")[0] not in VERSIONED_LIBRARIES:
            return False
    return True


def _fit_predict_or_error(*args):
    """:func:`_fit_predict`, or a result that holds the error (and its traceback) instead of predictions: one
    model's failure on one split is a row of the leaderboard, not the end of the run. The warnings of the fit
    (scikit-learn's about small classes, a solver's about convergence) come back with the result, once each
    (``fit_warnings``), for :func:`_run_fits` to say once per run: in a worker process they would print raw
    lines on stderr, one per fit."""
    try:
        with warnings.catch_warnings(record=True) as caught:  # the filters as they are: "error" still raises
            result = dict(_fit_predict(*args), error=None)
    except Exception as err:  # anything a model may raise; KeyboardInterrupt still stops the run
        import traceback

        return _failed(args, f"{type(err).__name__}: {err}", traceback.format_exc())
    result["fit_warnings"] = list(dict.fromkeys((w.category, str(w.message)) for w in caught))
    return result


def _say_fit_warnings(results):
    """One warning per distinct message of the fits' warnings, naming the models and how many fits raised it."""
    said = {}
    for r in results:
        for category, message in r.pop("fit_warnings", None) or ():
            models, fits = said.setdefault((category, message), ({}, [0]))
            models[r["name"] if r.get("features") is None else f"{r['features']} · {r['name']}"] = None
            fits[0] += 1
    for (category, message), (models, fits) in said.items():
        text = f"{message} (in {fits[0]} fit(s) of {', '.join(models)})"
        try:
            warning = category(text)
        except Exception:  # a warning class whose constructor wants more than a message
            warning = UserWarning(text)
        warnings.warn(warning, stacklevel=4)


def _failed(args, error, trace=None):
    """The result of the call ``_fit_predict(*args)`` that failed with ``error``."""
    name, protocol, fold, features = args[0], args[1], args[2], args[-1]
    return dict(name=name, protocol=protocol, fold=fold, features=features, error=error, traceback=trace)


def _run_fits(calls, fold_results, n_jobs, verbose):
    """The result of every call ``(reusable, args)`` of :func:`_fit_predict`: read back from ``fold_results`` when
    an earlier run made it (in this process: a rerun starts no worker), else fitted through joblib and stored as it
    arrives (so a run that stops keeps what it finished). Entries that cannot be served are fitted again, said in
    one warning."""
    from joblib import delayed

    from ._parallel import run_tasks
    from .features._cache import CacheWarning

    results, tasks, pending, refused = [], [], [], []
    for reusable, args in calls:
        key = fold_results.key(args) if fold_results is not None and reusable else None
        earlier, problem = fold_results.load(key) if key is not None else (None, None)
        if problem is not None:
            refused.append(f"{args[0]!r} ({args[1]}, fold {args[2]}) {problem}")
        if earlier is None:
            tasks.append(delayed(_fit_predict_or_error)(*args))
            pending.append((key, args))
        else:
            results.append(earlier)
    if refused:
        warnings.warn(CacheWarning(f"genreclf: {len(refused)} cached fold result(s) cannot be used and are fitted "
                                   f"again: {'; '.join(refused[:3])}{' ...' if len(refused) > 3 else ''}"),
                      stacklevel=3)
    with progress_bar(len(calls), desc="benchmark", unit="fits", verbose=verbose) as bar, warnings.catch_warnings():
        bar.update(len(results))
        # loky restarts a worker whose memory grew by 300 MB after its first task, which is TensorFlow loading
        # for a Keras model after a scikit-learn one: expected here, and not a leak to warn the user about
        warnings.filterwarnings("ignore", message="A worker stopped while some jobs were given", category=UserWarning)
        for i, result, died in run_tasks(tasks, n_jobs=n_jobs):
            key, args = pending[i]
            if died is not None:
                result = _failed(args, f"{type(died).__name__}: {died}")
            fit_warnings = result.pop("fit_warnings", None)
            if died is None and result["error"] is None and key is not None:
                fold_results.save(key, result)
            results.append(dict(result, reused=False, fit_warnings=fit_warnings))
            bar.update(1)
    _say_fit_warnings(results)
    return results


# ---------------------------------------------------------------------------------------------- aggregation
def _aggregate(tasks, y, groups, metrics, classes, level, n_boot, rng):
    """Per-fold metrics and pooled predictions of one model under one protocol at one level (tasks in fold order)."""
    import pandas as pd

    fold_rows, true_all, pred_all, proba_all, group_all, fold_all, row_all = [], [], [], [], [], [], []
    for t in tasks:  # in fold order
        proba = None
        if t["proba"] is not None:  # columns in the global class order
            proba = np.zeros((len(t["test"]), len(classes)))
            cols = np.searchsorted(classes, t["classes"])
            proba[:, cols] = t["proba"]
        yt, yp, gt = y[t["test"]], t["pred"], None if groups is None else groups[t["test"]]
        if level == "track":
            yt, yp, proba, gt = _per_track(yt, yp, proba, gt, classes)
        fold_rows.append({m: _metric(m, yt, yp, proba, classes) for m in metrics})
        true_all.append(yt)
        pred_all.append(np.asarray(yp, dtype=object))
        proba_all.append(proba)
        group_all.append(gt if gt is not None else np.full(len(yt), None, dtype=object))
        fold_all.append(np.full(len(yt), t["fold"]))
        row_all.append(np.asarray(t["test"]))
    folds = pd.DataFrame(fold_rows)
    y_true, y_pred = np.concatenate(true_all), np.concatenate(pred_all)
    proba = None if any(p is None for p in proba_all) else np.vstack(proba_all)
    g = np.concatenate(group_all)
    if len(tasks) == 1:  # one split: spread from a bootstrap over the test clips
        std = _bootstrap_std(y_true, y_pred, proba, metrics, classes, n_boot, rng)
        spread = f"bootstrap s.e. ({len(y_true)} {level}s)"
    else:
        std = {m: folds[m].std(ddof=1) for m in metrics}
        spread = f"std over {len(tasks)} folds"
    predictions = pd.DataFrame({"y_true": y_true, "y_pred": y_pred, "group": g, "fold": np.concatenate(fold_all),
                                "proba": _probability_of(proba, y_pred, classes),
                                "proba_true": _probability_of(proba, y_true, classes)})
    if level != "track":  # a track has many rows
        predictions["row"] = np.concatenate(row_all)
    return folds, std, spread, predictions, proba


def _probability_of(proba, labels, classes):
    """The probability that ``proba`` (columns in ``classes`` order) gives each row's label; NaN without
    probabilities, or for a label outside ``classes``."""
    out = np.full(len(labels), np.nan)
    if proba is None:
        return out
    cols = np.minimum(np.searchsorted(classes, np.asarray(labels, dtype=classes.dtype)), len(classes) - 1)
    known = classes[cols] == np.asarray(labels, dtype=classes.dtype)
    out[known] = proba[np.flatnonzero(known), cols[known]]
    return out


def _per_track(y_true, y_pred, proba, groups, classes):
    """The track vote: mean segment probabilities per track (or the segments' votes, without probabilities)."""
    if proba is None:
        tracks, scores = aggregate_tracks(one_hot(y_pred, classes), groups, how="vote")
    else:
        tracks, scores = aggregate_tracks(proba, groups)
    track_proba = None if proba is None else scores
    return track_labels(y_true, groups)[1], classes[np.argmax(scores, axis=1)], track_proba, tracks


def _bootstrap_std(y_true, y_pred, proba, metrics, classes, n_boot, rng):
    """The standard deviation of each metric over ``n_boot`` resamples of the test rows (with replacement).

    Every resample's metrics come from its confusion counts at once, in NumPy: the same values as
    :func:`_metric` (scikit-learn's definitions, ``labels=classes``, ``zero_division=0``), without scikit-learn's
    input checks on every resample, which made this the slowest part of a leaderboard.
    """
    if n_boot < 2:
        return {m: np.nan for m in metrics}
    n, k = len(y_true), len(classes)
    index = np.stack([rng.integers(0, n, n) for _ in range(n_boot)])  # (n_boot, n), drawn as one at a time
    true = np.searchsorted(classes, y_true)
    t = true[index]
    p = np.searchsorted(classes, np.asarray(y_pred, dtype=classes.dtype))[index]
    counts = np.bincount((np.arange(n_boot)[:, None] * k * k + t * k + p).ravel(), minlength=n_boot * k * k)
    counts = counts.reshape(n_boot, k, k).astype(float)
    hits, support, predicted = np.diagonal(counts, axis1=1, axis2=2), counts.sum(axis=2), counts.sum(axis=1)

    def ratio(a, b):
        return np.divide(a, b, out=np.zeros_like(a), where=b > 0)

    values = {}
    for m in metrics:
        if m == "accuracy":
            values[m] = hits.sum(axis=1) / n
        elif m == "balanced_accuracy":  # the mean recall of the classes present in the resample
            values[m] = ratio(hits, support).sum(axis=1) / (support > 0).sum(axis=1)
        elif m == "log_loss":
            if proba is None:
                values[m] = np.full(n_boot, np.nan)
                continue
            q = _normalized(proba)
            eps = np.finfo(q.dtype).eps  # and clipped as scikit-learn's log_loss does
            loss = -np.log(np.clip(q[np.arange(n), true], eps, 1 - eps))
            values[m] = loss[index].mean(axis=1)
        else:
            kind, average = m.split("_")
            per_class = {"precision": ratio(hits, predicted), "recall": ratio(hits, support),
                         "f1": ratio(2 * hits, support + predicted)}[kind]
            values[m] = per_class.mean(axis=1) if average == "macro" else (per_class * support).sum(axis=1) / n
    return {m: float(np.nanstd(v, ddof=1)) if not np.all(np.isnan(v)) else np.nan for m, v in values.items()}


# ------------------------------------------------------------------------------------------------ benchmark
# Parameters added after 0.1 go last: the deprecated positional calls map onto the keyword-only ones in order.
@deprecate_positional_args
def benchmark(estimators=None, X=None, y=None, *, groups=None, cv=10, protocol=None,
              scoring=("accuracy", "f1_macro", "neg_log_loss"), n_jobs=None, tune=True, inner_cv=3,
              random_state=0, verbose=1, n_bootstrap=200, features=None, memory="auto"):
    """Cross-validate several classifiers under honest protocols and return a leaderboard.

    Parameters
    ----------
    estimators : dict, list or estimator, optional
        ``{name: estimator}`` (a :class:`~genreclf.baselines.Baselines` from ``make_baselines`` brings each
        model's ``param_grid``) or ``{name: (estimator, param_grid)}``; a list of baseline
        names (:func:`~genreclf.baselines.make_baselines`) and/or estimators; one estimator; or None for the
        default baselines.
    X : array-like of shape (n_rows, n_features) or (n_rows, n_frames, n_coefs), DataFrame, or list of paths
        One row per clip or per segment (then give ``groups``); with ``features``, the audio files.
    y : array-like of shape (n_rows,)
        Labels (genres).
    groups : array-like of shape (n_rows,), optional
        Track id of each row (``load_gtzan_features(...).groups``). Rows sharing a group are never split between
        train and test; with several rows per group the scores are reported per segment *and* per track.
        Required by ``protocol="filtered"`` unless ``X`` names the clips (paths, file names).
    features : str, list or dict, optional
        Compare feature sets of the audio files ``X`` as well as models: names of
        :data:`~genreclf.features.sets.FEATURE_SETS` (``"gtzan"``, ``"musicnn"``, ``"mfcc"``), combinations
        (``"gtzan+musicnn"``), or ``{name: transformer}`` (see :func:`~genreclf.features.sets.make_feature_sets`).
        Each set is extracted once per clip (not per fold or model) and cached in ``memory``; the leaderboard has
        a ``features`` column and one row per feature set × model that can learn from it: table models on 2-D
        sets (those built on the GTZAN columns on ``"gtzan"`` only), frame models (the CNN and LSTM) on 3-D
        sets, in 3 s segments that vote per clip. A clip that a set cannot use is left out of every set, once.
    cv : int or splitter, default=10
        Folds of the ``"cv"`` protocol: an int gives stratified (grouped, with segment rows) shuffled k-fold;
        a scikit-learn splitter is used as is (and receives ``groups``).
    protocol : {"cv", "filtered", "both"} or list of them, default=None
        None is ``"cv"``. ``"filtered"``: tune on train → valid of the artist-filtered split, refit on
        train + valid, score on its test tracks.
    scoring : str or sequence of str, default=("accuracy", "f1_macro", "neg_log_loss")
        From :data:`METRICS`; the log loss is reported as a positive ``log_loss``.
    n_jobs : int, optional
        Parallel tasks (one per model and split) through joblib. None, as in scikit-learn, follows the active joblib
        backend (one process unless ``joblib.parallel_config`` or ``parallel_backend("dask")`` says otherwise), so
        that genreclf never takes a machine's cores without being asked; ``-1`` uses every core, as the
        ``genreclf benchmark`` command does.
    tune : bool, default=True
        Search each model's ``param_grid`` (nested: inside each training fold, with ``inner_cv`` folds; or on
        train → valid for ``"filtered"``). False fits the estimators as given.
    inner_cv : int, default=3
        Folds of the inner search of the ``"cv"`` protocol.
    random_state : int, default=0
        Seeds fold shuffling, inner folds, the bootstrap and the default baselines. 0, not None, so that the
        leaderboard is the same on every run.
    verbose : int, default=1
        ``>= 1`` shows one progress bar of the fits, and one of the feature extraction (tqdm: a widget in Jupyter, a
        line on stderr elsewhere), so that a long run says how far it is; 0 silences them.
    n_bootstrap : int, default=200
        Resamples of the test clips for the spread of single-split protocols (``"filtered"``).
    memory : "auto", None or str, default="auto"
        The cache folder of the feature sets and of the fold results (``None``: no cache; ``"auto"``:
        ``<data home>/cache`` with ``features``, see :func:`~genreclf.datasets.get_data_home`, and no cache
        for a table). A second run of the same benchmark extracts nothing and fits nothing: a fold result is read
        back when the model, its parameters, the features, the labels, the split and the library versions are
        all the same. A model with a part of the user's own (a class or function outside scikit-learn, XGBoost,
        Keras and genreclf, which could change between runs unseen) is always fitted again, as is one whose
        ``random_state`` is a generator. ``random_state=None`` is read back like a seed: pass ``memory=None``
        for fresh draws. The leaderboard's fit times are those of the original fits.

    Returns
    -------
    leaderboard : pandas.DataFrame
        One row per model, protocol and level, best first within each protocol. Columns: ``model``,
        ``protocol`` (e.g. ``"stratified 10-fold CV"``, ``"grouped 10-fold CV, track-level"``,
        ``"artist-filtered split"``), ``level`` (``"clip"``, ``"segment"`` or ``"track"``), ``<metric>_mean``
        and ``<metric>_std`` for each metric, ``fit_time_mean/std`` and ``predict_time_mean/std`` (seconds per
        split, the search included), ``n_splits``, ``n_test`` (test clips/segments/tracks per split, summed),
        ``spread`` (what the ``_std`` columns are: std over folds, or a bootstrap standard error for a
        single split), ``best_params`` (most frequent choice of the search), ``tune_accuracy`` (accuracy of the
        chosen parameters inside the search: on the inner folds, or on the valid tracks of ``"filtered"``; per
        row, so per segment for segment rows; mean over splits; NaN for a model fit as given, without a grid or
        with ``tune=False``), ``error`` (None, or why the model failed: ``"split 3: ValueError: ..."``; its scores are
        then NaN, and every other model's row is kept), ``description`` (what the model is — a preset's line
        from :func:`~genreclf.baselines.make_baselines`, else its steps — and what it saw of the table: ``"...;
        saw all 57 columns"``, or for a wide table such as musicnn's ``"...; saw standardized, then its first 128
        principal components of 3412 columns"``, see :class:`~genreclf.baselines.WideTablePCA`).

        Pick *the model* on ``tune_accuracy`` too, not on the test scores beside it: choosing the best of
        several rows by their test accuracy is a selection on the test tracks, and it flatters the winner.
        ``tune_accuracy`` is itself the best of the grid, so it is optimistic and favours bigger grids; use it
        to rank, and quote the winner's test score.

        ``leaderboard.attrs`` keeps, keyed by ``(model, protocol)``:
        ``"confusion"`` — confusion matrix (DataFrame, true rows × predicted columns) pooled over folds;
        ``"per_class"`` — precision, recall, F1 and support per class; ``"predictions"`` — pooled
        ``y_true``/``y_pred``/``group``/``fold`` (for :func:`genreclf.plotting.plot_confusion_matrix`), with
        ``proba`` and ``proba_true`` (the probability the model gave its prediction and the true class; NaN
        without ``predict_proba``) and, but for track-level rows, ``row`` (the test row's index in ``X``: with
        ``features``, in the kept clips ``attrs["run"]["files"]``);
        ``"fold_scores"`` — every metric on every split; ``"best_params"`` — the search's choice per split;
        ``"tune_accuracy"`` — the search's score of that choice per split.
        ``"errors"`` — for a model that failed, ``[(split, error, traceback)]`` of each failed split.
        ``attrs["classes"]`` lists the class order; ``attrs["fits_reused"]`` is ``(read back from memory,
        all)``, counted in fits of a model on a split. ``attrs["run"]`` describes the run for a report
        (:func:`genreclf.report.benchmark_report`): ``files`` (the kept clips with ``features``, else None) and
        ``source`` (their folder), ``n_rows``, ``per_class`` (clips, or tracks for segment rows, per class),
        ``features`` and ``extraction`` (each set's seconds, clips and cache hits; see
        :func:`~genreclf.features.sets.extract_feature_sets`), ``protocols``, the settings (``cv``, ``inner_cv``,
        ``tune``, ``scoring``, ``random_state``, ``n_jobs``, ``n_bootstrap``), ``versions`` (genreclf, its key
        libraries and Python), ``started`` (ISO date) and ``wall_time`` (seconds).

    Raises
    ------
    ValueError
        Before any fit or feature extraction: labels, groups or splits that cannot work, or a model that cannot be
        fitted on some training part or training fold of its search (a class of one row, or a largest class
        smaller than its calibration's internal folds, where scikit-learn would fail; fewer rows than a KNN's
        neighbours); the message names the model, the class and the fix.
        A model that fails later anyway is a row with its ``error``, not an exception.

    Examples
    --------
    >>> from genreclf.datasets import load_gtzan_features
    >>> from genreclf.baselines import make_baselines
    >>> gtzan = load_gtzan_features()
    >>> board = benchmark(make_baselines(["logistic_regression", "naive_bayes"]), gtzan.data, gtzan.target,
    ...                   groups=gtzan.groups, cv=3, protocol="both", tune=False)
    >>> board[["model", "protocol"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['logistic_regression', 'stratified 3-fold CV'], ['naive_bayes', 'stratified 3-fold CV'],
     ['logistic_regression', 'artist-filtered split'], ['naive_bayes', 'artist-filtered split']]
    >>> board.attrs["confusion"][("logistic_regression", "artist-filtered split")].shape
    (10, 10)
    """
    from .datasets import get_data_home
    from .features._cache import CacheWarning

    started, files, extraction = (time.time(), time.perf_counter()), None, None
    if X is None or y is None:
        raise ValueError("benchmark needs X (features, one row per clip or segment) and y (labels)")
    for param, value, low in (("inner_cv", inner_cv, 2), ("n_bootstrap", n_bootstrap, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{param}={value!r} must be an int >= {low}")
    models = _resolve_estimators(estimators, random_state)
    metrics = _check_scoring(scoring)
    protocols = _protocols(protocol)
    y = np.asarray(y)
    if y.ndim != 1:
        y = y.ravel()
    if not hasattr(X, "shape") and not hasattr(X, "__len__"):
        raise TypeError(f"X is a {type(X).__name__}, without a length: every split reads X again, so pass a list or "
                        "an array, e.g. X = list(X)")
    n_rows = X.shape[0] if hasattr(X, "shape") else len(X)
    if n_rows != len(y):
        raise ValueError(f"X has {n_rows} rows but y has {len(y)} labels; they must describe the same clips in "
                         "the same order (one label per row of X): check that neither was filtered or "
                         "subsampled without the other")
    if groups is not None:
        groups = np.asarray(groups, dtype=object).ravel()
        if len(groups) != len(y):
            raise ValueError(f"groups has {len(groups)} entries but X and y have {len(y)} rows; give one track id "
                             "per row (e.g. load_gtzan_features(...).groups), filtered like X and y")
    _check_labels(y)
    if memory == "auto":  # the audio benchmark caches by default; a table is read as given
        memory = os.path.join(get_data_home(), "cache") if features is not None else None
    fold_results = _FoldResults.of(memory, features is not None)
    if features is not None:
        groups = _clip_groups(X, groups)
        with warnings.catch_warnings():  # the splits of every clip, checked before hours of extraction
            warnings.simplefilter("ignore")
            _plan_splits(protocols, cv, X, y, groups, len(np.unique(groups)) < len(groups), models, tune, inner_cv,
                         random_state)
        with warnings.catch_warnings():
            if memory is not None and fold_results is None:  # an unwritable cache, said once above
                warnings.filterwarnings("ignore", message=".*cannot be written", category=CacheWarning)
            data, y, groups, sets, files, extraction = _feature_sets(features, X, y, groups, memory, n_jobs, verbose)
        _check_labels(y)
        models_of = {name: _models_for(models, name, values, sets[name]) for name, values in data.items()}
    else:
        data, models_of = {None: X}, {None: models}
    for name, values in data.items():
        _check_finite(values, models_of[name])
    segmented = groups is not None and len(np.unique(groups)) < len(groups)
    if segmented and len(set(zip(groups.tolist(), y.tolist()))) != len(set(groups.tolist())):
        raise ValueError("groups: some track has rows with different labels; each group must be one track "
                         "with one label")

    everything = {k: v for m in models_of.values() for k, v in m.items()}
    plans = _plan_splits(protocols, cv, X, y, groups, segmented, everything, tune, inner_cv, random_state)
    calls = [(_reusable(est), (name, label, i, est, grid, values, y, groups if p == "filtered" or segmented else None,
                                train, test, inner, tune, feature))
             for feature, values in data.items()
             for p, label, splits, inner in plans
             for name, (est, grid) in models_of[feature].items()
             for i, (train, test) in enumerate(splits)]
    results = _run_fits(calls, fold_results, n_jobs, verbose)
    boards = [_leaderboard(plans, models_of[feature], [r for r in results if r["features"] == feature], y, groups,
                           segmented, metrics, n_bootstrap, random_state, feature, values=data[feature])
              for feature in data if models_of[feature]]
    board = boards[0] if features is None else _joined(boards, metrics)
    board.attrs["fits_reused"] = (sum(r["reused"] for r in results), len(results))
    board.attrs["run"] = _run_facts(started, y, groups, plans, files, sets if features is not None else None,
                                    extraction, cv=cv, inner_cv=inner_cv, tune=tune, scoring=metrics,
                                    random_state=random_state, n_jobs=n_jobs, n_bootstrap=n_bootstrap)
    return board


def _feature_sets(features, X, y, groups, memory, n_jobs, verbose):
    """Every feature set of the clips ``X``, extracted once: ``({name: array}, y, groups, {name: transformer},
    files, extraction costs)`` of the kept clips."""
    from .features.sets import extract_feature_sets, make_feature_sets

    sets = make_feature_sets(features)
    data, kept, _, costs = extract_feature_sets(list(X), sets, memory=memory, n_jobs=n_jobs, verbose=verbose,
                                                return_costs=True)
    if not kept.any():
        raise ValueError("benchmark: no clip could be used by every feature set (see the warning above)")
    files = [os.fspath(c) if isinstance(c, (str, os.PathLike)) else None for c, k in zip(X, kept) if k]
    return data, y[kept], groups[kept], sets, files, costs


def _library_versions():
    """``{distribution: version}`` of the libraries that key genreclf's caches
    (:func:`~genreclf._persistence.library_versions`), and of librosa, which computes the features (None: not
    installed)."""
    from importlib import metadata

    from ._persistence import library_versions

    versions = {}
    for entry in library_versions():
        package, version = entry.split(" ", 1)
        versions[package] = None if version == "-" else version
    try:
        versions["librosa"] = metadata.version("librosa")
    except metadata.PackageNotFoundError:
        versions["librosa"] = None
    return versions


def _run_facts(started, y, groups, plans, files, sets, extraction, **settings):
    """What a leaderboard's rows do not say about its run, for a report (:mod:`genreclf.report`): the data, the
    feature sets and their cost, the settings, the library versions, the date and the wall time."""
    import datetime
    import platform

    classes, counts = np.unique(y, return_counts=True)
    unit = "clips"
    if groups is not None and len(np.unique(groups)) < len(groups):  # segment rows: count the tracks
        tracks = dict(zip(groups.tolist(), y.tolist()))
        classes, counts = np.unique(np.asarray(list(tracks.values())), return_counts=True)
        unit = "tracks"
    named = [f for f in files or () if f is not None]
    cv = settings["cv"]
    settings["cv"] = int(cv) if isinstance(cv, (int, np.integer)) else repr(cv)
    return {
        "source": os.path.commonpath([os.path.dirname(os.path.abspath(f)) for f in named]) if named else None,
        "files": files,
        "n_rows": len(y),
        "unit": unit,
        "per_class": {str(c): int(n) for c, n in zip(classes, counts)},
        "features": None if sets is None else {name: " + ".join(t) if isinstance(t, tuple) else repr(t)
                                               for name, t in sets.items()},
        "extraction": extraction,
        "protocols": [label for _, label, _, _ in plans],
        **settings,
        "versions": {**_library_versions(), "python": platform.python_version()},
        "started": datetime.datetime.fromtimestamp(started[0]).astimezone().isoformat(timespec="seconds"),
        "wall_time": time.perf_counter() - started[1],
    }


def _clip_groups(X, groups):
    """The track id of every clip ``X`` (for the artist-filtered split): ``groups`` if given, else read from the
    file names."""
    from .datasets import track_id

    if isinstance(X, np.ndarray) and X.dtype.kind in "biufc":
        raise TypeError("features= extracts feature sets from audio: X must be the clips (a list of paths), not "
                        "an array of features")
    if groups is None:  # one row per clip
        groups = [track_id(c) if isinstance(c, (str, os.PathLike)) else str(i) for i, c in enumerate(X)]
    return np.asarray(groups, dtype=object)


def _takes_frames(estimator):
    """Whether a model reads 3-D frames (genreclf's CNN and LSTM, or what says so in its tags), not table rows."""
    from sklearn.utils import get_tags

    from .models import CNNClassifier, LSTMClassifier

    last = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    if isinstance(last, (CNNClassifier, LSTMClassifier)):
        return True
    try:
        tags = get_tags(estimator).input_tags
    except Exception:  # an estimator without scikit-learn tags
        return False
    return tags.three_d_array and not tags.two_d_array


def _needs_gtzan_columns(estimator):
    """Whether a model starts from the 57 GTZAN columns (a GTZANTableTransformer in it)."""
    from .baselines import GTZANTableTransformer

    todo = [estimator]  # every level: the ensemble's members are pipelines whose first step is the transformer
    while todo:
        part = todo.pop()
        if isinstance(part, GTZANTableTransformer):
            return True
        todo += [e for _, e in getattr(part, "estimators", [])] + [step for _, step in getattr(part, "steps", [])]
    return False


def _models_for(models, feature, values, transformer):
    """The models that can learn from a feature set: frames go to frame models, in 3 s segments that vote (ten per
    30 s clip); table rows go to table models (those built on the GTZAN columns only to the GTZAN set)."""
    from .features.gtzan import GTZAN_COLUMNS
    from .models import SegmentClassifier

    out = _Models((), getattr(models, "descriptions", {}))
    for name, (est, grid) in models.items():
        if values.ndim == 3 and _takes_frames(est):
            segments = _segments_of(transformer, values.shape[1])
            out[name] = (SegmentClassifier(est, **segments), {f"estimator__{k}": v for k, v in grid.items()})
        elif values.ndim == 2 and not _takes_frames(est):
            if _needs_gtzan_columns(est) and values.shape[1] != len(GTZAN_COLUMNS):
                continue
            out[name] = (est, grid)
    if not out:
        kind = "frames" if values.ndim == 3 else "a table"
        warnings.warn(f"benchmark: no model learns from the feature set {feature!r} ({kind}): it is left out",
                      UserWarning, stacklevel=3)
    return out


def _segments_of(transformer, n_frames):
    """How a frame model sees a clip: in 3 s segments (the GTZAN convention) when the transformer's frame rate is
    known and a clip holds one or more of them; else in ten segments."""
    rate = getattr(transformer, "sr", None), getattr(transformer, "hop_length", None)
    if all(isinstance(v, (int, float)) and v > 0 for v in rate):
        frames = int(round(SEGMENT_SECONDS * rate[0] / rate[1]))
        if 0 < frames <= n_frames:
            return {"segment_frames": frames}
    return {"n_segments": min(10, n_frames)}


def _joined(boards, metrics):
    """One leaderboard of several feature sets: their rows, best first within each protocol; attrs merged."""
    import pandas as pd

    plain = [b.copy() for b in boards]
    for b in plain:
        b.attrs = {}  # concat compares attrs, which hold DataFrames
    rows = pd.concat(plain, ignore_index=True)
    order = {label: i for i, label in enumerate(dict.fromkeys(rows["protocol"]))}
    ascending = metrics[0] == "log_loss"
    board = (rows.assign(_p=rows["protocol"].map(order))
             .sort_values(["_p", f"{metrics[0]}_mean"], ascending=[True, ascending], kind="stable")
             .drop(columns="_p").reset_index(drop=True))
    attrs = {key: {} for key in boards[0].attrs if key != "classes"}
    for b in boards:
        for key in attrs:
            attrs[key].update(b.attrs[key])
    attrs["classes"] = boards[0].attrs["classes"]
    board.attrs.update(attrs)
    return board


def _plan_splits(protocols, cv, X, y, groups, segmented, models, tune, inner_cv, random_state):
    """``[(protocol, label, [(train, test), ...], inner cv)]``: the splits of every protocol, checked."""
    from .datasets import ArtistFilteredSplit

    plans = []
    for p in protocols:
        if p == "cv":
            splitter, label, use_groups = _cv_plan(cv, y, groups, segmented, random_state)
            splits = list(splitter.split(np.zeros(len(y)), y, groups if use_groups else None))
        else:
            splits = list(ArtistFilteredSplit().split(X, y, groups))
            label = "artist-filtered split"
        inner = _inner_cv(p, segmented, random_state, inner_cv)
        inner_groups = groups if p == "filtered" or segmented else None  # as _fit_predict's search receives them
        _check_splits(p, label, splits, X, y, inner_groups, groups if segmented else None, models, tune, inner_cv,
                      inner)
        plans.append((p, label, splits, inner))
    return plans


def _leaderboard(plans, models, results, y, groups, segmented, metrics, n_bootstrap, random_state, features=None,
                 values=None):
    """The leaderboard DataFrame: one row per model, protocol and level, best first; details in ``attrs`` (keyed
    by ``(model, protocol)``, or ``(features, model, protocol)`` for a feature set). ``values``: the models'
    input, whose width the ``description`` column names."""
    import pandas as pd

    shape = getattr(values, "shape", ())
    n_features = shape[1] if len(shape) == 2 else tuple(shape[1:]) if len(shape) == 3 else None

    classes = np.unique(y)
    rng = np.random.default_rng(random_state)
    rows = []
    attrs = {"confusion": {}, "per_class": {}, "predictions": {}, "fold_scores": {}, "best_params": {},
             "tune_accuracy": {}, "errors": {}, "classes": classes.tolist()}
    for _, label, splits, _ in plans:
        n_train = min(len(train) for train, _ in splits)  # the fewest rows a model of this protocol was fitted on
        for name in models:
            mine = sorted((r for r in results if r["name"] == name and r["protocol"] == label),
                          key=lambda r: r["fold"])
            failed = [r for r in mine if r["error"] is not None]
            for level in (["segment", "track"] if segmented else ["clip"]):
                shown = label if not segmented else f"{label}, {level}-level"
                row = {"model": name, "protocol": shown, "level": level}
                description = _described(name, models[name][0], models, n_features, n_train)
                if features is not None:
                    row = {"features": features, **row}
                key = (name, shown) if features is None else (features, name, shown)
                if failed:  # a row that says why, and no scores from the folds that did fit
                    rows.append(dict(_failed_row(row, mine, failed, metrics), description=description))
                    attrs["errors"][key] = [(r["fold"], r["error"], r.get("traceback")) for r in failed]
                    continue
                folds, std, spread, predictions, _ = _aggregate(mine, y, groups, metrics, classes, level,
                                                                n_bootstrap, rng)
                for m in metrics:
                    row[f"{m}_mean"] = float(folds[m].mean())
                    row[f"{m}_std"] = float(std[m])
                for t in ("fit_time", "predict_time"):
                    v = np.array([r[t] for r in mine])
                    row[f"{t}_mean"] = float(v.mean())
                    row[f"{t}_std"] = float(v.std(ddof=1)) if len(v) > 1 else np.nan
                chosen = [r["best_params"] for r in mine]
                tuned = [r["tune_accuracy"] for r in mine]
                row.update(n_splits=len(mine), n_test=len(predictions), spread=spread,
                           best_params=_most_common(chosen),
                           tune_accuracy=float(np.mean(tuned)) if not np.isnan(tuned).any() else np.nan, error=None,
                           description=description)
                rows.append(row)
                attrs["confusion"][key] = _confusion(predictions, classes)
                attrs["per_class"][key] = _per_class(predictions, classes)
                attrs["predictions"][key] = predictions
                attrs["fold_scores"][key] = folds
                attrs["best_params"][key] = chosen
                attrs["tune_accuracy"][key] = tuned
    board = pd.DataFrame(rows)
    order = {label: i for i, label in enumerate(dict.fromkeys(board["protocol"]))}
    key_metric = f"{metrics[0]}_mean"
    ascending = metrics[0] == "log_loss"
    board = (board.assign(_p=board["protocol"].map(order))
             .sort_values(["_p", key_metric], ascending=[True, ascending], kind="stable")
             .drop(columns="_p").reset_index(drop=True))
    board.attrs.update(attrs)
    return board


def _failed_row(row, mine, failed, metrics):
    """The leaderboard row of a model that failed on some split: no scores, and the error of its first failure."""
    first = failed[0]
    more = f" (and {len(failed) - 1} more split(s))" if len(failed) > 1 else ""
    row = dict(row, **{f"{m}_{stat}": np.nan for m in metrics for stat in ("mean", "std")})
    row.update({f"{t}_{stat}": np.nan for t in ("fit_time", "predict_time") for stat in ("mean", "std")})
    row.update(n_splits=len(mine), n_test=0, spread="", best_params="", tune_accuracy=np.nan,
               error=f"split {first['fold']}: {first['error']}{more}")
    return row


def _most_common(chosen):
    """The parameters the search chose most often; a tie goes to the one chosen first (in fold order)."""
    seen = [repr(sorted(c.items())) for c in chosen if c]
    if not seen:
        return ""
    best = max(dict.fromkeys(seen), key=seen.count)  # first maximum in fold order (a set's order is random)
    params = next(c for c in chosen if c and repr(sorted(c.items())) == best)
    return ", ".join(f"{k.split('__')[-1]}={v}" for k, v in sorted(params.items()))


def _confusion(predictions, classes):
    import pandas as pd
    from sklearn.metrics import confusion_matrix

    pred = predictions["y_pred"].to_numpy()
    labels = list(classes) + sorted(set(pred) - set(classes), key=str)  # e.g. a reject label
    matrix = confusion_matrix(predictions["y_true"].to_numpy(), pred, labels=labels)
    return pd.DataFrame(matrix[:len(classes)], index=pd.Index(classes, name="true"),
                        columns=pd.Index(labels, name="predicted"))


def _per_class(predictions, classes):
    import pandas as pd
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f, s = precision_recall_fscore_support(predictions["y_true"], predictions["y_pred"], labels=classes,
                                                 zero_division=0)
    return pd.DataFrame({"precision": p, "recall": r, "f1": f, "support": s}, index=pd.Index(classes, name="class"))


def pick_models(board, by="protocol"):
    """The model each protocol picks without looking at test scores: the best ``tune_accuracy``, ties kept.

    :func:`benchmark` sorts its leaderboard by test score, so reading the winner off it is a choice made on the
    test tracks. This picks by the score each model earned inside its own search (inner folds, or the valid
    tracks of the artist-filtered split) instead; several rows come back when models tie on that score, because
    breaking the tie by the board's order would be breaking it by the test score.

    Parameters
    ----------
    board : DataFrame
        :func:`benchmark`'s leaderboard, tuned (``tune=True`` with parameter grids).
    by : str or list of str, default="protocol"
        Columns that define one competition (add e.g. ``"level"`` for segment rows, or your own ``"features"``
        column when several boards are concatenated).

    Returns
    -------
    DataFrame
        The picked rows of ``board`` (all its columns), in the board's order of competitions. Competitions
        where no model was tuned (all ``tune_accuracy`` NaN) are left out.

    Examples
    --------
    >>> from genreclf.datasets import load_gtzan_features
    >>> from genreclf.baselines import make_baselines
    >>> gtzan = load_gtzan_features()
    >>> board = benchmark(make_baselines(["logistic_regression", "naive_bayes"]), gtzan.data, gtzan.target,
    ...                   groups=gtzan.groups, protocol="filtered")
    >>> pick_models(board)[["model", "tune_accuracy", "accuracy_mean"]].round(3).values.tolist()
    [['logistic_regression', 0.437, 0.531]]
    """
    if "tune_accuracy" not in board:
        raise ValueError("pick_models needs the tune_accuracy column of a benchmark() leaderboard (genreclf 0.1+)")
    keys = [by] if isinstance(by, str) else list(by)
    scores = board["tune_accuracy"].astype(float)
    best = scores.groupby([board[k] for k in keys], sort=False).transform("max")
    # a mask, not pd.concat of the groups: concat compares the boards' attrs, which hold DataFrames
    return board[np.isclose(scores, best) & scores.notna()]


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def _score_cell(mean, std, percent):
    """``mean ± std`` (or ``mean``, or ``n/a``): in percent with one decimal, or as is with three."""
    if _missing(mean):
        return "n/a"
    scale, digits = (100.0, 1) if percent else (1.0, 3)
    if _missing(std):
        return f"{mean * scale:.{digits}f}"
    return f"{mean * scale:.{digits}f} ± {std * scale:.{digits}f}"


def format_leaderboard(board, metrics=None, percent=True):
    """The leaderboard as aligned text: ``mean ± std`` per metric, times in seconds.

    Parameters
    ----------
    board : DataFrame
        :func:`benchmark`'s result.
    metrics : list of str, optional
        Which metrics to show; default: every ``*_mean`` column except the times.
    percent : bool, default=True
        Show accuracy-like scores in percent.

    Returns
    -------
    str
    """
    if metrics is None:
        metrics = [c[:-5] for c in board.columns if c.endswith("_mean") and "time" not in c]
    tune = "tune_accuracy" in board and board["tune_accuracy"].notna().any()
    sets = "features" in board
    failed = "error" in board and board["error"].notna().any()
    header = (["features"] if sets else []) + ["model", "protocol"] + metrics + (["tune acc"] if tune else [])
    header += ["fit s", "predict s", "best params"] + (["error"] if failed else [])
    lines = []
    for row in board.to_dict("records"):  # plain rows: a row Series would deep-copy the attrs (every prediction)
        cells = ([str(row["features"])] if sets else []) + [str(row["model"]), str(row["protocol"])]
        cells += [_score_cell(row[f"{m}_mean"], row[f"{m}_std"], percent and "loss" not in m) for m in metrics]
        if tune:
            cells.append(_score_cell(row["tune_accuracy"], None, percent))
        for column, digits in (("fit_time_mean", 2), ("predict_time_mean", 3)):
            cells.append("n/a" if _missing(row[column]) else f"{row[column]:.{digits}f}")
        cells.append(str(row.get("best_params", "")))
        if failed:
            cells.append("" if _missing(row["error"]) else str(row["error"]))
        lines.append(cells)
    widths = [max(len(h), *(len(c[i]) for c in lines)) if lines else len(h) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*c) for c in lines]
    return "\n".join(out)
