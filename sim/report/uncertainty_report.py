"""The results folders of ``uncertainty`` and ``sensitivity``: tables, plots and a report section.

Every file is written atomically (old or new, never half), so a folder read while a study ends
is never inconsistent file by file. Tables are CSV; the report section is Markdown that names
each figure with one line of reading.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sim.files import write_atomic
from sim.report.labels import metric_label, number_format, unit_label
from sim.report.page import write_pages
from sim.report.uncertainty_figures import (
    gain_distribution,
    gain_scatter,
    morris_plot,
    sobol_bars,
    tornado,
)
from sim.runs.sensitivity import OneAtATime
from sim.runs.uncertainty import Uncertainty


def _csv(table: pd.DataFrame, path: Path) -> Path:
    write_atomic(path, table.to_csv(index=False))
    return path


def _money(metric: str, value: float, currency: str | None, signed: bool = True) -> str:
    """One value of the metric with its unit: ``+4.04 M EUR``."""
    fmt = number_format(metric, [value], compact=True, limit=1000)
    unit = unit_label(metric, fmt, currency)
    return f"{fmt.number(value, signed)} {unit}".strip()


def _range(metric: str, low: float, high: float, currency: str | None) -> str:
    """``[low, high] unit`` in one format."""
    fmt = number_format(metric, [low, high], compact=True, limit=1000)
    unit = unit_label(metric, fmt, currency)
    return f"[{fmt.number(low, True)}, {fmt.number(high, True)}] {unit}".strip()


def _probability(p: float, low: float, high: float) -> str:
    return "-" if not math.isfinite(p) else f"{p:.2f} [{low:.2f}, {high:.2f}]"


# -- uncertainty -------------------------------------------------------------------------------
def uncertainty_lines(summary: Mapping[str, Any], currency: str | None) -> list[str]:
    """The answer in a few plain lines (terminal and report)."""
    m, s = summary["metric"], summary
    what = f"{metric_label(m)} gain, {s['setup']} - {s['reference']}"
    reps = f"{s['replications']} replication{'' if s['replications'] == 1 else 's'}"
    lines = [f"{what} over {s['samples']} parameter sets x {reps}: "
             f"mean {_money(m, s['mean'], currency)}, median {_money(m, s['p50'], currency)}, "
             f"90% interval {_range(m, s['interval90_low'], s['interval90_high'], currency)}",
             "P(gain > 0) = "
             f"{_probability(s['p_gain_positive'], s['p_gain_ci_low'], s['p_gain_ci_high'])}"]
    if math.isfinite(s["p_pays"]):
        lines.append(f"P({s['setup']} pays, net of its platform cost) = "
                     f"{_probability(s['p_pays'], s['p_pays_ci_low'], s['p_pays_ci_high'])}")
    else:
        lines.append(f"P(it pays): {s['setup']} pays no platform")
    return lines


def uncertainty_section(result: Uncertainty, currency: str | None) -> list[str]:
    """The report section of an uncertainty study."""
    s = result.summary
    top = result.influence.head(3)
    ranked = ", ".join(f"{p} ({r:+.2f})" if math.isfinite(r) else p
                       for p, r in zip(top["parameter"], top["spearman"], strict=True))
    return ["## Uncertainty", "",
            *[f"- {line}" for line in uncertainty_lines(s, currency)], "",
            "Intervals on probabilities are 95% Wilson intervals over the parameter sets; each "
            "set's gain is its paired gain averaged over its replications (common random "
            "numbers: every setup and every set sees the same random worlds).", "",
            "![distribution of the gain](gain_distribution.png)", "",
            "Reading: the share of the curve right of the black line is P(gain > 0); the grey "
            "band holds 90% of the parameter sets.", "",
            "![gain against parameters](gain_scatter.png)", "",
            f"Reading: strongest rank correlations with the gain: {ranked}.", ""]


def write_uncertainty(result: Uncertainty, runs: pd.DataFrame, out: Path,
                      info: Mapping[str, Any], currency: str | None = None) -> list[Path]:
    """Write the tables, plots, ``uncertainty.json`` and ``report.md``; return the paths."""
    paths = [_csv(result.samples, out / "samples.csv"),
             _csv(pd.DataFrame([result.summary]), out / "summary.csv"),
             _csv(result.influence, out / "influence.csv"), _csv(runs, out / "runs.csv"),
             gain_distribution(result.samples, result.summary, out / "gain_distribution.png",
                               currency),
             gain_scatter(result.samples, result.influence, result.summary,
                          out / "gain_scatter.png", currency)]
    paths.append(_json(out / "uncertainty.json", {**info, "summary": result.summary}))
    paths.append(_report(out / "report.md", info, uncertainty_section(result, currency)))
    return paths


# -- sensitivity -------------------------------------------------------------------------------
def sensitivity_section(method: str, result: OneAtATime | pd.DataFrame, metric: str,
                        currency: str | None) -> list[str]:
    """The report section of one sensitivity method."""
    if isinstance(result, OneAtATime):
        t = result.table
        order = ", ".join(f"{p} ({_money(metric, w, currency)})"
                          for p, w in zip(t["parameter"], t["swing"], strict=True))
        return ["## Sensitivity: one at a time", "",
                f"Gain with every uncertain value at its median: "
                f"{_money(metric, result.base.mean, currency)} "
                f"{_range(metric, result.base.ci_low, result.base.ci_high, currency)} (95% CI).",
                "", "![tornado](tornado.png)", "",
                f"Reading: swing from the 5% to the 95% quantile, largest first: {order}.", ""]
    if method == "morris":
        order = ", ".join(result["parameter"])
        return ["## Sensitivity: Morris screening", "", "![Morris](morris.png)", "",
                f"Reading: parameters by mu* (mean absolute elementary effect over the full "
                f"range), most influential first: {order}.", ""]
    lines = [f"{p}: ST {st:.2f} [{lo:.2f}, {hi:.2f}], S1 {s1:.2f}"
             for p, st, lo, hi, s1 in zip(result["parameter"], result["ST"],
                                          result["ST_ci_low"], result["ST_ci_high"],
                                          result["S1"], strict=True)]
    return ["## Sensitivity: Sobol' indices", "", "![Sobol indices](sobol.png)", "",
            "Reading: the share of the gain's variance each uncertain value explains alone "
            "(S1) and with its interactions (ST), with 95% bootstrap intervals:", "",
            *[f"- {line}" for line in lines], ""]


def sensitivity_table(result: OneAtATime | pd.DataFrame) -> pd.DataFrame:
    """The method's table, as written to CSV."""
    return result.table if isinstance(result, OneAtATime) else result


