"""Which policy each lever of a setup picks: every such choice of the world, in one place.

A setup is a set of levers (:class:`~sim.scenario.setups.Levers`); the world asks this module
for the allocator, the data feed, the AI coverage and the way content work is run, and never
looks at a lever itself.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import Scenario
from sim.scenario.setups import Levers
from sim.world import demand as dm
from sim.world.allocators import BudgetAllocator, LearnerAllocator, PlanAllocator
from sim.world.media import Media, fatigue_quality, saturation
from sim.world.oracle import AssetSchedule, OracleAllocator
from sim.world.production import Practice
from sim.world.reports import ReportTimer
from sim.world.routing import BoundRouting, PooledRouting, due_value_priority, fifo_priority
from sim.world.streams import Streams
from sim.world.teams import Team


def ai_efficiency(scenario: Scenario, levers: Levers) -> np.ndarray:
    """Conversion multiplier per channel from the setup's AI coverage (``ai_channels``)."""
    names = scenario.channel_names
    a = scenario.allocator
    if levers.ai_channels == "all":
        on = np.ones(len(names), dtype=bool)
    elif levers.ai_channels == "pilot":
        on = np.array([c in a.ai_pilot_channels for c in names])
    else:
        on = np.zeros(len(names), dtype=bool)
    return np.where(on, a.ai_efficiency, 1.0)


def allocator_for(scenario: Scenario, levers: Levers, media: Media, streams: Streams,
                  schedule: AssetSchedule) -> BudgetAllocator:
    """The budget allocator the setup's ``allocation`` lever names.

    Only the oracle is given the true curves and the schedule of assets going live.
    """
    if levers.allocation == "learner":
        # the learner is told only what an operator knows: never the response curves
        return LearnerAllocator(
            scenario.allocator,
            value=np.array([c.value_per_conversion for c in scenario.channels]),
            plan=np.array([c.plan_share for c in scenario.channels]),
            daily_budget=scenario.budget.daily_amount, rng=streams.get("allocator"))
    if levers.allocation == "oracle":
        return OracleAllocator(scenario, media, schedule)
    return PlanAllocator(scenario)


def ramp(scenario: Scenario, levers: Levers) -> float:
    """Days over which what the platform brings takes effect (0: on from day 0)."""
    return scenario.platform.ramp_up_days if levers.platform else 0.0


def allocator_shares(scenario: Scenario, levers: Levers) -> np.ndarray:
    """Share of each day's budget the allocator governs; the annual plan spends the rest.

    The learner runs on the platform, so it governs ``day / ramp_up_days`` of the budget during
    the ramp-up. The plan needs no platform, and neither does the oracle: it is the yardstick
    for budget allocation, so it governs the whole budget from day 0.
    """
    days = np.arange(scenario.horizon_days, dtype=float)
    ramp_days = ramp(scenario, levers)
    if levers.allocation != "learner" or ramp_days <= 0:
        return np.ones_like(days)
    with np.errstate(over="ignore"):  # a ramp of a split second: every share is 1
        return np.minimum(1.0, days / ramp_days)


def report_timer_for(scenario: Scenario, levers: Levers) -> ReportTimer:
    """When reports reach the allocator, as the setup's ``data`` lever says.

    Unified data comes with the platform: during its ramp-up the agencies' (siloed) reports
    carry on, and report periods starting after it follow the unified feed.
    """
    feeds = scenario.allocator.data
    if levers.data == "unified":
        return ReportTimer(feeds.siloed, feeds.unified, ramp(scenario, levers))
    return ReportTimer(feeds.siloed)


def prioritised(levers: Levers) -> bool:
    """Whether queues are ordered by value and due date (coordinated routing) or first come."""
    return levers.routing == "pooled"


