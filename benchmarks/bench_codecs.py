"""Codec robustness: how many genre predictions change when the development clips are MP3-encoded.

    python benchmarks/bench_codecs.py --cache /tmp/codecs           # 145 clips, 64/128/192 kbps
    python benchmarks/bench_codecs.py --per-genre 2 --no-musicnn    # quick look (20 clips)
    python benchmarks/bench_codecs.py --cache /tmp/codecs --no-musicnn --candidates --stress
    python benchmarks/bench_codecs.py --cache /tmp/codecs --encode-sr 22050 --bitrates 64,128,160

Cost on 2 cores: encoding ~1 s and GTZANFeatures ~0.6 s per clip and version, musicnn ~0.3 s per clip and version
on an idle core (several times that on a busy machine): 30-90 min for everything the first time; with ``--cache``
the next runs take a minute, plus ~5 min for ``--candidates`` (9 models, 10-fold CV each).

What it does, on the development clips of ``../shared/data`` (``gtzan_dev/*/*.flac`` and the good
``gtzan_subset/*/*.wav``: 145 clips, 78 train and 59 valid tracks of the artist-filtered split, plus 4 test tracks
and 4 outside it, all in ``gtzan_subset``; the candidate table gives its agreement without the 4 test tracks too):

1. **Encode.** Every clip is re-encoded as constant-bit-rate MP3 (LAME, through libsndfile) with
   ``sf.write(path, y, sr, format="MP3", subtype="MPEG_LAYER_III", compression_level=c, bitrate_mode="CONSTANT")``
   into a temporary folder. libsndfile maps ``compression_level`` c in [0, 1] to a bit rate *linearly within the
   MPEG version that the sample rate implies* (``mpeg_l3_encoder_set_quality`` in libsndfile's ``mpeg_l3_encode.c``),
   and LAME rounds it to the nearest legal rate:

   ===============================  ===================================  ==================================
   sample rate                      CBR / ABR kbps (``int`` truncation)  legal rates
   ===============================  ===================================  ==================================
   >= 32 kHz (MPEG-1)               320 - c * 288                        32 ... 320
   16-32 kHz (MPEG-2: GTZAN 22050)  160 - c * 152                        8 ... 160 (**192 is impossible**)
   < 16 kHz (MPEG-2.5)              64 - c * 56                          8 ... 64
   ===============================  ===================================  ==================================

   Without ``bitrate_mode`` libsndfile 1.2 encodes **VBR**, and c becomes LAME's VBR quality ``V = 10 c``
   (c = 1 is rejected): at 22,050 Hz mono, c = 0 (V0) gives only ~95 kbps, so ``compression_level`` alone does not
   set a bit rate. Hence ``bitrate_mode="CONSTANT"`` here, and the clips are resampled to ``--encode-sr`` 44,100 Hz
   (soxr_hq) first, as MP3s of music are, so that 192 kbps exists. A control version (``resampled``: the same
   44.1 kHz signal written losslessly, as float WAV) separates what the resampling alone moves. The actual kbps of
   every file (bytes * 8 / clip seconds, headers included) is printed. Decoding is genreclf's own
   (``load_audio``: libsndfile/mpg123, gapless, resampled back to 22,050 Hz). Two things every such MP3 carries:
   LAME's CBR presets scale the signal by 0.95 (-0.45 dB) at most bit rates, and a low-pass near Nyquist (the
   resampler's at ~10.5 kHz; LAME's own at ~10 kHz for MPEG-2 at 22,050 Hz, whatever the bit rate).
2. **Features** of the original and of every version: the 57 GTZAN columns (``GTZANFeatures()``), and musicnn
   embeddings ``MusicnnEmbedding(layer="mean_pool")`` (753) and ``MusicnnEmbedding(layer="penultimate")`` (200).
   ``--cache DIR`` keeps them as ``.npz`` (one per feature set and version) for the next run.
3. **Models trained on the bundled 30 s table** (``load_gtzan_features()``, the 1000 tracks, these clips among
   them): the share of clips whose predicted genre changes between the original and each version, per model.
4. **Train -> valid on the clips** (no bundled table exists for musicnn): scaled logistic regression fitted on the
   original clips whose tracks are in the *train* part of the artist-filtered split, predictions on the *valid*
   clips, original vs each version; for the 57 columns too, so the comparison is like for like.
5. **Which columns move**: per GTZAN column at ``--focus`` kbps, ``|mp3 - original|`` in units of the column's
   standard deviation in the bundled table (what a scaled model sees): mean and median over the clips and the share
   of clips moved by more than 0.25 sd (the movement is bimodal: clips with content up to Nyquist move, band-limited
   ones do not), and the median relative change ``|mp3 - original| / |original|``.
6. ``--candidates``: the candidates for the default predictor of ``genreclf predict`` (fitted on the bundled table;
   :func:`candidates`): stratified 10-fold CV accuracy on the bundled table (``benchmark(protocol="cv")``, untuned
   unless ``--tune``), agreement original vs every bit rate on the clips (all, and [without the 4 test tracks]),
   with ``--stress`` also vs MP3s encoded at 22,050 Hz, and the test accuracy of the artist-filtered split
   (``protocol="filtered"``: for information only, never a criterion). ``codec_robust_ensemble``, the default
   model of ``genreclf predict``, was chosen from this table: the ensemble on
   ``GTZANTableTransformer(codec_robust=True)``, which keeps 100% of its predictions at 128 kbps (97.9% when
   encoded at 22,050 Hz) for 1.8 points of 10-fold accuracy (76.0% against 77.8%). The other rows show why both
   halves are needed: dropping the bandwidth/rolloff/zero-crossing columns alone keeps the MFCC means' shift, and
   the band-edge projection alone keeps the shift of those columns.

Nothing is written into the repository; the MP3s live in a temporary folder that is removed at the end.
"""
import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
MODELS = "logistic_regression,linear_discriminant,svc,random_forest,xgboost,ensemble,codec_robust_ensemble"
# bit-rate range (min, max) of LAME per MPEG version, keyed by the lowest sample rate of the version
_MPEG_RANGES = ((32000, 32, 320), (16000, 8, 160), (0, 8, 64))


