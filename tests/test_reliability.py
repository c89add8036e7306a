"""Reliability of audio and features: bad input alone and inside batches, interrupted caches,
persistence with a version stamp, determinism, and a property-based fuzz of every transformer."""
import io
import os
import pickle
import re
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
from audio_files import png_bytes, write
from audio_files import tone_at as sine
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import genreclf
from genreclf._persistence import GenreclfVersionWarning
from genreclf.audio import AudioLoadError, AudioLoadWarning
from genreclf.features import (
    ChromaTransformer,
    FrameStatistics,
    GTZANFeatures,
    MelSpectrogramTransformer,
    MFCCTransformer,
    SequenceScaler,
    SpectralTransformer,
    TempoTransformer,
)
from genreclf.features._cache import CacheWarning

SR = 22050
REPO = Path(__file__).resolve().parents[1]


def make_mfcc(**kw):
    return MFCCTransformer(n_mfcc=8, summary="mean_var", **kw)


# -- 1. bad audio, alone and inside a batch of good files --------------------------------------------------
BAD_FILES = ["missing", "directory", "zero_bytes", "text_as_wav", "png_as_wav", "truncated", "header_only",
             "all_zero", "shorter_than_fft", "nan_samples", "inf_samples", "rate_1_hz"]
BAD_ARRAYS = ["all_zero", "shorter_than_fft", "nan_samples", "inf_samples", "empty", "one_click", "short_burst"]


def _wav_at_1_hz(y):
    """The bytes of a 16-bit WAV of ``y`` whose header's sample rate is patched to 1 Hz (an 8.8 KB memory bomb)."""
    buffer = io.BytesIO()
    import soundfile as sf

    sf.write(buffer, y, SR, format="WAV", subtype="PCM_16")
    data = bytearray(buffer.getvalue())
    data[24:28], data[28:32] = (1).to_bytes(4, "little"), (2).to_bytes(4, "little")  # rate, bytes per second
    return bytes(data)


def test_a_header_that_is_not_audio_is_refused_before_anything_is_decoded(tmp_path, tone, monkeypatch):
    """The 8.8 KB file at 1 Hz took 2.9 GB and 17 s; now it is refused from its header, naming it, and no sample is
    decoded or resampled; the rest of a batch is kept."""
    import librosa
    import soundfile as sf

    from genreclf.audio import clip_length, iter_windows, load_audio, unreadable_reason

    path = tmp_path / "tiny.wav"
    path.write_bytes(_wav_at_1_hz(tone[:4410]))
    assert path.stat().st_size < 9000 and sf.info(str(path)).samplerate == 1
    monkeypatch.setattr(librosa, "resample", lambda *a, **k: pytest.fail("a sample was resampled"))
    monkeypatch.setattr(sf.SoundFile, "read", lambda *a, **k: pytest.fail("a sample was decoded"))
    message = "its header says 1 Hz, which is not an audio sample rate (genreclf reads 1,000 to 768,000 Hz)"
    assert message in unreadable_reason(path)
    for read in (lambda: load_audio(path), lambda: list(iter_windows(path, 30.0)), lambda: clip_length(path)):
        with pytest.raises((AudioLoadError, ValueError), match=re.escape(message)):
            read()
    with pytest.warns(AudioLoadWarning, match="tiny.wav"):
        X = make_mfcc(on_error="nan").fit_transform([str(path)])
    assert np.isnan(X).all()


class _KillsItsWorker(MFCCTransformer):
    """Kills the process that extracts a signal whose first sample is exactly 0.25 (as the out-of-memory killer
    stops a worker that took too much)."""

    def _extract(self, y):
        if y[0] == np.float32(0.25):
            os.kill(os.getpid(), signal.SIGKILL)
        return super()._extract(y)


def test_a_worker_that_dies_fails_its_own_clip_and_the_others_are_kept(tone, noise):
    killer = tone.copy()
    killer[0] = 0.25
    batch = [tone, killer, noise]
    with pytest.warns(AudioLoadWarning, match=r"clip 2 of 3: the worker process running it died"):
        X = _KillsItsWorker(n_mfcc=8, summary="mean_var", on_error="nan", n_jobs=2).fit_transform(batch)
    assert np.isnan(X[1]).all()
    np.testing.assert_array_equal(X[[0, 2]], make_mfcc().fit_transform([tone, noise]))


