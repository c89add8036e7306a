"""genreclf.datasets: bundled tables, the artist-filtered split, audio folders, the download, segment tables."""
import gzip
import hashlib
import http.server
import io
import pickle
import shutil
import tarfile
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from sklearn import config_context
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

import genreclf
from genreclf import datasets
from genreclf.audio import AudioLoadWarning
from genreclf.datasets import (
    ArtistFilteredSplit,
    fetch_gtzan,
    get_data_home,
    gtzan_split,
    gtzan_table,
    load_audio_folder,
    load_feature_table,
    load_gtzan_features,
    segment_table,
    track_id,
)
from genreclf.features import GTZANFeatures
from genreclf.features.gtzan import GTZAN_COLUMNS

SR = 22050
PACKAGE_DATA = Path(genreclf.__file__).resolve().parent / "data"
GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock")


@pytest.fixture(scope="module")
def gtzan30():
    return load_gtzan_features()


@pytest.fixture
def partial_3s(shared_dir):
    path = shared_dir / "data" / "features_3_sec_partial.csv"
    if not path.exists():
        pytest.skip("features_3_sec_partial.csv is absent")
    return path


# -- load_gtzan_features -----------------------------------------------------------------------------------
def test_bundled_30s_table(gtzan30):
    b = gtzan30
    assert b.data.shape == (1000, 57) and b.data.dtype == np.float64
    assert b.feature_names == list(GTZAN_COLUMNS)
    assert list(b.target_names) == list(GENRES)
    assert all((b.target == g).sum() == 100 for g in GENRES)
    assert b.filenames[42] == "blues.00042.wav" and b.groups[42] == "blues.00042"
    assert len(set(b.groups)) == 1000
    assert b.frame is None
    assert "Tzanetakis" in b.DESCR and "Kereliuk" in b.DESCR
    assert np.isfinite(b.data).all()


def test_bundled_table_is_the_shared_table_byte_for_byte(shared_dir):
    bundled = gzip.decompress((PACKAGE_DATA / "features_30_sec.csv.gz").read_bytes())
    assert bundled == (shared_dir / "data" / "features_30_sec.csv").read_bytes()


def test_30s_from_a_user_path_equals_bundled(shared_dir, gtzan30):
    b = load_gtzan_features("30s", path=shared_dir / "data" / "features_30_sec.csv")
    np.testing.assert_array_equal(b.data, gtzan30.data)
    np.testing.assert_array_equal(b.groups, gtzan30.groups)


def test_as_frame_and_return_X_y(gtzan30):
    b = load_gtzan_features(as_frame=True)
    assert isinstance(b.data, pd.DataFrame) and list(b.data.columns) == list(GTZAN_COLUMNS)
    assert isinstance(b.target, pd.Series) and b.target.name == "label"
    assert list(b.frame.columns) == ["filename", "length", *GTZAN_COLUMNS, "label"]
    np.testing.assert_array_equal(b.data.to_numpy(), gtzan30.data)
    X, y = load_gtzan_features(return_X_y=True)
    assert X.shape == (1000, 57) and y.shape == (1000,)
    X, y = load_gtzan_features(return_X_y=True, as_frame=True)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)


def test_3s_partial_real_table_crlf(partial_3s):
    raw = partial_3s.read_bytes()
    assert b"\r\n" in raw  # the real file has CRLF line ends
    b = load_gtzan_features("3s", path=partial_3s)
    assert b.data.shape == (2996, 57)
    assert len(set(b.groups)) == 300
    assert set(b.target) == {"classical", "jazz", "rock"}
    assert not any("\r" in s for s in (*b.filenames, *b.target))
    i = list(b.filenames).index("classical.00000.7.wav")
    assert b.groups[i] == "classical.00000"
    counts = pd.Series(b.groups).value_counts()
    assert counts.max() == 10 and (counts == 9).sum() == 4  # the published table lacks 4 segments
    assert "3-second" in b.DESCR


def test_3s_without_path_says_what_and_where():
    with pytest.raises(FileNotFoundError, match=r"features_3_sec\.csv.*path="):
        load_gtzan_features("3s")


def test_bad_kind_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="kind='10s'"):
        load_gtzan_features("10s")
    with pytest.raises(FileNotFoundError, match="nope.csv.*does not exist.*features_3_sec"):
        load_gtzan_features("3s", path=tmp_path / "nope.csv")
    with pytest.raises(IsADirectoryError, match="folder"):
        load_gtzan_features("3s", path=tmp_path)


@pytest.fixture
def small_table(gtzan30):
    return load_gtzan_features(as_frame=True).frame.iloc[:20].copy()


