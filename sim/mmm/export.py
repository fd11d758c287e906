"""``export-mmm``: a run's media data in an MMM tool's shape, with the truth beside it.

The folder holds the data file, ``README.md`` (column to argument map, units, definitions),
``ground_truth.csv`` / ``ground_truth.json``, ``true_contributions.csv``, ``true_curves.csv``,
``lift_tests.csv`` with the tool's calibration file, and ``provenance.json``. It is written into a
temporary folder beside the target and renamed into place once complete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.files import staging_folder
from sim.mmm import calibration as cal
from sim.mmm.curves import curves_table
from sim.mmm.formats import DATA_FILE, Panel, data_table, period_dates, safe_name
from sim.mmm.lift import LiftLab, default_tests, parse_tests
from sim.mmm.readme import readme_text
from sim.mmm.source import ExportRequest, Source, by_period, open_source, period_index
from sim.mmm.truth import Truth, ground_truth, summarise
from sim.version import __version__
from sim.world.streams import Streams


@dataclass(frozen=True)
class LiftOptions:
    """Which holdouts (``CHANNEL:FIRST:LAST``; none given: one per channel) and the bias."""

    specs: tuple[str, ...] = ()
    bias: float = 0.0
    window: int = 28


@dataclass
class Export:
    """Everything an export writes, as tables and texts keyed by file name."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


def exported_days(days: int, granularity: str) -> int:
    """How many days the export covers (whole weeks when weekly)."""
    return len(period_index(days, granularity))


def make_panel(source: Source, request: ExportRequest) -> Panel:
    """Sum the run's recorded daily media into the export's periods."""
    periods = period_index(source.replay.shape[0], request.granularity)
    length = np.bincount(periods).astype(float)[:, None]
    spend, imp = (by_period(source.array(c), periods) for c in ("spend", "impressions"))
    revenue = by_period(source.array("revenue"), periods).sum(axis=1)
    conversions = by_period(source.array("conversions"), periods).sum(axis=1)
    quality = by_period(source.array("creative_quality"), periods) / length
    live = by_period(source.array("live_assets"), periods) / length
    names = [safe_name(n) for n in source.scenario.channel_names]
    return Panel(period_dates(request.start, len(length), request.granularity), names, spend, imp,
                 revenue, conversions, quality, live)


def truth_tables(source: Source, truth: Truth, request: ExportRequest, panel: Panel
                 ) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """``ground_truth.csv``, ``ground_truth.json`` and ``true_contributions.csv``."""
    days = exported_days(source.replay.shape[0], request.granularity)
    rev, conv = summarise(truth, days, "revenue"), summarise(truth, days, "conversions")
    per_channel = pd.DataFrame({
        "channel": source.scenario.channel_names, "spend": rev.spend,
        "contribution_revenue": rev.contribution, "contribution_conversions": conv.contribution,
        "roas": rev.roas, "marginal_roas": rev.marginal_roas(truth.eps),
        "conversions_per_spend": conv.roas,
        "marginal_conversions_per_spend": conv.marginal_roas(truth.eps)})
    totals: dict[str, Any] = {name: {"total": s.total, "base": s.base, "interaction": s.interaction,
                     "sum_of_contributions": float(s.contribution.sum())}
              for name, s in (("revenue", rev), ("conversions", conv))}
    totals.update(currency=source.scenario.currency, eps=truth.eps, days=days,
                  contribution="switch-off: total minus the outcome with the channel off "
                               "on every day, everything else equal (common random numbers)")
    periods = period_index(source.replay.shape[0], request.granularity)
    per_day = truth.contribution(request.outcome)
    total = truth.total_revenue if request.outcome == "revenue" else truth.total_conversions
    base = truth.base_revenue if request.outcome == "revenue" else truth.base_conversions
    contrib = by_period(per_day, periods)
    frame = pd.DataFrame(contrib, columns=panel.channels)
    frame.insert(0, "date", [d.isoformat() for d in panel.dates])
    frame["base"] = by_period(base, periods)
    frame["total"] = by_period(total, periods)
    frame["interaction"] = frame["total"] - frame["base"] - contrib.sum(axis=1)
    return per_channel, totals, frame


def lift_tables(source: Source, request: ExportRequest, options: LiftOptions, panel: Panel
                ) -> dict[str, pd.DataFrame]:
    """``lift_tests.csv`` and the tool's calibration file."""
    days = exported_days(source.replay.shape[0], request.granularity)
    names = source.scenario.channel_names
    tests = parse_tests(list(options.specs), names, request.start, days)
    if not options.specs:
        tests = default_tests(len(panel.channels), days, options.window,
                              align=1 if request.granularity == "daily" else 7)
    outcome = "revenue" if request.fmt == "meridian" else request.outcome
    lab = LiftLab(source.replay, source.array("spend"), outcome)
    rng = Streams(source.seed, source.replication).get("lift_tests")
    results = lab.run(tests, rng, options.bias)
    spend_cols = [f"{c}_S" if request.fmt == "robyn" else f"{c}_spend" for c in panel.channels]
    shaped = {"robyn": lambda: cal.robyn_table(results, spend_cols, request.start, outcome),
              "pymc-marketing": lambda: cal.pymc_table(
                  results, spend_cols, 1 if request.granularity == "daily" else 7),
              "meridian": lambda: cal.meridian_table(results, names)}[request.fmt]()
    return {"lift_tests.csv": cal.truth_table(results, names, request.start),
            cal.LIFT_FILE[request.fmt]: shaped}


def build_export(request: ExportRequest, lift: LiftOptions | None = None,
                 command: str = "") -> Export:
    """Compute every file of an export (nothing written)."""
    source = open_source(request)
    panel = make_panel(source, request)
    truth = ground_truth(source.replay, source.array("spend"))
    out = Export()
    out.tables[DATA_FILE[request.fmt]] = data_table(request.fmt, panel, request.outcome)
    per_channel, totals, contributions = truth_tables(source, truth, request, panel)
    out.tables["ground_truth.csv"] = per_channel
    out.tables["true_contributions.csv"] = contributions
    days = exported_days(source.replay.shape[0], request.granularity)
    q = truth.factual.quality[:days]
    mean_q = np.divide(q.sum(axis=0), (q > 0).sum(axis=0), out=np.zeros(q.shape[1]),
                       where=(q > 0).any(axis=0))
    out.tables["true_curves.csv"] = curves_table(
        source.scenario, source.replay.efficiency, mean_q, source.array("spend").max(axis=0))
    out.tables.update(lift_tables(source, request, lift or LiftOptions(), panel))
    out.texts["ground_truth.json"] = json.dumps(totals, indent=2) + "\n"
    out.texts["README.md"] = readme_text(request, source, panel, totals)
    out.texts["provenance.json"] = json.dumps({
        "command": command, "version": __version__, "source": str(request.folder),
        "setup": source.setup, "replication": source.replication, "seed": source.seed,
        "format": request.fmt, "granularity": request.granularity,
        "start": request.start.isoformat(), "outcome": request.outcome}, indent=2) + "\n"
    return out


def write_export(export: Export, out: Path) -> Path:
    """Write the files into a temporary folder beside ``out``, then rename it into place."""
    with staging_folder(out) as tmp:
        for name, table in export.tables.items():
            table.to_csv(tmp / name, index=False)  # repr: floats read back exactly, as floats
        for name, text in export.texts.items():
            (tmp / name).write_text(text, encoding="utf-8")
    return out
