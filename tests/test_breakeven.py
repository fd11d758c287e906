"""Break-even platform cost, payback day and ROI: hand-computed cases, a sweep, the command."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import cli
from sim.report.sweep_figures import gain_table
from sim.runs.sweep import run_sweep
from sim.scenario.load import scenario_from_dict
from sim.tables.breakeven import breakeven, payback_day
from sim.tables.metrics import DAYS_PER_MONTH

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
NO_GAIN = ROOT / "scenarios" / "no_gain.yaml"
REPS, SEED = 4, 2
KEYS = {"monthly_cost", "ci_low", "ci_high", "payback_day", "payback_ci_low", "payback_ci_high",
        "roi"}


def short_baseline() -> dict[str, Any]:
    """The baseline over half a year with a 30-day ramp-up: a run takes a fraction of a second."""
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    data.update(name="short", horizon_days=182, setups=["pilot", "conductor"])
    data["platform"]["ramp_up_days"] = 30
    return data


def synthetic(horizon: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two replications of pilot and conductor; conductor pays 120 of platform cost each."""
    summary = pd.DataFrame([
        {"setup": "pilot", "replication": 0, "net_contribution": 1000.0, "platform_cost": 0.0},
        {"setup": "pilot", "replication": 1, "net_contribution": 900.0, "platform_cost": 0.0},
        {"setup": "conductor", "replication": 0, "net_contribution": 1180.0,
         "platform_cost": 120.0},
        {"setup": "conductor", "replication": 1, "net_contribution": 1020.0,
         "platform_cost": 120.0},
    ])
    index = pd.MultiIndex.from_tuples(
        [("conductor", 0), ("conductor", 1), ("pilot", 0), ("pilot", 1)],
        names=["setup", "replication"])
    cumulative = pd.DataFrame(
        [[-5.0, 10.0, 30.0, 80.0][:horizon],   # paid back from day 1
         [5.0, -1.0, 3.0, 20.0][:horizon],     # dips below zero on day 1: from day 2
         [0.0, 0.0, 0.0, 0.0][:horizon],
         [0.0, 0.0, 0.0, 0.0][:horizon]],
        index=index, columns=pd.RangeIndex(horizon, name="day"))
    return summary, cumulative


# -- pure functions ------------------------------------------------------------------------------
def test_breakeven_equals_the_hand_computed_cost() -> None:
    summary, cumulative = synthetic()
    result = breakeven(summary, cumulative, "conductor", "pilot", horizon_days=364)
    months = 364 / DAYS_PER_MONTH
    # gain before platform: (1180 + 120) - 1000 = 300 and (1020 + 120) - 900 = 240
    assert result.monthly_cost.mean == pytest.approx(270 / months)
    half = 12.706204736 * np.std([300, 240], ddof=1) / math.sqrt(2) / months
    assert result.monthly_cost.ci_low == pytest.approx(270 / months - half, rel=1e-6)
    assert result.monthly_cost.ci_high == pytest.approx(270 / months + half, rel=1e-6)
    assert result.monthly_cost_now == pytest.approx(120 / months)
    assert result.gain.mean == pytest.approx(150.0)
    assert result.roi.mean == pytest.approx(150 / 120)  # (270 - 120) / 120
    assert result.payback_days == (1.0, 2.0)
    assert result.payback.mean == pytest.approx(1.5) and result.never == 0
    # at a monthly cost equal to the break-even, the net gain is zero
    assert result.gain.mean + 120 - result.monthly_cost.mean * months == pytest.approx(0.0)


@pytest.mark.parametrize(("curve", "expected"), [
    ([1.0, 2.0, 3.0], 0.0),
    ([-1.0, 2.0, 3.0], 1.0),
    ([-1.0, 2.0, -0.5, 1.0, 2.0], 3.0),   # turns positive, dips back, then stays positive
    ([-3.0, -2.0, 0.0, 1.0], 3.0),        # zero is not positive
    ([1.0, 2.0, -1.0], math.nan),         # ends below zero: never pays back
    ([0.0, 0.0], math.nan),
    ([], math.nan),
])
def test_payback_day_is_when_the_gain_turns_and_stays_positive(curve: list[float],
                                                               expected: float) -> None:
    got = payback_day(curve)
    assert (math.isnan(got) and math.isnan(expected)) or got == expected


