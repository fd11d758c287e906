"""The aggregates the comparison figures draw: curves and bars per setup, from result tables.

Aggregation is done with ``groupby`` over whole tables, so a daily table of a million rows is
fine; the figures in :mod:`sim.report.figures` only draw what these functions return.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

CI_LEVEL = 0.95


def t_half_width(std: np.ndarray, n: np.ndarray, level: float = CI_LEVEL) -> np.ndarray:
    """Half-width of the Student-t CI of a mean, element-wise; NaN where ``n < 2``."""
    n_arr = np.asarray(n, dtype=float)
    std_arr = np.asarray(std, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stats.t.ppf(0.5 + level / 2, np.where(n_arr >= 2, n_arr - 1, np.nan))
        return np.asarray(q * std_arr / np.sqrt(n_arr), dtype=float)


def replications_per_setup(*tables: pd.DataFrame) -> dict[str, int]:
    """Number of distinct replications per setup, the largest seen over the given tables."""
    counts: dict[str, int] = {}
    for table in tables:
        if table.empty or not {"setup", "replication"} <= set(table.columns):
            continue
        for setup, n in table.groupby("setup")["replication"].nunique().items():
            counts[str(setup)] = max(counts.get(str(setup), 0), int(n))
    return counts


def cumulative_net(daily: pd.DataFrame, requests: pd.DataFrame | None = None,
                   summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cumulative net contribution per replication: revenue - media spend - costs.

    A request's production cost is counted on its delivery day, the work in progress at the
    horizon (from the summary) on the last day; the platform cost (from the summary) is spread
    evenly over the days, so the last day equals the summary's ``net_contribution``. Without
    requests or summary those costs are left out.
    Index ``(setup, replication)``, one column per day (days with no rows count as 0).
    """
    keys = [daily["setup"], daily["replication"], daily["day"]]  # no copy of the whole table
    per_day = (daily["revenue"] - daily["spend"]).groupby(keys).sum()
    wide = per_day.unstack("day", fill_value=0).sort_index(axis=1)
    if requests is not None and {"cost", "finish"} <= set(requests.columns) and len(requests):
        done = requests["finish"].notna()
        day = np.minimum(np.floor(requests["finish"][done]).astype(int), int(wide.columns.max()))
        cost = requests["cost"][done].groupby(
            [requests["setup"][done], requests["replication"][done], day.rename("day")]).sum()
        cost_wide = cost.unstack("day", fill_value=0).reindex(
            index=wide.index, columns=wide.columns, fill_value=0)
        wide = wide - cost_wide
    if summary is not None and "platform_cost" in summary.columns and len(summary):
        platform = summary.set_index(["setup", "replication"])["platform_cost"].reindex(
            wide.index, fill_value=0.0)
        wide = wide.sub(platform / wide.shape[1], axis=0)
    if summary is not None and "wip_cost" in summary.columns and len(summary):
        wip = summary.set_index(["setup", "replication"])["wip_cost"].reindex(
            wide.index, fill_value=0.0)
        wide[wide.columns[-1]] -= wip
    return wide.cumsum(axis=1)


def mean_daily_by_channel(daily: pd.DataFrame, value: str,
                          n_replications: Mapping[str, int]) -> pd.DataFrame:
    """Mean over replications of ``value`` per (setup, day) row and channel column."""
    sums = daily.groupby(["setup", "day", "channel"])[value].sum().unstack("channel",
                                                                           fill_value=0)
    reps = sums.index.get_level_values("setup").map(
        lambda s: max(n_replications.get(str(s), 1), 1)
    )
    return sums.div(np.asarray(reps, dtype=float), axis=0)


def lead_times(requests: pd.DataFrame) -> pd.DataFrame:
    """Finished requests with their lead time ``finish - arrival`` in days (column lead_time)."""
    done = requests.loc[requests["finish"].notna(), ["setup", "replication", "arrival", "finish"]]
    return done.assign(lead_time=done["finish"] - done["arrival"])


def backlog_curve(requests: pd.DataFrame, n_replications: Mapping[str, int] | None = None,
                  last_day: int | None = None) -> pd.DataFrame:
    """Mean open backlog at the end of each day, per setup (index day, one column per setup).

    A request is open at the end of day ``d`` if it arrived before ``d + 1`` and did not finish
    before ``d + 1`` (``finish`` NaN: never finished). The count is summed over replications and
    divided by the setup's number of replications (``n_replications``, default: the distinct
    replications in ``requests``). Days run from 0 (or the first arrival) to ``last_day``
    (default: the last arrival or finish).
    """
    reps = dict(n_replications or replications_per_setup(requests))
    arrival_day = np.floor(requests["arrival"].to_numpy(dtype=float)).astype(np.int64)
    finish = requests["finish"].to_numpy(dtype=float)
    finished = np.isfinite(finish)
    finish_day = np.floor(finish[finished]).astype(np.int64)
    first = min(0, int(arrival_day.min())) if len(arrival_day) else 0
    end = max([int(arrival_day.max()) if len(arrival_day) else 0,
               int(finish_day.max()) if len(finish_day) else 0,
               last_day if last_day is not None else 0])
    days = pd.RangeIndex(first, end + 1, name="day")
    setup = requests["setup"].astype(str).to_numpy()

    def cumulative(setup_values: np.ndarray, day_values: np.ndarray) -> pd.DataFrame:
        counts = pd.Series(1, index=pd.MultiIndex.from_arrays([setup_values, day_values],
                                                              names=["setup", "day"]))
        table = counts.groupby(level=["setup", "day"]).sum().unstack("setup", fill_value=0)
        return table.reindex(days, fill_value=0).cumsum()

    arrived = cumulative(setup, arrival_day)
    done = cumulative(setup[finished], finish_day).reindex(columns=arrived.columns, fill_value=0)
    open_ = (arrived - done).astype(float)
    divisors = np.asarray([max(reps.get(str(c), 1), 1) for c in open_.columns], dtype=float)
    result = open_.div(divisors, axis=1)
    result.columns = [str(c) for c in result.columns]
    return result


def revenue_by_channel(daily: pd.DataFrame) -> pd.DataFrame:
    """Mean revenue per replication by (setup, channel) with a 95% CI: mean, ci_low, ci_high."""
    per_rep = daily.groupby(["setup", "channel", "replication"])["revenue"].sum()
    agg = per_rep.groupby(level=["setup", "channel"]).agg(["mean", "std", "count"])
    half = t_half_width(agg["std"].to_numpy(), agg["count"].to_numpy())
    return agg.assign(ci_low=agg["mean"] - half, ci_high=agg["mean"] + half)