def test_bad_csv_missing_columns(tmp_path, small_table):
    path = tmp_path / "t.csv"
    small_table.drop(columns=["mfcc20_var", "tempo"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"t\.csv.*lacks 2 column\(s\): tempo, mfcc20_var"):
        load_gtzan_features(path=path)


def test_bad_csv_nan_and_text(tmp_path, small_table):
    path = tmp_path / "t.csv"
    small_table.loc[3, "rms_var"] = np.nan
    small_table.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"1 missing or non-numeric.*'rms_var' of 'blues.00003.wav' \(line 5"):
        load_gtzan_features(path=path)
    small_table.loc[3, "rms_var"] = 0.5
    small_table["tempo"] = small_table["tempo"].astype(object)
    small_table.loc[7, "tempo"] = "fast"
    small_table.to_csv(path, index=False)
    with pytest.raises(ValueError, match="'tempo' of 'blues.00007.wav'.*'fast'"):
        load_gtzan_features(path=path)


def test_bad_csv_wrong_files(tmp_path, small_table):
    wav = tmp_path / "x.wav"
    sf.write(wav, np.zeros(1000, dtype=np.float32), SR)
    with pytest.raises(ValueError, match="x.wav"):
        load_gtzan_features(path=wav)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="not a readable CSV"):
        load_gtzan_features(path=empty)
    other = tmp_path / "iris.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a GTZAN feature table"):
        load_gtzan_features("3s", path=other)
    thirty = tmp_path / "30.csv"
    small_table.to_csv(thirty, index=False)
    with pytest.raises(ValueError, match="kind='30s'"):
        load_gtzan_features("3s", path=thirty)
    dup = tmp_path / "dup.csv"
    pd.concat([small_table, small_table.iloc[:1]]).to_csv(dup, index=False)
    with pytest.raises(ValueError, match="more than once.*blues.00000.wav"):
        load_gtzan_features(path=dup)


def test_3s_table_given_as_30s_is_refused(partial_3s):
    with pytest.raises(ValueError, match="kind='3s'"):
        load_gtzan_features("30s", path=partial_3s)


def test_gzipped_user_copy(tmp_path, small_table):
    path = tmp_path / "t.csv.gz"
    small_table.to_csv(path, index=False)
    assert load_gtzan_features(path=path).data.shape == (20, 57)


# -- track ids and the split -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["blues.00042", "blues.00042.wav", "blues.00042.3.wav", "blues.00042.au",
                                  "genres/blues/blues.00042.au", "/data/blues/blues.00042.WAV",
                                  "C:\\gtzan\\blues\\blues.00042.wav", Path("x/blues.00042.wav"),
                                  np.str_("blues.00042.9.wav"), "blues/blues.00042.wav"])
def test_track_id(name):
    assert track_id(name) == "blues.00042"


def test_track_id_other_names_and_errors():
    assert track_id("songs/my song.mp3") == "my song"
    assert track_id("take.2.flac") == "take.2"  # not a GTZAN name: no segment index to strip
    with pytest.raises(TypeError, match="got int"):
        track_id(42)


#: SHA-256 of the shipped artist-filtered split files: the published lists, byte for byte (what ../shared holds)
SPLIT_SHA256 = {
    "train_filtered.txt": "2b04966cef1486f1a7767b74271533fa23e220388db804a1937835e1fc4fa3fa",
    "valid_filtered.txt": "f8fbee7c52397a0e0f3a91dc54fedecb2e27f5bdc9a9daeab8cb10d077e26956",
    "test_filtered.txt": "09cafa6a89ce0a27f30ed250d56ecb4d03c22fffb5a693f96c7ae655ee02ac72",
}


def test_shipped_split_files_are_the_published_ones():
    """A track moved from one list to another (same counts, same ids overall) changes a hash."""
    assert sorted(p.name for p in (PACKAGE_DATA / "splits").iterdir()) == sorted(SPLIT_SHA256)
    for name, digest in SPLIT_SHA256.items():
        assert hashlib.sha256((PACKAGE_DATA / "splits" / name).read_bytes()).hexdigest() == digest, name


def test_split_hashes_are_those_of_the_shared_copies(shared_dir):
    for name, digest in SPLIT_SHA256.items():
        assert hashlib.sha256((shared_dir / "data" / "gtzan_splits" / name).read_bytes()).hexdigest() == digest


def test_gtzan_split():
    split = gtzan_split("filtered")
    assert {k: len(v) for k, v in split.items()} == {"train": 443, "valid": 197, "test": 290}
    ids = [t for v in split.values() for t in v]
    assert len(set(ids)) == 930
    assert split["train"][0] == "blues.00029"
    assert all(track_id(t) == t for t in ids)
    split["train"].clear()
    assert len(gtzan_split()["train"]) == 443  # a fresh copy each call


