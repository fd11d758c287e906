"""Where the time goes: per-step records, per-resource days, and the summary figures built on them.

A finished request's steps tile its lead time exactly; a resource's busy days add up to its busy
total; the queue sampled at each day's start is what the pools held; the pooled utilisations are
the capacity-weighted means of the per-resource ones; ``admin_share`` is checked by hand on a
world without randomness.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import simpy
import yaml

import sim
from sim import cli
from sim.tables.operations import (
    SATURATED,
    busy_by_day,
    queue_by_day,
    resource_names,
    saturated_spells,
    time_by_step,
    wait_shares,
    weekly_utilization,
)
from sim.world.records import RunRecords
from sim.world.replication import World
from sim.world.steps import STEP_KINDS
from sim.world.streams import Streams

SETUPS = ("pilot", "conductor")


@pytest.fixture(scope="module", params=SETUPS)
def result(request: pytest.FixtureRequest, short: sim.Scenario) -> sim.RunResult:
    """One 60-day baseline replication of each setup."""
    return sim.run(short, request.param, 0, 3)


def grouped_steps(res: sim.RunResult) -> pd.DataFrame:
    """Steps in the order they were recorded within each request (chronological per request)."""
    return res.steps.sort_values("request_id", kind="stable").reset_index(drop=True)


def test_finished_requests_steps_tile_lead_time(result: sim.RunResult) -> None:
    req = result.requests.set_index("request_id")
    steps = grouped_steps(result)
    finished = req.index[req["finish"].notna()]
    steps = steps[steps["request_id"].isin(finished)]
    assert len(finished) > 50
    by = steps.groupby("request_id")
    first_start, last_end = by["start"].first(), by["end"].last()
    np.testing.assert_array_equal(first_start.to_numpy(), req.loc[first_start.index, "arrival"])
    np.testing.assert_array_equal(last_end.to_numpy(), req.loc[last_end.index, "finish"])
    # contiguous and ordered: each step starts exactly where the request's previous one ended
    same = steps["request_id"].to_numpy()[1:] == steps["request_id"].to_numpy()[:-1]
    np.testing.assert_array_equal(steps["start"].to_numpy()[1:][same],
                                  steps["end"].to_numpy()[:-1][same])
    assert (steps["end"] >= steps["start"]).all()
    total = (steps["end"] - steps["start"]).groupby(steps["request_id"]).sum()
    lead = req.loc[total.index, "finish"] - req.loc[total.index, "arrival"]
    np.testing.assert_allclose(total.to_numpy(), lead.to_numpy(), rtol=1e-12, atol=1e-9)


def test_open_requests_steps_end_at_the_horizon(result: sim.RunResult,
                                                short: sim.Scenario) -> None:
    req = result.requests.set_index("request_id")
    steps = grouped_steps(result)
    open_ids = req.index[req["finish"].isna()]
    last_end = steps[steps["request_id"].isin(open_ids)].groupby("request_id")["end"].last()
    assert len(last_end) > 0
    assert (last_end == float(short.horizon_days)).all()
    assert (result.steps["end"] <= short.horizon_days).all()


def test_steps_name_kinds_and_resources(result: sim.RunResult, short: sim.Scenario) -> None:
    steps = result.steps
    assert list(steps.columns) == ["setup", "replication", "request_id", "step", "resource",
                                   "start", "end"]
    assert isinstance(steps["step"].dtype, pd.CategoricalDtype)
    assert isinstance(steps["resource"].dtype, pd.CategoricalDtype)
    teams = {a.name for a in short.agencies}
    stages = {s.name for s in short.approvals.stages}
    on_team = steps["step"].isin(["handoff", "wait_team", "work", "revision_handoff",
                                  "wait_revision", "revision"])
    assert set(steps.loc[on_team, "resource"]) <= teams
    assert set(steps.loc[~on_team, "resource"]) <= stages
    # a finished request had one wait and one round of work per revision
    req = result.requests.set_index("request_id")
    done = req.index[req["finish"].notna()]
    for kind in ("wait_revision", "revision"):
        rounds = steps[steps["step"] == kind].groupby("request_id").size()
        rounds = rounds.reindex(done, fill_value=0)
        np.testing.assert_array_equal(rounds.to_numpy(), req.loc[done, "revisions"].to_numpy())
    assert req["revisions"].sum() > 0


def records(scenario: sim.Scenario, setup: str, seed: int = 3) -> RunRecords:
    """The plain records of one replication (what the tables are built from)."""
    return World(scenario, scenario.levers(setup), Streams(seed, 0)).run()


@pytest.mark.parametrize("setup", SETUPS)
def test_busy_days_add_up_to_busy_totals(short: sim.Scenario, setup: str) -> None:
    rec = records(short, setup)
    busy = busy_by_day(rec, short.horizon_days)
    np.testing.assert_allclose(busy.sum(axis=1), np.concatenate([rec.team_busy, rec.stage_busy]),
                               rtol=1e-12)
    capacity = np.concatenate([rec.team_capacity, rec.stage_capacity])
    assert (busy <= capacity[:, None] + 1e-9).all()  # nobody works more than a day a day


def test_resources_table_matches_summary(result: sim.RunResult, short: sim.Scenario) -> None:
    res, row = result.resources, result.summary.iloc[0]
    assert len(res) == short.horizon_days * (len(short.agencies) + len(short.approvals.stages))
    for name, group in res.groupby("resource", observed=True):
        cap = group["capacity"].iloc[0]
        share = group["busy"].sum() / (cap * short.horizon_days)
        assert share == pytest.approx(row[f"utilization_{name}"], rel=1e-12)
        np.testing.assert_allclose(group["utilization"], group["busy"] / cap)
    assert set(res["kind"]) == {"team", "stage"}


def test_queue_is_what_the_pools_held_at_each_day_start(short: sim.Scenario) -> None:
    world = World(short, short.levers("pilot"), Streams(3, 0))
    pools = [t.pool for t in world.teams] + [s.pool for s in world.stages]
    seen: list[list[int]] = []

    def sample() -> Generator[simpy.Event, Any, None]:
        for _ in range(short.horizon_days):
            seen.append([p.queue_length for p in pools])
            yield world.env.timeout(1.0)

    world.env.process(sample())
    rec = world.run()
    queue = queue_by_day(rec, short.horizon_days)
    np.testing.assert_array_equal(queue, np.array(seen).T)
    assert queue.max() > 0


def test_pooled_utilisation_is_capacity_weighted_mean(result: sim.RunResult,
                                                      short: sim.Scenario) -> None:
    row = result.summary.iloc[0]
    for pooled, specs in (("agency_utilization", [(a.name, a.capacity) for a in short.agencies]),
                          ("reviewer_utilization",
                           [(s.name, s.reviewers) for s in short.approvals.stages])):
        caps = np.array([c for _, c in specs], dtype=float)
        each = np.array([row[f"utilization_{n}"] for n, _ in specs])
        assert row[pooled] == pytest.approx(float((each * caps).sum() / caps.sum()), rel=1e-12)


def test_wait_means_are_the_recorded_waits(result: sim.RunResult, short: sim.Scenario) -> None:
    steps, row = result.steps, result.summary.iloc[0]
    waits = steps[steps["step"].isin(["wait_team", "wait_revision", "wait_review"])
                  & (steps["end"] < short.horizon_days)]
    for name, group in waits.groupby("resource", observed=True):
        mean = (group["end"] - group["start"]).mean()
        assert row[f"wait_mean_{name}"] == pytest.approx(mean, rel=1e-12)
        assert row[f"wait_mean_{name}"] >= 0


def test_admin_share_is_a_share(result: sim.RunResult) -> None:
    assert 0.0 <= result.summary["admin_share"].iloc[0] <= 1.0


def deterministic_dict(single_team: Any, revision_probability: float) -> dict[str, Any]:
    """One team with room for everyone, a 1-day hand-off, 2 days of work, one 0.5-day review."""
    d = single_team(base_rate=0.5, horizon_days=60, capacity=50,
                    production={"dist": "deterministic", "value": 2.0},
                    stages=[{"name": "brand", "reviewers": 50,
                             "review_time": {"dist": "deterministic", "value": 0.5},
                             "revision_probability": revision_probability}])
    d["agencies"][0]["handoff"] = {"dist": "deterministic", "value": 1.0}
    d["approvals"]["max_revisions_per_stage"] = 1
    d["approvals"]["revision_work_fraction"] = 0.5
    return d


@pytest.mark.parametrize(("probability", "expected"), [
    # hand-off 1 + work 2 + review 0.5: admin is 1 + 0.5 of 3.5 days
    (0.0, 1.5 / 3.5),
    # then sent back once: revision hand-off 1 + revision 1 + review 0.5 more, 4 of 6 days admin
    (1.0, 4.0 / 6.0),
])
def test_admin_share_by_hand(single_team: Any, probability: float, expected: float) -> None:
    scenario = sim.scenario_from_dict(deterministic_dict(single_team, probability))
    res = sim.run(scenario, "pilot", 0, 0)
    finished = res.requests.dropna(subset=["finish"])
    assert len(finished) > 10
    lead = finished["finish"] - finished["arrival"]
    np.testing.assert_allclose(lead, 3.5 if probability == 0 else 6.0)
    assert res.summary["admin_share"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert res.summary["wait_mean_studio"].iloc[0] == 0.0


def test_results_folder_has_steps_and_resources(single_team: Any, tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(deterministic_dict(single_team, 0.5)), encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["compare", str(path), "--replications", "2", "--seed", "1", "--jobs", "1",
                     "--quiet", "--out", str(out)]) == 0
    steps = pd.read_parquet(out / "steps.parquet")
    resources = pd.read_parquet(out / "resources.parquet")
    assert set(steps["setup"]) == set(resources["setup"]) == {"pilot", "conductor"}
    assert set(steps["replication"]) == {0, 1}
    assert set(resources["resource"]) == {"studio", "brand"}
    assert len(resources) == 2 * 2 * 60 * 2


def test_resource_names_are_unique(short: sim.Scenario) -> None:
    names = resource_names(records(short, "pilot"))
    assert len(names) == len(set(names))


def test_bottleneck_section_lists_every_resource(short: sim.Scenario) -> None:
    from sim.report.bottleneck import bottleneck_section, bottleneck_table

    summary = sim.compare(short, setups=list(SETUPS), replications=2, seed=3).summary
    table = bottleneck_table(summary, SETUPS)
    names = [a.name for a in short.agencies] + [s.name for s in short.approvals.stages]
    assert list(table["resource"].unique()) == names
    pilot = table[(table["setup"] == "pilot") & (table["resource"] == names[0])]
    expected = summary.loc[summary["setup"] == "pilot", f"utilization_{names[0]}"].mean()
    assert pilot["utilization"].iloc[0] == pytest.approx(expected)
    text = bottleneck_section(summary, SETUPS)
    assert text.startswith("## Where the time goes")
    assert all(f"| {n} |" in text for n in names) and "admin share" in text
    assert bottleneck_section(summary.drop(columns=[c for c in summary.columns
                                                    if c.startswith("utilization_")]),
                              SETUPS) == ""


def test_a_stage_with_a_single_reviewer_is_named_the_bottleneck(baseline_data: dict[str, Any]
                                                                 ) -> None:
    from sim.report.bottleneck import bottleneck_section

    baseline_data.update(horizon_days=60, setups=["pilot", "conductor"])
    legal = baseline_data["approvals"]["stages"][1]
    legal.update(reviewers=1, review_time={"dist": "lognormal", "mean": 0.9, "cv": 0.5})
    comparison = sim.compare(sim.scenario_from_dict(baseline_data), replications=2, seed=3)
    text = bottleneck_section(comparison.summary, SETUPS, comparison.steps,
                              comparison.resources)
    named = text.split("Bottleneck per setup")[1].split("\n")[0]
    assert "pilot: legal is the bottleneck" in named, named
    assert "conductor: legal is the bottleneck" in named, named
    # a single reviewer for a stage every request passes: saturated within days, queue growing
    warned = text.split("**Warning: saturated")[1].split("\n\n")[1]
    assert "pilot: legal stayed above 95% busy" in warned and "grows without bound" in warned
    assert all("legal" in line for line in warned.splitlines()), warned


def test_no_saturation_warning_on_a_lightly_loaded_world(short: sim.Scenario) -> None:
    from sim.report.bottleneck import saturation_warnings

    comparison = sim.compare(short, setups=list(SETUPS), replications=2, seed=3)
    weekly = weekly_utilization(comparison.resources)
    assert (weekly["utilization"] < SATURATED).mean() > 0.9  # 60 days of the baseline
    assert saturated_spells(weekly).empty and saturation_warnings(comparison.resources) == []


def test_saturated_spells_find_the_longest_run_of_full_weeks() -> None:
    utilization = [0.5, 0.96, 0.97, 0.2, 0.95, 0.99, 1.0, 0.98, 0.7]
    weekly = pd.DataFrame({"setup": "pilot", "resource": "legal", "week": range(9),
                           "utilization": utilization, "queue": [float(q) for q in range(9)]})
    weekly["first_day"] = weekly["week"] * 7
    (spell,) = saturated_spells(weekly).itertuples()
    assert (spell.weeks, spell.first_day, spell.queue_start, spell.queue_end) == (4, 28, 4, 7)
    assert saturated_spells(weekly, min_weeks=5).empty
    assert len(saturated_spells(weekly, threshold=0.9, min_weeks=2)) == 1


def test_weekly_utilization_is_busy_over_capacity_per_week(result: sim.RunResult) -> None:
    res = result.resources
    weekly = weekly_utilization(res)
    first = res[(res["resource"] == res["resource"].iloc[0]) & (res["day"] < 7)]
    row = weekly[(weekly["resource"] == res["resource"].iloc[0]) & (weekly["week"] == 0)]
    assert row["utilization"].item() == pytest.approx(first["busy"].sum()
                                                      / first["capacity"].sum())
    assert row["queue"].item() == pytest.approx(first["queue"].mean())


def test_time_by_step_adds_up_to_the_mean_lead_time(result: sim.RunResult) -> None:
    table = time_by_step(result.steps, result.requests)
    done = result.requests[result.requests["finish"].notna()]
    lead = (done["finish"] - done["arrival"]).mean()
    assert table["days"].sum() == pytest.approx(lead, rel=1e-12)
    assert set(table["step"]) == set(STEP_KINDS) and (table["days"] >= 0).all()
    shares = wait_shares(result.steps)
    assert shares["wait_share"].sum() == pytest.approx(1.0)
