"""Segments of clips and votes of tracks: the array functions behind every segment model.

A 30-second clip is often classified from its 3-second segments, and a track is then decided by the vote of
its segments. Every part of genreclf that does so calls the functions of this module, which take and return
NumPy arrays only and import nothing else from genreclf:

============================  =============================================================================
:func:`cut_segments`          one clip's samples ``(n_samples,)`` or a batch of frames ``(n_clips, n_frames,
                              n_coefs)`` → ``n_segments`` windows of ``segment_length`` samples or frames
:func:`stack_segments`        segment rows + their track ids → ``(n_tracks, n_segments, ...)``: one row of
                              ``X`` per track again
:func:`flatten_segments`      the inverse: ``(n_tracks, n_segments, ...)`` → rows, track ids, segment index
:func:`aggregate_tracks`      segment probabilities + track ids → one probability row per track (the vote)
:func:`track_labels`          row labels + track ids → one label per track
============================  =============================================================================

Tracks come out in sorted order (the order of ``np.unique(groups)``) everywhere, so the outputs of these
functions line up with each other. The segment count is called ``n_segments`` throughout genreclf.
"""
import numpy as np

__all__ = ["cut_segments", "segment_starts", "stack_segments", "flatten_segments", "aggregate_tracks",
           "track_labels", "one_hot", "AGGREGATES", "IncompleteSegmentsWarning"]

#: How :func:`aggregate_tracks` decides a track: the mean of its segments' probabilities, or their votes.
AGGREGATES = ("mean_proba", "vote")


class IncompleteSegmentsWarning(UserWarning):
    """A clip is too short for all the segments asked of it; the missing ones are NaN."""


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r} is not valid: use a positive int")
    return int(value)


def segment_starts(n, segment_length, *, n_segments=None, hop=None):
    """Where each segment starts, for a clip of ``n`` samples (or frames).

    Segments of ``segment_length`` are laid every ``hop`` from the start (end to end when ``hop`` is None). With
    ``n_segments=None``, as many as fit. When ``n_segments`` windows do not fit end to end and no ``hop`` is given,
    they are spread evenly from the first to the last sample, overlapping.

    Parameters
    ----------
    n : int
        Length of the clip.
    segment_length : int > 0
    n_segments : int > 0 or None, default=None
    hop : int > 0 or None, default=None
        Distance between segment starts; ``None`` is ``segment_length``.

    Returns
    -------
    np.ndarray of shape (n_segments,), int

    Raises
    ------
    ValueError
        A segment longer than the clip, or ``n_segments`` that do not fit at the given ``hop``.

    Examples
    --------
    >>> segment_starts(10, 3).tolist(), segment_starts(10, 3, n_segments=4).tolist()
    ([0, 3, 6], [0, 2, 5, 7])
    """
    segment_length = _positive_int(segment_length, "segment_length")
    step = segment_length if hop is None else _positive_int(hop, "hop")
    if segment_length > n:
        raise ValueError(f"segment_length={segment_length} is longer than the {n} samples or frames of each clip")
    fit = 1 + (n - segment_length) // step
    if n_segments is None:
        return np.arange(fit) * step
    n_segments = _positive_int(n_segments, "n_segments")
    if n_segments <= fit:
        return np.arange(n_segments) * step
    if hop is not None:
        raise ValueError(f"n_segments={n_segments} segments of {segment_length} every {hop} do not fit in {n}: "
                         f"{fit} do; pass n_segments<={fit}, or hop=None to spread them evenly")
    return np.round(np.linspace(0, n - segment_length, n_segments)).astype(int)


def cut_segments(x, segment_length, *, n_segments=None, hop=None, axis=-1):
    """Cut the ``axis`` of ``x`` into segments (see :func:`segment_starts` for where they start).

    Parameters
    ----------
    x : np.ndarray
        A signal ``(n_samples,)`` (``axis=-1``), or frames ``(n_clips, n_frames, n_coefs)`` (``axis=1``).
    segment_length : int > 0
        Samples or frames per segment.
    n_segments, hop : int > 0 or None
        As in :func:`segment_starts`.
    axis : int, default=-1
        The axis to cut.

    Returns
    -------
    np.ndarray
        ``axis`` replaced by two axes ``(n_segments, segment_length)``: ``(n_segments, segment_length)`` for a
        signal, ``(n_clips, n_segments, segment_length, n_coefs)`` for frames. Segments laid at a regular hop
        are a read-only view of ``x`` (no copy).

    Examples
    --------
    >>> import numpy as np
    >>> cut_segments(np.arange(10), 4, hop=3).tolist()
    [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]
    >>> frames = np.zeros((2, 130, 13))            # 2 clips, 130 frames, 13 coefficients
    >>> cut_segments(frames, 13, axis=1).shape     # 10 segments of 13 frames per clip
    (2, 10, 13, 13)
    """
    x = np.asarray(x)
    axis = axis % x.ndim
    starts = segment_starts(x.shape[axis], segment_length, n_segments=n_segments, hop=hop)
    steps = np.diff(starts)
    if len(steps) == 0 or np.all(steps == steps[0]):
        step = int(steps[0]) if len(steps) else 0
        shape = x.shape[:axis] + (len(starts), segment_length) + x.shape[axis + 1:]
        strides = x.strides[:axis] + (step * x.strides[axis], x.strides[axis]) + x.strides[axis + 1:]
        return np.lib.stride_tricks.as_strided(x, shape=shape, strides=strides, writeable=False)
    index = starts[:, np.newaxis] + np.arange(segment_length)
    return np.take(x, index, axis=axis)


