"""The ``genreclf`` command: ``benchmark``, ``extract``, ``train`` and ``predict``.

A thin argparse layer over :func:`genreclf.evaluation.benchmark`, :class:`genreclf.features.GTZANFeatures`,
:func:`genreclf.baselines.make_baselines` and :mod:`joblib`. Every expected failure (a missing path, an unknown
model, a bad CSV, undecodable audio) ends with one line on stderr, ``genreclf <command>: error: ...``, and a
non-zero exit status; tracebacks are for bugs only (``GENRECLF_DEBUG=1`` shows them for the expected failures
too).

Examples
--------
::

    genreclf benchmark                       # bundled 30 s table, 10-fold CV and the artist-filtered split
    genreclf benchmark --data features_3_sec.csv --protocol cv --models svc,ensemble --out results.csv
    genreclf benchmark --data genres/ --features gtzan,musicnn --report report.html   # open it in a browser
    genreclf extract genres/ --features gtzan --segments 10 --out features_3_sec.csv --n-jobs 2
    genreclf train --data 30s --model ensemble --out model.skops
    genreclf predict song1.wav song2.wav --model model.skops --threshold 0.4 --out probs.csv
"""
import argparse
import math
import os
import sys
import time
import warnings

from ._defaults import N_FFT, SR
from .audio import AudioLoadWarning
from .baselines import DEFAULT_MODELS
from .prediction import DEFAULT_MODEL

__all__ = ["main", "DEFAULT_MODELS"]



class CLIError(Exception):
    """An expected failure: printed as one line, exit status 2 (usage) or 1 (data)."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


# ------------------------------------------------------------------------------------------------------ data
def _load_data(spec, *, n_segments=None, n_jobs=None, verbose=1):
    """``spec`` = "30s", a CSV path or an audio folder → Bunch(data, target, groups, kind, feature_names, source)."""
    from sklearn.utils import Bunch

    from .datasets import load_feature_table, load_gtzan_features

    if spec in (None, "30s"):
        b = load_gtzan_features()
        return Bunch(data=b.data, target=b.target, groups=b.groups, kind="30s", feature_names=b.feature_names,
                     source="the bundled GTZAN 30-second table")
    if not os.path.exists(spec):
        raise CLIError(f"--data {spec!r}: no such file or folder (use 30s, a features CSV or a folder of genre "
                       "sub-folders of audio)")
    if os.path.isdir(spec):
        return _audio_table(spec, n_segments=n_segments, n_jobs=n_jobs, verbose=verbose)
    if not os.path.isfile(spec):
        raise CLIError(f"--data {spec!r} is not a regular file (a device or a pipe?): give a features CSV, 30s or an "
                       "audio folder")
    try:
        return load_feature_table(spec)
    except ValueError as err:
        raise CLIError(str(err)) from None


def _audio_table(folder, *, n_segments=None, n_jobs=None, verbose=1):
    """The GTZAN table of a folder of audio; every file or segment left out is named on stderr."""
    from .datasets import gtzan_table

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AudioLoadWarning)  # every skipped row is printed below instead
            table = gtzan_table(folder, n_segments=n_segments, n_jobs=n_jobs, verbose=verbose)
    except (OSError, ValueError) as err:
        raise CLIError(str(err)) from None
    for name, reason in _grouped_by_clip(table.skipped, n_segments):
        _note(f"skipped {name}: {reason}")
    table.kind = "30s" if n_segments is None else "3s"
    table.source = folder
    return table


def _grouped_by_clip(skipped, n_segments):
    """``(name, reason)`` of what a table left out, one per clip: the segments of a clip are said in one line."""
    if n_segments is None:
        return skipped
    clips = {}
    for name, reason in skipped:
        clip = name.rsplit(".", 2)[0] if name.count(".") >= 2 else name  # <track>.<k>.wav
        clips.setdefault(clip, []).append((name, reason))
    out = []
    for clip, rows in clips.items():
        if len(rows) == 1:
            out.append(rows[0])
        else:
            out.append((f"{len(rows)} segments of {clip} ({rows[0][0]} to {rows[-1][0]})", rows[0][1]))
    return out


def _note(message):
    sys.stderr.write(f"genreclf: warning: {message}\n")


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """A warning on a terminal is one line that says what happened, not where in genreclf's source."""
    _note(str(message))


