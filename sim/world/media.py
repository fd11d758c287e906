"""Media delivery: adstock, Hill or logistic saturation, creative fatigue, synergy, noise, per day.

Vectorised over channels with numpy. The response forms are the published ones (Robyn, Meridian,
PyMC-Marketing): geometric adstock ``a_t = x_t + alpha * a_{t-1}`` and Hill saturation
``h(a) = a^s / (a^s + K^s)``, scaled by the channel's maximum daily conversions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from sim.scenario.schema import Scenario


def adstock(spend: np.ndarray, alpha: float | np.ndarray, previous: float | np.ndarray = 0.0
            ) -> np.ndarray:
    """One step of geometric adstock: ``x_t + alpha * a_{t-1}``."""
    return spend + alpha * previous


def adstock_series(spend: np.ndarray, alpha: float) -> np.ndarray:
    """Geometric adstock of a whole spend series (first value carries no history)."""
    out = np.empty(len(spend), dtype=float)
    a = 0.0
    for t, x in enumerate(spend):
        a = x + alpha * a
        out[t] = a
    return out


def hill(a: np.ndarray | float, k: np.ndarray | float, s: np.ndarray | float) -> np.ndarray:
    """Hill saturation ``a^s / (a^s + K^s)``, in [0, 1), 0 at zero spend."""
    a = np.maximum(np.asarray(a, dtype=float), 0.0)
    r = (a / k) ** s
    return r / (1.0 + r)


def saturation(a: np.ndarray | float, k: np.ndarray | float, s: np.ndarray | float,
               logistic: np.ndarray | None = None) -> np.ndarray:
    """The channels' true saturation of adstock ``a``: Hill, or logistic where ``logistic``.

    Logistic is PyMC-Marketing's ``(1 - e^{-lam a}) / (1 + e^{-lam a}) = tanh(lam a / 2)`` with
    ``lam = ln 3 / K``, half-saturated at ``K`` like the Hill curve. ``logistic`` broadcasts
    like ``k``; with no logistic channel this is :func:`hill` itself.
    """
    h = hill(a, k, s)
    if logistic is None or not np.any(logistic):
        return h
    lam = np.log(3.0) / np.asarray(k, dtype=float)
    return np.where(logistic, np.tanh(lam * np.maximum(np.asarray(a, dtype=float), 0.0) / 2.0), h)


def fatigue_quality(impressions: np.ndarray, fatigue_impressions: np.ndarray | float,
                    quality_min: np.ndarray | float) -> np.ndarray:
    """Quality of an asset after ``impressions``: ``q_min + (1 - q_min) exp(-imp / F)``."""
    return quality_min + (1.0 - quality_min) * np.exp(-impressions / fatigue_impressions)


def poisson_ppf(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Smallest k with P(X <= k) >= u for X ~ Poisson(mean) (scipy's method, without overhead)."""
    k = np.ceil(special.pdtrik(u, mean))
    below = np.maximum(k - 1, 0)
    return np.where((special.pdtr(below, mean) >= u) & (k > 0), below, k)


