"""Standard output that may close early (``campaign-sim compare ... | head -1``).

When the reader goes away, the next write fails with ``BrokenPipeError``. Instead of a traceback,
or a silent death by SIGPIPE in the middle of writing results, the rest of the output goes to
``os.devnull`` and the command finishes its work and exits as it would have.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO


class PipeSafe:
    """A text stream proxy that turns a broken pipe into silence."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        """Write, or drop the text once the reader has gone."""
        if not self.broken:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._silence()
        return len(text)

    def flush(self) -> None:
        """Flush, or do nothing once the reader has gone."""
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._silence()

    def _silence(self) -> None:
        """Point the stream's file descriptor at ``os.devnull`` (so the exit flush succeeds)."""
        self.broken = True
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def quiet_broken_pipe() -> Iterator[None]:
    """Let ``sys.stdout`` close under the command without a traceback or a lost result."""
    original = sys.stdout
    safe = PipeSafe(original)
    sys.stdout = safe
    try:
        yield
    finally:
        safe.flush()
        sys.stdout = original
