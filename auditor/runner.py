"""The one way auditor runs work in processes.

Every stage that spreads work over cores (reading documents, finding the
clues of groups of copies, aligning copies, writing the report's pages)
hands a function and its tasks to a :class:`Runner`. With one worker, or
where processes cannot be forked, the runner calls the very same function
on each task in this process, in order; so a result never depends on how
many workers made it.

Workers are forked from this process and inherit what it holds (the rules,
the documents read so far, the audit result) copy-on-write: only a task's
small description and its result travel between processes, where pickling
the inputs would cost as much as the work. This is also the seam where a
cluster engine plugs in.
"""
from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass

# What the forked processes inherit: the function of each batch, by token.
_inherited: dict[int, Callable] = {}
_tokens = itertools.count()


def can_fork() -> bool:
    # Fork is missing on Windows and unsafe on macOS; the runner then works
    # in this process.
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def default_workers() -> int:
    """The cores this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def chunks(n_items: int, size: int) -> list[range]:
    """Index ranges of ``size`` items (the last may be shorter)."""
    return [range(begin, min(begin + size, n_items)) for begin in range(0, n_items, size)]


def _run(token: int, task):
    return _inherited[token](task)


class Batch:
    """``function(task)`` for each task, started by :meth:`Runner.start`.
    Collect the results with :meth:`in_order` or :meth:`as_completed`;
    reading them all, or :meth:`close`, ends the processes."""

    def __init__(self, function: Callable, tasks: Sequence, workers: int) -> None:
        self.tasks = list(tasks)
        self._function = function
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future] = []
        self._token = next(_tokens)
        if workers <= 1 or len(self.tasks) <= 1 or not can_fork():
            return  # the tasks run here, as their results are read
        _inherited[self._token] = function
        # Frozen objects are left alone by the children's cycle collector,
        # which would otherwise touch, and so copy, every page of the heap.
        gc.freeze()
        try:
            self._pool = ProcessPoolExecutor(min(workers, len(self.tasks)),
                                             mp_context=multiprocessing.get_context("fork"))
            self._futures = [self._pool.submit(_run, self._token, task) for task in self.tasks]
        except BaseException:
            self.close()
            raise
        finally:
            # CPython's pool forks all its processes at the first submit.
            gc.unfreeze()

    @property
    def forked(self) -> bool:
        """Whether the tasks run in forked processes."""
        return bool(self._futures)

    def in_order(self) -> Iterator:
        """The results in the order of the tasks (an exception in a task is raised here)."""
        try:
            if not self.forked:
                for task in self.tasks:
                    yield self._function(task)
            for future in self._futures:
                yield future.result()
        finally:
            self.close()

    def as_completed(self) -> Iterator[tuple[object, object]]:
        """(task, result) pairs as the tasks finish (in order, in this process)."""
        for index, result in self.indexed():
            yield self.tasks[index], result

    def indexed(self) -> Iterator[tuple[int, object]]:
        """(index of the task, result) pairs as the tasks finish."""
        if not self.forked:
            yield from enumerate(self.in_order())
            return
        index_of = {future: index for index, future in enumerate(self._futures)}
        try:
            for future in as_completed(self._futures):
                yield index_of[future], future.result()
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        _inherited.pop(self._token, None)


@dataclass(frozen=True)
class Runner:
    """Runs a stage's tasks over ``workers`` processes (1: in this one)."""

    workers: int = 1

    def start(self, function: Callable, tasks: Sequence) -> Batch:
        """Starts ``function`` on each task; this process can go on meanwhile.
        In forked processes the function sees this process's data as it was
        at this call."""
        return Batch(function, tasks, self.workers)

    def map(self, function: Callable, tasks: Sequence, progress: Callable[[int], None] | None = None,
            size: Callable[[object], int] = lambda task: 1) -> list:
        """The results of ``function`` on each task, in the tasks' order;
        ``progress(size(task))`` as each task finishes."""
        batch = self.start(function, tasks)
        results: list = [None] * len(batch.tasks)
        for index, result in batch.indexed():
            results[index] = result
            if progress:
                progress(size(batch.tasks[index]))
        return results
