"""benchmark(): protocols, grouped/track-level scores, nested tuning, details for plotting, joblib/Dask."""

import joblib
import numpy as np
import pandas as pd
import pytest
from audio_files import planted_pickle
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from genreclf.baselines import make_baselines
from genreclf.datasets import gtzan_split, load_gtzan_features
from genreclf.evaluation import benchmark, format_leaderboard, pick_models


@pytest.fixture(scope="module")
def gtzan():
    return load_gtzan_features()


@pytest.fixture(scope="module")
def small(gtzan):
    """200 real rows (20 per genre) of the 30 s table."""
    idx = np.concatenate([np.flatnonzero(gtzan.target == g)[:20] for g in np.unique(gtzan.target)])
    return gtzan.data[idx], gtzan.target[idx], gtzan.groups[idx]


def _lr():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def _segments(n_tracks_per_class=8, n_segments=5, n_classes=3, seed=0):
    """Synthetic segment rows: each track has its own offset (so segments of a track resemble each other)."""
    rng = np.random.default_rng(seed)
    X, y, groups = [], [], []
    for c in range(n_classes):
        for t in range(n_tracks_per_class):
            center = rng.normal(size=4) + 1.2 * np.eye(4)[c]
            for _ in range(n_segments):
                X.append(center + rng.normal(scale=0.8, size=4))
                y.append(f"genre{c}")
                groups.append(f"genre{c}.{t:05d}")
    return np.array(X), np.array(y), np.array(groups, dtype=object)


def test_cv_leaderboard_columns_and_details(small):
    X, y, _ = small
    board = benchmark({"lr": _lr(), "dummy": DummyClassifier()}, X, y, cv=3)
    assert list(board["model"]) == ["lr", "dummy"]  # best first
    assert set(board["protocol"]) == {"stratified 3-fold CV"}
    for col in ("accuracy_mean", "accuracy_std", "f1_macro_mean", "f1_macro_std", "log_loss_mean", "log_loss_std",
                "fit_time_mean", "fit_time_std", "predict_time_mean", "predict_time_std", "n_splits", "n_test",
                "spread", "level"):
        assert col in board.columns, col
    lr = board.iloc[0]
    assert 0.4 < lr["accuracy_mean"] <= 1 and lr["accuracy_std"] > 0
    assert lr["n_splits"] == 3 and lr["n_test"] == len(y)
    assert board.iloc[1]["accuracy_mean"] == pytest.approx(0.1, abs=0.02)
    key = ("lr", "stratified 3-fold CV")
    confusion = board.attrs["confusion"][key]
    assert confusion.shape == (10, 10) and confusion.to_numpy().sum() == len(y)
    assert (confusion.sum(axis=1) == 20).all()  # every row predicted once, out of fold
    per_class = board.attrs["per_class"][key]
    assert list(per_class.columns) == ["precision", "recall", "f1", "support"]
    predictions = board.attrs["predictions"][key]
    assert len(predictions) == len(y) and set(predictions["fold"]) == {0, 1, 2}
    # the pooled predictions reproduce the per-fold accuracies
    folds = board.attrs["fold_scores"][key]
    by_fold = predictions.groupby("fold").apply(lambda d: (d.y_true == d.y_pred).mean(), include_groups=False)
    np.testing.assert_allclose(by_fold.to_numpy(), folds["accuracy"].to_numpy())
    assert lr["accuracy_mean"] == pytest.approx(folds["accuracy"].mean())
    assert board.attrs["classes"] == sorted(set(y))


