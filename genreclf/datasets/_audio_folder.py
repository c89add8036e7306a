"""Folders of audio: one sub-folder per genre, every file listed, unreadable ones reported."""
import os
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..audio import AUDIO_EXTENSIONS, AudioLoadWarning, unreadable_reason
from ._track_ids import track_ids

__all__ = ["load_audio_folder"]


def load_audio_folder(path):
    """List the audio files of a folder of genre sub-folders: paths, labels and track ids.

    ``path/<label>/<file>`` → one clip labelled ``<label>``, like ``sklearn.datasets.load_files(path,
    load_content=False)`` but in a stable sorted order and for audio. Only files with an audio extension
    (:data:`~genreclf.audio.AUDIO_EXTENSIONS`: WAV, AU, MP3, FLAC, Ogg, AIFF, Wave64, RF64) in the immediate
    sub-folders are taken, and links to missing files; every one is checked cheaply
    (:func:`~genreclf.audio.unreadable_reason`: the header, and the last frames). Files that cannot be decoded are
    **not** in ``filenames``: they are listed in ``unreadable`` and reported by an
    :class:`~genreclf.audio.AudioLoadWarning`.

    Parameters
    ----------
    path : str or os.PathLike
        The folder, e.g. the ``genres_original`` folder of the Kaggle download.

    Returns
    -------
    data : Bunch
        filenames : ndarray of shape (n_clips,) of str, sorted by label then file name
        target : ndarray of shape (n_clips,) of str, the sub-folder names
        target_names : ndarray of str, the sorted sub-folder names that hold audio files
        groups : ndarray of shape (n_clips,) of str, track ids (:func:`track_id`)
        unreadable : list of (str, str), ``(path, reason)`` of every audio file that cannot be decoded
        DESCR : None

    Raises
    ------
    FileNotFoundError / NotADirectoryError
        ``path`` does not exist or is a file.
    ValueError
        No audio file in any sub-folder.

    Examples
    --------
    >>> import tempfile, numpy as np, soundfile as sf
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp())
    >>> for name in ("blues/blues.00001.wav", "rock/rock.00007.wav"):
    ...     (root / name).parent.mkdir(exist_ok=True)
    ...     sf.write(root / name, np.zeros(2048, dtype=np.float32) + 0.1, 22050)
    >>> clips = load_audio_folder(root)
    >>> list(clips.target), list(clips.groups), clips.unreadable
    (['blues', 'rock'], ['blues.00001', 'rock.00007'], [])
    """
    root = Path(os.fspath(path))
    if not root.exists():
        raise FileNotFoundError(f"audio folder {str(root)!r} does not exist")
    if not root.is_dir():
        raise NotADirectoryError(f"{str(root)!r} is a file: pass the folder that holds one sub-folder per genre")
    candidates, nested = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for f in sorted(folder.iterdir()):
            # a link to a missing file is listed (and reported as unreadable): a git-annex or DVC checkout whose
            # content was not fetched looks exactly like that
            if (f.is_file() or f.is_symlink()) and not f.name.startswith(".") and f.suffix.lower() in AUDIO_EXTENSIONS:
                candidates.append((folder.name, str(f)))
            elif f.is_dir() and not f.is_symlink() and not f.name.startswith("."):
                deeper = sum(1 for g in f.rglob("*") if g.suffix.lower() in AUDIO_EXTENSIONS)
                if deeper:
                    nested.append(f"{str(f)!r} ({deeper} audio file(s))")
    if nested:
        warnings.warn(f"load_audio_folder: audio in folders inside a genre folder is not read: {'; '.join(nested)}. "
                      "Move the files up into their genre folder (the label is the folder right under "
                      f"{str(root)!r}) if they belong to the collection", UserWarning, stacklevel=2)
    if not candidates:
        loose = [f.name for f in root.iterdir() if f.is_file() and f.suffix.lower() in AUDIO_EXTENSIONS]
        hint = (f"; {len(loose)} audio file(s) sit directly in it: put each in a sub-folder named after its "
                "label") if loose else ""
        raise ValueError(f"no audio file ({', '.join(AUDIO_EXTENSIONS)}) in the sub-folders of {str(root)!r}: "
                         f"expected {str(root)!r}/<genre>/<clip>{hint}")
    filenames, target, unreadable, failures = [], [], [], []
    for i, (label, f) in enumerate(candidates):
        reason = unreadable_reason(f)
        if reason is None:
            filenames.append(f)
            target.append(label)
        else:
            unreadable.append((f, reason))
            failures.append((i, f, reason))
    _check_tracks_are_unique(filenames, target)
    if unreadable:
        listing = "; ".join(f"{f!r}: {reason}" for f, reason in unreadable)
        warnings.warn(AudioLoadWarning(f"load_audio_folder: {len(unreadable)} of {len(candidates)} audio file(s) "
                                       f"in {str(root)!r} cannot be decoded and are left out of filenames (see "
                                       f"the 'unreadable' field): {listing}", failures), stacklevel=2)
    return Bunch(filenames=np.asarray(filenames, dtype=object), target=np.asarray(target, dtype=object),
                 target_names=np.asarray(sorted({label for label, _ in candidates}), dtype=object),
                 groups=track_ids(filenames, "load_audio_folder"), unreadable=unreadable, DESCR=None)


def _check_tracks_are_unique(filenames, target):
    """A track in two genre folders is an error naming it; the same audio under two names, a warning naming both
    (each copy could land on its own side of a split, and the test score would reward remembering it)."""
    from ..features._cache import content_digest

    ids = track_ids(filenames, "load_audio_folder")
    first = {}
    for f, label, track in zip(filenames, target, ids):
        if track in first and first[track][1] != label:
            raise ValueError(f"load_audio_folder: the track {track!r} is in two genre folders, {first[track][0]!r} "
                             f"and {f!r}: a track has one genre, so rename or remove one of them")
        first.setdefault(track, (f, label))
    by_size = {}
    for f in filenames:  # only files of one size can be byte-identical: hash just those
        by_size.setdefault(os.path.getsize(f), []).append(f)
    seen, copies = {}, []
    for same_size in by_size.values():
        for f in same_size if len(same_size) > 1 else ():
            digest = content_digest(f)
            if digest in seen:
                copies.append(f"{seen[digest]!r} and {f!r}")
            else:
                seen[digest] = f
    if copies:
        warnings.warn(f"load_audio_folder: {len(copies)} file(s) hold the same audio as another, byte for byte: "
                      f"{'; '.join(copies[:10])}{' ...' if len(copies) > 10 else ''}. Each copy can land on its own "
                      "side of a split and flatter the test score: keep one of each", UserWarning, stacklevel=3)
