"""genreclf.segments: cutting clips into segments, segment rows <-> one row per track, and the track vote."""
import subprocess
import sys

import numpy as np
import pytest

from genreclf.segments import (
    aggregate_tracks,
    cut_segments,
    flatten_segments,
    one_hot,
    segment_starts,
    stack_segments,
    track_labels,
)


# -- cutting ---------------------------------------------------------------------------------------------------
def test_frames_end_to_end_then_spread():
    X = np.arange(2 * 10).reshape(2, 10, 1)
    cut = cut_segments(X, 3, axis=1)                                  # (2 clips, 3 segments, 3 frames, 1)
    assert flatten_segments(cut)[0][:, :, 0].tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8],
                                                           [10, 11, 12], [13, 14, 15], [16, 17, 18]]
    # 4 windows of 3 frames do not fit in 10 end to end: spread from the first frame to the last, overlapping
    assert cut_segments(X[:1], 3, n_segments=4, axis=1)[0, :, :, 0].tolist() == [[0, 1, 2], [2, 3, 4], [5, 6, 7],
                                                                                 [7, 8, 9]]
    with pytest.raises(ValueError, match="segment_length=11 is longer than the 10 samples or frames"):
        cut_segments(X, 11, axis=1)


def test_samples_at_a_hop_are_views_of_the_signal():
    y = np.arange(20.0)
    segments = cut_segments(y, 6, hop=5)
    assert segments.tolist() == [list(range(k, k + 6)) for k in (0, 5, 10)]
    assert np.shares_memory(segments, y) and not segments.flags.writeable
    np.testing.assert_array_equal(cut_segments(y, 6, hop=5, n_segments=2), segments[:2])
    with pytest.raises(ValueError, match="n_segments=4 segments of 6 every 5 do not fit in 20: 3 do"):
        cut_segments(y, 6, hop=5, n_segments=4)


def test_segment_starts_reproduce_the_published_3_second_grid():
    # 10 segments of 66,149 samples every 66,150 in a 30.013 s clip: the published 3 s table's rows
    assert segment_starts(661794, 66149, hop=66150, n_segments=10).tolist() == [k * 66150 for k in range(10)]
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="segment_length"):
            segment_starts(10, bad)


# -- rows <-> tracks -------------------------------------------------------------------------------------------
def test_stack_then_flatten_is_the_identity_on_complete_tracks():
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(12, 4))
    groups = np.repeat(["rock.00002", "blues.00001", "jazz.00003"], 4)
    y = np.repeat(["rock", "blues", "jazz"], 4)
    X3, tracks, labels = stack_segments(rows, groups, y)
    assert X3.shape == (3, 4, 4) and tracks.tolist() == ["blues.00001", "jazz.00003", "rock.00002"]
    assert labels.tolist() == ["blues", "jazz", "rock"]
    back, back_groups, index = flatten_segments(X3, tracks)
    order = np.argsort(groups, kind="stable")
    np.testing.assert_array_equal(back, rows[order])
    assert back_groups.tolist() == groups[order].tolist() and index.tolist() == [0, 1, 2, 3] * 3


def test_incomplete_tracks_are_named_or_dropped():
    rows = np.arange(5.0)[:, None]
    groups = ["a.00001", "a.00001", "a.00001", "b.00002", "b.00002"]
    with pytest.raises(ValueError, match=r"1 track\(s\) have fewer than 3 segment rows, e.g. 'b.00002' \(2\).*"
                                         "incomplete='drop'"):
        stack_segments(rows, groups)
    X3, tracks, _ = stack_segments(rows, groups, incomplete="drop")
    assert X3[:, :, 0].tolist() == [[0.0, 1.0, 2.0]] and tracks.tolist() == ["a.00001"]
    with pytest.raises(ValueError, match="one track id per row"):
        stack_segments(rows, groups[:4])


def test_track_labels_are_in_sorted_track_order():
    tracks, labels = track_labels(["jazz", "blues", "jazz"], ["j.1", "b.1", "j.1"])
    assert tracks.tolist() == ["b.1", "j.1"] and labels.tolist() == ["blues", "jazz"]


# -- the track vote --------------------------------------------------------------------------------------------
def test_mean_proba_is_the_mean_of_each_tracks_rows():
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(3), size=12)
    groups = np.repeat([2, 0, 1], 4)
    tracks, track_proba = aggregate_tracks(proba, groups)
    assert tracks.tolist() == [0, 1, 2]
    for k, t in enumerate(tracks):
        np.testing.assert_array_equal(track_proba[k], proba[groups == t].mean(axis=0))
    np.testing.assert_allclose(track_proba.sum(axis=1), 1.0)


def test_vote_counts_each_rows_top_class_and_ties_go_first():
    proba = np.array([[0.6, 0.4], [0.1, 0.9], [0.45, 0.55], [0.5, 0.5]])
    _, votes = aggregate_tracks(proba, ["a", "a", "a", "b"], how="vote")
    assert votes.tolist() == [[1 / 3, 2 / 3], [1.0, 0.0]]
    np.testing.assert_array_equal(aggregate_tracks(one_hot(["y", "x", "y"], ["x", "y"]), [0, 0, 0], how="vote")[1],
                                  [[1 / 3, 2 / 3]])
    with pytest.raises(ValueError, match="how='max'"):
        aggregate_tracks(proba, [0, 0, 1, 1], how="max")


def test_the_module_imports_nothing_else_of_genreclf():
    code = ("import sys, genreclf.segments; "
            "print(sorted(m for m in sys.modules if m.startswith('genreclf.') and m != 'genreclf.segments'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
