"""Persistence: pickles of genreclf estimators carry the genreclf version that wrote them.

Loading a pickle runs code: only ``joblib.load``/``pickle.load`` files you trust.
"""
import warnings

__all__ = ["GenreclfVersionWarning", "VersionStampMixin"]


class GenreclfVersionWarning(UserWarning):
    """An estimator is unpickled by another version of genreclf than the one that pickled it."""


def _current_version():
    import genreclf

    return genreclf.__version__


class VersionStampMixin:
    """Stamp pickles with the genreclf version and warn when they are loaded by another version.

    ``pickle``/``joblib.dump`` store ``genreclf.__version__`` beside the estimator's state; loading it with
    a different version (or from a pickle made before stamping existed) emits a
    :class:`GenreclfVersionWarning` naming both versions, like scikit-learn's ``InconsistentVersionWarning``.
    Put it before ``BaseEstimator`` in the bases: ``class MyEstimator(VersionStampMixin, BaseEstimator)``.

    Loading a pickle runs code: only ``joblib.load``/``pickle.load`` files you trust.
    """

    def __getstate__(self):
        state = super().__getstate__()
        state = dict(state if state is not None else self.__dict__)  # never mutate the live __dict__
        state["_genreclf_version"] = _current_version()
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved = state.pop("_genreclf_version", None)
        current = _current_version()
        if saved != current:
            warnings.warn(GenreclfVersionWarning(
                f"Trying to unpickle {type(self).__name__} saved with genreclf "
                f"{saved if saved is not None else '(unknown version)'} while using genreclf {current}. "
                "This might give errors or invalid results: re-fit it with this version, or load it with "
                f"genreclf=={saved}. (Loading a pickle runs code: only load files you trust.)"), stacklevel=2)
        super().__setstate__(state)
