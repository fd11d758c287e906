"""Budget allocators behind one interface: ``decide`` the day's spend, ``observe`` a report.

- :class:`PlanAllocator` spends fixed shares from the annual plan (the siloed setups).
- :class:`LearnerAllocator` is the conductor's real-time online learner: it sees only delayed,
  noisy reports of its own spend and conversions, keeps a posterior over a grid of candidate
  response curves per channel, draws one curve per channel (Thompson sampling) and allocates by
  equalising marginal returns (greedy water-filling) within the bounds and the day-to-day cap.
- :class:`~sim.world.oracle.OracleAllocator` knows the true curves (in its own module).

Allocation works on steady-state curves: a spend ``x`` held constant builds adstock
``x / (1 - alpha)``, so the long-run daily value of ``x`` is ``A * hill(x / (1 - alpha))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sim.scenario.schema import Allocator as AllocatorConfig
from sim.scenario.schema import Scenario
from sim.world.media import hill, saturation


@dataclass(frozen=True)
class MarketView:
    """What an operator sees of its channels today: creative quality and live assets."""

    quality: np.ndarray
    live_assets: np.ndarray


@dataclass(frozen=True)
class Report:
    """Results reaching the allocator: some days' spend and quality, and their conversions."""

    days: np.ndarray  # day indices covered
    spend: np.ndarray  # (days, channels)
    quality: np.ndarray  # (days, channels)
    conversions: np.ndarray  # (channels,) summed over the days


class BudgetAllocator(Protocol):
    """Decides each day's spend per channel; may learn from reports."""

    def decide(self, day: int, budget: float, view: MarketView) -> np.ndarray:
        """Spend per channel for ``day``; sums to ``budget``."""
        ...

    def observe(self, report: Report) -> None:
        """Take in a report of past results."""
        ...


@dataclass
class SpendGrid:
    """The spend grid of one allocation: channel c may spend ``x[c, j] = lo[c] + j * step``."""

    lo: np.ndarray
    hi: np.ndarray
    step: float
    x: np.ndarray
    beyond: np.ndarray  # [c, j]: increment j is beyond channel c's room up to hi
    n_steps: int  # increments to hand out, capped by the total room


def spend_grid(lo: np.ndarray, hi: np.ndarray, budget: float, increments: int) -> SpendGrid:
    """The grid of ``budget / increments`` steps from ``lo`` up to ``hi``."""
    step = budget / increments
    room = np.floor((hi - lo) / step + 1e-9).astype(np.int64)
    room_steps = room.tolist()  # a few channels: Python's max and sum are quicker
    j = np.arange(max(room_steps) + 1, dtype=float)
    n_steps = min(int((budget - lo.sum()) / step + 1e-9), sum(room_steps))
    return SpendGrid(lo, hi, step, lo[:, None] + step * j, j[:-1] >= room[:, None], n_steps)


