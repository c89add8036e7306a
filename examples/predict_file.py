"""Predict the genre of a new audio file, and save pictures of it.

A model trained on the bundled 30 s GTZAN table can read audio directly: ``GTZANFeatures`` computes the
same 57 columns from a file, so ``make_pipeline(GTZANFeatures(), StandardScaler(), LogisticRegression())``
takes a path and returns a genre. ``RejectOptionClassifier`` answers "unknown" when the model is not confident
enough (the seed report's 25% rule). If the file is a GTZAN track, its own row is left out of the training
table, so the model never saw it. The "show me this file" panel (waveform, spectrogram, MFCC, chroma and the
predicted genre) and the single views are saved as PNG files in ``--out``.

    python examples/predict_file.py                               # a blues clip of ../shared/data
    python examples/predict_file.py --file song.wav --out plots   # your own file
"""
import argparse
import os
import sys
from pathlib import Path

import numpy as np

SHARED = Path(os.environ.get("GENRECLF_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", default=str(SHARED / "data" / "gtzan_subset" / "blues" / "blues.00000.wav"),
                        help="an audio file (default: blues.00000.wav of ../shared/data/gtzan_subset)")
    parser.add_argument("--out", default="genre_plots", help="folder for the PNG files (default: genre_plots)")
    parser.add_argument("--threshold", type=float, default=0.25,
                        help="answer 'unknown' below this top probability (default 0.25)")
    parser.add_argument("--full", action="store_true", help="also draw the spectrum and the mel spectrogram")
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from genreclf import GTZANFeatures, RejectOptionClassifier, load_gtzan_features, plotting
    from genreclf.datasets import track_id

    path = Path(args.file)
    if not path.exists():
        sys.exit(f"no audio file at {path}: pass --file path/to/song.wav")

    gtzan = load_gtzan_features()
    try:
        own = track_id(path.name)
    except ValueError:  # not a GTZAN file name: nothing to leave out
        own = None
    keep = gtzan.groups != own
    print(f"training on {keep.sum()} tracks of the bundled 30 s table"
          + (f" (without {own}, the file itself)" if own in set(gtzan.groups) else ""))
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    # GTZANFeatures is stateless: the pipeline reads audio once its later steps are trained on the table.
    model = make_pipeline(GTZANFeatures().fit([str(path)]),
                          RejectOptionClassifier(classifier, threshold=args.threshold).fit(
                              gtzan.data[keep], gtzan.target[keep]))

    proba = model.predict_proba([str(path)])[0]
    genre = model.predict([str(path)])[0]
    classes = model.classes_
    top = np.argsort(proba)[::-1][:3]
    print(f"{path.name}: {genre}  (" + ", ".join(f"{classes[i]} {proba[i]:.0%}" for i in top) + ")")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    views = {"clip": lambda: plotting.plot_clip(str(path), model=model),
             "waveform": lambda: plotting.plot_waveform(str(path)),
             "spectrogram": lambda: plotting.plot_spectrogram(str(path)),
             "mfcc": lambda: plotting.plot_mfcc(str(path)),
             "chroma": lambda: plotting.plot_chroma(str(path))}
    if args.full:
        views.update(spectrum=lambda: plotting.plot_spectrum(str(path), fmax=5000),
                     mel_spectrogram=lambda: plotting.plot_mel_spectrogram(str(path)))
    for name, draw in views.items():
        drawn = draw()
        fig = drawn if isinstance(drawn, matplotlib.figure.Figure) else drawn.figure
        fig.savefig(out / f"{path.stem}_{name}.png", dpi=80)
        plt.close(fig)
    print(f"saved {len(views)} PNG files in {out}/: " + ", ".join(f"{path.stem}_{n}.png" for n in views))
    return 0


if __name__ == "__main__":
    sys.exit(main())