def test_gtzan_split_unknown_name():
    with pytest.raises(ValueError, match="unknown GTZAN split 'random'.*'filtered'"):
        gtzan_split("random")


def test_artist_filtered_split_on_30s(gtzan30):
    split = gtzan_split()
    cv = ArtistFilteredSplit()
    assert cv.get_n_splits() == 1
    (train, test), = list(cv.split(gtzan30.data, gtzan30.target, gtzan30.groups))
    assert (len(train), len(test)) == (640, 290)
    assert set(gtzan30.groups[train]) == set(split["train"]) | set(split["valid"])
    assert set(gtzan30.groups[test]) == set(split["test"])
    assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)
    tuning = ArtistFilteredSplit(train="train", test="valid")
    (train, test), = list(tuning.split(gtzan30.data, groups=gtzan30.groups))
    assert (len(train), len(test)) == (443, 197)
    assert set(gtzan30.groups[test]) == set(split["valid"])


def test_excluded_rows_are_on_neither_side(gtzan30):
    (train, test), = list(ArtistFilteredSplit().split(gtzan30.data, groups=gtzan30.groups))
    out = set(range(1000)) - set(train) - set(test)
    assert len(out) == 70
    assert "rock.00016" in set(gtzan30.groups[list(out)]) or "metal.00058" in set(gtzan30.groups[list(out)])


def test_split_groups_as_filenames_paths_and_X_paths(gtzan30):
    cv = ArtistFilteredSplit()
    ref = [a.tolist() for a in next(cv.split(gtzan30.data, groups=gtzan30.groups))]
    paths = [f"/music/genres/{t.split('.')[0]}/{t}.au" for t in gtzan30.groups]
    for groups in (gtzan30.filenames, paths, [f"{t}.3.wav" for t in gtzan30.groups]):
        assert [a.tolist() for a in next(cv.split(gtzan30.data, groups=groups))] == ref
    assert [a.tolist() for a in next(cv.split(paths))] == ref
    assert [a.tolist() for a in next(cv.split(np.asarray(paths)))] == ref
    assert [a.tolist() for a in next(cv.split(pd.Series(paths)))] == ref
    frame = pd.DataFrame({"filename": gtzan30.filenames, "x": 0.0})
    assert [a.tolist() for a in next(cv.split(frame))] == ref


def test_split_3s_segments_keep_a_track_on_one_side(partial_3s):
    b = load_gtzan_features("3s", path=partial_3s, as_frame=True)
    cv = ArtistFilteredSplit()
    train, test = next(cv.split(b.data, groups=b.groups))
    assert not set(b.groups[train]) & set(b.groups[test])
    assert set(b.groups[test]) <= set(gtzan_split()["test"])
    # the frame of the 3 s table carries its file names: no groups needed
    train2, test2 = next(cv.split(b.frame))
    np.testing.assert_array_equal(train, train2)
    np.testing.assert_array_equal(test, test2)


def test_split_errors(gtzan30):
    cv = ArtistFilteredSplit()
    with pytest.raises(ValueError, match="pass groups="):
        next(cv.split(gtzan30.data))
    with pytest.raises(ValueError, match="'filename' column"):
        next(cv.split(pd.DataFrame(gtzan30.data)))
    only_test = gtzan_split()["test"][:5]
    with pytest.raises(ValueError, match="none of the 5 rows belongs to the train side"):
        next(cv.split(np.zeros((5, 2)), groups=only_test))
    with pytest.raises(ValueError, match="groups has 3 entries but X has 1000 rows"):
        next(cv.split(gtzan30.data, groups=["blues.00000"] * 3))
    with pytest.raises(ValueError, match="unknown subset.*'validation'"):
        next(ArtistFilteredSplit(test="validation").split(gtzan30.data, groups=gtzan30.groups))
    with pytest.raises(ValueError, match="share subset"):
        next(ArtistFilteredSplit(train=("train", "test")).split(gtzan30.data, groups=gtzan30.groups))
    with pytest.raises(TypeError, match="groups must hold one track id"):
        next(cv.split(gtzan30.data, groups="blues.00000"))


def test_split_repr_and_pickle(gtzan30):
    cv = ArtistFilteredSplit(train="train", test="valid")
    assert repr(cv) == "ArtistFilteredSplit(test='valid', train='train')"
    again = pickle.loads(pickle.dumps(cv))
    ref = next(cv.split(gtzan30.data, groups=gtzan30.groups))
    assert all(np.array_equal(a, b) for a, b in zip(ref, next(again.split(gtzan30.data, groups=gtzan30.groups))))


def _model():
    return make_pipeline(StandardScaler(), RidgeClassifier())