def _models(spec):
    from .baselines import BASELINE_NAMES

    if spec is None:
        return list(DEFAULT_MODELS)
    names = [n.strip() for part in spec for n in part.split(",") if n.strip()]
    if names == ["all"]:
        return [n for n in BASELINE_NAMES if n not in ("cnn", "lstm")]
    unknown = [n for n in names if n not in BASELINE_NAMES]
    if unknown or not names:
        raise CLIError(f"unknown model(s) {unknown}: choose from {', '.join(BASELINE_NAMES)} (or 'all')", status=2)
    return names


# ------------------------------------------------------------------------------------------------- commands
def _cmd_benchmark(args):
    from .baselines import make_baselines
    from .evaluation import benchmark, format_leaderboard, pick_models

    _check_out(args.out)
    _check_out(args.report, "--report")
    names = _models(args.models)
    protocol = {"cv": "cv", "filtered": "filtered", "both": "both"}[args.protocol]
    audio = args.data not in (None, "30s") and os.path.isdir(args.data)
    if args.features is not None and not audio:
        raise CLIError("--features compares feature sets of audio: give --data a folder of genre sub-folders of "
                       "audio files (a table's features are already chosen)", status=2)
    if not audio and any(n in ("cnn", "lstm") for n in names):
        raise CLIError("cnn and lstm take 3-D frames, not a feature table: give --data an audio folder and "
                       "--features mfcc (or benchmark them from Python)", status=2)
    verbose = 0 if args.quiet else 1
    if audio:
        data = _audio_clips(args.data)
        features = args.features or "gtzan"
        X, what = list(data.filenames), f"{len(data.filenames)} clips"
    else:
        data = _load_data(args.data)
        features, X, what = None, data.data, f"{len(data.target)} rows ({data.kind})"
        if protocol in ("filtered", "both") and data.groups is None:
            raise CLIError(f"--protocol {args.protocol} needs GTZAN track names ('filename' column) in "
                           f"{data.source!r}")
    if not args.quiet:
        sets = f"; features: {features}" if features else ""
        print(f"genreclf benchmark: {what} from {data.source}{sets}; models: {', '.join(names)}; protocol: "
              f"{args.protocol}; {args.cv}-fold CV{'' if args.no_tune else ', nested tuning'}", file=sys.stderr)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", AudioLoadWarning)  # the clips left out are named below, once
            board = benchmark(make_baselines(names, random_state=args.random_state), X, data.target,
                              groups=data.groups, features=features, cv=args.cv, protocol=protocol,
                              n_jobs=args.n_jobs, tune=not args.no_tune, random_state=args.random_state,
                              verbose=verbose)
    except (ValueError, TypeError) as err:
        raise CLIError(str(err)) from None
    for w in caught:
        if isinstance(w.message, AudioLoadWarning):
            for _, clip, reason in w.message.failures:
                _note(f"left out {clip!r}: {reason}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    print(format_leaderboard(board, metrics=[m for m in ("accuracy", "f1_macro", "log_loss")
                                             if f"{m}_mean" in board.columns]))
    picks = pick_models(board)
    picks.attrs = {}  # the rows are enough here; pandas deep-copies attrs (every prediction) on each access
    if len(picks):
        print("\npicked without the test scores (best tune acc, on inner folds / valid tracks; ties listed):")
        for shown, best in picks.groupby("protocol", sort=False):
            models = ", ".join(f"{_name(r)} ({100 * r.tune_accuracy:.1f} -> {100 * r.accuracy_mean:.1f}%)"
                               for r in best.itertuples())
            print(f"  {shown}: {models}")
    print("\naccuracy and macro-F1 in %, mean ± std over folds, or ± bootstrap standard error for the single "
          "artist-filtered split; log loss as is (lower is better)")
    reduced = _reductions(board)
    if reduced:
        print("models that saw less than the whole table (the description column of --out):")
        for line in reduced:
            print(f"  {line}")
    if not args.quiet:
        reused, fits = board.attrs["fits_reused"]
        again = f"; {reused} of {fits} fits read back from the cache of an earlier run" if reused else ""
        print(f"genreclf benchmark: {time.perf_counter() - start:.0f} s{again}", file=sys.stderr)
    if args.out:
        _write_csv(board, args.out)
    if args.report:
        _write_report(board, args.report, data.source)
    return _failures(board, "written to " + args.out if args.out else "printed")


