"""Parallel work that outlives a worker's death: one task that crashes its process fails alone.

joblib stops a whole ``Parallel`` call when one of its worker processes dies (a segmentation fault in a decoder, the
kernel's out-of-memory killer) and the results still in flight are lost, so one bad file or one greedy model would
cost a long run. :func:`run_tasks` keeps every finished result, then runs each unfinished task in a worker of its own:
the task that kills its worker again is named by its own failure, and every other task still runs.
"""
from concurrent.futures import BrokenExecutor

from joblib import Parallel, delayed, effective_n_jobs

__all__ = ["WorkerDied", "run_tasks"]


class WorkerDied(RuntimeError):
    """The worker process running a task died (killed by the system, or crashed), so the task has no result."""


def _indexed(index, task):
    function, args, kwargs = task
    return index, function(*args, **kwargs)


def run_tasks(tasks, *, n_jobs=None):
    """Run joblib ``delayed`` tasks; yield ``(index, result, None)`` for each task in the order they finish, or
    ``(index, None, WorkerDied)`` for a task whose worker process died while running it.

    Parameters
    ----------
    tasks : list of tuple
        ``delayed(function)(*args, **kwargs)`` triples.
    n_jobs : int, optional
        As for :class:`joblib.Parallel` (None follows the active joblib backend).

    Yields
    ------
    index : int
        The task's position in ``tasks``.
    result : object or None
    died : WorkerDied or None

    Examples
    --------
    >>> from joblib import delayed
    >>> sorted(run_tasks([delayed(pow)(2, 3), delayed(pow)(3, 2)], n_jobs=1))
    [(0, 8, None), (1, 9, None)]
    """
    tasks = list(tasks)
    pending = set(range(len(tasks)))
    if not tasks:
        return
    try:
        for index, result in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                delayed(_indexed)(i, task) for i, task in enumerate(tasks)):
            pending.discard(index)
            yield index, result, None
        return
    except BrokenExecutor:  # a worker died; which task it held is unknown: find out below, one task at a time
        pass
    alone = max(2, effective_n_jobs(n_jobs))  # a process of its own even for n_jobs=1: never this one
    for index in sorted(pending):
        try:
            ((_, result),) = Parallel(n_jobs=alone)([delayed(_indexed)(index, tasks[index])])
        except BrokenExecutor as err:
            yield index, None, WorkerDied(f"the worker process running it died ({_exit_codes(err)}): it crashed, "
                                          "or the system stopped it, most often for using too much memory")
            continue
        yield index, result, None


def _exit_codes(err):
    """The exit codes joblib reports for dead workers, e.g. 'exit code SIGKILL(-9)'."""
    text = str(err)
    start = text.find("{")
    codes = text[start + 1:text.find("}", start)] if start >= 0 else ""
    return f"exit code {codes}" if codes else "no exit code reported"