def test_cross_validate_and_gridsearch_with_groups(gtzan30):
    X, y, g = gtzan30.data, gtzan30.target, gtzan30.groups
    cv = ArtistFilteredSplit()
    res = cross_validate(_model(), X, y, groups=g, cv=cv)
    assert res["test_score"].shape == (1,)
    (train, test), = list(cv.split(X, groups=g))
    manual = _model().fit(X[train], y[train]).score(X[test], y[test])
    assert res["test_score"][0] == pytest.approx(manual)
    search = GridSearchCV(_model(), {"ridgeclassifier__alpha": [0.1, 10.0]},
                          cv=ArtistFilteredSplit(train="train", test="valid"))
    search.fit(X, y, groups=g)
    assert search.cv_results_["split0_test_score"].shape == (2,)
    assert search.n_splits_ == 1


def test_cross_validate_and_gridsearch_with_metadata_routing(gtzan30):
    X, y, g = gtzan30.data, gtzan30.target, gtzan30.groups
    with config_context(enable_metadata_routing=True):
        res = cross_validate(_model(), X, y, params={"groups": g}, cv=ArtistFilteredSplit())
        search = GridSearchCV(_model(), {"ridgeclassifier__alpha": [0.1, 10.0]},
                              cv=ArtistFilteredSplit(train="train", test="valid"))
        search.fit(X, y, groups=g)
    assert res["test_score"].shape == (1,)
    assert search.n_splits_ == 1


def test_cross_validate_and_gridsearch_with_paths_as_X(gtzan30):
    """X is a list of audio paths (as for a feature-extraction pipeline): the splitter reads tracks from X."""
    rows = {t: i for i, t in enumerate(gtzan30.groups)}
    lookup = FunctionTransformer(lambda paths: gtzan30.data[[rows[track_id(p)] for p in paths]])
    paths = [f"/data/genres/{t.split('.')[0]}/{t}.wav" for t in gtzan30.groups]
    model = make_pipeline(lookup, StandardScaler(), RidgeClassifier())
    res = cross_validate(model, paths, gtzan30.target, cv=ArtistFilteredSplit())
    ref = cross_validate(_model(), gtzan30.data, gtzan30.target, groups=gtzan30.groups, cv=ArtistFilteredSplit())
    assert res["test_score"][0] == pytest.approx(ref["test_score"][0])
    search = GridSearchCV(model, {"ridgeclassifier__alpha": [0.1, 10.0]},
                          cv=ArtistFilteredSplit(train="train", test="valid")).fit(paths, gtzan30.target)
    assert search.n_splits_ == 1


# -- load_audio_folder -------------------------------------------------------------------------------------
def test_load_audio_folder_real_subset(shared_dir, subset_paths, corrupt_clip):
    with pytest.warns(AudioLoadWarning, match=r"1 of 47 audio file.*jazz\.00054\.wav") as record:
        b = load_audio_folder(shared_dir / "data" / "gtzan_subset")
    assert list(b.filenames) == subset_paths
    assert len(b.filenames) == 46 and corrupt_clip not in list(b.filenames)
    assert [f for f, _ in b.unreadable] == [corrupt_clip]
    assert "Format not recognised" in b.unreadable[0][1] or "Error" in b.unreadable[0][1]
    assert list(b.target_names) == list(GENRES)
    assert all(Path(f).parent.name == t for f, t in zip(b.filenames, b.target))
    assert all(track_id(f) == g for f, g in zip(b.filenames, b.groups))
    failures = [w.message for w in record if isinstance(w.message, AudioLoadWarning)][0].failures
    assert failures[0][1] == corrupt_clip


def _wav(path, n=2048, sr=SR, value=0.1):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.full(n, value, dtype=np.float32), sr)
    return path


def test_load_audio_folder_synthetic(tmp_path):
    _wav(tmp_path / "rock" / "rock.00002.wav")
    _wav(tmp_path / "rock" / "rock.00001.flac")
    _wav(tmp_path / "blues" / "blues.00009.au")
    (tmp_path / "blues" / "notes.txt").write_text("not audio")
    (tmp_path / "blues" / ".hidden.wav").write_bytes(b"")
    (tmp_path / "blues" / "empty.wav").write_bytes(b"")
    good = _wav(tmp_path / "pop" / "pop.00000.wav", n=20000)
    truncated = tmp_path / "pop" / "pop.00001.wav"
    truncated.write_bytes(good.read_bytes()[:10000])
    _wav(tmp_path / "loose.wav")
    with pytest.warns(AudioLoadWarning, match="2 of 6") as record:
        b = load_audio_folder(tmp_path)
    assert [Path(f).name for f in b.filenames] == ["blues.00009.au", "pop.00000.wav", "rock.00001.flac",
                                                   "rock.00002.wav"]
    assert list(b.target) == ["blues", "pop", "rock", "rock"]
    assert list(b.groups) == ["blues.00009", "pop.00000", "rock.00001", "rock.00002"]
    reasons = dict((Path(f).name, r) for f, r in b.unreadable)
    assert reasons.keys() == {"empty.wav", "pop.00001.wav"}
    assert "empty" in reasons["empty.wav"] and "truncated" in reasons["pop.00001.wav"]
    assert len(record) == 1


