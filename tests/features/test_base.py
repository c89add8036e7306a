"""The shared machinery of every audio transformer: what X is, parallelism, the cache, progress, params."""
import os
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from sklearn.base import clone

from genreclf.audio import AudioLoadError
from genreclf.features import GTZANFeatures, MFCCTransformer, SpectralTransformer
from genreclf.features.base import resolve_clips

SR = 22050


@pytest.fixture
def wavs(tmp_path, tone, noise):
    paths = []
    for name, y in (("tone", tone), ("noise", noise), ("mix", 0.5 * (tone + noise))):
        paths.append(str(tmp_path / f"{name}.wav"))
        sf.write(paths[-1], y, SR, subtype="FLOAT")
    return paths


def mfcc(**kw):
    return MFCCTransformer(n_mfcc=6, summary="mean_var", **kw)


# -- what X is ---------------------------------------------------------------------------------------------
def test_paths_and_arrays_give_the_same_features(wavs, tone, noise):
    from_files = mfcc().fit_transform(wavs[:2])
    from_arrays = mfcc().fit_transform([tone, noise])
    from_matrix = mfcc().fit_transform(np.stack([tone, noise]))
    np.testing.assert_array_equal(from_files, from_arrays)
    np.testing.assert_array_equal(from_files, from_matrix)
    np.testing.assert_array_equal(mfcc().fit_transform([Path(p) for p in wavs[:2]]), from_files)
    np.testing.assert_array_equal(mfcc().fit_transform(pd.Series(wavs[:2])), from_files)
    np.testing.assert_array_equal(mfcc().fit_transform(pd.DataFrame({"path": wavs[:2]})), from_files)
    np.testing.assert_array_equal(mfcc().fit_transform(np.array(wavs[:2], dtype=object)), from_files)
    np.testing.assert_array_equal(mfcc().fit_transform(pd.DataFrame(np.stack([tone, noise]))), from_files)


def test_input_parameter(wavs, tone):
    assert resolve_clips(wavs, "auto")[1] == "filename"
    assert resolve_clips([tone], "auto")[1] == "array"
    assert resolve_clips(wavs, "filename")[1] == "filename"
    assert resolve_clips([tone], "array")[1] == "array"
    with pytest.raises(TypeError, match="input='array' but X holds paths"):
        mfcc(input="array").fit_transform(wavs)
    with pytest.raises(TypeError, match="input='filename' but X holds signals"):
        mfcc(input="filename").fit_transform([tone])
    with pytest.raises(ValueError, match=r"The 'input' parameter of MFCCTransformer must be a str among "
                                         r"\{.*'filename'.*\}. Got 'file' instead."):
        mfcc(input="file").fit([tone])
    with pytest.raises(TypeError, match="mixes paths and signals"):
        mfcc().fit_transform([wavs[0], tone])


@pytest.mark.parametrize("single", ["a.wav", Path("a.wav"), b"a.wav"])
def test_a_single_path_is_a_type_error(single):
    for method in ("fit", "transform", "fit_transform"):
        with pytest.raises(TypeError, match=r"Iterable over audio files or signals expected.*\[path\]"):
            getattr(mfcc(), method)(single)


def test_bad_containers(tone):
    from scipy import sparse

    with pytest.raises(ValueError, match="one 1-D array of 22050 samples.*Reshape your data.*\\[y\\]"):
        mfcc().fit_transform(tone)
    with pytest.raises(ValueError, match="0 clips"):
        mfcc().fit([])
    with pytest.raises(ValueError, match="0 clips"):
        mfcc().fit_transform(np.zeros((0, 100)))
    with pytest.raises(ValueError, match=r"0 feature\(s\).*signals of 0 samples"):
        mfcc().fit(np.zeros((3, 0)))
    with pytest.raises(TypeError, match="Sparse input is not supported"):
        mfcc().fit(sparse.csr_matrix(np.ones((2, 4096))))
    with pytest.raises(ValueError, match="Complex"):
        mfcc().fit_transform(np.ones((2, 4096), dtype=complex))
    with pytest.raises(TypeError, match="clip 2 of 2 .*non-numeric"):
        mfcc().fit_transform([tone, np.array(["a", {}], dtype=object)])
    with pytest.raises(TypeError, match="Iterable over audio files or signals expected, int"):
        mfcc().fit(3)


