"""MMM ground truth: replay, switch-off consistency, ROAS against the true curves, lift tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.mmm.curves import channel_scale, curves_table, path_revenue
from sim.mmm.lift import LiftLab, LiftTest
from sim.mmm.truth import ground_truth, summarise
from sim.runs.experiment import run
from sim.scenario.edit import apply
from sim.scenario.schema import Scenario
from sim.world.media import hill
from sim.world.replay import MediaReplay
from sim.world.streams import Streams

ROOT = Path(__file__).resolve().parents[1]
DAYS = 84


@pytest.fixture(scope="module")
def short() -> Scenario:
    """The baseline (synergy, fatigue, Poisson noise, budget profile) cut to twelve weeks."""
    return sim.load_scenario(ROOT / "scenarios" / "baseline.yaml").model_copy(
        update={"horizon_days": DAYS})


def clean(scenario: Scenario) -> Scenario:
    """No noise, no fatigue (quality stays 1), no synergy, assets never retire."""
    edits: dict[str, object] = {"synergy": None, "library.asset_lifetime_days": None}
    for i in range(len(scenario.channels)):
        edits[f"channels.{i}.noise.kind"] = "none"
        edits[f"channels.{i}.quality_min"] = 1.0
        edits[f"channels.{i}.initial_assets"] = 2
    return apply(scenario, edits)


def factual(scenario: Scenario, setup: str) -> tuple[MediaReplay, np.ndarray, np.ndarray]:
    """Replay of a run, its recorded spend and revenue (days, channels)."""
    result = run(scenario, setup, 0, 3)
    n = len(scenario.channels)
    spend = result.daily.spend.to_numpy().reshape(-1, n)
    revenue = result.daily.revenue.to_numpy().reshape(-1, n)
    return MediaReplay(scenario, scenario.levers(setup), 3, 0), spend, revenue


@pytest.mark.parametrize("setup", ["pilot", "conductor"])
def test_replay_of_recorded_spend_reproduces_the_run(short: Scenario, setup: str) -> None:
    replay, spend, revenue = factual(short, setup)
    np.testing.assert_array_equal(replay.run(spend).revenue, revenue)


def test_switch_off_decomposition(short: Scenario) -> None:
    replay, spend, _ = factual(short, "conductor")
    s = summarise(ground_truth(replay, spend), DAYS)
    base = replay.run(np.zeros_like(spend)).expected_revenue.sum()  # all off, computed apart
    assert s.base == base == 0.0  # no organic demand in this model
    assert s.total - base - s.contribution.sum() == pytest.approx(s.interaction, abs=1e-6)
    # the positive halo makes contributions overlap: the interaction is negative, a few percent
    assert -0.15 * s.total < s.interaction < -0.005 * s.total
    no_halo = apply(short, {"synergy": None})
    replay, spend, _ = factual(no_halo, "conductor")
    s = summarise(ground_truth(replay, spend), DAYS)
    assert abs(s.interaction) < 1e-9 * s.total  # additive world: contributions add up


@pytest.mark.parametrize("setup", ["pilot", "conductor"])
def test_roas_by_resimulation_matches_true_curves(short: Scenario, setup: str) -> None:
    scenario = clean(short)
    replay, spend, _ = factual(scenario, setup)
    truth = ground_truth(replay, spend)
    s = summarise(truth, DAYS)
    quality = truth.factual.quality
    assert (quality == 1.0).all()
    for c in range(len(scenario.channels)):
        predicted = path_revenue(scenario, replay.efficiency, c, spend[:, c], quality[:, c])
        assert s.roas[c] == pytest.approx(predicted.sum() / spend[:, c].sum(), rel=1e-6)
        more = path_revenue(scenario, replay.efficiency, c, spend[:, c] * (1 + truth.eps),
                            quality[:, c])
        marginal = (more.sum() - predicted.sum()) / (truth.eps * spend[:, c].sum())
        assert s.marginal_roas(truth.eps)[c] == pytest.approx(marginal, rel=1e-6)
        assert s.marginal_roas(truth.eps)[c] < s.roas[c]  # concave curves


def test_steady_state_curve_is_the_long_run_of_a_constant_spend(short: Scenario) -> None:
    scenario = clean(short)
    replay, spend, _ = factual(scenario, "pilot")
    n = len(scenario.channels)
    curves = curves_table(scenario, replay.efficiency, np.ones(n), spend.max(axis=0), points=5)
    for c, ch in enumerate(scenario.channels):
        rows = curves[curves.channel == ch.name]
        x = float(rows.spend_per_day.iloc[2])
        constant = np.zeros_like(spend)
        constant[:, c] = x
        last = replay.run(constant).expected_revenue[-1, c]  # 84 days: alpha^84 is negligible
        assert rows.revenue_per_day_steady_state.iloc[2] == pytest.approx(last, rel=1e-6)
        one_day = channel_scale(scenario, replay.efficiency)[c] * hill(x, ch.hill_k, ch.hill_shape)
        assert rows.revenue_per_day_no_carryover.iloc[2] == pytest.approx(one_day, rel=1e-12)


def lift_draws(short: Scenario, bias: float, draws: int) -> tuple[float, np.ndarray, float]:
    replay, spend, _ = factual(short, "conductor")
    lab = LiftLab(replay, spend)
    test = LiftTest(channel=2, start=14, end=41)  # display, four weeks
    held = lab.holdout(test)
    rng = Streams(3, 0).get("lift_tests")
    sigma = lab.run([test], rng, bias)[0].sigma
    return lab.true_lift(test, held), lab.measure(test, held, rng, draws, bias), sigma


def test_lift_tests_are_unbiased(short: Scenario) -> None:
    true, m, sigma = lift_draws(short, 0.0, 1500)
    se = m.std(ddof=1) / np.sqrt(len(m))
    assert abs(m.mean() - true) < 3.5 * se  # 99.95% interval: fails on a real bias
    assert m.std(ddof=1) == pytest.approx(sigma, rel=0.1)  # the reported sigma is the noise's
    assert se < 0.01 * true  # tight enough to see a 5% bias


def test_lift_bias_is_detected(short: Scenario) -> None:
    true, m, _ = lift_draws(short, 0.05, 1500)
    se = m.std(ddof=1) / np.sqrt(len(m))
    assert abs(m.mean() - 1.05 * true) < 3.5 * se
    assert m.mean() - true > 3.5 * se