def test_load_audio_folder_says_what_it_does_not_read_and_what_repeats(tmp_path):
    """Files in a folder inside a genre folder, a track in two genres, the same audio under two names."""

    def clip(path, seed_value):
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, np.random.default_rng(seed_value).normal(scale=0.1, size=4096).astype(np.float32), SR)
        return path

    clip(tmp_path / "blues" / "blues.00001.wav", 1)
    clip(tmp_path / "blues" / "more" / "blues.00002.wav", 2)
    clip(tmp_path / "blues" / "more" / "deeper" / "blues.00003.wav", 3)
    clip(tmp_path / "rock" / "rock.00001.wav", 4)
    with pytest.warns(UserWarning, match=r"audio in folders inside a genre folder is not read: '.*blues/more' "
                                         r"\(2 audio file\(s\)\)\. Move the files up") as record:
        listed = load_audio_folder(tmp_path)
    assert len(record) == 1 and len(listed.filenames) == 2
    copy = tmp_path / "rock" / "rock.00009.wav"
    shutil.copy(tmp_path / "blues" / "blues.00001.wav", copy)
    with pytest.warns(UserWarning, match=r"1 file\(s\) hold the same audio as another, byte for byte: "
                                         r"'.*blues\.00001\.wav' and '.*rock\.00009\.wav'.*keep one of each"):
        assert len(load_audio_folder(tmp_path).filenames) == 3
    copy.unlink()
    clip(tmp_path / "rock" / "blues.00001.flac", 5)  # the track blues.00001, again, in another genre
    with pytest.raises(ValueError, match=r"the track 'blues.00001' is in two genre folders, '.*blues/blues.00001.wav' "
                                         r"and '.*rock/blues.00001.flac': a track has one genre"):
        load_audio_folder(tmp_path)


def test_load_audio_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_audio_folder(tmp_path / "missing")
    f = _wav(tmp_path / "a.wav")
    with pytest.raises(NotADirectoryError, match="a.wav"):
        load_audio_folder(f)
    with pytest.raises(ValueError, match="1 audio file.*sit directly"):
        load_audio_folder(tmp_path)
    (tmp_path / "rock").mkdir()
    (tmp_path / "rock" / "x.txt").write_text("")
    with pytest.raises(ValueError, match="no audio file"):
        load_audio_folder(tmp_path / "rock")


# -- fetch_gtzan -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A tiny GTZAN-like genres.tar.gz: 2 genres x 2 synthetic clips (plus a non-audio file)."""
    root = tmp_path_factory.mktemp("src")
    rng = np.random.default_rng(0)
    for genre in ("blues", "rock"):
        for k in range(2):
            path = root / "genres" / genre / f"{genre}.0000{k}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, rng.normal(scale=0.1, size=4096).astype(np.float32), SR)
    (root / "genres" / "input.mf").write_text("list\n")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(root / "genres", arcname="genres")
    data = buf.getvalue()
    path = root / "genres.tar.gz"
    path.write_bytes(data)
    return {"path": path, "bytes": data, "sha256": hashlib.sha256(data).hexdigest()}


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves the server's ``payload`` with HTTP Range support; records requests; can cut the first reply."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        srv = self.server
        srv.requests.append(self.headers.get("Range"))
        if self.path != "/files/genres.tar.gz":
            self.send_error(404)
            return
        data = srv.payload
        start = 0
        rng = self.headers.get("Range")
        if rng and srv.ranges:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if srv.cut_first and len(srv.requests) == 1:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def server(archive):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.payload, srv.requests, srv.ranges, srv.cut_first = archive["bytes"], [], True, False
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}/files/genres.tar.gz"
    yield srv
    srv.shutdown()
    srv.server_close()


def _check_bunch(b):
    assert list(b.groups) == ["blues.00000", "blues.00001", "rock.00000", "rock.00001"]
    assert list(b.target) == ["blues", "blues", "rock", "rock"]
    assert b.unreadable == [] and "Tzanetakis" in b.DESCR
    assert all(Path(f).is_file() for f in b.filenames)