def test_the_description_says_what_each_model_saw():
    """A preset's own line, then what it saw: a wide table reduced by the presets that reduce it, all columns for
    the others; a user's model is named by its steps; a preset replaced in the dict loses the preset's line."""
    rng = np.random.default_rng(0)
    y = np.repeat([f"genre{c}" for c in range(3)], 20)
    X = rng.normal(size=(60, 300)) + (np.arange(60) // 20)[:, None] * 0.3
    presets = make_baselines(["svc", "xgboost", "knn"])
    presets["knn"] = make_pipeline(StandardScaler(), LogisticRegression())
    board = benchmark(presets, X, y, cv=2, tune=False, n_jobs=1).set_index("model")["description"]
    assert board["svc"] == (presets.descriptions["svc"] + "; saw standardized, then its first 30 principal "
                            "components of 300 columns")   # 128 asked, 30 training rows
    assert board["xgboost"].endswith("; saw standardized, then its first 30 principal components of 300 columns")
    assert board["knn"] == "StandardScaler → LogisticRegression; saw all 300 columns"
    narrow = benchmark(["svc"], X[:, :57], y, cv=2, tune=False, n_jobs=1)["description"].tolist()
    assert narrow == [presets.descriptions["svc"] + "; saw all 57 columns"]


def test_cv_is_reproducible_and_seeded(small):
    X, y, _ = small
    a = benchmark({"lr": _lr()}, X, y, cv=3, random_state=1)
    b = benchmark({"lr": _lr()}, X, y, cv=3, random_state=1)
    pd.testing.assert_series_equal(a["accuracy_mean"], b["accuracy_mean"])


def test_grouped_cv_scores_segments_and_tracks():
    X, y, groups = _segments()
    board = benchmark({"lr": _lr()}, X, y, groups=groups, cv=4)
    assert list(board["protocol"]) == ["grouped 4-fold CV, segment-level", "grouped 4-fold CV, track-level"]
    seg, track = board.iloc[0], board.iloc[1]
    assert seg["n_test"] == len(y) and track["n_test"] == len(set(groups))
    # no track on both sides of a split
    preds = board.attrs["predictions"][("lr", "grouped 4-fold CV, segment-level")]
    assert preds.groupby("group")["fold"].nunique().max() == 1
    tracks = board.attrs["predictions"][("lr", "grouped 4-fold CV, track-level")]
    assert tracks["group"].is_unique and len(tracks) == 24
    # track-level = the argmax of the mean segment probability per track, each fold's model refitted here
    expected = {}
    for _, rows in preds.groupby("fold"):
        test = np.isin(groups, rows["group"])
        proba = _lr().fit(X[~test], y[~test]).predict_proba(X[test])
        mean = pd.DataFrame(proba).groupby(groups[test]).mean()
        expected.update(zip(mean.index, np.unique(y)[mean.to_numpy().argmax(axis=1)]))
    assert dict(zip(tracks["group"], tracks["y_pred"])) == expected
    by_fold = tracks.groupby("fold").apply(lambda d: (d.y_true == d.y_pred).mean(), include_groups=False)
    assert track["accuracy_mean"] == pytest.approx(by_fold.mean())


class _FirstColumnProba(ClassifierMixin, BaseEstimator):
    """A 'model' whose probability of the first class is the row's first column (fit only learns the classes)."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.column_stack([X[:, 0], 1 - X[:, 0]])

    def predict(self, X):
        return self.classes_[(X[:, 0] < 0.5).astype(int)]


def test_track_level_is_the_mean_segment_probability_not_the_vote():
    """Each track has one confident right segment and two unsure wrong ones: the mean probability names the
    track right, a vote of its segments would name it wrong."""
    p_first = {"a": [0.9, 0.4, 0.4], "b": [0.1, 0.6, 0.6]}  # P(a) of a track's 3 segments
    y = np.repeat(["a", "b"], 12)
    groups = np.array([f"{label}.{i // 3:05d}" for i, label in enumerate(y)], dtype=object)
    X = np.column_stack([np.concatenate([p_first["a"] * 4, p_first["b"] * 4]), np.zeros(len(y))])
    board = benchmark({"fixed": _FirstColumnProba()}, X, y, groups=groups, cv=2, scoring=("accuracy", "log_loss"))
    seg, track = board.iloc[0], board.iloc[1]
    assert (seg["level"], track["level"]) == ("segment", "track")
    assert seg["accuracy_mean"] == pytest.approx(1 / 3)
    assert track["accuracy_mean"] == 1.0  # a vote: 0.0
    assert track["log_loss_mean"] == pytest.approx(-np.log(1.7 / 3))  # of the mean probability, 0.567
    tracks = board.attrs["predictions"][("fixed", track["protocol"])]
    assert (tracks["y_pred"] == tracks["y_true"]).all() and len(tracks) == 8


def test_track_level_votes_without_probabilities():
    X, y, groups = _segments(n_classes=2)
    board = benchmark({"svm": make_pipeline(StandardScaler(), LinearSVC())}, X, y, groups=groups, cv=3)
    track = board[board["level"] == "track"].iloc[0]
    assert 0.5 < track["accuracy_mean"] <= 1
    assert np.isnan(track["log_loss_mean"])  # no probabilities, no log loss


def test_a_track_with_two_labels_is_refused():
    X, y, groups = _segments()
    y = y.copy()
    y[0] = "genre1"
    with pytest.raises(ValueError, match="different labels"):
        benchmark({"lr": _lr()}, X, y, groups=groups, cv=3)


def test_filtered_protocol_never_fits_on_test_tracks(gtzan, monkeypatch):
    """Tuning sees train+valid rows only and is split train -> valid; the model is scored on the 290 test tracks."""
    split = gtzan_split("filtered")
    test_ids, valid_ids = set(split["test"]), set(split["valid"])
    seen = []

    class Spy(ClassifierMixin, BaseEstimator):
        """Logistic regression that records which rows it is fitted on (their index is the last column)."""

        def __init__(self, C=1.0):
            self.C = C

        def fit(self, X, y):
            seen.append(X[:, -1].astype(int))
            self.lr_ = LogisticRegression(C=self.C, max_iter=500).fit(X[:, :-1], y)
            self.classes_ = self.lr_.classes_
            return self

        def predict_proba(self, X):
            return self.lr_.predict_proba(X[:, :-1])

        def predict(self, X):
            return self.lr_.predict(X[:, :-1])

    X = np.column_stack([StandardScaler().fit_transform(gtzan.data), np.arange(len(gtzan.data))])
    board = benchmark({"spy": (Spy(), {"C": [0.1, 1.0]})}, X, gtzan.target, groups=gtzan.groups,
                      protocol="filtered")
    row = board.iloc[0]
    assert row["protocol"] == "artist-filtered split" and row["n_test"] == 290 and row["n_splits"] == 1
    assert row["spread"].startswith("bootstrap") and row["accuracy_std"] > 0
    assert len(seen) == 2 + 1  # two candidates on train -> valid, then the refit on train+valid
    for rows in seen:
        ids = set(gtzan.groups[rows])
        assert not ids & test_ids
    assert not set(gtzan.groups[seen[0]]) & valid_ids  # the search trains on 'train' only
    assert len(seen[-1]) == 443 + 197
    # the chosen C is the one with the better accuracy on the valid tracks, fitted on the train tracks
    train = np.isin(gtzan.groups, list(split["train"]))
    valid = np.isin(gtzan.groups, list(valid_ids))
    valid_scores = {C: LogisticRegression(C=C, max_iter=500).fit(X[train, :-1], gtzan.target[train])
                    .score(X[valid, :-1], gtzan.target[valid]) for C in (0.1, 1.0)}
    assert valid_scores[0.1] != valid_scores[1.0]  # so a wrong choice would show
    assert board.attrs["best_params"][("spy", "artist-filtered split")] == [{"C": max(valid_scores,
                                                                                    key=valid_scores.get)}]
    predictions = board.attrs["predictions"][("spy", "artist-filtered split")]
    assert set(predictions["group"]) == test_ids


def test_nested_tuning_in_cv(small):
    X, y, _ = small
    baselines = make_baselines(["logistic_regression"])
    est, grid = baselines["logistic_regression"], baselines.param_grids["logistic_regression"]
    board = benchmark({"lr": (est, grid)}, X, y, cv=3, inner_cv=2)
    chosen = board.attrs["best_params"][("lr", "stratified 3-fold CV")]
    tuned = board.attrs["tune_accuracy"][("lr", "stratified 3-fold CV")]
    # the same search, by hand: in each outer training fold (random_state=0 seeds both levels of folds)
    outer = StratifiedKFold(3, shuffle=True, random_state=0).split(X, y)
    searches = [GridSearchCV(est, grid, cv=StratifiedKFold(2, shuffle=True, random_state=0)).fit(X[train], y[train])
                for train, _ in outer]
    assert chosen == [s.best_params_ for s in searches]
    assert tuned == pytest.approx([s.best_score_ for s in searches])
    assert len({c["clf__C"] for c in chosen}) > 1  # the folds choose differently: a fixed choice would show
    assert board.iloc[0]["best_params"].startswith("C=")
    assert len(tuned) == 3 and all(0.3 < t <= 1 for t in tuned)
    assert board.iloc[0]["tune_accuracy"] == pytest.approx(np.mean(tuned))
    assert "tune acc" in format_leaderboard(board)
    untuned = benchmark({"lr": (est, grid)}, X, y, cv=3, tune=False)
    assert untuned.attrs["best_params"][("lr", "stratified 3-fold CV")] == [None, None, None]
    assert untuned.iloc[0]["best_params"] == ""
    assert np.isnan(untuned.iloc[0]["tune_accuracy"])
    assert "tune acc" not in format_leaderboard(untuned)  # no search, no column


def test_filtered_tune_accuracy_is_the_valid_score_of_the_chosen_params(gtzan):
    """The model-selection score of the filtered protocol is measured on the valid tracks, never on test."""
    split = gtzan_split("filtered")
    train = np.isin(gtzan.groups, list(split["train"]))
    valid = np.isin(gtzan.groups, list(split["valid"]))
    grid = {"logisticregression__C": [0.01, 1.0]}
    valid_scores = [_lr().set_params(logisticregression__C=C).fit(gtzan.data[train], gtzan.target[train])
                    .score(gtzan.data[valid], gtzan.target[valid]) for C in grid["logisticregression__C"]]
    board = benchmark({"lr": (_lr(), grid), "nb": GaussianNB()}, gtzan.data, gtzan.target, groups=gtzan.groups,
                      protocol="filtered")
    lr, nb = (board.set_index("model").loc[m] for m in ("lr", "nb"))
    assert lr["tune_accuracy"] == pytest.approx(max(valid_scores))
    assert valid_scores[0] != pytest.approx(valid_scores[1])  # the check would notice the wrong candidate
    assert np.isnan(nb["tune_accuracy"])  # fit as given: nothing was selected
    text = format_leaderboard(board)
    assert f"{100 * max(valid_scores):.1f}" in text and "n/a" in text


class _CountedNB(GaussianNB):
    """GaussianNB that records its fits (benchmark(..., n_jobs=1) fits in this process)."""

    fits = []

    def __init__(self, *, priors=None, var_smoothing=1e-9, random_state=0):
        super().__init__(priors=priors, var_smoothing=var_smoothing)
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        type(self).fits.append(len(X))
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("random_state, fits_per_fold", [(0, 3 + 1), (None, 3 * 3 + 1)],
                         ids=["seeded: once per inner fold", "unseeded: as before"])
def test_an_ensembles_untuned_member_is_fitted_once_per_inner_fold(small, monkeypatch, random_state, fits_per_fold):
    """A grid on one member of a VotingClassifier does not fit the others once per candidate: 3 candidates x 3
    inner folds + the refit gave 10 fits of every member per outer fold; the untuned one is now fitted 4 times.
    Only a seeded member is shared: fitting an unseeded one twice may give two models."""
    from sklearn.ensemble import VotingClassifier

    X, y, _ = small
    vote = VotingClassifier([("lr", _lr()), ("nb", _CountedNB(random_state=random_state))], voting="soft")
    grid = {"lr__logisticregression__C": [0.1, 1.0, 10.0]}
    monkeypatch.setattr(_CountedNB, "fits", [])
    board = benchmark({"vote": (vote, grid)}, X, y, cv=2, inner_cv=3, n_jobs=1)
    assert len(_CountedNB.fits) == 2 * fits_per_fold
    assert sorted(set(_CountedNB.fits)) == [66, 67, 100]  # inner training folds of 100 rows, and the refits
    assert board.iloc[0]["best_params"].startswith("C=")
    monkeypatch.setattr(_CountedNB, "fits", [])
    tuned_member = benchmark({"vote": (vote, {"nb__var_smoothing": [1e-9, 1e-8]})}, X, y, cv=2, inner_cv=3, n_jobs=1)
    assert len(_CountedNB.fits) == 2 * (2 * 3 + 1) and len(tuned_member) == 1  # the tuned member: every candidate


def _stacking():
    """A StackingClassifier whose grid tunes only its final estimator: every member is shared."""
    from sklearn.ensemble import RandomForestClassifier, StackingClassifier

    stack = StackingClassifier([("nb", GaussianNB()), ("rf", RandomForestClassifier(20, random_state=0)),
                                ("lr", _lr())], final_estimator=LogisticRegression(max_iter=2000))
    return {"stacking": (stack, {"final_estimator__C": [0.1, 10.0]})}


def _ensemble():
    """The ensemble baseline with 20 boosting rounds instead of its 150: sharing does not depend on the size."""
    baselines = make_baselines(["ensemble"])
    baselines["ensemble"].set_params(xgb__estimator__n_estimators=20)
    return baselines


@pytest.mark.parametrize("models", [_ensemble, _stacking], ids=["ensemble", "stacking"])
def test_shared_member_fits_leave_the_ensembles_results_as_they_were(small, monkeypatch, models):
    """The ensemble baseline (its grid tunes the logistic regression; the SVC and the seeded XGBoost are shared),
    and a StackingClassifier (which asks its members for their methods before fitting them), give the same tuning
    scores, predictions and per-fold log losses as when every candidate fits every member."""
    from genreclf import evaluation

    X, y, _ = small
    run = dict(cv=2, inner_cv=2, n_jobs=1)
    shared = benchmark(models(), X, y, **run)
    monkeypatch.setattr(evaluation, "_share_untuned_members", lambda estimator, grid: estimator)
    fitted_per_candidate = benchmark(models(), X, y, **run)
    key = (shared.iloc[0]["model"], "stratified 2-fold CV")
    for attr in ("tune_accuracy", "best_params"):
        assert shared.attrs[attr][key] == fitted_per_candidate.attrs[attr][key]
    pd.testing.assert_frame_equal(shared.attrs["predictions"][key], fitted_per_candidate.attrs["predictions"][key])
    pd.testing.assert_frame_equal(shared.attrs["fold_scores"][key], fitted_per_candidate.attrs["fold_scores"][key])


def test_both_protocols_and_names(gtzan):
    board = benchmark(["naive_bayes"], gtzan.data, gtzan.target, groups=gtzan.groups, cv=3, protocol="both",
                      tune=False, scoring=["accuracy", "balanced_accuracy"])
    assert list(board["protocol"]) == ["stratified 3-fold CV", "artist-filtered split"]
    assert "balanced_accuracy_mean" in board.columns and "log_loss_mean" not in board.columns
    # the artist-filtered score is far below the random-split one: the point of honest evaluation
    assert board.iloc[1]["accuracy_mean"] < board.iloc[0]["accuracy_mean"]
    text = format_leaderboard(board)
    assert "naive_bayes" in text and "artist-filtered split" in text and "±" in text


def test_custom_splitter_and_single_estimator(small):
    X, y, _ = small
    board = benchmark(GaussianNB(), X, y, cv=KFold(3, shuffle=True, random_state=0))
    assert board.iloc[0]["model"] == "GaussianNB" and board.iloc[0]["protocol"] == "KFold"


@pytest.mark.parametrize("kwargs, match", [
    (dict(protocol="leaky"), "unknown protocol 'leaky'"),
    (dict(scoring=["accuracy", "auc"]), "unknown metric"),
    (dict(cv=1), "cv=1 must be >= 2"),
    (dict(cv=50), "fewer than the folds; use cv<=20"),
    (dict(estimators={}), "estimators is empty"),
    (dict(estimators=["svm"]), "unknown baseline name"),
    (dict(inner_cv=1), "inner_cv=1 must be an int >= 2"),
])
def test_errors_name_the_problem(small, kwargs, match):
    X, y, _ = small
    kwargs = {"estimators": {"nb": GaussianNB()}, **kwargs}
    with pytest.raises(ValueError, match=match):
        benchmark(X=X, y=y, **kwargs)


def test_filtered_needs_track_names(small):
    X, y, _ = small
    with pytest.raises(ValueError, match="groups="):
        benchmark({"nb": GaussianNB()}, X, y, protocol="filtered")


def test_not_a_classifier_is_refused(small):
    X, y, _ = small
    with pytest.raises(TypeError, match="not a classifier"):
        benchmark({"scaler": StandardScaler()}, X, y, cv=3)


def test_progress_is_one_bar_for_all_the_fits_by_default(small, capsys):
    """A long call says how far it is without being asked (the README's example ran 9 minutes in silence)."""
    X, y, _ = small
    benchmark({"lr": _lr(), "lr2": _lr()}, X, y, cv=3)
    err = capsys.readouterr().err
    assert "benchmark: 100%" in err and "6/6 fits" in err and "fits/s" in err
    assert err.count("\n") == 1  # one bar redrawn in place, not one line per fold
    benchmark({"lr": _lr()}, X, y, cv=3, verbose=0)
    assert capsys.readouterr().err == ""


def test_parallel_jobs_give_the_same_scores(small):
    X, y, _ = small
    serial = benchmark({"lr": _lr()}, X, y, cv=3)
    with joblib.parallel_backend("threading"):
        threaded = benchmark({"lr": _lr()}, X, y, cv=3, n_jobs=2)
    np.testing.assert_allclose(serial["accuracy_mean"], threaded["accuracy_mean"])


def test_runs_on_a_dask_cluster(small):
    distributed = pytest.importorskip("dask.distributed")
    X, y, _ = small
    serial = benchmark({"lr": _lr()}, X, y, cv=3)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
            board = benchmark({"lr": _lr()}, X, y, cv=3)
    assert len(stream.data) >= 3  # the three folds ran as tasks on the cluster
    np.testing.assert_allclose(board["accuracy_mean"], serial["accuracy_mean"])


# ------------------------------------------------------------------------------------- bad tables and labels
def _table(n_per_class=(6, 6, 6), seed=0):
    """Tiny separable table: classes 'a', 'b', 'c', ... with n rows each, 3 features."""
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(size=(n, 3)) + 3 * i for i, n in enumerate(n_per_class)])
    y = np.repeat(np.array(list("abcdefgh")[:len(n_per_class)]), n_per_class)
    return X, y


