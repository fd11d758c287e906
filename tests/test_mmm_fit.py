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
