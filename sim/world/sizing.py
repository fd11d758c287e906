"""How much memory one run of a scenario needs, estimated before anything runs.

A valid scenario can still ask for more than a machine has (``demand.base_rate: 100000`` means
about 70 million requests a year): without this check it would allocate for minutes and die of
``MemoryError``. The estimate counts the arrays a run keeps per request (its uniforms, work
content, log and steps, and its rows in the tables) and per day and channel or resource, times
a margin for the copies made while the tables are built, plus the libraries' own memory
(measured before steps were recorded: a baseline pilot run peaks at ~250 MB resident, one at
50x its demand at ~660 MB, about 2.9 kB more per request); it is checked against a limit the
user can raise.
"""

from __future__ import annotations

import math

from sim.scenario.problems import Problem, ScenarioError
from sim.scenario.schema import Scenario
from sim.world.demand import N_FIXED_UNIFORMS, cumulative_rate

DEFAULT_LIMIT_GIB = 4.0
GIB = 2.0**30
BASE_BYTES = 300 * 2.0**20  # the interpreter with numpy, pandas, scipy and matplotlib loaded
REQUEST_TABLE_BYTES = 200  # one row of requests.parquet's columns in a DataFrame
DAY_TABLE_BYTES = 200  # one (day, channel) row of daily.parquet's columns
STEP_BYTES = 100  # one step of a request: its record, its log entry and its steps.parquet row
RESOURCE_DAY_BYTES = 80  # one (day, team or stage) row of resources.parquet's columns
COPY_MARGIN = 3.0  # records, their tables, and the copies made to write and plot them


def expected_requests(scenario: Scenario) -> float:
    """Expected number of content requests over the horizon (the NHPP's integrated rate)."""
    horizon = float(scenario.horizon_days)
    return float(cumulative_rate(scenario.demand, horizon, horizon))


def expected_steps(scenario: Scenario) -> float:
    """Expected steps recorded per request (an upper bound: in-house work has no hand-off).

    Hand-off, wait and work, then per stage each review's wait and review, and each revision's
    hand-off, wait and work (revisions capped per stage).
    """
    a = scenario.approvals
    steps = 3.0
    for stage in a.stages:
        revisions = sum(stage.revision_probability ** k
                        for k in range(1, a.max_revisions_per_stage + 1))
        steps += 2.0 * (1.0 + revisions) + 3.0 * revisions
    return steps


def run_bytes(scenario: Scenario) -> float:
    """Estimated peak memory of one run, in bytes (requests at their mean plus 6 sd)."""
    mean = expected_requests(scenario)
    requests = mean + 6.0 * math.sqrt(mean)
    stages = len(scenario.approvals.stages)
    rounds = scenario.approvals.max_revisions_per_stage + 1
    teams = len(scenario.agencies)
    floats = (N_FIXED_UNIFORMS + stages * rounds * 2  # uniforms drawn at arrival
              + 3 * teams + 2 * stages * rounds  # work content per team and stage
              + 6 + 6)  # request attributes and the run's log
    per_request = 8 * floats + REQUEST_TABLE_BYTES + STEP_BYTES * expected_steps(scenario)
    per_day = DAY_TABLE_BYTES * len(scenario.channels) + RESOURCE_DAY_BYTES * (teams + stages)
    return BASE_BYTES + COPY_MARGIN * (requests * per_request + scenario.horizon_days * per_day)


def check_memory(scenario: Scenario, limit_gib: float | None = None,
                 file: str | None = None) -> None:
    """Raise :class:`ScenarioError` naming ``demand.base_rate`` if a run would exceed the limit."""
    limit = DEFAULT_LIMIT_GIB if limit_gib is None else limit_gib
    need = run_bytes(scenario) / GIB
    if need > limit:
        rule = (f"one run would need about {need:,.1f} GiB of memory for about "
                f"{expected_requests(scenario):,.0f} requests over {scenario.horizon_days} days "
                f"(limit {limit:g} GiB; raise it with --max-memory)")
        raise ScenarioError([Problem("demand.base_rate", rule, scenario.demand.base_rate, file)])