def test_nan_in_a_dataframe_names_the_columns():
    X, y = _table()
    df = pd.DataFrame(X, columns=["mfcc_mean_0", "tempo", "zcr"])
    df.loc[[2, 7], "tempo"] = np.nan
    with pytest.raises(ValueError, match=r"NaN in 2 rows.*columns \['tempo'\].*on_error='nan'.*SimpleImputer"):
        benchmark({"dummy": DummyClassifier()}, df, y, cv=3)


def test_inf_in_an_array_names_the_column_indices():
    X, y = _table()
    X[4, 2] = np.inf
    X[5, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN and infinity in 2 rows.*columns \[0, 2\]"):
        benchmark({"lr": LogisticRegression()}, X, y, cv=3)
    X3 = np.repeat(_table()[0][:, None, :], 2, axis=1)  # (n_rows, n_frames, n_coefs)
    X3[0, 1, 1] = np.nan
    with pytest.raises(ValueError, match=r"coefficients \(last axis\) \[1\]"):
        benchmark({"dummy": DummyClassifier()}, X3, y, cv=3)


def test_nan_is_left_to_models_that_accept_it_but_inf_is_not():
    from sklearn.impute import SimpleImputer

    X, y = _table()
    X[3, 1] = np.nan
    board = benchmark({"imputed": make_pipeline(SimpleImputer(), LogisticRegression())}, X, y, cv=3,
                      scoring="accuracy")
    assert board.iloc[0]["accuracy_mean"] > 0.8
    with pytest.raises(ValueError, match=r"estimators \['lr'\] do not accept NaN"):
        benchmark({"imputed": make_pipeline(SimpleImputer(), LogisticRegression()), "lr": LogisticRegression()},
                  X, y, cv=3)
    X[3, 1] = -np.inf
    with pytest.raises(ValueError, match="infinity.*columns \\[1\\]"):
        benchmark({"imputed": make_pipeline(SimpleImputer(), LogisticRegression())}, X, y, cv=3)


def test_lengths_of_x_y_and_groups_must_agree():
    X, y = _table()
    with pytest.raises(ValueError, match="X has 18 rows but y has 17 labels.*same clips in the same order"):
        benchmark({"dummy": DummyClassifier()}, X, y[:-1], cv=3)
    with pytest.raises(ValueError, match="groups has 17 entries but X and y have 18 rows.*one track id per row"):
        benchmark({"dummy": DummyClassifier()}, X, y, groups=np.arange(17), cv=3)


def test_a_single_class_or_missing_labels_are_refused():
    X, _ = _table()
    with pytest.raises(ValueError, match="only one class, 'rock' \\(18 rows\\).*at least 2 classes"):
        benchmark({"dummy": DummyClassifier()}, X, np.full(18, "rock"), cv=3)
    y = np.array(["a", "b", None] * 6, dtype=object)
    with pytest.raises(ValueError, match=r"6 missing labels.*rows \[2, 5, 8, 11, 14, 17\]"):
        benchmark({"dummy": DummyClassifier()}, X, y, cv=3)


@pytest.mark.parametrize("labels, error, match", [
    (["a", "b", 3] * 6, TypeError, r"benchmark: y mixes labels of types number, str: make them all strings, e.g\. "
                                   r"y = \[str\(label\) for label in y\], or all numbers"),
    (["a", "b", None] * 6, ValueError, r"6 missing label"),
])
def test_labels_that_cannot_be_sorted_say_what_is_wrong(labels, error, match):
    X, _ = _table()
    with pytest.raises(error, match=match):
        benchmark({"dummy": DummyClassifier()}, X, np.array(labels, dtype=object), cv=3)


def test_a_class_smaller_than_the_folds_is_an_error_not_a_warning():
    X, y = _table((12, 12, 3))
    with pytest.raises(ValueError, match=r"cv=10: class 'c' has only 3 rows, fewer than the folds; use cv<=3, "
                                         r"or drop the class \(keep = y != 'c'"):
        benchmark({"dummy": DummyClassifier()}, X, y, cv=10)
    board = benchmark({"dummy": DummyClassifier()}, X, y, cv=3)  # the suggested fix works
    assert board.iloc[0]["n_splits"] == 3


def test_a_class_with_fewer_tracks_than_folds_is_an_error():
    X, y, groups = _segments(n_tracks_per_class=4, n_segments=3, n_classes=2)
    keep = ~np.isin(groups, ["genre1.00002", "genre1.00003"])  # genre1 keeps 2 tracks (6 segments)
    with pytest.raises(ValueError, match=r"class 'genre1' has only 2 tracks.*use cv<=2.*groups=groups\[keep\]"):
        benchmark({"dummy": DummyClassifier()}, X[keep], y[keep], groups=groups[keep], cv=3)


def test_too_few_members_for_the_inner_search_is_an_error():
    X, y = _table((6, 6, 3))
    est = make_pipeline(StandardScaler(), LogisticRegression())
    with pytest.raises(ValueError, match=r"inner_cv=3: .*class 'c' has only 2 rows.*tune=False"):
        benchmark({"lr": (est, {"logisticregression__C": [0.1, 1.0]})}, X, y, cv=3, inner_cv=3)
    board = benchmark({"lr": (est, {"logisticregression__C": [0.1, 1.0]})}, X, y, cv=3, inner_cv=2)
    assert len(board) == 1


def test_a_label_unseen_in_training_is_scored_not_a_crash():
    """A grouped splitter can put every track of a rare genre in one test fold."""
    from sklearn.model_selection import GroupKFold

    X, y, groups = _segments(n_tracks_per_class=4, n_segments=3, n_classes=3)
    keep = ~np.isin(groups, ["genre2.00001", "genre2.00002", "genre2.00003"])  # genre2: one track
    X, y, groups = X[keep], y[keep], groups[keep]
    with pytest.warns(UserWarning, match=r"classes \['genre2'\] are in the test part of split \d but not in its "
                                         r"training part"):
        board = benchmark({"lr": _lr()}, X, y, groups=groups, cv=GroupKFold(3))
    assert np.isfinite(board["log_loss_mean"]).all() and np.isfinite(board["accuracy_mean"]).all()
    assert board.attrs["classes"] == ["genre0", "genre1", "genre2"]
    confusion = board.attrs["confusion"][("lr", "GroupKFold, segment-level")]
    assert confusion.loc["genre2"].sum() == 3 and confusion.loc["genre2", "genre2"] == 0  # never predicted


def test_a_training_part_with_one_class_is_refused():
    from sklearn.model_selection import PredefinedSplit

    X, y = _table((6, 6))
    test_fold = np.where(y == "a", 0, 1)  # split 0 trains on 'b' only
    with pytest.raises(ValueError, match="training part of split 0 holds only class 'b'.*stratified splitter"):
        benchmark({"lr": LogisticRegression()}, X, y, cv=PredefinedSplit(test_fold))


def test_pick_models_uses_tune_accuracy_keeps_ties_and_skips_untuned():
    board = pd.DataFrame({
        "model": ["a", "b", "c", "a", "b", "c", "a", "b"],
        "protocol": ["cv"] * 3 + ["filtered"] * 3 + ["other"] * 2,
        "accuracy_mean": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2],   # sorted by test score, as benchmark does
        "tune_accuracy": [0.5, 0.7, 0.6, 0.4, 0.6, 0.6, np.nan, np.nan],
    })
    board.attrs["confusion"] = {("a", "cv"): pd.DataFrame(np.eye(2))}  # as benchmark's: pd.concat would choke
    picks = pick_models(board)
    assert picks[["protocol", "model"]].values.tolist() == [["cv", "b"], ["filtered", "b"], ["filtered", "c"]]
    assert pick_models(board, by=["protocol", "model"])["model"].tolist() == ["a", "b", "c", "a", "b", "c"]
    assert pick_models(board[board.protocol == "other"]).empty
    with pytest.raises(ValueError, match="tune_accuracy"):
        pick_models(board.drop(columns="tune_accuracy"))


