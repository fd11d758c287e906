"""Comparison tables and the Markdown report, built from result tables only (never model objects).

``comparison_table`` turns the per-replication summary into means and 95% Student-t confidence
intervals per (metric, setup), plus the paired difference of each setup against a reference setup
(paired by ``replication``: the same replication index is the same random world).
``terminal_table`` renders it for a terminal and ``write_report`` writes ``report.md`` with the
table, the plots and one line of plain-language reading under each. ``regret_table`` pairs every
setup with the oracle instead, which spends on the true response curves: its differences are the
regret of each setup's operating model.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.stats import Estimate, mean_ci, paired_difference

DEFAULT_REFERENCE = "pilot"
ORACLE = "oracle"
REGRET_METRICS: tuple[str, ...] = ("revenue", "net_contribution")

MAIN_METRICS: tuple[str, ...] = (
    "net_contribution",
    "revenue",
    "media_spend",
    "roas",
    "production_cost",
    "platform_cost",
    "reuse_rate",
    "lead_time_mean",
    "lead_time_p95",
    "requests_late",
    "requests_open",
    "agency_utilization",
    "reviewer_utilization",
)
"""The metrics shown by default, in this order; the others follow in column order."""

NOT_METRICS = frozenset({"replication", "seed"})

COMPARISON_COLUMNS: tuple[str, ...] = (
    "metric",
    "setup",
    "mean",
    "std",
    "ci_low",
    "ci_high",
    "n",
    "diff_mean",
    "diff_std",
    "diff_ci_low",
    "diff_ci_high",
)

MONEY_METRICS = frozenset(
    {
        "revenue",
        "media_spend",
        "net_contribution",
        "wasted_spend",
        "production_cost",
        "platform_cost",
        "cpa",
    }
)
RATE_METRICS = frozenset({"roas", "reuse_rate", "agency_utilization", "reviewer_utilization"})
DAY_METRICS = frozenset({"lead_time_mean", "lead_time_p50", "lead_time_p95"})

LABELS: dict[str, str] = {
    "net_contribution": "net contribution",
    "revenue": "revenue",
    "media_spend": "media spend",
    "roas": "ROAS",
    "cpa": "cost per acquisition",
    "conversions": "conversions",
    "wasted_spend": "wasted spend",
    "production_cost": "production cost",
    "platform_cost": "platform cost",
    "reuse_rate": "reuse rate",
    "lead_time_mean": "lead time, mean",
    "lead_time_p50": "lead time, median",
    "lead_time_p95": "lead time, p95",
    "requests_arrived": "requests arrived",
    "requests_finished": "requests finished",
    "requests_late": "late requests",
    "requests_open": "open requests",
    "agency_utilization": "agency utilisation",
    "reviewer_utilization": "reviewer utilisation",
}
SHORT_LABELS: dict[str, str] = {
    "net_contribution": "net contrib.",
    "media_spend": "media spend",
    "production_cost": "production",
    "platform_cost": "platform",
    "lead_time_mean": "lead time",
    "lead_time_p50": "lead t. p50",
    "lead_time_p95": "lead t. p95",
    "requests_arrived": "req. arrived",
    "requests_finished": "req. finished",
    "requests_late": "req. late",
    "requests_open": "req. open",
    "agency_utilization": "agency util.",
    "reviewer_utilization": "review util.",
    "wasted_spend": "wasted spend",
}

PLOT_TITLES: dict[str, str] = {
    "cumulative_net_contribution": "Cumulative net contribution",
    "spend_allocation": "Daily spend allocation by channel",
    "lead_time": "Content lead time",
    "backlog": "Open backlog of content requests",
    "reuse_utilization": "Reuse rate and agency utilisation",
    "revenue_by_channel": "Revenue by channel",
}

_SCALES: tuple[tuple[float, str], ...] = ((1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "bn"))
_TERMINAL_MAX_NAME = 14
TERMINAL_WIDTH = 110


# -- the comparison table ------------------------------------------------------------------------
def ordered_setups(
    values: Iterable[object], reference: str | None = DEFAULT_REFERENCE
) -> list[str]:
    """Distinct setup names in order of first appearance, with ``reference`` first if present."""
    names = [str(v) for v in dict.fromkeys(values)]
    if reference is not None and reference in names:
        names.remove(reference)
        names.insert(0, reference)
    return names


def default_metrics(summary: pd.DataFrame) -> list[str]:
    """Numeric summary columns except ``replication`` and ``seed``: main metrics first."""
    numeric = [
        str(c)
        for c in summary.columns
        if str(c) not in NOT_METRICS and pd.api.types.is_numeric_dtype(summary[c])
    ]
    main = [m for m in MAIN_METRICS if m in numeric]
    return main + [m for m in numeric if m not in main]


def comparison_table(
    summary: pd.DataFrame,
    reference: str = DEFAULT_REFERENCE,
    metrics: list[str] | None = None,
) -> pd.DataFrame:
    """Mean and 95% CI per (metric, setup), and the paired difference against ``reference``.

    One row per (metric, setup) with columns :data:`COMPARISON_COLUMNS`. ``mean, std, ci_low,
    ci_high, n`` describe the setup's replications (Student t, see :func:`sim.stats.mean_ci`).
    ``diff_*`` describe ``setup - reference`` computed replication by replication (rows paired
    on ``replication``, so both sides saw the same random world); replications missing on either
    side, or with a missing value, are left out of the pair.

    For the reference row itself the difference is the reference minus itself: ``diff_mean`` and
    ``diff_std`` are 0 and the CI is ``[0, 0]`` (NaN spread if it has a single replication). If
    ``reference`` is not among the setups, every ``diff_*`` value is NaN.

    Rows are ordered by metric (``metrics``, default :func:`default_metrics`) and then by setup
    (reference first, others by first appearance). The reference name is kept in
    ``table.attrs["reference"]`` (None if absent) for :func:`terminal_table` and
    :func:`write_report`.

    Raises ``KeyError`` for a metric that is not a column and ``ValueError`` if a (setup,
    replication) pair appears more than once.
    """
    for column in ("setup", "replication"):
        if column not in summary.columns:
            raise KeyError(f"summary has no {column!r} column")
    metrics = default_metrics(summary) if metrics is None else list(metrics)
    missing = [m for m in metrics if m not in summary.columns]
    if missing:
        raise KeyError(f"summary has no column(s) {missing}")
    duplicated = summary.duplicated(["setup", "replication"])
    if duplicated.any():
        first = summary.loc[duplicated, ["setup", "replication"]].iloc[0].tolist()
        raise ValueError(f"summary has several rows for (setup, replication) = {tuple(first)}")

    setups = ordered_setups(summary["setup"].tolist(), reference)
    has_reference = reference in setups
    nan_estimate = Estimate(math.nan, math.nan, math.nan, math.nan, 0)
    rows: list[dict[str, object]] = []
    for metric in metrics:
        wide = summary.pivot(index="replication", columns="setup", values=metric).astype(float)
        wide.columns = [str(c) for c in wide.columns]
        for setup in setups:
            est = mean_ci(wide[setup].to_numpy())
            diff = (
                paired_difference(wide[setup].to_numpy(), wide[reference].to_numpy())
                if has_reference
                else nan_estimate
            )
            rows.append(
                {
                    "metric": metric,
                    "setup": setup,
                    "mean": est.mean,
                    "std": est.std,
                    "ci_low": est.ci_low,
                    "ci_high": est.ci_high,
                    "n": est.n,
                    "diff_mean": diff.mean,
                    "diff_std": diff.std,
                    "diff_ci_low": diff.ci_low,
                    "diff_ci_high": diff.ci_high,
                }
            )
    table = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
    table["n"] = table["n"].astype(int)
    table.attrs["reference"] = reference if has_reference else None
    return table


def regret_table(summary: pd.DataFrame) -> pd.DataFrame | None:
    """The comparison against the oracle on revenue and net contribution (None without it).

    ``diff_*`` is then ``setup - oracle``, replication by replication: the regret, negative where
    a setup falls short of the oracle.
    """
    if ORACLE not in set(summary["setup"]):
        return None
    metrics = [m for m in REGRET_METRICS if m in summary.columns]
    return comparison_table(summary, reference=ORACLE, metrics=metrics) if metrics else None


def infer_reference(comparison: pd.DataFrame, reference: str | None = None) -> str | None:
    """Find the reference setup of a comparison table (None if it has no paired differences).

    An explicit ``reference`` wins if present; then ``comparison.attrs["reference"]``; then (for
    a table read back from CSV) a setup whose differences are all exactly zero, preferring
    ``pilot``.
    """
    setups = ordered_setups(comparison["setup"].tolist(), None)
    if reference is not None:
        return reference if reference in setups else None
    if "reference" in comparison.attrs:
        attr = comparison.attrs["reference"]
        return str(attr) if attr is not None and str(attr) in setups else None
    zero = comparison["diff_mean"].eq(0) & comparison["diff_ci_low"].fillna(0).eq(0)
    candidates = [s for s in setups if bool(zero[comparison["setup"] == s].all())]
    if DEFAULT_REFERENCE in candidates:
        return DEFAULT_REFERENCE
    return candidates[0] if candidates else None


# -- number formatting ---------------------------------------------------------------------------
def metric_kind(metric: str) -> str:
    """How a metric is formatted: ``money``, ``rate`` (3 decimals), ``days`` or ``count``."""
    if metric in MONEY_METRICS:
        return "money"
    if metric in RATE_METRICS or metric.endswith(("_rate", "_utilization", "_share")):
        return "rate"
    if metric in DAY_METRICS or metric.startswith("lead_time"):
        return "days"
    return "count"


@dataclass(frozen=True)
class NumberFormat:
    """A scale (1, 1e3, 1e6, 1e9), its suffix and a number of decimals.

    With ``adaptive``, :meth:`cell` picks the decimals of each cell from the size of its mean and
    half-width (about three significant digits, at most 2 decimals), so ``+0.31`` (in k) does
    not print as ``+0`` and a wide interval does not print noise digits.
    """

    scale: float = 1.0
    suffix: str = ""
    decimals: int = 0
    adaptive: bool = False

    def number(self, value: float, signed: bool = False, decimals: int | None = None) -> str:
        """One value, scaled, with thousands separators ("-" for NaN)."""
        if not math.isfinite(value):
            return "-"
        places = self.decimals if decimals is None else decimals
        scaled = value / self.scale
        if round(scaled, places) == 0:
            scaled = 0.0  # no "-0.0"
        sign = "+" if signed else ""
        return f"{scaled:{sign},.{places}f}"

    def cell(self, mean: float, low: float, high: float, signed: bool = False) -> str:
        """``mean [low, high]``, or just the mean when the interval is undefined."""
        has_ci = math.isfinite(low) and math.isfinite(high)
        places = self.decimals
        if self.adaptive and math.isfinite(mean):
            size = max(abs(mean), abs(high - low) / 2 if has_ci else 0.0) / self.scale
            places = min(2, _decimals_for(size)) if size >= 0.005 else 0
        text = self.number(mean, signed, places)
        if has_ci:
            text += f" [{self.number(low, signed, places)}, {self.number(high, signed, places)}]"
        return text


def _decimals_for(max_abs: float) -> int:
    """Enough decimals for about three significant digits of the largest value."""
    if max_abs >= 100:
        return 0
    if max_abs >= 10:
        return 1
    if max_abs == 0:
        return 0
    if max_abs >= 1:
        return 2
    return 3


def number_format(metric: str, values: Iterable[float], compact: bool,
                  limit: float = 10_000) -> NumberFormat:
    """Format for a group of values of one metric (e.g. the means of a table row).

    Rates get 3 decimals and days 1 decimal. Money and counts get thousands separators; with
    ``compact`` they are also scaled by k / M / bn so the largest value stays below ``limit``.
    """
    kind = metric_kind(metric)
    if kind == "rate":
        return NumberFormat(decimals=3)
    if kind == "days":
        return NumberFormat(decimals=1)
    finite = [abs(v) for v in values if math.isfinite(v)]
    max_abs = max(finite, default=0.0)
    scale, suffix = 1.0, ""
    if compact:
        scale, suffix = next(
            ((s, x) for s, x in _SCALES if max_abs < limit * s), _SCALES[-1]
        )
    return NumberFormat(scale, suffix, _decimals_for(max_abs / scale), adaptive=True)


def metric_label(metric: str, short: bool = False) -> str:
    """Human label of a metric, without unit."""
    if short:
        return SHORT_LABELS.get(metric, LABELS.get(metric, metric.replace("_", " ")))
    return LABELS.get(metric, metric.replace("_", " "))


def unit_label(metric: str, fmt: NumberFormat, currency: str | None = None) -> str:
    """Give the unit of a formatted metric, e.g. ``k EUR``, ``days`` or ``""``."""
    kind = metric_kind(metric)
    if kind == "days":
        return "days"
    parts = [fmt.suffix] if fmt.suffix else []
    if kind == "money" and currency:
        parts.append(currency)
    return " ".join(parts)


# -- terminal table ------------------------------------------------------------------------------
def _main_metrics(comparison: pd.DataFrame, metrics: Sequence[str] | None) -> list[str]:
    present = [str(m) for m in dict.fromkeys(comparison["metric"].tolist())]
    if metrics is not None:
        unknown = [m for m in metrics if m not in present]
        if unknown:
            raise KeyError(f"comparison has no metric(s) {unknown}")
        return list(metrics)
    main = [m for m in MAIN_METRICS if m in present]
    return main or present


def _lookup(comparison: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    return {
        (str(row["metric"]), str(row["setup"])): row for _, row in comparison.iterrows()
    }


def _row(rows: Mapping[tuple[str, str], pd.Series], metric: str, setup: str,
         prefix: str = "") -> tuple[float, float, float]:
    row = rows.get((metric, setup))
    if row is None:
        return (math.nan, math.nan, math.nan)
    return (
        float(row[f"{prefix}mean"]),
        float(row[f"{prefix}ci_low"]),
        float(row[f"{prefix}ci_high"]),
    )


def _fit(name: str, width: int) -> str:
    return name if len(name) <= width else name[: max(width - 1, 1)] + "."


def _render_block(title: str, columns: Sequence[str], rows: Sequence[tuple[str, list[str]]]) -> str:
    label_width = max([len(label) for label, _ in rows] + [6])
    widths = [
        max([len(cells[i]) for _, cells in rows] + [min(len(name), _TERMINAL_MAX_NAME)])
        for i, name in enumerate(columns)
    ]
    header = " " * label_width + "".join(
        "  " + _fit(name, w).rjust(w) for name, w in zip(columns, widths, strict=True)
    )
    lines = [title, header]
    for label, cells in rows:
        lines.append(
            label.ljust(label_width)
            + "".join("  " + c.rjust(w) for c, w in zip(cells, widths, strict=True))
        )
    return "\n".join(line.rstrip() for line in lines)


def _with_unit(label: str, unit: str) -> str:
    unit = "d" if unit == "days" else unit
    return f"{label} ({unit})" if unit else label


def terminal_table(
    comparison: pd.DataFrame,
    metrics: list[str] | None = None,
    *,
    reference: str | None = None,
) -> str:
    """Plain-text table for a terminal: metrics as rows, setups as columns.

    The first block gives ``mean [95% CI]`` per setup; the second the paired difference
    ``setup - reference`` with its 95% CI per non-reference setup (``*`` marks a CI that excludes
    zero). Money and counts are shown in k / M / bn as the row label says, rates with 3 decimals,
    days with 1 decimal. ``reference`` defaults to :func:`infer_reference`; without one the
    second block is left out.
    """
    metrics = _main_metrics(comparison, metrics)
    setups = ordered_setups(comparison["setup"].tolist(), None)
    ref = infer_reference(comparison, reference)
    rows = _lookup(comparison)
    n_values = sorted({int(r["n"]) for r in rows.values() if str(r["metric"]) in metrics})
    n_text = "-".join(str(v) for v in sorted({n_values[0], n_values[-1]})) if n_values else "0"

    parts = [
        _fitted_block(f"mean [95% CI] over n={n_text} replications", setups, setups,
                      lambda limit: _mean_rows(rows, metrics, setups, limit))
    ]
    others = [s for s in setups if s != ref]
    if ref is not None and others:
        parts.append(_fitted_block(
            f"paired difference vs {ref}: mean [95% CI], * = CI excludes 0",
            [f"{s} - {ref}" for s in others],
            others,
            lambda limit: _diff_rows(rows, metrics, others, limit),
        ))
    elif ref is None:
        parts.append("(no reference setup: paired differences left out)")
    return "\n\n".join(parts)


_Rows = list[tuple[str, list[str]]]


def _fitted_block(title: str, columns: Sequence[str], setups: Sequence[str],
                  make_rows: Callable[[float], _Rows]) -> str:
    """Render with money/counts below 10,000 per unit, or below 1,000 if that is too wide."""
    text = _render_block(title, columns, make_rows(10_000))
    if max(len(line) for line in text.splitlines()) > TERMINAL_WIDTH:
        text = _render_block(title, columns, make_rows(1_000))
    return text


def _mean_rows(rows: Mapping[tuple[str, str], pd.Series], metrics: Sequence[str],
               setups: Sequence[str], limit: float) -> _Rows:
    block: _Rows = []
    for metric in metrics:
        triples = [_row(rows, metric, s) for s in setups]
        fmt = number_format(metric, [t[0] for t in triples], compact=True, limit=limit)
        label = _with_unit(metric_label(metric, short=True), unit_label(metric, fmt))
        block.append((label, [fmt.cell(*t) for t in triples]))
    return block


def _diff_rows(rows: Mapping[tuple[str, str], pd.Series], metrics: Sequence[str],
               setups: Sequence[str], limit: float) -> _Rows:
    block: _Rows = []
    for metric in metrics:
        triples = [_row(rows, metric, s, prefix="diff_") for s in setups]
        fmt = number_format(metric, [t[0] for t in triples], compact=True, limit=limit)
        label = _with_unit(metric_label(metric, short=True), unit_label(metric, fmt))
        cells = [fmt.cell(*t, signed=True) + (" *" if _excludes_zero(t) else "")
                 for t in triples]
        block.append((label, cells))
    return block


def _excludes_zero(triple: tuple[float, float, float]) -> bool:
    _, low, high = triple
    return bool(math.isfinite(low) and math.isfinite(high) and (low > 0 or high < 0))


# -- the Markdown report -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Context:
    comparison: pd.DataFrame
    rows: dict[tuple[str, str], pd.Series]
    setups: list[str]
    reference: str | None
    currency: str | None

    def has(self, metric: str) -> bool:
        return any(m == metric for m, _ in self.rows)

    def mean(self, metric: str, setup: str) -> float:
        return _row(self.rows, metric, setup)[0]

    def diff(self, metric: str, setup: str) -> tuple[float, float, float]:
        return _row(self.rows, metric, setup, prefix="diff_")

    def value(self, metric: str, value: float, signed: bool = False,
              low: float = math.nan, high: float = math.nan) -> str:
        """Format a value (and its CI, if given) with its unit, for sentences."""
        fmt = number_format(metric, [value], compact=False)
        unit = unit_label(metric, fmt, self.currency)
        text = fmt.cell(value, low, high, signed)
        return f"{text} {unit}" if unit else text


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _ranked(ctx: _Context, metric: str, higher: bool) -> list[str]:
    finite = [s for s in ctx.setups if math.isfinite(ctx.mean(metric, s))]
    return sorted(finite, key=lambda s: ctx.mean(metric, s), reverse=higher)


def _paired_phrase(ctx: _Context, metric: str, setup: str) -> str:
    """``paired difference a - ref: +x [lo, hi], 95% CI excludes zero``."""
    assert ctx.reference is not None
    triple = ctx.diff(metric, setup)
    mean, low, high = triple
    text = (f"paired difference {setup} - {ctx.reference}: "
            f"{ctx.value(metric, mean, True, low, high)}")
    if not (math.isfinite(low) and math.isfinite(high)):
        return text + " (too few replications for a CI)"
    if _excludes_zero(triple):
        return text + ", 95% CI excludes zero"
    return text + ", 95% CI includes zero (not distinguishable at this number of replications)"


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _lead_sentence(ctx: _Context, metric: str, higher: bool, what: str) -> str | None:
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


def _table_reading(ctx: _Context) -> str:
    if ctx.has("net_contribution"):
        sentence = _lead_sentence(ctx, "net_contribution", True, "highest net contribution")
    else:
        metric = str(ctx.comparison["metric"].iloc[0])
        sentence = _lead_sentence(ctx, metric, True, f"highest mean {metric_label(metric)}")
    return sentence or "No values to compare."


def _reading_cumulative(ctx: _Context) -> str | None:
    """The curves end at each setup's net contribution (media, production and platform)."""
    return _lead_sentence(ctx, "net_contribution", True,
                          "highest net contribution at the horizon, where the curves end")


