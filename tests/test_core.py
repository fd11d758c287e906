"""Issue checks for the simulation core: calibration, gains, learning, determinism, speed."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import optimize

import sim
from sim.scenario.schema import Platform
from sim.tables.metrics import DAYS_PER_MONTH
from sim.world.allocators import allocate, bounds
from sim.world.media import hill
from sim.world.replication import World
from sim.world.streams import Streams


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


def test_learner_weighs_quality_only_as_reported(baseline_scenario: sim.Scenario) -> None:
    """Today's true creative quality never reaches the learner: only its delayed reports do."""
    from sim.world.allocators import LearnerAllocator, MarketView, Report

    n = len(baseline_scenario.channels)
    days = np.arange(7)
    reported = np.linspace(0.5, 1.0, n)
    decisions = []
    for quality_today in (np.linspace(0.01, 1.0, n), np.linspace(1.0, 0.01, n)):
        learner = LearnerAllocator(baseline_scenario.allocator, np.ones(n), np.full(n, 1 / n),
                                   1000.0, np.random.default_rng(3))
        for day in days:  # spend the plan for a week, then get that week's report
            learner.decide(int(day), 1000.0, MarketView(quality_today, np.ones(n)))
        learner.observe(Report(days, np.full((7, n), 1000.0 / n), np.tile(reported, (7, 1)),
                               np.full(n, 70.0)))
        decisions.append(learner.decide(7, 1000.0, MarketView(quality_today, np.ones(n))))
    np.testing.assert_array_equal(decisions[0], decisions[1])
    # the reported quality does count: a channel reported at quality 0 gets only its minimum
    learner = LearnerAllocator(baseline_scenario.allocator, np.ones(n), np.full(n, 1 / n),
                               1000.0, np.random.default_rng(3))
    for day in days:
        learner.decide(int(day), 1000.0, MarketView(np.ones(n), np.ones(n)))
    dark = reported.copy()
    dark[0] = 0.0
    learner.observe(Report(days, np.full((7, n), 1000.0 / n), np.tile(dark, (7, 1)),
                           np.full(n, 70.0)))
    spend = learner.decide(7, 1000.0, MarketView(np.ones(n), np.ones(n)))
    lo, _ = bounds(baseline_scenario.allocator, 1000.0, n, learner.plan)
    assert spend[0] == pytest.approx(lo[0])


def test_a_channel_without_live_assets_runs_no_ads(baseline_scenario: sim.Scenario) -> None:
    """Its spend is wasted: no impressions, no conversions, no adstock and no halo on others."""
    from sim.world.media import Media

    n = len(baseline_scenario.channels)
    spend, u = np.full(n, 1000.0), np.full(n, 0.5)
    dark, idle = Media(baseline_scenario, np.ones(n)), Media(baseline_scenario, np.ones(n))
    dark.creatives.live[1] = False  # paid_social, whose response lifts search through synergy
    for day in range(3):
        dark.start_day(day)
        out = dark.deliver(spend, u)
        idle.start_day(day)
        ref = idle.deliver(np.where(np.arange(n) == 1, 0.0, spend), u)
        assert out.impressions[1] == 0 and out.conversions[1] == 0
        assert out.wasted_spend[1] == out.spend[1] == 1000.0
        np.testing.assert_array_equal(out.expected[[0, *range(2, n)]],
                                      ref.expected[[0, *range(2, n)]])
    assert dark.adstocked[1] == 0


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


def test_compare_with_a_run_cache_stores_each_run_and_loads_it_back(tmp_path: Path) -> None:
    from sim.runs.store import RunStore

    data = _small().to_dict()
    data["setups"] = ["pilot", {"name": "pilot_copy", "base": "pilot"}]  # the same levers
    s = sim.scenario_from_dict(data)
    plain = sim.compare(s, replications=2, seed=0)
    first = RunStore(tmp_path / "runs")
    a = sim.compare(s, replications=2, seed=0, store=first)
    assert first.writes == 4 and first.count() == 4  # one file per setup, even with equal levers
    second, found = RunStore(tmp_path / "runs"), []
    b = sim.compare(s, replications=2, seed=0, store=second,
                    on_cached=lambda n, total: found.append((n, total)))
    assert second.writes == 0 and found == [(4, 4)]
    next(second.root.glob("*.pkl")).write_bytes(b"damaged")
    c = sim.compare(s, replications=2, seed=0, store=second)
    assert second.writes == 1  # an unreadable file is run again
    for name in ("summary", "daily", "requests"):
        for other in (a, b, c):
            pd.testing.assert_frame_equal(getattr(other, name), getattr(plain, name))
    assert list(b.summary["setup"]) == ["pilot", "pilot", "pilot_copy", "pilot_copy"]


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



# -- scenario validation: audit findings -----------------------------------------------------
def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(sim.ScenarioError) as info:
        sim.scenario_from_dict(data)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("name", [".", "..", "..."])