def test_payback_day_names_the_day_and_counts_those_that_never_pay() -> None:
    assert payback_day([-1.0, 1.0, 2.0], days=[10, 11, 12]) == 11.0
    summary, cumulative = synthetic()
    cumulative.loc[("conductor", 1)] = [5.0, 2.0, 1.0, -1.0]
    result = breakeven(summary, cumulative, "conductor", "pilot", horizon_days=364)
    assert result.payback_days[0] == 1.0 and math.isnan(result.payback_days[1])
    assert result.never == 1 and result.payback.n == 1
    assert result.to_json()["payback_days"] == [1.0, None]


def test_roi_is_undefined_without_a_platform_cost() -> None:
    summary, cumulative = synthetic()
    summary["platform_cost"] = 0.0
    result = breakeven(summary, cumulative, "conductor", "pilot", horizon_days=364)
    assert math.isnan(result.roi.mean) and result.to_json()["roi"] is None


# -- the baseline: the exact break-even agrees with a sweep of the platform cost ----------------
@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("breakeven")
    path = folder / "short.yaml"
    path.write_text(yaml.safe_dump(short_baseline(), sort_keys=False), encoding="utf-8")
    out = folder / "out"
    code = cli.main(["breakeven", str(path), "--replications", str(REPS), "--seed", str(SEED),
                     "--jobs", "2", "--out", str(out), "--quiet"])
    assert code == 0
    info: dict[str, Any] = json.loads((out / "breakeven.json").read_text(encoding="utf-8"))
    assert (out / "breakeven.png").stat().st_size > 10_000
    return info


def test_baseline_breakeven_contains_the_sweeps_zero_crossing(
        baseline_run: dict[str, Any]) -> None:
    info = baseline_run
    assert KEYS <= set(info) and info["pays"] is True
    assert 0 < info["ci_low"] < info["monthly_cost"] < info["ci_high"]
    costs = [round(info["monthly_cost"] * f, -3) for f in (0.6, 0.9, 1.2, 1.5)]
    scenario = scenario_from_dict(short_baseline())
    table = run_sweep(scenario, {"platform.monthly_cost": costs}, ["pilot", "conductor"],
                      replications=REPS, seed=SEED, jobs=2)
    gains = gain_table(table, "net_contribution", "conductor", "pilot")
    x, y = gains["platform.monthly_cost"].to_numpy(float), gains["mean"].to_numpy(float)
    assert (np.diff(y) < 0).all() and y[0] > 0 > y[-1]  # the gain falls as the cost rises
    i = int(np.flatnonzero(y < 0)[0])
    crossing = x[i - 1] + y[i - 1] * (x[i] - x[i - 1]) / (y[i - 1] - y[i])
    assert info["ci_low"] <= crossing <= info["ci_high"]
    assert crossing == pytest.approx(info["monthly_cost"], rel=1e-6)  # the cost enters linearly


def test_baseline_pays_back_within_the_horizon(baseline_run: dict[str, Any]) -> None:
    info = baseline_run
    assert info["never_pays_back"] == 0 and len(info["payback_days"]) == REPS
    assert 0 <= info["payback_ci_low"] <= info["payback_day"] <= info["payback_ci_high"]
    assert info["payback_day"] < info["horizon_days"]
    assert info["roi"] > 0 and info["roi_ci_low"] > 0


# -- no gain: the conductor never pays -----------------------------------------------------------
def test_no_gain_never_pays_and_exits_0(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = cli.main(["breakeven", str(NO_GAIN), "--replications", "3", "--jobs", "2",
                     "--out", str(out), "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0
    info = json.loads((out / "breakeven.json").read_text(encoding="utf-8"))
    assert KEYS <= set(info)
    assert info["pays"] is False and info["ci_low"] <= 0
    # what the conductor gains before its platform cost is noise next to that cost
    assert abs(info["monthly_cost"]) < 0.05 * info["platform_monthly_cost"]
    assert info["payback_day"] is None and info["never_pays_back"] == 3
    assert info["roi"] < 0
    assert "never pays for its platform" in printed
    assert (out / "breakeven.png").is_file()
    assert not (tmp_path / ".out.runs").exists()  # the runs kept meanwhile are removed


# -- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("extra", "needle"), [
    (["--setup", "nope"], "--setup: unknown setup"),
    (["--reference", "nope"], "--reference: unknown setup"),
    (["--reference", "conductor"], "--reference: must differ from --setup"),
    (["--setup", "scaled_silos"], "--setup: the setup does not use the platform"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str],
        needle: str) -> None:
    out = tmp_path / "out"
    assert cli.main(["breakeven", str(NO_GAIN), *extra, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0], err
    assert list(tmp_path.iterdir()) == []
