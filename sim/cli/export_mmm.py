"""The handler of ``export-mmm``: a results folder's media data for an MMM tool, with the truth.

Bad input (not a results folder, unknown setup, replication out of range, bad date, bad lift
test) exits 2 with one line per problem, before anything is written; the export folder is
written into a temporary folder and renamed into place.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from sim.cli.options import EXIT_OK, BadInput, non_negative_int

FORMATS = ("robyn", "meridian", "pymc-marketing")


def register(subparsers: Any) -> None:
    """Register ``export-mmm`` on an argparse subparsers object."""
    p = subparsers.add_parser("export-mmm", help="MMM-ready data with the true ROAS and curves")
    p.add_argument("folder", type=Path, metavar="RESULTS_DIR",
                   help="a results folder written by compare or run")
    p.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
    p.add_argument("--granularity", choices=("daily", "weekly"), default="weekly")
    p.add_argument("--setup", default=None, metavar="NAME",
                   help="the setup to export (default: the folder's last)")
    p.add_argument("--replication", type=non_negative_int, default=0, metavar="R")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="export folder (default RESULTS_DIR/mmm-FORMAT)")
    p.add_argument("--start", default="2024-01-01", metavar="YYYY-MM-DD",
                   help="date of the first day (default 2024-01-01, a Monday)")
    p.add_argument("--outcome", choices=("revenue", "conversions"), default="revenue")
    p.add_argument("--lift", action="append", default=[], metavar="CHANNEL:FIRST:LAST",
                   help="a holdout lift test, dates inclusive (repeat; default one per channel)")
    p.add_argument("--lift-bias", type=float, default=0.0, metavar="B",
                   help="relative bias of the lift measurements (default 0)")
    p.set_defaults(handler=cmd_export_mmm)


def cmd_export_mmm(args: argparse.Namespace) -> int:
    """``campaign-sim export-mmm``: write the export folder and print its path."""
    from sim.files import ResultsError
    from sim.mmm.export import LiftOptions, build_export, write_export
    from sim.mmm.source import ExportError, ExportRequest

    problems = []
    try:
        start = date.fromisoformat(args.start)
    except ValueError:
        problems.append(f"--start: {args.start!r} is not a date YYYY-MM-DD")
    if not args.lift_bias > -1.0:
        problems.append(f"--lift-bias: must be greater than -1 (got {args.lift_bias})")
    if problems:
        raise BadInput(problems)
    request = ExportRequest(args.folder, args.fmt, args.setup, args.replication,
                            args.granularity, start, args.outcome)
    out = args.out or args.folder / f"mmm-{args.fmt}"
    try:
        export = build_export(request, LiftOptions(tuple(args.lift), args.lift_bias),
                              command=getattr(args, "command_line", ""))
        write_export(export, out)
    except (ExportError, ResultsError) as err:
        raise BadInput(getattr(err, "lines", [str(err)])) from None
    print(f"export: {out}")
    return EXIT_OK
