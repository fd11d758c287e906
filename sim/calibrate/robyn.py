"""Meta Robyn's ``robyn_write()`` JSON, read into our channel curves (docs/CALIBRATE.md).

Robyn's geometric adstock is unnormalised (``theta`` is the carry-over per period) and its Hill
``x^alpha / (x^alpha + inflexion^alpha)`` works on the adstocked spend over the modelling
window, with ``inflexion`` from ``gamma`` and that series' range (``v3.12``: ``gamma * max``;
``v3.11``: ``(1 - gamma) min + gamma max``). The range needs the spend series: the JSON's
``Extras.raw_data`` or ``--data`` (Robyn's input CSV). The response is ridge ``coef * Hill``.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibrate.conversions import daily_alpha, half_saturation_daily, robyn_inflexion
from sim.calibrate.curves import ChannelCurve
from sim.calibrate.output import problems_error
from sim.world.media import adstock_series

PERIOD_DAYS = {"day": 1.0, "week": 7.0}


@dataclass
class RobynOptions:
    """How to read the file: the inflexion definition and where the spend series is."""

    inflexion: str = "v3.12"
    data: Path | None = None


def _one(value: Any) -> Any:
    """The value of an R scalar, which jsonlite writes as a one-element array."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def load_export(path: Path) -> dict[str, Any]:
    """The JSON, checked to be a ``robyn_write()`` export of a geometric-adstock model."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise problems_error([("file", f"not readable JSON: {err}")], str(path)) from None
    if not isinstance(raw, dict):
        raise problems_error([("file", "not a Robyn export: expected a JSON object")], str(path))
    problems = [(key, "not a Robyn export: robyn_write() JSON has this top-level key")
                for key in ("InputCollect", "ExportedModel") if not isinstance(raw.get(key), dict)]
    exported = raw.get("ExportedModel")
    if isinstance(exported, dict):
        problems += [(f"ExportedModel.{key}", "missing: a robyn_write() export has it")
                     for key in ("hyper_values", "summary") if key not in exported]
    if not problems:
        problems = _adstock_problems(raw)
    if problems:
        raise problems_error(problems, str(path))
    return raw


def _adstock_problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    adstock = str(_one(raw["InputCollect"].get("adstock", "geometric")))
    hyper = raw["ExportedModel"]["hyper_values"]
    if adstock.startswith("weibull") or any(k.endswith(("_shapes", "_scales")) for k in hyper):
        kind = adstock if adstock.startswith("weibull") else "weibull"
        return [("InputCollect.adstock", f"{kind} adstock is not supported: our adstock is "
                 "geometric; refit Robyn with adstock = 'geometric'")]
    if adstock != "geometric":
        return [("InputCollect.adstock", f"unknown adstock {adstock!r} (geometric expected)")]
    interval = str(_one(raw["InputCollect"].get("intervalType", "day")))
    if interval not in PERIOD_DAYS:
        return [("InputCollect.intervalType", f"{interval!r}: only day or week models")]
    return []


def read_robyn(path: Path, options: RobynOptions) -> tuple[list[ChannelCurve], str]:
    """Our curves for the export's paid media channels, and the outcome (revenue|conversions)."""
    raw = load_export(path)
    inputs, exported = raw["InputCollect"], raw["ExportedModel"]
    channels = [str(c) for c in _as_list(inputs.get("paid_media_spends"))]
    hyper = {k: float(_one(v)) for k, v in exported["hyper_values"].items()
             if not isinstance(_one(v), list | dict)}
    summary = {row.get("variable"): row for row in _as_list(exported["summary"])
               if isinstance(row, dict)}
    series = spend_series(raw, channels, options.data, path)
    problems = [(f"ExportedModel.hyper_values.{c}_{p}", "missing")
                for c in channels for p in ("thetas", "alphas", "gammas")
                if f"{c}_{p}" not in hyper]
    problems += [(f"ExportedModel.summary[{c}].coef", "missing") for c in channels
                 if "coef" not in summary.get(c, {})]
    if not channels:
        problems.append(("InputCollect.paid_media_spends", "no paid media channel"))
    if problems:
        raise problems_error(problems, str(path))
    period = PERIOD_DAYS[str(_one(inputs.get("intervalType", "day")))]
    outcome = "revenue" if str(_one(inputs.get("dep_var_type", "revenue"))) == "revenue" \
        else "conversions"
    curves = [_curve(c, hyper, summary[c], series[c], period, options.inflexion)
              for c in channels]
    return curves, outcome


