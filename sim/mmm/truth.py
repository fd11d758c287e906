"""Ground truth by counterfactual re-simulation on common random numbers (as AMSS does).

Definitions, over the exported days, in expected outcomes (the mean given the creative state, so
no conversion noise enters the truth):

- ``total``: revenue (or conversions) of the factual spend;
- ``base``: with every channel off (this model has no organic demand, so 0 unless that changes);
- contribution of channel c (**switch-off**): ``total`` minus the outcome with c off on every day,
  everything else equal; with synergy it includes c's share of every cross-channel halo;
- ``interaction = total - base - sum of contributions``: what no single switch-off accounts for
  (0 without synergy, negative with a positive halo, counted once per channel of each pair);
- ROAS = contribution / spend of c; marginal ROAS = (outcome with c's spend scaled by
  ``1 + eps`` minus ``total``) / (``eps`` times c's spend).

Carry-over of the last days' spend beyond the horizon is not counted (the data end there).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.world.replay import MediaReplay, ReplayedMedia

EPS = 0.01  # relative spend change for the marginal ROAS, as AMSS's 0.99 budget


@dataclass(frozen=True)
class Truth:
    """Per-day outcomes of the factual run and of each counterfactual, expected values."""

    spend: np.ndarray  # (days, channels), the factual spend
    factual: ReplayedMedia
    base_revenue: np.ndarray  # (days,) every channel off
    base_conversions: np.ndarray
    off_revenue: np.ndarray  # (channels, days): channel c off on every day
    off_conversions: np.ndarray
    scaled_revenue: np.ndarray  # (channels, days): channel c's spend times 1 + eps
    scaled_conversions: np.ndarray
    eps: float

    @property
    def total_revenue(self) -> np.ndarray:
        """(days,) expected revenue of the factual spend, all channels."""
        return self.factual.expected_revenue.sum(axis=1)

    @property
    def total_conversions(self) -> np.ndarray:
        """(days,) expected conversions of the factual spend, all channels."""
        return self.factual.expected_conversions.sum(axis=1)

    def contribution(self, outcome: str = "revenue") -> np.ndarray:
        """(days, channels) switch-off contribution of each channel, per day."""
        total, off = ((self.total_revenue, self.off_revenue) if outcome == "revenue"
                      else (self.total_conversions, self.off_conversions))
        return (total[None, :] - off).T

    def marginal(self, outcome: str = "revenue") -> np.ndarray:
        """(days, channels) extra outcome per day from scaling a channel's spend by 1 + eps."""
        total, scaled = ((self.total_revenue, self.scaled_revenue) if outcome == "revenue"
                         else (self.total_conversions, self.scaled_conversions))
        return (scaled - total[None, :]).T


def ground_truth(replay: MediaReplay, spend: np.ndarray, eps: float = EPS) -> Truth:
    """Re-simulate the factual spend, each channel off, each channel scaled, and all off."""
    factual = replay.run(spend)
    n = spend.shape[1]
    off, scaled = [], []
    for c in range(n):
        without = spend.copy()
        without[:, c] = 0.0
        off.append(replay.run(without))
        more = spend.copy()
        more[:, c] *= 1.0 + eps
        scaled.append(replay.run(more))
    base = replay.run(np.zeros_like(spend))

    def totals(runs: list[ReplayedMedia], kind: str) -> np.ndarray:
        return np.array([getattr(r, kind).sum(axis=1) for r in runs]).reshape(n, -1)

    return Truth(spend, factual, base.expected_revenue.sum(axis=1),
                 base.expected_conversions.sum(axis=1),
                 totals(off, "expected_revenue"), totals(off, "expected_conversions"),
                 totals(scaled, "expected_revenue"), totals(scaled, "expected_conversions"), eps)


@dataclass(frozen=True)
class Summary:
    """The truth summed over the exported days, per channel and in total."""

    spend: np.ndarray
    contribution: np.ndarray
    marginal: np.ndarray  # extra outcome from eps more spend
    total: float
    base: float

    @property
    def interaction(self) -> float:
        """``total - base - sum of contributions``."""
        return self.total - self.base - float(self.contribution.sum())

    @property
    def roas(self) -> np.ndarray:
        """Contribution per unit of spend (NaN where nothing was spent)."""
        return _ratio(self.contribution, self.spend)

    def marginal_roas(self, eps: float) -> np.ndarray:
        """Extra outcome per extra unit of spend at the factual spend."""
        return _ratio(self.marginal, eps * self.spend)


def summarise(truth: Truth, days: int, outcome: str = "revenue") -> Summary:
    """Sum the first ``days`` days of the truth for one outcome (revenue or conversions)."""
    total = truth.total_revenue if outcome == "revenue" else truth.total_conversions
    base = truth.base_revenue if outcome == "revenue" else truth.base_conversions
    return Summary(truth.spend[:days].sum(axis=0),
                   truth.contribution(outcome)[:days].sum(axis=0),
                   truth.marginal(outcome)[:days].sum(axis=0),
                   float(total[:days].sum()), float(base[:days].sum()))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, NaN where ``den`` is 0."""
    return np.divide(num, den, out=np.full(len(num), np.nan), where=den > 0)
