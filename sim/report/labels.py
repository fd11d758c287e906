"""Every metric's label, unit and number format, in one place for every output.

The terminal table, the Markdown report, the figures and the sweep plots all format a metric
through these functions, so a metric reads the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

MONEY_METRICS = frozenset(
    {
        "revenue",
        "media_spend",
        "net_contribution",
        "wasted_spend",
        "production_cost",
        "wip_cost",
        "platform_cost",
        "cpa",
        "revenue_first_half",
        "revenue_second_half",
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
    "wip_cost": "work in progress",
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
    "wip_cost": "WIP",
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
    "time_by_step": "Lead time by step",
    "utilization_over_time": "Utilisation over time",
}

_SCALES: tuple[tuple[float, str], ...] = ((1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "bn"))


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


def with_unit(label: str, unit: str) -> str:
    """``label (unit)``, with days shortened to ``d`` (the terminal table's row labels)."""
    unit = "d" if unit == "days" else unit
    return f"{label} ({unit})" if unit else label


def money_scale(max_abs: float) -> tuple[float, str]:
    """Divisor and word for a money axis: ``(1e6, "million")`` for values in the millions."""
    for threshold, factor, word in ((1e9, 1e9, "billion"), (1e6, 1e6, "million"),
                                    (1e4, 1e3, "thousand")):
        if max_abs >= threshold:
            return factor, word
    return 1.0, ""


def money_label(what: str, currency: str, word: str) -> str:
    """Axis label such as ``revenue (EUR million)``."""
    unit = f"{currency} {word}".strip()
    return f"{what} ({unit})"


def metric_with_unit(metric: str, currency: str | None = None) -> str:
    """An axis label: ``net contribution (EUR)``, ``lead time, mean (days)``, ``reuse rate``."""
    unit = unit_label(metric, NumberFormat(), currency or "currency")
    label = metric_label(metric)
    return f"{label} ({unit})" if unit else label


def compact_money(value: float, _pos: object = None) -> str:
    """A compact amount for axis ticks and bar labels: 1,234 / 12.3k / 4.56M."""
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:,.2f}M"
    if a >= 1e4:
        return f"{value / 1e3:,.1f}k"
    return f"{value:,.0f}"


def compact_value(metric: str, value: float) -> str:
    """A value of ``metric`` in compact form for ticks and annotations (money and counts in k/M)."""
    kind = metric_kind(metric)
    if kind == "rate":
        return f"{value:.3f}"
    if kind == "days":
        return f"{value:.1f}"
    return compact_money(value)