# ------------------------------------------------------------------------------------------------------ clips
def dev_clips(shared, limit=None, per_genre=None):
    """The development clips: ``gtzan_dev/*/*.flac`` then the good ``gtzan_subset/*/*.wav``, sorted."""
    data = shared / "data"
    paths = sorted((data / "gtzan_dev").glob("*/*.flac"))
    paths += sorted(p for p in (data / "gtzan_subset").glob("*/*.wav") if p.name != "jazz.00054.wav")
    if not paths:
        sys.exit(f"no clips under {data}/gtzan_dev or {data}/gtzan_subset (pass --shared)")
    if per_genre:
        seen = {}
        paths = [p for p in paths if seen.setdefault(p.parent.name, []).append(p) or
                 len(seen[p.parent.name]) <= per_genre]
    return [str(p) for p in paths[:limit]]


def compression_level(kbps, sr):
    """The ``compression_level`` that makes libsndfile ask LAME for ``kbps`` in constant-bit-rate mode at ``sr``."""
    lo, hi = next((lo, hi) for floor, lo, hi in _MPEG_RANGES if sr >= floor)
    if not lo <= kbps <= hi:
        raise ValueError(f"{kbps} kbps is outside the MPEG bit rates at {sr} Hz ({lo}-{hi} kbps)")
    # libsndfile truncates hi - c * (hi - lo) to an int: aim half a kbps above so 128 stays 128, not 127
    return min(1.0, max(0.0, (hi - kbps - 0.5) / (hi - lo)))


