"""Progress on stderr: a bar on a terminal, a plain line per tenth of the runs in a log."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def is_terminal(stream: object) -> bool:
    """Whether a stream is a terminal (False for anything without ``isatty`` or closed)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # closed stream
        return False


def note(message: str) -> None:
    """Print a line on stderr without breaking a progress bar that is showing."""
    from tqdm import tqdm

    tqdm.write(message, file=sys.stderr)


def cache_note(folder: Path, quiet: bool, when_empty: bool = True) -> Callable[[int, int], None]:
    """An ``on_cached(found, total)`` callback saying how many runs a cache folder held.

    Silent when ``quiet``, and when the cache held nothing unless ``when_empty``.
    """
    def say(found: int, total: int) -> None:
        if not quiet and (found or when_empty):
            note(f"{found} of {total} runs found in {folder}; running {total - found}")

    return say


def resume_hint(folder: Path) -> None:
    """After Ctrl-C or a crash: where the finished runs are and how to resume."""
    print(f"finished runs are kept in {folder}; run the same command to resume", file=sys.stderr)


@contextmanager
def progress_bar(total: int, quiet: bool) -> Iterator[Callable[[], None]]:
    """Progress over ``total`` runs on stderr; yields the function to call after each run.

    A tqdm bar on a terminal; elsewhere (a log file, CI) a plain line per tenth of the runs, as
    a bar's redraws would fill a log with carriage returns. Nothing when ``quiet``.
    """
    if quiet:
        yield lambda: None
    elif not is_terminal(sys.stderr):
        yield _progress_lines(total)
    else:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="run", file=sys.stderr, dynamic_ncols=True)
        try:
            yield lambda: bar.update(1)
        finally:
            bar.close()


def _progress_lines(total: int) -> Callable[[], None]:
    """A counter that prints ``done/total runs (share), elapsed`` at each tenth of ``total``."""
    start, step, done = time.monotonic(), max(1, math.ceil(total / 10)), 0

    def tick() -> None:
        nonlocal done
        done += 1
        if done % step == 0 or done == total:
            print(f"{done}/{total} runs ({done / total:.0%}), {time.monotonic() - start:.0f} s",
                  file=sys.stderr, flush=True)

    return tick
