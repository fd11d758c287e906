"""MMM files written to the layouts of docs/CALIBRATE.md, for the calibrate media tests.

Each fixture's numbers are chosen here; the tests compute the expected import by hand from them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

# Robyn, weekly, revenue: tv_S spend per week; the window is the last four weeks.
ROBYN_WEEKS = ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22", "2024-01-29"]
ROBYN_SPEND = {"tv_S": [1000.0, 0.0, 0.0, 0.0, 500.0],
               "search_S": [200.0, 400.0, 100.0, 300.0, 0.0]}
ROBYN_HYPER = {"tv_S": (0.3, 1.5, 0.4), "search_S": (0.1, 0.8, 0.6)}  # theta, alpha, gamma
ROBYN_COEF = {"tv_S": 5000.0, "search_S": 1200.0}
ROBYN_MEAN_SPEND = {"tv_S": 125.0, "search_S": 200.0}


def robyn_export(folder: Path, adstock: str = "geometric", raw_data: bool = True) -> Path:
    """A ``robyn_write()`` JSON: R scalars as one-element arrays, summary as rows."""
    hyper: dict[str, Any] = {"lambda": [0.01], "train_size": [1.0]}
    for ch, (theta, alpha, gamma) in ROBYN_HYPER.items():
        hyper |= {f"{ch}_thetas": [theta], f"{ch}_alphas": [alpha], f"{ch}_gammas": [gamma]}
    summary = [{"variable": ch, "coef": ROBYN_COEF[ch], "mean_spend": ROBYN_MEAN_SPEND[ch],
                "decompPer": 0.1, "performance": 2.0} for ch in ROBYN_SPEND]
    summary.append({"variable": "(Intercept)", "coef": 100.0})
    doc: dict[str, Any] = {
        "InputCollect": {"date_var": ["DATE"], "dep_var": ["revenue"], "dep_var_type": ["revenue"],
                         "paid_media_spends": list(ROBYN_SPEND), "intervalType": ["week"],
                         "adstock": [adstock], "window_start": [ROBYN_WEEKS[1]],
                         "window_end": [ROBYN_WEEKS[-1]]},
        "ModelsCollect": {"iterations": [2000]},
        "ExportedModel": {"select_model": ["1_2_3"], "hyper_values": hyper, "summary": summary,
                          "errors": [{"rsq_train": 0.9}]}}
    if raw_data:
        doc["Extras"] = {"raw_data": [
            {"DATE": d, "revenue": 1.0, **{ch: ROBYN_SPEND[ch][i] for ch in ROBYN_SPEND}}
            for i, d in enumerate(ROBYN_WEEKS)]}
    path = folder / "robyn.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# PyMC-Marketing, weekly, logistic on search and Hill on display (a table may mix them).
PYMC = {"search": {"adstock_alpha": 0.4, "saturation_lam": 2.5, "saturation_beta": 0.3},
        "display": {"adstock_alpha": 0.6, "saturation_lam": 1.2, "saturation_beta": 0.15}}
PYMC_SCALES = {"search": 120000.0, "display": 60000.0, "target": 900000.0}


def pymc_netcdf(folder: Path, posterior: bool = True, scales: bool = True) -> Path:
    """``mmm.save()``-like netCDF: a posterior (2 chains x 3 draws) and constant_data scales."""
    import xarray as xr

    channels = list(PYMC)
    path = folder / "model.nc"
    spread = np.array([[-0.02, 0.0, 0.02], [-0.01, 0.0, 0.01]])  # median of each is 0
    post = xr.Dataset({v: (("chain", "draw", "channel"),
                           np.stack([PYMC[c][v] * (1 + spread) for c in channels], axis=-1))
                       for v in PYMC["search"]},
                      coords={"chain": [0, 1], "draw": [0, 1, 2], "channel": channels})
    const = xr.Dataset({"channel_scale": ("channel", [PYMC_SCALES[c] for c in channels]),
                        "target_scale": PYMC_SCALES["target"]}, coords={"channel": channels})
    first = post if posterior else xr.Dataset({"y": ("obs", [1.0, 2.0])})
    first.to_netcdf(path, group="posterior" if posterior else "observed_data",
                    engine="h5netcdf")
    if scales:
        const.to_netcdf(path, group="constant_data", mode="a", engine="h5netcdf")
    return path


def pymc_table(folder: Path) -> Path:
    """The documented CSV table: one row per channel, Hill for display, with spend."""
    path = folder / "pymc.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["channel", "adstock_alpha", "saturation_lam", "saturation_kappa",
                    "saturation_slope", "saturation_beta", "channel_scale", "target_scale",
                    "spend"])
        w.writerow(["search", 0.4, 2.5, "", "", 0.3, 120000, 900000, 3000000])
        w.writerow(["display", 0.6, "", 0.35, 1.4, 0.15, 60000, 900000, 1000000])
    return path


# Meridian, weekly, national, revenue KPI, geometric adstock.
MERIDIAN: dict[str, Any] = {
    "tool": "meridian", "time_unit_days": 7, "adstock_decay": "geometric", "max_lag": 8,
    "kpi_type": "revenue", "population": 2.0e6, "kpi_scale": 0.05,
    "channels": {
        "search": {"alpha_m": 0.35, "ec_m": 1.8, "slope_m": 1.2, "beta": 1.1,
                   "media_median": 0.004, "cost_per_media_unit": 2.5, "spend": 4.0e6},
        "display": {"alpha_m": 0.55, "ec_m": 0.9, "slope_m": 0.8, "beta": 0.4,
                    "media_median": 0.01, "cost_per_media_unit": 0.8, "spend": 1.0e6}}}


def meridian_file(folder: Path, **changes: Any) -> Path:
    """The documented Meridian JSON, with top-level ``changes``."""
    path = folder / "meridian.json"
    path.write_text(json.dumps({**MERIDIAN, **changes}), encoding="utf-8")
    return path
