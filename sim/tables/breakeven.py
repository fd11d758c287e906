"""When the coordination platform pays for itself: break-even monthly cost, payback day, ROI.

Pure functions on a comparison's tables. The platform cost enters the net contribution linearly
(``monthly_cost * months``, months = ``horizon_days / DAYS_PER_MONTH``) and changes nothing else
in a run, so the break-even cost is computed exactly, replication by replication, from the paired
gain before the setup's platform cost::

    gain_before_platform = (net_setup + platform_setup) - net_reference
    break_even_monthly_cost = gain_before_platform / months

The reference's own net contribution is taken as it is (its platform cost, if it pays one, stays
at the scenario's value): only the setup's monthly cost varies.

The payback day of a replication is the first day from which the cumulative paired gain (setup
minus reference, costs included, platform cost spread evenly) is positive and stays positive to
the horizon; a replication whose gain is not positive on the last day never pays back (NaN).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.tables.metrics import DAYS_PER_MONTH
from sim.tables.stats import Estimate, mean_ci, paired_difference


@dataclass(frozen=True)
class Breakeven:
    """The platform's break-even monthly cost, payback day and ROI, with 95% CIs."""

    setup: str
    reference: str
    horizon_days: int
    monthly_cost_now: float  # the setup's platform cost per month in the scenario
    monthly_cost: Estimate  # the monthly cost at which the paired net gain is zero
    gain: Estimate  # the paired net gain at the scenario's monthly cost
    roi: Estimate  # gain / platform cost over the horizon (NaN when that cost is 0)
    payback: Estimate  # over the replications that pay back
    payback_days: tuple[float, ...]  # per replication; NaN: never pays back
    curves: pd.DataFrame = dataclasses.field(repr=False, compare=False)
    """Cumulative paired gain: index replication, one column per day."""

    @property
    def months(self) -> float:
        """The horizon in months."""
        return self.horizon_days / DAYS_PER_MONTH

    @property
    def pays(self) -> bool:
        """Whether the break-even cost is above 0: its whole 95% CI (the mean if there is none).

        A setup whose gain before the platform cost is not distinguishable from zero (or is
        negative) pays for no platform at all, however cheap.
        """
        cost = self.monthly_cost
        low = cost.mean if math.isnan(cost.ci_low) else cost.ci_low
        return bool(low > 0)

    @property
    def never(self) -> int:
        """How many replications never pay back."""
        return sum(1 for d in self.payback_days if math.isnan(d))

    def to_json(self) -> dict[str, Any]:
        """The figures of ``breakeven.json`` (NaN written as null)."""
        return _no_nan({
            "setup": self.setup, "reference": self.reference,
            "horizon_days": self.horizon_days, "months": self.months,
            "replications": len(self.payback_days), "pays": self.pays,
            "monthly_cost": self.monthly_cost.mean, "ci_low": self.monthly_cost.ci_low,
            "ci_high": self.monthly_cost.ci_high,
            "payback_day": self.payback.mean, "payback_ci_low": self.payback.ci_low,
            "payback_ci_high": self.payback.ci_high, "never_pays_back": self.never,
            "roi": self.roi.mean, "roi_ci_low": self.roi.ci_low, "roi_ci_high": self.roi.ci_high,
            "platform_monthly_cost": self.monthly_cost_now,
            "gain": self.gain.mean, "gain_ci_low": self.gain.ci_low,
            "gain_ci_high": self.gain.ci_high,
            "payback_days": list(self.payback_days),
        })


def _no_nan(value: Any) -> Any:
    """Replace NaN floats by None, recursively, so the result is strict JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    return value


def scaled(est: Estimate, factor: float, shift: float = 0.0) -> Estimate:
    """The estimate of ``x * factor + shift`` (a linear map of every replication)."""
    low, high = sorted((est.ci_low * factor + shift, est.ci_high * factor + shift))
    return Estimate(est.mean * factor + shift, est.std * abs(factor), low, high, est.n)


def _wide(summary: pd.DataFrame, column: str) -> pd.DataFrame:
    return summary.pivot(index="replication", columns="setup", values=column).astype(float)


def gain_before_platform(summary: pd.DataFrame, setup: str, reference: str) -> Estimate:
    """Paired ``(net + platform cost of setup) - net of reference`` over replications."""
    for name in (setup, reference):
        if name not in set(summary["setup"]):
            raise KeyError(f"setup {name!r} is not in this comparison")
    net, platform = _wide(summary, "net_contribution"), _wide(summary, "platform_cost")
    return paired_difference((net[setup] + platform[setup]).to_numpy(),
                             net[reference].to_numpy())


def payback_day(curve: Sequence[float] | np.ndarray, days: Sequence[float] | None = None
                ) -> float:
    """The first day from which ``curve`` is > 0 to its end; NaN if its last value is not > 0.

    ``days`` names the points (default 0, 1, ...).
    """
    values = np.asarray(curve, dtype=float)
    if not len(values) or not values[-1] > 0:
        return float("nan")
    not_positive = np.flatnonzero(~(values > 0))
    first = int(not_positive[-1]) + 1 if len(not_positive) else 0
    return float(days[first] if days is not None else first)


def paired_curves(cumulative: pd.DataFrame, setup: str, reference: str) -> pd.DataFrame:
    """Setup minus reference of a table indexed (setup, replication), one column per day."""
    gain = pd.DataFrame(cumulative.xs(setup, level="setup")
                        - cumulative.xs(reference, level="setup"))
    return gain.dropna(how="all")


def breakeven(summary: pd.DataFrame, cumulative: pd.DataFrame, setup: str, reference: str,
              horizon_days: int) -> Breakeven:
    """Break-even monthly cost, payback day and ROI of ``setup`` against ``reference``.

    ``summary`` holds one row per setup and replication (``net_contribution``,
    ``platform_cost``); ``cumulative`` the cumulative net contribution per (setup, replication)
    and day, as :func:`sim.report.figure_data.cumulative_net` gives it.
    """
    months = horizon_days / DAYS_PER_MONTH
    before = gain_before_platform(summary, setup, reference)
    platform = float(_wide(summary, "platform_cost")[setup].mean())
    cost = scaled(before, 1 / months)
    gain = scaled(before, 1.0, -platform)
    if platform > 0:
        roi = scaled(before, 1 / platform, -1.0)
    else:
        roi = Estimate(float("nan"), float("nan"), float("nan"), float("nan"), before.n)
    curves = paired_curves(cumulative, setup, reference)
    days = [float(d) for d in curves.columns]
    paybacks = tuple(payback_day(row, days) for row in curves.to_numpy(dtype=float))
    return Breakeven(setup=setup, reference=reference, horizon_days=horizon_days,
                     monthly_cost_now=platform / months, monthly_cost=cost, gain=gain, roi=roi,
                     payback=mean_ci(list(paybacks)), payback_days=paybacks, curves=curves)


__all__ = ["Breakeven", "breakeven", "gain_before_platform", "paired_curves", "payback_day",
           "scaled"]
