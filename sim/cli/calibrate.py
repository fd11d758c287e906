"""``campaign-sim calibrate media|requests``: scenario blocks from an organisation's own data.

The group; what its subcommands share is in :mod:`sim.cli.calibrate_common`;
each subcommand's arguments and handler live in :mod:`sim.cli.calibrate_media` and
:mod:`sim.cli.calibrate_requests`.
"""

from __future__ import annotations

from typing import Any

from sim.cli import calibrate_media, calibrate_requests
from sim.cli.options import Parser


def register(subparsers: Any) -> None:
    """Register ``calibrate`` and its subcommands on an argparse subparsers object."""
    p = subparsers.add_parser("calibrate", help="scenario blocks from an MMM or a request log")
    group = p.add_subparsers(dest="calibrate_command", metavar="SOURCE", parser_class=Parser)
    group.required = True
    calibrate_media.register(group)
    calibrate_requests.register(group)
