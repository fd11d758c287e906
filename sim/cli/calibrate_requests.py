"""``campaign-sim calibrate requests``: to be built on this branch."""

from __future__ import annotations

from typing import Any


def register(group: Any) -> None:
    """Register ``calibrate requests`` on the calibrate group's subparsers."""
