"""Executors that run independent tasks and hand back each result as it finishes.

Every backend has one method, ``map_unordered(fn, tasks, on_result)``: it calls ``fn(task)`` for
each task somewhere (this process, a local process pool, a Dask cluster) and calls
``on_result(result)`` in *this* process as each result arrives, in completion order. If
``on_result`` or a task raises (including ``KeyboardInterrupt``), the pending tasks are cancelled
and the exception propagates. Simulation runs are pure functions of their task, so the results do
not depend on the backend, the number of workers or the order of completion.

``fn`` must be a module-level function (it travels by reference) and tasks must be picklable.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from types import TracebackType
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

BACKEND_NAMES: tuple[str, ...] = ("processes", "dask", "serial")
DASK_HINT = "the dask backend needs the 'dask' extra: pip install 'campaign-sim[dask]'"


class BackendError(RuntimeError):
    """A backend that cannot be used (unknown name, missing extra, unreachable scheduler)."""


class Backend(Protocol):
    """Runs tasks and reports each result as it finishes."""

    name: str

    @property
    def workers(self) -> int:
        """How many tasks can run at once."""
        ...

    def map_unordered(self, fn: Callable[[T], R], tasks: Sequence[T],
                      on_result: Callable[[R], None]) -> None:
        """Run ``fn`` on every task; call ``on_result`` here, in completion order."""
        ...

    def close(self) -> None:
        """Release workers and connections."""
        ...


class _Closing:
    """Context-manager support: ``with make_backend(...) as b:`` closes ``b`` at the end."""

    def close(self) -> None:
        """Nothing to release by default."""

    def __enter__(self) -> Any:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class SerialBackend(_Closing):
    """Runs every task in this process, one after the other (debugging, tiny batches)."""

    name = "serial"

    @property
    def workers(self) -> int:
        """One task at a time."""
        return 1

    def map_unordered(self, fn: Callable[[T], R], tasks: Sequence[T],
                      on_result: Callable[[R], None]) -> None:
        """Run the tasks in order, reporting each result at once."""
        for task in tasks:
            on_result(fn(task))


class ProcessBackend(_Closing):
    """A local ``ProcessPoolExecutor`` with ``jobs`` worker processes (default: CPU count).

    A pool is started for each ``map_unordered`` call and stopped at its end, so nothing is left
    running between calls.
    """

    name = "processes"

    def __init__(self, jobs: int | None = None):
        if jobs is not None and jobs < 1:
            raise BackendError(f"jobs must be at least 1 (got {jobs})")
        self.jobs = jobs or os.cpu_count() or 1

    @property
    def workers(self) -> int:
        """Worker processes."""
        return self.jobs

    def map_unordered(self, fn: Callable[[T], R], tasks: Sequence[T],
                      on_result: Callable[[R], None]) -> None:
        """Submit every task to the pool and report results as they complete."""
        if not tasks:
            return
        pool = ProcessPoolExecutor(max_workers=min(self.jobs, len(tasks)))
        pending: set[Future[R]] = set()
        try:  # submitting inside: an interrupt while submitting must not wait for the queue
            for t in tasks:
                pending.add(pool.submit(fn, t))
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    on_result(fut.result())
        except BaseException:
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)


class DaskBackend(_Closing):
    """A ``dask.distributed`` client: a cluster at ``scheduler`` or a new ``LocalCluster``.

    The local cluster has ``workers`` single-threaded worker processes (default: CPU count); the
    simulation holds the GIL, so one thread per process is what scales. The cluster (or the
    connection) is opened on first use and released by :meth:`close`.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None):
        if workers is not None and workers < 1:
            raise BackendError(f"workers must be at least 1 (got {workers})")
        self.scheduler, self.n_workers = scheduler, workers
        self._client: Any = None
        self._cluster: Any = None

    @property
    def workers(self) -> int:
        """Worker threads the cluster offers (the requested local size before it starts)."""
        if self._client is not None:
            info = self._client.scheduler_info()["workers"]
            return max(1, sum(int(w.get("nthreads", 1)) for w in info.values()))
        return self.n_workers or os.cpu_count() or 1

    def client(self) -> Any:
        """The ``dask.distributed.Client``, started on first use."""
        if self._client is None:
            distributed = import_distributed()
            try:
                if self.scheduler:
                    self._client = distributed.Client(self.scheduler, timeout="20s")
                else:
                    self._cluster = distributed.LocalCluster(
                        n_workers=self.n_workers or os.cpu_count() or 1, threads_per_worker=1,
                        processes=True, dashboard_address=None, silence_logs=logging.ERROR)
                    self._client = distributed.Client(self._cluster)
            except OSError as err:  # includes TimeoutError: no scheduler at that address
                self.close()
                where = self.scheduler or "a local cluster"
                raise BackendError(f"cannot connect to the Dask scheduler at {where}: {err}"
                                   ) from None
        return self._client

    def map_unordered(self, fn: Callable[[T], R], tasks: Sequence[T],
                      on_result: Callable[[R], None]) -> None:
        """Submit every task to the cluster and report results as they complete."""
        if not tasks:
            return
        distributed = import_distributed()
        client = self.client()
        futures = client.map(fn, list(tasks), pure=False)
        try:
            for fut in distributed.as_completed(futures):
                on_result(fut.result())
        except BaseException:
            client.cancel(futures)
            raise

    def close(self) -> None:
        """Close the client and, if this backend started it, the local cluster."""
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None


def import_distributed() -> Any:
    """Import ``dask.distributed`` lazily, with a clear message if the extra is missing."""
    try:
        import dask.distributed as distributed
    except ImportError as err:
        raise BackendError(f"{DASK_HINT} ({err})") from None
    return distributed


def make_backend(name: str = "processes", jobs: int | None = None, scheduler: str | None = None,
                 workers: int | None = None) -> SerialBackend | ProcessBackend | DaskBackend:
    """The backend called ``name``: ``processes`` (``jobs`` processes), ``dask`` or ``serial``.

    For ``dask``, ``scheduler`` is the address of a running scheduler (``tcp://host:8786``); without
    it a ``LocalCluster`` of ``workers`` processes is started.
    """
    if name == "processes":
        return ProcessBackend(jobs)
    if name == "dask":
        import_distributed()  # fail early, before any work is planned or written
        return DaskBackend(scheduler, workers)
    if name == "serial":
        return SerialBackend()
    raise BackendError(f"unknown backend {name!r} (choose from {', '.join(BACKEND_NAMES)})")


__all__ = [
    "BACKEND_NAMES",
    "Backend",
    "BackendError",
    "DaskBackend",
    "ProcessBackend",
    "SerialBackend",
    "import_distributed",
    "make_backend",
]