def test_best_params_break_ties_in_fold_order_whatever_the_hash_seed():
    """Two choices made equally often: the leaderboard shows the first one, in every process (a set's order
    depends on PYTHONHASHSEED, and once made the column differ between two runs of the same benchmark)."""
    import os
    import subprocess
    import sys

    code = ("from genreclf.evaluation import _most_common; "
            "print(_most_common([{'clf__gamma': 'scale'}, {'clf__gamma': 0.01}, {'clf__gamma': 0.01}, "
            "{'clf__gamma': 'scale'}]))")
    # the 8 interpreters start together: their start-up, not their work, is the cost
    runs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONHASHSEED": str(seed)}) for seed in range(8)]
    shown = [run.communicate()[0].strip() for run in runs]
    assert [run.returncode for run in runs] == [0] * 8
    assert set(shown) == {"gamma=scale"}


# ---------------------------------------------------------------------------------------- reused fold results
class _MyScaler(StandardScaler):
    """A class of the user's own: its code can change between runs with no sign in its parameters."""


def test_a_second_run_with_memory_reads_every_fold_back(small, tmp_path):
    X, y, groups = small
    models = {"lr": (_lr(), {"logisticregression__C": [0.1, 1.0]}), "bayes": (GaussianNB(), {})}
    run = dict(groups=groups, cv=3, protocol="both", memory=str(tmp_path / "cache"))
    first = benchmark(models, X, y, **run)
    second = benchmark(models, X, y, **run)
    assert first.attrs["fits_reused"] == (0, 8) and second.attrs["fits_reused"] == (8, 8)
    pd.testing.assert_frame_equal(first, second)  # the fit times too: those of the fits read back
    stored = [p for p in (tmp_path / "cache" / "genreclf-folds").rglob("*") if p.is_file()]
    assert len(stored) == 8 and all(p.suffix == ".npz" for p in stored)  # arrays and JSON: nothing to unpickle
    changed = X.copy()
    changed[0, 0] += 1.0
    assert benchmark(models, changed, y, **run).attrs["fits_reused"] == (0, 8)  # other features: fitted again
    assert benchmark(models, X, y, **{**run, "cv": 4}).attrs["fits_reused"] == (2, 10)  # other folds; same split
    plain = benchmark(models, X, y, groups=groups, cv=3, protocol="both")  # a table without memory: no cache
    assert plain.attrs["fits_reused"] == (0, 8)
    pd.testing.assert_frame_equal(first.drop(columns=["fit_time_mean", "fit_time_std", "predict_time_mean",
                                                      "predict_time_std"]),
                                  plain.drop(columns=["fit_time_mean", "fit_time_std", "predict_time_mean",
                                                      "predict_time_std"]))


