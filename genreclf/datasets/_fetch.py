"""The GTZAN audio archive: downloaded once (checksum, resume, atomic move), like ``sklearn.datasets.fetch_*``."""
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import numpy as np

from ..audio import AUDIO_EXTENSIONS, AudioLoadWarning
from ._audio_folder import load_audio_folder
from ._base import descr, get_data_home

__all__ = ["fetch_gtzan", "GTZAN_URL"]

logger = logging.getLogger("genreclf.datasets")

#: The well-known location of the original GTZAN archive (``genres/<genre>/<genre>.000NN.au``, ~1.2 GB).
#: It has moved before and may move again: pass ``url=`` (and ``sha256=``) to :func:`fetch_gtzan` to use a
#: mirror, e.g. ``https://huggingface.co/datasets/marsyas/gtzan/resolve/main/data/genres.tar.gz``.
GTZAN_URL = "http://opihi.cs.uvic.ca/sound/genres.tar.gz"
# The checksum published for GTZAN_URL by mirdata and torchaudio (MD5: no SHA-256 is published for it).
_KNOWN_CHECKSUMS = {GTZAN_URL: ("md5", "5b3d6dddb579ab49814ab86dba69e7c7")}


def _hash(path, algorithm):
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _Fatal(Exception):
    """A download error that retrying cannot fix (404, bad URL)."""


def _fetch_to_part(url, part, timeout):
    """Append the rest of ``url`` to ``part`` (resuming from its size); restart if the source cannot resume."""
    import http.client
    from urllib.error import HTTPError
    from urllib.request import Request, urlopen

    offset = part.stat().st_size if part.exists() else 0
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        source = Path(url2pathname(parsed.path) if parsed.scheme else url)
        if not source.is_file():
            raise _Fatal(f"{url!r}: no such file")
        size = source.stat().st_size
        if offset > size:
            offset = 0
        with open(source, "rb") as src, open(part, "ab" if offset else "wb") as dst:
            src.seek(offset)
            shutil.copyfileobj(src, dst, 1 << 20)
        return
    if parsed.scheme not in ("http", "https"):
        raise _Fatal(f"url={url!r}: only http(s):// and file:// URLs are supported")
    from .. import __version__

    request = Request(url, headers={"User-Agent": f"genreclf/{__version__}"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urlopen(request, timeout=timeout)
    except HTTPError as err:
        if err.code == 416 and offset:
            return  # nothing left to fetch: the part is complete (or wrong, which the checksum will tell)
        if 400 <= err.code < 500 and err.code not in (408, 429):
            raise _Fatal(f"{url!r}: HTTP {err.code} {err.reason}") from err
        raise
    with response:
        resumed = offset and response.status == 206 and (
            response.headers.get("Content-Range", "").startswith(f"bytes {offset}-"))
        if offset and not resumed:
            logger.info("%s does not resume downloads: starting %s again", url, part.name)
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length and length.isdigit() else None
        done, last = offset, time.monotonic()
        with open(part, "ab" if offset else "wb") as dst:
            while True:
                try:
                    block = response.read(1 << 20)
                except http.client.IncompleteRead as err:
                    dst.write(err.partial)
                    raise
                if not block:
                    break
                dst.write(block)
                done += len(block)
                if time.monotonic() - last > 5:
                    last = time.monotonic()
                    logger.info("downloading %s: %d%s bytes", part.name, done, f" of {total}" if total else "")
        if total is not None and done < total:
            raise OSError(f"connection closed after {done} of {total} bytes")


def _download(url, dest, checksum, n_retries, delay, timeout=60):
    """Download ``url`` to ``dest`` through ``dest.part``: resume, verify, then move into place atomically.

    A partial download is kept on interruption (the next call resumes it); a file whose checksum does not
    match is deleted, never used, and fetched again.
    """
    part = dest.with_name(dest.name + ".part")
    algorithm, expected = checksum if checksum else (None, None)
    mismatch = None
    for attempt in range(n_retries + 1):
        try:
            _fetch_to_part(url, part, timeout)
        except _Fatal as err:
            raise OSError(f"cannot download {err}") from None
        except Exception as err:  # network, HTTP 5xx, truncated transfer, disk: retry, resuming the part
            if attempt < n_retries:
                logger.warning("download of %s failed (%s); retrying in %s s (%d left)", url, err, delay,
                               n_retries - attempt)
                time.sleep(delay)
                continue
            kept = (f"; the partial file {str(part)!r} ({part.stat().st_size} bytes) is kept and the next call "
                    "resumes it") if part.exists() else ""
            raise OSError(f"cannot download {url!r} after {n_retries + 1} attempt(s): {type(err).__name__}: "
                          f"{err}{kept}") from err
        if algorithm is None:
            os.replace(part, dest)
            return dest
        actual = _hash(part, algorithm)
        if actual == expected:
            os.replace(part, dest)
            return dest
        mismatch = (part.stat().st_size, actual)
        part.unlink()
        warnings.warn(f"the download of {url!r} has {algorithm} {actual}, expected {expected}: deleted"
                      + (", fetching it again" if attempt < n_retries else ""), RuntimeWarning, stacklevel=3)
        if attempt < n_retries:
            time.sleep(delay)
    raise OSError(f"{str(dest)!r} downloaded from {url!r} ({mismatch[0]} bytes) has {algorithm} {mismatch[1]} "
                  f"but {expected} was expected, {n_retries + 1} time(s); the file was deleted. If the archive "
                  "has legitimately changed, pass its sha256= (or a trusted mirror's url=)")


def _archive_stem(filename):
    for ext in (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip"):
        if filename.lower().endswith(ext):
            return filename[: -len(ext)]
    return filename


def _extract(archive, target):
    """Extract into a temporary sibling folder, then rename it to ``target`` (all or nothing)."""
    import tarfile
    import zipfile

    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".extract-", dir=target.parent))
    try:
        if tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter="data")
        elif zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(tmp)
        else:
            raise ValueError("not a tar or zip archive")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except Exception as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OSError(f"cannot extract {str(archive)!r}: {type(err).__name__}: {err}; the archive is deleted, "
                      "call fetch_gtzan again to download it anew") from err