def test_fetch_file_url_then_cached(tmp_path, archive):
    home = tmp_path / "home"
    b = fetch_gtzan(home, url=archive["path"].as_uri(), sha256=archive["sha256"], delay=0)
    _check_bunch(b)
    cache = home / "gtzan"
    assert sorted(p.name for p in cache.iterdir()) == ["genres"]  # archive removed, no .part, no temp folder
    again = fetch_gtzan(home, url=(tmp_path / "gone.tar.gz").as_uri().replace("gone", "genres"),
                        sha256=archive["sha256"], download_if_missing=False)
    assert list(again.filenames) == list(b.filenames)


def test_fetch_http_with_resume(tmp_path, archive, server):
    home = tmp_path / "home"
    part = home / "gtzan" / "genres.tar.gz.part"
    part.parent.mkdir(parents=True)
    half = len(archive["bytes"]) // 2
    part.write_bytes(archive["bytes"][:half])
    b = fetch_gtzan(home, url=server.url, sha256=archive["sha256"], delay=0)
    _check_bunch(b)
    assert server.requests == [f"bytes={half}-"]
    assert not part.exists()


def test_fetch_resumes_after_an_interrupted_download(tmp_path, archive, server):
    server.cut_first = True
    home = tmp_path / "home"
    part = home / "gtzan" / "genres.tar.gz.part"
    with pytest.raises(OSError, match="partial file.*is kept"):
        fetch_gtzan(home, url=server.url, sha256=archive["sha256"], n_retries=0)
    # atomicity: only the .part exists, neither the archive nor the extracted folder
    assert part.exists() and 0 < part.stat().st_size < len(archive["bytes"])
    assert sorted(p.name for p in (home / "gtzan").iterdir()) == ["genres.tar.gz.part"]
    kept = part.stat().st_size
    _check_bunch(fetch_gtzan(home, url=server.url, sha256=archive["sha256"], n_retries=0))
    assert server.requests == [None, f"bytes={kept}-"]


def test_fetch_retries_resume_within_one_call(tmp_path, archive, server):
    server.cut_first = True
    _check_bunch(fetch_gtzan(tmp_path, url=server.url, sha256=archive["sha256"], n_retries=1, delay=0))
    assert server.requests[0] is None and server.requests[1].startswith("bytes=")


def test_fetch_server_without_range_restarts(tmp_path, archive, server):
    server.ranges = False
    part = tmp_path / "gtzan" / "genres.tar.gz.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"x" * 100)
    _check_bunch(fetch_gtzan(tmp_path, url=server.url, sha256=archive["sha256"], delay=0))


def test_fetch_checksum_mismatch_is_never_used(tmp_path, archive, server):
    wrong = "0" * 64
    with pytest.warns(RuntimeWarning, match="expected 0000"):
        with pytest.raises(OSError, match=rf"has sha256 {archive['sha256']} but {wrong} was expected, 2 time"):
            fetch_gtzan(tmp_path, url=server.url, sha256=wrong, n_retries=1, delay=0)
    assert len(server.requests) == 2
    assert list((tmp_path / "gtzan").iterdir()) == []  # nothing kept: no archive, no part, no folder


def test_fetch_corrupt_partial_is_deleted_and_fetched_again(tmp_path, archive, server):
    part = tmp_path / "gtzan" / "genres.tar.gz.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"\0" * (len(archive["bytes"]) // 2))  # a damaged partial download
    with pytest.warns(RuntimeWarning, match="deleted, fetching it again"):
        b = fetch_gtzan(tmp_path, url=server.url, sha256=archive["sha256"], n_retries=1, delay=0)
    _check_bunch(b)
    assert server.requests[0].startswith("bytes=") and server.requests[1] is None


def test_fetch_not_an_archive(tmp_path, server):
    server.payload = b"<html>moved</html>"
    digest = hashlib.sha256(server.payload).hexdigest()
    with pytest.raises(OSError, match="cannot extract.*not a tar or zip"):
        fetch_gtzan(tmp_path, url=server.url, sha256=digest, delay=0)
    assert list((tmp_path / "gtzan").iterdir()) == []


def test_fetch_errors(tmp_path, archive, server):
    with pytest.raises(OSError, match="download_if_missing=False"):
        fetch_gtzan(tmp_path, url=server.url, download_if_missing=False)
    assert server.requests == []
    with pytest.raises(ValueError, match="sha256='abc' must be 64"):
        fetch_gtzan(tmp_path, url=server.url, sha256="abc")
    with pytest.raises(OSError, match="HTTP 404"):
        fetch_gtzan(tmp_path, url=server.url + "x", n_retries=2, delay=0)
    assert len(server.requests) == 1  # a 404 is not retried
    with pytest.raises(OSError, match="no such file"):
        fetch_gtzan(tmp_path, url=(tmp_path / "none.tar.gz").as_uri())


