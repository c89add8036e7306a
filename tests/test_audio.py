"""genreclf.audio: decoding, resampling, mono mix, fixed length and errors that name the file."""
import pickle
import re

import numpy as np
import pytest
from audio_files import png_bytes, tone_at, write

from genreclf.audio import (
    AudioLoadError,
    AudioLoadWarning,
    check_signal,
    clip_length,
    describe,
    load_audio,
    unreadable_reason,
)

SR = 22050


def test_file_round_trip_is_exact(tmp_path, tone):
    path = write(tmp_path / "tone.wav", tone)
    y, sr = load_audio(path)
    assert sr == SR and y.dtype == np.float32
    np.testing.assert_array_equal(y, tone)


def test_pathlib_and_native_rate(tmp_path, tone):
    path = tmp_path / "tone.wav"
    write(path, tone_at(8000), sr=8000)
    y, sr = load_audio(path, sr=None)
    assert sr == 8000 and y.shape == (8000,)


@pytest.mark.parametrize("native", [8000, 44100, 48000])
def test_other_sample_rates_are_resampled(tmp_path, native):
    path = write(tmp_path / f"tone_{native}.wav", tone_at(native), sr=native)
    y, sr = load_audio(path)
    assert sr == SR
    assert abs(len(y) - SR) <= 1
    # still a 440 Hz tone of the same amplitude
    spectrum = np.abs(np.fft.rfft(y[2000:-2000]))
    freq = np.fft.rfftfreq(len(y) - 4000, 1 / SR)[spectrum.argmax()]
    assert abs(freq - 440) < 3
    assert np.max(np.abs(y[2000:-2000])) == pytest.approx(0.5, rel=0.02)


def test_stereo_and_5_1_are_mixed_to_the_channel_mean(tmp_path, tone, noise):
    stereo = np.stack([tone, noise])
    y, _ = load_audio(write(tmp_path / "stereo.wav", stereo))
    np.testing.assert_allclose(y, stereo.mean(axis=0), rtol=0, atol=1e-7)
    six = np.stack([tone * (k + 1) / 6 for k in range(6)])
    y, _ = load_audio(write(tmp_path / "surround.wav", six))
    np.testing.assert_allclose(y, six.mean(axis=0), rtol=0, atol=1e-7)
    y2, _ = load_audio(write(tmp_path / "stereo2.wav", stereo), mono=False)
    assert y2.shape == (2, SR)


def test_integer_arrays_are_scaled_pcm(tone):
    for dtype in (np.int16, np.int32):
        full = np.iinfo(dtype).max
        y, _ = load_audio(np.round(tone.astype(np.float64) * full).astype(dtype))
        np.testing.assert_allclose(y, tone, atol=2.0 / full + 1e-7)
    y, _ = load_audio(np.full(10, 192, dtype=np.uint8))   # unsigned 8-bit PCM is centred on 128
    np.testing.assert_allclose(y, 0.5)
    y, _ = load_audio(tone.astype(np.float64))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, tone)


def test_array_resampling_with_orig_sr():
    y, sr = load_audio(tone_at(44100), orig_sr=44100)
    assert sr == SR and abs(len(y) - SR) <= 1


def test_offset_and_duration(tmp_path, tone):
    path = write(tmp_path / "tone.wav", tone)
    y, _ = load_audio(path, offset=0.25, duration=0.5)
    np.testing.assert_array_equal(y, tone[5512:5512 + 11025])
    y, _ = load_audio(tone, offset=0.25, duration=0.5)
    np.testing.assert_array_equal(y, tone[5512:5512 + 11025])
    with pytest.raises(AudioLoadError, match=r"tone\.wav.*offset=2.*past the end"):
        load_audio(path, offset=2.0)


def test_unicode_path_with_spaces(tmp_path, tone):
    folder = tmp_path / "Música de prueba ♪"
    folder.mkdir()
    path = write(folder / "clip ñ 01 – ünïcode.wav", tone)
    y, _ = load_audio(path)
    np.testing.assert_array_equal(y, tone)


def test_real_clip(subset_paths):
    y, sr = load_audio(subset_paths[0])
    assert sr == SR and 29.9 * SR < len(y) < 30.7 * SR and np.isfinite(y).all()
    y, _ = load_audio(subset_paths[0], offset=10, duration=2)
    assert len(y) == 2 * SR


# -- bad input: every error names the file and the cause ---------------------------------------------------
def test_missing_file(tmp_path):
    with pytest.raises(AudioLoadError, match=r"nope\.wav.*file not found"):
        load_audio(tmp_path / "nope.wav")


def test_directory(tmp_path):
    with pytest.raises(AudioLoadError, match=r"is a directory"):
        load_audio(tmp_path)


