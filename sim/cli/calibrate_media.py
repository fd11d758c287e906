"""``campaign-sim calibrate media``: a fitted MMM's response curves as a ``channels:`` block."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.cli.options import BadInput, positive_float


def register(group: Any) -> None:
    """Register ``calibrate media`` on the calibrate group's subparsers."""
    from sim.cli.calibrate_common import add_output_options

    p = group.add_parser("media", help="channels: from a Robyn, Meridian or PyMC-Marketing model",
                         description="Import a fitted marketing-mix model's response curves "
                         "(docs/CALIBRATE.md gives the formulas and file layouts).")
    p.add_argument("--from", dest="tool", required=True,
                   choices=["robyn", "meridian", "pymc-marketing"])
    p.add_argument("file", type=Path, metavar="FILE",
                   help="robyn_write() JSON, Meridian JSON, or PyMC-Marketing .nc / .csv table")
    add_output_options(p)
    p.add_argument("--rename", action="append", default=[], metavar="MMM_NAME=SCENARIO_NAME",
                   help="map a channel of the file onto a channel of the template (repeatable)")
    p.add_argument("--value-per-conversion", type=positive_float, default=1.0, metavar="V",
                   help="revenue per conversion when the outcome is revenue and no template "
                   "channel gives it (default 1: max_daily_conversions is revenue per day)")
    p.add_argument("--robyn-inflexion", choices=["v3.12", "v3.11"], default="v3.12",
                   help="Robyn's gamma definition: v3.12+ gamma*max, v3.11- (1-gamma)min+gamma*max")
    p.add_argument("--data", type=Path, default=None, metavar="CSV",
                   help="Robyn's input data (spend columns) when the JSON has no raw_data")
    p.add_argument("--scales", type=Path, default=None, metavar="CSV",
                   help="PyMC-Marketing scales, columns column,scale (a row 'target' too)")
    p.add_argument("--period-days", type=positive_float, default=7.0, metavar="DAYS",
                   help="PyMC-Marketing: days per model period (default 7, weekly)")
    p.add_argument("--outcome", choices=["revenue", "conversions"], default="revenue",
                   help="PyMC-Marketing: what the target is (default revenue)")
    p.set_defaults(handler=cmd_media)


def renames(pairs: list[str]) -> dict[str, str]:
    """``OLD=NEW`` pairs as a mapping (a malformed pair is bad input)."""
    bad = [p for p in pairs if p.count("=") != 1 or not all(p.split("="))]
    if bad:
        raise BadInput([f"--rename {p!r}: expected MMM_NAME=SCENARIO_NAME" for p in bad])
    return dict(p.split("=") for p in pairs)


def cmd_media(args: argparse.Namespace) -> int:
    """Import the file's curves and write them (merged into ``--template`` if given)."""
    from sim.calibrate.curves import MediaOptions
    from sim.calibrate.media import import_media
    from sim.calibrate.robyn import RobynOptions
    from sim.cli.calibrate_common import write_and_report

    options = MediaOptions(args.value_per_conversion, renames(args.rename), args.template)
    calibrated = import_media(args.tool, args.file, options,
                              RobynOptions(args.robyn_inflexion, args.data), args.scales,
                              args.period_days, args.outcome)
    return write_and_report(calibrated, args)
