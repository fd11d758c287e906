"""MODEL.md "Precisions": data delay, ramp-up on media levers, the platform bill, work in
progress, and the siloed library. The oracle's precisions are in test_oracle.py."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import baseline_dict, single_team_dict

import sim
from sim.scenario.schema import Allocator, DataFeed
from sim.tables.metrics import SUMMARY_METRICS
from sim.world.allocators import LearnerAllocator, MarketView, Report
from sim.world.library import AssetLibrary
from sim.world.media import hill
from sim.world.policies import allocator_shares
from sim.world.replication import budget_by_day
from sim.world.reports import ReportTimer

FEEDS = [(1, 0), (1, 1), (1, 5), (7, 0), (7, 1), (7, 5)]  # (interval_days, delay_days)


def spend_matrix(result: sim.RunResult, scenario: sim.Scenario) -> np.ndarray:
    """A run's daily spend as a (days, channels) array, channels in scenario order."""
    wide = result.daily.pivot(index="day", columns="channel", values="spend")
    return wide[scenario.channel_names].to_numpy()


# ---- data delay -------------------------------------------------------------------------------

def first_use(timer: ReportTimer, days: int) -> dict[int, int]:
    """For each day reported, the first decision day whose ``due`` hands it out."""
    seen: dict[int, int] = {}
    for day in range(days):
        for period in timer.due(day):
            for d in period:
                assert d not in seen, f"day {d} reported twice"
                seen[d] = day
    return seen


