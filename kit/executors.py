"""Where the kit's parallel work runs: this process, a local pool, or an existing Dask cluster.

An executor runs a picklable *task* function on *items* (a team report's
:class:`kit.report.execute.NotebookJob`, later a team's diagnosis) and hands back the results
as they complete. The kinds are registered in :data:`EXECUTORS`, the way papermill registers
its engines; :func:`open_executor` picks one from the options of ``adoption-kit assess``:

``inline``
    ``--workers 1``: every task in this process, one after the other.
``local``
    The default: a pool of ``--workers`` worker processes on this machine.
``dask``
    ``--scheduler ADDRESS``: the workers of an existing Dask distributed cluster
    (``pip install 'crm-adoption-kit[dask]'``). Every worker needs the kit installed and must
    see the output folder at the same path (shared storage). A task whose worker dies (killed,
    out of memory) is run again on another worker; a task that fails is retried
    :data:`RETRIES` times.

A run that ends without an error releases the workers that outlive it
(:meth:`Executor.release`: a Dask cluster's, and this process with ``--workers 1``), e.g.
so that their warm report kernels drop the results they read.

Each worker process runs one task at a time: a report's kernel is the worker process's own
(:mod:`kit.report.execute`), so two reports never share it, however many threads a Dask
worker has (start Dask workers with ``--nthreads 1``).

>>> with open_executor(workers=1) as executor:
...     sorted(executor.map(abs, [-2, 1, -3]))
[1, 2, 3]
"""

from __future__ import annotations

import atexit
import gc
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Any, Protocol, TypeVar

from kit.exceptions import ParameterError

__all__ = [
    "EXECUTORS",
    "RELEASE_SECONDS",
    "RETRIES",
    "Executor",
    "kind_of",
    "numbered",
    "open_executor",
    "require",
]

T = TypeVar("T")
R = TypeVar("R")

#: Times a Dask task that raised is run again (a task whose worker died is rescheduled by the
#: scheduler itself, up to its ``distributed.scheduler.allowed-failures``).
RETRIES = 2

#: What to do with a task that could not run (its worker died too often): a result standing
#: for its failure, or raise.
OnError = Callable[[Any, BaseException], Any]


class Executor(Protocol):
    """Runs tasks on items, each in a worker that keeps what it warmed up."""

    #: How many tasks run at the same time.
    workers: int

    def warm(self, task: Callable[[], object]) -> None:
        """Start ``task`` once in every worker, without waiting (e.g. a report kernel)."""

    def release(self, task: Callable[[], object]) -> None:
        """Run ``task`` once in every worker that outlives the run, and wait for it (e.g. a
        report kernel dropping the last bundle it read); errors are logged, not raised."""

    def map(
        self,
        task: Callable[[T], R],
        items: Sequence[T],
        *,
        on_error: Callable[[T, BaseException], R] | None = None,
    ) -> Iterator[R]:
        """Run ``task`` on every item; yield the results as they complete.

        A task that cannot run (its worker lost, an exception) yields ``on_error(item, error)``
        when given, else raises.
        """
        ...  # pragma: no cover

    def close(self) -> None:
        """Let go of the workers (a Dask cluster keeps running)."""


_one_task = threading.Lock()
_log = logging.getLogger(__name__)

#: Seconds :meth:`Executor.release` waits for a cluster's workers.
RELEASE_SECONDS = 60


def _released(task: Callable[[], object]) -> None:
    """Run a release ``task``: a failure to free memory never fails the run (logged)."""
    try:
        task()
    except Exception as error:
        _log.warning("could not release a worker: %s", error)


def _one_at_a_time(task: Callable[..., R], *args: Any) -> R:
    """Run ``task`` in a worker process holding its lock: a process's kernel serves one
    report at a time, whatever the number of threads of a Dask worker."""
    with _one_task:
        return task(*args)


def numbered(task: Callable[[T], R], item: tuple[int, T]) -> tuple[int, R]:
    """Run ``task`` on the item of a numbered pair and return the result under its number, so
    that results handed back as they complete can be told apart whatever they hold.

    >>> numbered(abs, (4, -2))
    (4, 2)
    """
    number, value = item
    return number, task(value)


class _Inline:
    """Every task in this process, in order (``--workers 1``)."""

    workers = 1

    def __init__(self, *, workers: int = 1, scheduler: str | None = None) -> None:
        pass

    def warm(self, task: Callable[[], object]) -> None:
        pass  # the first task warms this process up

    def release(self, task: Callable[[], object]) -> None:
        _released(task)  # this process may outlive the run (the kit used from Python)

    def map(
        self,
        task: Callable[[T], R],
        items: Sequence[T],
        *,
        on_error: Callable[[T, BaseException], R] | None = None,
    ) -> Iterator[R]:
        for item in items:
            try:
                result = task(item)
            except Exception as error:
                if on_error is None:
                    raise
                result = on_error(item, error)
            yield result

    def close(self) -> None:
        pass


def _freeze_at_exit() -> None:
    """Hide every object from the garbage collector's last pass at interpreter exit.

    A worker that ran reports holds papermill's, nbconvert's and its kernel client's objects:
    the full collection Python runs while it exits took 1.6 to 2.3 s, after the last
    report and before the pool could close (0.1 to 0.3 s frozen). Objects are still freed
    as their modules are cleared; only garbage cycles are left to the operating system.
    """
    gc.freeze()


def _worker_started() -> None:
    """Run in each local worker as it starts: its first exit handler, so its last to run
    (after the kernel's shutdown, :mod:`kit.report.execute`), freezes the collector's
    objects."""
    atexit.register(_freeze_at_exit)