def test_fetch_archive_name_without_extension(tmp_path, archive):
    plain = tmp_path / "gtzan_audio"
    plain.write_bytes(archive["bytes"])
    _check_bunch(fetch_gtzan(tmp_path / "home", url=plain.as_uri(), sha256=archive["sha256"]))
    assert (tmp_path / "home" / "gtzan" / "gtzan_audio_extracted").is_dir()


def test_fetch_without_checksum_warns_with_the_digest(tmp_path, archive):
    with pytest.warns(RuntimeWarning, match=f"sha256='{archive['sha256']}'"):
        _check_bunch(fetch_gtzan(tmp_path, url=archive["path"].as_uri()))


def test_default_url_has_a_known_checksum():
    from genreclf.datasets._fetch import _KNOWN_CHECKSUMS

    assert datasets.GTZAN_URL in _KNOWN_CHECKSUMS


def test_get_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("GENRECLF_DATA", str(tmp_path / "env"))
    assert get_data_home() == str(tmp_path / "env") and (tmp_path / "env").is_dir()
    assert get_data_home(tmp_path / "arg") == str(tmp_path / "arg")
    monkeypatch.delenv("GENRECLF_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert get_data_home() == str(tmp_path / "home" / "genreclf_data")
    (tmp_path / "notes.txt").write_text("not a folder")
    monkeypatch.setenv("GENRECLF_DATA", str(tmp_path / "notes.txt"))
    with pytest.raises(NotADirectoryError, match=r"genreclf's data home '.*notes.txt' \(from \$GENRECLF_DATA\) is "
                                                 r"a file, not a folder: point GENRECLF_DATA to a folder, or unset it"):
        get_data_home()


# -- gtzan_table -------------------------------------------------------------------------------------------
def test_gtzan_table_of_segments_layout_and_short_clips(tmp_path):
    rng = np.random.default_rng(1)
    long = _wav(tmp_path / "jazz" / "jazz.00003.wav", n=2 * 66149 + 10)
    sf.write(long, rng.normal(scale=0.1, size=2 * 66149 + 10).astype(np.float32), SR)
    short = tmp_path / "rock" / "rock.00004.wav"
    short.parent.mkdir()
    sf.write(short, rng.normal(scale=0.1, size=66149 + 5).astype(np.float32), SR)
    with pytest.warns(AudioLoadWarning, match=r"1 of 4 segment.*rock\.00004\.1\.wav") as record:
        t = gtzan_table([long, short], n_segments=2)
    assert list(t.frame.columns) == ["filename", "length", *GTZAN_COLUMNS, "label"]
    assert list(t.filenames) == ["jazz.00003.0.wav", "jazz.00003.1.wav", "rock.00004.0.wav"]
    assert list(t.groups) == ["jazz.00003", "jazz.00003", "rock.00004"]
    assert list(t.target) == ["jazz", "jazz", "rock"]
    assert (t.frame["length"] == 66149).all() and t.data.shape == (3, 57) and np.isfinite(t.data).all()
    assert t.skipped == [("rock.00004.1.wav", "the clip does not extend beyond 132300 samples, where segment 1 ends "
                                              "(66149 samples every 66150)")]
    assert not any("holds" in str(w.message) for w in record)  # one consolidated warning, not one per clip
    # the frame is a loadable 3 s table, and the splitter reads its file names
    path = tmp_path / "mine.csv"
    t.frame.to_csv(path, index=False)
    b = load_gtzan_features("3s", path=path)
    np.testing.assert_allclose(b.data, t.data, rtol=1e-12)
    np.testing.assert_array_equal(b.groups, t.groups)


def test_gtzan_table_reports_unreadable_clips(tmp_path, corrupt_clip):
    good = _wav(tmp_path / "jazz" / "jazz.00001.wav", n=66150 + 1)  # a segment needs the clip to go past 3 s
    sf.write(good, np.random.default_rng(2).normal(scale=0.1, size=66151).astype(np.float32), SR)
    with pytest.warns(AudioLoadWarning, match=r"gtzan_table: 1 of 2 .*jazz\.00054\.0\.wav: the clip cannot"):
        t = gtzan_table([good, corrupt_clip], labels=["jazz", "jazz"], n_segments=1)
    assert list(t.filenames) == ["jazz.00001.0.wav"]
    assert t.skipped[0][0] == "jazz.00054.0.wav" and "cannot" in t.skipped[0][1]


def test_gtzan_table_argument_errors(tmp_path):
    with pytest.raises(TypeError, match="single path"):
        gtzan_table("a.wav")
    with pytest.raises(ValueError, match="labels has 1 entries but paths has 2"):
        gtzan_table(["a.wav", "b.wav"], labels=["x"])
    with pytest.raises(ValueError, match=r"'n_segments' parameter of GTZANFeatures must be an int .* Got 0 "):
        gtzan_table(["a.wav"], n_segments=0)


def test_gtzan_table_of_a_folder_has_one_row_per_clip(tmp_path, corrupt_clip):
    rng = np.random.default_rng(3)
    for name, n in (("jazz/jazz.00001.wav", SR + 7), ("rock/rock.00002.flac", 2 * SR)):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        sf.write(tmp_path / name, rng.normal(scale=0.1, size=n).astype(np.float32), SR)
    shutil.copy(corrupt_clip, tmp_path / "jazz")
    with pytest.warns(AudioLoadWarning, match=r"gtzan_table: 1 of 3 clip\(s\).*jazz\.00054\.wav"):
        t = gtzan_table(tmp_path)
    assert t.frame[["filename", "length", "label"]].values.tolist() == [["jazz.00001.wav", SR + 7, "jazz"],
                                                                        ["rock.00002.flac", 2 * SR, "rock"]]
    assert list(t.groups) == ["jazz.00001", "rock.00002"] and t.skipped[0][0].endswith("jazz.00054.wav")
    np.testing.assert_array_equal(t.data, GTZANFeatures().fit_transform(
        [str(tmp_path / "jazz" / "jazz.00001.wav"), str(tmp_path / "rock" / "rock.00002.flac")]))
    path = tmp_path / "mine.csv"
    t.frame.to_csv(path, index=False)
    np.testing.assert_allclose(load_gtzan_features(path=path).data, t.data, rtol=1e-12)


def test_segment_table_is_deprecated_for_gtzan_table(tmp_path):
    clip = _wav(tmp_path / "jazz" / "jazz.00003.wav", n=66151)
    sf.write(clip, np.random.default_rng(4).normal(scale=0.1, size=66151).astype(np.float32), SR)
    with pytest.warns(FutureWarning, match="segment_table is deprecated.*gtzan_table"):
        old = segment_table([clip], n_segments=1)
    np.testing.assert_array_equal(old.data, gtzan_table([clip], n_segments=1).data)


def test_a_table_separated_by_semicolons_says_so(tmp_path):
    path = tmp_path / "semicolons.csv"
    pd.DataFrame({"loudness": [0.1, 0.7], "label": ["jazz", "rock"]}).to_csv(path, sep=";", index=False)
    with pytest.raises(ValueError, match=r"has no 'label' column\. Its header is separated by semicolons, not commas: "
                                         r"convert it, e\.g\. pandas\.read_csv\(path, sep=';'\)"):
        load_feature_table(path)


def test_load_feature_table_reads_published_and_other_tables(tmp_path):
    published = load_feature_table(PACKAGE_DATA / "features_30_sec.csv.gz")
    assert published.kind == "30s" and published.data.shape == (1000, 57)
    other = pd.DataFrame({"filename": ["a.00001.wav", "b.00002.wav"], "x": [1.0, 2.0], "label": ["a", "b"]})
    other.to_csv(tmp_path / "other.csv", index=False)
    table = load_feature_table(tmp_path / "other.csv")
    assert table.kind == "table" and table.feature_names == ["x"] and table.groups.tolist() == ["a.00001", "b.00002"]
    other.drop(columns="label").to_csv(tmp_path / "nolabel.csv", index=False)
    with pytest.raises(ValueError, match="'label' column"):
        load_feature_table(tmp_path / "nolabel.csv")
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_feature_table(tmp_path / "missing.csv")


@pytest.mark.slow
def test_gtzan_table_of_segments_matches_published_rows(shared_dir, partial_3s):
    """One real clip: segment rows agree with the published 3 s rows of the same names (to float32 rounding)."""
    clip = shared_dir / "data" / "gtzan_subset" / "rock" / "rock.00000.wav"
    t = gtzan_table([clip], n_segments=10)
    published = pd.read_csv(partial_3s).set_index("filename").loc[list(t.filenames)]
    assert list(t.filenames) == [f"rock.00000.{k}.wav" for k in range(10)]
    cols = [c for c in GTZAN_COLUMNS if c not in ("tempo", "harmony_mean", "perceptr_mean")]
    rel = np.abs(t.frame[cols].to_numpy() - published[cols].to_numpy()) / np.abs(published[cols].to_numpy())
    assert np.median(rel) < 1e-5
    zcr = ["zero_crossing_rate_mean", "zero_crossing_rate_var"]  # exact integer counts: no rounding excuse
    np.testing.assert_allclose(t.frame[zcr].to_numpy(), published[zcr].to_numpy(), rtol=1e-9)


def test_public_names_are_exported():
    for name in ("load_gtzan_features", "gtzan_split", "ArtistFilteredSplit", "load_audio_folder", "fetch_gtzan"):
        assert getattr(genreclf, name) is getattr(datasets, name)
