"""The true response curves in spend units, as the scenario defines them (no synergy).

A channel's expected revenue per day is ``value * M * efficiency * quality * hill(a_t)`` with
``a_t`` the geometric adstock of its daily spend (MODEL.md). On a grid of daily spends:

- ``no_carryover``: the day's revenue from a single day's spend, from zero adstock;
- ``steady_state``: revenue per day when the spend is held at that level for ever (adstock
  ``x / (1 - alpha)``: carry-over included);

both at the channel's mean creative quality over the exported days (quality enters as a factor).
:func:`path_revenue` applies the curve with carry-over to any spend path, the prediction the
re-simulated ROAS must match on a world without noise, fatigue or synergy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.scenario.schema import Scenario
from sim.world.media import adstock_series, hill


def channel_scale(scenario: Scenario, efficiency: np.ndarray) -> np.ndarray:
    """Revenue per day at saturation and creative quality 1, per channel (currency)."""
    return np.array([c.value_per_conversion * c.max_daily_conversions for c in scenario.channels]
                    ) * efficiency


def path_revenue(scenario: Scenario, efficiency: np.ndarray, channel: int, spend: np.ndarray,
                 quality: np.ndarray) -> np.ndarray:
    """Expected revenue per day of one channel's spend path, by the true curve with carry-over."""
    c = scenario.channels[channel]
    a = adstock_series(np.asarray(spend, dtype=float), c.adstock_alpha)
    return (channel_scale(scenario, efficiency)[channel] * np.asarray(quality)
            * hill(a, c.hill_k, c.hill_shape))


def curves_table(scenario: Scenario, efficiency: np.ndarray, mean_quality: np.ndarray,
                 max_spend: np.ndarray, points: int = 41) -> pd.DataFrame:
    """``true_curves.csv``: per channel, revenue per day on a grid of daily spends."""
    rows = []
    scale = channel_scale(scenario, efficiency)
    for i, c in enumerate(scenario.channels):
        x = np.linspace(0.0, max(float(max_spend[i]), 1.0) * 2.0, points)
        top = scale[i] * mean_quality[i]
        steady = top * hill(x / (1.0 - c.adstock_alpha), c.hill_k, c.hill_shape)
        rows.append(pd.DataFrame({
            "channel": c.name, "spend_per_day": x,
            "revenue_per_day_no_carryover": top * hill(x, c.hill_k, c.hill_shape),
            "revenue_per_day_steady_state": steady,
            "conversions_per_day_steady_state": steady / c.value_per_conversion,
            "roas_steady_state": np.divide(steady, x, out=np.full(points, np.nan), where=x > 0),
        }))
    return pd.concat(rows, ignore_index=True)
