"""A model of the true family fitted to exported data recovers ROAS where spend varies enough."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import sim
from sim.mmm.fit import EXPLORING, fit_mmm
from sim.mmm.truth import ground_truth, summarise
from sim.runs.experiment import run
from sim.scenario.edit import apply
from sim.world.replay import MediaReplay

ROOT = Path(__file__).resolve().parents[1]


def test_fitted_roas_within_15_percent_on_exploring_conductor_data() -> None:
    scenario = apply(sim.load_scenario(ROOT / "scenarios" / "baseline.yaml"), EXPLORING)
    result = run(scenario, "conductor", 0, 0)
    n = len(scenario.channels)

    def array(column: str) -> np.ndarray:
        return result.daily[column].to_numpy(dtype=float).reshape(-1, n)

    spend = array("spend")
    truth = summarise(ground_truth(MediaReplay(scenario, scenario.levers("conductor"), 0, 0),
                                   spend), scenario.horizon_days)
    shown = spend * (array("live_assets") > 0)
    fit = fit_mmm(shown, array("creative_quality"), array("revenue").sum(axis=1))
    error = fit.contribution_on(shown, array("creative_quality")) / spend.sum(axis=0) / truth.roas
    assert np.abs(error - 1.0).max() < 0.15, (error - 1.0).round(3)


def test_analytic_jacobian_matches_finite_differences() -> None:
    from sim.mmm.fit import _jacobian, channel_means

    rng = np.random.default_rng(5)
    spend = rng.uniform(0, 100, (60, 3)) * (rng.random((60, 3)) > 0.1)
    quality = rng.uniform(0.3, 1.0, (60, 3))
    scale = spend.mean(axis=0)
    theta = rng.uniform(0.2, 0.8, 12)
    mu = channel_means(theta, spend, quality, scale).sum(axis=1)
    jac = _jacobian(theta, spend, quality, scale, np.ones_like(mu))
    h = 1e-6
    numeric = np.column_stack([
        (channel_means(theta + h * e, spend, quality, scale).sum(axis=1)
         - channel_means(theta - h * e, spend, quality, scale).sum(axis=1)) / (2 * h)
        for e in np.eye(12)])
    np.testing.assert_allclose(jac, numeric, rtol=1e-5, atol=1e-8 * np.abs(numeric).max())