class _LocalPool:
    """A pool of ``workers`` processes on this machine (started with ``spawn``)."""

    def __init__(self, *, workers: int, scheduler: str | None = None) -> None:
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context("spawn"), initializer=_worker_started
        )

    def warm(self, task: Callable[[], object]) -> None:
        for _ in range(self.workers):  # with no idle worker, each submit spawns one
            self._pool.submit(task)

    def release(self, task: Callable[[], object]) -> None:
        pass  # the workers end with the run

    def map(
        self,
        task: Callable[[T], R],
        items: Sequence[T],
        *,
        on_error: Callable[[T, BaseException], R] | None = None,
    ) -> Iterator[R]:
        futures = {self._pool.submit(task, item): item for item in items}
        for future in as_completed(futures):
            error = future.exception()
            if error is None:
                yield future.result()
            elif on_error is None or isinstance(error, BrokenProcessPool):
                raise error  # a dead pool runs nothing more: the run stops
            else:
                yield on_error(futures[future], error)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _distributed() -> Any:
    """The ``distributed`` package, or a :class:`ParameterError` saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise ParameterError(
            "--scheduler needs Dask distributed, which is not installed: "
            "pip install 'crm-adoption-kit[dask]' (on this machine and every worker)"
        ) from None
    return distributed


class _Dask:
    """The workers of an existing Dask distributed cluster, through its scheduler."""

    def __init__(self, *, workers: int = 0, scheduler: str | None = None) -> None:
        Client = _distributed().Client
        try:
            self._client = Client(scheduler, timeout="20s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ParameterError(
                f"--scheduler {scheduler}: could not connect to a Dask scheduler there "
                f"({exc}). Check the address (e.g. tcp://host:8786) and that the scheduler "
                "is running."
            ) from None
        found = len(self._client.scheduler_info(n_workers=-1)["workers"])
        self.workers = max(found, 1)
        self._warming: list[Any] = []  # kept, or Dask forgets (cancels) the tasks

    def warm(self, task: Callable[[], object]) -> None:
        for address in self._client.scheduler_info(n_workers=-1)["workers"]:
            self._warming.append(
                self._client.submit(
                    _one_at_a_time, task, pure=False, workers=[address], allow_other_workers=True
                )
            )

    def release(self, task: Callable[[], object]) -> None:
        from distributed import wait

        futures = [
            self._client.submit(
                _one_at_a_time, _released, task, pure=False, workers=[a], allow_other_workers=False
            )
            for a in self._client.scheduler_info(n_workers=-1)["workers"]
        ]
        try:
            wait(futures, timeout=RELEASE_SECONDS)
        except Exception as error:  # a worker gone or busy: it frees its memory when it ends
            _log.warning("workers not released after %s s: %s", RELEASE_SECONDS, error)
        for future in futures:
            future.release()

    def map(
        self,
        task: Callable[[T], R],
        items: Sequence[T],
        *,
        on_error: Callable[[T, BaseException], R] | None = None,
    ) -> Iterator[R]:
        from distributed import as_completed as dask_completed

        futures = [
            self._client.submit(_one_at_a_time, task, item, pure=False, retries=RETRIES)
            for item in items
        ]
        item_of = {future.key: item for future, item in zip(futures, items, strict=True)}
        pending = dask_completed(futures, loop=self._client.loop)
        del futures  # a result held on the cluster would be computed again if its worker died
        for future in pending:
            try:
                result = future.result()
            except Exception as error:
                if on_error is None:
                    raise
                result = on_error(item_of[future.key], error)
            finally:
                future.release()
            yield result

    def close(self) -> None:
        for future in self._warming:
            future.release()
        self._client.close()


#: The kinds of executor, by name: each is made with ``workers=`` and ``scheduler=``.
EXECUTORS: dict[str, Callable[..., Executor]] = {
    "inline": _Inline,
    "local": _LocalPool,
    "dask": _Dask,
}


def kind_of(*, workers: int, scheduler: str | None = None) -> str:
    """The executor the options ask for.

    >>> kind_of(workers=1), kind_of(workers=2), kind_of(workers=2, scheduler="tcp://h:8786")
    ('inline', 'local', 'dask')
    """
    if scheduler:
        return "dask"
    return "inline" if workers <= 1 else "local"


def require(*, workers: int, scheduler: str | None = None) -> None:
    """Refuse, before any long work, an executor that cannot be had (Dask not installed).

    Raises
    ------
    ParameterError
        ``scheduler`` given without Dask distributed installed.
    """
    if kind_of(workers=workers, scheduler=scheduler) == "dask":
        _distributed()


@contextmanager
def open_executor(
    *,
    workers: int,
    scheduler: str | None = None,
    release: Callable[[], object] | None = None,
) -> Iterator[Executor]:
    """The executor for ``workers`` local processes, or the Dask cluster at ``scheduler``.

    ``release`` runs in every worker that outlives the run once the block has ended without
    an error (:meth:`Executor.release`), before the executor is closed: a run stopped by an
    error or Ctrl-C does not wait for busy workers.

    Raises
    ------
    ParameterError
        ``scheduler`` given without Dask installed, or no scheduler answering there.
    """
    executor = EXECUTORS[kind_of(workers=workers, scheduler=scheduler)](
        workers=workers, scheduler=scheduler
    )
    finished = False
    try:
        yield executor
        finished = True
    finally:
        try:
            if release is not None and finished:
                executor.release(release)
        finally:
            executor.close()
