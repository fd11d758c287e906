"""Issue checks for the simulation core: calibration, gains, learning, determinism, speed."""

from __future__ import annotations

import builtins

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

import sim
from sim.allocators import allocate
from sim.media import hill
from sim.streams import Streams
from sim.world import World


@pytest.fixture(scope="module")
def baseline_comparison() -> sim.Comparison:
    scenario = sim.load_scenario("scenarios/baseline.yaml")
    return sim.compare(scenario, replications=10, seed=1, jobs=2)


def test_compare_runs_all_four_setups(baseline_comparison: sim.Comparison) -> None:
    s = baseline_comparison.summary
    assert list(dict.fromkeys(s["setup"])) == ["pilot", "conductor", "oracle", "scaled_silos"]
    assert (s.groupby("setup").size() == 10).all()
    assert set(baseline_comparison.daily["setup"]) == set(s["setup"])
    assert set(baseline_comparison.requests["setup"]) == set(s["setup"])


def test_pilot_reuse_is_calibrated_and_conductor_reuses_more(
        baseline_comparison: sim.Comparison) -> None:
    reuse = baseline_comparison.summary.groupby("setup")["reuse_rate"].mean()
    assert abs(reuse["pilot"] - 0.29) <= 0.03
    assert reuse["conductor"] > reuse["pilot"]


def test_content_demand_triples(baseline_comparison: sim.Comparison) -> None:
    req = baseline_comparison.requests
    req = req[req["setup"] == "pilot"]
    first = req[req["arrival"] < 28].groupby("replication").size()
    last = req[req["arrival"] >= 364 - 28].groupby("replication").size()
    ratio = last.sum() / first.sum()
    assert 2.5 <= ratio <= 3.5


def test_conductor_beats_pilot_and_nears_the_oracle(baseline_comparison: sim.Comparison) -> None:
    c = baseline_comparison
    gain = c.paired("net_contribution", "conductor", reference="pilot")
    assert gain.ci_low > 0
    revenue = c.summary.groupby("setup")["revenue"].mean()
    assert revenue["conductor"] >= 0.9 * revenue["oracle"]


def test_conductor_regret_shrinks(baseline_comparison: sim.Comparison) -> None:
    c = baseline_comparison
    first = c.paired("revenue_first_half", "oracle", reference="conductor")
    second = c.paired("revenue_second_half", "oracle", reference="conductor")
    assert first.mean > 0  # the oracle is ahead while the learner learns
    assert second.mean < first.mean


def test_no_gain_world_conductor_loses_its_platform_cost() -> None:
    c = sim.compare(sim.load_scenario("scenarios/no_gain.yaml"),
                    setups=["pilot", "conductor"], replications=10, seed=1, jobs=2)
    revenue = c.paired("revenue", "conductor")
    assert revenue.ci_low <= 0 <= revenue.ci_high
    assert c.paired("net_contribution", "conductor").ci_high < 0


def _small(horizon: int = 60) -> sim.Scenario:
    return sim.load_scenario("scenarios/baseline.yaml").model_copy(
        update={"horizon_days": horizon})


def test_same_seed_same_tables_other_seed_other_tables() -> None:
    s = _small()
    a = sim.compare(s, setups=["pilot", "conductor"], replications=2, seed=3)
    b = sim.compare(s, setups=["pilot", "conductor"], replications=2, seed=3, jobs=2)
    for name in ("summary", "daily", "requests"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    other = sim.compare(s, setups=["pilot", "conductor"], replications=2, seed=4)
    assert not a.summary["revenue"].equals(other.summary["revenue"])
    assert not a.requests["arrival"].equals(other.requests["arrival"])


def test_setups_share_the_random_world() -> None:
    s = _small()
    pilot = sim.run(s, "pilot", 0, 5).requests
    conductor = sim.run(s, "conductor", 0, 5).requests
    for col in ("arrival", "due", "channel", "format", "campaign"):
        pd.testing.assert_series_equal(pilot[col], conductor[col])


def test_event_loop_never_touches_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(_small(), sim.BUILTIN_SETUPS["conductor"], Streams(0, 0))

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pandas used inside the event loop")

    monkeypatch.setattr(pd.DataFrame, "__init__", refuse)
    monkeypatch.setattr(pd.Series, "__init__", refuse)
    real_import = builtins.__import__

    def guarded(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("pandas"):
            raise AssertionError("pandas imported inside the event loop")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", guarded)
    records = world.run()
    assert np.isfinite(records.log.finish).sum() > 0


def test_unknown_setup_is_a_scenario_error() -> None:
    message = r"^setup: unknown setup 'nope' \(known: conductor, oracle, pilot, scaled_silos\)$"
    with pytest.raises(sim.ScenarioError, match=message):
        sim.run(_small(), "nope")


def test_custom_setup_overrides_levers() -> None:
    data = _small().to_dict()
    data["setups"] = ["pilot", {"name": "pilot_shared_library", "base": "pilot",
                                "levers": {"library": "shared"}}]
    s = sim.scenario_from_dict(data)
    assert s.levers("pilot_shared_library").library == "shared"
    assert s.levers("pilot_shared_library").routing == "bound"
    c = sim.compare(s, replications=2, seed=0)
    reuse = c.summary.groupby("setup")["reuse_rate"].mean()
    assert reuse["pilot_shared_library"] > reuse["pilot"]


def test_water_filling_matches_a_general_optimiser() -> None:
    rng = np.random.default_rng(0)
    n, budget = 5, 1000.0
    value = rng.uniform(50, 200, n)
    alpha = rng.uniform(0, 0.6, n)
    k = rng.uniform(100, 600, n)
    s = rng.uniform(0.5, 1.0, n)  # concave curves
    lo, hi = np.full(n, 20.0), np.full(n, 500.0)
    greedy = allocate(value, alpha, k, s, lo, hi, budget, increments=2000)

    def objective(x: np.ndarray) -> float:
        return -float((value * hill(x / (1 - alpha), k, s)).sum())

    best = optimize.minimize(objective, np.full(n, budget / n), method="SLSQP",
                             bounds=list(zip(lo, hi, strict=True)),
                             constraints=[{"type": "eq", "fun": lambda x: x.sum() - budget}])
    assert greedy.sum() == pytest.approx(budget)
    assert -objective(greedy) >= -best.fun - 1e-3 * abs(best.fun)