def write_sensitivity(method: str, result: OneAtATime | pd.DataFrame, gains: pd.DataFrame,
                      runs: pd.DataFrame, out: Path, info: Mapping[str, Any],
                      currency: str | None = None) -> list[Path]:
    """Write ``<method>.csv``, its plot, ``samples.csv``, ``runs.csv``, json and report."""
    metric = str(info["metric"])
    paths = [_csv(sensitivity_table(result), out / f"{method}.csv"),
             _csv(gains, out / "samples.csv"), _csv(runs, out / "runs.csv")]
    if isinstance(result, OneAtATime):
        paths.append(tornado(result.table, result.base.mean, out / "tornado.png", metric,
                             str(info["setup"]), str(info["reference"]), currency))
    elif method == "morris":
        paths.append(morris_plot(result, out / "morris.png", metric, currency))
    else:
        paths.append(sobol_bars(result, out / "sobol.png"))
    paths.append(_json(out / "sensitivity.json", info))
    paths.append(_report(out / "report.md", info,
                         sensitivity_section(method, result, metric, currency)))
    return paths


# -- shared ------------------------------------------------------------------------------------
def _json(path: Path, info: Mapping[str, Any]) -> Path:
    write_atomic(path, json.dumps(info, indent=2, default=_plain) + "\n")
    return path


def _plain(value: Any) -> Any:
    """A numpy number as a plain one; anything else as its text."""
    return value.item() if hasattr(value, "item") else str(value)


def _report(path: Path, info: Mapping[str, Any], section: list[str]) -> Path:
    """``report.md`` and ``report.html``: a title, what was run, and the section."""
    head = [f"# {info['scenario']}: {info['command']}", "",
            f"{info['runs']} runs ({info['points']} parameter sets x {len(info['setups'])} "
            f"setups x {info['replications']} replications), seed {info['seed']}, "
            f"uncertain values: {', '.join(info['parameters'])}.", ""]
    if info.get("command_line"):
        head += [f"Command: `{info['command_line']}`", ""]
    return write_pages(path.parent, "\n".join(head + section))["report"]


__all__ = ["sensitivity_section", "uncertainty_lines", "uncertainty_section",
           "write_sensitivity", "write_uncertainty"]