def bad_file(kind, folder, tone):
    path = folder / f"bad {kind} ✗.wav"
    if kind == "missing":
        return str(path), "file not found"
    if kind == "directory":
        path.mkdir()
        return str(path), "is a directory"
    if kind == "zero_bytes":
        path.write_bytes(b"")
        return str(path), "0 bytes"
    if kind == "text_as_wav":
        path.write_text("title,artist\nSo What,Miles Davis\n" * 40)
        return str(path), "not recognised"
    if kind == "png_as_wav":
        path.write_bytes(png_bytes())
        return str(path), "not recognised"
    if kind == "rate_1_hz":  # 4,410 samples whose header says 1 Hz: 97 million samples once resampled
        path.write_bytes(_wav_at_1_hz(tone[:4410]))
        return str(path), "1 Hz, which is not an audio sample rate"
    if kind in ("truncated", "header_only"):
        data = open(write(folder / "whole.wav", tone, subtype="PCM_16"), "rb").read()
        path.write_bytes(data[: len(data) // 3] if kind == "truncated" else data[:44])
        return str(path), "truncated"
    y = {"all_zero": np.zeros(SR, np.float32), "shorter_than_fft": tone[:1000],
         "nan_samples": np.where(np.arange(SR) % 1000 == 0, np.nan, tone).astype(np.float32),
         "inf_samples": np.where(np.arange(SR) == 10, np.inf, tone).astype(np.float32)}[kind]
    write(path, y)
    return str(path), {"all_zero": "silent", "shorter_than_fft": "shorter than one FFT window",
                       "nan_samples": "23 NaN or infinite", "inf_samples": "1 NaN or infinite"}[kind]


def bad_array(kind, tone):
    y = {"all_zero": np.zeros(SR, np.float32), "shorter_than_fft": tone[:1000],
         "nan_samples": np.where(np.arange(SR) == 3, np.nan, tone).astype(np.float32),
         "inf_samples": np.where(np.arange(SR) == 3, -np.inf, tone).astype(np.float32),
         "empty": np.zeros(0, np.float32),
         "one_click": np.where(np.arange(SR) == 5000, 0.5, 0.0).astype(np.float32),  # digital silence, a click
         # 1,000 samples of tone in silence: shorter than one window
         "short_burst": np.where((np.arange(SR) >= 5000) & (np.arange(SR) < 6000), tone, 0.0).astype(np.float32)}[kind]
    return y, {"all_zero": "silent", "shorter_than_fft": "shorter than one FFT window",
               "nan_samples": "NaN or infinite", "inf_samples": "NaN or infinite", "empty": "empty",
               "one_click": r"silent but for 1 non-zero sample\(s\) within 1 sample\(s\)",
               "short_burst": r"silent but for \d+ non-zero sample\(s\) within \d+ sample\(s\), less than one FFT "
                              r"window \(2048 samples\)"}[kind]


def check_bad_clip(bad, cause, good_a, good_b, name_pattern):
    alone_a, alone_b = make_mfcc().fit_transform([good_a]), make_mfcc().fit_transform([good_b])
    # alone, on_error="raise": a clear error naming the clip and the cause
    with pytest.raises(AudioLoadError, match=rf"(?s){name_pattern}.*{cause}.*on_error='nan'"):
        make_mfcc().fit_transform([bad])
    # alone, on_error="nan": one NaN row and a warning
    with pytest.warns(AudioLoadWarning, match=rf"1 of 1 clip.*{name_pattern}.*{cause}"):
        X = make_mfcc(on_error="nan").fit_transform([bad])
    assert X.shape == (1, 16) and np.isnan(X).all()
    # in a batch, on_error="raise": the error names the bad clip (clip 2 of 3)
    with pytest.raises(AudioLoadError, match=rf"{name_pattern}.*clip 2 of 3.*{cause}|clip 2 of 3.*{cause}"):
        make_mfcc().fit_transform([good_a, bad, good_b])
    # in a batch, on_error="nan": the good rows are bit-identical to what they are alone
    with pytest.warns(AudioLoadWarning) as record:
        X = make_mfcc(on_error="nan").fit_transform([good_a, bad, good_b])
    np.testing.assert_array_equal(X[0], alone_a[0])
    np.testing.assert_array_equal(X[2], alone_b[0])
    assert np.isnan(X[1]).all()
    (warning,) = [w.message for w in record if isinstance(w.message, AudioLoadWarning)]
    assert [f[0] for f in warning.failures] == [1] and re.search(cause, warning.failures[0][2])
    assert "1 of 3 clip(s)" in str(warning)
    return warning


@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_file_alone_and_in_a_batch(kind, tmp_path, tone, noise):
    bad, cause = bad_file(kind, tmp_path, tone)
    good = [write(tmp_path / "good tone.wav", tone), write(tmp_path / "good noise.wav", noise)]
    warning = check_bad_clip(bad, cause, good[0], good[1], f"bad {kind} ✗")
    assert warning.failures[0][1] == bad           # the warning lists the file's path


@pytest.mark.parametrize("kind", BAD_ARRAYS)
def test_bad_signal_alone_and_in_a_batch(kind, tone, noise):
    bad, cause = bad_array(kind, tone)
    warning = check_bad_clip(bad, cause, tone, noise, "clip")
    assert warning.failures[0][1] is None


def test_a_click_track_is_not_silence():
    """Single-sample clicks spread over the clip (a metronome) are a rhythm, not a click in silence: the rule refuses
    sound that fits in less than one window, not sparse sound."""
    clicks = np.zeros(2 * SR, np.float32)
    clicks[:: SR // 2] = 1.0   # 4 clicks, 120 BPM
    X = make_mfcc().fit_transform([clicks])
    assert X.shape == (1, 16) and np.isfinite(X).all()
    with pytest.raises(AudioLoadError, match=r"silent but for 2 non-zero sample\(s\) within 2001 sample\(s\)"):
        make_mfcc().fit_transform([np.where(np.isin(np.arange(SR), [100, 2100]), 1.0, 0.0).astype(np.float32)])


def test_real_corrupt_clip_alone_and_in_a_batch(corrupt_clip, subset_paths):
    check_bad_clip(corrupt_clip, "Format not recognised", subset_paths[0], subset_paths[1], r"jazz\.00054\.wav")


def test_truncated_copy_of_a_real_clip(tmp_path, subset_paths):
    data = open(subset_paths[0], "rb").read()
    (tmp_path / "cut.wav").write_bytes(data[: len(data) // 2])
    check_bad_clip(str(tmp_path / "cut.wav"), "truncated", subset_paths[1], subset_paths[2], r"cut\.wav")


@pytest.mark.parametrize("est", [GTZANFeatures(), TempoTransformer(), ChromaTransformer(summary="mean"),
                                 SpectralTransformer(duration=1.0), MelSpectrogramTransformer(n_mels=16, duration=1.0)],
                         ids=lambda e: type(e).__name__)
def test_every_transformer_keeps_the_good_rows(est, tmp_path, tone, noise):
    paths = [write(tmp_path / "a.wav", tone), str(tmp_path / "missing.wav"), write(tmp_path / "b.wav", noise)]
    alone = est.fit_transform([paths[0], paths[2]])
    with pytest.warns(AudioLoadWarning, match="missing.wav"):
        X = est.set_params(on_error="nan").fit_transform(paths)
    np.testing.assert_array_equal(X[[0, 2]], alone)
    assert np.isnan(X[1]).all()


def test_several_bad_files_are_all_listed(tmp_path, tone):
    paths = [str(tmp_path / "gone1.wav"), write(tmp_path / "ok.wav", tone), str(tmp_path / "gone2.wav")]
    with pytest.raises(AudioLoadError, match=r"gone1\.wav.*and 1 more clip"):
        make_mfcc().fit_transform(paths)
    with pytest.warns(AudioLoadWarning, match=r"2 of 3.*gone1\.wav.*gone2\.wav") as record:
        make_mfcc(on_error="nan").fit_transform(paths)
    assert [f[0] for f in record[0].message.failures] == [0, 2]


# good but unusual input: converted, and equal to the equivalent clean signal
def test_stereo_and_5_1_files_are_their_mono_mean(tmp_path, tone, noise):
    stereo = np.stack([tone, noise])
    six = np.stack([tone, noise, tone * 0.5, noise * 0.25, tone * 0.1, np.zeros_like(tone)])
    X = make_mfcc().fit_transform([write(tmp_path / "st.wav", stereo), write(tmp_path / "51.wav", six)])
    expected = make_mfcc().fit_transform([stereo.mean(axis=0), six.mean(axis=0)])
    np.testing.assert_allclose(X, expected, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(make_mfcc().fit_transform([stereo]), expected[:1], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("native", [8000, 44100, 48000])
def test_other_sample_rates_are_resampled(native, tmp_path):
    chroma = ChromaTransformer(summary="mean", duration=1.0)
    spectral = SpectralTransformer(features=("spectral_centroid",), summary="mean", duration=1.0)
    path = write(tmp_path / f"tone {native}.wav", sine(native), sr=native)
    reference = write(tmp_path / "tone 22050.wav", sine(SR))
    c, c_ref = chroma.fit_transform([path, reference])
    assert c.argmax() == c_ref.argmax() == 9          # still an A
    s, s_ref = spectral.fit_transform([path, reference])
    assert s[0] == pytest.approx(s_ref[0], rel=0.02)   # same spectral centroid within 2 %
    assert MFCCTransformer(duration=1.0).fit_transform([path]).shape == (1, 44, 20)


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.float64])
def test_integer_and_float64_arrays(dtype, tone):
    if dtype == np.float64:
        y = tone.astype(np.float64)
        np.testing.assert_array_equal(make_mfcc().fit_transform([y]), make_mfcc().fit_transform([tone]))
    else:
        y = np.round(tone.astype(np.float64) * np.iinfo(dtype).max).astype(dtype)
        np.testing.assert_allclose(make_mfcc().fit_transform([y]), make_mfcc().fit_transform([tone]),
                                   rtol=1e-3, atol=1e-2)


def test_unicode_path_with_spaces(tmp_path, tone):
    folder = tmp_path / "Música Ünïcode ♪ folder"
    folder.mkdir()
    path = write(folder / "clip ñ 01 – été.wav", tone)
    np.testing.assert_array_equal(make_mfcc().fit_transform([path]), make_mfcc().fit_transform([tone]))
    with pytest.warns(AudioLoadWarning, match="Música Ünïcode ♪ folder"):
        make_mfcc(on_error="nan").fit_transform([path, str(folder / "absent ☃.wav")])


# -- 3. interruption: a cache never serves a half-written entry --------------------------------------------
SLOW_MODULE = '''
import time
from genreclf.features import MFCCTransformer


class SlowMFCC(MFCCTransformer):
    """MFCCTransformer that takes a while per clip, so a test can kill it mid-extraction."""

    def _extract(self, y):
        time.sleep(0.4)  # 10 clips on 2 workers: 2 s in which a test can find a worker to kill, even on a busy machine
        return super()._extract(y)
'''


def _clips(folder, n, seconds=1.0):
    rng = np.random.default_rng(42)
    return [write(folder / f"clip {i:02d}.wav", rng.normal(scale=0.1, size=int(seconds * SR)).astype(np.float32))
            for i in range(n)]


def _entries(cache):
    return sorted(Path(cache).rglob("*.npz"))


def _child_env(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO)]),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return env


def _run_child(tmp_path, code, **popen):
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(code))
    return subprocess.Popen([sys.executable, str(script)], env=_child_env(tmp_path), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def test_process_killed_mid_write_leaves_no_servable_entry(tmp_path):
    """The worst moment: SIGKILL while the third cache entry is half written (simulated exactly)."""
    paths = _clips(tmp_path, 6)
    cache = tmp_path / "cache"
    child = _run_child(tmp_path, f'''
        import io, os, signal, sys
        from genreclf.features import MFCCTransformer, _cache

        real_savez, count = _cache.np.savez, [0]

        def savez_then_die(f, **arrays):
            count[0] += 1
            if count[0] == 3:
                buf = io.BytesIO()
                real_savez(buf, **arrays)
                f.write(buf.getvalue()[: len(buf.getvalue()) // 2])
                f.flush()
                os.kill(os.getpid(), signal.SIGKILL)
            return real_savez(f, **arrays)

        _cache.np.savez = savez_then_die
        MFCCTransformer(n_mfcc=8, summary="mean_var", memory={str(cache)!r}).fit_transform({paths!r})
        print("finished")
    ''')
    out, err = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, err.decode()
    assert b"finished" not in out
    assert len(_entries(cache)) == 2                       # two complete entries
    assert list(cache.rglob("*.tmp"))                      # the half-written one is a temporary file
    calls = []
    original = MFCCTransformer._extract

    def counting(self, y):
        calls.append(1)
        return original(self, y)

    try:
        MFCCTransformer._extract = counting
        X = make_mfcc(memory=str(cache)).fit_transform(paths)
    finally:
        MFCCTransformer._extract = original
    assert len(calls) == 4                                 # the 2 complete entries served, 4 recomputed
    np.testing.assert_array_equal(X, make_mfcc().fit_transform(paths))
    assert len(_entries(cache)) == 6


def _rerun_matches_a_fresh_run(tmp_path, cache, paths):
    """Rerun the interrupted extraction on the same cache: its rows equal those of an uncached run."""
    sys.path.insert(0, str(tmp_path))
    try:
        from slowmod import SlowMFCC
        resumed = SlowMFCC(n_mfcc=8, summary="mean_var", memory=str(cache)).fit_transform(paths)
    finally:
        sys.path.remove(str(tmp_path))
    np.testing.assert_array_equal(resumed, make_mfcc().fit_transform(paths))


def test_run_killed_by_a_signal_then_rerun(tmp_path):
    """SIGKILL (as the OOM killer or a cluster's scheduler sends) in the middle of a run; the worker-kill test
    below covers parallel runs."""
    (tmp_path / "slowmod.py").write_text(SLOW_MODULE)
    paths = _clips(tmp_path, 10)
    cache = tmp_path / "cache"
    child = _run_child(tmp_path, f'''
        from slowmod import SlowMFCC
        SlowMFCC(n_mfcc=8, summary="mean_var", memory={str(cache)!r}).fit_transform({paths!r})
        print("finished")
    ''', start_new_session=True)
    deadline = time.monotonic() + 90
    while len(_entries(cache)) < 3 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(child.pid, signal.SIGKILL)
    out, _ = child.communicate(timeout=60)
    assert b"finished" not in out, "the run ended before it could be interrupted"
    n_done = len(_entries(cache))
    assert 3 <= n_done < len(paths)
    _rerun_matches_a_fresh_run(tmp_path, cache, paths)
    assert len(_entries(cache)) == len(paths)


def _children(pid):
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to find the worker pids")
def test_worker_killed_mid_extraction(tmp_path):
    """SIGKILL to one loky worker (as the system's out-of-memory killer does): the clips it held run again, each in
    a worker of its own, so the run finishes with every row, equal to a fresh run's; a rerun is exact too."""
    (tmp_path / "slowmod.py").write_text(SLOW_MODULE)
    paths = _clips(tmp_path, 10)
    cache = tmp_path / "cache"
    child = _run_child(tmp_path, f'''
        import numpy as np
        from slowmod import SlowMFCC
        X = SlowMFCC(n_mfcc=8, summary="mean_var", n_jobs=2, memory={str(cache)!r}).fit_transform({paths!r})
        np.save("rows.npy", X)
        print("finished")
    ''', start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while len(_entries(cache)) < 2 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        workers = [p for p in _children(child.pid)
                   if b"loky" in Path(f"/proc/{p}/cmdline").read_bytes() and
                   b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert workers, "no loky worker found"
        os.kill(workers[0], signal.SIGKILL)
        out, err = child.communicate(timeout=90)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    assert child.returncode == 0 and b"finished" in out, err.decode()
    np.testing.assert_array_equal(np.load(tmp_path / "rows.npy"), make_mfcc().fit_transform(paths))
    _rerun_matches_a_fresh_run(tmp_path, cache, paths)


def test_damaged_cache_entries_are_recomputed_not_served(tmp_path, monkeypatch):
    paths = _clips(tmp_path, 3)
    cache = str(tmp_path / "cache")
    fresh = make_mfcc().fit_transform(paths)
    make_mfcc(memory=cache).fit_transform(paths)
    entries = _entries(cache)
    assert len(entries) == 3
    # one entry truncated, one with a flipped byte in its middle (both as a crash or a bad disk leaves them)
    data = entries[0].read_bytes()
    entries[0].write_bytes(data[: len(data) // 2])
    data = bytearray(entries[1].read_bytes())
    data[len(data) // 2] ^= 0xFF
    entries[1].write_bytes(bytes(data))
    calls = []
    original = MFCCTransformer._extract
    monkeypatch.setattr(MFCCTransformer, "_extract", lambda self, y: calls.append(1) or original(self, y))
    with pytest.warns(CacheWarning) as record:
        X = make_mfcc(memory=cache).fit_transform(paths)
    np.testing.assert_array_equal(X, fresh)
    assert len(calls) == 2                # the two damaged entries recomputed, the intact one served
    named = [str(w.message) for w in record if issubclass(w.category, CacheWarning)]
    assert len(named) == 2 and all("clip 0" in message for message in named)  # one warning each, naming it
    # the entries were rewritten: the next run is served from the cache, silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(make_mfcc(memory=cache).fit_transform(paths), fresh)
    assert len(calls) == 2


def test_digest_catches_an_entry_that_loads_but_differs(tmp_path, tone):
    """Bit rot inside the stored array: the file loads, the values are wrong; the digest refuses them."""
    cache = str(tmp_path / "cache")
    fresh = make_mfcc().fit_transform([tone])
    make_mfcc(memory=cache).fit_transform([tone])
    (entry,) = _entries(cache)
    with np.load(entry) as stored:
        stored = dict(stored)
    stored["features"] = stored["features"] + 1.0        # plausible-looking wrong numbers
    with open(entry, "wb") as fh:
        np.savez(fh, **stored)
    with pytest.warns(RuntimeWarning, match="damaged.*recomputing"):
        X = make_mfcc(memory=cache).fit_transform([tone])
    np.testing.assert_array_equal(X, fresh)
    with np.load(entry) as stored:
        np.testing.assert_array_equal(stored["features"], fresh[0])


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_swapped_entries_are_recomputed_with_one_warning_in_the_callers_process(tmp_path, n_jobs, capfd):
    """Each entry is bound to its clip: two entries whose files are swapped are both refused, whatever process
    reads them, and the caller gets one warning per entry and nothing on stderr."""
    paths = _clips(tmp_path, 2)
    cache = str(tmp_path / "cache")
    fresh = make_mfcc().fit_transform(paths)
    make_mfcc(memory=cache).fit_transform(paths)
    a, b = _entries(cache)
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    capfd.readouterr()
    with pytest.warns(CacheWarning, match="belong to another clip or setting") as record:
        X = make_mfcc(memory=cache, n_jobs=n_jobs).fit_transform(paths)
    np.testing.assert_array_equal(X, fresh)                 # never the other clip's rows
    assert len([w for w in record if issubclass(w.category, CacheWarning)]) == 2
    assert capfd.readouterr().err == ""                     # no traceback, no log line


def test_a_cache_folder_that_is_a_file_or_read_only_is_said_before_any_work(tmp_path, tone):
    not_a_folder = tmp_path / "cache.txt"
    not_a_folder.write_text("notes")
    with pytest.raises(ValueError, match=r"memory='.*cache\.txt' is a file, not a folder"):
        make_mfcc(memory=str(not_a_folder)).fit_transform([tone])
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    try:
        if os.access(read_only, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.warns(CacheWarning, match="cannot be written") as record:
            X = make_mfcc(memory=str(read_only)).fit_transform([tone, tone])
        assert len(record) == 1
        np.testing.assert_array_equal(X[0], make_mfcc().fit_transform([tone])[0])
    finally:
        read_only.chmod(0o755)


def test_a_cache_that_cannot_be_written_carries_on_with_one_warning(tmp_path, tone, failing_cache_io):
    """The same as a read-only folder, for a user (root) whom permissions do not stop: a failing write."""
    failing_cache_io("mkstemp", 28, "No space left on device")
    with pytest.warns(CacheWarning, match="No space left on device") as record:
        X = make_mfcc(memory=str(tmp_path / "cache")).fit_transform([tone, 0.5 * tone])
    assert len(record) == 1
    np.testing.assert_array_equal(X, make_mfcc().fit_transform([tone, 0.5 * tone]))


def test_cache_key_includes_the_genreclf_version(tmp_path, tone, monkeypatch):
    cache = str(tmp_path / "cache")
    make_mfcc(memory=cache).fit_transform([tone])
    monkeypatch.setattr(genreclf, "__version__", "999.0")
    make_mfcc(memory=cache).fit_transform([tone])
    assert len(_entries(cache)) == 2


# -- 4. persistence ----------------------------------------------------------------------------------------
ALL_TRANSFORMERS = [MFCCTransformer(n_mfcc=5), MFCCTransformer(n_mfcc=5, summary="mean_var"),
                    MelSpectrogramTransformer(n_mels=16), ChromaTransformer(summary="mean_std"),
                    SpectralTransformer(), TempoTransformer(), GTZANFeatures()]


def _round_trips(est):
    buf = io.BytesIO()
    joblib.dump(est, buf)
    buf.seek(0)
    return [pickle.loads(pickle.dumps(est)), joblib.load(buf)]


@pytest.mark.parametrize("est", ALL_TRANSFORMERS, ids=lambda e: repr(e))
def test_transformers_round_trip(est, tone, noise):
    X = [tone, noise]
    expected = est.fit_transform(X)
    for loaded in _round_trips(est):
        assert loaded.get_params() == est.get_params()
        np.testing.assert_array_equal(loaded.transform(X), expected)


def test_fitted_frame_estimators_round_trip():
    X = np.random.default_rng(1).normal(size=(4, 30, 3))
    for est in (FrameStatistics("mean_std").fit(X), SequenceScaler().fit(X)):
        for loaded in _round_trips(est):
            np.testing.assert_array_equal(loaded.transform(X), est.transform(X))
            assert loaded.n_features_in_ == 3


def _labelled(tone, noise):
    rng = np.random.default_rng(3)
    X = [tone * a + rng.normal(scale=0.01, size=SR).astype(np.float32) for a in (1, 0.8, 0.6)]
    X += [noise * a for a in (1, 0.7, 0.5)]
    return X, np.array(["tone"] * 3 + ["noise"] * 3)


def test_fitted_pipelines_round_trip_with_identical_predict_proba(tone, noise):
    X, y = _labelled(tone, noise)
    pipes = [make_pipeline(MFCCTransformer(n_mfcc=8, summary="mean_var"), StandardScaler(), LogisticRegression()),
             make_pipeline(MFCCTransformer(n_mfcc=8), SequenceScaler(), FrameStatistics(), LogisticRegression())]
    for pipe in pipes:
        pipe.fit(X, y)
        proba = pipe.predict_proba(X)
        for loaded in _round_trips(pipe):
            np.testing.assert_array_equal(loaded.predict_proba(X), proba)
            np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))


def test_version_stamp_warns_on_another_version(monkeypatch, tone):
    monkeypatch.setattr(genreclf, "__version__", "0.0.1")
    saved = pickle.dumps(MFCCTransformer(n_mfcc=4))
    fitted = pickle.dumps(SequenceScaler().fit(np.ones((2, 3, 4))))
    monkeypatch.setattr(genreclf, "__version__", "0.2.0")
    for blob, name in ((saved, "MFCCTransformer"), (fitted, "SequenceScaler")):
        with pytest.warns(GenreclfVersionWarning, match=rf"{name} saved with genreclf 0\.0\.1 .*genreclf 0\.2\.0"
                                                          r".*re-fit it with this version, or load it with "
                                                          r"genreclf==0\.0\.1"):
            pickle.loads(blob)
    state = MFCCTransformer().__getstate__()
    assert state["_genreclf_version"] == "0.2.0"
    state.pop("_genreclf_version")
    with pytest.warns(GenreclfVersionWarning, match="unknown version"):
        MFCCTransformer().__setstate__(state)


def test_same_version_loads_silently_and_the_stamp_does_not_leak(tone):
    est = MFCCTransformer(n_mfcc=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = pickle.loads(pickle.dumps(est))
    assert "_genreclf_version" not in vars(loaded) and "_genreclf_version" not in vars(est)


# -- 5. reproducibility ------------------------------------------------------------------------------------
@pytest.mark.parametrize("est", ALL_TRANSFORMERS, ids=lambda e: repr(e))
def test_deterministic_across_runs_and_n_jobs(est, tone, noise, blas_threads):
    X = [tone, noise, 0.5 * (tone + noise)]
    first = est.set_params(n_jobs=None).fit_transform(X)
    np.testing.assert_array_equal(est.fit_transform(X), first)
    np.testing.assert_array_equal(est.set_params(n_jobs=2).fit_transform(X), first)


@pytest.mark.parametrize("n_jobs, parent_probes", [(1, 0), (2, 1)])
def test_numba_kernels_compile_in_the_parent_before_workers_start(n_jobs, parent_probes, tone, noise, monkeypatch):
    """Workers compiling librosa's cached numba kernels at the same moment can corrupt numba's cache, after which
    every process crashes (numba/numba#10128): with parallel workers the parent runs one probe clip first, once."""
    from genreclf.features import base

    pids = []  # calls in this process only: loky workers import genreclf afresh, unpatched
    original = GTZANFeatures._transform_signal
    monkeypatch.setattr(GTZANFeatures, "_transform_signal",
                        lambda self, y: pids.append(os.getpid()) or original(self, y))
    monkeypatch.setattr(base, "_COMPILED", set())
    X = [tone, noise]
    GTZANFeatures(n_jobs=n_jobs).fit_transform(X)
    assert pids.count(os.getpid()) == (len(X) if n_jobs == 1 else parent_probes)
    GTZANFeatures(n_jobs=n_jobs).fit_transform(X)  # once per process
    assert pids.count(os.getpid()) == (2 * len(X) if n_jobs == 1 else parent_probes)


# -- 6. fuzzing --------------------------------------------------------------------------------------------
FUZZED = [MFCCTransformer(n_mfcc=6, n_mels=32, n_fft=512, hop_length=256),
          MFCCTransformer(n_mfcc=6, n_mels=32, n_fft=512, hop_length=256, summary="mean_var"),
          MelSpectrogramTransformer(n_mels=16, n_fft=512, hop_length=256),
          ChromaTransformer(n_fft=512, hop_length=256, summary="mean_var"),
          SpectralTransformer(n_fft=512, hop_length=256),
          TempoTransformer(n_fft=512, hop_length=256),
          GTZANFeatures()]


def expected_shape(est, n):
    if isinstance(est, GTZANFeatures):
        return (1, 57)
    if isinstance(est, TempoTransformer):
        return (1, 1)
    n_coefs = len(est._coef_names())
    if est.summary is not None:
        return (1, n_coefs * len(est.summary.split("_")))
    return (1, 1 + n // est.hop_length, n_coefs)


signals = st.tuples(
    st.integers(min_value=0, max_value=9000),                                # length
    st.sampled_from(["float32", "float64", "int16", "int32"]),               # dtype
    st.sampled_from([0.0, 1e-30, 1e-6, 0.5, 1.0, 1e3, 1e15, 1e30]),          # amplitude (floats)
    st.sampled_from([8000, 16000, 22050, 44100]),                            # sample rate
    st.sampled_from(["noise", "sine", "clicks", "nan", "inf"]),              # content
    st.integers(min_value=0, max_value=2 ** 16),                             # seed
)


def make_signal(length, dtype, amplitude, content, seed, sr):
    rng = np.random.default_rng(seed)
    if content == "sine":
        y = np.sin(2 * np.pi * rng.uniform(50, sr / 2.5) * np.arange(length) / sr)
    elif content == "clicks":
        y = np.zeros(length)
        y[:: max(1, sr // 4)] = 1.0
    else:
        y = rng.uniform(-1, 1, size=length)
    if dtype.startswith("int"):
        return np.round(y * np.iinfo(dtype).max * 0.9).astype(dtype)
    y = (y * amplitude).astype(dtype)
    if content in ("nan", "inf") and length:
        y[rng.integers(length)] = np.nan if content == "nan" else np.inf
    return y


@pytest.mark.parametrize("est", FUZZED, ids=lambda e: repr(e))
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(case=signals)
@example(case=(2048, "float32", 1e30, 8000, "noise", 0))       # overflow: librosa refuses non-finite spectra
@example(case=(512, "float32", 1e30, 8000, "noise", 0))        # overflow: inf RMS
@example(case=(0, "float32", 1.0, 22050, "noise", 0))          # empty
@example(case=(100, "int16", 1.0, 22050, "sine", 0))           # shorter than one window
@example(case=(4000, "float64", 0.0, 22050, "noise", 0))       # silent
@example(case=(4000, "float32", 0.5, 44100, "nan", 1))         # NaN sample
def test_fuzz_finite_output_or_clean_error(est, case):
    length, dtype, amplitude, sr, content, seed = case
    y = make_signal(length, dtype, amplitude, content, seed, sr)
    est = est.set_params(sr=sr)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            X = est.fit_transform([y])
    except AudioLoadError as err:      # a clean, explained refusal (the parameters are valid: nothing else may raise)
        assert "clip 1 of 1" in str(err)
        return
    assert X.shape == expected_shape(est, length), (X.shape, length)
    assert np.isfinite(X).all(), f"non-finite features for {case}"
    # and with on_error="nan" the same input never raises
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert est.set_params(on_error="nan").fit_transform([y]).shape == X.shape
    est.set_params(on_error="raise")


# -- 7. round two: truncated files of every format, too few classes, tables, the smaller promises ----------------
NOT_CHECKED = {  # formats whose header declares no length: a file cut at a frame boundary cannot be told apart
    "IRCAM": "no length in the header", "PVF": "a text header without a length", "PAF": "no length in the header",
    "SD2": "no length in the data fork (the resource fork holds rate, channels and sample size only)"}
UNREADABLE = {  # formats that fail before the cut: the whole file does not load
    "XI": "libsndfile reports its DPCM files as not seekable, so reading them to the end without a frame count "
          "fails (and it writes their sample length as 0, so a cut could not be told apart either)"}


def _writable_formats():
    import soundfile as sf

    out = []
    for fmt in sorted(sf.available_formats()):
        try:
            subtype = sf.default_subtype(fmt)
        except (TypeError, ValueError):
            subtype = None
        if subtype is None:
            continue
        marks = []
        if fmt in NOT_CHECKED:  # pytest.raises(AudioLoadError) fails: the cut file loads
            marks = [pytest.mark.xfail(strict=True, raises=pytest.fail.Exception, reason=NOT_CHECKED[fmt])]
        elif fmt in UNREADABLE:
            marks = [pytest.mark.xfail(strict=True, raises=AudioLoadError, reason=UNREADABLE[fmt])]
        out.append(pytest.param(fmt, subtype, marks=marks, id=fmt))
    return out


def _cut(path):
    with open(path, "r+b") as fh:
        fh.truncate(os.path.getsize(path) // 2)
    return str(path)


@pytest.mark.parametrize("fmt, subtype", _writable_formats())
def test_a_file_cut_in_half_is_an_error_in_every_format(fmt, subtype, tmp_path):
    import soundfile as sf

    from genreclf.audio import iter_windows, load_audio, unreadable_reason

    path = tmp_path / f"clip.{fmt.lower()}"
    sf.write(path, sine(8000)[: 8000 * 3] if fmt != "MP3" else sine(22050)[: 22050 * 3], 8000 if fmt != "MP3" else
             22050, format=fmt, subtype=subtype)
    assert load_audio(str(path), sr=None)[0].size > 0 and unreadable_reason(path) is None  # whole: fine
    _cut(path)
    with pytest.raises(AudioLoadError, match=r"clip\." + fmt.lower()):
        load_audio(str(path), sr=None)
    assert unreadable_reason(path) is not None       # load_audio_folder lists it as unreadable
    with pytest.raises(AudioLoadError):
        list(iter_windows(path, 0.5, sr=8000))


def test_cut_files_become_nan_rows_and_unreadable_entries(tmp_path, tone):
    import soundfile as sf

    from genreclf.datasets import load_audio_folder

    (tmp_path / "rock").mkdir()
    good = write(tmp_path / "rock" / "good.wav", tone)
    for fmt in ("AU", "AIFF", "RF64", "W64", "OGG", "MP3", "FLAC"):
        path = tmp_path / "rock" / f"cut.{fmt.lower()}"
        sf.write(path, np.tile(tone, 10), SR, format=fmt)
        _cut(path)
    with pytest.warns(AudioLoadWarning, match="7 of 8 audio file"):
        listed = load_audio_folder(tmp_path)
    assert list(listed.filenames) == [good]
    assert all("truncated" in reason or "Error" in reason for _, reason in listed.unreadable), listed.unreadable
    with pytest.warns(AudioLoadWarning, match="1 of 2 clip.*cut.au.*truncated"):
        X = make_mfcc(on_error="nan").fit_transform([good, str(tmp_path / "rock" / "cut.au")])
    assert np.isfinite(X[0]).all() and np.isnan(X[1]).all()


def test_a_dangling_link_is_listed_as_unreadable(tmp_path, tone):
    from genreclf.datasets import load_audio_folder

    (tmp_path / "classical").mkdir()
    write(tmp_path / "classical" / "here.wav", tone)
    (tmp_path / "classical" / "annexed.wav").symlink_to(tmp_path / ".git" / "annex" / "objects" / "missing")
    with pytest.warns(AudioLoadWarning, match="1 of 2"):
        listed = load_audio_folder(tmp_path)
    (path, reason), = listed.unreadable
    assert path.endswith("annexed.wav") and "a link to a missing file" in reason


def test_a_loop_of_links_is_named_as_a_loop(tmp_path, tone):
    from genreclf.audio import unreadable_reason

    (tmp_path / "a.wav").symlink_to(tmp_path / "b.wav")
    (tmp_path / "b.wav").symlink_to(tmp_path / "a.wav")
    assert unreadable_reason(tmp_path / "a.wav").startswith("a loop of links")
    with pytest.raises(AudioLoadError, match="a loop of links"):
        make_mfcc().fit_transform([str(tmp_path / "a.wav")])


def test_librosas_warnings_name_the_clip_they_are_about(tone):
    """A DC-only clip makes librosa's tuning estimate warn "empty frequency set"; the warning now says which clip."""
    dc = np.full(SR, 0.5, dtype=np.float32)
    with pytest.warns(UserWarning, match=r"clip 2 of 2: Trying to estimate tuning from empty frequency set"):
        ChromaTransformer(summary="mean").fit_transform([tone, dc])


def test_a_channels_last_array_says_so(tone):
    stereo = np.stack([tone, tone], axis=1)  # (22050, 2), as soundfile.read gives it
    with pytest.raises(AudioLoadError, match=r"shape \(22050, 2\) looks like channels last.*pass y.T"):
        make_mfcc().fit_transform([stereo])
    np.testing.assert_array_equal(make_mfcc().fit_transform([stereo.T]), make_mfcc().fit_transform([tone]))


@pytest.mark.parametrize("counts", [(1, 6), (2, 6), (3, 6), (4, 4), (5, 2), (1, 5, 5), (2, 5, 5), (1, 5, 5, 5),
                                    (1, 4, 4, 4)])
def test_the_calibration_rule_refuses_what_scikit_learn_cannot_fit_and_no_more(counts):
    """The pre-check of the calibrated svc, against scikit-learn fitting it: 5 rows in the largest class
    (StratifiedKFold's own limit) and, with 3 classes or fewer, 2 of each (a training fold of the calibration left
    with 2 classes cannot be calibrated); with more classes a class of one row only warns."""
    from genreclf._labels import check_training
    from genreclf.baselines import make_baselines

    rng = np.random.default_rng(0)
    y = np.repeat(["blues", "metal", "jazz", "rock"][:len(counts)], counts)
    X = rng.normal(size=(len(y), 4)) + (y[:, None] == np.array(["metal", "jazz", "rock", "blues"]))
    svc = make_baselines(["svc"])["svc"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)   # "The least populated class in y has only 3 members"
            svc.fit(X, y)
        fits = True
    except ValueError:
        fits = False
    try:
        check_training(svc, y, where="train")
        allowed = True
    except ValueError:
        allowed = False
    possible = max(counts) >= 5 and (min(counts) >= 2 or len(counts) > 3)
    assert (fits, allowed) == (possible, possible)


@pytest.mark.parametrize("model, folders, match", [
    ("naive_bayes", {"blues": 3}, r"only one class, 'blues' \(3 clips\)"),
    ("knn", {"blues": 2, "metal": 2}, r"4 clips in all, fewer than the 10 neighbours of the KNN"),
    ("svc", {"blues": 1, "metal": 6}, r"class 'blues' has only 1 clips, fewer than the 2 that the 5 internal folds "
                                      r"of the calibrated classifier need"),
    ("svc", {"blues": 3, "metal": 4}, r"the largest class has only 4 clips, fewer than the 5 internal folds of the "
                                      r"calibrated classifier"),
])
def test_train_refuses_too_few_classes_or_clips_at_train_time(model, folders, match, tmp_path, capsys):
    from genreclf.cli import main

    rng = np.random.default_rng(0)
    for genre, n in folders.items():
        (tmp_path / "audio" / genre).mkdir(parents=True)
        for i in range(n):
            write(tmp_path / "audio" / genre / f"{genre}.{i:05d}.wav", rng.normal(scale=0.1, size=SR))
    status = main(["train", "--data", str(tmp_path / "audio"), "--model", model, "--out", str(tmp_path / "m.joblib"),
                   "--quiet"])
    err = capsys.readouterr().err
    assert status == 1 and re.search(match, err), err
    assert not (tmp_path / "m.joblib").exists()


def test_tables_name_duplicates_strip_labels_and_name_infinities(tmp_path):
    import pandas as pd

    from genreclf.datasets import load_feature_table, load_gtzan_features

    table = pd.read_csv(Path(genreclf.__file__).parent / "data" / "features_30_sec.csv.gz").head(40)
    duplicated = pd.concat([table, table.iloc[[7]]])
    duplicated.to_csv(tmp_path / "dup.csv", index=False)
    for load in (load_feature_table, lambda p: load_gtzan_features(path=p)):
        with pytest.raises(ValueError, match=r"the track 'blues.00007' appears more than once.*line 9.*line 42"):
            load(tmp_path / "dup.csv")           # never re-classed as a table of 3-second segments
    spaced = table.assign(label=" " + table["label"] + " ")
    spaced.to_csv(tmp_path / "spaced.csv", index=False)
    assert set(load_gtzan_features(path=tmp_path / "spaced.csv").target) == {"blues"}
    assert set(load_feature_table(tmp_path / "spaced.csv").target) == {"blues"}
    table.loc[5, "tempo"] = np.inf
    table.to_csv(tmp_path / "inf.csv", index=False)
    with pytest.raises(ValueError, match=r"1 infinite feature value.*column 'tempo' of 'blues.00005.wav' \(line 7"):
        load_feature_table(tmp_path / "inf.csv")
    mine = pd.DataFrame({"filename": ["a.00001.wav", "a.00001.wav"], "x": [1.0, 2.0], "label": ["a", "b"]})
    mine.to_csv(tmp_path / "mine.csv", index=False)
    with pytest.raises(ValueError, match="the track 'a.00001' appears more than once"):
        load_feature_table(tmp_path / "mine.csv")


def test_the_artist_filtered_split_counts_the_rows_it_leaves_out():
    from genreclf.datasets import ArtistFilteredSplit, load_gtzan_features

    gtzan = load_gtzan_features()
    with pytest.warns(UserWarning, match=r"70 of 1000 rows belong to neither side of the 'filtered' split"):
        train, test = next(ArtistFilteredSplit().split(gtzan.data, groups=gtzan.groups))
    assert len(train) + len(test) == 930


def _every_estimator():
    """One instance of every public estimator of genreclf and of the baselines' own classes."""
    from genreclf.baselines import RBFSVC, EncodedLabelClassifier, GTZANTableTransformer
    from genreclf.features import GTZANFeatures
    from genreclf.features.musicnn import MusicnnEmbedding, MusicnnTagger
    from genreclf.models import (
        CNNClassifier,
        KerasWrapperClassifier,
        LSTMClassifier,
        MLPClassifier,
        RejectOptionClassifier,
        SegmentClassifier,
        WindowedClassifier,
    )

    lr = LogisticRegression()
    return [MFCCTransformer(), MelSpectrogramTransformer(), ChromaTransformer(), SpectralTransformer(),
            TempoTransformer(), GTZANFeatures(), MusicnnEmbedding(), MusicnnTagger(), FrameStatistics(),
            SequenceScaler(),
            CNNClassifier(), LSTMClassifier(), MLPClassifier(), SegmentClassifier(lr, n_segments=2),
            WindowedClassifier(lr), RejectOptionClassifier(lr), KerasWrapperClassifier(lr),
            GTZANTableTransformer(), EncodedLabelClassifier(lr), RBFSVC()]


@pytest.mark.parametrize("estimator", _every_estimator(), ids=lambda e: type(e).__name__)
def test_every_public_estimator_names_a_bad_parameter_at_fit(estimator):
    """scikit-learn's own check: every parameter has a constraint, and a value of the wrong type or out of range is
    an error at fit that names the parameter, what is allowed and the value (n_mfcc=-3, sr='22050', n_jobs='all'...)."""
    from sklearn.utils.estimator_checks import check_param_validation

    check_param_validation(type(estimator).__name__, estimator)


@pytest.mark.parametrize("params, match", [
    (dict(n_mfcc=-3), r"The 'n_mfcc' parameter of MFCCTransformer must be an int in the range \[1, inf\). Got -3"),
    (dict(n_mfcc=0), r"The 'n_mfcc' parameter of MFCCTransformer must be an int in the range \[1, inf\). Got 0"),
    (dict(n_mfcc="13"), r"The 'n_mfcc' parameter .* Got '13' instead"),
    (dict(n_mfcc=1e9), r"The 'n_mfcc' parameter .* Got 1000000000.0 instead"),
    (dict(n_mfcc=10**9), r"n_mfcc=1000000000 is more than n_mels=128: .* lower n_mfcc or raise n_mels"),
    (dict(sr="22050"), r"The 'sr' parameter of MFCCTransformer must be a float in the range \(0.0, inf\)\. "
                       r"Got '22050' instead"),
    (dict(n_jobs="all"), r"The 'n_jobs' parameter of MFCCTransformer must be an instance of 'int' or None\. "
                         r"Got 'all' instead"),
    (dict(n_fft=0), r"The 'n_fft' parameter of MFCCTransformer must be an int in the range \[1, inf\)"),
])
def test_the_parameters_the_issue_names_are_refused_by_name(tone, params, match):
    """Each of these ran before (-3 gave 125 coefficients, 0 an empty table, 10**9 silently 128)."""
    for call in ("fit", "fit_transform"):
        with pytest.raises(ValueError, match=match):
            getattr(MFCCTransformer(**params), call)([tone])


def test_an_fft_too_short_for_the_mel_bands_is_said_once_naming_the_parameters(tone):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MFCCTransformer(n_fft=3, hop_length=512).fit_transform([tone, tone * 0.5])
    said = [str(w.message) for w in caught]
    assert len(said) == 1, said
    assert said[0].startswith("MFCCTransformer: with n_fft=3 at sr=22050, ") and "of the n_mels=128 mel bands are " \
        "empty" in said[0] and said[0].endswith("use a larger n_fft or fewer n_mels")


@pytest.mark.parametrize("threshold", [True, "0.3", 1.5, -0.1, None])
def test_reject_threshold_is_checked_at_predict_time_too(threshold):
    from genreclf.models import RejectOptionClassifier

    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), ["a", "a", "b", "b"]
    clf = RejectOptionClassifier(LogisticRegression(), threshold=0.5).fit(X, y)
    clf.set_params(threshold=threshold)        # after fitting, where fit's check cannot see it
    message = (r"The 'threshold' parameter of RejectOptionClassifier must be a float in the range \[0.0, 1.0\]. "
               rf"Got {re.escape(repr(threshold))} instead.")
    with pytest.raises(ValueError, match=message):
        clf.predict(X)
    with pytest.raises(ValueError, match=message):
        RejectOptionClassifier(LogisticRegression(), threshold=threshold).fit(X, y)


def test_a_generator_of_paths_is_refused_by_transformers_and_read_by_predict_files(tmp_path, tone):
    path = write(tmp_path / "a.wav", tone)
    with pytest.raises(TypeError, match=r"generator, which can be read only once.*list\(paths\)"):
        make_mfcc().fit_transform(p for p in [path])
    from genreclf.models import WindowedClassifier
    from genreclf.prediction import predict_files

    model = WindowedClassifier(make_pipeline(make_mfcc(), LogisticRegression()), window=0.5).fit(
        [tone, 0.5 * tone[::-1]], ["x", "y"])
    assert predict_files((p for p in [path]), model)["windows"].tolist() == [2]


def test_benchmark_never_suggests_a_cv_it_refuses():
    from genreclf import benchmark

    X = np.random.default_rng(0).normal(size=(21, 3))
    y = np.array(["a"] * 10 + ["b"] * 10 + ["c"])
    with pytest.raises(ValueError, match=r"class 'c' has only 1 rows") as err:
        benchmark({"lr": LogisticRegression()}, X, y, cv=3)
    assert "cv<=" not in str(err.value) and "drop the class (keep = y != 'c'" in str(err.value)


def test_every_command_checks_its_out_folder_before_working(tmp_path, capsys):
    from genreclf.cli import main

    for argv in (["benchmark"], ["train"], ["extract", str(tmp_path)], ["predict", "x.wav"]):
        start = time.perf_counter()
        status = main([*argv, "--out", str(tmp_path / "no such folder" / "out.csv")])
        err = capsys.readouterr().err
        assert status == 2 and "does not exist" in err, (argv, err)
        assert time.perf_counter() - start < 5, argv  # refused up front, before extracting or fitting anything