def test_scenario_name_of_only_dots_is_rejected(single_team: Any, name: str) -> None:
    d = single_team()
    d["name"] = name
    assert _problems(d) == [f"name: must not be only dots ('.' and '..' are not folder names)"
                            f" (got {name!r})"]
    d["name"] = "v1.2"
    assert sim.scenario_from_dict(d).name == "v1.2"


def test_unreadable_scenario_file_is_a_scenario_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def rule(path: Path) -> str:
        with pytest.raises(sim.ScenarioError) as info:
            sim.load_scenario(path)
        (problem,) = info.value.problems
        assert problem.path == "(file)" and problem.file == str(path)
        return problem.rule

    assert rule(tmp_path / "missing.yaml") == "file not found"
    assert rule(tmp_path) == "is a directory"
    locked = tmp_path / "locked.yaml"
    locked.write_text("name: x\n", encoding="utf-8")

    def refuse(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", refuse)
    assert rule(locked) == "cannot read: permission denied"


def test_duplicate_yaml_keys_are_rejected(single_team: Any, tmp_path: Path) -> None:
    text = yaml.safe_dump(single_team(), sort_keys=False)
    text = text.replace("  cpm: 5.0\n", "  cpm: 5.0\n  cpm: 6.0\n") + "horizon_days: 50\n"
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    cpm = [i + 1 for i, line in enumerate(lines) if line.startswith("  cpm:")]
    horizon = [i + 1 for i, line in enumerate(lines) if line.startswith("horizon_days:")]
    with pytest.raises(sim.ScenarioError) as info:
        sim.load_scenario(path)
    assert sorted(str(p) for p in info.value.problems) == sorted([
        f"{path}: channels.0.cpm: duplicate key (lines {cpm[0]} and {cpm[1]})",
        f"{path}: horizon_days: duplicate key (lines {horizon[0]} and {horizon[1]})",
    ])
    # a '<<' merge key may be overridden: that is not a duplicate
    merged = yaml.safe_dump(single_team(), sort_keys=False) + (
        "platform:\n  <<: {monthly_cost: 1.0, ramp_up_days: 2.0}\n  monthly_cost: 3.0\n")
    path.write_text(merged, encoding="utf-8")
    assert sim.load_scenario(path).platform.monthly_cost == 3.0


def test_custom_setup_must_not_reuse_a_builtin_name(single_team: Any) -> None:
    d = single_team()
    d["setups"] = ["pilot", {"name": "conductor", "base": "pilot"}]
    assert _problems(d) == [
        "setups.1.name: a custom setup must not reuse a built-in setup name (got 'conductor')"]
    d["setups"] = [{"name": "mine", "base": "pilot"}, {"name": "mine", "base": "conductor"}]
    assert _problems(d) == ["setups.1: setup 'mine' is listed twice"]


def test_duplicate_format_names_are_rejected(single_team: Any) -> None:
    d = single_team()
    d["formats"] = {"names": ["static", "static"], "compatibility": [[1.0, 1.0], [1.0, 1.0]]}
    assert _problems(d) == ["formats.names: format names must be unique (got ['static'])"]


@pytest.mark.parametrize(("change", "message"), [
    ({"channels.0.plan_share": 0.95}, "channels: plan_share values must add up to 1 (got 0.95)"),
    ({"demand.shape": "step", "demand.step_day": 150.0},
     "demand.step_day: must lie within the horizon (100 days) (got 150.0)"),
    ({"allocator.max_share": 0.5}, "allocator.max_share: channels (1) x max_share must reach 1 "
                                   "(got 0.5)"),
    ({"formats.compatibility": [[1.0], [1.0]]},
     "formats.compatibility: must be 1 x 1, one row and column per format (got '2 x 1')"),
])
def test_cross_reference_problems_show_the_value_given(
        single_team: Any, change: dict[str, Any], message: str) -> None:
    d = single_team()
    for path, value in change.items():
        *parents, key = path.split(".")
        node = d
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        node[key] = value
    assert _problems(d) == [message]


def test_empty_setup_name_says_it_is_empty(single_team: Any) -> None:
    d = single_team()
    d["setups"] = ["pilot", ""]
    assert _problems(d) == [
        "setups.1: setup name is empty (built in: pilot, conductor, oracle, scaled_silos)"]
    d["setups"] = ["pilot"]
    with pytest.raises(sim.ScenarioError) as info:
        sim.scenario_from_dict(d).levers("")
    assert str(info.value) == (
        "setup: setup name is empty (known: conductor, oracle, pilot, scaled_silos)")


def test_platform_month_matches_the_metrics_month() -> None:
    description = Platform.model_fields["monthly_cost"].description or ""
    assert f"{DAYS_PER_MONTH:g} days" in description
    reference = Path(__file__).resolve().parents[1] / "docs" / "SCENARIO_REFERENCE.md"
    assert f"{DAYS_PER_MONTH:g} days" in reference.read_text(encoding="utf-8")
