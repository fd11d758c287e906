"""A fitted Google Meridian model, from the small JSON file of docs/CALIBRATE.md.

Meridian divides each channel's media by ``population x median_m`` (the median of its non-zero
per-capita media), adstocks it with normalised geometric weights over ``max_lag`` periods,
applies ``Hill(ec_m, slope_m)`` and multiplies by ``beta`` on the KPI scaled as
``(kpi / population - mean) / kpi_scale``. So on raw media the half-saturation is
``ec_m x median_m x population`` media units (x ``cost_per_media_unit`` for spend) and the
response at saturation ``beta x kpi_scale x population`` KPI per period.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.calibrate.conversions import daily_alpha, half_saturation_daily
from sim.calibrate.curves import ChannelCurve
from sim.calibrate.output import problems_error

TOP = ("time_unit_days", "population", "kpi_scale", "kpi_type", "channels")
PER_CHANNEL = ("alpha_m", "ec_m", "slope_m", "beta", "media_median", "cost_per_media_unit")


def read_meridian(path: Path) -> tuple[list[ChannelCurve], str]:
    """Our curves and the outcome (revenue|conversions) from the documented Meridian JSON."""
    raw = _load(path)
    problems = [(key, "missing (see docs/CALIBRATE.md, Meridian)") for key in TOP
                if key not in raw]
    if raw.get("adstock_decay", "geometric") != "geometric":
        problems.append(("adstock_decay", f"{raw['adstock_decay']!r} is not supported: our "
                         "adstock is geometric; refit with adstock_decay_spec='geometric'"))
    if raw.get("hill_before_adstock", False):
        problems.append(("hill_before_adstock", "not supported: our Hill acts on the adstock"))
    found = raw.get("channels")
    channels: dict[str, Any] = found if isinstance(found, dict) else {}
    for name, ch in channels.items():
        problems += [(f"channels.{name}.{k}", "missing or not a positive number")
                     for k in PER_CHANNEL if not _positive(ch.get(k) if isinstance(ch, dict)
                                                          else None)]
    problems += [(key, "must be a positive number") for key in TOP[:3]
                 if key in raw and not _positive(raw[key])]
    if problems:
        raise problems_error(problems, str(path))
    outcome = "revenue" if raw["kpi_type"] == "revenue" else "conversions"
    curves = [_curve(str(n), ch, raw) for n, ch in channels.items()]
    return curves, outcome


def _load(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise problems_error([("file", f"not readable JSON: {err}")], str(path)) from None
    if not isinstance(raw, dict) or raw.get("tool") != "meridian":
        raise problems_error([("tool", "not a Meridian export: expected a JSON object with "
                               "tool: meridian (see docs/CALIBRATE.md)")], str(path))
    return raw


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _curve(name: str, ch: dict[str, Any], raw: dict[str, Any]) -> ChannelCurve:
    period, pop = float(raw["time_unit_days"]), float(raw["population"])
    alpha = float(ch["alpha_m"])
    media_k = float(ch["ec_m"]) * float(ch["media_median"]) * pop
    k_period = media_k * float(ch["cost_per_media_unit"])
    unit = f"{period:g}-day period"
    spend = ch.get("spend")
    return ChannelCurve(
        name=name, adstock_alpha=daily_alpha(alpha, period),
        hill_k=half_saturation_daily(k_period, alpha, period, normalised=True),
        hill_shape=float(ch["slope_m"]),
        max_response=float(ch["beta"]) * float(raw["kpi_scale"]) * pop / period,
        spend=float(spend) if _positive(spend) else None,  # type: ignore[arg-type]
        sources={"adstock_alpha": f"alpha_m {alpha:g} per {unit}, daily",
                 "hill_k": f"ec_m {ch['ec_m']:g} x media median {ch['media_median']:g} x "
                 f"population {pop:g} = {media_k:g} media units x cost "
                 f"{ch['cost_per_media_unit']:g} per {unit}, normalised adstock, daily",
                 "hill_shape": "slope_m",
                 "max_response": f"beta {ch['beta']:g} x kpi_scale {raw['kpi_scale']:g} x "
                 f"population {pop:g} per {unit}"})
