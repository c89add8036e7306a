"""LSTM on MFCC frame sequences, straight from audio files.

The seed report trained two stacked LSTMs (64, 64) → Dense 64 → softmax on MFCC frames of GTZAN clips.
Here the whole workflow is one scikit-learn pipeline that takes audio *paths*:
``MFCCTransformer`` (13 MFCCs per frame, every clip padded or trimmed to ``duration``) → ``SequenceScaler``
(standardises each coefficient over clips and frames) → ``LSTMClassifier``. Whole tracks are held out for
the test, so no song is on both sides.

Data: a folder of genre sub-folders of audio (``--data``; default: the GTZAN subset in ../shared/data).

    python examples/lstm_mfcc.py              # tiny run: first 10 s of each clip, 1 LSTM layer, 5 epochs
    python examples/lstm_mfcc.py --full       # the seed's network, 30 s clips, 60 epochs
"""
import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

SHARED = Path(os.environ.get("GENRECLF_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(SHARED / "data" / "gtzan_subset"),
                        help="folder of genre sub-folders of audio (default: ../shared/data/gtzan_subset)")
    parser.add_argument("--epochs", type=int, default=None, help="default 5; 60 with --full")
    parser.add_argument("--full", action="store_true", help="full-size run (the seed's network and settings)")
    args = parser.parse_args(argv)
    epochs = args.epochs or (60 if args.full else 5)

    from sklearn.metrics import accuracy_score, classification_report
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    from genreclf import LSTMClassifier, MFCCTransformer, SequenceScaler, load_audio_folder

    if not Path(args.data).is_dir():
        sys.exit(f"no audio folder at {args.data}: pass --data path/to/genres")
    with warnings.catch_warnings():  # unreadable files are listed in clips.unreadable and printed below
        warnings.simplefilter("ignore")
        clips = load_audio_folder(args.data)
    for path, reason in clips.unreadable:
        print(f"skipped unreadable file {path}: {reason}")
    print(f"{len(clips.filenames)} clips, {len(clips.target_names)} genres")

    # hold out whole tracks: one test clip per genre at least (30% of the clips)
    train, test, y_train, y_test = train_test_split(clips.filenames, clips.target, test_size=0.3,
                                                    stratify=clips.target, random_state=0)
    with tempfile.TemporaryDirectory() as cache:
        model = make_pipeline(
            MFCCTransformer(n_mfcc=13, duration=30.0 if args.full else 10.0, n_jobs=2, memory=cache),
            SequenceScaler(),
            LSTMClassifier(units=(64, 64) if args.full else (32,), dense_units=(64,) if args.full else (32,),
                           epochs=epochs, batch_size=32 if args.full else 8, learning_rate=1e-3,
                           random_state=0),
        )
        t0 = time.perf_counter()
        model.fit(list(train), y_train)
        print(f"trained on {len(train)} clips in {time.perf_counter() - t0:.0f} s; "
              f"frames per clip: {model[-1].n_features_in_} MFCCs x {model[-1].model_.input_shape[1]} frames")
        pred = model.predict(list(test))
    history = model[-1].history_
    print(f"training loss by epoch: {', '.join(f'{v:.2f}' for v in history['loss'])}")
    print(f"accuracy on {len(test)} held-out tracks: {accuracy_score(y_test, pred):.1%} "
          f"(chance: {1 / len(clips.target_names):.0%})")
    if args.full:
        print(classification_report(y_test, pred, zero_division=0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
