"""Track ids: the one place that turns a GTZAN file name, segment name or path into its track."""
import os
import re

import numpy as np

from ..audio import AUDIO_EXTENSIONS

__all__ = ["track_id", "track_ids", "GTZAN_NAME"]

#: A GTZAN name without its extension: ``<genre>.<5 digits>``, and ``.<k>`` for a 3-second segment.
GTZAN_NAME = re.compile(r"^(?P<track>[A-Za-z][\w-]*\.\d{5})(?:\.(?P<segment>\d+))?$")


def track_id(name):
    """The GTZAN track id of a file name, path, segment name or track id.

    ``"blues.00042"``, ``"blues.00042.wav"``, ``"blues.00042.3.wav"`` (a 3-second segment),
    ``"genres/blues/blues.00042.au"`` and ``"C:\\\\gtzan\\\\blues\\\\blues.00042.wav"`` all give ``"blues.00042"``.
    The folder and a known audio extension (:data:`AUDIO_EXTENSIONS`) are removed; a trailing segment
    index is removed only from GTZAN-style names (``<genre>.<5 digits>.<k>``). Other names keep their
    stem (``"my song.mp3"`` → ``"my song"``).

    Parameters
    ----------
    name : str or os.PathLike

    Returns
    -------
    str

    Examples
    --------
    >>> track_id("genres/jazz/jazz.00054.wav"), track_id("rock.00003.7.wav"), track_id("pop.00001")
    ('jazz.00054', 'rock.00003', 'pop.00001')
    """
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if isinstance(name, np.str_):
        name = str(name)
    if not isinstance(name, str):
        raise TypeError(f"track_id expects a file name, path or track id (str), got {type(name).__name__}: "
                        f"{name!r}")
    base = re.split(r"[/\\]", name.strip())[-1]
    stem, ext = os.path.splitext(base)
    if ext.lower() in AUDIO_EXTENSIONS:
        base = stem
    match = GTZAN_NAME.match(base)
    if match:
        return match.group("track")
    if not base:
        raise ValueError(f"track_id: {name!r} has no file name")
    return base


def track_ids(values, what):
    """:func:`track_id` of every value, as an object array; a TypeError names ``what`` held the bad value."""
    try:
        return np.asarray([track_id(v) for v in values], dtype=object)
    except TypeError as err:
        raise TypeError(f"{what}: {err}") from None