def day_values(scenario: Scenario) -> list[float]:
    """What getting a fresh asset live one day earlier is worth, per channel, in currency.

    Conversions are proportional to a channel's mean creative quality over its live assets. A
    fresh asset (quality 1) replaces the most worn one, so one day earlier lifts that day's mean
    quality by ``(1 - q_worn) / live``, worth as much of the channel's plan revenue per day at
    full quality, ``value_per_conversion x max_daily_conversions x hill(a)`` with ``a`` the
    steady-state adstocked plan spend ``plan_share x daily budget / (1 - adstock_alpha)``.

    In steady state the channel receives ``r`` fresh assets a day (its share of the mean request
    rate over the horizon), so each asset ends its life having shared the plan impressions ``I``
    per day with the others for ``I / r`` impressions: ``q_worn`` is the fatigue quality after
    ``I / r``, and ``live = min(max_live_assets, r x asset_lifetime_days)``, at least one. With
    slow turnover this tends to ``(1 - quality_min) / max_live_assets``. It is what a planner's
    response model says a day is worth; ``platform.delay_value_factor`` scales it (0: price only).
    """
    horizon, lib = float(scenario.horizon_days), scenario.library
    requests = float(dm.cumulative_rate(scenario.demand, horizon, horizon)) / horizon
    mix = scenario.demand.channel_mix
    values = []
    for c in scenario.channels:
        spend = c.plan_share * scenario.budget.daily_amount
        revenue = c.value_per_conversion * c.max_daily_conversions * float(
            saturation(spend / (1.0 - c.adstock_alpha), c.hill_k, c.hill_shape,
                       np.asarray(c.saturation == "logistic")))
        fresh = requests * mix.get(c.name, 0.0) / sum(mix.values())  # assets per day
        worn = c.quality_min if fresh == 0 else float(fatigue_quality(
            np.asarray(spend / c.cpm * 1000.0 / fresh), c.fatigue_impressions, c.quality_min))
        live = lib.max_live_assets if lib.asset_lifetime_days is None else min(
            lib.max_live_assets, max(1.0, fresh * lib.asset_lifetime_days))
        values.append(scenario.platform.delay_value_factor * revenue * (1.0 - worn) / live)
    return values


def practices_for(scenario: Scenario, levers: Levers, teams: list[Team],
                  bound: list[Team]) -> tuple[Practice, Practice]:
    """How content work is run (siloed, coordinated) for the setup's content levers.

    The siloed practice is the pilot's; the coordinated one applies the setup's ``library``,
    ``routing`` and ``handoffs`` levers to the requests the platform has taken on.
    """
    siloed = Practice(False, BoundRouting(bound), 1.0, fifo_priority)
    coordinated = Practice(
        shared_library=levers.library == "shared",
        routing=(PooledRouting(teams, bound, day_values(scenario))
                 if levers.routing == "pooled" else siloed.routing),
        handoff_factor=(scenario.platform.handoff_factor
                        if levers.handoffs == "shared_briefs" else 1.0),
        priority=due_value_priority if prioritised(levers) else fifo_priority,
    )
    return siloed, coordinated


def coordinated_requests(scenario: Scenario, levers: Levers, requests: dm.Requests) -> np.ndarray:
    """Whether each request is handled the coordinated way (the platform has taken it on).

    With the ``platform`` lever on, content work migrates onto the platform linearly over the
    ramp-up: a request arriving at day t is handled the coordinated way with probability
    ``t / ramp_up_days`` (drawn from its own uniform, so common across setups).
    """
    ramp_days = ramp(scenario, levers)
    if ramp_days <= 0:
        return np.ones(len(requests), dtype=bool)
    with np.errstate(over="ignore"):  # a ramp of a split second: every share is 1
        share = np.minimum(1.0, requests.arrival / ramp_days)
    return requests.uniforms[:, dm.U_ADOPT] < share


__all__ = ["ai_efficiency", "allocator_for", "allocator_shares", "coordinated_requests",
           "day_values", "practices_for", "prioritised", "ramp", "report_timer_for"]