def _reading_spend(ctx: _Context) -> str | None:
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


def _reading_lead_time(ctx: _Context) -> str | None:
    sentence = _lead_sentence(ctx, "lead_time_mean", False, "shortest mean content lead time")
    if sentence is None or not ctx.has("lead_time_p95"):
        return sentence
    p95 = ", ".join(f"{s} {ctx.mean('lead_time_p95', s):.1f}" for s in ctx.setups)
    return f"{sentence[:-1]}; 95th percentile: {p95} days."


def _reading_backlog(ctx: _Context) -> str | None:
    return _lead_sentence(ctx, "requests_open", False, "fewest requests still open at the horizon")


def _reading_reuse(ctx: _Context) -> str | None:
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


def _reading_revenue(ctx: _Context) -> str | None:
    return _lead_sentence(ctx, "revenue", True, "highest total revenue over all channels")


_READINGS: dict[str, Callable[[_Context], str | None]] = {
    "cumulative_net_contribution": _reading_cumulative,
    "spend_allocation": _reading_spend,
    "lead_time": _reading_lead_time,
    "backlog": _reading_backlog,
    "reuse_utilization": _reading_reuse,
    "revenue_by_channel": _reading_revenue,
}


def plot_reading(name: str, comparison: pd.DataFrame, reference: str | None = None,
                 currency: str | None = None) -> str:
    """One line of plain-language reading for the plot ``name``, computed from ``comparison``."""
    ctx = _context(comparison, reference, currency)
    reader = _READINGS.get(name)
    sentence = reader(ctx) if reader is not None else None
    return sentence or "No summary metric to read this figure against."


