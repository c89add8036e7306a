"""The files genreclf writes for itself and reads back: cache entries (the features of a clip, the fold results of a
benchmark) and the default model.

Safe by default: nothing here is unpickled, and nothing is served that genreclf did not write for this very key.

- **What an entry is.** A NumPy ``.npz`` archive read with ``allow_pickle=False``: arrays, and text (its key, the
  digest of its arrays, a fold result's JSON). Loading one runs no code.
- **Bound to its key.** The key of a feature entry hashes the clip's *content* (the file's bytes, or the signal's
  samples: a renamed file is found again, an edited one is recomputed), the transformer's class, the parameters that
  change its result and genreclf's version; a fold result's key hashes everything the result depends on. The entry
  stores its key and the digest of its arrays. A read that finds another key (entries swapped, a stale copy), arrays
  that do not match their digest (bit rot), or a file that does not load (a half-copied entry) is not served: the
  caller recomputes it and warns once, naming it.
- **Written safely.** Through a temporary file created exclusively in the entry's own folder (``O_EXCL``, mode
  0600: never through a link planted there, never readable half-written), then renamed into place.
- **Read safely.** Without following a link, only from a regular file of your own that no other user can write,
  and never more than :data:`MAX_ENTRY_BYTES`: an entry planted by someone else, or a link to elsewhere, is refused
  (and recomputed), whatever it holds.
"""
import hashlib
import io
import os
import stat
import tempfile
import warnings

import numpy as np

__all__ = ["FeatureCache", "EntryStore", "CacheWarning", "check_cache_folder", "read_own_file", "write_own_file",
           "NotServed", "MAX_ENTRY_BYTES"]

_BLOCK = 1 << 20
#: The largest file genreclf reads back from its caches (bytes): far above any entry it writes, and a bound on the
#: memory that a planted or damaged file can take.
MAX_ENTRY_BYTES = 1 << 30


class CacheWarning(RuntimeWarning):
    """A cache entry could not be used (and its clip was recomputed), or the cache cannot be written."""


class NotServed(OSError):
    """A file genreclf wrote for itself is not read back: a link, not a regular file, not the user's own, writable by
    other users, or too large. The message says which."""


def _digest(*arrays):
    """The hash of arrays' dtypes, shapes and bytes."""
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(repr((a.dtype.str, a.shape)).encode())
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


def read_own_file(path, max_bytes=MAX_ENTRY_BYTES):
    """The bytes of ``path``, a file genreclf wrote for this user: opened without following a link, and checked on
    the open file (not on its name, which another process could swap meanwhile).

    Raises
    ------
    FileNotFoundError
        There is no such file.
    NotServed
        It is a link, not a regular file, owned by another user, writable by other users (its content could be
        theirs), or larger than ``max_bytes``.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "entry")
    >>> write_own_file(path, b"features")
    >>> read_own_file(path)
    b'features'
    >>> link = path + ".link"
    >>> os.symlink(path, link)
    >>> read_own_file(link)
    Traceback (most recent call last):
    ...
    genreclf.features._cache.NotServed: it is a link (to ...), and genreclf never reads its own files through a link
    """
    path = os.fspath(path)
    if os.path.islink(path):  # O_NOFOLLOW below also refuses it; this names where it points
        raise NotServed(f"it is a link (to {os.readlink(path)!r}), and genreclf never reads its own files through "
                        "a link")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotServed("it is not a regular file")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise NotServed(f"it belongs to another user (uid {info.st_uid}), so its content may be theirs")
        if hasattr(os, "getuid") and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise NotServed(f"other users can write it (mode {stat.filemode(info.st_mode)}), so its content may be "
                            "theirs")
        if info.st_size > max_bytes:
            raise NotServed(f"it holds {info.st_size:,} bytes, more than the {max_bytes:,} genreclf reads back")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(max_bytes + 1)[:max_bytes + 1]
    finally:
        os.close(fd)


