"""One replication of one setup: build the SimPy world, run it, return plain records.

Content work never depends on media (nothing a channel delivers changes a request), so a run
has two phases: the content supply chain runs to the horizon as SimPy processes and yields the
schedule of assets going live; then the media days run in order, each asset going live on the
first day at or after its approval.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from sim.scenario.schema import Scenario
from sim.scenario.setups import Levers
from sim.world import demand as dm
from sim.world.allocators import BudgetAllocator, MarketView, Report
from sim.world.library import AssetLibrary
from sim.world.media import Media
from sim.world.oracle import AssetSchedule
from sim.world.policies import (
    ai_efficiency,
    allocator_for,
    allocator_shares,
    coordinated_requests,
    practices_for,
    prioritised,
    report_timer_for,
)
from sim.world.processes import start
from sim.world.production import ContentOps
from sim.world.records import DailyLog, RunRecords, column
from sim.world.streams import Streams
from sim.world.teams import ReviewStage, Team


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


class World:
    """Builds and runs one replication."""

    def __init__(self, scenario: Scenario, levers: Levers, streams: Streams,
                 env: simpy.Environment | None = None):
        self.scenario, self.levers, self.streams = scenario, levers, streams
        self.env = env if env is not None else simpy.Environment()
        horizon = float(scenario.horizon_days)
        self.requests = dm.draw_requests(scenario, streams.get("arrivals"),
                                         streams.get("request_attributes"))
        self.noise = streams.get("conversions").random((scenario.horizon_days,
                                                        len(scenario.channels)))
        self.media = Media(scenario, ai_efficiency(scenario, levers))
        self.budget = budget_by_day(scenario)
        fmt = {f: i for i, f in enumerate(scenario.formats.names)}
        ordered = prioritised(levers)
        self.teams = [Team(self.env, i, a, {fmt[f] for f in a.formats}, horizon, ordered)
                      for i, a in enumerate(scenario.agencies)]
        owner = {c: t for t in self.teams for c in t.spec.channels}
        bound = [owner[c] for c in scenario.channel_names]
        self.stages = [ReviewStage(self.env, s, horizon, ordered)
                       for s in scenario.approvals.stages]
        value = np.array([c.value_per_conversion * c.max_daily_conversions
                          for c in scenario.channels])
        a = scenario.approvals
        self.ops = ContentOps(
            self.env, self.requests, teams=self.teams, bound=bound, stages=self.stages,
            library=AssetLibrary(np.array(scenario.formats.compatibility, dtype=float)),
            findability=scenario.library.findability.model_dump(),
            revision_work=a.revision_work_fraction, revision_cost=a.revision_cost_fraction,
            value_weight=value / value.max() if value.max() > 0 else value,
            practices=practices_for(scenario, levers, self.teams, bound),
            coordinated=coordinated_requests(scenario, levers, self.requests))
        self.daily = DailyLog.empty(scenario.horizon_days, len(scenario.channels))

    def generate_requests(self) -> Generator[simpy.Event, Any, None]:
        """Release each pre-drawn request at its arrival time; it starts at once."""
        env = self.env
        for i, t in enumerate(column(self.requests.arrival)):  # floats: a numpy clock is slow
            if t > env.now:
                yield env.timeout(t - env.now)
            start(self.ops.fulfil(i))

    def deliver_media(self, allocator: BudgetAllocator, schedule: AssetSchedule) -> None:
        """Each day: put approved assets live, pass due reports, spend, deliver, record.

        The allocator governs its share of the day's budget (growing over a platform's
        ramp-up); the annual plan spends the rest.
        """
        d, media = self.daily, self.media
        timer = report_timer_for(self.scenario, self.levers)
        governed = allocator_shares(self.scenario, self.levers)
        plan = np.array([c.plan_share for c in self.scenario.channels])
        for day in range(self.scenario.horizon_days):
            for channel, time in schedule.on(day):
                media.creatives.add(channel, time)
            for period in timer.due(day):
                days = np.asarray(period)
                allocator.observe(Report(days, d.spend[days], d.quality[days],
                                         d.conversions[days].sum(axis=0)))
            view = MarketView(*media.start_day(day))
            budget = float(self.budget[day])
            spend = plan * (budget * (1.0 - governed[day]))  # the plan's part, if any
            if governed[day] > 0.0:  # nothing to decide on a day the allocator governs nothing
                spend = spend + allocator.decide(day, budget * governed[day], view)
            out = media.deliver(spend, self.noise[day])
            d.spend[day], d.impressions[day], d.conversions[day] = (
                out.spend, out.impressions, out.conversions)
            d.revenue[day], d.quality[day], d.live_assets[day], d.wasted_spend[day] = (
                out.revenue, out.quality, out.live_assets, out.wasted_spend)

    def run(self) -> RunRecords:
        """Run to the horizon and hand back the records."""
        self.env.process(self.generate_requests())
        self.env.run(until=float(self.scenario.horizon_days))
        schedule = AssetSchedule(self.ops.go_live)
        allocator = allocator_for(self.scenario, self.levers, self.media, self.streams,
                                  schedule)
        self.deliver_media(allocator, schedule)
        horizon = float(self.scenario.horizon_days)
        log = self.ops.rows.to_log(horizon)
        return RunRecords(
            self.requests, log, self.daily,
            np.array([t.busy for t in self.teams]),
            np.array([t.spec.capacity for t in self.teams], dtype=float),
            np.array([s.busy for s in self.stages]),
            np.array([s.spec.reviewers for s in self.stages], dtype=float),
            [t.spec.name for t in self.teams], [s.spec.name for s in self.stages],
            self.ops.steps.to_log(horizon, log.finish))