def _as_groups(groups, n_rows, name="groups"):
    groups = np.asarray(groups)
    if groups.ndim != 1 or len(groups) != n_rows:
        raise ValueError(f"{name} must hold one track id per row: {n_rows} rows, {name} of shape {groups.shape}")
    return groups


def track_labels(y, groups):
    """One label per track: the label of its first row.

    Parameters
    ----------
    y : array-like of shape (n_rows,)
    groups : array-like of shape (n_rows,)
        Track id of each row.

    Returns
    -------
    tracks : np.ndarray of shape (n_tracks,)
        Sorted, as ``np.unique(groups)``.
    labels : np.ndarray of shape (n_tracks,)

    Examples
    --------
    >>> track_labels(["rock", "rock", "jazz"], ["rock.00001", "rock.00001", "jazz.00007"])
    (array(['jazz.00007', 'rock.00001'], dtype='<U10'), array(['jazz', 'rock'], dtype='<U4'))
    """
    y = np.asarray(y)
    tracks, first = np.unique(_as_groups(groups, len(y)), return_index=True)
    return tracks, y[first]


def stack_segments(rows, groups, y=None, *, n_segments=None, incomplete="raise"):
    """Gather the segment rows of each track into one sample: ``(n_rows, ...)`` → ``(n_tracks, n_segments, ...)``.

    This makes a segment-level table (such as the published 3-second GTZAN table) one row per track again, the
    input of :class:`~genreclf.models.SegmentClassifier` (with ``segment_frames=1``), so that splits of ``X``
    are splits of whole tracks. A track's rows keep their order in ``rows``.

    Parameters
    ----------
    rows : array-like of shape (n_rows, ...)
    groups : array-like of shape (n_rows,)
        Track id of each row.
    y : array-like of shape (n_rows,), optional
        Row labels; a track's label is its first row's.
    n_segments : int > 0 or None, default=None
        Segments per track; ``None``: the most rows any track has.
    incomplete : {"raise", "drop", "nan"}, default="raise"
        What to do with a track that has fewer than ``n_segments`` rows (the published 3-second table has a few
        tracks of 9 segments): raise an error naming it, leave it out, or fill its missing segments with NaN (which
        :class:`~genreclf.models.SegmentClassifier` leaves out of its vote). Tracks with more rows keep their
        first ``n_segments``.

    Returns
    -------
    segments : np.ndarray of shape (n_tracks, n_segments, ...)
    tracks : np.ndarray of shape (n_tracks,)
        Sorted track ids.
    labels : np.ndarray of shape (n_tracks,) or None
        Each track's label, when ``y`` is given.

    Examples
    --------
    >>> import numpy as np
    >>> rows = np.arange(5.0)[:, None]                          # 5 segment rows, 1 feature
    >>> groups = ["a.00001", "a.00001", "b.00002", "b.00002", "b.00002"]
    >>> X3, tracks, _ = stack_segments(rows, groups, n_segments=2)
    >>> X3[:, :, 0].tolist(), tracks.tolist()
    ([[0.0, 1.0], [2.0, 3.0]], ['a.00001', 'b.00002'])
    """
    rows = np.asarray(rows)
    groups = _as_groups(groups, len(rows))
    if incomplete not in ("raise", "drop", "nan"):
        raise ValueError(f"incomplete={incomplete!r} is not valid: use 'raise', 'drop' or 'nan'")
    tracks, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    n = int(counts.max()) if n_segments is None else _positive_int(n_segments, "n_segments")
    short = counts < n
    if short.any() and incomplete == "raise":
        first = int(np.flatnonzero(short)[0])
        raise ValueError(f"{int(short.sum())} track(s) have fewer than {n} segment rows, e.g. {tracks[first].item()!r} "
                         f"({counts[first]}); pass incomplete='drop' to leave them out, or a smaller n_segments")
    order = np.argsort(inverse, kind="stable")          # rows grouped by track, in their order within a track
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    keep = np.flatnonzero(~short) if incomplete == "drop" else np.arange(len(tracks))
    position = np.minimum(np.arange(n), counts[keep][:, np.newaxis] - 1)  # a short track repeats its last row ...
    index = order[starts[keep][:, np.newaxis] + position]
    labels = None if y is None else np.asarray(y)[index[:, 0]]
    segments = rows[index]
    if incomplete == "nan" and short.any():  # ... which is then blanked out
        segments = segments.astype(np.result_type(segments.dtype, np.float32))
        segments[np.arange(n) >= counts[keep][:, np.newaxis]] = np.nan
    return segments, tracks[keep], labels