def encode(paths, folder, version, encode_sr):
    """Write every clip as ``version`` ("mp3_<kbps>" or "resampled") at ``encode_sr``; return (paths, kbps)."""
    import librosa
    import soundfile as sf

    from genreclf.audio import load_audio

    out, kbps = [], []
    os.makedirs(folder, exist_ok=True)
    for p in paths:
        y, sr = load_audio(p, sr=None)
        if sr != encode_sr:
            y = librosa.resample(y, orig_sr=sr, target_sr=encode_sr, res_type="soxr_hq")
        y = np.clip(y, -1.0, 1.0)
        name = Path(p).name.rsplit(".", 1)[0]  # blues.00012: the track id survives the new extension
        if version == "resampled":
            dest = os.path.join(folder, name + ".wav")
            sf.write(dest, y, encode_sr, subtype="FLOAT")
        else:
            rate = int(version.split("_")[1])
            dest = os.path.join(folder, name + ".mp3")
            sf.write(dest, y, encode_sr, format="MP3", subtype="MPEG_LAYER_III",
                     compression_level=compression_level(rate, encode_sr), bitrate_mode="CONSTANT")
        out.append(dest)
        kbps.append(os.path.getsize(dest) * 8 / (len(y) / encode_sr) / 1000)
    return out, np.array(kbps)


# --------------------------------------------------------------------------------------------------- features
FEATURES = {"gtzan": "GTZANFeatures (57)", "mean_pool": "musicnn mean_pool (753)",
            "penultimate": "musicnn penultimate (200)"}
MUSICNN = ("mean_pool", "penultimate")


def gtzan_features(files, n_jobs):
    from genreclf import GTZANFeatures
    from genreclf.audio import AudioLoadWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AudioLoadWarning)
        return GTZANFeatures(n_jobs=n_jobs, on_error="nan").transform(files)


_CHECKED = []


def musicnn_features(files):
    """``MusicnnEmbedding(layer="mean_pool")`` and ``MusicnnEmbedding()`` of the clips from ONE network run per clip.

    The network is the cost (~0.2 s per clip on two idle cores), so both layers are taken from one call, as
    ``benchmarks/bench_musicnn.py`` does; the first call checks them against the two public transformers.
    """
    from genreclf import MusicnnEmbedding
    from genreclf.audio import load_audio
    from genreclf.features.base import _one_thread
    from genreclf.features.musicnn import musicnn_patches
    from genreclf.models.musicnn_network import MUSICNN_LAYERS, MUSICNN_SR, musicnn_forward

    at = {k: list(MUSICNN_LAYERS).index(k) for k in MUSICNN}
    out = {k: [] for k in MUSICNN}
    for f in files:
        with _one_thread():  # as MusicnnEmbedding.transform makes the patches
            patches = musicnn_patches(load_audio(f, sr=MUSICNN_SR)[0])
        outputs = musicnn_forward(patches)
        for k in MUSICNN:
            out[k].append(outputs[at[k]].mean(axis=0))
    out = {k: np.stack(v) for k, v in out.items()}
    if not _CHECKED:
        for k, est in (("mean_pool", MusicnnEmbedding(layer="mean_pool", summary="mean")),
                       ("penultimate", MusicnnEmbedding(layer="penultimate", summary="mean"))):
            diff = float(np.abs(est.transform(files[:2]) - out[k][:2]).max())
            if diff > 1e-4:
                sys.exit(f"the shared network run differs from {est!r} by {diff:.3g}")
        _CHECKED.append(True)
    return out


