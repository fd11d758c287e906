"""``calibrate media``: a fitted MMM file (Robyn, Meridian, PyMC-Marketing) into ``channels:``.

Each tool's reader gives :class:`~sim.calibrate.curves.ChannelCurve` rows in our units;
:func:`~sim.calibrate.curves.channels_block` writes them with a note per number.
"""

from __future__ import annotations

from pathlib import Path

from sim.calibrate.curves import MediaOptions, channels_block
from sim.calibrate.meridian import read_meridian
from sim.calibrate.output import Calibrated, problems_error
from sim.calibrate.pymc_marketing import read_pymc_marketing
from sim.calibrate.robyn import RobynOptions, read_robyn

TOOLS = ("robyn", "meridian", "pymc-marketing")


def import_media(tool: str, path: Path, options: MediaOptions, robyn: RobynOptions | None = None,
                 scales: Path | None = None, period_days: float = 7.0,
                 outcome: str = "revenue") -> Calibrated:
    """The ``channels:`` block from ``path``, a fitted model of ``tool``.

    ``robyn`` says how to read a Robyn export; ``scales``, ``period_days`` and ``outcome``
    (what the target is) are for PyMC-Marketing, whose file does not say them.
    """
    if not path.is_file():
        raise problems_error([("file", "not found")], str(path))
    if tool == "robyn":
        curves, outcome = read_robyn(path, robyn or RobynOptions())
    elif tool == "meridian":
        curves, outcome = read_meridian(path)
    elif tool == "pymc-marketing":
        curves = read_pymc_marketing(path, scales, period_days)
    else:
        raise problems_error([("--from", f"unknown tool {tool!r}: one of {', '.join(TOOLS)}")],
                             str(path))
    return channels_block(curves, outcome, str(path), tool, options)