def _reductions(board):
    """``"musicnn · svc: saw standardized, then its first 128 principal components of 3412 columns"`` for every
    model that did not see all the columns of its feature set (a wide table reduced by WideTablePCA)."""
    lines = []
    for row in board.drop_duplicates([c for c in ("features", "model") if c in board.columns]).itertuples():
        seen = str(getattr(row, "description", "")).rpartition("; saw ")[2]
        if seen and not seen.startswith("all "):
            lines.append(f"{_name(row)}: saw {seen}")
    return lines


def _failures(board, kept):
    """0, or a :class:`CLIError` naming every model that failed on some split (tracebacks with GENRECLF_DEBUG=1)."""
    errors = board.attrs.get("errors", {})
    if not errors:
        return 0
    for key, failures in errors.items():
        for fold, error, trace in failures:
            _note(f"{' · '.join(str(k) for k in key if k is not None)}, split {fold}: {error}")
            if os.environ.get("GENRECLF_DEBUG") and trace:
                sys.stderr.write(trace)
    models = sorted({key[-2] for key in errors})
    raise CLIError(f"{len(models)} model(s) failed ({', '.join(models)}: the error column says why); the other "
                   f"rows are {kept}")


def _write_report(board, path, source):
    """The page of ``genreclf.report`` for the leaderboard, naming the data as the command read it."""
    from .report import benchmark_report

    board.attrs["run"]["source"] = source
    try:
        benchmark_report(board, path)
    except OSError as err:
        raise CLIError(f"cannot write {path!r}: {err.strerror or err}") from None
    print(f"wrote {path}", file=sys.stderr)


def _name(row):
    """A leaderboard row's model, with its feature set when there are several."""
    features = getattr(row, "features", None)
    return f"{features} · {row.model}" if features else row.model


def _audio_clips(folder):
    """The readable clips of a folder of genre sub-folders (the unreadable ones are named on stderr)."""
    from .datasets import load_audio_folder

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AudioLoadWarning)  # each unreadable file is printed below instead
        try:
            clips = load_audio_folder(folder)
        except (OSError, ValueError) as err:
            raise CLIError(str(err)) from None
    for path, reason in clips.unreadable:
        _note(f"skipped {path}: {reason}")
    if not len(clips.filenames):
        raise CLIError(f"no readable audio file in {folder!r}")
    clips.source = folder
    return clips


def _check_out(path, option="--out"):
    """Before any work: ``--out`` (or ``option``) names a file in a folder that exists and can be written."""
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise CLIError(f"{option} {path!r} is a folder: give the name of the file to write", status=2)
    if not os.path.isdir(folder):
        raise CLIError(f"{option} {path!r}: the folder {folder!r} does not exist (create it first)", status=2)
    if not os.access(folder, os.W_OK):
        raise CLIError(f"{option} {path!r}: the folder {folder!r} cannot be written", status=2)


def _write_csv(frame, path):
    try:
        frame.to_csv(path, index=False)
    except OSError as err:
        raise CLIError(f"cannot write {path!r}: {err.strerror or err}") from None
    print(f"wrote {path}", file=sys.stderr)


def _cmd_extract(args):
    _check_out(args.out)
    if not os.path.exists(args.audio_dir):
        raise CLIError(f"{args.audio_dir!r}: no such folder")
    if not os.path.isdir(args.audio_dir):
        raise CLIError(f"{args.audio_dir!r} is a file: pass a folder with one sub-folder of audio per genre")
    if args.segments is not None and args.segments < 1:
        raise CLIError(f"--segments {args.segments} must be a positive number", status=2)
    if args.features.strip() == "gtzan":  # the published layout: filename, length, the 57 columns, label
        data = _audio_table(args.audio_dir, n_segments=args.segments, n_jobs=args.n_jobs, verbose=not args.quiet)
        frame, skipped, n_features = data.frame, data.skipped, len(data.feature_names)
    else:
        if args.segments is not None:
            raise CLIError(f"--segments cuts the gtzan set only: leave it out for --features {args.features}",
                           status=2)
        frame, skipped = _feature_set_table(args.audio_dir, args.features, n_jobs=args.n_jobs,
                                            verbose=not args.quiet)
        n_features = frame.shape[1] - 2
    _write_csv(frame, args.out)
    print(f"{len(frame)} rows × {n_features} features", file=sys.stderr)
    if skipped and not args.allow_skipped:
        raise CLIError(f"{len(skipped)} file(s) or segment(s) were left out of {args.out} (named above); the "
                       "other rows are written. Pass --allow-skipped to exit with status 0 all the same")
    return 0