class Store:
    """Features (and kbps) per (feature set, version), computed once, cached as .npz when ``cache`` is a folder."""

    def __init__(self, paths, cache, tmp, encode_sr, n_jobs):
        self.paths, self.cache, self.tmp, self.encode_sr, self.n_jobs = paths, cache, tmp, encode_sr, n_jobs
        self.names = np.array([Path(p).name.rsplit(".", 1)[0] for p in paths])
        self._files, self._kbps, self._mem = {"original": paths}, {}, {}
        if cache:
            os.makedirs(cache, exist_ok=True)

    def _tag(self, version):
        return version if version == "original" else f"{version}@{self.encode_sr}"

    def _npz(self, kind, version):
        return os.path.join(self.cache, f"{kind}__{self._tag(version)}.npz") if self.cache else None

    def _load(self, path):
        if path and os.path.exists(path):
            z = np.load(path, allow_pickle=False)
            index = {n: i for i, n in enumerate(z["names"])}
            if all(n in index for n in self.names):
                rows = [index[n] for n in self.names]
                return {k: z[k][rows] for k in z.files if k != "names"}
        return None

    def _save(self, path, **arrays):
        if not path:
            return
        names = self.names
        if os.path.exists(path):  # keep the rows of clips that are not in this run
            z = np.load(path, allow_pickle=False)
            keep = ~np.isin(z["names"], self.names)
            if keep.any() and set(z.files) == {"names", *arrays}:
                arrays = {k: np.concatenate([z[k][keep], v]) for k, v in arrays.items()}
                names = np.concatenate([z["names"][keep], names])
        np.savez(path, names=names, **arrays)

    def files(self, version):
        if version not in self._files:
            t = time.perf_counter()
            self._files[version], self._kbps[version] = encode(
                self.paths, os.path.join(self.tmp, self._tag(version)), version, self.encode_sr)
            print(f"  encoded {len(self.paths)} clips as {version} at {self.encode_sr} Hz in "
                  f"{time.perf_counter() - t:.0f} s", flush=True)
            self._save(self._npz("kbps", version), kbps=self._kbps[version])
        return self._files[version]

    def kbps(self, version):
        if version not in self._kbps:
            cached = self._load(self._npz("kbps", version))
            if cached is not None:
                self._kbps[version] = cached["kbps"]
            else:
                self.files(version)
        return self._kbps[version]

    def get(self, kind, version):
        key = (kind, version)
        if key in self._mem:
            return self._mem[key]
        cached = self._load(self._npz(kind, version))
        if cached is not None:
            X = cached["X"]
        else:
            files = self.files(version)
            t = time.perf_counter()
            if kind == "gtzan":
                X = gtzan_features(files, self.n_jobs)
                computed = {kind: X}
            else:
                computed = musicnn_features(files)
                X = computed[kind]
            print(f"  {' and '.join(FEATURES[k] for k in computed)} of {len(files)} clips ({version}): "
                  f"{time.perf_counter() - t:.0f} s", flush=True)
            for k, v in computed.items():
                self._save(self._npz(k, version), X=v)
                self._mem[(k, version)] = v
        bad = ~np.isfinite(X).all(axis=1)
        if bad.any():
            sys.exit(f"{kind} features of {version} failed for {list(self.names[bad])}")
        self._mem[key] = X
        return X


# ----------------------------------------------------------------------------------------------------- report
def pct(changed, n):
    return f"{100 * changed / n:5.1f}% ({changed:3d}/{n})" if n else "   n/a"


def print_kbps(store, versions):
    print(f"\nMP3 bit rates (CBR, LAME via libsndfile, encoded at {store.encode_sr} Hz; bytes * 8 / seconds):")
    for v in versions:
        if not v.startswith("mp3_"):
            continue
        k = store.kbps(v)
        nominal = int(v.split("_")[1])
        print(f"  nominal {nominal:3d} kbps  compression_level={compression_level(nominal, store.encode_sr):.4f}  "
              f"actual {np.mean(k):6.1f} kbps (min {np.min(k):.1f}, max {np.max(k):.1f})")