def negative_binomial_ppf(u: np.ndarray, mean: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Quantile of the negative binomial with the given mean and size (variance m + m^2/size)."""
    p = size / (size + mean)
    k = np.ceil(special.nbdtrik(u, size, p))
    below = np.maximum(k - 1, 0)
    return np.where((special.betainc(size, below + 1, p) >= u) & (k > 0), below, k)


def draw_conversions(expected: np.ndarray, u: np.ndarray, poisson: np.ndarray,
                     negbin: np.ndarray, dispersion: np.ndarray) -> np.ndarray:
    """Realised conversions by inverse transform of uniforms ``u`` (one per channel).

    ``poisson`` and ``negbin`` mark each channel's noise kind (neither: no noise). Using a fixed
    uniform per (day, channel) keeps the noise common across setups: where two setups expect the
    same conversions, they realise the same number.
    """
    pos = expected > 0
    out = np.where(pos, expected, 0.0)
    drawn = pos & poisson
    if drawn.any():
        out[drawn] = poisson_ppf(u[drawn], expected[drawn])
    drawn = pos & negbin
    if drawn.any():
        out[drawn] = negative_binomial_ppf(u[drawn], expected[drawn], dispersion[drawn])
    return out


@dataclass
class DayOutcome:
    """What one day of media delivered, per channel."""

    spend: np.ndarray
    impressions: np.ndarray
    expected: np.ndarray
    conversions: np.ndarray
    revenue: np.ndarray
    quality: np.ndarray
    live_assets: np.ndarray
    wasted_spend: np.ndarray


class Creatives:
    """The live creative assets of every channel: a few slots each, fatigued by impressions.

    Kept apart from the response so that the oracle can copy it and step the copy forward to
    see the creative quality its own spend will leave.
    """

    def __init__(self, fatigue: np.ndarray, q_min: np.ndarray, slots: int,
                 lifetime: float | None, initial: list[int]):
        n = len(fatigue)
        self.fatigue, self.q_min, self.lifetime = fatigue[:, None], q_min[:, None], lifetime
        self.impressions = np.zeros((n, slots))
        self.born = np.zeros((n, slots))
        self.live = np.zeros((n, slots), dtype=bool)
        for c, count in enumerate(initial):
            self.live[c, : min(count, slots)] = True

    def copy(self) -> Creatives:
        """An independent copy of the slots."""
        new = object.__new__(Creatives)
        new.__dict__.update(self.__dict__)
        new.impressions, new.born, new.live = (
            self.impressions.copy(), self.born.copy(), self.live.copy())
        return new

    def add(self, channel: int, time: float) -> None:
        """Put a fresh asset live, replacing the most fatigued one when all slots are taken."""
        live = self.live[channel].tolist()  # a few slots: Python's index beats numpy's calls
        if False in live:
            slot = live.index(False)  # the first free slot
        else:
            shown = self.impressions[channel].tolist()
            slot = shown.index(max(shown))  # the first most shown (impressions are finite)
        self.live[channel, slot] = True
        self.impressions[channel, slot] = 0.0
        self.born[channel, slot] = time

    def retire(self, day: int) -> None:
        """Take assets past their lifetime off the air."""
        if self.lifetime is not None:
            self.live &= self.born + self.lifetime > day

    def quality(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Quality of every slot, live assets per channel and mean live quality per channel."""
        q = fatigue_quality(self.impressions, self.fatigue, self.q_min)
        n_live = self.live.sum(axis=1)
        total = (q * self.live).sum(axis=1)  # q is finite: the same as summing live slots
        return q, n_live, np.divide(total, n_live, out=np.zeros(len(n_live)), where=n_live > 0)

    def show(self, impressions: np.ndarray, n_live: np.ndarray) -> None:
        """Spread each channel's impressions evenly over its live assets."""
        per_asset = np.divide(impressions, n_live, out=np.zeros(len(n_live)), where=n_live > 0)
        self.impressions += per_asset[:, None] * self.live  # finite: 0 where no asset is live


class Media:
    """The channels' true response and their live creative assets."""

    def __init__(self, scenario: Scenario, efficiency: np.ndarray):
        ch = scenario.channels
        self.n = len(ch)
        self.alpha = np.array([c.adstock_alpha for c in ch])
        self.k = np.array([c.hill_k for c in ch])
        self.shape = np.array([c.hill_shape for c in ch])
        self.logistic = np.array([c.saturation == "logistic" for c in ch])
        self.max_conv = np.array([c.max_daily_conversions for c in ch])
        self.cpm = np.array([c.cpm for c in ch])
        self.value = np.array([c.value_per_conversion for c in ch])
        self.poisson_noise = np.array([c.noise.kind == "poisson" for c in ch])
        self.negbin_noise = np.array([c.noise.kind == "negative_binomial" for c in ch])
        self.dispersion = np.array([c.noise.dispersion for c in ch])
        self.efficiency = efficiency
        self.synergy = np.array(scenario.synergy, dtype=float) if scenario.synergy else None
        lib = scenario.library
        self.waste_threshold = lib.wasted_quality_threshold
        self.adstocked = np.zeros(self.n)
        self.creatives = Creatives(
            np.array([c.fatigue_impressions for c in ch]), np.array([c.quality_min for c in ch]),
            lib.max_live_assets, lib.asset_lifetime_days, [c.initial_assets for c in ch])

    def start_day(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Retire expired assets; return today's creative quality and live assets per channel."""
        self.creatives.retire(day)
        self._today = self.creatives.quality()
        return self._today[2], self._today[1]

    def deliver(self, spend: np.ndarray, u_noise: np.ndarray) -> DayOutcome:
        """Deliver the day opened by :meth:`start_day` with the given spend per channel."""
        q_asset, n_live, quality = self._today
        weak = (self.creatives.live & (q_asset < self.waste_threshold)).sum(axis=1)
        has_live = n_live > 0
        wasted = np.where(has_live, spend * weak / np.maximum(n_live, 1), spend)

        delivered = np.where(has_live, spend, 0.0)  # no live asset: no ad runs, spend is wasted
        self.adstocked = adstock(delivered, self.alpha, self.adstocked)
        response = saturation(self.adstocked, self.k, self.shape, self.logistic)
        expected = self.max_conv * self.efficiency * quality * response
        if self.synergy is not None:
            expected = expected * (1.0 + response @ self.synergy)
        conversions = draw_conversions(expected, u_noise, self.poisson_noise, self.negbin_noise,
                                       self.dispersion)

        impressions = delivered / self.cpm * 1000.0
        self.creatives.show(impressions, n_live)
        return DayOutcome(spend, impressions, expected, conversions, conversions * self.value,
                          quality, n_live, wasted)
