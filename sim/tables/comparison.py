"""The comparison table: means with 95% CIs per (metric, setup) and paired differences.

``comparison_table`` turns the per-replication summary into means and 95% Student-t confidence
intervals per (metric, setup), plus the paired difference of each setup against a reference setup
(paired by ``replication``: the same replication index is the same random world).
``regret_table`` pairs every setup with the oracle instead, which spends on the true response
curves: its differences are the regret of each setup's operating model.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from sim.tables.stats import Estimate, mean_ci, paired_difference

DEFAULT_REFERENCE = "pilot"

ORACLE = "oracle"

REGRET_METRICS: tuple[str, ...] = ("revenue", "net_contribution")

MAIN_METRICS: tuple[str, ...] = (
    "net_contribution",
    "revenue",
    "media_spend",
    "roas",
    "production_cost",
    "wip_cost",
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
    ci_high, n`` describe the setup's replications (Student t, see
    :func:`sim.tables.stats.mean_ci`).
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


def main_metrics(comparison: pd.DataFrame, metrics: Sequence[str] | None) -> list[str]:
    """The metrics to show: ``metrics`` if given (all must be present), else the main ones."""
    present = [str(m) for m in dict.fromkeys(comparison["metric"].tolist())]
    if metrics is not None:
        unknown = [m for m in metrics if m not in present]
        if unknown:
            raise KeyError(f"comparison has no metric(s) {unknown}")
        return list(metrics)
    main = [m for m in MAIN_METRICS if m in present]
    return main or present


def lookup_rows(comparison: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    """The comparison's rows by (metric, setup)."""
    return {
        (str(row["metric"]), str(row["setup"])): row for _, row in comparison.iterrows()
    }


def row_triple(rows: Mapping[tuple[str, str], pd.Series], metric: str, setup: str,
               prefix: str = "") -> tuple[float, float, float]:
    """(mean, ci_low, ci_high) of a row, or of its paired difference with ``prefix="diff_"``."""
    row = rows.get((metric, setup))
    if row is None:
        return (math.nan, math.nan, math.nan)
    return (
        float(row[f"{prefix}mean"]),
        float(row[f"{prefix}ci_low"]),
        float(row[f"{prefix}ci_high"]),
    )


def excludes_zero(triple: tuple[float, float, float]) -> bool:
    """Whether a (mean, low, high) interval is finite and leaves out zero."""
    _, low, high = triple
    return bool(math.isfinite(low) and math.isfinite(high) and (low > 0 or high < 0))