def _has_audio(folder):
    return any(p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS for p in folder.iterdir())


def _dataset_root(folder):
    """Descend through wrapper folders (``genres/``) to the folder whose sub-folders hold the audio."""
    while True:
        subdirs = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "__MACOSX"))]
        if len(subdirs) != 1 or _has_audio(folder) or _has_audio(subdirs[0]):
            return folder
        folder = subdirs[0]


def fetch_gtzan(data_home=None, *, url=GTZAN_URL, sha256=None, download_if_missing=True, n_retries=3, delay=1.0):
    """Download the GTZAN audio archive (once) and list its clips like :func:`load_audio_folder`.

    The archive goes to ``<data_home>/gtzan/<name>.part`` first: an interrupted download is kept and the
    next call resumes it (HTTP ``Range``), the checksum is verified, and only then is the file moved into
    place (``os.replace``) and extracted into a temporary folder that is renamed when complete, so a cache is
    either whole or absent. A file with a wrong checksum is deleted and fetched again, never used.
    Progress is logged (``logging.getLogger("genreclf.datasets")``).

    Parameters
    ----------
    data_home : str or os.PathLike, optional
        Cache folder; default :func:`get_data_home` (``$GENRECLF_DATA`` or ``~/genreclf_data``).
    url : str, default=GTZAN_URL
        Where the archive is (``http(s)://`` or ``file://``; ``.tar.gz``, ``.tar``, ``.zip``). The default is
        the well-known original location, which has moved before: pass a mirror's ``url=`` (and ``sha256=``)
        if it is unreachable.
    sha256 : str, optional
        SHA-256 of the archive. ``None`` with the default URL verifies the MD5 published for it (by mirdata and
        torchaudio); ``None`` with another URL downloads unverified, with a warning giving the SHA-256 to pin.
    download_if_missing : bool, default=True
        If False, raise ``OSError`` when the data is not cached instead of downloading it.
    n_retries : int >= 0, default=3
        Further attempts after a failed or corrupt download (each resumes the partial file).
    delay : float >= 0, default=1.0
        Seconds between attempts.

    Returns
    -------
    data : Bunch
        As :func:`load_audio_folder` (``filenames``, ``target``, ``target_names``, ``groups``,
        ``unreadable``) plus ``DESCR`` and ``path`` (the extracted folder).

    Examples
    --------
    A local archive (``file://``) made on the fly; the real one is ~1.2 GB:

    >>> import hashlib, tarfile, tempfile, numpy as np, soundfile as sf
    >>> from pathlib import Path
    >>> tmp = Path(tempfile.mkdtemp())
    >>> (tmp / "genres" / "jazz").mkdir(parents=True)
    >>> sf.write(tmp / "genres" / "jazz" / "jazz.00003.wav", np.full(4096, 0.1, dtype=np.float32), 22050)
    >>> with tarfile.open(tmp / "genres.tar.gz", "w:gz") as tar:
    ...     tar.add(tmp / "genres", arcname="genres")
    >>> digest = hashlib.sha256((tmp / "genres.tar.gz").read_bytes()).hexdigest()
    >>> gtzan = fetch_gtzan(tmp / "cache", url=(tmp / "genres.tar.gz").as_uri(), sha256=digest)
    >>> list(gtzan.groups), list(gtzan.target)
    (['jazz.00003'], ['jazz'])
    """
    if not (isinstance(n_retries, (int, np.integer)) and n_retries >= 0):
        raise ValueError(f"n_retries={n_retries!r} must be an int >= 0")
    if sha256 is not None:
        if not (isinstance(sha256, str) and re.fullmatch(r"[0-9a-fA-F]{64}", sha256)):
            raise ValueError(f"sha256={sha256!r} must be 64 hexadecimal digits (the SHA-256 of the archive)")
        checksum = ("sha256", sha256.lower())
    else:
        checksum = _KNOWN_CHECKSUMS.get(url)
    filename = os.path.basename(urlparse(url).path) or "gtzan_archive"
    home = Path(get_data_home(data_home)) / "gtzan"
    home.mkdir(parents=True, exist_ok=True)
    stem = _archive_stem(filename)
    folder = home / (stem if stem != filename else filename + "_extracted")
    stamp_file = folder / ".genreclf_source.json"
    if folder.is_dir():
        try:
            stamp = json.loads(stamp_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stamp = None
        if stamp is not None and (checksum is None or stamp.get("checksum") == list(checksum)):
            return _audio_bunch(folder)
        warnings.warn(f"the cached GTZAN folder {str(folder)!r} does not come from an archive with the requested "
                      "checksum: fetching it again", RuntimeWarning, stacklevel=2)
    if not download_if_missing:
        raise OSError(f"GTZAN is not in {str(home)!r} and download_if_missing=False: call "
                      "fetch_gtzan(download_if_missing=True) or pass data_home= where it was downloaded")
    archive = home / filename
    if archive.exists():  # a complete earlier download that was not extracted: verify it before use
        if checksum is not None and _hash(archive, checksum[0]) != checksum[1]:
            warnings.warn(f"{str(archive)!r} does not match its checksum: deleted and downloaded again",
                          RuntimeWarning, stacklevel=2)
            archive.unlink()
    if not archive.exists():
        logger.info("downloading %s to %s", url, archive)
        _download(url, archive, checksum, n_retries, delay)
    if checksum is None:
        digest = _hash(archive, "sha256")
        warnings.warn(f"{url!r} was downloaded without a checksum to verify; its sha256 is {digest}: pass "
                      f"sha256='{digest}' to pin it", RuntimeWarning, stacklevel=2)
        checksum = ("sha256", digest)
    try:
        _extract(archive, folder)
    except OSError:
        archive.unlink(missing_ok=True)
        raise
    stamp_tmp = folder / ".genreclf_source.json.tmp"
    stamp_tmp.write_text(json.dumps({"url": url, "checksum": list(checksum)}), encoding="utf-8")
    os.replace(stamp_tmp, stamp_file)
    archive.unlink()  # the extracted folder is the cache; the archive would double the disk space
    return _audio_bunch(folder)


def _audio_bunch(folder):
    root = _dataset_root(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AudioLoadWarning)
        bunch = load_audio_folder(root)
    if bunch.unreadable:
        listing = "; ".join(f"{f!r}: {reason}" for f, reason in bunch.unreadable)
        warnings.warn(AudioLoadWarning(f"fetch_gtzan: {len(bunch.unreadable)} audio file(s) cannot be decoded and "
                                       f"are left out of filenames (see 'unreadable'): {listing}",
                                       [(None, f, r) for f, r in bunch.unreadable]), stacklevel=3)
    bunch.DESCR = descr("gtzan_audio.rst")
    bunch.path = str(root)
    return bunch