@pytest.mark.parametrize("wide", [False, True], ids=["57-columns", "over-1MB"])
def test_fold_results_of_an_earlier_run_are_read_without_workers(small, tmp_path, tasks_sent, wide):
    """A rerun reads its fold results in this process: no task reaches joblib. With more folds, only the new
    ones are sent to the workers. Features over 1 MB, which loky hands its workers as np.memmap, are found too,
    and so with any n_jobs."""
    import genreclf._parallel as parallel  # where the benchmark's fits reach joblib

    X, y, groups = small
    if wide:  # as wide as musicnn's embeddings: 200 rows x 757 columns of float64
        X = np.hstack([X, np.random.default_rng(0).normal(size=(len(X), 700))])
        assert X.nbytes > 1e6
    models = {"lr": (_lr(), {"logisticregression__C": [0.1, 1.0]}), "bayes": (GaussianNB(), {})}
    run = dict(groups=groups, cv=3, protocol="both", memory=str(tmp_path / "cache"), n_jobs=2)
    first = benchmark(models, X, y, **run)
    sent = tasks_sent(parallel)
    again = benchmark(models, X, y, **run)
    assert sent == [] and again.attrs["fits_reused"] == (8, 8)
    pd.testing.assert_frame_equal(first, again)
    assert benchmark(models, X, y, **{**run, "n_jobs": 1}).attrs["fits_reused"] == (8, 8)
    more = benchmark(models, X, y, **{**run, "cv": 4})
    assert sent == [8] and more.attrs["fits_reused"] == (2, 10)  # the 4 folds of each model are new; the split not


