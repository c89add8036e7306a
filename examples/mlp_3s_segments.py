"""MLP on the 3-second GTZAN feature table: the leaky random split vs an honest split by track.

The seed slides trained a 5-layer Keras MLP on the rows of ``features_3_sec.csv`` (ten 3-second segments
per 30 s track) after a random ``train_test_split`` of the rows, so segments of one song landed on both
sides. This script reproduces that figure, then the honest one: one row of ``X`` is one track (its 10
segment rows stacked into ``(10, 57)``), the MLP is trained on segments *inside*
:class:`genreclf.SegmentClassifier`, and a track is predicted from the mean probability of its segments.

Data: a 3-second table read with ``load_gtzan_features(kind="3s", path=...)``. By default the partial
table of ``../shared/data`` (classical, jazz and rock only); pass ``--table`` for your full Kaggle
``features_3_sec.csv``.

    python examples/mlp_3s_segments.py            # tiny run: small MLP, 3 epochs, 3 folds
    python examples/mlp_3s_segments.py --full     # the seed's 100 epochs, 5 folds
"""
import argparse
import os
import sys
import time
from pathlib import Path

SHARED = Path(os.environ.get("GENRECLF_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", default=str(SHARED / "data" / "features_3_sec_partial.csv"),
                        help="a features_3_sec.csv (default: the partial table in ../shared/data)")
    parser.add_argument("--epochs", type=int, default=None, help="MLP epochs (default 3; 100 with --full)")
    parser.add_argument("--folds", type=int, default=None, help="CV folds over tracks (default 3; 5 with --full)")
    parser.add_argument("--full", action="store_true", help="full-size run (the seed's settings)")
    args = parser.parse_args(argv)
    epochs = args.epochs or (100 if args.full else 3)
    folds = args.folds or (5 if args.full else 3)

    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from genreclf import MLPClassifier, SegmentClassifier, load_gtzan_features
    from genreclf.segments import stack_segments

    if not Path(args.table).exists():
        sys.exit(f"no 3-second table at {args.table}: pass --table path/to/features_3_sec.csv")
    table = load_gtzan_features(kind="3s", path=args.table)
    print(f"{args.table}: {table.data.shape[0]} segment rows of {len(set(table.groups))} tracks, "
          f"genres {', '.join(table.target_names)}")

    # --full: the seed's 512-256-128-64-32 network; the tiny default run uses a smaller one
    hidden = (512, 256, 128, 64, 32) if args.full else (64, 32)

    def mlp():
        return make_pipeline(StandardScaler(),
                             MLPClassifier(hidden_units=hidden, epochs=epochs, batch_size=64, random_state=0))

    # 1. The seed protocol: a random split of segment rows (segments of one song on both sides).
    t0 = time.perf_counter()
    X_tr, X_te, y_tr, y_te = train_test_split(table.data, table.target, test_size=0.3,
                                              stratify=table.target, random_state=0)
    leaky = accuracy_score(y_te, mlp().fit(X_tr, y_tr).predict(X_te))
    print(f"random split of segments (leaky):       {leaky:.1%}  ({time.perf_counter() - t0:.0f} s)")

    # 2. Honest: one row per track; segments are made inside SegmentClassifier, scored per track.
    t0 = time.perf_counter()
    # one row per track: its 10 segment rows stacked into (10, 57); the few published tracks of 9 segments are
    # left out of the track-level run
    X3, _, y3 = stack_segments(table.data, table.groups, table.target, n_segments=10, incomplete="drop")
    model = SegmentClassifier(mlp(), segment_frames=1)  # each segment is one row of 57 features
    scores = cross_val_score(model, X3, y3, cv=StratifiedKFold(folds, shuffle=True, random_state=0))
    print(f"{folds}-fold over {len(y3)} tracks, track vote (honest): "
          f"{scores.mean():.1%} +/- {scores.std():.1%}  ({time.perf_counter() - t0:.0f} s)")
    print("Only the second figure estimates accuracy on songs the model has never heard: the random split\n"
          "tests on other segments of training songs (and, in GTZAN, on songs of training artists).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