def test_fit_is_stateless_and_checks_nan_signals_early(tone):
    m = mfcc()
    assert m.fit([tone]) is m and not [k for k in vars(m) if k.endswith("_") and not k.startswith("_")]
    bad = np.stack([tone, tone])
    bad[1, 7] = np.nan
    with pytest.raises(AudioLoadError, match="clip 2 of 2 has 1 NaN or infinite"):
        mfcc().fit(bad)
    mfcc(on_error="nan").fit(bad)   # becomes a NaN row at transform time instead


@pytest.mark.parametrize("param, value, match", [
    ("on_error", "ignore", r"The 'on_error' parameter of MFCCTransformer must be a str among \{.*\}\. Got 'ignore' "
                           r"instead\."),
    ("sr", 0, r"The 'sr' parameter of MFCCTransformer must be a float in the range \(0.0, inf\)\. Got 0 instead\."),
    ("duration", -1, r"The 'duration' parameter of MFCCTransformer must be a float in the range \(0.0, inf\) or "
                     r"None\. Got -1 instead\."),
    ("summary", "mean_avg", "summary='mean_avg'"),
])
def test_parameter_errors_name_the_parameter(tone, param, value, match):
    """scikit-learn's words: the parameter, what is allowed, the value."""
    with pytest.raises(ValueError, match=match):
        mfcc().set_params(**{param: value}).fit_transform([tone])


def test_transform_without_fit(tone):
    np.testing.assert_array_equal(mfcc().transform([tone]), mfcc().fit_transform([tone]))


# -- parallelism -------------------------------------------------------------------------------------------
def test_n_jobs_2_equals_n_jobs_none(wavs, tone, noise, blas_threads):
    for est in (mfcc(), MFCCTransformer(n_mfcc=4), SpectralTransformer(summary="mean_std")):
        np.testing.assert_array_equal(est.set_params(n_jobs=2).fit_transform(wavs),
                                      est.set_params(n_jobs=None).fit_transform(wavs))
    np.testing.assert_array_equal(mfcc(n_jobs=2).fit_transform([tone, noise, tone]),
                                  mfcc().fit_transform([tone, noise, tone]))


def test_any_joblib_backend(tone, noise, blas_threads):
    with joblib.parallel_backend("threading", n_jobs=2):
        out = mfcc(n_jobs=2).fit_transform([tone, noise])
    np.testing.assert_array_equal(out, mfcc().fit_transform([tone, noise]))


# -- the cache ---------------------------------------------------------------------------------------------
@pytest.fixture
def count_extract(monkeypatch):
    """Count the real feature extractions (in this process: n_jobs=None)."""
    calls = []
    original = MFCCTransformer._extract

    def counting(self, y):
        calls.append(len(y))
        return original(self, y)

    monkeypatch.setattr(MFCCTransformer, "_extract", counting)
    return calls


def test_cache_hit_returns_identical_values(wavs, tmp_path, count_extract):
    cache = tmp_path / "cache"
    first = mfcc(memory=str(cache)).fit_transform(wavs)
    assert len(count_extract) == 3
    second = mfcc(memory=joblib.Memory(str(cache), verbose=0)).fit_transform(wavs)  # same store as the str
    assert len(count_extract) == 3                    # all three served by the cache
    np.testing.assert_array_equal(first, second)
    # runtime parameters are not part of the key
    mfcc(memory=str(cache), verbose=1, on_error="nan", n_jobs=1).fit_transform(wavs)
    assert len(count_extract) == 3
    np.testing.assert_array_equal(first, mfcc().fit_transform(wavs))   # and equal to no cache at all


