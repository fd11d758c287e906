"""``campaign-sim calibrate requests LOG --out FILE.yaml [--steps STEPS] [--template SCENARIO]``.

Reads a request log (CSV or parquet; a results folder's ``requests.parquet`` works as is) and an
optional step log, estimates the demand, mixes, due dates, team times, hand-offs and approval
stages by maximum likelihood (see docs/CALIBRATE_REQUESTS.md) and writes them as scenario blocks,
or merged into ``--template`` as a full scenario that ``validate`` accepts.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.cli.calibrate_common import add_output_options, write_and_report


def register(group: Any) -> None:
    """Register ``calibrate requests`` on the calibrate group's subparsers."""
    p = group.add_parser("requests", help="demand, team and approval blocks from a request log")
    p.add_argument("log", type=Path, metavar="LOG",
                   help="request log, CSV or parquet (request_id, created, due, delivered, "
                   "channel, format, campaign, team, reused, revisions)")
    p.add_argument("--steps", type=Path, default=None, metavar="STEPS",
                   help="per-step log, CSV or parquet (request_id, step, resource, start, end)")
    p.add_argument("--setup", default=None,
                   help="for a simulator's results: the setup to read (default pilot)")
    p.add_argument("--replication", type=int, default=None,
                   help="for a simulator's results: the replication to read (default the first)")
    add_output_options(p)
    p.set_defaults(handler=cmd_requests)


def cmd_requests(args: argparse.Namespace) -> int:
    """Read, check, estimate, write; bad input raises before anything is written."""
    from sim.calibrate.request_log import Known, read_log
    from sim.calibrate.requests import calibrate_requests, into_template
    from sim.scenario.load import load_scenario

    template = load_scenario(args.template) if args.template else None
    known = Known() if template is None else Known(
        set(template.channel_names), set(template.formats.names),
        {a.name for a in template.agencies}, {s.name for s in template.approvals.stages})
    data = read_log(args.log, args.steps, known, args.setup, args.replication)
    calibrated = calibrate_requests(data, template)
    return write_and_report(calibrated, args, merge=into_template)
