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

import contextlib
import functools
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

BACKEND_NAMES: tuple[str, ...] = ("processes", "dask", "serial")
PARENT_POLL_SECONDS = 0.5
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
    """A local :class:`multiprocessing.pool.Pool` of ``jobs`` worker processes (default: CPUs).

    A pool is started for each ``map_unordered`` call and stopped at its end, so nothing is left
    running between calls. On any exception in this process (Ctrl-C and SIGTERM included) the
    workers are terminated at once: the results already handed to ``on_result`` are kept, the
    runs in progress are lost. Workers are set up by :func:`init_worker`, whatever the start
    method (fork, spawn or forkserver).
    """

    name = "processes"

    def __init__(self, jobs: int | None = None, start_method: str | None = None):
        if jobs is not None and jobs < 1:
            raise BackendError(f"jobs must be at least 1 (got {jobs})")
        self.jobs = jobs or os.cpu_count() or 1
        self.context = multiprocessing.get_context(start_method)  # None: the platform default

    @property
    def workers(self) -> int:
        """Worker processes."""
        return self.jobs

    def map_unordered(self, fn: Callable[[T], R], tasks: Sequence[T],
                      on_result: Callable[[R], None]) -> None:
        """Run the tasks on the pool and report results as they complete."""
        if not tasks:
            return
        folder = tempfile.mkdtemp(prefix="campaign-sim-results-")
        pool = self.context.Pool(min(self.jobs, len(tasks)), initializer=init_worker,
                                 initargs=(os.getpid(),))
        try:
            for path in pool.imap_unordered(functools.partial(_via_file, fn, folder), tasks,
                                            chunksize=1):
                on_result(_take(path))
        except BaseException:
            pool.terminate()
            raise
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        pool.close()
        pool.join()


def _via_file(fn: Callable[[T], R], folder: str, task: T) -> str:
    """Run ``fn`` in a worker and hand its result back as a file, by path.

    A run's result is megabytes; sent through the pool's pipe, a worker terminated in the middle
    of writing it leaves a partial message that the pool's result thread then waits on forever,
    so an interrupted command could hang. A path is a short message, written whole.
    """
    result = fn(task)
    fd, path = tempfile.mkstemp(dir=folder, suffix=".pkl")
    with os.fdopen(fd, "wb") as f:
        pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _take(path: str) -> Any:
    """The result a worker left at ``path``; the file is removed."""
    with open(path, "rb") as f:
        result = pickle.load(f)
    os.remove(path)
    return result


def init_worker(parent_pid: int) -> None:
    """Set up a worker process: signals explicitly, and an exit when the parent dies.

    SIGINT is ignored (a Ctrl-C reaches the whole process group; the parent decides and stops
    the workers), SIGTERM has its default effect (the parent's pool terminates workers with it),
    and a daemon thread ends the worker as soon as the process that started the pool is gone,
    even after ``kill -9`` of it: otherwise an orphan worker would keep computing for nobody.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = multiprocessing.parent_process()
    sentinel = parent.sentinel if parent is not None else None
    threading.Thread(target=_exit_with_parent, args=(parent_pid, sentinel), daemon=True,
                     name="campaign-sim-parent-watch").start()


def _exit_with_parent(parent_pid: int, sentinel: int | None) -> None:
    """Wait until the parent process is gone, then end this process at once.

    The parent's sentinel (a pipe the operating system closes when the parent dies, however it
    dies) is waited on; without one, the parent's pid is polled.
    """
    if sentinel is not None:
        with contextlib.suppress(OSError, ValueError):
            multiprocessing.connection.wait([sentinel])
            os._exit(1)
    while True:
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass
        time.sleep(PARENT_POLL_SECONDS)


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
    "init_worker",
    "make_backend",
]