def test_cached_clips_start_no_worker_and_run_no_probe(wavs, tmp_path, monkeypatch, tasks_sent):
    """A warm run reads its entries in this process: no joblib pool, no kernel probe. A partly warm one sends only
    the missing clips to the workers, and the rows keep the order of X."""
    import genreclf._parallel as parallel  # where the transformers' tasks reach joblib

    cache = str(tmp_path / "cache")
    cold = GTZANFeatures(memory=cache, n_jobs=2).fit_transform(wavs[:2])
    sent, probes = tasks_sent(parallel), []
    monkeypatch.setattr(GTZANFeatures, "_compile_kernels", lambda self: probes.append(1))
    warm = GTZANFeatures(memory=cache, n_jobs=2).fit_transform(wavs[:2])
    np.testing.assert_array_equal(warm, cold)
    assert sent == [] and probes == []
    mixed = GTZANFeatures(memory=cache, n_jobs=2).fit_transform([wavs[2], wavs[1], wavs[0]])
    assert sent == [1] and probes == [1]             # only the new clip went to the workers
    np.testing.assert_array_equal(mixed[1:], cold[::-1])
    np.testing.assert_array_equal(mixed[0], GTZANFeatures().fit_transform(wavs[2:])[0])


def test_cache_is_keyed_on_the_file_content(wavs, tmp_path, noise, count_extract):
    cache = str(tmp_path / "cache")
    before = mfcc(memory=cache).fit_transform(wavs)
    assert len(count_extract) == 3
    # same content, new mtime, or another name: served (the key is the content)
    st = os.stat(wavs[0])
    os.utime(wavs[0], ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    copy = tmp_path / "renamed copy.wav"
    copy.write_bytes(open(wavs[2], "rb").read())
    again = mfcc(memory=cache).fit_transform(wavs + [str(copy)])
    assert len(count_extract) == 3
    np.testing.assert_array_equal(again, np.concatenate([before, before[2:]]))
    # new content: recomputed, and the new values are served, not the stale ones
    sf.write(wavs[1], noise[: SR // 2], SR, subtype="FLOAT")
    changed = mfcc(memory=cache).fit_transform(wavs)
    assert len(count_extract) == 4
    np.testing.assert_array_equal(changed[1], mfcc().fit_transform([noise[: SR // 2]])[0])
    assert not np.allclose(changed[1], before[1])
    # new content of the same size under a restored mtime: recomputed too (a stamp would have served it stale)
    st = os.stat(wavs[2])
    data = bytearray(open(wavs[2], "rb").read())
    data[-4:] = b"\x00\x00\x80\x3f"                       # the last float32 sample becomes 1.0
    open(wavs[2], "wb").write(bytes(data))
    os.utime(wavs[2], ns=(st.st_atime_ns, st.st_mtime_ns))
    n_before = len(count_extract)
    mfcc(memory=cache).fit_transform(wavs)
    assert len(count_extract) == n_before + 1
    np.testing.assert_array_equal(changed[0], before[0])


def test_cache_is_keyed_on_parameters_and_signal_content(wavs, tmp_path, tone, noise, count_extract):
    cache = str(tmp_path / "cache")
    mfcc(memory=cache).fit_transform(wavs)
    other = MFCCTransformer(n_mfcc=7, summary="mean_var", memory=cache).fit_transform(wavs)
    assert len(count_extract) == 6 and other.shape == (3, 14)
    mfcc(memory=cache).fit_transform([tone, noise])
    mfcc(memory=cache).fit_transform([tone, noise])
    assert len(count_extract) == 8                      # arrays are keyed on their content
    mfcc(memory=cache).fit_transform([tone * 0.5])
    assert len(count_extract) == 9


def test_failures_are_not_cached(tmp_path, tone, count_extract):
    cache = str(tmp_path / "cache")
    path = tmp_path / "later.wav"
    with pytest.raises(AudioLoadError, match="later.wav.*not found"):
        mfcc(memory=cache).fit_transform([str(path)])
    sf.write(path, tone, SR, subtype="FLOAT")
    np.testing.assert_array_equal(mfcc(memory=cache).fit_transform([str(path)]), mfcc().fit_transform([tone]))


# -- the cache key holds every parameter that changes the result -------------------------------------------------
def _audio_transformers():
    """Every public audio transformer class of genreclf (found by subclassing, so a new one cannot be missed)."""
    import genreclf.features.musicnn  # noqa: F401  (registers MusicnnEmbedding and MusicnnTagger)
    from genreclf.features.base import BaseAudioTransformer, FrameFeatureTransformer

    found, todo = set(), [BaseAudioTransformer]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("genreclf.") and not sub.__name__.startswith("_"):
                found.add(sub)
    return sorted(found - {FrameFeatureTransformer}, key=lambda c: c.__name__)


# The settings each class is tried in (small, and with segments so that the segment parameters matter), and for
# every parameter a value that changes the features of the clip below. A parameter that is neither here nor a
# runtime one (_RUNTIME_PARAMS) fails the test: a new parameter must be placed, not forgotten.
_FRAMES = dict(n_fft=1024, hop_length=256, sr=16000, offset=0.5, duration=1.0, summary="mean_var")
_COMMON = dict(sr=11025, offset=0.25, duration=0.75, input="filename")
_KEY_CASES = {
    "MFCCTransformer": (dict(n_mfcc=6, n_mels=32), dict(n_mfcc=7, n_mels=40, **_FRAMES)),
    "MelSpectrogramTransformer": (dict(n_mels=16), dict(n_mels=20, log=False, fmin=100.0, fmax=4000.0, **_FRAMES)),
    "ChromaTransformer": ({}, dict(n_chroma=24, **_FRAMES)),
    "SpectralTransformer": ({}, dict(features=("rms", "rolloff"), roll_percent=0.5, **_FRAMES)),
    "TempoTransformer": ({}, dict(start_bpm=60.0, n_fft=512, hop_length=256, sr=16000, offset=0.1, duration=4.0)),
    "GTZANFeatures": (dict(n_segments=2, segment_samples=11025, segment_hop=11025),
                      dict(compat="librosa", n_segments=3, segments=1, segment_samples=8192, segment_hop=5000,
                           sr=16000, offset=0.5, duration=1.0)),
    "MusicnnEmbedding": (dict(layer="penultimate", tail="pad"),
                         dict(model="MTT_musicnn", layer="taggram", summary="max", pooling="mean", tail="drop",
                              offset=0.5, duration=3.5)),
    "MusicnnTagger": (dict(tail="pad"), dict(model="MTT_musicnn", summary="max", pooling="max", tail="drop",
                                              offset=0.5, duration=3.5)),
}
# Parameters kept in the key although they do not change the features (checked below: they really do not).
_SAME_RESULT = {"input": "filename"}
# Parameters that may change the last bits of the features only (batched float32 inference rounds differently),
# so they are keyed: what is served is exactly what was computed, whichever way they go.
_ROUNDING = {"batch_size": 1}


@pytest.fixture(scope="module")
def key_clip(tmp_path_factory):
    """4.5 s of a chord, noise and clicks every 0.35 s, changing over time (so every offset and duration differs)."""
    t = np.arange(int(4.5 * SR)) / SR
    y = 0.3 * np.sin(2 * np.pi * (220 + 40 * t) * t) + 0.2 * np.sin(2 * np.pi * 330 * t)
    y += np.random.default_rng(0).normal(scale=0.05, size=t.size)
    y[:: int(0.35 * SR)] += 0.8
    path = tmp_path_factory.mktemp("key") / "clip.wav"
    sf.write(path, (0.5 * y * (1 + t / 4.5)).astype(np.float32), SR, subtype="FLOAT")
    return str(path)


@pytest.mark.filterwarnings("ignore::FutureWarning")   # the deprecated names (segments, pooling) are keyed too
@pytest.mark.parametrize("cls", _audio_transformers(), ids=lambda c: c.__name__)
def test_cache_key_holds_every_parameter_that_changes_the_result(cls, key_clip, tmp_path):
    """For each parameter in turn: features cached under the base setting are never served for a setting that
    differs in that parameter alone, and what is served is what a run without the cache computes."""
    from genreclf.features.base import _RUNTIME_PARAMS

    if cls.__module__.endswith("musicnn"):
        pytest.importorskip("tensorflow")
    base_params, changes = _KEY_CASES[cls.__name__]
    params = set(cls().get_params(deep=False))
    unplaced = params - set(changes) - set(_RUNTIME_PARAMS) - set(_SAME_RESULT) - set(_ROUNDING)
    assert not unplaced, f"{cls.__name__}: give each new parameter a value in _KEY_CASES (or _SAME_RESULT): {unplaced}"
    assert set(changes) <= params, set(changes) - params
    cache = str(tmp_path / "cache")
    base = cls(**base_params)
    reference = base.set_params(memory=cache).fit_transform([key_clip])  # stored under the base setting

    def differs(a, b):
        return a.shape != b.shape or not np.array_equal(a, b, equal_nan=True)

    for name in sorted(set(changes) | (params & (set(_SAME_RESULT) | set(_ROUNDING)))):
        value = {**_SAME_RESULT, **_ROUNDING, **changes}[name]
        other = clone(base).set_params(**{name: value})
        served = other.fit_transform([key_clip])  # through the cache that holds the base setting's features
        fresh = other.set_params(memory=None).fit_transform([key_clip]) if name in _ROUNDING else None
        if name in changes and not differs(served, reference):  # one run per parameter; a second only to explain
            fresh = other.set_params(memory=None).fit_transform([key_clip])
            assert differs(fresh, reference), f"{name}={value!r} does not change the features: pick another value"
            pytest.fail(f"{cls.__name__}: the features cached for {name}={base.get_params()[name]!r} were served for "
                        f"{name}={value!r}: the cache key misses {name!r}")
        if name in _SAME_RESULT:
            np.testing.assert_array_equal(served, reference, err_msg=f"{name}={value!r} changes the features")
        if fresh is not None:
            np.testing.assert_array_equal(served, fresh, err_msg=f"{cls.__name__}: stale features for {name}")

# -- progress ----------------------------------------------------------------------------------------------
def test_verbose_progress_goes_to_stderr(capsys, tone, noise):
    mfcc(verbose=1).fit_transform([tone, noise, tone])
    out, err = capsys.readouterr()
    assert out == ""
    assert "MFCCTransformer" in err and "3/3 clips" in err and "clips/s" in err and err.endswith("\n")
    mfcc().fit_transform([tone])
    assert capsys.readouterr().err == ""


# -- every clip failed -------------------------------------------------------------------------------------
def test_all_bad_batch_with_on_error_nan_still_gives_nan_rows(tmp_path):
    bad = [str(tmp_path / "a.wav"), str(tmp_path / "b.wav")]
    with pytest.warns(UserWarning, match="2 of 2 clip"):
        X = mfcc(on_error="nan").fit_transform(bad)
    assert X.shape == (2, 12) and np.isnan(X).all()
    with pytest.warns(UserWarning):
        X3 = MFCCTransformer(n_mfcc=6, duration=1.0, on_error="nan").fit_transform(bad)
    assert X3.shape == (2, 1 + SR // 512, 6) and np.isnan(X3).all()
    with pytest.warns(UserWarning):
        G = GTZANFeatures(on_error="nan").fit_transform(bad)
    assert G.shape == (2, 57)
    # 3-D frames of unknown length: nothing to shape a NaN row on, so a clear error
    with pytest.raises(AudioLoadError, match="a.wav.*and 1 more.*duration="):
        MFCCTransformer(on_error="nan").fit_transform(bad)


def test_timing_is_not_absurd(tone):
    start = time.perf_counter()
    mfcc().fit_transform([tone] * 10)
    assert time.perf_counter() - start < 10
