"""Budget allocators behind one interface: ``decide`` the day's spend, ``observe`` a report.

- :class:`PlanAllocator` spends fixed shares from the annual plan (the siloed setups).
- :class:`LearnerAllocator` is the conductor's real-time online learner: it sees only delayed,
  noisy reports of its own spend and conversions, keeps a posterior over a grid of candidate
  response curves per channel, draws one curve per channel (Thompson sampling) and allocates by
  equalising marginal returns (greedy water-filling) within the bounds and the day-to-day cap.
- :class:`OracleAllocator` knows the true curves and spends the optimal allocation on them.

Allocation works on steady-state curves: a spend ``x`` held constant builds adstock
``x / (1 - alpha)``, so the long-run daily value of ``x`` is ``A * hill(x / (1 - alpha))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sim.config import Allocator as AllocatorConfig
from sim.config import Scenario
from sim.media import Media, hill


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


def water_fill(values: np.ndarray, lo: np.ndarray, step: float, n_steps: int,
               room: np.ndarray) -> np.ndarray:
    """Greedy allocation of ``n_steps`` increments by largest marginal value.

    ``values[c, j]`` is channel c's value at spend ``lo[c] + j * step``; channel c can take at
    most ``room[c]`` increments. For concave curves the greedy choice is optimal.
    """
    gains = np.diff(values, axis=1)
    j = np.arange(gains.shape[1])
    gains = np.where(j[None, :] < room[:, None], gains, -np.inf)
    n_steps = int(min(n_steps, room.sum()))
    if n_steps <= 0:
        return lo.copy()
    flat = gains.ravel()
    top = np.argpartition(-flat, n_steps - 1)[:n_steps]
    counts = np.bincount(top // gains.shape[1], minlength=len(lo))
    return lo + counts * step


def allocate(curve_value: np.ndarray, alpha: np.ndarray, k: np.ndarray, s: np.ndarray,
             lo: np.ndarray, hi: np.ndarray, budget: float, increments: int) -> np.ndarray:
    """Optimal spend for curves ``curve_value * hill(x / (1 - alpha); k, s)`` within bounds.

    Spends exactly ``budget`` when ``sum(lo) <= budget <= sum(hi)``.
    """
    step = budget / increments
    room = np.floor((hi - lo) / step + 1e-9).astype(np.int64)
    width = int(room.max()) + 1
    x = lo[:, None] + step * np.arange(width)[None, :]
    values = curve_value[:, None] * hill(x / (1.0 - alpha[:, None]), k[:, None], s[:, None])
    spend = water_fill(values, lo, step, int((budget - lo.sum()) / step + 1e-9), room)
    rest = budget - spend.sum()
    if rest > 1e-9:  # discretisation remainder: to the channels with room, by size of room
        spare = hi - spend
        spend = spend + rest * spare / spare.sum()
    return spend


def bounds(cfg: AllocatorConfig, budget: float, n: int, previous: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel spend bounds from min/max shares and the cap on day-to-day change.

    The cap applies when the previous shares are given, unless it would make the budget
    impossible to spend.
    """
    lo_share = np.full(n, cfg.min_share)
    hi_share = np.full(n, cfg.max_share)
    if previous is not None:
        lo_c = np.maximum(lo_share, previous - cfg.max_daily_change)
        hi_c = np.minimum(hi_share, previous + cfg.max_daily_change)
        hi_c = np.maximum(hi_c, lo_c)
        if lo_c.sum() <= 1.0 <= hi_c.sum():
            lo_share, hi_share = lo_c, hi_c
    return lo_share * budget, hi_share * budget


class PlanAllocator:
    """Fixed shares from the annual plan, whatever happens."""

    def __init__(self, scenario: Scenario):
        self.shares = np.array([c.plan_share for c in scenario.channels])

    def decide(self, day: int, budget: float, view: MarketView) -> np.ndarray:
        """The plan's shares of today's budget."""
        return self.shares * budget

    def observe(self, report: Report) -> None:
        """The plan does not learn."""


class OracleAllocator:
    """Optimal allocation on the true response curves (the yardstick for budget allocation).

    Synergy makes the objective non-separable; it is handled by a few rounds of linearisation:
    each channel's curve is weighted by its marginal value including the halo it gives.
    """

    ROUNDS_WITH_SYNERGY = 3

    def __init__(self, scenario: Scenario, media: Media):
        self.cfg = scenario.allocator
        self.media = media  # the true parameters: only the oracle may read them

    def decide(self, day: int, budget: float, view: MarketView) -> np.ndarray:
        """Optimal spend for today's creative quality."""
        m = self.media
        base = m.value * m.max_conv * m.efficiency * view.quality
        lo, hi = bounds(self.cfg, budget, m.n)
        weight = base
        rounds = 1 if m.synergy is None else self.ROUNDS_WITH_SYNERGY
        spend = lo
        for _ in range(rounds):
            spend = allocate(weight, m.alpha, m.k, m.shape, lo, hi, budget, self.cfg.increments)
            if m.synergy is None:
                break
            h = hill(spend / (1.0 - m.alpha), m.k, m.shape)
            weight = base * (1.0 + h @ m.synergy) + m.synergy @ (base * h)
        return spend

    def observe(self, report: Report) -> None:
        """The oracle needs no data."""