def _feature_set_table(folder, spec, *, n_jobs, verbose):
    """``(frame, skipped)``: the columns of the feature sets ``spec`` (names and combinations, as ``benchmark
    --features`` takes them; each set's columns once) of every clip of ``folder``, cached in the data home like the
    benchmark's features."""
    import pandas as pd

    from .datasets import get_data_home
    from .features.sets import FEATURE_SETS, extract_feature_sets, make_feature_sets

    try:
        requested = make_feature_sets(spec)
    except ValueError as err:
        raise CLIError(f"--features: {err}", status=2) from None
    sets = {}  # the sets whose columns are written: a combination's parts, each once
    for name, transformer in requested.items():
        for part in transformer if isinstance(transformer, tuple) else (name,):
            if part not in sets:
                sets[part] = FEATURE_SETS[part]()
    clips = _audio_clips(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AudioLoadWarning)  # each clip left out is printed below instead
        values, kept, failures = extract_feature_sets(list(clips.filenames), sets, n_jobs=n_jobs, verbose=verbose,
                                                      memory=os.path.join(get_data_home(), "cache"))
    for clip, reason in failures:
        _note(f"skipped {clip}: {reason}")
    frames = []
    for name, transformer in sets.items():
        if values[name].ndim != 2:
            raise CLIError(f"--features {name} gives frames (3-D), not the columns of a table: extract writes 2-D "
                           "sets (gtzan, musicnn and their combinations)", status=2)
        frames.append(pd.DataFrame(values[name], columns=[str(c) for c in transformer.get_feature_names_out()]))
    frame = pd.concat(frames, axis=1)
    frame.insert(0, "filename", [os.path.basename(f) for f in clips.filenames[kept]])
    frame["label"] = clips.target[kept]
    return frame, failures


def _cmd_train(args):
    from ._persistence import UnsafeModelError, save_model
    from .baselines import make_baselines
    from .prediction import fit_audio_model

    _check_out(args.out)
    (name,) = _models([args.model])
    if name in ("cnn", "lstm"):
        raise CLIError(f"--model {name} takes 3-D frames: train it from Python", status=2)
    if args.threshold is not None:
        _check_threshold(args.threshold)
    if args.segments is not None and args.segments < 1:
        raise CLIError(f"--segments {args.segments} must be a positive number", status=2)
    data = _training_data(args)
    baselines = make_baselines([name], random_state=args.random_state)
    try:
        model, search = fit_audio_model(baselines[name], data.data, data.target, groups=data.groups,
                                        param_grid=baselines.param_grids[name] if args.tune else None,
                                        window=data.window, threshold=args.threshold,
                                        random_state=args.random_state, n_jobs=args.n_jobs)
    except ValueError as err:
        raise CLIError(str(err)) from None
    if search is not None:
        print(f"best parameters: {search.best_params_} (5-fold accuracy {search.best_score_:.3f})", file=sys.stderr)
    try:
        save_model(model, args.out)
    except UnsafeModelError as err:
        raise CLIError(str(err)) from None
    except OSError as err:
        raise CLIError(f"cannot write {args.out!r}: {err.strerror or err}") from None
    unit = f"clips of {data.data.shape[1]} segments" if data.data.ndim == 3 else "clips"
    print(f"trained {name} on {len(data.target)} {unit} from {data.source}; saved to {args.out} in genreclf's safe "
          f"format, which runs no code when loaded (it classifies audio files in windows of {data.window:g} s: "
          f"genreclf predict FILE... --model {args.out}, or genreclf.load_model(path).predict([audio files]))",
          file=sys.stderr)
    if args.out.lower().endswith((".joblib", ".pkl", ".pickle")):
        _note(f"{args.out} is not a pickle despite its name (joblib.load cannot read it): name it .skops")
    return 0


