"""Simulated lift tests: holdouts of one channel over a window of days, measured with noise.

The true incremental effect of a test is the expected revenue (or conversions) of all channels
over the window with the factual spend minus the same with the tested channel off during the
window, everything else equal (common random numbers; with synergy the halo counts). A
measurement compares two independent realisations, one per arm, drawn with the channels' own
noise model (Poisson or negative binomial conversions) from fresh uniforms of the ``lift_tests``
stream, times ``1 + bias``; its standard error comes from the same noise model. Over many draws,
the mean measurement is the true effect (times ``1 + bias``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sim.mmm.source import ExportError
from sim.world.media import draw_conversions
from sim.world.replay import MediaReplay, ReplayedMedia

WINDOW_DAYS = 28


@dataclass(frozen=True)
class LiftTest:
    """A holdout of ``channel`` on days ``start`` to ``end`` inclusive."""

    channel: int
    start: int
    end: int


@dataclass(frozen=True)
class LiftResult:
    """One test: its truth, its measurement and standard error, and the spend held out."""

    test: LiftTest
    spend: float
    true_lift: float
    lift: float
    sigma: float


def default_tests(channels: int, days: int, window: int = WINDOW_DAYS, align: int = 1
                  ) -> list[LiftTest]:
    """One holdout per channel, spread evenly over the days, starting on multiples of ``align``."""
    window = max(align, min(window, days) // align * align)
    starts = np.linspace(0, days - window, channels) if channels > 1 else np.zeros(1)
    starts = (starts // align * align).astype(int)
    return [LiftTest(c, int(s), int(s) + window - 1) for c, s in enumerate(starts)]


class LiftLab:
    """Runs the two arms of each test once, then draws measurements of them."""

    def __init__(self, replay: MediaReplay, spend: np.ndarray, outcome: str = "revenue"):
        self.replay, self.spend, self.outcome = replay, spend, outcome
        self.factual = replay.run(spend)
        media = replay.scenario.channels
        self.poisson = np.array([c.noise.kind == "poisson" for c in media])
        self.negbin = np.array([c.noise.kind == "negative_binomial" for c in media])
        self.dispersion = np.array([c.noise.dispersion for c in media])
        self.per_unit = (replay.value if outcome == "revenue" else np.ones(len(media)))

    def holdout(self, test: LiftTest) -> ReplayedMedia:
        """The arm with the tested channel off during the window."""
        spend = self.spend.copy()
        spend[test.start: test.end + 1, test.channel] = 0.0
        return self.replay.run(spend)

    def true_lift(self, test: LiftTest, held: ReplayedMedia) -> float:
        """Expected outcome over the window, factual minus holdout."""
        w = slice(test.start, test.end + 1)
        diff = self.factual.expected_conversions[w] - held.expected_conversions[w]
        return float((diff * self.per_unit).sum())

    def variance(self, expected: np.ndarray) -> float:
        """Variance of the window's outcome under the channels' noise model."""
        var = np.where(self.poisson, expected, 0.0)
        var = np.where(self.negbin, expected + expected**2 / self.dispersion, var)
        return float((var * self.per_unit**2).sum())

    def measure(self, test: LiftTest, held: ReplayedMedia, rng: np.random.Generator,
                draws: int = 1, bias: float = 0.0) -> np.ndarray:
        """``draws`` measurements of the test: two independent arms each, times ``1 + bias``."""
        w = slice(test.start, test.end + 1)
        arms = (self.factual.expected_conversions[w], held.expected_conversions[w])
        out = np.empty(draws)
        for i in range(draws):
            totals = [self._realise(m, rng) for m in arms]
            out[i] = (totals[0] - totals[1]) * (1.0 + bias)
        return out

    def _realise(self, expected: np.ndarray, rng: np.random.Generator) -> float:
        """One realisation of the window's outcome from fresh uniforms."""
        u = rng.random(expected.shape)
        disp = np.broadcast_to(self.dispersion, expected.shape)
        conv = draw_conversions(expected, u, self.poisson, self.negbin, disp)
        return float((conv * self.per_unit).sum())

    def run(self, tests: list[LiftTest], rng: np.random.Generator, bias: float = 0.0
            ) -> list[LiftResult]:
        """One measurement of each test, in order."""
        results = []
        for test in tests:
            held = self.holdout(test)
            w = slice(test.start, test.end + 1)
            sigma = (1.0 + bias) * np.sqrt(
                self.variance(self.factual.expected_conversions[w])
                + self.variance(held.expected_conversions[w]))
            results.append(LiftResult(
                test, float(self.spend[w, test.channel].sum()), self.true_lift(test, held),
                float(self.measure(test, held, rng, 1, bias)[0]), float(sigma)))
        return results


def parse_tests(specs: list[str], names: list[str], start: date, days: int) -> list[LiftTest]:
    """``CHANNEL:FIRST:LAST`` holdouts (dates YYYY-MM-DD, inclusive) as tests on exported days.

    Raises :class:`~sim.mmm.source.ExportError` with one line per bad specification.
    """
    tests, problems = [], []
    last = start + timedelta(days=days - 1)
    for spec in specs:
        parts = spec.split(":")
        where = f"--lift {spec!r}"
        if len(parts) != 3:
            problems.append(f"{where}: expected CHANNEL:YYYY-MM-DD:YYYY-MM-DD")
            continue
        name, first_text, last_text = parts
        try:
            first, end = date.fromisoformat(first_text), date.fromisoformat(last_text)
        except ValueError:
            problems.append(f"{where}: dates must be YYYY-MM-DD")
            continue
        if name not in names:
            problems.append(f"{where}: unknown channel {name!r} (channels: {', '.join(names)})")
        elif not start <= first <= end <= last:
            problems.append(f"{where}: the window must lie within the exported days "
                            f"{start.isoformat()}..{last.isoformat()}, first day first")
        else:
            tests.append(LiftTest(names.index(name), (first - start).days, (end - start).days))
    if problems:
        raise ExportError(problems)
    return tests