class LearnerAllocator:
    """Thompson sampling over a grid of response curves, with a conjugate scale per curve.

    Per channel, candidates are (alpha, K, s) triples; the scale M (conversions per day at
    saturation) has a Gamma posterior given each candidate, because conversions are modelled as
    Poisson with mean ``M * sum(q_t * hill(a_t))``. The likelihood is tempered by a power below 1,
    a standard guard against a misspecified model (unmodelled synergy, over-dispersion).
    """

    ALPHAS = np.array([0.0, 0.2, 0.4, 0.6, 0.8])
    K_FACTORS = np.geomspace(0.15, 12.0, 10)
    SHAPES = np.array([0.5, 0.7, 0.9, 1.2, 1.6, 2.2])
    PRIOR_SHAPE, PRIOR_RATE = 1.0, 1e-4

    def __init__(self, cfg: AllocatorConfig, value: np.ndarray, plan: np.ndarray,
                 daily_budget: float, horizon: int, rng: np.random.Generator):
        """Build from what an operator knows: values, the plan and the budget, never the curves."""
        self.cfg, self.value, self.plan, self.rng = cfg, value, plan, rng
        n = len(self.plan)
        ai, ki, si = np.meshgrid(np.arange(len(self.ALPHAS)), np.arange(len(self.K_FACTORS)),
                                 np.arange(len(self.SHAPES)), indexing="ij")
        self.cand_alpha_idx = ai.ravel()
        self.cand_alpha = self.ALPHAS[self.cand_alpha_idx]
        self.cand_shape = self.SHAPES[si.ravel()]
        # K spans the plan's adstocked daily spend times a factor: scale from the plan, not truth
        plan_spend = np.maximum(self.plan, 0.1 / n) * daily_budget
        self.cand_k = (plan_spend[:, None] / (1.0 - self.cand_alpha[None, :])
                       * self.K_FACTORS[ki.ravel()][None, :])
        self.adstock = np.zeros((horizon, len(self.ALPHAS), n))  # per day, per alpha
        n_cand = len(self.cand_alpha)
        self.sum_conv = np.zeros(n)
        self.sum_g = np.zeros((n, n_cand))
        self.sum_log = np.zeros((n, n_cand))
        self.n_reports = 0
        self.previous: np.ndarray | None = None

    def observe(self, report: Report) -> None:
        """Update every candidate's likelihood with one report."""
        a = self.adstock[report.days][:, self.cand_alpha_idx, :]  # (days, cand, channels)
        h = hill(a.transpose(0, 2, 1), self.cand_k[None], self.cand_shape[None, None, :])
        g = (report.quality[:, :, None] * h).sum(axis=0)  # (channels, cand)
        self.sum_conv += report.conversions
        self.sum_g += g
        self.sum_log += report.conversions[:, None] * np.log(g + 1e-12)
        self.n_reports += 1

    def _log_weights(self) -> np.ndarray:
        tau = self.cfg.likelihood_temperature
        shape = self.PRIOR_SHAPE + tau * self.sum_conv
        return tau * self.sum_log - shape[:, None] * np.log(self.PRIOR_RATE + tau * self.sum_g)

    def decide(self, day: int, budget: float, view: MarketView) -> np.ndarray:
        """Draw a curve per channel from the posterior and allocate on the draws."""
        previous = self.previous if self.previous is not None else self.plan
        if self.n_reports == 0:
            spend = self.plan * budget
        else:
            logw = self._log_weights()
            idx = np.argmax(logw + self.rng.gumbel(size=logw.shape), axis=1)  # Thompson draw
            rows = np.arange(len(idx))
            tau = self.cfg.likelihood_temperature
            scale = self.rng.gamma(self.PRIOR_SHAPE + tau * self.sum_conv,
                                   1.0 / (self.PRIOR_RATE + tau * self.sum_g[rows, idx]))
            lo, hi = bounds(self.cfg, budget, len(previous), previous)
            spend = allocate(self.value * view.quality * scale, self.cand_alpha[idx],
                             self.cand_k[rows, idx], self.cand_shape[idx], lo, hi, budget,
                             self.cfg.increments)
        self.previous = spend / budget if budget > 0 else previous
        prior = self.adstock[day - 1] if day > 0 else 0.0
        self.adstock[day] = spend[None, :] + self.ALPHAS[:, None] * prior
        return spend

