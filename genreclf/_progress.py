"""Progress bars: one bar per long job (clips extracted, models fitted), drawn by tqdm.

``tqdm.auto`` draws a widget in Jupyter and a one-line bar on a terminal (on stderr), with the rate and the time
left; ``verbose=0`` turns it off. Parallel work reports as its tasks finish, in whatever order.
"""
__all__ = ["progress_bar"]


def progress_bar(total, *, desc, unit, verbose):
    """A tqdm bar of ``total`` ``unit``s named ``desc``; disabled (and silent) when ``verbose`` is falsy.

    Use it as a context manager and call ``update(1)`` per finished task.

    Examples
    --------
    >>> with progress_bar(3, desc="demo", unit="clips", verbose=1) as bar:   # on stderr
    ...     for _ in range(3):
    ...         _ = bar.update(1)
    >>> bar.n, bar.total
    (3, 3)
    """
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=f" {unit}", disable=not verbose, leave=True, dynamic_ncols=True,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt}{unit} "
                           "[{elapsed}<{remaining}, {rate_noinv_fmt}]")
