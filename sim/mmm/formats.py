"""The three MMM tools' input layouts, and the panel of media data they are built from.

Each layout is a list of :class:`Column` (name, dtype, the tool argument it maps to), so the
README of an export and the tests read the same definition. Column conventions follow the tools'
documentation and demo data (MMM_FORMATS.md): Robyn ``DATE, revenue, tv_S, tv_I``; Meridian long
format ``geo, time, <ch>_impression, <ch>_spend, conversions, revenue_per_conversion,
population``; PyMC-Marketing ``date`` plus one spend column per channel and a target column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

FORMATS = ("robyn", "meridian", "pymc-marketing")
DATA_FILE = {"robyn": "robyn_input.csv", "meridian": "meridian_input.csv",
             "pymc-marketing": "pymc_marketing_input.csv"}


@dataclass(frozen=True)
class Column:
    """One column of an export: its name, dtype (as pandas reads the CSV) and tool argument."""

    name: str
    dtype: str  # "float64", "int64" or "str" (text, including YYYY-MM-DD dates)
    argument: str


@dataclass(frozen=True)
class Panel:
    """Per-period media data of one run: dates, and (periods, channels) arrays."""

    dates: list[date]
    channels: list[str]  # column-safe channel names
    spend: np.ndarray
    impressions: np.ndarray
    revenue: np.ndarray  # (periods,) realised, all channels
    conversions: np.ndarray
    quality: np.ndarray  # mean creative quality over the period's days
    live_assets: np.ndarray  # mean live assets over the period's days


def safe_name(name: str) -> str:
    """A channel name as a column-name stem: lower case, letters, digits and underscores."""
    stem = re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()
    return stem if stem and not stem[0].isdigit() else f"ch_{stem}"


def period_dates(start: date, periods: int, granularity: str) -> list[date]:
    """First day of each period."""
    step = 1 if granularity == "daily" else 7
    return [start + timedelta(days=step * i) for i in range(periods)]


def layout(fmt: str, channels: list[str], outcome: str) -> list[Column]:
    """The columns of ``fmt``'s data file, in order."""
    controls = [Column(f"{c}_{kind}", "float64", arg) for kind, arg in (
        ("quality", "context_vars" if fmt == "robyn" else "controls"),
        ("live_assets", "context_vars" if fmt == "robyn" else "controls")) for c in channels]
    if fmt == "pymc-marketing":
        controls = [Column(c.name, c.dtype, "control_columns") for c in controls]
        return [Column("date", "str", "date_column"),
                *[Column(f"{c}_spend", "float64", "channel_columns") for c in channels],
                *controls, Column(outcome, "float64", "target_column")]
    if fmt == "robyn":
        return [Column("DATE", "str", "date_var"),
                Column(outcome, "float64", f"dep_var (dep_var_type = \"{_robyn_type(outcome)}\")"),
                *[Column(f"{c}_S", "float64", "paid_media_spends") for c in channels],
                *[Column(f"{c}_I", "float64", "paid_media_vars") for c in channels], *controls]
    kpi = ([Column("revenue", "float64", "kpi (kpi_type = \"revenue\")")] if outcome == "revenue"
           else [Column("conversions", "float64", "kpi (kpi_type = \"non_revenue\")"),
                 Column("revenue_per_conversion", "float64", "revenue_per_kpi")])
    return [Column("geo", "str", "geo"), Column("time", "str", "time"),
            *[Column(f"{c}_impression", "float64", "media") for c in channels],
            *[Column(f"{c}_spend", "float64", "media_spend") for c in channels],
            *controls, *kpi, Column("population", "float64", "population")]


def _robyn_type(outcome: str) -> str:
    return "revenue" if outcome == "revenue" else "conversion"


def data_table(fmt: str, panel: Panel, outcome: str) -> pd.DataFrame:
    """The data file of ``fmt`` for a panel, columns in the layout's order."""
    n_periods = len(panel.dates)
    dates = [d.isoformat() for d in panel.dates]
    values: dict[str, np.ndarray | list[str]] = {
        "DATE": dates, "date": dates, "time": dates, "geo": ["national"] * n_periods,
        "population": np.ones(n_periods), "revenue": panel.revenue,
        "conversions": panel.conversions,
        "revenue_per_conversion": np.divide(panel.revenue, panel.conversions,
                                            out=np.zeros(n_periods),
                                            where=panel.conversions > 0)}
    for i, c in enumerate(panel.channels):
        values[f"{c}_S"] = values[f"{c}_spend"] = panel.spend[:, i]
        values[f"{c}_I"] = values[f"{c}_impression"] = panel.impressions[:, i]
        values[f"{c}_quality"] = panel.quality[:, i]
        values[f"{c}_live_assets"] = panel.live_assets[:, i]
    cols = layout(fmt, panel.channels, outcome)
    return pd.DataFrame({c.name: values[c.name] for c in cols}).astype(
        {c.name: c.dtype for c in cols})