def test_models_that_could_change_unseen_are_fitted_again(small, tmp_path):
    X, y, groups = small
    models = {"mine": (make_pipeline(_MyScaler(), LogisticRegression(max_iter=500)), {}),
              "drawn": (LogisticRegression(max_iter=500, solver="saga", random_state=np.random.RandomState(0)), {}),
              "seeded": (LogisticRegression(max_iter=500, random_state=0), {})}
    run = dict(groups=groups, cv=2, protocol="cv", memory=str(tmp_path / "cache"))
    benchmark(models, X, y, **run)
    again = benchmark(models, X, y, **run)
    assert again.attrs["fits_reused"] == (2, 6)  # only the seeded scikit-learn model's two folds


def test_a_memory_that_is_a_file_is_said_before_any_fit(small, tmp_path):
    X, y, groups = small
    not_a_folder = tmp_path / "cache.txt"
    not_a_folder.write_text("notes")
    with pytest.raises(ValueError, match=r"memory='.*cache\.txt' is a file, not a folder"):
        benchmark({"bayes": (GaussianNB(), {})}, X, y, cv=2, memory=str(not_a_folder))


def test_a_memory_that_cannot_be_written_is_one_warning_and_the_run_goes_on(small, tmp_path, failing_cache_io):
    from genreclf.features._cache import CacheWarning

    X, y, groups = small
    failing_cache_io("NamedTemporaryFile", 30, "Read-only file system")
    with pytest.warns(CacheWarning, match="Read-only file system.*fitted again on the next run") as record:
        board = benchmark({"bayes": (GaussianNB(), {})}, X, y, cv=2, memory=str(tmp_path / "cache"))
    assert len([w for w in record if issubclass(w.category, CacheWarning)]) == 1
    assert board.attrs["fits_reused"] == (0, 2) and board["accuracy_mean"].iloc[0] > 0.3
    assert not [p for p in (tmp_path / "cache" / "genreclf-folds").rglob("*") if p.is_file()]