def table_reading(comparison: pd.DataFrame, reference: str | None = None,
                  currency: str | None = None) -> str:
    """One line of plain-language reading of the comparison table (who leads, is it noise)."""
    return _table_reading(_context(comparison, reference, currency))


def _context(comparison: pd.DataFrame, reference: str | None, currency: str | None) -> _Context:
    ref = infer_reference(comparison, reference)
    return _Context(
        comparison=comparison,
        rows=_lookup(comparison),
        setups=ordered_setups(comparison["setup"].tolist(), ref),
        reference=ref,
        currency=currency,
    )


def markdown_table(comparison: pd.DataFrame, metrics: Sequence[str] | None = None,
                   reference: str | None = None, currency: str | None = None) -> str:
    """Markdown table: one row per (metric, setup), mean [95% CI] and the paired difference.

    Differences whose 95% CI excludes zero are in bold.
    """
    ctx = _context(comparison, reference, currency)
    ref = ctx.reference
    diff_header = f"paired difference vs {_md(ref)} [95% CI]" if ref else "paired difference"
    lines = [
        f"| metric | setup | mean [95% CI] | {diff_header} |",
        "|---|---|---:|---:|",
    ]
    for metric in _main_metrics(comparison, metrics):
        triples = [_row(ctx.rows, metric, s) for s in ctx.setups]
        fmt = number_format(metric, [t[0] for t in triples], compact=False)
        unit = unit_label(metric, fmt, currency)
        label = f"{metric_label(metric)} ({unit})" if unit else metric_label(metric)
        for i, (setup, triple) in enumerate(zip(ctx.setups, triples, strict=True)):
            if ref is None or setup == ref:
                diff_text = "reference" if setup == ref else "-"
            else:
                d = ctx.diff(metric, setup)
                dfmt = number_format(metric, [d[0]], compact=False)
                diff_text = dfmt.cell(*d, signed=True)
                if _excludes_zero(d):
                    diff_text = f"**{diff_text}**"
            lines.append(
                f"| {_md(label) if i == 0 else ''} | {_md(setup)} | {fmt.cell(*triple)} "
                f"| {diff_text} |"
            )
    return "\n".join(lines)


