"""Feature sets of a benchmark from audio: named transformers, each extracted once per clip, cached, combined.

:func:`~genreclf.evaluation.benchmark` with ``features=`` compares feature sets as well as models. Each set is
extracted once per clip for the whole benchmark (not per fold, not per model) by :func:`extract_feature_sets`,
through the cache of every transformer (keyed on each file's content, the transformer's parameters and the
genreclf version), so a second run of the same benchmark extracts nothing. A clip that cannot be used by one set
is left out of every set, and reported once.

======================  ============================================================================
name                    what
======================  ============================================================================
``gtzan``               the 57 columns of the published GTZAN tables (:class:`GTZANFeatures`)
``musicnn``             pretrained musicnn embeddings (:class:`~genreclf.features.musicnn.MusicnnEmbedding`)
``mfcc``                13 MFCCs per frame of a 30 s clip, 3-D frames for the CNN and LSTM, which see them
                        in ten 3 s segments that vote (:class:`~genreclf.models.SegmentClassifier`)
``a+b``                 the columns of the 2-D sets ``a`` and ``b`` side by side
======================  ============================================================================
"""
import time
import warnings

import numpy as np
from sklearn.base import clone

from .._progress import progress_bar
from ..audio import AudioLoadWarning
from ._cache import CacheWarning

__all__ = ["FEATURE_SETS", "make_feature_sets", "extract_feature_sets"]


def _gtzan():
    from .gtzan import GTZANFeatures

    return GTZANFeatures()


def _musicnn():
    from .musicnn import MusicnnEmbedding

    return MusicnnEmbedding()


def _mfcc():
    from .spectral import MFCCTransformer

    return MFCCTransformer(n_mfcc=13, duration=30.0)


#: The named feature sets: name -> a function that makes its (unfitted) transformer.
FEATURE_SETS = {"gtzan": _gtzan, "musicnn": _musicnn, "mfcc": _mfcc}


def make_feature_sets(spec):
    """``{name: transformer, or tuple of names for a combination}`` from names, a dict, or ``"gtzan,musicnn"``.

    Parameters
    ----------
    spec : str, list of str, or dict
        Names of :data:`FEATURE_SETS` and combinations ``"a+b"`` (comma-separated in a string), or a dict of
        ``{name: transformer}`` where a combination's value may be None.

    Examples
    --------
    >>> sets = make_feature_sets("gtzan,musicnn,gtzan+musicnn")
    >>> [type(v).__name__ for v in sets.values()]
    ['GTZANFeatures', 'MusicnnEmbedding', 'tuple']
    >>> sets["gtzan+musicnn"]
    ('gtzan', 'musicnn')
    """
    if isinstance(spec, str):
        spec = [name.strip() for name in spec.split(",") if name.strip()]
    items = spec.items() if isinstance(spec, dict) else ((name, None) for name in spec)
    sets = {}
    for name, transformer in items:
        name = str(name)
        if transformer is not None:
            sets[name] = transformer
        elif "+" in name:
            sets[name] = tuple(part.strip() for part in name.split("+"))
        elif name in FEATURE_SETS:
            sets[name] = FEATURE_SETS[name]()
        else:
            raise ValueError(f"unknown feature set {name!r}: use {', '.join(FEATURE_SETS)}, a combination such as "
                             "'gtzan+musicnn', or give a transformer: features={'mine': MFCCTransformer(...)}")
    if not sets:
        raise ValueError("no feature set: name one or more, e.g. features='gtzan,musicnn'")
    for name, parts in sets.items():
        if isinstance(parts, tuple):
            missing = [p for p in parts if p not in sets and p not in FEATURE_SETS]
            if missing or len(parts) < 2:
                raise ValueError(f"feature set {name!r} combines unknown set(s) {missing or parts}: combine two or "
                                 f"more of {', '.join(FEATURE_SETS)} or of your own sets")
    return sets


