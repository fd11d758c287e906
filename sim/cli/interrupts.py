"""Ctrl-C and SIGTERM while a command runs: raise in the main thread, clean up, exit 130 or 143.

Both signals raise an exception at once in the main thread (SIGTERM raises :class:`Terminated`,
a kind of ``KeyboardInterrupt``), so every clean-up path written for Ctrl-C serves both: the
worker pool is terminated, the finished runs stay in their store, the staging folder is removed
and the command says how to resume. Once one signal is being handled, further ones are ignored,
so that clean-up is not cut short. Workers set their own signal handling when they start
(:func:`sim.runs.backends.init_worker`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the same clean-up handles both."""


@contextlib.contextmanager
def signals_raise(ignore_after: bool = False) -> Iterator[None]:
    """While the block runs, SIGINT raises ``KeyboardInterrupt`` and SIGTERM :class:`Terminated`.

    With ``ignore_after``, both are ignored once the block is done (for a program about to
    exit, whose interpreter would otherwise die of a late signal while it shuts down).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()

    def handle(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != owner:  # a forked child before its own handlers are set
            return
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, before in previous.items():
            signal.signal(s, signal.SIG_IGN if ignore_after else before)


def stop_workers() -> None:
    """Terminate any worker process of this one still alive (a last safety net)."""
    for child in multiprocessing.active_children():
        with contextlib.suppress(OSError, AttributeError):
            child.terminate()
