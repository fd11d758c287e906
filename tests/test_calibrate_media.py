"""calibrate media: conversions and each tool's import, against numbers computed by hand.

Must-show 2: a fixture in each tool's documented layout imports to the hand-computed
``adstock_alpha``, ``hill_k``, ``hill_shape`` and scale (``max_daily_conversions``), and the
imported curve's response, run through the simulator's own media functions (``adstock`` step
by step, then ``saturation``, as ``Media.deliver`` does), equals the tool's own formula applied
to its own adstock at 5 levels of constant spend.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import calibrate_fixtures as fx
import numpy as np
import pytest

from sim.calibrate.conversions import (
    daily_alpha,
    half_saturation_daily,
    logistic_half_saturation,
    robyn_inflexion,
)
from sim.calibrate.curves import MediaOptions
from sim.calibrate.media import import_media
from sim.calibrate.robyn import RobynOptions
from sim.world.media import adstock, saturation

DAILY_SPEND = np.array([200.0, 1500.0, 5000.0, 15000.0, 60000.0])  # 5 levels, per day
REL = 1e-6


# -- the conversions, by hand --------------------------------------------------------------------
def test_weekly_carry_over_is_the_seventh_root() -> None:
    assert daily_alpha(2.0 ** -7, 7) == pytest.approx(0.5, rel=1e-12)
    assert daily_alpha(0.3, 1) == 0.3


def test_half_saturation_conversions_by_hand() -> None:
    # daily, unnormalised (Robyn daily): unchanged
    assert half_saturation_daily(400.0, 0.3, 1, normalised=False) == pytest.approx(400.0)
    # daily, normalised (Meridian daily): ec / (1 - alpha) = 100 / 0.5
    assert half_saturation_daily(100.0, 0.5, 1, normalised=True) == pytest.approx(200.0)
    # weekly, unnormalised, alpha_w = 2^-7 (0.5 a day): 700 (1 - 1/128) / (7 x 0.5)
    assert half_saturation_daily(700.0, 2.0 ** -7, 7, normalised=False) == pytest.approx(198.4375)
    # weekly, normalised: 700 / (7 x 0.5)
    assert half_saturation_daily(700.0, 2.0 ** -7, 7, normalised=True) == pytest.approx(200.0)
    assert logistic_half_saturation(math.log(3.0)) == pytest.approx(1.0)


def test_robyn_inflexion_both_definitions() -> None:
    assert robyn_inflexion(0.4, 27.0, 508.1, "v3.12") == pytest.approx(203.24)
    assert robyn_inflexion(0.4, 27.0, 508.1, "v3.11") == pytest.approx(0.6 * 27 + 203.24)


# -- helpers: our response and the tools' ----------------------------------------------------------
def channel(cal: Any, name: str) -> dict[str, Any]:
    return next(c for c in cal.blocks["channels"] if c["name"] == name)


def our_daily_response(ch: dict[str, Any], x: float, days: int = 3000) -> float:
    """Conversions per day at constant spend ``x``: the simulator's adstock, then saturation."""
    a = np.zeros(1)
    for _ in range(days):
        a = adstock(np.array([x]), ch["adstock_alpha"], a)
    logistic = np.array([ch.get("saturation", "hill") == "logistic"])
    return float(ch["max_daily_conversions"] * saturation(
        a, np.array([ch["hill_k"]]), np.array([ch["hill_shape"]]), logistic)[0])


def robyn_adstock(x: np.ndarray, theta: float) -> np.ndarray:
    """Robyn's ``x_decayed[t] = x[t] + theta x_decayed[t-1]``, written out."""
    out, prev = [], 0.0
    for v in x:
        prev = v + theta * prev
        out.append(prev)
    return np.array(out)


def normalised_adstock_last(x_period: float, alpha: float, lags: int, periods: int = 60) -> float:
    """Normalised geometric adstock (Meridian, PyMC-Marketing) of a constant series, last value."""
    w = alpha ** np.arange(lags)
    series = np.full(periods, x_period)
    return float(np.convolve(series, w / w.sum())[periods - 1])


def check(got: dict[str, Any], expected: dict[str, float]) -> None:
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=REL), key


# -- must-show 2, per tool -------------------------------------------------------------------------
@pytest.mark.parametrize("definition", ["v3.12", "v3.11"])
def test_robyn_import_by_hand(tmp_path: Path, definition: str) -> None:
    cal = import_media("robyn", fx.robyn_export(tmp_path), MediaOptions(),
                       RobynOptions(definition))
    # tv_S: weekly spend 1000, 0, 0, 0, 500 with theta 0.3 adstocks to 1000, 300, 90, 27, 508.1;
    # the window is the last four weeks: range 27..508.1
    inflexion = 0.4 * 508.1 if definition == "v3.12" else 0.6 * 27 + 0.4 * 508.1
    a_day = 0.3 ** (1 / 7)
    tv = channel(cal, "tv_S")
    check(tv, {"adstock_alpha": a_day, "hill_k": inflexion * (1 - 0.3) / (7 * (1 - a_day)),
               "hill_shape": 1.5, "max_daily_conversions": 5000 / 7})
    assert tv["plan_share"] == pytest.approx(125 / 325, rel=REL)
    for x in DAILY_SPEND / 50:  # tv's curve bends at a few hundred a day
        weekly = robyn_adstock(np.full(400, 7 * x), 0.3)[-1]
        tool = 5000 * weekly ** 1.5 / (weekly ** 1.5 + inflexion ** 1.5) / 7
        assert our_daily_response(tv, x) == pytest.approx(tool, rel=1e-9)


