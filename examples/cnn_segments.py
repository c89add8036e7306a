"""CNN on 13-MFCC segments of GTZAN audio, with a track vote — and what the seed's random split hides.

The seed notebook cut every 30 s clip into 10 segments of 130 MFCC frames, shuffled *all segments* into
train/validation/test and trained a small CNN (Conv2D 48/32/16). Segments of one song then sit on both
sides of the split. This script trains the same CNN (``CNNClassifier()``'s defaults are the seed network)
two ways on the same clips:

1. leaky: segments cut first, then split at random (the seed);
2. honest: whole tracks held out; :class:`genreclf.SegmentClassifier` cuts the segments inside ``fit`` and
   ``predict`` and predicts a track from the mean probability of its 10 segments.

Data: a folder of genre sub-folders of audio (``--data``; default: the GTZAN subset in ../shared/data).

    python examples/cnn_segments.py           # tiny run: 3 epochs
    python examples/cnn_segments.py --full    # the seed's 50 epochs
"""
import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

SHARED = Path(os.environ.get("GENRECLF_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(SHARED / "data" / "gtzan_subset"),
                        help="folder of genre sub-folders of audio (default: ../shared/data/gtzan_subset)")
    parser.add_argument("--epochs", type=int, default=None, help="default 3; 50 with --full")
    parser.add_argument("--full", action="store_true", help="full-size run (the seed's 50 epochs)")
    args = parser.parse_args(argv)
    epochs = args.epochs or (50 if args.full else 3)

    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split

    from genreclf import CNNClassifier, MFCCTransformer, SegmentClassifier, SequenceScaler, load_audio_folder
    from genreclf.segments import cut_segments, flatten_segments

    if not Path(args.data).is_dir():
        sys.exit(f"no audio folder at {args.data}: pass --data path/to/genres")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unreadable files are listed in clips.unreadable, printed below
        clips = load_audio_folder(args.data)
    for path, reason in clips.unreadable:
        print(f"skipped unreadable file {path}: {reason}")

    t0 = time.perf_counter()
    # 13 MFCCs per frame, every clip padded/trimmed to 30 s: X is (n_clips, 1292, 13), one row per track
    X = MFCCTransformer(n_mfcc=13, duration=30.0, n_jobs=2).fit_transform(list(clips.filenames))
    y = clips.target
    print(f"MFCC frames of {len(y)} clips: X {X.shape} ({time.perf_counter() - t0:.0f} s)")

    def cnn():
        # the seed network; the tiny run uses a higher learning rate so 3 epochs show something
        return CNNClassifier(epochs=epochs, learning_rate=1e-4 if args.full else 1e-3, random_state=0)

    # 1. The seed protocol: 10 segments of 129 frames per clip, shuffled at random (leaky).
    segments = flatten_segments(cut_segments(X, X.shape[1] // 10, n_segments=10, axis=1))[0]  # (n_clips * 10, 129, 13)
    seg_y = np.repeat(y, 10)
    S_tr, S_te, s_tr, s_te = train_test_split(segments, seg_y, test_size=0.3, stratify=seg_y, random_state=0)
    scaler = SequenceScaler().fit(S_tr)
    t0 = time.perf_counter()
    leaky = cnn().fit(scaler.transform(S_tr), s_tr)
    acc = accuracy_score(s_te, leaky.predict(scaler.transform(S_te)))
    print(f"random split of segments (leaky):  {acc:.1%} of {len(s_te)} segments ({time.perf_counter() - t0:.0f} s)")

    # 2. Honest: hold out whole tracks; segments are cut inside SegmentClassifier; a track votes.
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    scaler = SequenceScaler().fit(X_tr)
    t0 = time.perf_counter()
    model = SegmentClassifier(cnn(), n_segments=10).fit(scaler.transform(X_tr), y_tr)
    acc = accuracy_score(y_te, model.predict(scaler.transform(X_te)))
    print(f"held-out tracks, track vote:       {acc:.1%} of {len(y_te)} tracks ({time.perf_counter() - t0:.0f} s)")
    print(f"({model.n_segments_} segments of {model.segment_frames_} frames per track; chance is "
          f"{1 / len(clips.target_names):.0%}.) Only the second figure measures songs the model has never heard.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
