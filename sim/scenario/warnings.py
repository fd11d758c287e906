"""Valid but suspicious scenarios: settings that load and run, but probably not as meant.

Each check returns ``(field path, message)`` pairs. They are warnings, not problems: the scenario
is valid and every command still runs it (exit code unchanged); the command line prints them on
stderr as ``warning: <file>: <field>: <message>``, one line each.

The load estimates are at day 0 (the base rate, before demand grows) and ignore reuse, which
lowers the work: a team or stage whose offered load already reaches its capacity then can only
fall further behind as demand grows.
"""

from __future__ import annotations

from sim.scenario.schema import Scenario, Stage

Notice = tuple[str, str]

PILOT = "pilot"


def scenario_warnings(scenario: Scenario) -> list[Notice]:
    """Every warning of a scenario, in a stable order."""
    return [
        *pilot_without_ai(scenario),
        *channels_without_demand(scenario),
        *saturated_teams(scenario),
        *saturated_stages(scenario),
    ]


def pilot_without_ai(scenario: Scenario) -> list[Notice]:
    """The pilot setup runs, but no channel has an AI pilot: it is then plain silos."""
    if PILOT not in scenario.setup_names or scenario.allocator.ai_pilot_channels:
        return []
    return [("allocator.ai_pilot_channels",
             "empty while the setups include pilot: the pilot runs no AI on any channel")]


def channels_without_demand(scenario: Scenario) -> list[Notice]:
    """A channel missing from the request mix never gets fresh assets (its own go stale)."""
    mix = scenario.demand.channel_mix
    return [("demand.channel_mix", f"channel {name!r} is missing: it never gets fresh assets")
            for name in scenario.channel_names if name not in mix]


def request_rates(scenario: Scenario) -> dict[str, float]:
    """Requests per day at day 0 for each channel: the base rate split by the channel mix."""
    mix = scenario.demand.channel_mix
    total = sum(mix.values())
    return {name: scenario.demand.base_rate * share / total for name, share in mix.items()}


def saturated_teams(scenario: Scenario) -> list[Notice]:
    """A team whose bound channels already offer it as much work as it has people on day 0.

    Offered person-days per day: the requests per day of its bound channels times the team's
    mean production time (every request made new, as in the pilot's silos).
    """
    rates = request_rates(scenario)
    found: list[Notice] = []
    for i, team in enumerate(scenario.agencies):
        rate = sum(rates.get(c, 0.0) for c in team.channels)
        offered = rate * team.production_time.mean
        if rate > 0 and offered >= team.capacity:
            found.append((f"agencies.{i}.capacity",
                          f"team {team.name!r} is saturated on day 0: offered load "
                          f"{offered:.2f} person-days per day at the base rate "
                          f"(channels {', '.join(team.channels)}) >= capacity {team.capacity}"))
    return found


def expected_reviews(stage: Stage, max_revisions: int) -> float:
    """Mean reviews of one asset at a stage: 1 + expected revisions (p + p^2 + ... + p^max)."""
    p = stage.revision_probability
    return 1.0 + sum(p ** k for k in range(1, max_revisions + 1))


def saturated_stages(scenario: Scenario) -> list[Notice]:
    """An approval stage whose reviewers are already fully loaded on day 0.

    Offered reviewer-days per day: every request reaches every stage, at the base rate, times
    the mean review time times the expected number of reviews (revisions come back).
    """
    approvals = scenario.approvals
    found: list[Notice] = []
    for i, stage in enumerate(approvals.stages):
        reviews = expected_reviews(stage, approvals.max_revisions_per_stage)
        offered = scenario.demand.base_rate * stage.review_time.mean * reviews
        if offered >= stage.reviewers:
            found.append((f"approvals.stages.{i}.reviewers",
                          f"stage {stage.name!r} is saturated on day 0: offered load "
                          f"{offered:.2f} reviewer-days per day at the base rate "
                          f">= reviewers {stage.reviewers}"))
    return found


__all__ = ["scenario_warnings"]
