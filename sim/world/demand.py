"""Content requests: exact non-homogeneous Poisson arrivals and their attributes.

Arrivals use time rescaling: unit-rate Poisson points on [0, Lambda(H)] are mapped through the
inverse of the cumulative rate Lambda(t), which is exact for any rate. Everything about a request
(channel, format, campaign, due date, its work content as uniforms) is drawn here, before the run,
so every setup sees the same requests, and changing a parameter warps the same underlying draws
(common random numbers across the cells of a sweep).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Demand, Scenario

# Uniforms drawn per request, by column.
U_CHANNEL, U_FORMAT, U_CAMPAIGN, U_DUE, U_COMPAT, U_FIND, U_WORK, U_ADOPT, U_HANDOFF = range(9)
N_FIXED_UNIFORMS = 9


def rate(demand: Demand, horizon: float, t: np.ndarray | float) -> np.ndarray:
    """Arrival rate (requests per day) at time ``t``."""
    t = np.asarray(t, dtype=float)
    r0, g = demand.base_rate, demand.growth
    if demand.shape == "linear":
        return r0 * (1.0 + (g - 1.0) * t / horizon)
    if demand.shape == "exponential":
        return r0 * g ** (t / horizon)
    step = demand.step_day if demand.step_day is not None else horizon / 2
    return np.where(t < step, r0, r0 * g)


def cumulative_rate(demand: Demand, horizon: float, t: np.ndarray | float) -> np.ndarray:
    """Expected number of arrivals in [0, t]: the integral of :func:`rate`."""
    t = np.asarray(t, dtype=float)
    r0, g = demand.base_rate, demand.growth
    if demand.shape == "linear":
        return r0 * (t + (g - 1.0) * t**2 / (2.0 * horizon))
    if demand.shape == "exponential":
        if math.isclose(g, 1.0):
            return r0 * t
        k = math.log(g) / horizon
        return r0 * np.expm1(k * t) / k
    step = demand.step_day if demand.step_day is not None else horizon / 2
    return np.where(t < step, r0 * t, r0 * step + r0 * g * (t - step))


def inverse_cumulative_rate(demand: Demand, horizon: float, y: np.ndarray) -> np.ndarray:
    """The time at which :func:`cumulative_rate` reaches ``y`` (closed form for every shape)."""
    r0, g = demand.base_rate, demand.growth
    if demand.shape == "linear":
        if math.isclose(g, 1.0):
            return y / r0
        a = (g - 1.0) / (2.0 * horizon)  # a t^2 + t - y / r0 = 0
        return 2.0 * (y / r0) / (1.0 + np.sqrt(1.0 + 4.0 * a * y / r0))
    if demand.shape == "exponential":
        if math.isclose(g, 1.0):
            return y / r0
        k = math.log(g) / horizon
        return np.log1p(k * y / r0) / k
    step = demand.step_day if demand.step_day is not None else horizon / 2
    y_step = r0 * step
    return np.where(y < y_step, y / r0, step + (y - y_step) / (r0 * g))


@dataclass(frozen=True)
class Requests:
    """All requests of one replication, as arrays indexed by request id."""

    arrival: np.ndarray  # day
    channel: np.ndarray  # channel index
    format: np.ndarray  # format index
    campaign: np.ndarray  # campaign id
    due: np.ndarray  # day
    uniforms: np.ndarray  # (n, N_FIXED_UNIFORMS) draws for decisions made later
    review_uniforms: np.ndarray  # (n, stages, max_revisions + 1, 2): review time, revision

    def __len__(self) -> int:
        return len(self.arrival)


def unit_poisson_points(rng: np.random.Generator, total: float) -> np.ndarray:
    """Points of a unit-rate Poisson process on [0, total], a prefix-stable sequence."""
    chunks: list[np.ndarray] = []
    last = 0.0
    size = max(16, int(total * 1.1) + 16)
    while last <= total:
        c = last + np.cumsum(rng.exponential(1.0, size))
        chunks.append(c)
        last = float(c[-1])
    pts = np.concatenate(chunks)
    return pts[pts <= total]


def draw_requests(scenario: Scenario, arrivals_rng: np.random.Generator,
                  attributes_rng: np.random.Generator) -> Requests:
    """Draw every request of one replication before the run starts."""
    d, horizon = scenario.demand, float(scenario.horizon_days)
    total = float(cumulative_rate(d, horizon, horizon))
    arrival = inverse_cumulative_rate(d, horizon, unit_poisson_points(arrivals_rng, total))
    arrival = np.minimum(arrival, horizon)
    n = len(arrival)
    stages = len(scenario.approvals.stages)
    rounds = scenario.approvals.max_revisions_per_stage + 1
    width = N_FIXED_UNIFORMS + stages * rounds * 2
    u = attributes_rng.random((n, width))  # row i is the same whatever n is
    fixed = u[:, :N_FIXED_UNIFORMS]
    review = u[:, N_FIXED_UNIFORMS:].reshape(n, stages, rounds, 2)

    names = scenario.channel_names
    mix = np.array([d.channel_mix.get(c, 0.0) for c in names], dtype=float)
    channel = np.minimum(np.searchsorted(np.cumsum(mix) / mix.sum(), fixed[:, U_CHANNEL],
                                         side="right"), len(names) - 1)
    fmt_index = {f: i for i, f in enumerate(scenario.formats.names)}
    fmt = np.empty(n, dtype=np.int64)
    for ci, ch in enumerate(scenario.channels):
        rows = channel == ci
        w = np.array(ch.format_weights or [1.0] * len(ch.formats), dtype=float)
        pick = np.minimum(np.searchsorted(np.cumsum(w) / w.sum(), fixed[rows, U_FORMAT],
                                          side="right"), len(w) - 1)
        fmt[rows] = np.array([fmt_index[f] for f in ch.formats])[pick]
    wave = np.floor(arrival / d.campaign_days).astype(np.int64)
    slot = np.minimum((fixed[:, U_CAMPAIGN] * d.campaigns_per_wave).astype(np.int64),
                      d.campaigns_per_wave - 1)
    campaign = wave * d.campaigns_per_wave + slot
    due = arrival + d.due_days.ppf(fixed[:, U_DUE])
    return Requests(arrival, channel.astype(np.int64), fmt, campaign, due, fixed, review)
