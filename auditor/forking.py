"""Work for processes forked from this one.

The stages after reading (clue finding by group of copies, the linker's
alignment of copies, the report's pages) run when this process holds the
documents read so far, or the whole audit result.
Forked processes inherit it copy-on-write, so only a small description of
each task and its result travel between processes; pickling the result to
send it would cost as much as the work.
"""
from __future__ import annotations

import gc
import itertools
import multiprocessing
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed

# What the forked processes inherit: the function of each ForkedTasks, by token.
_inherited: dict[int, Callable] = {}
_tokens = itertools.count()


def can_fork() -> bool:
    # Fork is missing on Windows and unsafe on macOS; callers then do the work
    # in this process.
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _run(token: int, task):
    return _inherited[token](task)


class ForkedTasks:
    """Runs ``function(task)`` for each task in ``workers`` forked processes,
    which see this process's data as it was when they were forked. Start it,
    do other work here, then collect the results; :meth:`close` (or reading
    them all) ends the processes."""

    def __init__(self, function: Callable, tasks: Sequence, workers: int) -> None:
        self.tasks = list(tasks)
        self._pool: ProcessPoolExecutor | None = None
        self._token = next(_tokens)
        _inherited[self._token] = function
        # Frozen objects are left alone by the children's cycle collector,
        # which would otherwise touch, and so copy, every page of the heap.
        gc.freeze()
        try:
            self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
            self._futures: list[Future] = [self._pool.submit(_run, self._token, task) for task in self.tasks]
        except BaseException:
            self.close()
            raise
        finally:
            # CPython's pool forks all its processes at the first submit.
            gc.unfreeze()

    def in_order(self) -> Iterator:
        """The results in the order of the tasks (an exception in a task is raised here)."""
        try:
            for future in self._futures:
                yield future.result()
        finally:
            self.close()

    def as_completed(self) -> Iterator[tuple[object, object]]:
        """(task, result) pairs as the tasks finish."""
        task_of = {future: task for future, task in zip(self._futures, self.tasks)}
        try:
            for future in as_completed(self._futures):
                yield task_of[future], future.result()
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        _inherited.pop(self._token, None)


def chunks(n_items: int, size: int) -> list[range]:
    """Index ranges of ``size`` items (the last may be shorter)."""
    return [range(begin, min(begin + size, n_items)) for begin in range(0, n_items, size)]