def extract_feature_sets(clips, sets, *, memory=None, n_jobs=None, chunk_size=32, verbose=0, return_costs=False):
    """Extract every feature set of ``clips`` once, with one progress bar; drop clips that fail in any set.

    Parameters
    ----------
    clips : list of str or os.PathLike
    sets : dict
        As returned by :func:`make_feature_sets`.
    memory : None or str
        The cache folder of the transformers (``None``: no cache). A folder that cannot be written is used as
        no cache, with one warning.
    n_jobs : int, optional
        Clips of a chunk extracted in parallel (joblib; musicnn spreads each clip over every CPU instead).
    chunk_size : int, default=32
        Clips extracted per step of the progress bar.
    verbose : int, default=0
        ``> 0`` shows one progress bar for all sets.
    return_costs : bool, default=False
        Also return what each set cost.

    Returns
    -------
    features : dict of str to np.ndarray
        One array per set, ``(n_kept, ...)``, rows in the order of the kept clips.
    kept : np.ndarray of shape (n_clips,), bool
        The clips every set could use.
    failures : list of (str, str)
        ``(clip, reason)`` of every clip left out, each once.
    costs : dict of str to dict
        Only with ``return_costs``: for each extracted set (the parts of a combination, not the combination),
        ``{"seconds": wall time of its extraction, "clips": clips, "cached": clips read from the cache (None:
        unknown)}``. Finding the cached clips reads each cache entry once more.

    Examples
    --------
    >>> import numpy as np, soundfile, tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> clip = os.path.join(folder, "tone.wav")
    >>> soundfile.write(clip, np.sin(np.arange(22050) / 10).astype(np.float32), 22050)
    >>> features, kept, failures, costs = extract_feature_sets([clip], make_feature_sets("mfcc"), memory=folder,
    ...                                                        return_costs=True)
    >>> features["mfcc"].shape[0], kept.tolist(), failures, costs["mfcc"]["clips"], costs["mfcc"]["cached"]
    (1, [True], [], 1, 0)
    >>> extract_feature_sets([clip], make_feature_sets("mfcc"), memory=folder, return_costs=True)[3]["mfcc"]["cached"]
    1
    """
    from ._cache import FeatureCache
    from .base import resolve_clips

    clips, _ = resolve_clips(clips, "filename")
    if memory is not None:
        cache = FeatureCache(memory)
        cache.check("benchmark")
        memory = memory if cache.writable else None

    def prepared(transformer):
        # musicnn spreads each clip's patches over every CPU already: clips in parallel would oversubscribe them
        jobs = None if getattr(transformer, "_runs_own_threads", False) else n_jobs
        return clone(transformer).set_params(memory=memory, on_error="nan", verbose=0, n_jobs=jobs)

    base = {name: prepared(t) for name, t in sets.items() if not isinstance(t, tuple)}
    for parts in sets.values():  # the parts of a combination that are not sets of their own
        if isinstance(parts, tuple):
            for part in parts:
                if part not in base:
                    base[part] = prepared(FEATURE_SETS[part]())
    chunks = {name: [] for name in base}
    costs = {name: {"seconds": 0.0, "clips": len(clips), "cached": 0} for name in base}
    reasons, said = {}, set()
    with progress_bar(len(clips), desc=f"extracting {', '.join(base)}", unit="clips", verbose=verbose) as bar:
        for start in range(0, len(clips), chunk_size):
            part = clips[start:start + chunk_size]
            for name, transformer in base.items():
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    if return_costs:
                        costs[name]["cached"] = _cached_count(transformer, part, costs[name]["cached"])
                    begun = time.perf_counter()
                    chunks[name].append(transformer.transform(part))
                    costs[name]["seconds"] += time.perf_counter() - begun
                for w in caught:
                    if isinstance(w.message, AudioLoadWarning):
                        for i, _, reason in w.message.failures:
                            reasons.setdefault(start + i, f"{name}: {reason}")
                    elif not (isinstance(w.message, CacheWarning) and str(w.message) in said):
                        said.add(str(w.message))  # a full disk is found by every set and chunk: said once
                        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            bar.update(len(part))
    kept = np.ones(len(clips), dtype=bool)
    kept[list(reasons)] = False
    extracted = {name: np.concatenate(parts)[kept] for name, parts in chunks.items()}
    features = {}
    for name, parts in sets.items():
        if isinstance(parts, tuple):
            frames = [p for p in parts if extracted[p].ndim != 2]
            if frames:
                raise ValueError(f"feature set {name!r}: {frames} are frames, not rows of a table; only 2-D sets "
                                 "can be combined")
            features[name] = np.hstack([extracted[p] for p in parts])
        else:
            features[name] = extracted[name]
    failures = [(str(clips[i]), reasons[i]) for i in sorted(reasons)]
    if failures:
        listing = "; ".join(f"{c!r}: {r}" for c, r in failures[:10]) + (" ..." if len(failures) > 10 else "")
        warnings.warn(AudioLoadWarning(f"{len(failures)} of {len(clips)} clip(s) cannot be used and are left out of "
                                       f"every feature set: {listing}", [(i, str(clips[i]), reasons[i])
                                                                         for i in sorted(reasons)]), stacklevel=2)
    if return_costs:
        return features, kept, failures, costs
    return features, kept, failures


def _cached_count(transformer, clips, so_far):
    """``so_far`` plus how many of ``clips`` the cache of ``transformer`` holds (None: it cannot tell)."""
    extractor = getattr(transformer, "_extractor", None)
    if so_far is None or extractor is None:
        return None
    return so_far + len(extractor().cached(clips))
