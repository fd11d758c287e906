"""The learner's regret against the oracle shrinks as it learns (MODEL.md).

Measured on the baseline run for two years. Its budget profile is the baseline's monthly
seasonality, so the two-year run repeats it each year: the second and fourth quarters then have
the same budgets, and comparing their regret compares learning, not seasons. (Stretching the
twelve months over two years would put the 1.2x peak in the last quarter only.)

Regret per day is the oracle's media contribution (revenue - spend) minus the learner's, on the
same world. Part of it never shrinks: the oracle plans with the fatigue and carry-over that the
learner's model cannot see, and that part grows with demand and budget. The learning part is
what falls from quarter to quarter.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.tables.stats import Estimate, mean_ci

REPLICATIONS, SEED, YEARS = 16, 1, 2


def two_year_baseline(baseline_data: dict[str, Any]) -> sim.Scenario:
    data = baseline_data
    data["horizon_days"] = 364 * YEARS
    data["budget"]["profile"] = data["budget"]["profile"] * YEARS  # the seasonal year, twice
    data["setups"] = ["conductor", "oracle"]
    return sim.scenario_from_dict(data)


def regret_by_quarter(daily: pd.DataFrame) -> np.ndarray:
    """Per replication, the mean per-day regret of the conductor in each quarter: (reps, 4)."""
    by_day = daily.groupby(["setup", "replication", "day"])
    media = by_day["revenue"].sum() - by_day["spend"].sum()
    regret = (media["oracle"] - media["conductor"]).unstack("day")
    quarters = np.array_split(np.arange(regret.shape[1]), 4)
    return np.stack([regret.iloc[:, q].mean(axis=1).to_numpy() for q in quarters], axis=1)


def test_last_quarter_regret_is_below_the_first_and_second(baseline_data: dict[str, Any]
                                                           ) -> None:
    c = sim.compare(two_year_baseline(baseline_data), replications=REPLICATIONS, seed=SEED)
    per = regret_by_quarter(c.daily)
    quarters = per.mean(axis=0).round()
    assert (per > 0).mean() > 0.9, f"the oracle should out-earn the learner: {quarters}"
    for earlier in (0, 1):
        change: Estimate = mean_ci(per[:, 3] - per[:, earlier])
        assert change.ci_high < 0, (
            f"per-day regret Q4 - Q{earlier + 1}: {change.mean:,.0f} "
            f"[{change.ci_low:,.0f}, {change.ci_high:,.0f}]; by quarter {quarters}")