def table_models(store, versions, names, n_threads, focus_kbps=128):
    """Models fitted on the bundled table; predictions on the clips, original vs every version."""
    from genreclf import load_gtzan_features
    from genreclf.baselines import make_baselines

    data = load_gtzan_features()
    base = {v: store.get("gtzan", v) for v in ["original", *versions]}
    n = len(store.names)
    print(f"\nModels fitted on the bundled 30 s table (1000 tracks, untuned defaults of make_baselines): predictions "
          f"that change on the {n} clips, original -> version")
    header = "  " + f"{'model':22s}" + "".join(f"{v:>20s}" for v in versions)
    print(header)
    preds = {}
    for name, model in make_baselines(names, random_state=0, n_threads=n_threads).items():
        model.fit(data.data, data.target)
        p0 = model.predict(base["original"])
        preds[name] = {v: model.predict(base[v]) for v in versions}
        print("  " + f"{name:22s}" + "".join(f"{pct(int(np.sum(preds[name][v] != p0)), n):>20s}" for v in versions))
        preds[name]["original"] = p0
    focus = next((v for v in versions if v == f"mp3_{focus_kbps}"), versions[0])
    genres = np.array([t.split(".")[0] for t in store.names])
    names_g = sorted(set(genres))
    print(f"  per genre at {focus} (changed / clips): " + ", ".join(f"{g} {int((genres == g).sum())}" for g in names_g))
    for name, p in preds.items():
        changed = p[focus] != p["original"]
        print("  " + f"{name:22s}" + " ".join(f"{g[:5]} {int(changed[genres == g].sum())}" for g in names_g))
    return preds


def train_valid(store, versions, kinds):
    """Scaled logistic regression fitted on the train clips (original audio), predictions on the valid clips."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from genreclf.datasets import gtzan_split

    split = gtzan_split("filtered")
    part = np.array(["train" if t in set(split["train"]) else "valid" if t in set(split["valid"]) else
                     "test" if t in set(split["test"]) else "none" for t in store.names])
    y = np.array([t.split(".")[0] for t in store.names])
    tr, va = part == "train", part == "valid"
    n = int(va.sum())
    print(f"\nTrain -> valid on the clips (artist-filtered split): StandardScaler + LogisticRegression fitted on the "
          f"{int(tr.sum())} train clips (original audio), predictions on the {n} valid clips; "
          f"{int((part == 'test').sum())} test and {int((part == 'none').sum())} unsplit clips unused")
    if tr.sum() == 0 or n == 0:
        print("  (no train or no valid clip among the clips chosen)")
        return
    print("  " + f"{'features':28s}{'valid acc. (orig)':>18s}" + "".join(f"{v:>20s}" for v in versions)
          + "   valid accuracy per version")
    for kind in kinds:
        X0 = store.get(kind, "original")
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(X0[tr], y[tr])
        p0 = clf.predict(X0[va])
        row, accs = [], []
        for v in versions:
            pv = clf.predict(store.get(kind, v)[va])
            row.append(pct(int(np.sum(pv != p0)), n))
            accs.append(f"{100 * np.mean(pv == y[va]):.0f}%")
        print("  " + f"{FEATURES[kind]:28s}{100 * np.mean(p0 == y[va]):17.1f}%" + "".join(f"{r:>20s}" for r in row)
              + "   " + " / ".join(accs))


def moving_columns(store, version, top):
    """Per GTZAN column: how far ``version`` moves it, in standard deviations of the bundled table."""
    from genreclf import load_gtzan_features
    from genreclf.features.gtzan import GTZAN_COLUMNS

    X0, X1 = store.get("gtzan", "original"), store.get("gtzan", version)
    z = np.abs(X1 - X0) / load_gtzan_features().data.std(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.median(np.abs(X1 - X0) / np.abs(X0), axis=0)
    med, mean, moved = np.median(z, axis=0), z.mean(axis=0), (z > 0.25).mean(axis=0)
    print(f"\nGTZAN columns that move most, original -> {version}, over {len(X0)} clips: |change| in standard "
          "deviations (sd) of the bundled table (what a scaled model sees), by mean; the median relative change "
          "|change| / |original|")
    print(f"  {'column':26s}{'mean sd':>9s}{'median sd':>11s}{'clips > 0.25 sd':>17s}{'median rel.':>13s}")
    for i in np.argsort(-mean)[:top]:
        print(f"  {GTZAN_COLUMNS[i]:26s}{mean[i]:9.3f}{med[i]:11.3f}{100 * moved[i]:16.0f}%{100 * rel[i]:12.2f}%")
    for label, key, unit in (("median sd", med, ""), ("median relative change", 100 * np.nan_to_num(rel), "%")):
        print(f"  top {top} by {label}: "
              + ", ".join(f"{GTZAN_COLUMNS[i]} {key[i]:.3g}{unit}" for i in np.argsort(-key)[:top]))


# ------------------------------------------------------------------------------------------------ candidates
SPECTRAL = tuple(f"{c}_{s}" for c in ("spectral_bandwidth", "rolloff", "zero_crossing_rate") for s in ("mean", "var"))
LEVEL = ("rms_mean", "rms_var", "harmony_var", "perceptr_var", "mfcc1_mean", "harmony_mean", "perceptr_mean")


def mfcc_means(first, last=20):
    return tuple(f"mfcc{k}_mean" for k in range(first, last + 1))


def band_edge_projection():
    """57 x 57 matrix: ``GTZANTableTransformer(codec_robust=True)``'s projection of MFCC means 2..20, I elsewhere."""
    from genreclf.baselines import _band_edge_projection
    from genreclf.features.gtzan import GTZAN_COLUMNS

    cols = [GTZAN_COLUMNS.index(f"mfcc{k}_mean") for k in range(2, 21)]
    P = np.eye(len(GTZAN_COLUMNS))
    P[np.ix_(cols, cols)] = _band_edge_projection()
    return P