def flatten_segments(segments, tracks=None):
    """The inverse of :func:`stack_segments`: ``(n_tracks, n_segments, ...)`` → one row per segment.

    Parameters
    ----------
    segments : array-like of shape (n_tracks, n_segments, ...)
    tracks : array-like of shape (n_tracks,), optional
        Track ids; default ``0 .. n_tracks - 1``.

    Returns
    -------
    rows : np.ndarray of shape (n_tracks * n_segments, ...)
        A new array, track-major: the segments of the first track, then those of the second...
    groups : np.ndarray of shape (n_tracks * n_segments,)
        The track of each row.
    index : np.ndarray of shape (n_tracks * n_segments,), int
        The segment number of each row within its track.

    Examples
    --------
    >>> import numpy as np
    >>> rows, groups, index = flatten_segments(np.zeros((2, 3, 57)), ["a.00001", "b.00002"])
    >>> rows.shape, groups.tolist(), index.tolist()
    ((6, 57), ['a.00001', 'a.00001', 'a.00001', 'b.00002', 'b.00002', 'b.00002'], [0, 1, 2, 0, 1, 2])
    """
    segments = np.asarray(segments)
    if segments.ndim < 2:
        raise ValueError(f"segments must be (n_tracks, n_segments, ...), got shape {segments.shape}")
    n_tracks, n_segments = segments.shape[:2]
    tracks = np.arange(n_tracks) if tracks is None else np.asarray(tracks)
    if len(tracks) != n_tracks:
        raise ValueError(f"tracks has {len(tracks)} ids for {n_tracks} tracks of segments")
    rows = np.array(segments.reshape(n_tracks * n_segments, *segments.shape[2:]))  # a new, writeable array
    return rows, np.repeat(tracks, n_segments), np.tile(np.arange(n_segments), n_tracks)


def one_hot(labels, classes):
    """``(n_rows, n_classes)`` indicators of ``labels`` among ``classes``: the votes of hard predictions.

    Examples
    --------
    >>> one_hot(["jazz", "rock", "jazz"], ["jazz", "rock"]).tolist()
    [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    """
    return (np.asarray(labels)[:, np.newaxis] == np.asarray(classes)[np.newaxis, :]).astype(np.float64)


def aggregate_tracks(proba, groups, *, how="mean_proba"):
    """Decide each track from its segments: the track vote.

    Parameters
    ----------
    proba : array-like of shape (n_rows, n_classes)
        Class probabilities of each segment (or :func:`one_hot` votes of hard predictions).
    groups : array-like of shape (n_rows,)
        Track id of each row.
    how : {"mean_proba", "vote"}, default="mean_proba"
        ``"mean_proba"``: the mean of the segments' probabilities. ``"vote"``: the share of the track's segments whose
        most probable class is each class (ties between classes go to the first).

    Returns
    -------
    tracks : np.ndarray of shape (n_tracks,)
        Sorted, as ``np.unique(groups)``.
    track_proba : np.ndarray of shape (n_tracks, n_classes), float64
        Rows sum to 1 when the segments' rows do; ``argmax`` along axis 1 is the track's class.

    Examples
    --------
    >>> import numpy as np
    >>> proba = np.array([[0.9, 0.1], [0.4, 0.6], [0.3, 0.7], [0.2, 0.8]])
    >>> tracks, p = aggregate_tracks(proba, ["a", "a", "a", "b"])
    >>> tracks.tolist(), p.round(3).tolist()
    (['a', 'b'], [[0.533, 0.467], [0.2, 0.8]])
    >>> aggregate_tracks(proba, ["a", "a", "a", "b"], how="vote")[1].round(3).tolist()
    [[0.333, 0.667], [0.0, 1.0]]
    """
    if how not in AGGREGATES:
        raise ValueError(f"how={how!r} is not valid: use one of {AGGREGATES}")
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2:
        raise ValueError(f"proba must be (n_rows, n_classes), got shape {proba.shape}")
    tracks, inverse, counts = np.unique(_as_groups(groups, len(proba)), return_inverse=True, return_counts=True)
    if how == "vote":
        proba = one_hot(np.argmax(proba, axis=1), np.arange(proba.shape[1]))
    sums = np.zeros((len(tracks), proba.shape[1]))
    np.add.at(sums, inverse, proba)
    return tracks, sums / counts[:, np.newaxis]
