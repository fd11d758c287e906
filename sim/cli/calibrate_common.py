"""What the ``calibrate`` subcommands share: ``--out``, ``--template``, writing and reporting.

Apart from :mod:`sim.cli.calibrate` so that a subcommand's module can import it without an
import cycle (the group imports the subcommands).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.options import EXIT_OK

if TYPE_CHECKING:  # the calibrate package is imported when a subcommand runs
    from sim.calibrate.output import Calibrated, Merge


def add_output_options(p: argparse.ArgumentParser) -> None:
    """``--out FILE.yaml`` and ``--template SCENARIO``, shared by every calibrate subcommand."""
    p.add_argument("--out", type=Path, required=True, metavar="FILE.yaml",
                   help="where to write the calibrated blocks (or the full scenario)")
    p.add_argument("--template", type=Path, default=None, metavar="SCENARIO",
                   help="merge the blocks into this scenario and write a full, valid scenario")


def write_and_report(calibrated: Calibrated, args: argparse.Namespace,
                     merge: Merge | None = None) -> int:
    """Write the calibrated blocks as ``--out`` says and print what was written and left out.

    ``merge`` (default :func:`sim.calibrate.output.with_template`) puts them into ``--template``.
    """
    from sim.calibrate.output import with_template, write_calibrated

    write_calibrated(calibrated, args.out, args.template, merge or with_template)
    what = "scenario" if args.template else "blocks " + ", ".join(calibrated.blocks)
    print(f"wrote {what} to {args.out}")
    for sentence in calibrated.not_estimated:
        print(f"not estimated: {sentence}", file=sys.stderr)
    return EXIT_OK
