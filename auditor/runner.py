"""The one way auditor runs work in processes.

Every stage that spreads work over cores (reading documents, finding the
clues of groups of copies, aligning copies, writing the report's pages)
hands a function and its tasks to a runner: ``runner.start(function,
tasks)`` or ``runner.map(function, tasks)``. With one worker, or where
processes cannot be forked, the runner calls the very same function on each
task in this process, in order; so a result never depends on how many
workers made it, nor where.

Two engines keep that protocol:

* :class:`Runner` (``--engine local``) forks its workers from this process;
  they inherit what it holds (the rules, the documents read so far, the
  audit result, and the tasks themselves) copy-on-write: only a task's
  index and its result travel between processes, where pickling the inputs
  would cost as much as the work.
* :class:`DaskRunner` (``--engine dask``, :func:`dask_runner`) runs the
  tasks on a Dask distributed cluster. Nothing is inherited there: a task
  and its function travel pickled, so a stage's function is a module-level
  function of explicit arguments (a :func:`functools.partial` of the rules,
  say), never a closure. A partial's arguments are sent to the cluster once
  per runner, and each worker process keeps one copy of them (so one
  analyzer per worker, built on its first task); the tasks are sent one by
  one, straight to a worker.
"""
from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import multiprocessing
import os
import sys
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from . import __version__
from .errors import EngineError

# What the forked processes inherit: the function and the tasks of each batch, by token.
_inherited: dict[int, tuple[Callable, list]] = {}
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


def _run(token: int, index: int):
    function, tasks = _inherited[token]
    return function(tasks[index])


class _Results:
    """``as_completed`` in terms of a batch's ``indexed``."""

    tasks: list

    def as_completed(self) -> Iterator[tuple[object, object]]:
        """(task, result) pairs as the tasks finish (in order when they run in this process)."""
        for index, result in self.indexed():
            yield self.tasks[index], result


class Batch(_Results):
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
        _inherited[self._token] = (function, self.tasks)
        # Frozen objects are left alone by the children's cycle collector,
        # which would otherwise touch, and so copy, every page of the heap.
        gc.freeze()
        try:
            self._pool = ProcessPoolExecutor(min(workers, len(self.tasks)),
                                             mp_context=multiprocessing.get_context("fork"))
            self._futures = [self._pool.submit(_run, self._token, index) for index in range(len(self.tasks))]
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

    @property
    def elsewhere(self) -> bool:
        """Whether the tasks run in other processes (this one can go on meanwhile)."""
        return self.forked

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


class _Maps:
    """``map`` in terms of a runner's ``start``."""

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


@dataclass(frozen=True)
class Runner(_Maps):
    """Runs a stage's tasks over ``workers`` processes forked from this one (1: in this one)."""

    workers: int = 1

    @property
    def local(self) -> bool:
        """Whether the tasks run on this machine, in this process's folder (forked or here)."""
        return True

    def start(self, function: Callable, tasks: Sequence) -> Batch:
        """Starts ``function`` on each task; this process can go on meanwhile.
        In forked processes the function sees this process's data as it was
        at this call."""
        return Batch(function, tasks, self.workers)


# ---------------------------------------------------------------------------
# The Dask engine
# ---------------------------------------------------------------------------

# A worker process runs one of auditor's tasks at a time, whatever its thread
# count: the work is pure Python (threads would only take turns at the GIL),
# and the analyzers and memos a worker keeps are built for one caller.
_worker_lock = threading.Lock()


def _on_worker(function: Callable, task, *arguments):
    """A task on a Dask worker: ``partial(function, *arguments)(task)``."""
    with _worker_lock:
        return function(*arguments, task)


def _worker_version() -> str:
    """The version of auditor a Dask worker runs (unpickling this function there imports it)."""
    return __version__


def _by_name(function: Callable) -> bool:
    """Whether ``function`` pickles as a name a worker can import (not a closure, a
    lambda or a bound method, which would carry what they hold with each task)."""
    qualname = getattr(function, "__qualname__", "")
    return bool(qualname) and "<" not in qualname and getattr(function, "__self__", None) is None


# Plain values travel inside each task; anything else a partial holds (the
# rules, the linker's configuration) is sent to the cluster once.
_PLAIN = (bool, int, float, complex, str, bytes, type(None))