@pytest.mark.parametrize(("interval", "delay"), FEEDS)
def test_report_is_first_used_delay_days_after_its_period_ends(interval: int, delay: int
                                                               ) -> None:
    seen = first_use(ReportTimer(DataFeed(interval_days=interval, delay_days=delay)), 100)
    for d, used in seen.items():
        period_end = (d // interval + 1) * interval - 1
        assert used == period_end + delay + 1, (d, used)  # delay 0: the next day's decision
    assert list(seen) == list(range(len(seen)))  # every day once, in order, none skipped
    assert len(seen) >= 100 - interval - delay - 1


def test_data_delay_examples_from_model_md() -> None:
    weekly = first_use(ReportTimer(DataFeed(interval_days=7, delay_days=5)), 30)
    assert {weekly[d] for d in range(7)} == {12}  # the week ending on day 6 is used on day 12
    assert {weekly[d] for d in range(7, 14)} == {19}
    for delay in (0, 1):
        daily = first_use(ReportTimer(DataFeed(interval_days=1, delay_days=delay)), 30)
        assert all(daily[d] == d + 1 + delay for d in range(25))


class SpyAllocator:
    """Spends the budget evenly and records what it has been told, decision by decision."""

    def __init__(self, channels: int):
        self.channels, self.periods, self.last_seen = channels, [], {}
        self.last, self.spent, self.reported = -1, {}, {}

    def observe(self, report: Report) -> None:
        self.periods.append(report.days.tolist())
        self.reported.update(zip(report.days.tolist(), report.spend.tolist(), strict=True))
        self.last = int(report.days[-1])

    def decide(self, day: int, budget: float, view: MarketView) -> np.ndarray:
        self.last_seen[day] = self.last
        self.spent[day] = [budget / self.channels] * self.channels
        return np.full(self.channels, budget / self.channels)


def spy_run(monkeypatch: pytest.MonkeyPatch, d: dict[str, Any], setup: str) -> SpyAllocator:
    scenario = sim.scenario_from_dict(d)
    spy = SpyAllocator(len(scenario.channels))
    monkeypatch.setattr("sim.world.replication.allocator_for", lambda *a, **k: spy)
    sim.run(scenario, setup, replication=0, seed=0)
    return spy


def feeds_dict(siloed: tuple[int, int], unified: tuple[int, int], ramp: float = 0.0
               ) -> dict[str, Any]:
    d = single_team_dict(horizon_days=40, base_rate=0.5)
    d["allocator"]["data"] = {k: {"interval_days": v[0], "delay_days": v[1]}
                              for k, v in (("siloed", siloed), ("unified", unified))}
    d["platform"] = {"ramp_up_days": ramp}
    d["setups"] = ["pilot",
                   {"name": "unified", "base": "pilot", "levers": {"data": "unified"}},
                   {"name": "switch", "base": "pilot",
                    "levers": {"data": "unified", "platform": True}}]
    return d


@pytest.mark.parametrize(("interval", "delay"), FEEDS)
@pytest.mark.parametrize("feed", ["siloed", "unified"])
def test_world_passes_reports_with_the_data_delay(monkeypatch: pytest.MonkeyPatch, feed: str,
                                                  interval: int, delay: int) -> None:
    other = (3, 2)  # the feed the setup does not use: must not leak in
    d = (feeds_dict((interval, delay), other) if feed == "siloed"
         else feeds_dict(other, (interval, delay)))
    spy = spy_run(monkeypatch, d, "pilot" if feed == "siloed" else "unified")
    assert sorted(spy.last_seen) == list(range(40))
    for day, last in spy.last_seen.items():  # last day ended delay + 1 or more days ago
        assert last == max(-1, (day - delay) // interval * interval - 1), (day, last)
    reported = [day for p in spy.periods for day in p]
    assert reported == list(range(len(reported)))
    assert all(len(p) == interval for p in spy.periods)
    assert spy.reported == {day: spy.spent[day] for day in reported}  # what was spent that day


def test_unified_data_replaces_the_agency_reports_after_the_ramp_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    spy = spy_run(monkeypatch, feeds_dict((7, 5), (1, 1), ramp=10), "switch")
    # periods starting before day 10 are the agencies' weeks, the later ones unified days
    assert spy.periods[:2] == [list(range(7)), list(range(7, 14))]
    assert all(len(p) == 1 for p in spy.periods[2:])
    reported = [day for p in spy.periods for day in p]
    assert reported == list(range(len(reported))) and reported[-1] >= 37  # once each, in order
    for day, last in spy.last_seen.items():
        # days 14-17 arrive in time for day 16-19, but not before the week 7-13 (day 19)
        expected = -1 if day < 12 else 6 if day < 19 else day - 2
        assert last == expected, (day, last)


# ---- ramp-up on media levers ----------------------------------------------------------------

RAMP = 30


@pytest.fixture(scope="module")
def ramped() -> tuple[sim.Scenario, dict[str, np.ndarray]]:
    """The baseline over 90 days, a 30-day ramp-up, and daily reports without delay, so that
    the learner moves from day 1 on."""
    d = baseline_dict()
    d["horizon_days"] = 90
    d["platform"]["ramp_up_days"] = RAMP
    d["allocator"]["data"]["siloed"] = {"interval_days": 1, "delay_days": 0}
    scenario = sim.scenario_from_dict(d)
    return scenario, {s: spend_matrix(sim.run(scenario, s, 0, 3), scenario)
                      for s in ("conductor", "oracle")}


def test_learner_governs_a_growing_share_and_the_plan_the_rest(
        ramped: tuple[sim.Scenario, dict[str, np.ndarray]]) -> None:
    scenario, spend = ramped
    spend = spend["conductor"]
    budget, cfg = budget_by_day(scenario), scenario.allocator
    plan = np.array([c.plan_share for c in scenario.channels])
    np.testing.assert_array_equal(spend[0], plan * budget[0])  # day 0: all plan
    moved = 0.0
    for day in range(1, RAMP):
        share = day / RAMP
        learner = spend[day] - plan * (1.0 - share) * budget[day]
        governed = share * budget[day]
        assert learner.sum() == pytest.approx(governed, rel=1e-9)
        tol = 1e-9 * budget[day]
        assert (learner >= cfg.min_share * governed - tol).all(), day
        assert (learner <= cfg.max_share * governed + tol).all(), day
        moved = max(moved, float(np.abs(learner / governed - plan).max()))
    assert moved > 0.05  # the learner did reallocate its share: the bounds were tested
    after = spend[RAMP:] / budget[RAMP:, None]
    assert (after >= cfg.min_share - 1e-9).all() and (after <= cfg.max_share + 1e-9).all()
    assert np.abs(after - plan).max(axis=1).min() > 0.02  # no longer the plan on any day


def test_oracle_is_not_ramped(ramped: tuple[sim.Scenario, dict[str, np.ndarray]]) -> None:
    scenario, spend = ramped
    np.testing.assert_array_equal(allocator_shares(scenario, scenario.levers("oracle")), 1.0)
    assert allocator_shares(scenario, scenario.levers("conductor"))[RAMP // 2] == 0.5
    plan = np.array([c.plan_share for c in scenario.channels])
    shares = spend["oracle"] / budget_by_day(scenario)[:, None]
    assert np.abs(shares[0] - plan).max() > 0.05  # its own allocation from day 0
    cfg = scenario.allocator
    assert (shares >= cfg.min_share - 1e-9).all() and (shares <= cfg.max_share + 1e-9).all()


def test_learner_learns_from_the_spend_reported_not_the_spend_it_decided() -> None:
    rng = np.random.default_rng(0)
    learner = LearnerAllocator(Allocator(min_share=0.0, max_share=1.0), value=np.array([50.0,
                               40.0]), plan=np.array([0.5, 0.5]), daily_budget=1000.0,
                               rng=rng)
    view = MarketView(np.ones(2), np.ones(2))
    np.testing.assert_array_equal(learner.decide(0, 1000.0, view), [500.0, 500.0])
    spends = np.array([[200.0, 800.0], [100.0, 0.0], [300.0, 50.0]])  # not what it decided
    learner.observe(Report(np.array([0]), spends[:1], np.ones((1, 2)), np.array([3.0, 5.0])))
    np.testing.assert_array_equal(learner.adstock, spends[0][:, None] * np.ones((1, 5)))
    learner.decide(1, 1000.0, view)
    learner.observe(Report(np.array([1, 2]), spends[1:], np.ones((2, 2)), np.array([4.0, 1.0])))
    alphas = LearnerAllocator.ALPHAS
    a = np.zeros((3, 2, len(alphas)))
    for t in range(3):  # adstock of the reported spend, per candidate alpha
        a[t] = spends[t][:, None] + alphas * (a[t - 1] if t else 0.0)
    np.testing.assert_allclose(learner.adstock, a[-1], rtol=1e-12)
    # and the likelihood weighs each candidate curve at those adstocks
    cand_a = a[:, :, learner.cand_alpha_idx]  # (days, channels, candidates)
    g = hill(cand_a, learner.cand_k[None], learner.cand_shape[None, None]).sum(axis=0)
    np.testing.assert_allclose(learner.sum_g, g, rtol=1e-9)


# ---- the platform bill alone ------------------------------------------------------------------

def test_pilot_with_the_platform_only_pays_its_bill() -> None:
    d = baseline_dict()
    d["setups"] = ["pilot", {"name": "pilot_platform", "base": "pilot",
                             "levers": {"platform": True}}]
    c = sim.compare(sim.scenario_from_dict(d), replications=10, seed=2, jobs=2)
    s = c.summary.set_index(["setup", "replication"])
    pilot, paid = s.loc["pilot"], s.loc["pilot_platform"]
    assert (paid["platform_cost"] > 0).all() and (pilot["platform_cost"] == 0).all()
    net_gap = (paid["net_contribution"] - pilot["net_contribution"]).to_numpy()
    np.testing.assert_allclose(net_gap, -paid["platform_cost"].to_numpy(), rtol=0, atol=1e-6)
    same = [m for m in SUMMARY_METRICS if m not in ("platform_cost", "net_contribution")]
    assert {"revenue", "media_spend", "production_cost", "wip_cost"} <= set(same)
    differ = paid[same].compare(pilot[same])  # exactly equal, NaN where both are NaN
    assert differ.empty, differ


# ---- costs accrue with work -------------------------------------------------------------------

WORK, REVIEW, PRICE, HORIZON = 2.0, 3.0, 100.0, 30


@pytest.fixture(scope="module")
def backlog() -> tuple[sim.Scenario, sim.Comparison]:
    """One person, 2 days a request, one reviewer, 3 days a review, a request a day: a backlog
    at the team and at the reviewer. Deterministic times, so the schedule can be worked out."""
    d = single_team_dict(horizon_days=HORIZON, base_rate=1.0, capacity=1,
                         production={"dist": "deterministic", "value": WORK},
                         stages=[{"name": "brand", "reviewers": 1, "revision_probability": 0.0,
                                  "review_time": {"dist": "deterministic", "value": REVIEW}}])
    d["agencies"][0]["cost_new"] = PRICE
    scenario = sim.scenario_from_dict(d)
    return scenario, sim.compare(scenario, replications=2, seed=5)


def test_backlog_costs_its_work_in_progress(backlog: tuple[sim.Scenario, sim.Comparison]
                                           ) -> None:
    s = backlog[1].summary
    assert (s["wip_cost"] > 0).all() and (s["requests_open"] > 0).all()
    net = (s["revenue"] - s["media_spend"] - s["production_cost"] - s["wip_cost"]
           - s["platform_cost"])
    np.testing.assert_allclose(s["net_contribution"], net, rtol=1e-12)
    r = backlog[1].requests
    for (setup, rep), rows in r.groupby(["setup", "replication"]):
        total = s[(s["setup"] == setup) & (s["replication"] == rep)]
        assert rows["wip_cost"].sum() == pytest.approx(float(total["wip_cost"].iloc[0]))
        assert rows["cost"].sum() == pytest.approx(float(total["production_cost"].iloc[0]))


def test_wip_cost_is_the_work_done_on_open_requests(backlog: tuple[sim.Scenario, sim.Comparison]
                                                   ) -> None:
    r = backlog[1].requests
    r = r[(r["setup"] == "pilot") & (r["replication"] == 0)].sort_values("arrival")
    work_end = review_end = 0.0
    kinds = []
    for row in r.itertuples():  # first in, first out at the team and at the reviewer
        start = max(row.arrival, work_end)
        work_end = start + WORK
        review_end = max(work_end, review_end) + REVIEW
        if review_end < HORIZON:
            kind, wip, cost = "finished", 0.0, PRICE
            assert row.finish == pytest.approx(review_end, abs=1e-9)
        elif work_end <= HORIZON:
            kind, wip, cost = "awaiting approval", PRICE, 0.0  # its round is done: fully costed
        elif start < HORIZON:
            kind, wip, cost = "in progress", PRICE * (HORIZON - start) / WORK, 0.0
            assert 0.0 < wip < PRICE
        else:
            kind, wip, cost = "not started", 0.0, 0.0
        kinds.append(kind)
        assert np.isnan(row.finish) == (kind != "finished"), kind
        assert row.wip_cost == pytest.approx(wip, rel=1e-9, abs=1e-9), (kind, row)
        assert row.cost == pytest.approx(cost), (kind, row)
    assert set(kinds) == {"finished", "awaiting approval", "in progress", "not started"}
    assert kinds.count("in progress") == 1


# ---- the siloed library -----------------------------------------------------------------------

def test_library_lever_cannot_matter_with_one_team() -> None:
    """One team, the same findability siloed or shared: every channel searches one silo."""
    d = baseline_dict()
    d["horizon_days"] = 120
    team = d["agencies"][0]
    team.update(capacity=24, channels=[c["name"] for c in d["channels"]],
                formats=list(d["formats"]["names"]))
    d["agencies"] = [team]
    d.pop("uncertain", None)  # its ranges name the agencies removed here
    d["library"]["findability"] = {"siloed": 0.6, "shared": 0.6}
    d["setups"] = ["pilot", "conductor",
                   {"name": "pilot_shared", "base": "pilot", "levers": {"library": "shared"}},
                   {"name": "conductor_siloed", "base": "conductor",
                    "levers": {"library": "siloed"}}]
    c = sim.compare(sim.scenario_from_dict(d), replications=3, seed=4, jobs=2)
    s = c.summary.set_index(["setup", "replication"])[list(SUMMARY_METRICS)]
    assert (s["reuse_rate"] > 0.1).all()
    for a, b in (("conductor", "conductor_siloed"), ("pilot", "pilot_shared")):
        differ = s.loc[a].compare(s.loc[b])
        assert differ.empty, (a, b, differ)
        ra = c.requests[c.requests["setup"] == a].drop(columns="setup").reset_index(drop=True)
        rb = c.requests[c.requests["setup"] == b].drop(columns="setup").reset_index(drop=True)
        assert ra.compare(rb).empty


def test_asset_is_filed_in_the_silo_that_searches_for_it() -> None:
    library = AssetLibrary(np.array([[1.0, 0.4], [0.0, 1.0]]))
    library.add(campaign=3, fmt=0, silo=1)
    assert library.best_compatibility(3, 1, silo=1) == 0.4
    assert library.best_compatibility(3, 1, silo=0) == 0.0  # another silo does not see it
    assert library.best_compatibility(3, 1, silo=None) == 0.4  # the shared library does
    assert library.best_compatibility(4, 1, silo=None) == 0.0  # another campaign


def test_siloed_asset_goes_to_the_requesting_channels_silo_whoever_produced_it() -> None:
    """Two channels bound to two teams; pooled routing sends all work to the cheap, fast one.
    With everything compatible and always found, a request is an adaptation exactly when an
    asset of its own channel was approved before it arrived: its silo holds its channel's
    assets, produced by the other team, and nothing of the other channel."""
    d = single_team_dict(horizon_days=60, base_rate=1.0, capacity=10, findability=(1.0, 1.0),
                         production={"dist": "deterministic", "value": 3.0})
    web = d["channels"][0]
    d["channels"].append({**web, "name": "app", "plan_share": 0.5})
    web["plan_share"] = 0.5
    d["demand"]["channel_mix"] = {"web": 1.0, "app": 1.0}
    home = d["agencies"][0]
    d["agencies"].append({**home, "name": "agency", "channels": ["app"], "cost_new": 2000.0,
                          "cost_adaptation": 400.0,
                          "production_time": {"dist": "deterministic", "value": 6.0}})
    home["channels"] = ["web"]
    d["platform"] = {"ramp_up_days": 0}
    d["setups"] = [{"name": "pooled_siloed", "base": "conductor",
                    "levers": {"library": "siloed"}}]
    r = sim.run(sim.scenario_from_dict(d), "pooled_siloed", 0, 1).requests
    assert (r["agency"] == "studio").all()  # the app channel's work is done by web's team
    for channel, rows in r.groupby("channel"):
        approved = np.sort(rows["finish"].dropna().to_numpy())
        expected = np.searchsorted(approved, rows["arrival"].to_numpy()) > 0
        np.testing.assert_array_equal(rows["reused"].to_numpy(), expected, err_msg=channel)
        assert rows["reused"].any() and not rows["reused"].all()
