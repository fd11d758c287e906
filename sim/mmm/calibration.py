"""Simulated lift tests in the three tools' calibration shapes.

- Robyn ``calibration_input``: ``channel, liftStartDate, liftEndDate, liftAbs, spend, confidence,
  metric, calibration_scope``; ``channel`` is the spend column, ``confidence`` the normal
  approximation of the probability that the measured sign is right, ``Phi(|liftAbs| / sigma)``,
  and the scope ``immediate`` (the lift is measured inside the window, carry-over after it is
  not counted).
- PyMC-Marketing ``add_lift_test_measurements``: ``channel, x, delta_x, delta_y, sigma`` per
  period of the export: ``x`` the mean spend per period in the window, ``delta_x = -x`` (a
  holdout), ``delta_y`` minus the measured lift per period, ``sigma`` its standard error.
- Meridian: a ROI prior per tested channel (``roi_m``), ROI = lift / spend in revenue per unit of
  spend, as a LogNormal with that mean and standard deviation (``mu``, ``sigma`` given).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import stats

from sim.mmm.lift import LiftResult

LIFT_FILE = {"robyn": "robyn_calibration_input.csv", "meridian": "meridian_roi_priors.csv",
             "pymc-marketing": "pymc_marketing_lift_tests.csv"}


def truth_table(results: list[LiftResult], names: list[str], start: date) -> pd.DataFrame:
    """``lift_tests.csv``: every test with its true effect beside the measurement."""
    return pd.DataFrame({
        "channel": [names[r.test.channel] for r in results],
        "start_date": [(start + timedelta(days=r.test.start)).isoformat() for r in results],
        "end_date": [(start + timedelta(days=r.test.end)).isoformat() for r in results],
        "spend": [r.spend for r in results],
        "true_lift": [r.true_lift for r in results],
        "measured_lift": [r.lift for r in results],
        "sigma": [r.sigma for r in results],
    })


def robyn_table(results: list[LiftResult], spend_columns: list[str], start: date,
                metric: str) -> pd.DataFrame:
    """Robyn's ``calibration_input``."""
    sigma = np.array([r.sigma for r in results])
    lift = np.array([r.lift for r in results])
    confidence = np.where(sigma > 0, stats.norm.cdf(np.abs(lift) / np.where(sigma > 0, sigma, 1)),
                          1.0)
    return pd.DataFrame({
        "channel": [spend_columns[r.test.channel] for r in results],
        "liftStartDate": [(start + timedelta(days=r.test.start)).isoformat() for r in results],
        "liftEndDate": [(start + timedelta(days=r.test.end)).isoformat() for r in results],
        "liftAbs": lift, "spend": [r.spend for r in results], "confidence": confidence,
        "metric": metric, "calibration_scope": "immediate",
    })


def pymc_table(results: list[LiftResult], spend_columns: list[str], period_days: int
               ) -> pd.DataFrame:
    """PyMC-Marketing's lift-test measurements, per period of the export."""
    periods = np.array([(r.test.end - r.test.start + 1) / period_days for r in results])
    x = np.array([r.spend for r in results]) / periods
    return pd.DataFrame({
        "channel": [spend_columns[r.test.channel] for r in results],
        "x": x, "delta_x": -x,
        "delta_y": -np.array([r.lift for r in results]) / periods,
        "sigma": np.array([r.sigma for r in results]) / periods,
    })


def meridian_table(results: list[LiftResult], names: list[str]) -> pd.DataFrame:
    """Meridian ROI priors from revenue lift tests: LogNormal(mu, sigma) per channel."""
    spend = np.array([r.spend for r in results])
    roi = np.array([r.lift for r in results]) / spend
    sd = np.array([r.sigma for r in results]) / spend
    mean = np.maximum(roi, 1e-9)  # a LogNormal needs a positive mean
    log_sigma = np.sqrt(np.log1p((sd / mean) ** 2))
    return pd.DataFrame({
        "channel": [names[r.test.channel] for r in results],
        "roi_mean": roi, "roi_sd": sd,
        "lognormal_mu": np.log(mean) - log_sigma**2 / 2, "lognormal_sigma": log_sigma,
    })
