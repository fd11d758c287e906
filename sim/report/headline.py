"""The headline of a comparison: the conductor against the pilot, then the yardsticks.

The user runs a comparison to learn what coordination is worth over the pilot, and from which
platform price it stops paying. The oracle (an upper bound) and scaled_silos ("more AI without
coordination") are yardsticks: naming the oracle as "best" would answer a question nobody asked,
so they come after the answer.

Everything is computed from the comparison table. The break-even monthly platform cost uses that
the platform cost enters net contribution linearly (see :mod:`sim.tables.breakeven`):
``(paired gain + setup's platform cost) / months``; its CI is the paired gain's CI shifted, which
is exact when the platform cost is the same in every replication (it is: a fixed monthly fee).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from sim.report.labels import number_format, unit_label
from sim.report.prose import ReadingContext, reading_context
from sim.tables.breakeven import scaled
from sim.tables.comparison import excludes_zero
from sim.tables.metrics import DAYS_PER_MONTH
from sim.tables.stats import Estimate

CONDUCTOR = "conductor"
YARDSTICKS: dict[str, str] = {
    "oracle": "the upper bound for budget allocation",
    "scaled_silos": "AI on every channel without coordination",
}
NET = "net_contribution"
PLATFORM = "platform_cost"


def headline_pair(ctx: ReadingContext) -> tuple[str, str] | None:
    """(setup, reference) the headline answers for: the conductor against the reference.

    Without the conductor (or when it is the reference), the best setup on net contribution that
    is neither the reference nor a yardstick; failing that, the best yardstick. None without a
    reference or a second setup.
    """
    ref = ctx.reference
    if ref is None or not ctx.has(NET):
        return None
    if CONDUCTOR in ctx.setups and ref != CONDUCTOR:
        return CONDUCTOR, ref
    others = [s for s in ctx.setups if s != ref and math.isfinite(ctx.mean(NET, s))]
    plain = [s for s in others if s not in YARDSTICKS] or others
    if not plain:
        return None
    return max(plain, key=lambda s: ctx.mean(NET, s)), ref


def _money(ctx: ReadingContext, mean: float, low: float, high: float) -> tuple[str, str]:
    """(``4.07 M EUR``, ``[3.93, 4.22]``) with the scale chosen for ``mean``."""
    fmt = number_format(NET, [mean, low, high], compact=True, limit=1_000)
    unit = unit_label(NET, fmt, ctx.currency)
    value = fmt.number(mean)
    value = f"{value} {unit}" if unit else value
    if not (math.isfinite(low) and math.isfinite(high)):
        return value, ""
    return value, f"[{fmt.number(low)}, {fmt.number(high)}]"


def _period(horizon_days: int | None) -> str:
    if horizon_days is None:
        return "over the horizon"
    if 360 <= horizon_days <= 366:
        return "a year"
    return f"over {horizon_days} days"


def gain_sentence(ctx: ReadingContext, setup: str, horizon_days: int | None) -> str:
    """The paired gain as a sentence: ``The conductor adds 4.07 M EUR a year ... [3.93, 4.22]``."""
    assert ctx.reference is not None
    mean, low, high = ctx.diff(NET, setup)
    verb = "adds" if mean >= 0 else "loses"
    if mean < 0:
        mean, low, high = -mean, -high, -low
    value, ci = _money(ctx, mean, low, high)
    text = (f"The {setup} {verb} {value} {_period(horizon_days)} of net contribution "
            f"over the {ctx.reference}")
    if not ci:
        return text + " (too few replications for a CI)."
    text += f" {ci} (95% CI of the paired difference"
    if excludes_zero(ctx.diff(NET, setup)):
        return text + ")."
    return text + "; it includes zero: not distinguishable at this number of replications)."


def breakeven_estimate(ctx: ReadingContext, setup: str, horizon_days: int | None
                       ) -> Estimate | None:
    """The monthly platform cost at which ``setup`` gains nothing over the reference, or None.

    None when the horizon is unknown or the setup pays no platform cost.
    """
    if horizon_days is None or not ctx.has(PLATFORM):
        return None
    platform = ctx.mean(PLATFORM, setup)
    mean, low, high = ctx.diff(NET, setup)
    if not (math.isfinite(platform) and math.isfinite(mean)) or platform <= 0:
        return None  # a setup without a platform has no platform price to break even at
    months = horizon_days / DAYS_PER_MONTH
    gain = Estimate(mean, math.nan, low, high, 0)
    return scaled(gain, 1 / months, platform / months)


def breakeven_sentence(ctx: ReadingContext, setup: str, horizon_days: int | None) -> str | None:
    """The break-even monthly platform cost with its CI, and the scenario's, as a sentence."""
    est = breakeven_estimate(ctx, setup, horizon_days)
    if est is None:
        return None
    now = ctx.mean(PLATFORM, setup) / (horizon_days or 1) * DAYS_PER_MONTH
    value, ci = _money(ctx, est.mean, est.ci_low, est.ci_high)
    current, _ = _money(ctx, now, math.nan, math.nan)
    if est.mean <= 0:
        return (f"It pays for no platform at all: its gain before the platform cost is not "
                f"positive ({value} a month; the scenario's platform costs {current} a month).")
    ci_text = f" {ci}" if ci else ""
    return (f"It breaks even at a platform cost of {value} a month{ci_text} "
            f"(the scenario's platform costs {current} a month).")