def water_fill(values: np.ndarray, grid: SpendGrid, budget: float) -> np.ndarray:
    """Greedy allocation of the grid's increments by largest marginal value.

    ``values[c, j]`` is channel c's value at spend ``grid.x[c, j]``. For concave curves the
    greedy choice is optimal. A remainder the grid cannot place goes to the channels with room.
    """
    spend = grid.lo.copy()
    if grid.n_steps > 0:
        gains = values[:, 1:] - values[:, :-1]
        np.copyto(gains, -np.inf, where=grid.beyond)
        np.negative(gains, out=gains)  # argpartition's smallest are then the largest gains
        top = gains.ravel().argpartition(grid.n_steps - 1)[:grid.n_steps]
        spend = grid.lo + np.bincount(top // gains.shape[1], minlength=len(spend)) * grid.step
    rest = budget - spend.sum()
    if rest > 1e-9:  # discretisation remainder: to the channels with room, by size of room
        spare = grid.hi - spend
        spend = spend + rest * spare / spare.sum()
    return spend


def allocate(curve_value: np.ndarray, alpha: np.ndarray, k: np.ndarray, s: np.ndarray,
             lo: np.ndarray, hi: np.ndarray, budget: float, increments: int,
             logistic: np.ndarray | None = None) -> np.ndarray:
    """Optimal spend for curves ``curve_value * hill(x / (1 - alpha); k, s)`` within bounds.

    ``logistic`` marks channels whose true curve is logistic (see :func:`media.saturation`).

    Spends exactly ``budget`` when ``sum(lo) <= budget <= sum(hi)``.
    """
    grid = spend_grid(lo, hi, budget, increments)
    mask = None if logistic is None else logistic[:, None]
    values = curve_value[:, None] * saturation(grid.x / (1.0 - alpha[:, None]), k[:, None],
                                               s[:, None], mask)
    return water_fill(values, grid, budget)


def bounds(cfg: AllocatorConfig, budget: float, n: int, previous: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel spend bounds from min/max shares and the cap on day-to-day change.

    The cap applies when the previous shares are given, unless it would make the budget
    impossible to spend.
    """
    if previous is not None:
        lo_c = np.maximum(cfg.min_share, previous - cfg.max_daily_change)
        hi_c = np.minimum(cfg.max_share, previous + cfg.max_daily_change)
        np.maximum(hi_c, lo_c, out=hi_c)
        if lo_c.sum() <= 1.0 <= hi_c.sum():
            return lo_c * budget, hi_c * budget
    return np.full(n, cfg.min_share * budget), np.full(n, cfg.max_share * budget)


class PlanAllocator:
    """Fixed shares from the annual plan, whatever happens."""

    def __init__(self, scenario: Scenario):
        self.shares = np.array([c.plan_share for c in scenario.channels])

    def decide(self, day: int, budget: float, view: MarketView) -> np.ndarray:
        """The plan's shares of today's budget."""
        return self.shares * budget

    def observe(self, report: Report) -> None:
        """The plan does not learn."""


class LearnerAllocator:
    """Thompson sampling over a grid of response curves, with a conjugate scale per curve.

    Per channel, candidates are (alpha, K, s) triples; the scale M (conversions per day at
    saturation) has a Gamma posterior given each candidate, because conversions are modelled as
    Poisson with mean ``M * sum(q_t * hill(a_t))``. The likelihood is tempered by a power below 1,
    a standard guard against a misspecified model (unmodelled synergy, over-dispersion).

    It sees only its reports, delayed as the data lever says: spend, conversions and creative
    quality (the ad platforms' creative diagnostics) of past days. Today's market view is not
    used: a decision weighs each channel by the quality on the last day reported. It learns
    from the spend the reports show, which during a platform's ramp-up is not all its own.

    Candidates are ordered alpha first, so the candidates sharing an alpha form one block: the
    adstock kept per alpha broadcasts over its block in :meth:`observe`, without indexing.
    """

    ALPHAS = np.array([0.0, 0.2, 0.4, 0.6, 0.8])
    K_FACTORS = np.geomspace(0.15, 12.0, 10)
    SHAPES = np.array([0.5, 0.7, 0.9, 1.2, 1.6, 2.2])
    PRIOR_SHAPE, PRIOR_RATE = 1.0, 1e-4

    def __init__(self, cfg: AllocatorConfig, value: np.ndarray, plan: np.ndarray,
                 daily_budget: float, rng: np.random.Generator):
        """Build from what an operator knows: values, the plan and the budget, never the curves."""
        self.cfg, self.value, self.plan, self.rng = cfg, value, plan, rng
        n, n_alpha = len(self.plan), len(self.ALPHAS)
        ai, ki, si = np.meshgrid(np.arange(n_alpha), np.arange(len(self.K_FACTORS)),
                                 np.arange(len(self.SHAPES)), indexing="ij")
        self.cand_alpha_idx = ai.ravel()
        self.cand_alpha = self.ALPHAS[self.cand_alpha_idx]
        self.cand_shape = self.SHAPES[si.ravel()]
        # K spans the plan's adstocked daily spend times a factor: scale from the plan, not truth
        plan_spend = np.maximum(self.plan, 0.1 / n) * daily_budget
        self.cand_k = (plan_spend[:, None] / (1.0 - self.cand_alpha[None, :])
                       * self.K_FACTORS[ki.ravel()][None, :])
        n_cand = len(self.cand_alpha)
        self._k_blocks = self.cand_k.reshape(n, n_alpha, -1)  # (channels, alpha, K x s)
        self._shape_blocks = self.cand_shape.reshape(n_alpha, -1)
        self._rows = np.arange(n)
        self.adstock = np.zeros((n, n_alpha))  # per channel and alpha, on the last day reported
        self.sum_conv = np.zeros(n)
        self.sum_g = np.zeros((n, n_cand))
        self.sum_log = np.zeros((n, n_cand))
        self.n_reports = 0
        self.reported_quality = np.ones(n)  # creative quality on the last day reported
        self.previous: np.ndarray | None = None
        # the posterior, updated by observe: Gamma shape and rate of M, log-weight per candidate
        self.post_shape = np.full(n, self.PRIOR_SHAPE)
        self.post_rate = np.full((n, n_cand), self.PRIOR_RATE)
        self.log_weights = np.zeros((n, n_cand))

    def observe(self, report: Report) -> None:
        """Update every candidate's likelihood with one report, then the posterior."""
        a = np.empty((len(report.days), *self.adstock.shape, 1))  # (days, channels, alpha, 1)
        shown = report.spend * (report.quality > 0)  # quality 0: no live asset, no ad ran
        for t, spend in enumerate(shown):  # reports cover consecutive days, in order
            self.adstock = spend[:, None] + self.ALPHAS * self.adstock
            a[t, ..., 0] = self.adstock
        qh = hill(a, self._k_blocks, self._shape_blocks).reshape(*a.shape[:2], -1)
        qh *= report.quality[:, :, None]  # (days, channels, cand)
        g = qh[0] if len(qh) == 1 else qh.sum(axis=0)  # summed over the days
        self.sum_conv += report.conversions
        self.sum_g += g
        g += 1e-12  # g is added in: its buffer now takes the log-likelihood term
        np.log(g, out=g)
        g *= report.conversions[:, None]
        self.sum_log += g
        self.n_reports += 1
        self.reported_quality = report.quality[-1]
        tau = self.cfg.likelihood_temperature
        self.post_shape = self.PRIOR_SHAPE + tau * self.sum_conv
        self.post_rate = self.PRIOR_RATE + tau * self.sum_g
        log_rate = np.log(self.post_rate)
        log_rate *= self.post_shape[:, None]
        self.log_weights = tau * self.sum_log - log_rate

    def decide(self, day: int, budget: float, view: MarketView) -> np.ndarray:
        """Draw a curve per channel from the posterior and allocate on the draws (not on view)."""
        previous = self.previous if self.previous is not None else self.plan
        if self.n_reports == 0:
            spend = self.plan * budget
        else:
            draw = self.rng.gumbel(size=self.log_weights.shape)
            draw += self.log_weights
            idx = draw.argmax(axis=1)  # Thompson draw
            rates = self.post_rate[self._rows, idx].tolist()
            # one scalar draw per channel, in channel order: the draws of one array call,
            # without its per-call argument checks on tiny arrays
            scale = np.array([self.rng.gamma(shape, 1.0 / rate) for shape, rate
                              in zip(self.post_shape.tolist(), rates, strict=True)])
            lo, hi = bounds(self.cfg, budget, len(previous), previous)
            spend = allocate(self.value * self.reported_quality * scale, self.cand_alpha[idx],
                             self.cand_k[self._rows, idx], self.cand_shape[idx], lo, hi, budget,
                             self.cfg.increments)
        self.previous = spend / budget if budget > 0 else previous
        return spend
