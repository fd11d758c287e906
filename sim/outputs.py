"""Small output helpers shared by the commands: atomic file writes, folders and a progress bar."""

from __future__ import annotations

import errno
import functools
import io
import itertools
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@functools.cache
def file_mode() -> int:
    """The mode of a new file: ``0o666`` less the process umask (read once, at first use)."""
    mask = os.umask(0o022)  # the only portable way to read the umask is to set it
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a file through a temporary file and ``os.replace``: old or new, never half.

    Text is written as UTF-8; the file gets the usual mode of a new file (umask respected).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:24]}.", suffix=".tmp")
    try:
        os.chmod(tmp, file_mode())
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_figure(fig: Figure, path: Path, **kwargs: Any) -> Path:
    """Save a matplotlib figure atomically (format from the file suffix); return the path."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=path.suffix.lstrip(".") or "png", **kwargs)
    write_atomic(path, buffer.getvalue())
    return path


def writable_folder(folder: Path) -> list[Path]:
    """Create ``folder`` if missing and check that it takes new files; return the folders made.

    Raises :class:`OSError` whose ``strerror`` says why not (anything made is removed again).
    """
    chain = [folder, *folder.parents]
    missing = list(itertools.takewhile(lambda p: not (p.exists() or p.is_symlink()), chain))
    if len(missing) < len(chain) and not chain[len(missing)].is_dir():
        raise NotADirectoryError(errno.ENOTDIR, f"{chain[len(missing)]} is not a folder")
    made: list[Path] = []
    try:
        for path in reversed(missing):
            path.mkdir()
            made.append(path)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".write-check.", suffix=".tmp")
        os.close(fd)
        os.unlink(tmp)
    except OSError as err:
        remove_empty(made)
        raise OSError(err.errno, f"cannot write to {folder} ({err.strerror or err})") from None
    return made


def remove_empty(folders: Iterable[Path]) -> None:
    """Remove the folders that are still empty, innermost first (others are left alone)."""
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with suppress(OSError):
            folder.rmdir()


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