def candidates(random_state=0):
    """``{name: (columns used, estimator)}``: default-predictor candidates from genreclf and scikit-learn pieces.

    Every estimator takes the 57 GTZAN columns. A dropped raw column also drops the engineered columns of
    ``GTZANTableTransformer`` made from it, except the level-free ratios when only level columns are dropped.
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import VotingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler
    from sklearn.svm import SVC

    from genreclf.baselines import GTZANTableTransformer, XGBoostClassifier, make_baselines
    from genreclf.features.gtzan import GTZAN_COLUMNS

    engineered = list(GTZANTableTransformer().fit(np.arange(1.0, 58.0)[None].repeat(2, 0)).get_feature_names_out())

    def sources(name):  # raw columns behind an engineered column
        if name == "log_percussive_harmonic_ratio":
            return {"perceptr_var", "harmony_var"}, True
        if name == "tempo_octave_phase":
            return {"tempo"}, False
        if name.startswith("log_cv_"):
            return {name[7:] + "_mean", name[7:] + "_var"}, name == "log_cv_rms"
        return {name[4:] if name.startswith("log_") else name}, False

    def keep(names, drop):
        out = []
        for i, c in enumerate(names):
            src, level_free = sources(c) if names is engineered else ({c}, False)
            if not (src & drop) or (level_free and not (src & (drop - set(LEVEL)))):
                out.append(i)
        return out

    def select(names, drop):
        idx = keep(names, set(drop))
        return "passthrough" if len(idx) == len(names) else ColumnTransformer([("keep", "passthrough", idx)])

    def svc(C):
        return CalibratedClassifierCV(SVC(C=C), ensemble=False)

    def ensemble(drop=(), project=False):
        """make_baselines' "ensemble", on the kept columns, optionally after the band-edge projection."""
        vote = VotingClassifier([
            ("lr", make_pipeline(GTZANTableTransformer(), select(engineered, drop), StandardScaler(),
                                 LogisticRegression(C=0.3, max_iter=5000))),
            ("svc", make_pipeline(GTZANTableTransformer(), select(engineered, drop), StandardScaler(), svc(3.0))),
            ("xgb", make_pipeline(select(GTZAN_COLUMNS, drop), XGBoostClassifier(
                n_estimators=150, learning_rate=0.1, max_depth=3, subsample=0.8, colsample_bytree=0.5,
                random_state=random_state, n_jobs=1)))], voting="soft")
        if project:
            return make_pipeline(FunctionTransformer(np.dot, kw_args={"b": band_edge_projection()}), vote)
        return vote

    base = make_baselines(["logistic_regression", "linear_discriminant", "svc", "xgboost", "ensemble",
                           "codec_robust_ensemble"], random_state=random_state)
    out = {f"{name} (make_baselines)": ("57", est) for name, est in base.items()}
    out["codec_robust_ensemble (make_baselines)"] = ("56/51", base["codec_robust_ensemble"])
    # what each half of codec_robust=True does alone, and a blunter alternative
    for label, drop in (("-bandwidth/rolloff/zcr", SPECTRAL), ("-mfcc10..20 means", mfcc_means(10))):
        out[f"ensemble {label}"] = (str(len(keep(GTZAN_COLUMNS, set(drop)))), ensemble(drop))
    out["ensemble + band-edge projection"] = ("57 (projected)", ensemble(project=True))
    return out