class DaskRunner(_Maps):
    """Runs a stage's tasks on the Dask distributed cluster of ``client``
    (see :func:`dask_runner`, which opens one), with the protocol of
    :class:`Runner`: ``start(function, tasks)`` and ``map``. ``function``
    must pickle: a module-level function, or a :func:`functools.partial` of
    one whose arguments pickle (they are sent once per runner, and each
    worker process keeps one copy of each). Results come back in the tasks'
    order, an exception in a task is raised where the results are read, as
    with :class:`Runner`."""

    local = False  # the tasks run in other processes, perhaps on other machines

    def __init__(self, client) -> None:
        self.client = client
        self.address = client.scheduler.address
        # Worker processes (their threads take turns: see _worker_lock).
        self.workers = max(1, len(client.nthreads()))
        self._sent: dict[int, tuple[object, object]] = {}  # id(argument) -> (argument, its future)
        self._same: set[Callable] = set()

    def _sent_once(self, argument):
        """``argument``, or the future of its one copy on the cluster."""
        if isinstance(argument, _PLAIN):
            return argument
        key = id(argument)
        if key not in self._sent:
            # Kept with its future, so that its id is not reused while the runner lives;
            # in a list, since scatter would send a container's items one by one.
            self._sent[key] = (argument, self.client.scatter([argument], hash=False)[0])
        return self._sent[key][1]

    def start(self, function: Callable, tasks: Sequence) -> "DaskBatch | Batch":
        """Sends ``function`` and each task to the cluster; this process can go on meanwhile.
        A single task runs here, as its results are read (as with :class:`Runner`:
        sending it would only add the round trip)."""
        arguments: tuple = ()
        target = function
        if isinstance(function, partial) and not function.keywords:
            target = function.func
        if not _by_name(target):
            raise TypeError(f"the Dask engine runs module-level functions (a partial of one): "
                            f"{getattr(target, '__qualname__', target)!r} is not one")
        if len(tasks) <= 1:
            return Batch(function, tasks, 1)
        try:
            if target is not function:
                arguments = tuple(self._sent_once(argument) for argument in function.args)
            return DaskBatch(self, target, arguments, tasks)
        except OSError as exc:  # the connection to the scheduler or a worker
            raise _cluster_error(self.address, exc) from exc

    def require_same(self, function: Callable[[], object]) -> None:
        """Raises :class:`~auditor.errors.EngineError` unless ``function()`` (module-level, no
        argument) gives on every worker what it gives here: what a stage's results depend on
        besides the code and its arguments (once per function and runner)."""
        if function in self._same:
            return
        here = function()
        try:
            there = self.client.run(function)
        except Exception as exc:
            raise _cluster_error(self.address, exc) from exc
        for worker, value in sorted(there.items()):
            if value == here:
                continue
            if isinstance(value, dict) and isinstance(here, dict):
                differ = ", ".join(f"{key} {value.get(key, 'missing')} (here {here.get(key, 'missing')})"
                                   for key in sorted(set(value) | set(here)) if value.get(key) != here.get(key))
            else:
                differ = f"{value!r} (here {here!r})"
            raise EngineError(f"the Dask worker {worker} of {self.address} differs from this process: {differ}; "
                              "its results would differ too: install the same packages there")
        self._same.add(function)

    def close(self) -> None:
        """Forgets what was sent to the cluster (the client is closed by :func:`dask_runner`)."""
        self._sent.clear()


class DaskBatch(_Results):
    """The tasks of :meth:`DaskRunner.start` on the cluster; :class:`Batch`'s interface."""

    forked = False
    elsewhere = True

    def __init__(self, runner: DaskRunner, function: Callable, arguments: tuple, tasks: Sequence) -> None:
        self.tasks = list(tasks)
        self._runner = runner
        client = runner.client
        name = getattr(function, "__name__", "task").strip("_<>") or "task"
        batch = uuid.uuid4().hex[:12]
        # Straight to the workers (not through the scheduler): a task may
        # hold documents, the copies of a text together.
        sent = client.scatter(self.tasks, hash=False) if self.tasks else []
        self._futures = [client.submit(_on_worker, function, item, *arguments, pure=False,
                                       key=f"auditor-{name}-{batch}-{index}")
                         for index, item in enumerate(sent)]

    def in_order(self) -> Iterator:
        """The results in the order of the tasks (an exception in a task is raised here)."""
        try:
            for future in self._futures:
                yield self._result(future)
        finally:
            self.close()

    def indexed(self) -> Iterator[tuple[int, object]]:
        """(index of the task, result) pairs as the tasks finish."""
        from distributed import as_completed as finished

        index_of = {future.key: index for index, future in enumerate(self._futures)}
        try:
            if self._futures:
                for future in finished(self._futures, loop=self._runner.client.loop):
                    yield index_of[future.key], self._result(future)
        finally:
            self.close()

    def _result(self, future):
        from distributed import KilledWorker

        try:
            return future.result()
        except (Exception, asyncio.CancelledError) as exc:
            if future.status == "error" and not isinstance(exc, KilledWorker):
                raise  # the task's own exception, as in this process
            # A worker that died, a scheduler that went away: the cluster's fault, not the documents'.
            raise _cluster_error(self._runner.address, exc) from exc

    def close(self) -> None:
        if self._futures:
            pending = [future for future in self._futures if not future.done()]
            if pending:
                try:
                    self._runner.client.cancel(pending)
                except Exception:  # a scheduler already gone: nothing is left to cancel
                    pass
            self._futures = []


