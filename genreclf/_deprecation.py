"""Deprecations, the scikit-learn way: an old spelling keeps working for two releases, with a FutureWarning that
names its replacement and the release that removes it.

Three kinds are needed:

- a **renamed parameter**: the estimator keeps the old name in ``__init__`` with the default ``"deprecated"``, and
  reads the value through :func:`renamed_param` (a function reads its keyword through :func:`renamed_kwarg`);
- **positional arguments that became keyword-only**: :func:`deprecate_positional_args` on ``__init__`` or on a
  function moves them to their keywords and warns;
- a **replaced function** calls :func:`warn_deprecated_function` and then its replacement.
"""
import functools
import inspect
import warnings

__all__ = ["DEPRECATED", "renamed_param", "renamed_kwarg", "deprecate_positional_args", "warn_deprecated_function"]

#: The default of a parameter kept only under its old name.
DEPRECATED = "deprecated"
_SINCE, _UNTIL = "0.2", "0.4"


def _is_set(value):
    return not (isinstance(value, str) and value == DEPRECATED)


def renamed_param(estimator, old, new, *, warn=True):
    """The value of ``estimator``'s parameter ``new``, or of its old name ``old`` when that one was set.

    Using the old name gives a :class:`FutureWarning` naming the new one (``warn=False``: read it silently, for
    code that runs after the parameters were checked once).

    Examples
    --------
    >>> import warnings
    >>> from genreclf.features import FrameStatistics
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     renamed_param(FrameStatistics(stats="mean"), "stats", "summary")
    'mean'
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    FrameStatistics: parameter 'stats' was renamed 'summary' in genreclf 0.2 and ... pass summary='mean' instead.
    """
    value = getattr(estimator, old)
    if not _is_set(value):
        return getattr(estimator, new)
    if warn:
        _warn(f"{type(estimator).__name__}: parameter {old!r}", new, value)
    return value


def renamed_kwarg(caller, old, value, new, new_value):
    """Like :func:`renamed_param` for a function's keyword: ``value`` of ``old`` if it was given, else ``new_value``."""
    if not _is_set(value):
        return new_value
    _warn(f"{caller}: keyword {old!r}", new, value)
    return value


def _warn(what, new, value, stacklevel=4):
    warnings.warn(FutureWarning(f"{what} was renamed {new!r} in genreclf {_SINCE} and the old name stops working in "
                                f"{_UNTIL}: pass {new}={value!r} instead."), stacklevel=stacklevel)


def warn_deprecated_function(old, replacement):
    """Warn that the function ``old`` is deprecated, naming what to call instead."""
    warnings.warn(FutureWarning(f"{old} is deprecated since genreclf {_SINCE} and removed in {_UNTIL}: use "
                                f"{replacement} instead."), stacklevel=3)


def deprecate_positional_args(func):
    """Let keyword-only parameters of ``func`` still be passed by position, with a :class:`FutureWarning`.

    ``func``'s signature marks them keyword-only (after ``*``); ``inspect.signature`` of the wrapper shows that
    signature, so scikit-learn's ``get_params`` and ``clone`` see the parameters unchanged.
    """
    params = list(inspect.signature(func).parameters.values())
    n_positional = sum(p.kind == p.POSITIONAL_OR_KEYWORD for p in params)
    keyword_only = [p.name for p in params if p.kind == p.KEYWORD_ONLY]
    name = func.__qualname__.replace(".__init__", "")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        extra = len(args) - n_positional
        if extra <= 0:
            return func(*args, **kwargs)
        if extra > len(keyword_only):
            raise TypeError(f"{name} takes at most {n_positional + len(keyword_only)} positional arguments "
                            f"({len(args)} given)")
        names = keyword_only[:extra]
        spelled = ", ".join(f"{n}=..." for n in names)
        warnings.warn(FutureWarning(f"{name}: pass {', '.join(names)} by keyword ({spelled}); passing them by "
                                    f"position is deprecated since genreclf {_SINCE} and an error from {_UNTIL}."),
                      stacklevel=2)
        kwargs.update(zip(names, args[n_positional:]))
        return func(*args[:n_positional], **kwargs)

    return wrapper
