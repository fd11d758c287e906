"""Where the time goes: a run's step records as the ``steps`` and ``resources`` tables.

``steps`` has one row per step of a request's life (hand-off, wait, work, review, revision
rounds); ``resources`` has one row per day and team or approval stage, with its busy time and
queue. Both are built once, after the run, from :class:`sim.world.steps.StepLog`, as are the
per-resource summary columns and ``admin_share``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.scenario.schema import Scenario
from sim.tables.columns import constant_label
from sim.world import steps as st
from sim.world.records import RunRecords

UTILIZATION, WAIT_MEAN = "utilization_", "wait_mean_"
RESOURCE_METRIC_PREFIXES: tuple[str, ...] = (UTILIZATION, WAIT_MEAN)
"""How the per-resource summary columns begin (the rest of the name is the team or stage)."""


def resource_names(rec: RunRecords) -> list[str]:
    """Teams, then stages; a stage named like a team is called ``stage:<name>``."""
    return named_resources(rec.team_names, rec.stage_names)


def scenario_resources(scenario: Scenario) -> list[str]:
    """The resource names a run of ``scenario`` reports on (its agencies, then its stages)."""
    return named_resources([a.name for a in scenario.agencies],
                           [s.name for s in scenario.approvals.stages])


def resource_metrics(scenario: Scenario) -> list[str]:
    """The per-resource summary columns of ``scenario``'s runs: utilisation, then mean wait."""
    names = scenario_resources(scenario)
    return [f"{prefix}{n}" for prefix in RESOURCE_METRIC_PREFIXES for n in names]


def named_resources(teams: list[str], stages: list[str]) -> list[str]:
    """Teams, then stages; a stage named like a team is called ``stage:<name>``."""
    return list(teams) + [f"stage:{s}" if s in teams else s for s in stages]


def steps_table(setup: str, replication: int, rec: RunRecords) -> pd.DataFrame:
    """One row per step of a request; a step under way at the horizon ends at the horizon."""
    s = rec.steps
    names = resource_names(rec)
    return pd.DataFrame({
        "setup": constant_label(setup, len(s.request)),
        "replication": replication,
        "request_id": s.request.astype(np.int32),
        "step": pd.Categorical.from_codes(s.kind.astype(np.int64),
                                          dtype=pd.CategoricalDtype(list(st.STEP_KINDS))),
        "resource": pd.Categorical.from_codes(s.resource.astype(np.int64),
                                              dtype=pd.CategoricalDtype(names)),
        "start": s.start,
        "end": s.end,
    })


def busy_by_day(rec: RunRecords, days: int) -> np.ndarray:
    """Person-days busy per (resource, day), from the work, revision and review steps.

    Each step is split exactly across the days it overlaps (a step cut by the horizon counts
    up to the horizon), so a resource's days add up to its busy total.
    """
    s = rec.steps
    n = len(rec.team_names) + len(rec.stage_names)
    busy = np.isin(s.kind, st.BUSY_KINDS)
    start, end, res = s.start[busy], s.end[busy], s.resource[busy].astype(np.int64)
    first = np.floor(start).astype(np.int64)
    span = int((np.ceil(end) - first).max(initial=0))
    out = np.zeros(n * days)
    for k in range(max(span, 1)):
        day = first + k
        overlap = np.clip(np.minimum(end, day + 1) - np.maximum(start, day), 0.0, None)
        ok = (day < days) & (overlap > 0)
        out += np.bincount(res[ok] * days + day[ok], weights=overlap[ok], minlength=n * days)
    return out.reshape(n, days)


def queue_by_day(rec: RunRecords, days: int) -> np.ndarray:
    """Requests waiting for a person or reviewer at each day's start, per (resource, day).

    A wait from ``start`` to ``end`` counts on every whole day ``d`` with start <= d < end: the
    queue is sampled at the instant each day begins (not averaged over the day).
    """
    s = rec.steps
    n = len(rec.team_names) + len(rec.stage_names)
    wait = np.isin(s.kind, st.WAIT_KINDS)
    res = s.resource[wait].astype(np.int64)
    low = np.ceil(s.start[wait]).astype(np.int64)
    high = np.minimum(np.ceil(s.end[wait]).astype(np.int64), days)
    ok = high > low
    width = days + 1
    delta = (np.bincount(res[ok] * width + low[ok], minlength=n * width)
             - np.bincount(res[ok] * width + high[ok], minlength=n * width))
    return np.cumsum(delta.reshape(n, width), axis=1)[:, :days]


def resources_table(scenario: Scenario, setup: str, replication: int, rec: RunRecords
                    ) -> pd.DataFrame:
    """One row per day and resource: busy person-days, capacity, queue at day start, busy share."""
    days = scenario.horizon_days
    names = resource_names(rec)
    n = len(names)
    capacity = np.concatenate([rec.team_capacity, rec.stage_capacity])
    busy = busy_by_day(rec, days)
    kinds = ["team"] * len(rec.team_names) + ["stage"] * len(rec.stage_names)
    return pd.DataFrame({
        "setup": constant_label(setup, days * n),
        "replication": replication,
        "day": np.tile(np.arange(days), n),
        "resource": pd.Categorical(np.repeat(names, days), categories=names),
        "kind": pd.Categorical(np.repeat(kinds, days), categories=["team", "stage"]),
        "busy": busy.ravel(),
        "capacity": np.repeat(capacity, days),
        "queue": queue_by_day(rec, days).ravel(),
        "utilization": (busy / capacity[:, None]).ravel(),
    })


