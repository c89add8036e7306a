"""The on-disk cache of per-clip features (the ``memory=`` of every feature transformer).

One file per clip and transformer setting, bound to what it was computed from. Its key is a hash of the clip's
*content* (the file's bytes, or the signal's samples: a renamed file is found again, an edited one is recomputed),
the transformer's class and the parameters that change its result, and genreclf's version. The entry stores that
key and the digest of its features. A read that finds another key (entries swapped, a stale copy), features that
do not match their digest (bit rot), or a file that does not load (a half-copied entry) recomputes the clip and
warns once, naming it. An entry is written to a temporary file and then renamed into place, so a run killed
mid-write leaves nothing that can be served.
"""
import hashlib
import os
import tempfile
import warnings

import numpy as np

__all__ = ["FeatureCache", "CacheWarning", "check_cache_folder"]

_BLOCK = 1 << 20


class CacheWarning(RuntimeWarning):
    """A cache entry could not be used (and its clip was recomputed), or the cache cannot be written."""


def _digest(features):
    a = np.ascontiguousarray(features)
    h = hashlib.blake2b(repr((a.dtype.str, a.shape)).encode(), digest_size=16)
    h.update(a.view(np.uint8).reshape(-1) if a.size else b"")
    return h.hexdigest()


def content_digest(clip):
    """The hash of a clip's content: the bytes of a file, or the samples of a signal."""
    h = hashlib.blake2b(digest_size=20)
    if isinstance(clip, (str, os.PathLike)):
        with open(clip, "rb") as fh:
            for block in iter(lambda: fh.read(_BLOCK), b""):
                h.update(block)
    else:
        a = np.ascontiguousarray(clip)
        h.update(repr((a.dtype.str, a.shape)).encode())
        h.update(a.view(np.uint8).reshape(-1) if a.size else b"")
    return h.hexdigest()


def check_cache_folder(location, folder, owner, consequence):
    """Whether ``folder`` (inside the cache ``location``) can be written: created and probed before any work.

    An error if ``location`` is a file; one :class:`CacheWarning` (naming ``owner`` and the ``consequence``) and
    False if the folder cannot be written.
    """
    if os.path.exists(location) and not os.path.isdir(location):
        raise ValueError(f"{owner}: memory={location!r} is a file, not a folder: pass a folder for the cache, "
                         "or memory=None")
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError as err:
        warnings.warn(CacheWarning(f"{owner}: the cache folder {location!r} cannot be written "
                                   f"({err.strerror or err}): {consequence}"), stacklevel=4)
        return False
    return True


class FeatureCache:
    """Features of clips in a folder, each entry bound to its clip's content, the settings and the version.

    Parameters
    ----------
    location : str or os.PathLike
        The folder (created if missing); entries go to ``<location>/genreclf-features/``.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> cache = FeatureCache(tempfile.mkdtemp())
    >>> key = cache.key("MFCCTransformer(n_mfcc=13)", np.zeros(8))
    >>> cache.store(key, np.arange(3.0))
    >>> cache.load(key)
    (array([0., 1., 2.]), None)
    """

    def __init__(self, location):
        self.location = os.fspath(location)
        self.folder = os.path.join(self.location, "genreclf-features")
        self.writable = True

    @classmethod
    def of(cls, memory):
        """The cache a transformer's ``memory`` names: None, a folder, or a ``joblib.Memory`` (its location)."""
        if memory is None:
            return None
        location = getattr(memory, "location", memory)
        if location is None:
            return None
        if not isinstance(location, (str, os.PathLike)):
            raise TypeError(f"memory={memory!r} is not valid: use None, a folder (str) or a joblib.Memory")
        return cls(location)

    def check(self, owner):
        """Before any work: an error if the location is a file, one warning if entries cannot be written."""
        self.writable = check_cache_folder(self.location, self.folder, owner, "features are computed without "
                                           "being stored")

    def key(self, setting, clip):
        """The key of ``clip`` computed with ``setting`` (a string naming the transformer and its parameters)."""
        from .. import __version__

        h = hashlib.blake2b(digest_size=20)
        h.update(f"genreclf {__version__}\n{setting}\n{content_digest(clip)}".encode())
        return h.hexdigest()

    def _path(self, key):
        return os.path.join(self.folder, key[:2], f"{key}.npz")

    def load(self, key):
        """``(features, None)``; ``(None, None)`` when there is no entry; ``(None, why)`` when it is not usable."""
        path = self._path(key)
        if not os.path.exists(path):
            return None, None
        try:
            with np.load(path, allow_pickle=False) as entry:
                features, stored_key, digest = entry["features"], str(entry["key"]), str(entry["digest"])
        except Exception as err:  # a truncated or corrupted file: anything numpy or zipfile may raise
            return None, f"cannot be read ({type(err).__name__}), as a crash or a bad copy leaves it"
        if stored_key != key:
            return None, "belong to another clip or setting (swapped or stale entries)"
        if _digest(features) != digest:
            return None, "were damaged (digest mismatch)"
        return features, None

    def store(self, key, features):
        """Write an entry atomically: a temporary file, then renamed into place."""
        if not self.writable:
            return
        path = self._path(key)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=f".{key[:8]}-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    np.savez(fh, features=features, key=np.array(key), digest=np.array(_digest(features)))
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.remove(tmp)
        except OSError as err:  # a full disk, a folder made read-only meanwhile: carry on without the cache
            self.writable = False
            warnings.warn(CacheWarning(f"genreclf: cannot write to the cache {self.location!r} "
                                       f"({err.strerror or err}); features are computed without being stored"),
                          stacklevel=2)
