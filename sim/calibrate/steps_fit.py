"""Team and approval-stage parameters from a per-step log.

Only the time a step takes counts, never the waiting before it: a team's production (or
adaptation) time is the length of its ``work`` steps on new (or reused) requests, its hand-off
the length of its ``handoff`` steps (a first-round briefing; a revision's briefing repeats it),
a stage's review time the length of its ``review`` steps. A step still under way when the log
ends (the last step of an undelivered request) is right-censored. Each review is a Bernoulli
trial for its stage's revision probability: sent back when the request's next step is a
revision round, approved otherwise; the review after ``max_revisions`` revisions at a stage
approves anyway and is no trial.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.calibrate.fitting import DurationFit, Estimate, fit_duration, proportion

REVISION_STEPS = ("revision_handoff", "wait_revision", "revision")
STAGE_STEPS = ("wait_review", "review")


@dataclass(frozen=True)
class TeamFit:
    """One team's fitted time distributions (None where the log has too few steps)."""

    name: str
    production: DurationFit | None
    adaptation: DurationFit | None
    handoff: DurationFit | None
    handoffs: int  # hand-off steps seen (0: the team is briefed at once)


@dataclass(frozen=True)
class StageFit:
    """One approval stage's review time and revision probability."""

    name: str
    review: DurationFit | None
    revision: Estimate
    trials: int


def ordered_steps(steps: pd.DataFrame, requests: pd.DataFrame) -> pd.DataFrame:
    """Steps in each request's order, with ``days``, ``censored`` and the ``next`` step kind."""
    s = steps.sort_values(["request_id", "start", "end"], kind="stable").reset_index(drop=True)
    same = s["request_id"].shift(-1) == s["request_id"]
    s["next"] = s["step"].shift(-1).where(same, "")
    delivered = requests.set_index("request_id")["delivered"]
    open_request = delivered.reindex(s["request_id"]).isna().to_numpy()
    s["censored"] = ~same.to_numpy() & open_request
    s["days"] = s["end"] - s["start"]
    s["reused"] = requests.set_index("request_id")["reused"].reindex(s["request_id"]).to_numpy()
    return s


def _fit(rows: pd.DataFrame) -> DurationFit | None:
    return fit_duration(rows["days"].to_numpy(), rows["censored"].to_numpy())


def team_fits(s: pd.DataFrame) -> list[TeamFit]:
    """Production, adaptation and hand-off fits per team (resources of team steps)."""
    teams = s[~s["step"].isin(STAGE_STEPS)]
    out = []
    for name in dict.fromkeys(teams["resource"]):
        here = teams[teams["resource"] == name]
        work = here[here["step"] == "work"]
        brief = here[here["step"] == "handoff"]
        out.append(TeamFit(name, _fit(work[~work["reused"].astype(bool)]),
                           _fit(work[work["reused"].astype(bool)]), _fit(brief), len(brief)))
    return out


def stage_fits(s: pd.DataFrame, max_revisions: int) -> list[StageFit]:
    """Review time and revision probability per stage (resources of review steps)."""
    reviews = s[s["step"] == "review"].copy()
    reviews["round"] = reviews.groupby(["request_id", "resource"]).cumcount()
    out = []
    for name in dict.fromkeys(reviews["resource"]):
        here = reviews[reviews["resource"] == name]
        trial = here[(here["round"] < max_revisions) & ~here["censored"]]
        sent = int(trial["next"].isin(REVISION_STEPS).sum())
        out.append(StageFit(str(name).removeprefix("stage:"), _fit(here),
                            proportion(sent, len(trial)), len(trial)))
    return out


def revision_work_fraction(s: pd.DataFrame) -> Estimate | None:
    """Mean length of an ended revision round over its request's first work step."""
    first = s[s["step"] == "work"].groupby("request_id")["days"].first()
    rev = s[(s["step"] == "revision") & ~s["censored"]]
    ratio = (rev["days"].to_numpy() / first.reindex(rev["request_id"]).to_numpy())
    ratio = ratio[np.isfinite(ratio) & (ratio > 0)]
    if len(ratio) < 3:
        return None
    mean = float(ratio.mean())
    half = float(stats.t.ppf(0.975, len(ratio) - 1)) * float(ratio.std(ddof=1)) / len(ratio)**0.5
    return Estimate(mean, mean - half, mean + half)
