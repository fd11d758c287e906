"""One replication of one setup: build the SimPy world, run it, return plain records."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from sim import demand as dm
from sim.allocators import (
    BudgetAllocator,
    LearnerAllocator,
    MarketView,
    OracleAllocator,
    PlanAllocator,
    Report,
)
from sim.config import Scenario
from sim.library import AssetLibrary
from sim.media import Media
from sim.production import ContentOps, Practice, RequestLog, ReviewStage, Team, column
from sim.routing import BoundRouting, FastestRouting, due_value_priority, fifo_priority
from sim.setups import Levers
from sim.streams import Streams


@dataclass
class DailyLog:
    """Per-day, per-channel media outcomes, as (days, channels) arrays."""

    spend: np.ndarray
    impressions: np.ndarray
    conversions: np.ndarray
    revenue: np.ndarray
    quality: np.ndarray
    live_assets: np.ndarray
    wasted_spend: np.ndarray

    @classmethod
    def empty(cls, days: int, channels: int) -> DailyLog:
        """Zeroed arrays for a run."""
        return cls(*(np.zeros((days, channels)) for _ in range(7)))


@dataclass
class RunRecords:
    """Everything one run produced, as plain arrays."""

    requests: dm.Requests
    log: RequestLog
    daily: DailyLog
    team_busy: np.ndarray  # person-days per team
    team_capacity: np.ndarray
    stage_busy: np.ndarray  # reviewer-days per stage
    stage_capacity: np.ndarray
    team_names: list[str]


def budget_by_day(scenario: Scenario) -> np.ndarray:
    """Media budget for each day, with the optional time profile applied."""
    days = scenario.horizon_days
    b = scenario.budget
    daily = np.full(days, b.daily_amount)
    if b.profile:
        prof = np.asarray(b.profile, dtype=float)
        seg = np.minimum((np.arange(days) * len(prof)) // days, len(prof) - 1)
        daily *= prof[seg] / prof[seg].mean()  # day-weighted: the total is unchanged
    return daily


def ai_efficiency(scenario: Scenario, levers: Levers) -> np.ndarray:
    """Conversion multiplier per channel from the setup's AI coverage."""
    names = scenario.channel_names
    a = scenario.allocator
    if levers.ai_channels == "all":
        on = np.ones(len(names), dtype=bool)
    elif levers.ai_channels == "pilot":
        on = np.array([c in a.ai_pilot_channels for c in names])
    else:
        on = np.zeros(len(names), dtype=bool)
    return np.where(on, a.ai_efficiency, 1.0)


def make_allocator(scenario: Scenario, levers: Levers, media: Media,
                   streams: Streams) -> BudgetAllocator:
    """The budget allocator the setup's ``allocation`` lever names."""
    if levers.allocation == "learner":
        # the learner is told only what an operator knows: never the response curves
        return LearnerAllocator(
            scenario.allocator,
            value=np.array([c.value_per_conversion for c in scenario.channels]),
            plan=np.array([c.plan_share for c in scenario.channels]),
            daily_budget=scenario.budget.daily_amount, horizon=scenario.horizon_days,
            rng=streams.get("allocator"))
    if levers.allocation == "oracle":
        return OracleAllocator(scenario, media)
    return PlanAllocator(scenario)


