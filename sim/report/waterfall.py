"""The waterfall chart of a lever decomposition: from 0 through each lever to the total gain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from sim.report.figures import save_figure
from sim.report.labels import (
    compact_value,
    metric_label,
    metric_with_unit,
    number_format,
    unit_label,
)
from sim.report.sweep_figures import wrap_title
from sim.runs.decompose import RESIDUAL, Decomposition, ranking
from sim.tables.stats import Estimate


def waterfall(dec: Decomposition, path: str | Path, kind: str = "switch_off") -> Path:
    """Waterfall PNG: bars from 0 through each lever's contribution and the residual to the total.

    ``kind`` is ``switch_off`` (default) or ``switch_on``. Bars come in the order of
    :func:`sim.runs.decompose.ranking`, the interaction residual among them like a lever; ``*``
    marks a contribution whose 95% CI excludes zero. Whiskers show each contribution's 95%
    confidence interval at the end of its bar.
    """
    parts = dec.switch_off if kind == "switch_off" else dec.switch_on
    residual = dec.residual_off if kind == "switch_off" else dec.residual_on
    ranked = ranking(dec, kind)
    order = [str(name) for name in ranked["lever"]]
    stars = dict(zip(order, ranked["significant"], strict=True))
    estimates = {**parts, RESIDUAL: residual}
    labels = [("interaction\n(residual)" if name == RESIDUAL else name)
              + (" *" if stars[name] else "") for name in order] + ["total gain"]
    steps = [estimates[name] for name in order]
    fig = Figure(figsize=(9, 5), layout="constrained")
    ax = fig.add_subplot()
    level = 0.0
    for i, est in enumerate(steps):
        color = "0.6" if order[i] == RESIDUAL else ("tab:green" if est.mean >= 0 else "tab:red")
        _bar(ax, i, level, est, color, dec.metric)
        ax.plot([i - 0.4, i + 1.4], [level + est.mean] * 2, color="0.3", linewidth=0.6)
        level += est.mean
    _bar(ax, len(steps), 0.0, dec.total, "tab:blue", dec.metric)
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(labels)), labels, fontsize=8, rotation=30, ha="right")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: compact_value(dec.metric, v)))
    ax.set_ylabel(f"gain in {metric_with_unit(dec.metric, dec.currency)}")
    how = "switched off from the conductor" if kind == "switch_off" else "switched on in the pilot"
    ax.set_title(wrap_title(f"{dec.scenario}: the conductor's paired gain over the pilot in "
                            f"{dec.metric.replace('_', ' ')}, lever by lever ({how}; "
                            f"{dec.replications} replications)"), fontsize=10)
    ax.legend(handles=[Patch(color="tab:green", label="lever raises the gain"),
                       Patch(color="tab:red", label="lever lowers the gain"),
                       Patch(color="0.6", label="interaction between levers"),
                       Patch(color="tab:blue", label="total paired gain"),
                       Line2D([], [], color="black", marker="_", markersize=8,
                              label="95% confidence interval")],
              fontsize=8, loc="best")
    ax.grid(axis="y", alpha=0.3)
    return save_figure(fig, Path(path), dpi=120)


def _bar(ax: Any, x: int, bottom: float, est: Estimate, color: str, metric: str) -> None:
    """One floating bar from ``bottom`` to ``bottom + mean`` with its CI whisker and label."""
    ax.bar(x, est.mean, bottom=bottom, color=color, width=0.8)
    top = bottom + est.mean
    if np.isfinite(est.ci_low):
        ax.errorbar(x, top, yerr=[[est.mean - est.ci_low], [est.ci_high - est.mean]],
                    fmt="none", ecolor="black", capsize=3, linewidth=1)
    text = ("+" if est.mean >= 0 else "") + compact_value(metric, est.mean)
    ax.annotate(text, (x, max(top, bottom)), textcoords="offset points", xytext=(0, 3),
                ha="center", fontsize=7)


def ranking_rows(table: pd.DataFrame, metric: str, currency: str | None = None
                 ) -> list[tuple[str, str, str, str, str]]:
    """The ranking as rows of text, header first: rank, lever, contribution, vs next, order."""
    values = [*table["mean"], *table["ci_low"], *table["ci_high"]]
    fmt = number_format(metric, [v for v in values if np.isfinite(v)], compact=True)
    unit = unit_label(metric, fmt, currency)
    rows = [("rank", "lever", f"contribution [95% CI]{' (' + unit + ')' if unit else ''}",
             "vs next [95% CI]", "order")]
    for r in table.to_dict("records"):
        star = " *" if r["significant"] else "  "
        has_next = bool(np.isfinite(r["next_diff_mean"]))
        nxt = (fmt.cell(r["next_diff_mean"], r["next_diff_ci_low"], r["next_diff_ci_high"],
                        signed=True) if has_next else "")
        order = ("distinguishable" if r["distinct_from_next"] else "not distinguishable"
                 ) if has_next else ""
        cell = fmt.cell(r["mean"], r["ci_low"], r["ci_high"], signed=True) + star
        rows.append((str(r["rank"]), str(r["lever"]), cell, nxt, order))
    return rows


def ranking_title(metric: str) -> str:
    """What the ranking shows, in one line."""
    return (f"{metric_label(metric)}: switch-off contributions ranked; * = 95% CI excludes 0; "
            "vs next: paired difference with the next rank")


def ranking_text(table: pd.DataFrame, metric: str, currency: str | None = None) -> str:
    """The ranking of :func:`sim.runs.decompose.ranking` as a plain-text table for a terminal.

    One row per lever and for the interaction residual, in rank order and in the same format:
    contribution [95% CI] with ``*`` when the CI excludes zero, then the paired difference with
    the next row [95% CI] and whether the two are distinguishable.
    """
    rows = ranking_rows(table, metric, currency)
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) if i < 4 else c
                       for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    return "\n".join([ranking_title(metric), *lines])