def admin_share(rec: RunRecords) -> float:
    """Share of finished requests' total lead time spent on administration and approvals.

    Hand-offs, waits for and doing reviews, and every revision round (its hand-off, wait and
    work), summed over finished requests, over the sum of their lead times (finish - arrival).
    """
    done = ~np.isnan(rec.log.finish)
    lead = float((rec.log.finish[done] - rec.requests.arrival[done]).sum())
    s = rec.steps
    admin = done[s.request] & np.isin(s.kind, st.ADMIN_KINDS)
    return float((s.end[admin] - s.start[admin]).sum() / lead) if lead > 0 else math.nan


def resource_summary(rec: RunRecords, horizon: float) -> dict[str, float]:
    """Summary columns per team and approval stage (named after them, so not fixed).

    ``utilization_<resource>``: busy person-days / (capacity x horizon), as the pooled
    ``agency_utilization`` and ``reviewer_utilization`` are. ``wait_mean_<resource>``: mean days
    a request waited for a person (first round or revision) or a reviewer there, over the waits
    that ended within the horizon (NaN if none).
    """
    s = rec.steps
    busy = np.concatenate([rec.team_busy, rec.stage_busy])
    capacity = np.concatenate([rec.team_capacity, rec.stage_capacity])
    ended = np.isin(s.kind, st.WAIT_KINDS) & ~s.cut
    names = resource_names(rec)
    row = {f"{UTILIZATION}{name}": float(busy[r] / (capacity[r] * horizon))
           for r, name in enumerate(names)}
    for r, name in enumerate(names):
        here = ended & (s.resource == r)
        waits = s.end[here] - s.start[here]
        row[f"{WAIT_MEAN}{name}"] = float(waits.mean()) if len(waits) else math.nan
    return row


# -- reading the operations tables of a comparison ----------------------------------------------
SATURATED = 0.95
"""Weekly utilisation from which a resource counts as saturated (its queue grows)."""
SATURATED_WEEKS = 4
"""Consecutive saturated weeks that make a warning."""
_KEYS = ["setup", "replication", "request_id"]


def time_by_step(steps: pd.DataFrame, requests: pd.DataFrame) -> pd.DataFrame:
    """Mean days per finished request spent in each step kind, per setup (long table).

    Columns ``setup, step, days``; a setup's days add up to its finished requests' mean lead
    time, because a finished request's steps tile its lead time.
    """
    done = requests.loc[requests["finish"].notna(), _KEYS]
    finished = steps.merge(done, on=_KEYS, how="inner")
    days = (finished["end"] - finished["start"]).groupby(
        [finished["setup"], finished["step"]], observed=False, sort=False).sum()
    count = done.groupby("setup", sort=False).size()
    table = (days / count.reindex(days.index.get_level_values(0)).to_numpy()).rename("days")
    return table.reset_index()


def wait_shares(steps: pd.DataFrame) -> pd.DataFrame:
    """Share of all waiting (for a person or a reviewer) spent at each resource, per setup."""
    waits = steps[steps["step"].isin([st.STEP_KINDS[k] for k in st.WAIT_KINDS])]
    total = (waits["end"] - waits["start"]).groupby(
        [waits["setup"], waits["resource"]], observed=False, sort=False).sum()
    share = total / total.groupby(level=0, sort=False).transform("sum")
    return share.fillna(0.0).rename("wait_share").reset_index()


def weekly_utilization(resources: pd.DataFrame) -> pd.DataFrame:
    """Busy share and day-start queue per (setup, resource, week), mean over replications.

    A week's utilisation is its busy person-days over its capacity person-days; weeks are
    numbered from day 0 (``first_day`` = 7 x week).
    """
    week = (resources["day"] // 7).rename("week")
    keys = [resources["setup"], resources["resource"], week]
    per_rep = resources.groupby([*keys, resources["replication"]], observed=True, sort=False
                                ).agg(busy=("busy", "sum"), capacity=("capacity", "sum"),
                                      queue=("queue", "mean"))
    per_rep["utilization"] = per_rep["busy"] / per_rep["capacity"]
    table = per_rep.groupby(level=[0, 1, 2], observed=True, sort=False)[
        ["utilization", "queue"]].mean().reset_index()
    table["first_day"] = table["week"] * 7
    return table


def saturated_spells(weekly: pd.DataFrame, threshold: float = SATURATED,
                     min_weeks: int = SATURATED_WEEKS) -> pd.DataFrame:
    """Each resource's longest run of weeks at or above ``threshold``, if ``min_weeks`` or more.

    ``weekly`` is :func:`weekly_utilization`. Columns ``setup, resource, weeks, first_day,
    queue_start, queue_end`` (the mean day-start queue in the spell's first and last week).
    """
    rows = []
    for (setup, resource), part in weekly.groupby(["setup", "resource"], observed=True,
                                                  sort=False):
        part = part.sort_values("week")
        hot = (part["utilization"] >= threshold).to_numpy()
        best, end, run = 0, 0, 0
        for i, h in enumerate(hot):
            run = run + 1 if h else 0
            if run > best:
                best, end = run, i
        if best >= min_weeks:
            spell = part.iloc[end - best + 1:end + 1]
            rows.append({"setup": setup, "resource": resource, "weeks": best,
                         "first_day": int(spell["first_day"].iloc[0]),
                         "queue_start": float(spell["queue"].iloc[0]),
                         "queue_end": float(spell["queue"].iloc[-1])})
    return pd.DataFrame(rows, columns=["setup", "resource", "weeks", "first_day", "queue_start",
                                       "queue_end"])