def _curve(name: str, hyper: dict[str, float], row: dict[str, Any],
           series: tuple[np.ndarray, int], period: float, definition: str) -> ChannelCurve:
    theta, shape, gamma = (hyper[f"{name}_{p}"] for p in ("thetas", "alphas", "gammas"))
    spend = series[0][series[1]:]
    adstocked = adstock_series(series[0], theta)[series[1]:]
    inflexion = robyn_inflexion(gamma, float(adstocked.min()), float(adstocked.max()), definition)
    unit = "day" if period == 1 else "week"
    mean_spend = _one(row.get("mean_spend"))
    return ChannelCurve(
        name=name, adstock_alpha=daily_alpha(theta, period),
        hill_k=half_saturation_daily(inflexion, theta, period, normalised=False),
        hill_shape=shape, max_response=float(_one(row["coef"])) / period,
        spend=float(mean_spend) if mean_spend is not None else float(spend.sum()),
        sources={"adstock_alpha": f"{name}_thetas {theta:g} per {unit}, as a daily carry-over",
                 "hill_k": f"inflexion {inflexion:g} ({definition}: {name}_gammas {gamma:g} on "
                 f"the adstocked spend range {adstocked.min():g}..{adstocked.max():g} per "
                 f"{unit}), on our daily adstock",
                 "hill_shape": f"{name}_alphas",
                 "max_response": f"summary coef {float(_one(row['coef'])):g} per {unit}"})


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def spend_series(raw: dict[str, Any], channels: list[str], data: Path | None,
                 path: Path) -> dict[str, tuple[np.ndarray, int]]:
    """Each channel's spend per period up to the window's end, and the window's first row.

    From ``--data`` (Robyn's input CSV) or the JSON's ``Extras.raw_data``.
    """
    rows = _data_rows(data) if data is not None else _as_list(
        (raw.get("Extras") or {}).get("raw_data"))
    source = str(data) if data is not None else str(path)
    if not rows:
        raise problems_error([("Extras.raw_data", "no spend series: needed for the adstocked "
                               "spend range that turns gamma into a half-saturation; give "
                               "Robyn's input data with --data FILE.csv")], str(path))
    window = _window(rows, raw["InputCollect"])
    problems, out = [], {}
    for c in channels:
        try:
            out[c] = np.array([float(r[c]) for r in rows], dtype=float)[
                : int(np.flatnonzero(window).max()) + 1]
        except (KeyError, TypeError, ValueError):
            problems.append((f"column {c}", "missing or not numeric in the spend series"))
    if problems:
        raise problems_error(problems, source)
    first = int(window.argmax())
    return {c: (x, first) for c, x in out.items()}


def _data_rows(data: Path) -> list[dict[str, Any]]:
    with data.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _window(rows: list[dict[str, Any]], inputs: dict[str, Any]) -> np.ndarray:
    """Which rows lie in ``window_start..window_end`` (all when the window is not given).

    Robyn adstocks the whole series and takes the range inside the window, so rows before the
    window still carry over into it.
    """
    date_var = _one(inputs.get("date_var"))
    start, end = _one(inputs.get("window_start")), _one(inputs.get("window_end"))
    if not date_var or not start or not end:
        return np.ones(len(rows), dtype=bool)
    dates = [str(r.get(date_var, ""))[:10] for r in rows]
    return np.array([str(start) <= d <= str(end) for d in dates], dtype=bool)
