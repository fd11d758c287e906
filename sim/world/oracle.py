"""The oracle: the upper bound for budget allocation (MODEL.md, "Precisions").

It knows the true response curves and the creative quality it will see: the schedule of assets
going live (content work does not depend on media, so the schedule is known before the media
days run) and the fatigue its own spend will cause. It plans with adstock carry-over: spend
today also earns on later days, and nothing earns after the horizon. And it counts what spend
costs in fatigue: today's impressions wear out assets that later days would have shown.

Each day it solves a receding-horizon problem. A unit of spend on channel c today adds
``alpha_c^k`` to its adstock ``k`` days later, so its marginal value is
``sum_k alpha^k V q_k h'(a_k)`` over a window of days, where ``q_k`` is the channel's forecast
creative quality and ``a_k`` its adstock if today's spend were held. The per-channel value whose
derivative is that marginal is concave (for Hill shapes up to 1), so greedy water-filling on it
is optimal; the fatigue cost enters as a price per unit of spend, and synergy by re-linearising
around the last allocation.
"""

from __future__ import annotations

import math

import numpy as np

from sim.scenario.schema import Scenario
from sim.world.allocators import (
    MarketView,
    Report,
    SpendGrid,
    allocate,
    bounds,
    spend_grid,
    water_fill,
)
from sim.world.media import Media, saturation


class AssetSchedule:
    """When each approved asset goes live: the first media day at or after its approval."""

    def __init__(self, go_live: list[tuple[float, int]]):
        """``go_live``: (approval time, channel) of each asset, in approval order."""
        days = [math.ceil(t) for t, _ in go_live]
        self.by_day: list[list[tuple[int, float]]] = [[] for _ in range(max(days, default=-1) + 1)]
        for (time, channel), day in zip(go_live, days, strict=True):
            self.by_day[day].append((channel, time))

    def on(self, day: int) -> list[tuple[int, float]]:
        """(channel, approval time) of the assets going live on ``day``, in approval order."""
        return self.by_day[day] if day < len(self.by_day) else []


class OracleAllocator:
    """Receding-horizon allocation on the true curves, quality forecast and adstock state."""

    SYNERGY_ROUNDS = 2  # re-linearisations of the halo around the last allocation
    CARRY_LEFT = 0.01  # the window ends when this share of a day's adstock is left
    FATIGUE_DAYS = 10  # days over which the fatigue caused today is counted (14, 28: no better)

    def __init__(self, scenario: Scenario, media: Media, schedule: AssetSchedule):
        self.cfg, self.media, self.schedule = scenario.allocator, media, schedule
        self.horizon = scenario.horizon_days
        self.base = media.value * media.max_conv * media.efficiency  # value at quality 1
        top = float(media.alpha.max())
        self.window = 1 if top <= 0 else int(np.clip(np.ceil(np.log(self.CARRY_LEFT)
                                                             / np.log(top)), 1, 90))
        self.previous: np.ndarray | None = None
        self._grid: tuple[float, SpendGrid] | None = None

    def grid(self, budget: float) -> SpendGrid:
        """The spend grid for ``budget`` (cached: the budget rarely changes)."""
        if self._grid is None or self._grid[0] != budget:
            lo, hi = bounds(self.cfg, budget, self.media.n)
            self._grid = (budget, spend_grid(lo, hi, budget, self.cfg.increments))
        return self._grid[1]

    def forecast(self, day: int, spend: np.ndarray, days: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Creative quality ahead, and the fatigue cost of a unit of spend today.

        Steps a copy of today's assets forward with the known go-lives and expiries, fatigued by
        ``spend`` held each day. Returns the mean quality per channel on each of ``days`` days
        from ``day``, and per channel the value later days lose per unit of spend today: an
        impression today lowers the quality of today's assets for as long as they stay live,
        ``d q_i / d I = -(q_i - q_min) / F`` (to first order, at the held spend).
        """
        m, schedule = self.media, self.schedule
        slots = m.creatives.copy()
        born, live = slots.born.copy(), slots.live.copy()
        impressions = spend / m.cpm * 1000.0
        held_value = self.base * saturation(spend / (1.0 - m.alpha), m.k, m.shape, m.logistic)
        quality, loss = np.empty((m.n, days)), np.zeros(m.n)
        for k in range(min(max(days, self.FATIGUE_DAYS), self.horizon - day)):
            if k > 0:
                for channel, time in schedule.on(day + k):
                    slots.add(channel, time)
                slots.retire(day + k)
            q, n_live, mean = slots.quality()
            if k < days:
                quality[:, k] = mean
            if k > 0:  # today's assets still live lose (q - q_min) / F per impression
                excess = ((q - slots.q_min) * (live & slots.live & (slots.born == born))).sum(1)
                loss += held_value * excess / np.maximum(n_live, 1)
            slots.show(impressions, n_live)
        per_asset_today = 1000.0 / (m.cpm * np.maximum(live.sum(axis=1), 1))
        return quality, loss * per_asset_today / slots.fatigue[:, 0]

    def decide(self, day: int, budget: float, view: MarketView) -> np.ndarray:
        """Today's spend: water-filling on each channel's windowed value of spend."""
        m = self.media
        grid = self.grid(budget)
        days = min(self.window, self.horizon - day)
        reference = (self.previous * budget if self.previous is not None  # steady state first
                     else allocate(self.base, m.alpha, m.k, m.shape, grid.lo, grid.hi, budget,
                                   self.cfg.increments, m.logistic))
        quality, fatigue_cost = self.forecast(day, reference, days)
        quality[view.live_assets == 0] = 0.0  # no live asset today: today's spend is not shown
        k = np.arange(days)
        alpha = m.alpha[:, None, None]
        reach = alpha ** (k + 1)  # [c, 1, k]: share of today's adstock left on day k
        held = (1.0 - reach) / (1.0 - alpha)  # adstock on day k per unit of spend held
        a = reach * m.adstocked[:, None, None] + grid.x[:, :, None] * held
        h = saturation(a, m.k[:, None, None], m.shape[:, None, None],
                       m.logistic[:, None, None])  # [c, j, k]
        weight = (alpha ** k) / held  # the k-th term's derivative is alpha^k V q h'(a_k)
        spend = self.fill(h, weight * quality[:, None, :], fatigue_cost[:, None] * grid.x,
                          grid, budget)
        self.previous = spend / budget if budget > 0 else self.previous
        return spend

    def fill(self, h: np.ndarray, wq: np.ndarray, cost: np.ndarray, grid: SpendGrid,
             budget: float) -> np.ndarray:
        """Water-fill on ``sum_k V wq h - cost``, re-linearising the synergy each round."""
        m = self.media
        direct = self.base[:, None, None] * wq  # [c, 1, k]
        spend = water_fill((direct * h).sum(axis=2) - cost, grid, budget)
        if m.synergy is None:
            return spend
        rows = np.arange(m.n)
        for _ in range(self.SYNERGY_ROUNDS):
            j = np.clip(np.rint((spend - grid.lo) / grid.step).astype(np.int64), 0,
                        h.shape[1] - 1)
            h_now = h[rows, j]  # [c, k] around the last allocation
            lift = 1.0 + m.synergy.T @ h_now  # what the others add to channel c's response
            halo = m.synergy @ (direct[:, 0, :] * h_now)  # what channel c adds to the others
            values = (h * (direct * lift[:, None, :] + wq * halo[:, None, :])).sum(axis=2)
            spend = water_fill(values - cost, grid, budget)
        return spend

    def observe(self, report: Report) -> None:
        """The oracle needs no data."""
