"""Routing of content work to teams, and the order of their queues.

Policies are small objects with one decision method, chosen by a setup's ``routing`` lever.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from sim.world.teams import Team

URGENCY_DAYS = 7.0  # how many days earlier the most valuable channel's work is treated as due


class Routing(Protocol):
    """Chooses the team that does a piece of work."""

    def choose(self, channel: int, fmt: int, reused: bool, handoff_factor: float) -> Team:
        """The team for this work."""
        ...


class BoundRouting:
    """Each channel's own agency, whatever its queue."""

    def __init__(self, bound: list[Team]):
        self.bound = bound  # team per channel

    def choose(self, channel: int, fmt: int, reused: bool, handoff_factor: float) -> Team:
        """The channel's bound team."""
        return self.bound[channel]


class PooledRouting:
    """Any capable team, the one with the lowest expected cost of getting the asset live.

    The cost of a team is its price for this work (``cost_new`` or ``cost_adaptation``) plus the
    channel's value of a day times the days the team is expected to take (hand-off, wait for a
    person, work: :meth:`Team.expected_completion`). Revision rounds are left out: they add the
    same fraction of price and of work whoever does the work. Ties go to the channel's bound team
    (then to the earlier completion), so routing changes nothing where teams do not differ.
    """

    def __init__(self, teams: list[Team], bound: list[Team], day_value: list[float]):
        self.teams, self.bound = teams, bound
        self.day_value = day_value  # value of one day earlier, per channel, in currency

    def choose(self, channel: int, fmt: int, reused: bool, handoff_factor: float) -> Team:
        """The capable team with the smallest price + value of a day x expected days."""
        value, home = self.day_value[channel], self.bound[channel]
        best, best_key = home, (np.inf, True, np.inf)
        for team in self.teams:
            if fmt not in team.formats:
                continue
            spec = team.spec
            days = team.expected_completion(reused, handoff_factor)
            price = spec.cost_adaptation if reused else spec.cost_new
            key = (price + value * days, team is not home, days)
            if key < best_key:
                best, best_key = team, key
        return best


def fifo_priority(due: float, value_weight: float) -> float:
    """First in, first out: every request has the same priority."""
    return 0.0


def due_value_priority(due: float, value_weight: float) -> float:
    """Earliest due first, with valuable channels' work treated as due up to a week earlier."""
    return due - URGENCY_DAYS * value_weight
