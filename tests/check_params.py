"""scikit-learn's estimator checks as pytest params, like ``parametrize_with_checks``, except that an expected
failure is a strict xfail that must fail with a stated exception type (``parametrize_with_checks`` marks it
``xfail`` with a reason only, so a check failing for another cause would pass unnoticed)."""
import re

import pytest
from sklearn.utils.estimator_checks import estimator_checks_generator


def check_name(check):
    return getattr(check, "func", check).__name__


def check_id(check):
    """The check's name, with its keywords: ``check_estimators_pickle(readonly_memmap=True)``."""
    keywords = getattr(check, "keywords", {})
    return check_name(check) + (f"({','.join(f'{k}={v}' for k, v in keywords.items())})" if keywords else "")


def check_params(estimators, expected_failures=None, *, select=None, marks=()):
    """``pytest.param(estimator, check)`` for every check of every estimator (legacy checks included).

    ``expected_failures(estimator)`` returns ``{check name: (reason, exception type)}``: those checks become
    ``xfail(strict=True, raises=type, reason=reason)``. ``select(estimator, check id)``, when given, keeps only
    the checks it returns True for; ``marks`` are added to every param.
    """
    params = []
    for estimator in estimators:
        failures = expected_failures(estimator) if expected_failures else {}
        for est, check in estimator_checks_generator(estimator, legacy=True):
            if select is not None and not select(est, check_id(check)):
                continue
            extra = list(marks)
            if check_name(check) in failures:
                reason, raises = failures[check_name(check)]
                extra.append(pytest.mark.xfail(strict=True, raises=raises, reason=reason))
            name = re.sub(r"at0x[0-9a-f]+", "", re.sub(r"\s", "", repr(est)))  # ids alike in every process
            params.append(pytest.param(est, check, marks=extra, id=f"{name}-{check_id(check)}"))
    return params