def _fold_entries(cache):
    return sorted(p for p in (cache / "genreclf-folds").rglob("*") if p.is_file())


def test_a_truncated_fold_result_is_fitted_again_without_a_traceback(small, tmp_path, capfd):
    from genreclf.features._cache import CacheWarning

    X, y, groups = small
    cache = tmp_path / "cache"
    run = dict(groups=groups, cv=2, protocol="cv", memory=str(cache), verbose=0)  # no progress bar on stderr either
    fresh = benchmark({"bayes": (GaussianNB(), {})}, X, y, **run)
    entry = _fold_entries(cache)[0]
    entry.write_bytes(entry.read_bytes()[:100])
    capfd.readouterr()
    with pytest.warns(CacheWarning, match=r"1 cached fold result\(s\) cannot be used.*cannot be read"):
        again = benchmark({"bayes": (GaussianNB(), {})}, X, y, **run)
    assert capfd.readouterr().err == ""
    assert again.attrs["fits_reused"] == (1, 2) and again["accuracy_mean"].iloc[0] == fresh["accuracy_mean"].iloc[0]


def test_fold_results_never_unpickle_what_the_cache_holds(small, tmp_path):
    """Every fold result replaced by a pickle that would run code: nothing runs, every fold is fitted again with
    one warning, and the leaderboard is that of a fresh run."""
    from genreclf.features._cache import CacheWarning

    X, y, groups = small
    cache = tmp_path / "cache"
    run = dict(groups=groups, cv=2, protocol="cv", memory=str(cache))
    models = {"bayes": (GaussianNB(), {})}
    fresh = benchmark(models, X, y, **run)
    marker = tmp_path / "code-ran"
    for entry in _fold_entries(cache):
        entry.write_bytes(planted_pickle(marker))
    with pytest.warns(CacheWarning, match=r"2 cached fold result\(s\) cannot be used.*cannot be read") as record:
        again = benchmark(models, X, y, **run)
    assert not marker.exists()
    assert len([w for w in record if issubclass(w.category, CacheWarning)]) == 1
    assert again.attrs["fits_reused"] == (0, 2)
    pd.testing.assert_frame_equal(again.drop(columns=["fit_time_mean", "fit_time_std", "predict_time_mean",
                                                      "predict_time_std"]),
                                  fresh.drop(columns=["fit_time_mean", "fit_time_std", "predict_time_mean",
                                                      "predict_time_std"]))
    assert benchmark(models, X, y, **run).attrs["fits_reused"] == (2, 2)  # the entries were written again