def yardstick_sentence(ctx: ReadingContext, exclude: str | None) -> str | None:
    """The yardsticks' paired differences against the reference, after the answer."""
    ref = ctx.reference
    names = [s for s in YARDSTICKS if s in ctx.setups and s not in (ref, exclude)]
    if ref is None or not names or not ctx.has(NET):
        return None
    parts = []
    for name in names:
        mean, low, high = ctx.diff(NET, name)
        value, ci = _money(ctx, mean, low, high)
        sign = "+" if mean >= 0 else ""
        parts.append(f"{name} ({YARDSTICKS[name]}) {sign}{value}{' ' + ci if ci else ''}")
    return f"Yardsticks, paired against the {ref} on net contribution: {'; '.join(parts)}."


def _no_pair(ctx: ReadingContext) -> list[str]:
    """Without a reference: name the setup with the highest net contribution, yardsticks aside."""
    finite = [s for s in ctx.setups if ctx.has(NET) and math.isfinite(ctx.mean(NET, s))]
    plain = [s for s in finite if s not in YARDSTICKS] or finite
    if not plain:
        return []
    best = max(plain, key=lambda s: ctx.mean(NET, s))
    value, _ = _money(ctx, ctx.mean(NET, best), math.nan, math.nan)
    return [f"The {best} has the highest net contribution ({value}, mean over replications); "
            "there is no reference setup (pilot) to pair it with."]


def headline(ctx: ReadingContext, horizon_days: int | None,
             extra: Sequence[str] = ()) -> list[str]:
    """The answer sentences ([] if none): gain, break-even, ``extra``, then the yardsticks.

    ``extra`` holds the sentences computed from other tables (payback, bottleneck).
    """
    pair = headline_pair(ctx)
    if pair is None:
        return _no_pair(ctx) + [line for line in extra if line]
    setup, _ = pair
    lines = [gain_sentence(ctx, setup, horizon_days)]
    breakeven = breakeven_sentence(ctx, setup, horizon_days)
    if breakeven is not None:
        lines.append(breakeven)
    lines += [line for line in extra if line]
    yardsticks = yardstick_sentence(ctx, setup)
    if yardsticks is not None:
        lines.append(yardsticks)
    return lines


def headline_text(comparison: pd.DataFrame, horizon_days: int | None,
                  currency: str | None = None) -> str:
    """The headline as lines of plain text for a terminal ('' when there is nothing to say)."""
    return "\n".join(headline(reading_context(comparison, None, currency), horizon_days))


__all__ = ["breakeven_estimate", "headline", "headline_pair", "headline_text"]