def write_own_file(path, data):
    """Write ``data`` (bytes, or a function that writes to the open binary file) to ``path`` atomically.

    It goes to a temporary file created exclusively in the same folder (``O_EXCL``, mode 0600, so never through a link
    planted there), then renamed over ``path``, which replaces a link at ``path`` itself, never the file it points to.
    Raises ``OSError`` (the temporary file removed).
    """
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)[:16]}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            data(fh) if callable(data) else fh.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


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


class EntryStore:
    """Entries of named arrays in a folder, each bound to its key (see the module docstring).

    Parameters
    ----------
    location : str or os.PathLike
        The cache folder (created if missing).
    name : str
        The sub-folder of this kind of entry, e.g. ``"genreclf-features"``.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> store = EntryStore(tempfile.mkdtemp(), "demo")
    >>> store.store("0a1b2c", values=np.arange(3.0))
    >>> store.load("0a1b2c")
    ({'values': array([0., 1., 2.])}, None)
    >>> store.load("ffffff")
    (None, None)
    """

    def __init__(self, location, name):
        self.location = os.fspath(location)
        self.folder = os.path.join(self.location, name)
        self.writable = True

    def check(self, owner, consequence):
        """Before any work: an error if the location is a file, one warning if entries cannot be written."""
        self.writable = check_cache_folder(self.location, self.folder, owner, consequence)

    def path(self, key):
        return os.path.join(self.folder, key[:2], f"{key}.npz")

    def load(self, key):
        """``(arrays, None)``; ``(None, None)`` when there is no entry; ``(None, why)`` when it cannot be served."""
        try:
            data = read_own_file(self.path(key))
        except FileNotFoundError:
            return None, None
        except NotServed as err:
            return None, f"cannot be served: {err}"
        except OSError as err:
            return None, f"cannot be read ({err.strerror or err})"
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as entry:
                arrays = {name: entry[name] for name in entry.files}
            stored_key, digest = str(arrays.pop("key")), str(arrays.pop("digest"))
        except Exception as err:  # a truncated, corrupted or foreign file: anything numpy or zipfile may raise
            return None, f"cannot be read ({type(err).__name__}), as a crash or a bad copy leaves it"
        if stored_key != key:
            return None, "belong to another clip or setting (swapped or stale entries)"
        if _digest(*(arrays[name] for name in sorted(arrays))) != digest:
            return None, "were damaged (digest mismatch)"
        return arrays, None

    def store(self, key, **arrays):
        """Write an entry (see :func:`write_own_file`); a failure to write warns once and turns the store off."""
        if not self.writable:
            return
        digest = _digest(*(arrays[name] for name in sorted(arrays)))
        try:
            write_own_file(self.path(key), lambda fh: np.savez(fh, key=np.array(key), digest=np.array(digest),
                                                               **arrays))
        except OSError as err:  # a full disk, a folder made read-only meanwhile: carry on without the cache
            self.writable = False
            warnings.warn(CacheWarning(f"genreclf: cannot write to the cache {self.location!r} "
                                       f"({err.strerror or err}); {self.unwritten}"), stacklevel=3)

    #: What happens when entries cannot be written (said in the warning).
    unwritten = "nothing is stored"


class FeatureCache(EntryStore):
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

    unwritten = "features are computed without being stored"

    def __init__(self, location):
        super().__init__(location, "genreclf-features")

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
        super().check(owner, self.unwritten)

    def key(self, setting, clip):
        """The key of ``clip`` computed with ``setting`` (a string naming the transformer and its parameters)."""
        from .. import __version__

        h = hashlib.blake2b(digest_size=20)
        h.update(f"genreclf {__version__}\n{setting}\n{content_digest(clip)}".encode())
        return h.hexdigest()

    def load(self, key):
        """``(features, None)``; ``(None, None)`` when there is no entry; ``(None, why)`` when it is not usable."""
        arrays, problem = super().load(key)
        if arrays is None:
            return None, problem
        if set(arrays) != {"features"}:
            return None, "cannot be read (not a feature entry), as a crash or a bad copy leaves it"
        return arrays["features"], None

    def store(self, key, features):
        """Write an entry atomically: a temporary file, then renamed into place."""
        super().store(key, features=features)
