"""Content production: teams, hand-offs, approval stages and revision loops (SimPy processes).

A request's life: decide reuse, pick a team, brief it (hand-off), wait for a free person, produce
or adapt, then pass each approval stage, where a review can send it back for a revision (another
hand-off and another round of work). When approved, the asset is filed in the library and its
go-live is recorded: media never feeds back into content work, so the world runs all content
first and then the days of media, with the assets going live on schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.scenario.schema import Stage
from sim.world import demand as dm
from sim.world import steps as st
from sim.world.library import AssetLibrary, is_reused
from sim.world.records import RequestRows, column
from sim.world.teams import ReviewStage, Team

if TYPE_CHECKING:
    from sim.world.routing import Routing


@dataclass(frozen=True)
class Practice:
    """How content work is run for one request: the levers that apply to it."""

    shared_library: bool
    routing: Routing
    handoff_factor: float
    priority: Callable[[float, float], float]


class WorkContent:
    """Every request's durations for every team and stage, computed once, vectorised.

    The uniforms were drawn at arrival; turning them into days here, outside the event loop,
    keeps the loop free of numpy and scipy calls. Review rounds are flat: request ``i``'s rounds
    are at ``i * rounds`` onwards.
    """

    def __init__(self, requests: dm.Requests, teams: list[Team], stages: list[Stage]):
        u = requests.uniforms
        self.new = [column(t.spec.production_time.ppf(u[:, dm.U_WORK])) for t in teams]
        self.adapt = [column(t.spec.adaptation_time.ppf(u[:, dm.U_WORK])) for t in teams]
        self.handoff = [column(t.spec.handoff.ppf(u[:, dm.U_HANDOFF])) for t in teams]
        rv = requests.review_uniforms
        self.rounds = rv.shape[2]
        self.review = [column(s.review_time.ppf(rv[:, k, :, 0])) for k, s in enumerate(stages)]
        self.sent_back = [column(rv[:, k, :, 1] < s.revision_probability)
                          for k, s in enumerate(stages)]


class ContentOps:
    """Runs every request through reuse, production and approvals."""

    def __init__(self, env: simpy.Environment, requests: dm.Requests, *, teams: list[Team],
                 bound: list[Team], stages: list[ReviewStage], library: AssetLibrary,
                 findability: dict[str, float], revision_work: float,
                 revision_cost: float, value_weight: np.ndarray,
                 practices: tuple[Practice, Practice], coordinated: np.ndarray):
        self.env, self.teams, self.bound = env, teams, bound
        self.stages, self.library = stages, library
        self.findability = findability
        self.revision_work, self.revision_cost = revision_work, revision_cost
        self.practices = practices  # (siloed, coordinated)
        self.coordinated = column(coordinated)  # per request: 1 if handled the coordinated way
        self.content = WorkContent(requests, teams, [st.spec for st in stages])
        self.channel = column(requests.channel)
        self.format = column(requests.format)
        self.campaign = column(requests.campaign)
        self.due = column(requests.due)
        self.u_compat = column(requests.uniforms[:, dm.U_COMPAT])
        self.u_find = column(requests.uniforms[:, dm.U_FIND])
        self.value_weight = value_weight.tolist()
        self.rows = RequestRows(len(requests))
        self.steps = st.StepRows()
        self.go_live: list[tuple[float, int]] = []  # (time, channel) of each approved asset

    def work(self, i: int, team: Team, duration: float, expected: float, priority: float,
             handoff: float, cost: float, revision: bool) -> Generator[simpy.Event, Any, None]:
        """One round of work on request ``i``; its cost accrues as the work is done.

        Its steps are recorded: hand-off (only if it takes time), wait for a person, work; a
        revision round records them as ``revision_handoff``, ``wait_revision``, ``revision``.
        """
        rows, steps, env, r = self.rows, self.steps, self.env, team.index
        brief, wait, do = ((st.REVISION_HANDOFF, st.WAIT_REVISION, st.REVISION) if revision
                           else (st.HANDOFF, st.WAIT_TEAM, st.WORK))
        if handoff > 0:
            steps.begin(i, brief, r, env.now)
            yield env.timeout(handoff)
        steps.begin(i, wait, r, env.now)
        turn = team.join_queue(expected, priority)
        if turn is not None:
            yield turn
        now = env.now
        rows.round_start[i], rows.round_days[i], rows.round_cost[i] = now, duration, cost
        steps.begin(i, do, r, now)
        yield team.start(duration)
        team.finish(expected)
        rows.cost[i] += cost
        rows.round_cost[i] = 0.0

    def review(self, i: int, s: int, duration: float,
               priority: float) -> Generator[simpy.Event, Any, None]:
        """Request ``i`` waits for a reviewer of stage ``s`` and is reviewed (both recorded)."""
        steps, env, stage = self.steps, self.env, self.stages[s]
        r = len(self.teams) + s
        steps.begin(i, st.WAIT_REVIEW, r, env.now)
        turn = stage.join_queue(priority)
        if turn is not None:
            yield turn
        steps.begin(i, st.REVIEW, r, env.now)
        yield stage.start(duration)
        stage.finish()

    def fulfil(self, i: int) -> Generator[simpy.Event, Any, None]:
        """The whole life of request ``i`` (a SimPy process)."""
        rows, content = self.rows, self.content
        channel, fmt, campaign = self.channel[i], self.format[i], self.campaign[i]
        how = self.practices[self.coordinated[i]]
        silo = self.bound[channel].index  # the channel's folder in a siloed library
        kind = "shared" if how.shared_library else "siloed"
        best = self.library.best_compatibility(campaign, fmt, None if how.shared_library else silo)
        reused = is_reused(best, self.findability[kind], self.u_compat[i], self.u_find[i])
        team = how.routing.choose(channel, fmt, reused, how.handoff_factor)
        spec, t = team.spec, team.index
        mean = (spec.adaptation_time if reused else spec.production_time).mean
        work = (content.adapt if reused else content.new)[t][i]
        base_cost = spec.cost_adaptation if reused else spec.cost_new
        handoff = content.handoff[t][i] * how.handoff_factor
        priority = how.priority(self.due[i], self.value_weight[channel])
        rows.reused[i], rows.team[i], rows.work[i] = reused, t, work

        yield from self.work(i, team, work, mean, priority, handoff, base_cost, False)
        first = i * content.rounds
        last = first + content.rounds - 1
        for s in range(len(self.stages)):
            review, sent_back = content.review[s], content.sent_back[s]
            for k in range(first, last + 1):
                yield from self.review(i, s, review[k], priority)
                if not sent_back[k] or k == last:
                    break
                rows.revisions[i] += 1
                extra = work * self.revision_work
                rows.work[i] += extra
                yield from self.work(i, team, extra, mean * self.revision_work, priority,
                                     handoff, base_cost * self.revision_cost, True)
        rows.finish[i] = self.env.now
        self.library.add(campaign, fmt, silo)  # filed where its channel searches
        self.go_live.append((self.env.now, channel))
