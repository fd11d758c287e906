"""A fitted PyMC-Marketing MMM, read into our channel curves (docs/CALIBRATE.md).

From ``mmm.save("model.nc")``: the ``posterior`` group's medians of ``adstock_alpha``,
``saturation_lam`` and ``saturation_beta`` (logistic, the default) or ``saturation_kappa``,
``saturation_slope`` and ``saturation_beta`` (Hill), per ``channel``; the scales (the maximum of
each column, by which PyMC-Marketing divides) from the ``constant_data`` group's
``channel_scale`` and ``target_scale`` or from ``--scales``. Or a CSV table of the same numbers,
one row per channel. Its geometric adstock is normalised (``normalize=True``, the default).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sim.calibrate.conversions import (
    daily_alpha,
    half_saturation_daily,
    logistic_half_saturation,
)
from sim.calibrate.curves import LOGISTIC_EQUIVALENT_SHAPE, ChannelCurve
from sim.calibrate.output import problems_error

MMM_EXTRA = "reading netCDF needs the 'mmm' extra: pip install 'campaign-sim[mmm]'"
LOGISTIC = ("adstock_alpha", "saturation_lam", "saturation_beta")
HILL = ("adstock_alpha", "saturation_kappa", "saturation_slope", "saturation_beta")


def read_pymc_marketing(path: Path, scales: Path | None, period_days: float
                        ) -> list[ChannelCurve]:
    """Our curves from a saved model (``.nc``) or a CSV table of posterior medians."""
    rows = _table(path) if path.suffix.lower() == ".csv" else _netcdf(path, scales)
    return [_curve(row, period_days, str(path)) for row in rows]


def _table(path: Path) -> list[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    problems: list[tuple[str, str]] = []
    out = []
    for i, row in enumerate(rows, start=2):
        family = HILL if row.get("saturation_kappa") not in (None, "") else LOGISTIC
        need = ("channel", *family, "channel_scale", "target_scale")
        missing = [k for k in need if row.get(k) in (None, "")]
        problems += [(f"row {i} ({row.get('channel', '?')}).{k}", "missing") for k in missing]
        try:
            numbers = {k: float(row[k]) for k in need[1:] if k not in missing}
        except ValueError as err:
            problems.append((f"row {i}", f"not a number: {err}"))
            continue
        spend = row.get("spend")
        out.append({"channel": row.get("channel"), **numbers,
                    "spend": float(spend) if spend not in (None, "") else None})
    if problems or not out:
        raise problems_error(problems or [("file", "no channel rows")], str(path))
    return out


def _open(path: Path, group: str) -> Any:
    try:
        import xarray as xr
    except ImportError:
        raise problems_error([("file", MMM_EXTRA)], str(path)) from None
    try:
        return xr.open_dataset(path, group=group, engine="h5netcdf").load()
    except (OSError, ValueError, KeyError) as err:
        return err


def _netcdf(path: Path, scales: Path | None) -> list[dict[str, Any]]:
    """Posterior medians per channel and the channel and target scales."""
    post = _open(path, "posterior")
    if isinstance(post, Exception):
        raise problems_error([("posterior", "no posterior group: not a fitted model saved by "
                               f"mmm.save() ({type(post).__name__})")], str(path))
    family = HILL if "saturation_kappa" in post else LOGISTIC
    missing = [v for v in family if v not in post]
    if missing or "channel" not in post.dims:
        raise problems_error([(f"posterior.{v}", "missing") for v in missing]
                             or [("posterior", "no 'channel' dimension")], str(path))
    med = {v: post[v].median(("chain", "draw")) for v in family}
    channels = [str(c) for c in post["channel"].values]
    given = _scales(path, scales, channels)
    rows = []
    for c in channels:
        rows.append({"channel": c, **{v: float(med[v].sel(channel=c)) for v in family},
                     "channel_scale": given[c], "target_scale": given["target"], "spend": None})
    return rows


def _scales(path: Path, scales: Path | None, channels: list[str]) -> dict[str, float]:
    """Channel and target scales: ``--scales`` CSV (``column,scale``), else ``constant_data``."""
    found: dict[str, float] = {}
    if scales is not None:
        with scales.open(newline="", encoding="utf-8") as fh:
            found = {r["column"]: float(r["scale"]) for r in csv.DictReader(fh)}
        where = str(scales)
    else:
        data = _open(path, "constant_data")
        where = str(path)
        if not isinstance(data, Exception):
            if "channel_scale" in data:
                found = {str(c): float(v) for c, v in
                         zip(data["channel"].values, data["channel_scale"].values, strict=True)}
            if "target_scale" in data:
                found["target"] = float(data["target_scale"])
    missing = [c for c in [*channels, "target"] if not found.get(c, 0) > 0]
    if missing:
        raise problems_error([(f"scale of {c}", "missing: give --scales CSV with columns "
                               "column,scale (the column's maximum), 'target' for the target")
                              for c in missing], where)
    return found


def _curve(row: dict[str, Any], period: float, file: str) -> ChannelCurve:
    name, alpha, scale = str(row["channel"]), row["adstock_alpha"], row["channel_scale"]
    unit = f"{period:g}-day period"
    if "saturation_lam" in row:
        k_period = logistic_half_saturation(row["saturation_lam"]) * scale
        shape, family = LOGISTIC_EQUIVALENT_SHAPE, "logistic"
        k_note = f"ln 3 / saturation_lam {row['saturation_lam']:g} x channel scale {scale:g}"
        s_note = "not used by a logistic channel: the Hill shape with its slope at hill_k"
    else:
        k_period = row["saturation_kappa"] * scale
        shape, family = row["saturation_slope"], "hill"
        k_note = f"saturation_kappa {row['saturation_kappa']:g} x channel scale {scale:g}"
        s_note = "saturation_slope"
    return ChannelCurve(
        name=name, adstock_alpha=daily_alpha(alpha, period),
        hill_k=half_saturation_daily(k_period, alpha, period, normalised=True),
        hill_shape=shape, saturation=family,
        max_response=row["saturation_beta"] * row["target_scale"] / period,
        spend=row.get("spend"),
        sources={"adstock_alpha": f"adstock_alpha {alpha:g} per {unit} (median), daily",
                 "hill_k": f"{k_note} per {unit}, normalised adstock, on our daily adstock",
                 "hill_shape": s_note, "saturation": f"{family} saturation in {file}",
                 "max_response": f"saturation_beta {row['saturation_beta']:g} x target scale "
                 f"{row['target_scale']:g} per {unit}"})
