"""export-mmm: each tool's documented layout, the truth files, lift files, bad input, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import cli

ROOT = Path(__file__).resolve().parents[1]
DAYS = 70  # ten weeks
CHANNELS = ["search", "paid_social", "display", "online_video", "connected_tv", "email_crm",
            "retail_media"]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A compare folder of the baseline cut to ten weeks, pilot and conductor, 2 replications."""
    work = tmp_path_factory.mktemp("mmm")
    data = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    data.update(name="short", horizon_days=DAYS, setups=["pilot", "conductor"])
    path = work / "short.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = work / "res"
    assert cli.main(["compare", str(path), "--replications", "2", "--out", str(out),
                     "--quiet"]) == 0
    return out


def export(results: Path, tmp_path: Path, *extra: str, name: str = "out") -> Path:
    out = tmp_path / name
    assert cli.main(["export-mmm", str(results), "--out", str(out), *extra]) == 0
    return out


def expected_columns(fmt: str, outcome: str = "revenue") -> list[tuple[str, str]]:
    """The documented layouts (MMM_FORMATS.md), written out by hand: (column, dtype)."""
    controls = ([(f"{c}_quality", "float64") for c in CHANNELS]
                + [(f"{c}_live_assets", "float64") for c in CHANNELS])
    if fmt == "robyn":  # demo data: DATE, revenue, tv_S, ..., facebook_I, ...
        return ([("DATE", "text"), (outcome, "float64")]
                + [(f"{c}_S", "float64") for c in CHANNELS]
                + [(f"{c}_I", "float64") for c in CHANNELS] + controls)
    if fmt == "meridian":  # geo, time, Channel0_impression, ..., Channel0_spend, ..., kpi
        kpi = ([("revenue", "float64")] if outcome == "revenue"
               else [("conversions", "float64"), ("revenue_per_conversion", "float64")])
        return ([("geo", "text"), ("time", "text")]
                + [(f"{c}_impression", "float64") for c in CHANNELS]
                + [(f"{c}_spend", "float64") for c in CHANNELS] + controls + kpi
                + [("population", "float64")])
    return ([("date", "text")] + [(f"{c}_spend", "float64") for c in CHANNELS] + controls
            + [(outcome, "float64")])


def kinds(table: pd.DataFrame) -> list[tuple[str, str]]:
    """(column, dtype) as read back, text columns as "text" (object or str, by pandas version)."""
    return [(c, "text" if pd.api.types.is_string_dtype(t) else str(t))
            for c, t in table.dtypes.items()]


DATA = {"robyn": ("robyn_input.csv", "DATE", "_S"),
        "meridian": ("meridian_input.csv", "time", "_spend"),
        "pymc-marketing": ("pymc_marketing_input.csv", "date", "_spend")}
LIFT = {"robyn": ("robyn_calibration_input.csv",
                  ["channel", "liftStartDate", "liftEndDate", "liftAbs", "spend", "confidence",
                   "metric", "calibration_scope"]),
        "meridian": ("meridian_roi_priors.csv",
                     ["channel", "roi_mean", "roi_sd", "lognormal_mu", "lognormal_sigma"]),
        "pymc-marketing": ("pymc_marketing_lift_tests.csv",
                           ["channel", "x", "delta_x", "delta_y", "sigma"])}


@pytest.mark.parametrize("fmt", list(DATA))
@pytest.mark.parametrize("granularity", ["daily", "weekly"])
def test_layout_columns_dtypes_and_values(results: Path, tmp_path: Path, fmt: str,
                                          granularity: str) -> None:
    out = export(results, tmp_path, "--format", fmt, "--granularity", granularity,
                 "--setup", "conductor", "--replication", "1", "--start", "2025-03-03")
    file, date_col, suffix = DATA[fmt]
    table = pd.read_csv(out / file)
    assert kinds(table) == expected_columns(fmt)
    dates = pd.to_datetime(table[date_col], format="%Y-%m-%d")
    step = 1 if granularity == "daily" else 7
    assert dates.iloc[0] == pd.Timestamp("2025-03-03")
    assert (dates.diff().dropna() == pd.Timedelta(days=step)).all()
    assert len(table) == DAYS // step
    daily = pd.read_parquet(results / "daily.parquet")
    run = daily[(daily.setup == "conductor") & (daily.replication == 1)]
    spend = run.groupby("channel", observed=True)["spend"].sum()
    for c in CHANNELS:  # the data are the run's, summed per period
        assert table[f"{c}{suffix}"].sum() == pytest.approx(spend[c], rel=1e-9)
    assert table["revenue"].sum() == pytest.approx(run["revenue"].sum(), rel=1e-9)
    lift_file, lift_cols = LIFT[fmt]
    lift = pd.read_csv(out / lift_file)
    assert list(lift.columns) == lift_cols and len(lift) == len(CHANNELS)
    readme = (out / "README.md").read_text(encoding="utf-8")
    for column, _ in expected_columns(fmt):
        assert f"`{column}`" in readme