def _cluster_error(address: str, exc: BaseException) -> EngineError:
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        return EngineError(f"a Dask worker of {address} died while it ran auditor's task ({exc}); "
                           "see the workers' logs (memory, a killed process)")
    return EngineError(f"the Dask cluster at {address} failed: {type(exc).__name__}: {exc}")


@contextmanager
def dask_runner(scheduler: str | None = None, workers: int | None = None) -> Iterator[DaskRunner]:
    """A :class:`DaskRunner` on the Dask scheduler at ``scheduler``
    (``tcp://HOST:8786``), or, without one, on a ``distributed.LocalCluster``
    of ``workers`` single-threaded processes on this machine (default: all
    cores), closed on leaving. A scheduler that cannot be reached, one with no
    worker, or workers that do not run this version of auditor raise
    :class:`~auditor.errors.EngineError`. The connection waits at most Dask's
    ``distributed.comm.timeouts.connect`` (30 s unless configured, e.g. by
    ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``)."""
    import dask
    from dask.utils import parse_timedelta
    from distributed import Client, LocalCluster
    from distributed.comm import get_address_host_port, parse_address
    from distributed.comm.registry import get_backend

    timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), default="s")
    cluster = None
    client = None
    runner = None
    try:
        if scheduler is not None:
            where = scheduler
            # An address Dask cannot read is refused before a client is made (a half-made one
            # complains when it is collected).
            try:
                get_backend(parse_address(scheduler, strict=False)[0])
                get_address_host_port(scheduler, strict=False)
            except NotImplementedError:
                pass  # a transport without host and port (inproc)
            except (ValueError, TypeError) as exc:
                raise EngineError(f"not a Dask scheduler address: {scheduler!r} ({exc}); "
                                  "give one as tcp://HOST:PORT (a scheduler listens on 8786 by default)") from exc
            try:
                client = Client(scheduler, timeout=timeout, set_as_default=False)
            except Exception as exc:
                raise EngineError(f"cannot reach the Dask scheduler at {scheduler} "
                                  f"(waited {timeout:g} s: {type(exc).__name__}: {exc}); "
                                  "start one with `dask scheduler` and workers with `dask worker ADDRESS`, "
                                  "or leave out --scheduler for a cluster on this machine") from exc
        else:
            try:
                with warnings.catch_warnings():
                    # Its HTTP server (on 127.0.0.1) takes another port when 8787 is taken: not news.
                    warnings.filterwarnings("ignore", message="Port .* is already in use")
                    # Its workers' own logs are silenced: a worker whose heartbeat meets the scheduler
                    # closing at the end logs a traceback on this command's stderr, and what goes wrong
                    # in a task or a worker reaches this process anyway (the task's exception,
                    # KilledWorker: an EngineError).
                    cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1,
                                           processes=True, host="127.0.0.1", dashboard_address=None,
                                           silence_logs=logging.CRITICAL)
                client = Client(cluster, timeout=timeout, set_as_default=False)
            except Exception as exc:
                raise EngineError(f"cannot start a Dask LocalCluster: {type(exc).__name__}: {exc}") from exc
            where = cluster.scheduler_address
        try:
            client.wait_for_workers(1, timeout=timeout)
        except Exception as exc:
            raise EngineError(f"the Dask scheduler at {where} has no worker (waited {timeout:g} s); "
                              f"start some with `dask worker {where}`") from exc
        _check_workers(client, where)
        runner = DaskRunner(client)
        yield runner
    finally:
        if runner is not None:
            runner.close()
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _check_workers(client, where: str) -> None:
    """Every worker imports this version of auditor (the results are the same only if the code is)."""
    try:
        versions = client.run(_worker_version)
    except Exception as exc:
        raise EngineError(f"the Dask workers of {where} cannot run auditor ({type(exc).__name__}: {exc}); "
                          f"install auditor {__version__} and its dependencies where they run") from exc
    other = {worker: version for worker, version in versions.items() if version != __version__}
    if other:
        worker, version = sorted(other.items())[0]
        raise EngineError(f"the Dask worker {worker} of {where} runs auditor {version}, this is auditor "
                          f"{__version__}: the workers must run the same version")