def test_robyn_second_channel_range_by_hand(tmp_path: Path) -> None:
    cal = import_media("robyn", fx.robyn_export(tmp_path), MediaOptions())
    # search_S: 200, 400, 100, 300, 0 with theta 0.1 -> 200, 420, 142, 314.2, 31.42; window max 420
    a_day = 0.1 ** (1 / 7)
    check(channel(cal, "search_S"), {"hill_k": 0.6 * 420 * 0.9 / (7 * (1 - a_day)),
                                     "hill_shape": 0.8, "max_daily_conversions": 1200 / 7})


def test_pymc_marketing_netcdf_logistic_by_hand(tmp_path: Path) -> None:
    cal = import_media("pymc-marketing", fx.pymc_netcdf(tmp_path), MediaOptions())
    a_day = 0.4 ** (1 / 7)
    search = channel(cal, "search")
    k_week = math.log(3) / 2.5 * 120000  # half-saturation, spend per week
    check(search, {"adstock_alpha": a_day, "hill_k": k_week / (7 * (1 - a_day)),
                   "max_daily_conversions": 0.3 * 900000 / 7})
    assert search["saturation"] == "logistic"
    for x in DAILY_SPEND:
        a = normalised_adstock_last(7 * x / 120000, 0.4, lags=8)
        tool = 0.3 * (1 - math.exp(-2.5 * a)) / (1 + math.exp(-2.5 * a)) * 900000 / 7
        assert our_daily_response(search, x) == pytest.approx(tool, rel=1e-9)


def test_pymc_marketing_table_hill_by_hand(tmp_path: Path) -> None:
    cal = import_media("pymc-marketing", fx.pymc_table(tmp_path), MediaOptions())
    a_day = 0.6 ** (1 / 7)
    display = channel(cal, "display")
    check(display, {"adstock_alpha": a_day, "hill_k": 0.35 * 60000 / (7 * (1 - a_day)),
                    "hill_shape": 1.4, "max_daily_conversions": 0.15 * 900000 / 7})
    assert "saturation" not in display
    assert display["plan_share"] == pytest.approx(0.25, rel=REL)
    for x in DAILY_SPEND:
        a = normalised_adstock_last(7 * x / 60000, 0.6, lags=8)
        tool = 0.15 * a ** 1.4 / (a ** 1.4 + 0.35 ** 1.4) * 900000 / 7
        assert our_daily_response(display, x) == pytest.approx(tool, rel=1e-9)


def test_meridian_by_hand(tmp_path: Path) -> None:
    cal = import_media("meridian", fx.meridian_file(tmp_path), MediaOptions())
    a_day = 0.35 ** (1 / 7)
    search = channel(cal, "search")
    k_week = 1.8 * 0.004 * 2e6 * 2.5  # ec x median x population media units, x cost = 36000
    check(search, {"adstock_alpha": a_day, "hill_k": k_week / (7 * (1 - a_day)),
                   "hill_shape": 1.2, "max_daily_conversions": 1.1 * 0.05 * 2e6 / 7})
    assert search["plan_share"] == pytest.approx(0.8, rel=REL)
    for x in DAILY_SPEND:
        scaled = 7 * x / 2.5 / (2e6 * 0.004)  # media units per capita over the median
        a = normalised_adstock_last(scaled, 0.35, lags=9)  # lags 0..max_lag (8)
        tool = 1.1 * a ** 1.2 / (a ** 1.2 + 1.8 ** 1.2) * 0.05 * 2e6 / 7
        assert our_daily_response(search, x) == pytest.approx(tool, rel=1e-9)


def test_value_per_conversion_divides_a_revenue_scale(tmp_path: Path) -> None:
    cal = import_media("meridian", fx.meridian_file(tmp_path), MediaOptions(4.0))
    assert channel(cal, "display")["max_daily_conversions"] == pytest.approx(
        0.4 * 0.05 * 2e6 / 7 / 4.0, rel=REL)
    conv = import_media("meridian", fx.meridian_file(tmp_path, kpi_type="non_revenue"),
                        MediaOptions(4.0))
    assert channel(conv, "display")["max_daily_conversions"] == pytest.approx(
        0.4 * 0.05 * 2e6 / 7, rel=REL)
    assert "in conversions" in conv.notes[("channels", "display", "max_daily_conversions")]


def test_robyn_spend_from_its_input_csv(tmp_path: Path) -> None:
    """``--data`` (Robyn's input CSV) gives the same range as the JSON's raw_data."""
    data = tmp_path / "input.csv"
    lines = ["DATE,revenue,tv_S,search_S"] + [
        f"{d},1,{fx.ROBYN_SPEND['tv_S'][i]},{fx.ROBYN_SPEND['search_S'][i]}"
        for i, d in enumerate(fx.ROBYN_WEEKS)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cal = import_media("robyn", fx.robyn_export(tmp_path, raw_data=False), MediaOptions(),
                       RobynOptions("v3.12", data))
    a_day = 0.3 ** (1 / 7)
    check(channel(cal, "tv_S"), {"hill_k": 0.4 * 508.1 * 0.7 / (7 * (1 - a_day))})