def test_conversions_outcome_in_meridian(results: Path, tmp_path: Path) -> None:
    out = export(results, tmp_path, "--format", "meridian", "--outcome", "conversions")
    table = pd.read_csv(out / "meridian_input.csv")
    assert kinds(table) == expected_columns("meridian", "conversions")
    value = table["conversions"] * table["revenue_per_conversion"]
    daily = pd.read_parquet(results / "daily.parquet")
    run = daily[(daily.setup == "conductor") & (daily.replication == 0)]
    assert value.sum() == pytest.approx(run["revenue"].sum(), rel=1e-9)


def test_truth_files_agree(results: Path, tmp_path: Path) -> None:
    out = export(results, tmp_path, "--format", "robyn", "--setup", "pilot")
    truth = pd.read_csv(out / "ground_truth.csv")
    totals = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    per_week = pd.read_csv(out / "true_contributions.csv")
    assert list(truth.channel) == CHANNELS
    np.testing.assert_allclose(per_week[CHANNELS].sum().to_numpy(),
                               truth.contribution_revenue.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(truth.roas, truth.contribution_revenue / truth.spend, rtol=1e-9)
    rev = totals["revenue"]
    assert per_week["total"].sum() == pytest.approx(rev["total"], rel=1e-9)
    assert per_week["interaction"].sum() == pytest.approx(rev["interaction"], rel=1e-6)
    assert rev["interaction"] < 0  # the baseline's positive halo is counted in two switch-offs
    curves = pd.read_csv(out / "true_curves.csv")
    assert set(curves.channel) == set(CHANNELS)
    assert (curves.groupby("channel")["revenue_per_day_steady_state"].diff().dropna() >= 0).all()
    lifts = pd.read_csv(out / "lift_tests.csv")
    assert (lifts.true_lift > 0).all() and (lifts.sigma > 0).all()


def test_same_inputs_same_export(results: Path, tmp_path: Path) -> None:
    a = export(results, tmp_path, "--format", "pymc-marketing", name="a")
    b = export(results, tmp_path, "--format", "pymc-marketing", name="b")
    for name in ("pymc_marketing_input.csv", "ground_truth.csv", "lift_tests.csv",
                 "pymc_marketing_lift_tests.csv", "true_curves.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    export(results, tmp_path, "--format", "pymc-marketing", name="a")  # replaces its own folder


def run_bad(argv: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert cli.main(argv) == 2
    return capsys.readouterr().err.strip().splitlines()


def test_bad_input(results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "never"
    base: list[Any] = ["export-mmm", str(results), "--format", "robyn", "--out", str(out)]
    empty = tmp_path / "empty"
    empty.mkdir()
    lines = run_bad(["export-mmm", str(empty), "--format", "robyn", "--out", str(out)], capsys)
    assert len(lines) == 1 and "not a results folder" in lines[0]
    lines = run_bad([*base, "--setup", "nope", "--replication", "9"], capsys)
    assert len(lines) == 2 and "--setup: 'nope'" in lines[0] and "--replication: 9" in lines[1]
    lines = run_bad([*base, "--start", "2024-02-30", "--lift-bias", "-2"], capsys)
    assert len(lines) == 2 and lines[0].startswith("--start") and "--lift-bias" in lines[1]
    lines = run_bad([*base, "--lift", "tv:2024-01-01:2024-01-07",
                     "--lift", "search:2024-01-05:2024-01-01", "--lift", "search"], capsys)
    assert len(lines) == 3 and "unknown channel 'tv'" in lines[0]
    assert "within the exported days" in lines[1] and "expected CHANNEL" in lines[2]
    assert not out.exists()
    assert not any(p.name.startswith(".never") for p in tmp_path.iterdir())


def test_chosen_lift_tests_and_bias(results: Path, tmp_path: Path) -> None:
    out = export(results, tmp_path, "--format", "robyn", "--lift",
                 "display:2024-01-08:2024-01-21", "--lift-bias", "0.5")
    lifts = pd.read_csv(out / "lift_tests.csv")
    robyn = pd.read_csv(out / "robyn_calibration_input.csv")
    assert list(lifts.channel) == ["display"] and list(robyn.channel) == ["display_S"]
    assert robyn.liftStartDate[0] == "2024-01-08" and robyn.liftEndDate[0] == "2024-01-21"
    # a 50% bias: far more than the measurement's noise, the measurement is about 1.5x truth
    assert lifts.measured_lift[0] == pytest.approx(1.5 * lifts.true_lift[0],
                                                   abs=5 * lifts.sigma[0])