def test_zero_byte_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioLoadError, match=r"empty\.wav.*0 bytes"):
        load_audio(tmp_path / "empty.wav")


def test_text_and_png_renamed_wav(tmp_path):
    (tmp_path / "notes.wav").write_text("these are not samples\n" * 50)
    (tmp_path / "image.wav").write_bytes(png_bytes())
    for name in ("notes.wav", "image.wav"):
        with pytest.raises(AudioLoadError, match=rf"{name.replace('.', r'[.]')}.*(not recognised|Error)"):
            load_audio(tmp_path / name)


def test_truncated_wav_is_detected_not_read_silently(tmp_path, tone):
    data = open(write(tmp_path / "good.wav", tone, subtype="PCM_16"), "rb").read()
    (tmp_path / "half.wav").write_bytes(data[: len(data) // 2])
    (tmp_path / "header_only.wav").write_bytes(data[:44])
    with pytest.raises(AudioLoadError, match=r"half\.wav.*truncated.*50%"):
        load_audio(tmp_path / "half.wav")
    with pytest.raises(AudioLoadError, match=r"header_only\.wav.*truncated"):
        load_audio(tmp_path / "header_only.wav")
    (tmp_path / "cut_header.wav").write_bytes(data[:30])
    with pytest.raises(AudioLoadError, match=r"cut_header\.wav"):
        load_audio(tmp_path / "cut_header.wav")


def _layouts():
    import soundfile as sf

    for fmt in ("MAT4", "MAT5", "WVE", "MPC2K"):
        for subtype in sf.available_subtypes(fmt):
            for endian in (("LITTLE", "BIG") if fmt.startswith("MAT") else ("FILE",)):
                for channels in ((1,) if fmt == "WVE" else (1, 2)):
                    yield pytest.param(fmt, subtype, endian, channels, id=f"{fmt}-{subtype}-{endian}-{channels}ch")


@pytest.mark.parametrize("fmt, subtype, endian, channels", list(_layouts()))
def test_the_declared_length_of_matlab_wve_and_mpc2k_files_is_checked(tmp_path, fmt, subtype, endian, channels):
    """Every sample type, byte order and channel count libsndfile writes: whole is fine; one byte or half short is
    truncated, with the declared and present sizes of the audio data."""
    import soundfile as sf

    path = tmp_path / f"clip.{fmt.lower()}"
    y = np.random.default_rng(0).uniform(-0.5, 0.5, size=(4097, channels)).astype(np.float32)
    sf.write(path, y, 8000, format=fmt, subtype=subtype, endian=endian)
    data = path.read_bytes()
    assert unreadable_reason(path) is None
    for keep in (len(data) - 1, len(data) // 2):
        path.write_bytes(data[:keep])
        assert re.fullmatch(rf"file is truncated: its {fmt} header declares \d+ bytes of audio but only \d+ are "
                            r"present \(\d+%\)", unreadable_reason(path) or ""), (keep, unreadable_reason(path))


def test_truncated_real_clip(tmp_path, subset_paths):
    data = open(subset_paths[0], "rb").read()
    (tmp_path / "cut.wav").write_bytes(data[: int(len(data) * 0.8)])
    with pytest.raises(AudioLoadError, match=r"cut\.wav.*truncated"):
        load_audio(tmp_path / "cut.wav")


def test_real_corrupt_clip(corrupt_clip):
    with pytest.raises(AudioLoadError, match=r"jazz\.00054\.wav.*Format not recognised"):
        load_audio(corrupt_clip)


def test_bad_arrays():
    with pytest.raises(AudioLoadError, match="boolean"):
        load_audio(np.ones(10, dtype=bool))
    with pytest.raises(AudioLoadError, match="array of shape.*3-D"):
        load_audio(np.zeros((2, 2, 10), dtype=np.float32))
    with pytest.raises(AudioLoadError, match="unknown"):
        load_audio(np.zeros(10, dtype=np.float32), sr=None)


@pytest.mark.parametrize("kwargs, match", [(dict(sr=0), "sr=0"), (dict(sr=-1), "sr=-1"),
                                           (dict(offset=-1.0), "offset=-1.0"), (dict(duration=0), "duration=0")])
def test_bad_parameters(tone, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_audio(tone, **kwargs)


def test_check_signal(tone):
    assert check_signal(tone, min_samples=2048) is tone
    cases = [(np.zeros(0, np.float32), "empty"), (np.zeros(4096, np.float32), "silent"),
             (tone[:1000], "1000 samples, shorter than one FFT window \\(2048"),
             (np.where(np.arange(SR) == 5, np.nan, tone), "1 NaN or infinite"),
             (np.where(np.arange(SR) < 3, np.inf, tone), "3 NaN or infinite")]
    for y, match in cases:
        with pytest.raises(AudioLoadError, match=match):
            check_signal(y, min_samples=2048, source="x.wav")
    with pytest.raises(AudioLoadError, match="'x.wav'"):
        check_signal(np.zeros(4096), source="x.wav")


def test_duration_trims_or_pads_with_zeros(tmp_path, tone):
    """``duration`` is the length of the clip, everywhere: trimmed, or padded with zeros at the end."""
    assert load_audio(tone, duration=100 / SR)[0].shape == (100,)
    padded, _ = load_audio(tone, duration=(SR + 50) / SR)
    assert padded.shape == (SR + 50,) and not padded[SR:].any()
    np.testing.assert_array_equal(padded[:SR], tone)
    assert load_audio(np.ones((2, 10)), duration=12 / SR, mono=False)[0].shape == (2, 12)
    from_file, _ = load_audio(write(tmp_path / "tone.wav", tone), duration=(SR + 50) / SR)
    np.testing.assert_array_equal(from_file, padded)


def test_describe_names_a_clip_by_path_or_shape_and_place():
    assert describe("a/b.wav") == "'a/b.wav'" and describe("a/b.wav", 1, 3) == "'a/b.wav' (clip 2 of 3)"
    assert describe(np.zeros((2, 5))) == "array of shape (2, 5)" and describe(np.zeros(5), 0, 1) == "clip 1 of 1"


def test_unreadable_reason_and_clip_length(tmp_path, tone):
    good = write(tmp_path / "good.wav", tone, sr=44100)
    assert unreadable_reason(good) is None and clip_length(good) == SR // 2
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "text.wav").write_text("not audio")
    assert unreadable_reason(tmp_path / "empty.wav") == "file is empty (0 bytes)"
    assert unreadable_reason(tmp_path / "missing.wav") == "file not found"
    assert "Format not recognised" in unreadable_reason(tmp_path / "text.wav")


def test_warning_pickles_with_its_failures():
    w = AudioLoadWarning("2 bad", [(1, "a.wav", "file not found")])
    w2 = pickle.loads(pickle.dumps(w))
    assert w2.failures == [(1, "a.wav", "file not found")] and str(w2) == "2 bad"


def test_the_truncation_check_keeps_the_decoders_chatter_off_stderr(subset_paths, tmp_path, capfd):
    """Seeking to the last frames of an MP3 makes mpg123 print 'error: part2_3_length ... too large' although every
    sample decodes; the check that seeks, and a read from an offset, keep that line from the user."""
    import soundfile as sf

    from genreclf.audio import unreadable_reason

    y, sr = sf.read(subset_paths[2], dtype="float32")
    mp3 = tmp_path / "clip.mp3"
    sf.write(mp3, y, sr, format="MP3", subtype="MPEG_LAYER_III", compression_level=0.9, bitrate_mode="CONSTANT")
    capfd.readouterr()
    with sf.SoundFile(mp3) as f:  # the decoder's own behaviour, as a user's seek meets it
        f.seek(f.frames - 4096)
        f.read(4096)
    if "libmpg123" not in capfd.readouterr().err:
        pytest.skip("this libsndfile's mpg123 decodes the seek without complaint")
    assert unreadable_reason(mp3) is None and load_audio(mp3, offset=20.0, duration=2.0)[0].shape == (44100,)
    assert capfd.readouterr().err == ""


def test_reading_an_mp3_whole_or_in_windows_keeps_the_decoders_chatter_off_stderr(subset_paths, tmp_path, capfd):
    """mpg123 also complains about a frame while reading straight through (blues.00000 as soundfile writes it as
    MP3: after the first 30 s window); genreclf predict reads files in windows, and its stderr must hold only its
    own lines."""
    import soundfile as sf

    from genreclf.audio import clip_length, iter_windows

    y, sr = sf.read(subset_paths[0], dtype="float32")
    mp3 = tmp_path / "song.mp3"
    sf.write(mp3, y, sr, format="MP3")
    capfd.readouterr()
    with sf.SoundFile(mp3) as f:  # the decoder's own behaviour, block by block
        while len(f.read(661500)):
            pass
    if "libmpg123" not in capfd.readouterr().err:
        pytest.skip("this libsndfile's mpg123 decodes this file without complaint")
    windows = list(iter_windows(mp3, 30.0))
    assert [w.shape for w in windows] == [(661500,)]
    assert load_audio(mp3)[0].shape == (len(y),) and clip_length(mp3) == len(y)
    assert capfd.readouterr().err == ""
