"""Imported response curves, as a ``channels:`` block with a note per number.

Every MMM reader returns :class:`ChannelCurve` rows in our units (daily, unnormalised adstock,
spend in currency, response in the model's outcome per day). :func:`channels_block` turns them
into scenario blocks: ``max_daily_conversions`` is the response at saturation divided by the
channel's ``value_per_conversion`` when the outcome is revenue (from the template's channel if
given, else the ``--value-per-conversion`` option), and plan shares come from spend where the
file has it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.calibrate.output import Calibrated, PathKey, problems_error

# Hill shape with the logistic curve's slope at the half-saturation (3 ln 3 / 2); written for a
# logistic channel, whose true response does not use it.
LOGISTIC_EQUIVALENT_SHAPE = 1.5 * math.log(3.0)


@dataclass
class ChannelCurve:
    """One channel's fitted curve in our units, and where each number came from."""

    name: str
    adstock_alpha: float
    hill_k: float
    hill_shape: float
    max_response: float  # outcome per day at saturation (revenue or conversions)
    saturation: str = "hill"
    spend: float | None = None  # the channel's spend over the file's window, if known
    sources: dict[str, str] = field(default_factory=dict)


@dataclass
class MediaOptions:
    """What the readers cannot find in the file: outcome kind, values, renames, template."""

    value_per_conversion: float = 1.0
    renames: dict[str, str] = field(default_factory=dict)
    template: Path | None = None


def template_channels(template: Path | None) -> dict[str, dict[str, Any]]:
    """The template's channels by name (empty without a template)."""
    if template is None:
        return {}
    raw = yaml.safe_load(template.read_text(encoding="utf-8")) or {}
    return {c["name"]: dict(c) for c in raw.get("channels", []) if isinstance(c, Mapping)}


def channels_block(curves: list[ChannelCurve], outcome: str, file: str, tool: str,
                   options: MediaOptions) -> Calibrated:
    """The ``channels:`` block for ``curves``; unknown channels vs the template raise."""
    curves = [_renamed(c, options.renames) for c in curves]
    known = template_channels(options.template)
    if options.template is not None:
        unknown = [c.name for c in curves if c.name not in known]
        if unknown:
            raise problems_error([(f"channel {n!r}", f"not a channel of {options.template}; "
                                   "map it with --rename MMM_NAME=SCENARIO_NAME") for n in unknown],
                                 file)
    notes: dict[PathKey, str] = {}
    items = [_item(c, outcome, known.get(c.name), options, notes) for c in curves]
    for c in curves:
        notes[("channels", c.name)] = (f"{c.name}: fitted curve from {tool} file {file}"
                                       + (f" ({c.sources['name']})" if "name" in c.sources else ""))
    shares = plan_shares(curves, known)
    for item, c in zip(items, curves, strict=True):
        if shares is not None:
            item["plan_share"] = shares[c.name]
            notes[("channels", c.name, "plan_share")] = "share of the file's spend" + (
                " within the template's plan share of these channels" if known else "")
    header = [f"channels imported from {tool} file {file}: daily geometric adstock "
              "(unnormalised), spend in currency; see docs/CALIBRATE.md for the formulas"]
    return Calibrated({"channels": items}, notes, [], header, digits=10)


def _renamed(c: ChannelCurve, renames: Mapping[str, str]) -> ChannelCurve:
    if c.name in renames:
        c.sources["name"] = f"{c.name} in the file, renamed by --rename"
        c.name = renames[c.name]
    return c


def _item(c: ChannelCurve, outcome: str, template: Mapping[str, Any] | None,
          options: MediaOptions, notes: dict[PathKey, str]) -> dict[str, Any]:
    """One channel's mapping, and its notes (a field's source; the channel's summary)."""
    value, value_from = _value_per_conversion(outcome, template, options)
    item: dict[str, Any] = {"name": c.name, "adstock_alpha": c.adstock_alpha, "hill_k": c.hill_k,
                            "hill_shape": c.hill_shape}
    if c.saturation != "hill" or (template or {}).get("saturation", "hill") != "hill":
        item["saturation"] = c.saturation
    item["max_daily_conversions"] = c.max_response / value
    base = ("channels", c.name)
    for key, source in c.sources.items():
        if key in item:
            notes[(*base, key)] = source
    notes[(*base, "max_daily_conversions")] = (
        f"{c.sources.get('max_response', 'response at saturation')}; outcome is {outcome}"
        + (f", divided by value_per_conversion {value:g} ({value_from})"
           if outcome == "revenue" else ", in conversions"))
    return item


def _value_per_conversion(outcome: str, template: Mapping[str, Any] | None,
                          options: MediaOptions) -> tuple[float, str]:
    if outcome != "revenue":
        return 1.0, "outcome in conversions"
    if template is not None and "value_per_conversion" in template:
        return float(template["value_per_conversion"]), "the template's channel"
    return options.value_per_conversion, "--value-per-conversion; 1 means outcome is revenue"


def plan_shares(curves: list[ChannelCurve], template: Mapping[str, Mapping[str, Any]]
                ) -> dict[str, float] | None:
    """Spend shares of the channels, or ``None`` when some channel's spend is unknown.

    Merged into a template with other channels too, the shares are scaled to the plan share
    these channels hold in the template, so the plan still adds up to 1.
    """
    spend: dict[str, float] = {}
    for c in curves:
        if c.spend is None or c.spend < 0:
            return None
        spend[c.name] = c.spend
    total = sum(spend.values())
    if total <= 0:
        return None
    held = 1.0
    if any(n not in spend for n in template):
        held = sum(float(template[n].get("plan_share", 0.0)) for n in spend)
    return {n: held * s / total for n, s in spend.items()}