def _training_data(args):
    """The features to train on: (n_clips, 57), or (n_clips, n_segments, 57) for a 3 s table or --segments."""
    import numpy as np

    from .audio import clip_length
    from .datasets import load_audio_folder
    from .features.gtzan import GTZAN_COLUMNS
    from .segments import stack_segments

    if args.data not in (None, "30s") and os.path.isdir(args.data):
        data = _load_data(args.data, n_segments=args.segments, n_jobs=args.n_jobs, verbose=0 if args.quiet else 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unreadable files were reported while extracting
            lengths = [clip_length(p) for p in load_audio_folder(args.data).filenames]
        data.window = round(float(np.median(lengths)) / SR, 1)  # the training clips' length
    else:
        data = _load_data(args.data)
        data.window = 30.0
    if list(data.feature_names) != list(GTZAN_COLUMNS):
        raise CLIError(f"{data.source!r} is not a GTZAN feature table: train needs the 57 GTZAN columns so that "
                       "predict can compute them from audio")
    if data.kind == "30s" and args.segments is not None:
        raise CLIError(f"--segments needs a 3-second table or an audio folder: {data.source} has one row per clip",
                       status=2)
    if data.kind == "3s":  # one row per segment: back to one row per clip, so that clips vote over segments
        X3, tracks, labels = stack_segments(data.data, data.groups, data.target, incomplete="nan")
        if args.segments is not None and args.segments != X3.shape[1]:
            raise CLIError(f"--segments {args.segments}: {data.source} has {X3.shape[1]} segments per clip",
                           status=2)
        data.data, data.target, data.groups = X3, labels, tracks
    return data


def _check_window(model, window):
    """Warn when ``--window`` is far from the length of the clips the model was trained on."""
    from .prediction import training_window

    trained = training_window(model)
    if window is None or 0.5 <= window / trained <= 2:
        return
    ratio = trained / window if window < trained else window / trained
    _note(f"--window {window:g} s is {ratio:.0f} times {'shorter' if window < trained else 'longer'} than the "
          f"{trained:g} s clips the model was trained on: its features then describe something else than what it "
          "learnt, and its genres may mean little (leave --window out to use the training length)")


def _check_threshold(threshold):
    if not 0.0 <= threshold <= 1.0:
        raise CLIError(f"--threshold {threshold} must be a probability in [0, 1]", status=2)


def _cmd_predict(args):
    from ._persistence import UnsafeModelError, load_model
    from .prediction import DEFAULT_MODEL_ACCURACY, default_model, predict_files

    _check_out(args.out)
    if args.threshold is not None:
        _check_threshold(args.threshold)
    if args.window is not None and not (math.isfinite(args.window) and args.window >= N_FFT / SR):
        raise CLIError(f"--window {args.window:g} must be a finite number of seconds, at least one FFT window "
                       f"({N_FFT / SR:.3f} s)", status=2)
    if args.model is None:
        model = default_model()
        if not args.quiet:
            print(f"model: the default, {DEFAULT_MODEL} fitted on the bundled GTZAN 30 s table; expected accuracy "
                  f"on new artists: {100 * DEFAULT_MODEL_ACCURACY:.0f}% (the artist-filtered GTZAN split)",
                  file=sys.stderr)
    else:
        if not os.path.isfile(args.model):
            raise CLIError(f"--model {args.model!r}: no such file (make one with 'genreclf train ... --out "
                           f"{args.model}', or leave --model out to use the default model)")
        try:
            model = load_model(args.model, allow_pickle=args.allow_pickle)
        except UnsafeModelError as err:
            raise CLIError(f"--model: {err}") from None
        except Exception as err:  # a pickle, loaded on request, raises many kinds
            raise CLIError(f"--model {args.model!r} is not a model saved by 'genreclf train' "
                           f"({type(err).__name__}: {err})") from None
        if not hasattr(model, "predict_proba"):
            raise CLIError(f"--model {args.model!r} is not a model saved by 'genreclf train' (it has no "
                           "predict_proba)")
        if not args.quiet:
            print(f"model: {args.model}", file=sys.stderr)
    _check_window(model, args.window)
    try:
        table = predict_files(args.files, model, window=args.window, threshold=args.threshold, n_jobs=args.n_jobs)
    except TypeError as err:
        raise CLIError(f"--model {args.model!r}: {err}") from None
    failed = table["error"].notna()
    for file, error in table.loc[failed, ["file", "error"]].itertuples(index=False):
        _note(f"cannot classify {file!r}: {error}")
    done = table[~failed]
    if len(done):
        shown = done[["file", "genre", "probability", "windows"]].copy()
        shown["probability"] = shown["probability"].map(lambda v: f"{v:.3f}")
        print(shown.to_string(index=False))
        if args.out:
            _write_csv(done.drop(columns="error"), args.out)
    if failed.any():
        raise CLIError(f"{int(failed.sum())} of {len(table)} file(s) could not be classified")
    return 0


# ---------------------------------------------------------------------------------------------------- parser
class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump
        raise CLIError(f"{message} (see '{self.prog} --help')", status=2)


def _parser():
    from . import __version__
    from .baselines import BASELINE_NAMES

    parser = _Parser(prog="genreclf", description="Music genre classification: honest benchmarks, feature "
                                                  "extraction, training and prediction.")
    parser.add_argument("--version", action="version", version=f"genreclf {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    n_jobs = ("parallel tasks through joblib: -1 uses every core, 1 runs in this process (default: {})")
    quiet = "no progress bars and no summary lines on stderr; errors and warnings still show (default: off)"
    seed = "seed of fold shuffling and of every stochastic model, so that a run can be repeated (default: 0)"

    b = sub.add_parser("benchmark", help="cross-validate models and print a leaderboard",
                       description="Cross-validate models (nested tuning) under 10-fold CV and/or the "
                                   "artist-filtered GTZAN split and print a leaderboard.")
    b.add_argument("--data", default="30s", help="30s (the bundled table), a features CSV, or an audio folder with "
                                                 "one sub-folder per genre (WAV, FLAC, MP3, OGG...) (default: 30s)")
    b.add_argument("--features", default=None,
                   help="with an audio folder: feature sets to compare, comma-separated, among gtzan, musicnn, mfcc "
                        "(frames, for cnn and lstm) and combinations such as gtzan+musicnn; each is extracted once "
                        "per clip and cached in the data home (default: gtzan)")
    b.add_argument("--protocol", choices=("cv", "filtered", "both"), default="both",
                   help="cv: stratified k-fold over tracks; filtered: the artist-filtered GTZAN split (tuned on "
                        "train -> valid, scored on test); both (default: both)")
    b.add_argument("--models", nargs="+", default=None,
                   help=f"baseline names, comma- or space-separated, among {', '.join(BASELINE_NAMES)}, or 'all' "
                        f"(default: {','.join(DEFAULT_MODELS)})")
    b.add_argument("--cv", type=int, default=10, help="folds of the cv protocol (default: 10)")
    b.add_argument("--no-tune", action="store_true",
                   help="fit each model as it is, without the nested grid search (default: off, models are tuned)")
    b.add_argument("--n-jobs", type=int, default=-1, help=n_jobs.format(-1))
    b.add_argument("--random-state", type=int, default=0, help=seed)
    b.add_argument("--out", help="write the full leaderboard as CSV (default: none)")
    b.add_argument("--report", metavar="HTML", help="write a page to open in a browser: the leaderboard with error "
                                                    "bars, the picked model's confusions and the clips it got wrong, "
                                                    "in one self-contained file; pictures need genreclf[plots] "
                                                    "(default: none)")
    b.add_argument("--quiet", action="store_true", help=quiet)
    b.set_defaults(run=_cmd_benchmark)

    e = sub.add_parser("extract", help="compute a feature table of a folder of audio",
                       description="Compute the features of every clip of a folder of genre sub-folders (the 57 "
                                   "GTZAN columns, of each clip or of its 3-second segments, or other feature sets) "
                                   "and write them as CSV, one row per clip.")
    e.add_argument("audio_dir", help="folder with one sub-folder of audio files per genre")
    e.add_argument("--features", default="gtzan",
                   help="feature sets whose columns to write, comma-separated: gtzan (the published table's layout), "
                        "musicnn, or combinations such as gtzan+musicnn; cached in the data home as the benchmark's "
                        "are (default: gtzan)")
    e.add_argument("--segments", type=int, default=None,
                   help="with gtzan: cut each clip into this many 3-second segments, one row each (the 3 s table: "
                        "10) (default: one row per clip)")
    e.add_argument("--out", required=True, help="output CSV (required)")
    e.add_argument("--allow-skipped", action="store_true",
                   help="exit with status 0 even when files or segments were left out (they are named on stderr "
                        "either way; without it the status is 1, as for predict) (default: off)")
    e.add_argument("--n-jobs", type=int, default=None, help=n_jobs.format("one process"))
    e.add_argument("--quiet", action="store_true", help=quiet)
    e.set_defaults(run=_cmd_extract)

    t = sub.add_parser("train", help="fit a model and save it",
                       description="Fit a baseline model on a GTZAN feature table or audio folder and save it "
                                   "with its feature extractor, in genreclf's safe format (skops).")
    t.add_argument("--data", default="30s", help="30s (the bundled table), a GTZAN features CSV, or an audio "
                                                 "folder (default: 30s)")
    t.add_argument("--model", default=DEFAULT_MODEL,
                   help=f"baseline name, among {', '.join(n for n in BASELINE_NAMES if n not in ('cnn', 'lstm'))} "
                        f"(default: {DEFAULT_MODEL}, the model of predict without --model)")
    t.add_argument("--tune", action="store_true",
                   help="grid-search the model's parameters (5-fold CV) first (default: off)")
    t.add_argument("--segments", type=int, default=None,
                   help="train on this many 3-second segments per clip, which vote (an audio folder; a 3 s table "
                        "has its own) (default: one row per clip)")
    t.add_argument("--threshold", type=float, default=None,
                   help="reject option: answer 'unknown' when the top probability is below this (default: none)")
    t.add_argument("--out", required=True, help="output file, e.g. model.skops, in genreclf's safe format: loading "
                                                "it runs no code (required)")
    t.add_argument("--n-jobs", type=int, default=None, help=n_jobs.format("one process"))
    t.add_argument("--random-state", type=int, default=0, help=seed)
    t.add_argument("--quiet", action="store_true", help=quiet)
    t.set_defaults(run=_cmd_train)

    p = sub.add_parser("predict", help="predict the genre of audio files",
                       description="Print the genre, its probability and how many windows voted for each audio file "
                                   "(a file is cut into windows of the training clips' length, 30 s, whose "
                                   "probabilities are averaged); --out writes every class probability as CSV.")
    p.add_argument("files", nargs="+", help="audio files (WAV, FLAC, MP3, OGG...) of any length")
    p.add_argument("--model", default=None, help="a model saved by 'genreclf train'; loading it runs no code of "
                                                 "the file's own (default: the default model, fitted on the bundled "
                                                 "GTZAN table on first use)")
    p.add_argument("--allow-pickle", action="store_true",
                   help="also load a --model that is a pickle (joblib.dump, pickle.dump): a pickle runs any code it "
                        "holds when loaded, so only for a file you trust as you would a program (default: off, "
                        "refused)")
    p.add_argument("--window", type=float, default=None,
                   help="window length in seconds (default: the model's training clip length, 30 s)")
    p.add_argument("--threshold", type=float, default=None,
                   help="reject option: 'unknown' when the top probability is below this (default: the model's own, "
                        "if any)")
    p.add_argument("--out", help="write the probabilities of every class as CSV (default: none)")
    p.add_argument("--n-jobs", type=int, default=None, help=n_jobs.format("one process"))
    p.add_argument("--quiet", action="store_true", help="no summary lines on stderr (which model is used); errors "
                                                        "and warnings still show (default: off)")
    p.set_defaults(run=_cmd_predict)
    return parser


def main(argv=None):
    """Run the ``genreclf`` command line; returns the exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 when the data could not be used, 2 for a usage error.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up log lines are noise on a terminal
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.run(args)
    except CLIError as err:
        if os.environ.get("GENRECLF_DEBUG") and err.__context__ is not None:
            import traceback

            traceback.print_exception(err.__context__)
        command = f"genreclf {args.command}" if "args" in locals() and args.command else "genreclf"
        sys.stderr.write(f"{command}: error: {err}\n")
        return err.status
    except (OSError, ValueError, TypeError) as err:
        if os.environ.get("GENRECLF_DEBUG"):
            raise
        command = f"genreclf {args.command}" if "args" in locals() and getattr(args, "command", None) else "genreclf"
        sys.stderr.write(f"{command}: error: {err}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("genreclf: interrupted\n")
        return 130


def console_main():
    """The ``genreclf`` program: :func:`main` in a process of its own, with the exit status it returns.

    It leaves TensorFlow as it finds it (its oneDNN kernels included), so that a network fitted by the command gives the
    numbers it gives from Python; musicnn runs in NumPy and needs none of it.
    """
    return main()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(console_main())
