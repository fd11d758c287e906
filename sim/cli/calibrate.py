"""``campaign-sim calibrate media|requests``: scenario blocks from an organisation's own data.

The group and what its subcommands share (``--out``, ``--template``, writing and reporting);
each subcommand's arguments and handler live in :mod:`sim.cli.calibrate_media` and
:mod:`sim.cli.calibrate_requests`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.cli import calibrate_media, calibrate_requests
from sim.cli.options import EXIT_OK, Parser


def register(subparsers: Any) -> None:
    """Register ``calibrate`` and its subcommands on an argparse subparsers object."""
    p = subparsers.add_parser("calibrate", help="scenario blocks from an MMM or a request log")
    group = p.add_subparsers(dest="calibrate_command", metavar="SOURCE", parser_class=Parser)
    group.required = True
    calibrate_media.register(group)
    calibrate_requests.register(group)


def add_output_options(p: argparse.ArgumentParser) -> None:
    """``--out FILE.yaml`` and ``--template SCENARIO``, shared by every calibrate subcommand."""
    p.add_argument("--out", type=Path, required=True, metavar="FILE.yaml",
                   help="where to write the calibrated blocks (or the full scenario)")
    p.add_argument("--template", type=Path, default=None, metavar="SCENARIO",
                   help="merge the blocks into this scenario and write a full, valid scenario")


def write_and_report(calibrated: Any, args: argparse.Namespace) -> int:
    """Write the calibrated blocks as ``--out`` says and print what was written and left out."""
    from sim.calibrate.output import write_calibrated

    write_calibrated(calibrated, args.out, args.template)
    what = "scenario" if args.template else "blocks " + ", ".join(calibrated.blocks)
    print(f"wrote {what} to {args.out}")
    for sentence in calibrated.not_estimated:
        print(f"not estimated: {sentence}", file=sys.stderr)
    return EXIT_OK
