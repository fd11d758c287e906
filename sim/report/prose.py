"""The report's prose: one line of plain-language reading per table and figure.

Every sentence is computed from the comparison table (means, CIs and paired differences), so
the reading always matches the numbers beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from sim.report.labels import metric_label, number_format, unit_label
from sim.tables.comparison import (
    excludes_zero,
    infer_reference,
    lookup_rows,
    ordered_setups,
    row_triple,
)
from sim.tables.operations import UTILIZATION


@dataclass(frozen=True)
class ReadingContext:
    """A comparison table looked up by (metric, setup), with its reference and currency."""

    comparison: pd.DataFrame
    rows: dict[tuple[str, str], pd.Series]
    setups: list[str]
    reference: str | None
    currency: str | None

    def has(self, metric: str) -> bool:
        """Whether the table has the metric."""
        return any(m == metric for m, _ in self.rows)

    def mean(self, metric: str, setup: str) -> float:
        """A setup's mean on a metric."""
        return row_triple(self.rows, metric, setup)[0]

    def diff(self, metric: str, setup: str) -> tuple[float, float, float]:
        """A setup's paired difference against the reference: (mean, low, high)."""
        return row_triple(self.rows, metric, setup, prefix="diff_")

    def value(self, metric: str, value: float, signed: bool = False,
              low: float = math.nan, high: float = math.nan) -> str:
        """Format a value (and its CI, if given) with its unit, for sentences."""
        fmt = number_format(metric, [value], compact=False)
        unit = unit_label(metric, fmt, self.currency)
        text = fmt.cell(value, low, high, signed)
        return f"{text} {unit}" if unit else text


def _ranked(ctx: ReadingContext, metric: str, higher: bool) -> list[str]:
    finite = [s for s in ctx.setups if math.isfinite(ctx.mean(metric, s))]
    return sorted(finite, key=lambda s: ctx.mean(metric, s), reverse=higher)


def _paired_phrase(ctx: ReadingContext, metric: str, setup: str) -> str:
    """``paired difference a - ref: +x [lo, hi], 95% CI excludes zero``."""
    assert ctx.reference is not None
    triple = ctx.diff(metric, setup)
    mean, low, high = triple
    text = (f"paired difference {setup} - {ctx.reference}: "
            f"{ctx.value(metric, mean, True, low, high)}")
    if not (math.isfinite(low) and math.isfinite(high)):
        return text + " (too few replications for a CI)"
    if excludes_zero(triple):
        return text + ", 95% CI excludes zero"
    return text + ", 95% CI includes zero (not distinguishable at this number of replications)"


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _lead_sentence(ctx: ReadingContext, metric: str, higher: bool, what: str) -> str | None:
    """Name the best setup(s) on ``metric`` and compare with the reference.

    Ties are named together; if the reference is best, the next best is compared with it.
    """
    if not ctx.has(metric):
        return None
    ranked = _ranked(ctx, metric, higher)
    if not ranked:
        return None
    top = ctx.mean(metric, ranked[0])
    leaders = [s for s in ranked if math.isclose(ctx.mean(metric, s), top, rel_tol=1e-9,
                                                 abs_tol=1e-12)]
    verb = "has" if len(leaders) == 1 else "share"
    text = (f"{_join(leaders)} {verb} the {what} ({ctx.value(metric, top)}, "
            "mean over replications)")
    if ctx.reference is None:
        return text + "; no reference setup, so no paired differences."
    if ctx.reference not in leaders:
        return f"{text}; {_paired_phrase(ctx, metric, leaders[0])}."
    runner_up = next((s for s in ranked if s not in leaders), None)
    if runner_up is None:
        return text + "."
    return f"{text}; the next best is {runner_up}, {_paired_phrase(ctx, metric, runner_up)}."


def read_table(ctx: ReadingContext) -> str:
    """The reading of the comparison table: who leads on net contribution, and is it noise."""
    if ctx.has("net_contribution"):
        sentence = _lead_sentence(ctx, "net_contribution", True, "highest net contribution")
    else:
        metric = str(ctx.comparison["metric"].iloc[0])
        sentence = _lead_sentence(ctx, metric, True, f"highest mean {metric_label(metric)}")
    return sentence or "No values to compare."


def _reading_cumulative(ctx: ReadingContext) -> str | None:
    """The curves end at each setup's net contribution (media, production and platform)."""
    return _lead_sentence(ctx, "net_contribution", True,
                          "highest net contribution at the horizon, where the curves end")


