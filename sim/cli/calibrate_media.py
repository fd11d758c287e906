"""``campaign-sim calibrate media``: to be built on this branch."""

from __future__ import annotations

from typing import Any


def register(group: Any) -> None:
    """Register ``calibrate media`` on the calibrate group's subparsers."""