def run_candidates(stores, args):
    """The candidates' 10-fold CV accuracy on the bundled table, agreement on the clips, filtered test accuracy."""
    from genreclf import load_gtzan_features
    from genreclf.baselines import Baselines
    from genreclf.datasets import gtzan_split
    from genreclf.evaluation import benchmark

    data = load_gtzan_features()
    test = set(gtzan_split("filtered")["test"])
    first = stores[0]
    not_test = np.array([t not in test for t in first.names])
    X0 = first.get("gtzan", "original")
    columns = [(store, v) for store in stores for v in store.versions]
    print(f"\nDefault-predictor candidates (fitted on the bundled table; 10-fold CV "
          f"{'tuned by nested 3-fold CV' if args.tune else 'untuned: tune=False'}); agreement = predictions equal "
          f"on the original and the MP3 of the {len(X0)} clips [without the {int((~not_test).sum())} test "
          "tracks]; artist-filtered test accuracy for information only (never a criterion)\n")
    head = ["candidate", "cols", "10-fold CV"] + [f"{v.replace('mp3_', '')}k@{s.encode_sr // 1000}" for s, v in
                                                  columns] + ["filtered test"]
    rows = []
    for name, (cols, est) in candidates().items():
        t = time.perf_counter()
        grids = {}
        if args.tune and name.endswith("(make_baselines)"):
            from genreclf.baselines import make_baselines

            grids = make_baselines([name.split()[0]]).param_grids
        with warnings.catch_warnings():  # the 70 rows outside the artist-filtered split, said once per model
            warnings.simplefilter("ignore", UserWarning)
            board = benchmark(Baselines([(name, est, grids.get(name.split()[0], {}), "")]), data.data,
                              data.target, groups=data.groups, protocol="both", tune=args.tune, n_jobs=args.n_jobs,
                              random_state=0)
        acc = {r.protocol: (r.accuracy_mean, r.accuracy_std) for r in board.itertuples()}
        cv = next(v for k, v in acc.items() if "fold" in k)
        filt = next(v for k, v in acc.items() if k.startswith("artist"))
        from sklearn.base import clone

        model = clone(est).fit(data.data, data.target)
        p0 = model.predict(X0)
        agree = []
        for store, v in columns:
            same = model.predict(store.get("gtzan", v)) == p0
            agree.append(f"{100 * same.mean():.1f} [{100 * same[not_test].mean():.1f}]")
        rows.append([name, cols, f"{100 * cv[0]:.1f} ± {100 * cv[1]:.1f}", *agree, f"{100 * filt[0]:.1f}"])
        print(f"  ({name}: {time.perf_counter() - t:.0f} s)", flush=True)
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    print()
    for r in [head] + rows:
        print("  " + "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))


# ------------------------------------------------------------------------------------------------------- main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.environ.get("GENRECLF_SHARED", str(REPO.parent / "shared")))
    parser.add_argument("--clips", type=int, default=None, help="use only the first N clips")
    parser.add_argument("--per-genre", type=int, default=None, help="use at most N clips of each genre")
    parser.add_argument("--bitrates", default="64,128,192", help="MP3 bit rates in kbps (default 64,128,192)")
    parser.add_argument("--encode-sr", type=int, default=44100,
                        help="sample rate of the encoded files (default 44100: MPEG-1, 32-320 kbps; 22050: "
                             "MPEG-2, 8-160 kbps)")
    parser.add_argument("--control", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure the lossless resampled version (default on)")
    parser.add_argument("--models", default=MODELS, help=f"bundled-table models (default {MODELS})")
    parser.add_argument("--no-musicnn", action="store_true", help="only the 57 GTZAN columns")
    parser.add_argument("--focus", type=int, default=128, help="bit rate of the column table (default 128)")
    parser.add_argument("--top", type=int, default=10, help="columns listed (default 10)")
    parser.add_argument("--candidates", action="store_true", help="evaluate the default-predictor candidates")
    parser.add_argument("--stress", action="store_true",
                        help="with --candidates: also agreement on MP3s encoded at 22,050 Hz (MPEG-2, bit rates "
                             "capped at 160 kbps), whose low-pass sits at ~10 kHz")
    parser.add_argument("--tune", action="store_true",
                        help="with --candidates: nested tuning of the candidates' grids in the 10-fold CV")
    parser.add_argument("--cache", default=None,
                        help="folder for .npz feature caches, keyed by clip, feature set, version and encoding rate "
                             "(default: none; empty it after changing a feature extractor)")
    parser.add_argument("--n-jobs", type=int, default=2, help="parallel clips / folds (default 2)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    shared = Path(args.shared)
    paths = dev_clips(shared, args.clips, args.per_genre)
    rates = [int(b) for b in args.bitrates.split(",") if b]
    for b in rates:
        try:
            compression_level(b, args.encode_sr)  # fail early on an impossible rate
        except ValueError as err:
            parser.error(f"--bitrates: {err} (use --encode-sr 44100)")
    versions = [f"mp3_{b}" for b in rates]
    shown = versions + (["resampled"] if args.control and args.encode_sr != 22050 else [])
    kinds = ["gtzan"] + ([] if args.no_musicnn else ["mean_pool", "penultimate"])
    import soundfile as sf

    print(f"{len(paths)} clips of {shared / 'data'} (gtzan_dev + gtzan_subset); soundfile {sf.__version__}, "
          f"libsndfile {sf.__libsndfile_version__}; n_jobs={args.n_jobs}")
    with tempfile.TemporaryDirectory(prefix="genreclf_codecs_") as tmp:
        store = Store(paths, args.cache, tmp, args.encode_sr, args.n_jobs)
        for kind in kinds:  # everything first (cached), then the figures
            for v in ["original", *shown]:
                store.get(kind, v)
        print_kbps(store, versions)
        table_models(store, shown, [m for m in args.models.split(",") if m], args.n_jobs, args.focus)
        train_valid(store, shown, kinds)
        focus = f"mp3_{args.focus}" if f"mp3_{args.focus}" in versions else versions[0]
        moving_columns(store, focus, args.top)
        if args.candidates:
            store.versions = versions
            stores = [store]
            if args.stress and args.encode_sr != 22050:
                stress = Store(paths, args.cache, tmp, 22050, args.n_jobs)
                stress.versions = list(dict.fromkeys(f"mp3_{min(b, 160)}" for b in rates))
                for v in stress.versions:
                    stress.get("gtzan", v)
                stores.append(stress)
            run_candidates(stores, args)
    print(f"\n({time.perf_counter() - start:.0f} s wall)")


if __name__ == "__main__":
    main()