@pytest.mark.parametrize("how", ["copied", "linked"])
def test_a_fold_result_is_served_only_for_its_own_fold(small, tmp_path, how):
    """Fold 0's entry copied (or linked) over fold 2's is refused: fold 2 is fitted again, not given fold 0's
    predictions, and the log loss is that of a fresh run."""
    from genreclf.features._cache import CacheWarning

    X, y, groups = small
    cache = tmp_path / "cache"
    run = dict(groups=groups, cv=3, protocol="cv", memory=str(cache))
    models = {"lr": (_lr(), {})}
    fresh = benchmark(models, X, y, **run)
    entries = _fold_entries(cache)
    assert len(entries) == 3
    victim, source = entries[2], entries[0]
    victim.unlink()
    if how == "copied":
        victim.write_bytes(source.read_bytes())
    else:
        victim.symlink_to(source)
    with pytest.warns(CacheWarning, match="belong to another" if how == "copied" else "is a link"):
        again = benchmark(models, X, y, **run)
    assert again.attrs["fits_reused"] == (2, 3)
    assert again["log_loss_mean"].iloc[0] == fresh["log_loss_mean"].iloc[0]
    assert again["log_loss_std"].iloc[0] == fresh["log_loss_std"].iloc[0]
    assert not victim.is_symlink()  # rewritten as a file of its own


class _FailsOnSomeFolds(ClassifierMixin, BaseEstimator):
    """Fits like a Gaussian naive Bayes, except on training parts that hold ``bad_row``."""

    def __init__(self, bad_row=0):
        self.bad_row = bad_row

    def fit(self, X, y):
        if any(np.array_equal(row, self.bad_row) for row in np.asarray(X)):
            raise ValueError("this fold is cursed")
        self.model_ = GaussianNB().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


def test_a_model_that_fails_is_a_row_with_its_error_and_the_others_are_kept(small):
    X, y, groups = small
    models = {"bayes": (GaussianNB(), {}), "cursed": (_FailsOnSomeFolds(bad_row=X[0]), {})}
    board = benchmark(models, X, y, groups=groups, cv=3, protocol="both")
    assert board["model"].tolist() == ["bayes", "cursed", "bayes", "cursed"]
    fine = board[board["model"] == "bayes"]
    assert fine["error"].isna().all() and (fine["accuracy_mean"] > 0.3).all()
    cursed = board[board["model"] == "cursed"]
    assert cursed["accuracy_mean"].isna().all()
    from sklearn.model_selection import StratifiedKFold

    holding = [i for i, (train, _) in enumerate(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
               if 0 in train]  # the folds whose training part holds row 0: two of the three
    assert len(holding) == 2
    assert cursed["error"].iloc[0] == f"split {holding[0]}: ValueError: this fold is cursed (and 1 more split(s))"
    errors = board.attrs["errors"][("cursed", "stratified 3-fold CV")]
    assert [fold for fold, _, _ in errors] == holding and "Traceback" in errors[0][2]
    assert ("cursed", "stratified 3-fold CV") not in board.attrs["confusion"]
    assert "cursed" in format_leaderboard(board)


def test_a_worker_that_dies_fails_its_own_fit_and_the_others_are_kept(small):
    """A fit that kills its worker process (as the out-of-memory killer does) is that model's error row."""
    X, y, groups = small
    board = benchmark({"bayes": (GaussianNB(), {}), "killer": (_KillsItsProcess(), {})}, X, y, cv=2, n_jobs=2)
    killer = board[board["model"] == "killer"].iloc[0]
    assert killer["error"].startswith("split 0: WorkerDied: the worker process running it died")
    assert board[board["model"] == "bayes"]["error"].isna().all()


class _KillsItsProcess(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        import os
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("seed", range(6))
def test_the_bootstrap_spread_is_scikit_learns_metrics_on_every_resample(seed):
    """The vectorised bootstrap gives what scikit-learn's metrics give, resample by resample (same draws)."""
    import warnings

    from genreclf.evaluation import METRICS, _bootstrap_std, _metric

    rng = np.random.default_rng(seed)
    classes = np.array(["blues", "jazz", "metal", "rock"], dtype=object)
    n = int(rng.integers(5, 60))
    y_true = classes[rng.integers(0, 4, n)]
    y_pred = classes[rng.integers(0, 3 if seed % 2 else 4, n)]  # a class never predicted, on odd seeds
    proba = rng.random((n, 4))
    proba[0] = [1.0, 0.0, 0.0, 0.0]  # a zero probability: clipped
    metrics = [m for m in METRICS if m != "neg_log_loss"]
    draws = np.random.default_rng(seed)
    reference = {m: [] for m in metrics}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # balanced accuracy: "y_pred contains classes not in y_true"
        for _ in range(40):
            i = draws.integers(0, n, n)
            for m in metrics:
                reference[m].append(_metric(m, y_true[i], y_pred[i], proba[i], classes))
    got = _bootstrap_std(y_true, y_pred, proba, metrics, classes, 40, np.random.default_rng(seed))
    for m in metrics:
        assert got[m] == pytest.approx(np.std(reference[m], ddof=1), rel=1e-9, abs=1e-12), m
    assert np.isnan(_bootstrap_std(y_true, y_pred, None, ["log_loss"], classes, 40, draws)["log_loss"])


class _WarnsWhenFitted(ClassifierMixin, BaseEstimator):
    """A classifier whose fit warns, as scikit-learn's StratifiedKFold does about a small class."""

    def fit(self, X, y):
        import warnings

        warnings.warn("a small class, said by the model", UserWarning, stacklevel=2)
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))

    def predict(self, X):
        return self.classes_[np.zeros(len(X), dtype=int)]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_the_fits_warnings_are_said_once_not_once_per_fit(small, n_jobs, capfd):
    """In joblib's workers a fit's warning would print a raw line on stderr per fit; it comes back with the
    result and the run says it once, naming the model and the number of fits."""
    import warnings

    X, y, _ = small
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        benchmark({"noisy": _WarnsWhenFitted(), "lr": _lr()}, X, y, cv=3, n_jobs=n_jobs)
    said = [str(w.message) for w in caught if "said by the model" in str(w.message)]
    assert said == ["a small class, said by the model (in 3 fit(s) of noisy)"]
    assert "said by the model" not in capfd.readouterr().err
