"""Rules that relate several sections of a scenario: one function per section.

Each function returns its problems as ``(path, rule, value given or None)``; the scenario's
validator runs them all, so one load reports every broken rule at once.
"""

from __future__ import annotations

from typing import Any

from sim.scenario.sections import Agency, Allocator, Channel, Demand, Formats
from sim.scenario.setups import BUILTIN_SETUPS, SetupSpec

Found = list[tuple[str, str, Any]]


class CrossReferenceError(ValueError):
    """Rules that relate several fields, each as (path, rule, value given or None)."""

    def __init__(self, problems: Found):
        self.problems = problems
        super().__init__("; ".join(f"{path}: {rule}" for path, rule, _ in problems))


def repeated(names: list[str]) -> list[str]:
    """Names given more than once, each once, in order."""
    return list(dict.fromkeys(n for i, n in enumerate(names) if n in names[:i]))


def shape(matrix: list[list[float]]) -> str:
    """``"rows x columns"``, or the length of each row when they differ."""
    lengths = [len(row) for row in matrix]
    if len(set(lengths)) > 1:
        return f"{len(matrix)} rows of lengths {lengths}"
    return f"{len(matrix)} x {lengths[0] if lengths else 0}"


def unknown_setup(name: str, known: list[str], label: str) -> str:
    """The rule broken by a setup name that is not known (or empty)."""
    what = "setup name is empty" if not name.strip() else f"unknown setup {name!r}"
    return f"{what} ({label}: {', '.join(known)})"


def check_formats(formats: Formats) -> Found:
    """Format names are unique and the compatibility matrix is square over them."""
    found: Found = []
    n, m = len(formats.names), formats.compatibility
    if repeated(formats.names):
        found.append(("formats.names", "format names must be unique", repeated(formats.names)))
    if len(m) != n or any(len(row) != n for row in m):
        found.append(("formats.compatibility",
                      f"must be {n} x {n}, one row and column per format", shape(m)))
    return found


def check_channels(channels: list[Channel], formats: Formats) -> Found:
    """Unique names, known formats, one weight per format, plan shares adding up to 1."""
    found: Found = []
    names = [c.name for c in channels]
    if repeated(names):
        found.append(("channels", "channel names must be unique", repeated(names)))
    for i, c in enumerate(channels):
        found += [(f"channels.{i}.formats", f"unknown format {f!r}", None)
                  for f in c.formats if f not in formats.names]
        if c.format_weights is not None and len(c.format_weights) != len(c.formats):
            found.append((f"channels.{i}.format_weights",
                          f"needs one weight per format ({len(c.formats)})",
                          len(c.format_weights)))
    total = sum(c.plan_share for c in channels)
    if abs(total - 1.0) > 1e-6:
        found.append(("channels", "plan_share values must add up to 1", round(total, 9)))
    return found


def check_synergy(synergy: list[list[float]] | None, channels: list[Channel]) -> Found:
    """A square matrix over the channels, with a zero diagonal."""
    if synergy is None:
        return []
    k = len(channels)
    if len(synergy) != k or any(len(r) != k for r in synergy):
        return [("synergy", f"must be {k} x {k}, one row and column per channel",
                 shape(synergy))]
    if any(synergy[i][i] != 0 for i in range(k)):
        return [("synergy", "the diagonal must be 0 (a channel does not lift itself)",
                 [synergy[i][i] for i in range(k)])]
    return []


def check_demand(demand: Demand, channels: list[Channel], horizon_days: int) -> Found:
    """Known channels in the mix; a step day when the shape is a step, within the horizon."""
    names = [c.name for c in channels]
    found: Found = [(f"demand.channel_mix.{key}", "unknown channel", None)
                    for key in demand.channel_mix if key not in names]
    if demand.shape == "step" and demand.step_day is None:
        found.append(("demand.step_day", "required when demand.shape is 'step'", None))
    if demand.step_day is not None and demand.step_day > horizon_days:
        found.append(("demand.step_day", f"must lie within the horizon ({horizon_days} days)",
                      demand.step_day))
    return found


def check_agencies(agencies: list[Agency], channels: list[Channel], formats: Formats) -> Found:
    """Unique names, known formats, every channel bound to one agency that makes its formats."""
    found: Found = []
    names = [a.name for a in agencies]
    if repeated(names):
        found.append(("agencies", "agency names must be unique", repeated(names)))
    bound: dict[str, Agency] = {}
    known = {c.name for c in channels}
    for i, a in enumerate(agencies):
        found += [(f"agencies.{i}.formats", f"unknown format {f!r}", None)
                  for f in a.formats if f not in formats.names]
        for cname in a.channels:
            if cname not in known:
                found.append((f"agencies.{i}.channels", f"unknown channel {cname!r}", None))
            elif cname in bound:
                found.append((f"agencies.{i}.channels",
                              f"{cname!r} is already bound to {bound[cname].name!r}", None))
            else:
                bound[cname] = a
    for i, c in enumerate(channels):
        if c.name not in bound:
            found.append((f"channels.{i}", f"channel {c.name!r} is bound to no agency", None))
            continue
        missing = [f for f in c.formats if f not in bound[c.name].formats]
        if missing:
            found.append((f"channels.{i}.formats",
                          f"agency {bound[c.name].name!r} cannot produce {missing}", None))
    return found


def check_allocator(allocator: Allocator, channels: list[Channel]) -> Found:
    """Known AI pilot channels; share bounds that a day's budget can meet."""
    names = [c.name for c in channels]
    found: Found = [("allocator.ai_pilot_channels", f"unknown channel {c!r}", None)
                    for c in allocator.ai_pilot_channels if c not in names]
    if allocator.min_share * len(names) > 1 + 1e-9:
        found.append(("allocator.min_share",
                      f"channels ({len(names)}) x min_share must not exceed 1",
                      allocator.min_share))
    if allocator.max_share * len(names) < 1 - 1e-9:
        found.append(("allocator.max_share", f"channels ({len(names)}) x max_share must reach 1",
                      allocator.max_share))
    return found


def check_setups(setups: list[str | SetupSpec]) -> Found:
    """Built-in names or custom setups on a built-in base, none listed twice."""
    found: Found = []
    builtin = list(BUILTIN_SETUPS)
    seen: list[str] = []
    for i, s in enumerate(setups):
        name = s if isinstance(s, str) else s.name
        if isinstance(s, str) and s not in BUILTIN_SETUPS:
            found.append((f"setups.{i}", unknown_setup(s, builtin, "built in"), None))
        if isinstance(s, SetupSpec) and s.name in BUILTIN_SETUPS:
            found.append((f"setups.{i}.name",
                          "a custom setup must not reuse a built-in setup name", s.name))
        if isinstance(s, SetupSpec) and s.base not in BUILTIN_SETUPS:
            found.append((f"setups.{i}.base", unknown_setup(s.base, builtin, "built in"), None))
        if name in seen:
            found.append((f"setups.{i}", f"setup {name!r} is listed twice", None))
        seen.append(name)
    return found
