"""Small output helpers shared by the commands: atomic file writes and a progress bar."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write a text file through a temporary file and ``os.replace``: old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:24]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_terminal(stream: object) -> bool:
    """Whether a stream is a terminal (False for anything without ``isatty`` or closed)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # closed stream
        return False


@contextmanager
def progress_bar(total: int, quiet: bool) -> Iterator[Callable[[], None]]:
    """A tqdm bar on stderr over ``total`` runs, off when quiet or stderr is not a terminal."""
    from tqdm import tqdm

    disable = quiet or not is_terminal(sys.stderr)
    bar = tqdm(total=total, unit="run", file=sys.stderr, disable=disable, dynamic_ncols=True)
    try:
        yield lambda: bar.update(1)
    finally:
        bar.close()