def _relative(path: Path, start: Path) -> str:
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()


def _regret_section(regret: pd.DataFrame, currency: str | None) -> list[str]:
    """The regret table and the share of the oracle's result each setup reaches."""
    ctx = _context(regret, ORACLE, currency)
    metric = "revenue" if ctx.has("revenue") else "net_contribution"
    best = ctx.mean(metric, ORACLE)
    shares = [f"{s} {ctx.mean(metric, s) / best:.1%}" for s in ctx.setups
              if s != ORACLE and best]
    reading = (f"share of the oracle's {metric_label(metric)} reached: {', '.join(shares)}."
               if shares else "no setup to compare with the oracle.")
    return [
        "## Regret against the oracle",
        "",
        "The oracle knows the true response curves and spends the optimal allocation on them; "
        "each setup's paired difference against it is its regret.",
        "",
        markdown_table(regret, reference=ORACLE, currency=currency),
        "",
        f"*Reading:* {reading[0].upper()}{reading[1:]}",
        "",
    ]


def write_report(
    out_dir: Path,
    scenario_name: str,
    comparison: pd.DataFrame,
    plots: dict[str, Path],
    replications: int,
    seed: int,
    *,
    reference: str | None = None,
    currency: str | None = None,
    regret: pd.DataFrame | None = None,
) -> Path:
    """Write ``out_dir/report.md``: the comparison table and each plot, each with a reading.

    The table shows the main metrics (mean [95% CI] per setup and the paired difference against
    the reference, bold when its CI excludes zero); each plot is linked by a path relative to
    ``out_dir``. Under the table and under every plot is one line of plain-language reading
    computed from ``comparison``. ``reference`` defaults to :func:`infer_reference`;
    ``currency``, if given, labels money; ``regret``, a :func:`regret_table`, adds a section on
    each setup's regret against the oracle. Returns the path of the report.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = _context(comparison, reference, currency)
    setups = ", ".join(ctx.setups)
    pairing = (
        f"Differences are paired against **{ctx.reference}** replication by replication "
        "(the same replication index is the same random world)"
        if ctx.reference is not None
        else "There is no reference setup, so no paired differences are shown"
    )
    lines = [
        f"# {scenario_name}: comparison of setups",
        "",
        f"Setups: {setups}. {replications} replications per setup, seed {seed}. "
        f"{pairing}; intervals are 95% Student-t confidence intervals over replications.",
        "",
        "## Main metrics",
        "",
        markdown_table(comparison, reference=ctx.reference, currency=currency),
        "",
        f"*Reading:* {_table_reading(ctx)}",
        "",
    ]
    if ctx.reference is not None:
        lines += ["Bold: the 95% CI of the paired difference excludes zero.", ""]
    if regret is not None and ctx.reference != ORACLE:  # else the main table shows the regret
        lines += _regret_section(regret, currency)
    if plots:
        lines += ["## Figures", ""]
    for name, path in plots.items():
        title = PLOT_TITLES.get(name, name.replace("_", " ").capitalize())
        reader = _READINGS.get(name)
        reading = (reader(ctx) if reader is not None else None) or (
            "No summary metric to read this figure against."
        )
        lines += [
            f"### {title}",
            "",
            f"![{title}]({_relative(path, out_dir)})",
            "",
            f"*Reading:* {reading}",
            "",
        ]
    report = out_dir / "report.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    return report


__all__ = [
    "COMPARISON_COLUMNS",
    "MAIN_METRICS",
    "comparison_table",
    "default_metrics",
    "infer_reference",
    "markdown_table",
    "ordered_setups",
    "plot_reading",
    "regret_table",
    "table_reading",
    "terminal_table",
    "write_report",
]