def _reading_spend(ctx: ReadingContext) -> str | None:
    if not ctx.has("media_spend"):
        return None
    shown = ctx.setups[:2]
    parts = []
    for s in shown:
        part = f"{s} spends {ctx.value('media_spend', ctx.mean('media_spend', s))}"
        if ctx.has("wasted_spend"):
            spend = ctx.mean("media_spend", s)
            share = ctx.mean("wasted_spend", s) / spend if spend else math.nan
            if math.isfinite(share):
                part += f" of which {share:.1%} is wasted"
        parts.append(part)
    return "Per replication, " + "; ".join(parts) + "."


def _reading_lead_time(ctx: ReadingContext) -> str | None:
    sentence = _lead_sentence(ctx, "lead_time_mean", False, "shortest mean content lead time")
    if sentence is None or not ctx.has("lead_time_p95"):
        return sentence
    p95 = ", ".join(f"{s} {ctx.mean('lead_time_p95', s):.1f}" for s in ctx.setups)
    return f"{sentence[:-1]}; 95th percentile: {p95} days."


def _reading_backlog(ctx: ReadingContext) -> str | None:
    return _lead_sentence(ctx, "requests_open", False, "fewest requests still open at the horizon")


def _reading_reuse(ctx: ReadingContext) -> str | None:
    sentence = _lead_sentence(ctx, "reuse_rate", True, "highest reuse rate")
    if not ctx.has("agency_utilization"):
        return sentence
    ranked = _ranked(ctx, "agency_utilization", True)
    if not ranked:
        return sentence
    util = (f"agency utilisation ranges from {ctx.mean('agency_utilization', ranked[-1]):.3f} "
            f"({ranked[-1]}) to {ctx.mean('agency_utilization', ranked[0]):.3f} ({ranked[0]})")
    if sentence is None:
        return util[0].upper() + util[1:] + "."
    return f"{sentence[:-1]}; {util}."


def _reading_revenue(ctx: ReadingContext) -> str | None:
    return _lead_sentence(ctx, "revenue", True, "highest total revenue over all channels")

def _reading_time_by_step(ctx: ReadingContext) -> str | None:
    """Mean lead time and the share of it spent on hand-offs, approvals and revisions."""
    if not ctx.has("lead_time_mean"):
        return None
    parts = [f"{s} {ctx.mean('lead_time_mean', s):.1f} days" for s in ctx.setups]
    text = "Mean lead time of a finished request: " + ", ".join(parts)
    if ctx.has("admin_share"):
        shares = ", ".join(f"{s} {ctx.mean('admin_share', s):.0%}" for s in ctx.setups)
        text += f"; share spent on hand-offs, approvals and revision rounds: {shares}"
    return text + "."


def _reading_utilization(ctx: ReadingContext) -> str | None:
    """The busiest resource per setup, over the whole horizon."""
    names = [m[len(UTILIZATION):] for m in dict.fromkeys(m for m, _ in ctx.rows)
             if m.startswith(UTILIZATION)]
    if not names:
        return None
    parts = []
    for s in ctx.setups:
        busy = {n: ctx.mean(f"{UTILIZATION}{n}", s) for n in names}
        finite = {n: u for n, u in busy.items() if math.isfinite(u)}
        if finite:
            top = max(finite, key=lambda n: finite[n])
            parts.append(f"{s}: {top} {finite[top]:.0%}")
    return ("Busiest resource over the horizon (share of its capacity in use): "
            + "; ".join(parts) + ".") if parts else None


READINGS: dict[str, Callable[[ReadingContext], str | None]] = {
    "cumulative_net_contribution": _reading_cumulative,
    "spend_allocation": _reading_spend,
    "lead_time": _reading_lead_time,
    "backlog": _reading_backlog,
    "reuse_utilization": _reading_reuse,
    "revenue_by_channel": _reading_revenue,
    "time_by_step": _reading_time_by_step,
    "utilization_over_time": _reading_utilization,
}


def plot_reading(name: str, comparison: pd.DataFrame, reference: str | None = None,
                 currency: str | None = None) -> str:
    """One line of plain-language reading for the plot ``name``, computed from ``comparison``."""
    ctx = reading_context(comparison, reference, currency)
    reader = READINGS.get(name)
    sentence = reader(ctx) if reader is not None else None
    return sentence or "No summary metric to read this figure against."


def table_reading(comparison: pd.DataFrame, reference: str | None = None,
                  currency: str | None = None) -> str:
    """One line of plain-language reading of the comparison table (who leads, is it noise)."""
    return read_table(reading_context(comparison, reference, currency))


def reading_context(comparison: pd.DataFrame, reference: str | None,
                    currency: str | None) -> ReadingContext:
    """Look a comparison table up for sentences, with its reference setup inferred."""
    ref = infer_reference(comparison, reference)
    return ReadingContext(
        comparison=comparison,
        rows=lookup_rows(comparison),
        setups=ordered_setups(comparison["setup"].tolist(), ref),
        reference=ref,
        currency=currency,
    )