class World:
    """Builds and runs one replication."""

    def __init__(self, scenario: Scenario, levers: Levers, streams: Streams,
                 env: simpy.Environment | None = None):
        self.scenario, self.levers = scenario, levers
        self.env = env if env is not None else simpy.Environment()
        horizon = float(scenario.horizon_days)
        self.requests = dm.draw_requests(scenario, streams.get("arrivals"),
                                         streams.get("request_attributes"))
        self.noise = streams.get("conversions").random((scenario.horizon_days,
                                                        len(scenario.channels)))
        self.media = Media(scenario, ai_efficiency(scenario, levers))
        self.allocator = make_allocator(scenario, levers, self.media, streams)
        self.budget = budget_by_day(scenario)
        fmt = {f: i for i, f in enumerate(scenario.formats.names)}
        prioritised = levers.routing == "fastest"
        self.teams = [Team(self.env, i, a, {fmt[f] for f in a.formats}, horizon, prioritised)
                      for i, a in enumerate(scenario.agencies)]
        owner = {c: t for t in self.teams for c in t.spec.channels}
        bound = [owner[c] for c in scenario.channel_names]
        self.stages = [ReviewStage(self.env, s, horizon, prioritised)
                       for s in scenario.approvals.stages]
        value = np.array([c.value_per_conversion * c.max_daily_conversions
                          for c in scenario.channels])
        siloed = Practice(False, BoundRouting(bound), 1.0, fifo_priority)
        coordinated = Practice(
            shared_library=levers.library == "shared",
            routing=FastestRouting(self.teams) if levers.routing == "fastest" else siloed.routing,
            handoff_factor=(scenario.platform.handoff_factor
                            if levers.handoffs == "shared_briefs" else 1.0),
            priority=due_value_priority if levers.routing == "fastest" else fifo_priority,
        )
        a = scenario.approvals
        self.ops = ContentOps(
            self.env, self.requests, self.teams, bound, self.stages,
            AssetLibrary(np.array(scenario.formats.compatibility, dtype=float)), self.media,
            scenario.library.findability.model_dump(), a.revision_work_fraction,
            a.revision_cost_fraction, value / value.max() if value.max() > 0 else value,
            (siloed, coordinated), self.coordinated())
        self.daily = DailyLog.empty(scenario.horizon_days, len(scenario.channels))

    def coordinated(self) -> np.ndarray:
        """Whether each request is handled the coordinated way (the platform has taken it on).

        With the platform lever on, content work migrates onto the platform linearly over the
        ramp-up: a request arriving at day t is handled the coordinated way with probability
        ``t / ramp_up_days`` (drawn from its own uniform, so common across setups).
        """
        ramp = self.scenario.platform.ramp_up_days
        n = len(self.requests)
        if not (self.levers.platform and ramp > 0):
            return np.ones(n, dtype=bool)
        with np.errstate(over="ignore"):  # a ramp of a split second: every share is 1
            share = np.minimum(1.0, self.requests.arrival / ramp)
        return self.requests.uniforms[:, dm.U_ADOPT] < share

    def generate_requests(self) -> Generator[simpy.Event, Any, None]:
        """Release each pre-drawn request at its arrival time."""
        env = self.env
        for i, t in enumerate(column(self.requests.arrival)):  # floats: a numpy clock is slow
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(self.ops.fulfil(i))

    def deliver_media(self) -> Generator[simpy.Event, Any, None]:
        """Each day: pass due reports to the allocator, spend, deliver, record."""
        feed = getattr(self.scenario.allocator.data, self.levers.data)
        d, media = self.daily, self.media
        next_report = 0  # first day not yet reported
        for day in range(self.scenario.horizon_days):
            while True:  # reports covering [next_report, end) arrive at end - 1 + delay
                end = next_report + feed.interval_days
                if end > day or end - 1 + feed.delay_days > day:
                    break
                days = np.arange(next_report, end)
                self.allocator.observe(Report(days, d.spend[days], d.quality[days],
                                              d.conversions[days].sum(axis=0)))
                next_report = end
            view = MarketView(*media.start_day(day))
            spend = self.allocator.decide(day, float(self.budget[day]), view)
            out = media.deliver(spend, self.noise[day])
            d.spend[day], d.impressions[day], d.conversions[day] = (
                out.spend, out.impressions, out.conversions)
            d.revenue[day], d.quality[day], d.live_assets[day], d.wasted_spend[day] = (
                out.revenue, out.quality, out.live_assets, out.wasted_spend)
            yield self.env.timeout(1.0)

    def run(self) -> RunRecords:
        """Run to the horizon and hand back the records."""
        self.env.process(self.generate_requests())
        self.env.process(self.deliver_media())
        self.env.run(until=float(self.scenario.horizon_days))
        return RunRecords(
            self.requests, self.ops.rows.to_log(), self.daily,
            np.array([t.busy for t in self.teams]),
            np.array([t.spec.capacity for t in self.teams], dtype=float),
            np.array([s.busy for s in self.stages]),
            np.array([s.spec.reviewers for s in self.stages], dtype=float),
            [t.spec.name for t in self.teams])
