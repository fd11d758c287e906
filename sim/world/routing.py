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


class FastestRouting:
    """Any capable team, the one with the earliest expected completion."""

    def __init__(self, teams: list[Team]):
        self.teams = teams

    def choose(self, channel: int, fmt: int, reused: bool, handoff_factor: float) -> Team:
        """The capable team with the smallest expected hand-off + wait + work time."""
        best, best_time = None, np.inf
        for team in self.teams:
            if fmt not in team.formats:
                continue
            t = team.expected_completion(reused, handoff_factor)
            if t < best_time:
                best, best_time = team, t
        assert best is not None, "validated: the bound team can produce every channel format"
        return best


def fifo_priority(due: float, value_weight: float) -> float:
    """First in, first out: every request has the same priority."""
    return 0.0


def due_value_priority(due: float, value_weight: float) -> float:
    """Earliest due first, with valuable channels' work treated as due up to a week earlier."""
    return due - URGENCY_DAYS * value_weight
