"""Uncertainty and sensitivity: ranges, validation, inert parameters, backends, resume, CLI.

Most tests use a small world built so that only one uncertain value can move the paired gain:
the platform's monthly cost (the conductor pays it, the pilot does not), while three more are
declared uncertain but cannot act by construction: the siloed data feed's delay (the pilot spends
its plan and reads no report, the conductor reads the unified feed), the work of a revision (no
approval stage, so no revision) and the capacity of a team that makes only a format no channel
uses. :func:`test_inert_values_are_inert` checks that claim on the simulator itself.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import single_team_dict
from scipy import stats

import sim
from sim import cli
from sim.runs import sensitivity
from sim.runs.backends import BackendError, make_backend
from sim.runs.sampling import Parameters, run_design
from sim.runs.store import RunStore, run_key
from sim.runs.uncertainty import analyse, plan_uncertainty, unit_design, wilson
from sim.scenario.edit import apply
from sim.scenario.identity import scenario_fingerprint
from sim.scenario.ranges import Beta, LogNormal, Normal, Triangular, Uniform
from sim.scenario.uncertain import without_uncertain
from sim.tables.metrics import DAYS_PER_MONTH, SUMMARY_METRICS

HORIZON = 60
ACTIVE = "platform.monthly_cost"
INERT = ("allocator.data.siloed.delay_days", "approvals.revision_work_fraction",
         "agencies.1.capacity")
SETUPS = ["pilot", "conductor"]


def inert_dict() -> dict[str, Any]:
    """One channel and team, no approvals, an idle team; one active and three inert ranges."""
    d = single_team_dict(horizon_days=HORIZON, capacity=3, findability=(0.3, 0.8))
    d["name"] = "inert"
    d["formats"] = {"names": ["static", "print"], "compatibility": [[1.0, 0.0], [0.0, 1.0]]}
    idle = copy.deepcopy(d["agencies"][0])
    idle.update(name="idle", formats=["print"], channels=[])
    d["agencies"].append(idle)
    d["allocator"]["ai_pilot_channels"] = ["web"]
    d["uncertain"] = {
        ACTIVE: {"dist": "uniform", "low": 0, "high": 50000},
        INERT[0]: {"dist": "uniform", "low": 1, "high": 9},
        INERT[1]: {"dist": "triangular", "low": 0.2, "mode": 0.5, "high": 1.5},
        INERT[2]: {"dist": "uniform", "low": 1, "high": 5},
    }
    return d


@pytest.fixture(scope="module")
def inert() -> sim.Scenario:
    return sim.scenario_from_dict(inert_dict())


@pytest.fixture(scope="module")
def sobol_study(inert: sim.Scenario) -> tuple[Any, pd.DataFrame]:
    design = sensitivity.plan_sensitivity(inert, "sobol", 32, SETUPS, replications=1, seed=3)
    return design, run_design(design, backend="processes", jobs=2)


# -- ranges --------------------------------------------------------------------------------------
U = np.linspace(0.0, 1.0, 201)


@pytest.mark.parametrize("rng", [
    Uniform(low=2, high=5), Triangular(low=0, mode=1, high=4), Beta(a=2, b=5, low=10, high=20),
    Normal(mean=1, sd=2, low=0, high=3), LogNormal(mean=30000, cv=0.4, low=15000, high=60000)])
def test_quantiles_rise_from_low_to_high(rng: Any) -> None:
    q = rng.quantile(U)
    assert q[0] == pytest.approx(rng.low) and q[-1] == pytest.approx(rng.high)
    assert (np.diff(q) >= 0).all() and (q >= rng.low).all() and (q <= rng.high).all()


def test_truncated_quantiles_match_scipy() -> None:
    u = np.array([0.01, 0.2, 0.5, 0.9, 0.999])
    normal = Normal(mean=1, sd=2, low=0, high=3)
    expected = stats.truncnorm.ppf(u, (0 - 1) / 2, (3 - 1) / 2, loc=1, scale=2)
    np.testing.assert_allclose(normal.quantile(u), expected, rtol=1e-9)
    lognormal = LogNormal(mean=30000, cv=0.4, low=15000, high=60000)
    sigma = np.sqrt(np.log1p(0.16))
    dist = stats.lognorm(sigma, scale=30000 * np.exp(-sigma**2 / 2))
    lo, hi = dist.cdf(15000), dist.cdf(60000)
    np.testing.assert_allclose(lognormal.quantile(u), dist.ppf(lo + u * (hi - lo)), rtol=1e-9)
    triangle = Triangular(low=0, mode=1, high=4)
    assert triangle.quantile(0.25) == pytest.approx(1.0)  # P(x <= mode) = (mode-low)/(high-low)


def test_integer_keys_get_integers_each_equally_likely(inert: sim.Scenario) -> None:
    params = Parameters.of(inert)
    assert params.integer == [False, True, False, True]
    unit = unit_design(len(params), 1000, "lhs", seed=5)
    capacities = [cell[INERT[2]] for cell in params.values(unit)]
    assert all(type(c) is int for c in capacities)
    counts = pd.Series(capacities).value_counts().sort_index()
    assert list(counts.index) == [1, 2, 3, 4, 5]
    # a Latin hypercube of 1000 puts 200 draws in each fifth of the quantile scale
    assert list(counts) == [200] * 5


# -- the section and run keys --------------------------------------------------------------------
def test_uncertain_section_changes_no_run_key(baseline_scenario: sim.Scenario) -> None:
    assert baseline_scenario.uncertain
    bare = without_uncertain(baseline_scenario)
    assert not bare.uncertain
    assert scenario_fingerprint(bare) == scenario_fingerprint(baseline_scenario)
    data = baseline_scenario.to_dict()
    data.pop("uncertain")
    assert scenario_fingerprint(sim.scenario_from_dict(data)) == \
        scenario_fingerprint(baseline_scenario)


def test_a_run_ignores_the_section(inert: sim.Scenario) -> None:
    for setup in SETUPS:
        a = sim.run(inert, setup, replication=0, seed=4).summary
        b = sim.run(without_uncertain(inert), setup, replication=0, seed=4).summary
        pd.testing.assert_frame_equal(a, b)


def test_sampled_run_keys_hold_the_sampled_values(inert: sim.Scenario) -> None:
    design = plan_uncertainty(inert, 4, SETUPS, replications=2, seed=0)
    keys = [spec.key for _, spec in design.plan.runs]
    assert len(set(keys)) == len(keys) == 4 * 2 * 2
    cell, spec = design.plan.runs[5]
    sampled = apply(without_uncertain(inert), design.points[cell])
    assert spec.key == run_key(scenario_fingerprint(sampled), spec.levers, 0, spec.replication)
    assert spec.key != run_key(scenario_fingerprint(inert), spec.levers, 0, spec.replication)
    assert {s.replication for _, s in design.plan.runs} == {0, 1}  # the same seeds everywhere


# -- bad entries: one line naming the path, exit 2 -----------------------------------------------
BAD = [
    ("demand.grwoth", {"dist": "uniform", "low": 1, "high": 2}, "unknown key 'grwoth'"),
    ("agencies.7.capacity", {"dist": "uniform", "low": 1, "high": 2}, "index 7 out of range"),
    ("name", {"dist": "uniform", "low": 1, "high": 2}, "not a numeric key"),
    ("allocator.ai_pilot_channels", {"dist": "uniform", "low": 1, "high": 2},
     "not a numeric key"),
    ("budget.annual", {"dist": "uniform", "low": 1, "high": 2}, "not a numeric key"),
    ("library.findability.shared", {"dist": "uniform", "low": 0.5, "high": 1.2},
     "less than or equal to 1"),
    ("agencies.0.capacity", {"dist": "uniform", "low": 0, "high": 4}, "greater than or equal to 1"),
    ("agencies.0.capacity", {"dist": "uniform", "low": 2, "high": 4.5}, "whole-number bounds"),
    ("agencies.0.cost_new", {"dist": "uniform", "low": 10, "high": 400},
     "cost_adaptation must not exceed cost_new"),
    ("demand.growth", {"dist": "uniform", "low": 3, "high": 2}, "low must be below high"),
    ("demand.growth", {"dist": "weibull", "low": 1, "high": 2}, "'dist' must be one of"),
    ("demand.growth", {"low": 1, "high": 2}, "needs 'dist'"),
    ("demand.growth", {"dist": "triangular", "low": 1, "mode": 5, "high": 2}, "mode must lie"),
    ("demand.growth", {"dist": "normal", "mean": 50, "sd": 1, "low": 1, "high": 2},
     "almost none of the distribution"),
    ("demand.growth", {"dist": "uniform", "low": 1, "high": 2, "median": 1.5}, "unknown key"),
]


@pytest.mark.parametrize(("path", "entry", "needle"), BAD)
def test_bad_entry_is_one_line_naming_the_path(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str, entry: dict[str, Any],
        needle: str) -> None:
    data = inert_dict()
    data["uncertain"] = {ACTIVE: data["uncertain"][ACTIVE], path: entry}
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["validate", str(file)]) == 2
    assert cli.main(["uncertainty", str(file), "--out", str(out), "--quiet"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in lines if not line.startswith("warning:")]
    assert len(errors) == 2 and errors[0] == errors[1], errors
    assert f"bad.yaml: uncertain.{path}" in errors[0] and needle in errors[0], errors[0]
    assert not out.exists()


# -- the inert world (point 1) -------------------------------------------------------------------
def test_inert_values_are_inert(inert: sim.Scenario) -> None:
    low = {INERT[0]: 1, INERT[1]: 0.2, INERT[2]: 1}
    high = {INERT[0]: 9, INERT[1]: 1.5, INERT[2]: 5}
    base = without_uncertain(inert)
    for setup in SETUPS:
        a, b = (sim.run(apply(base, edits), setup, replication=1, seed=2).summary
                for edits in (low, high))
        # every metric but the agencies' pooled utilisation, whose denominator is the capacity
        metrics = [m for m in SUMMARY_METRICS if m != "agency_utilization"]
        np.testing.assert_array_equal(a[metrics].to_numpy(float), b[metrics].to_numpy(float))
    cost = [sim.run(apply(base, {ACTIVE: c}), "conductor", replication=1, seed=2).summary
            for c in (0.0, 30000.0)]
    assert cost[0]["net_contribution"].iloc[0] != cost[1]["net_contribution"].iloc[0]


def test_sobol_total_index_is_zero_for_inert_values_and_near_one_for_the_active(
        sobol_study: tuple[Any, pd.DataFrame]) -> None:
    design, table = sobol_study
    assert len(design.points) == 32 * (4 + 2)
    indices = sensitivity.sobol(design, table, seed=3).set_index("parameter")
    for path in INERT:
        row = indices.loc[path]
        assert row["ST_ci_low"] <= 0 <= row["ST_ci_high"], row
        assert abs(row["ST"]) < 0.01 and abs(row["S1"]) < 0.01
    active = indices.loc[ACTIVE]
    assert active["ST"] > 0.9 and active["S1"] > 0.9, active
    assert active["ST_ci_low"] > 0.5
    assert indices.index[0] == ACTIVE


def test_tornado_puts_the_active_value_first_with_the_platform_cost_swing(
        inert: sim.Scenario) -> None:
    design = sensitivity.plan_sensitivity(inert, "oat", 0, SETUPS, replications=3, seed=1)
    assert len(design.points) == 1 + 2 * 4
    result = sensitivity.oat(design, run_design(design, backend="serial"))
    table = result.table.set_index("parameter")
    assert result.table["parameter"].iloc[0] == ACTIVE
    active = table.loc[ACTIVE]
    assert (active["low"], active["high"]) == pytest.approx((2500.0, 47500.0))  # 5% and 95%
    paid = (active["high"] - active["low"]) * HORIZON / DAYS_PER_MONTH
    assert active["swing"] == pytest.approx(-paid, rel=1e-9)
    for path in INERT:
        row = table.loc[path]
        assert row["swing"] == 0 and row["swing_ci_low"] <= 0 <= row["swing_ci_high"]
    assert result.base.ci_low < result.base.mean < result.base.ci_high


def test_morris_ranks_the_active_value_first(inert: sim.Scenario) -> None:
    design = sensitivity.plan_sensitivity(inert, "morris", 6, SETUPS, replications=1, seed=2)
    result = sensitivity.morris(design, run_design(design, backend="serial"), seed=2)
    assert result["parameter"].iloc[0] == ACTIVE
    ranked = result.set_index("parameter")
    assert ranked.loc[ACTIVE, "mu_star"] > 0
    assert (ranked.loc[list(INERT), "mu_star"] == 0).all()


def test_probability_of_paying_matches_the_break_even_cost(inert: sim.Scenario) -> None:
    design = plan_uncertainty(inert, 40, SETUPS, replications=1, seed=8)
    result = analyse(design, run_design(design, backend="serial"))
    samples, summary = result.samples, result.summary
    # the gain is linear in the cost: gain = g0 - cost * horizon / month
    g0 = (samples["gain"] + samples[ACTIVE] * HORIZON / DAYS_PER_MONTH).to_numpy()
    np.testing.assert_allclose(g0, g0[0], rtol=1e-9, atol=1e-6)
    break_even = g0[0] * DAYS_PER_MONTH / HORIZON
    assert 0 < break_even < 50000, break_even  # the range straddles it: not a foregone answer
    expected = float((samples[ACTIVE] < break_even).mean())
    assert summary["p_pays"] == pytest.approx(expected)
    assert summary["p_gain_positive"] == pytest.approx(expected)  # net contribution is after cost
    assert summary["p_pays_ci_low"] < expected < summary["p_pays_ci_high"]
    assert summary["interval90_low"] < summary["p50"] < summary["interval90_high"]
    assert result.influence["parameter"].iloc[0] == ACTIVE
    assert result.influence["spearman"].iloc[0] == pytest.approx(-1.0)


def test_wilson_interval() -> None:
    low, high = wilson(0, 10)
    assert low == 0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson(5, 10)
    assert (low, high) == pytest.approx((0.2366, 0.7634), abs=1e-4)


# -- reproducible, any backend, resumable (point 3) ----------------------------------------------
def test_processes_dask_and_serial_give_identical_tables(inert: sim.Scenario) -> None:
    design = plan_uncertainty(inert, 8, SETUPS, replications=2, seed=6)
    table = run_design(design, backend="processes", jobs=2)
    pd.testing.assert_frame_equal(run_design(design, backend="serial"), table)
    try:
        backend = make_backend("dask", workers=2)
    except BackendError as err:
        pytest.skip(f"dask is not importable: {err}")
    with backend:
        pd.testing.assert_frame_equal(run_design(design, backend=backend), table)


def test_an_interrupted_study_resumes_without_redoing_finished_runs(
        inert: sim.Scenario, tmp_path: Path,
        ctrl_c_at: Callable[[int], Callable[[], None]]) -> None:
    design = plan_uncertainty(inert, 8, SETUPS, replications=2, seed=6)
    total = len(design.plan.runs)
    store = RunStore(tmp_path / "cells")
    with pytest.raises(KeyboardInterrupt):
        run_design(design, store, backend="processes", jobs=2, on_done=ctrl_c_at(7))
    kept = len(list((tmp_path / "cells").glob("*.pkl")))
    assert kept == store.writes >= 7
    resumed = RunStore(tmp_path / "cells")
    table = run_design(design, resumed, backend="processes", jobs=2)
    assert resumed.writes == total - kept
    pd.testing.assert_frame_equal(table, run_design(design, backend="serial"))


# -- command line --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def inert_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inert") / "inert.yaml"
    path.write_text(yaml.safe_dump(inert_dict(), sort_keys=False), encoding="utf-8")
    return path


def test_cli_uncertainty_writes_tables_plots_and_report(
        inert_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = []
    for name in ("a", "b"):
        assert cli.main(["uncertainty", str(inert_file), "--samples", "8", "--replications", "1",
                         "--seed", "3", "--out", str(tmp_path / name), "--quiet"]) == 0
        runs.append(capsys.readouterr().out)
    assert "P(conductor pays, net of its platform cost) = " in runs[0]
    a, b = tmp_path / "a", tmp_path / "b"
    for name in ("samples.csv", "summary.csv", "influence.csv", "runs.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name  # same seed, same tables
    for name in ("gain_distribution.png", "gain_scatter.png"):
        assert (a / name).stat().st_size > 10_000
    samples = pd.read_csv(a / "samples.csv")
    assert list(samples.columns[:5]) == ["point", ACTIVE, *INERT]
    assert len(samples) == 8
    report = (a / "report.md").read_text(encoding="utf-8")
    assert "## Uncertainty" in report and "P(gain > 0)" in report


@pytest.mark.parametrize(("method", "table", "plot"), [
    ("oat", "oat.csv", "tornado.png"), ("morris", "morris.csv", "morris.png"),
    ("sobol", "sobol.csv", "sobol.png")])
def test_cli_sensitivity_writes_its_table_and_plot(
        inert_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], method: str,
        table: str, plot: str) -> None:
    out = tmp_path / "out"
    extra = [] if method == "oat" else ["--samples", "4"]
    assert cli.main(["sensitivity", str(inert_file), "--method", method, *extra,
                     "--replications", "1", "--out", str(out), "--quiet"]) == 0
    ranked = pd.read_csv(out / table)
    assert ranked["parameter"].iloc[0] == ACTIVE
    assert (out / plot).stat().st_size > 10_000
    assert "## Sensitivity" in (out / "report.md").read_text(encoding="utf-8")


def test_cli_dry_run_counts_runs_and_writes_nothing(
        inert_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert cli.main(["sensitivity", str(inert_file), "--method", "sobol", "--samples", "16",
                     "--replications", "3", "--out", str(out), "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith(
        f"{16 * 6 * 2 * 3} runs: 96 parameter sets x 2 setups x 3 replications")
    assert not out.exists()


@pytest.mark.parametrize(("args", "needle"), [
    (["sensitivity", "--method", "oat", "--samples", "4"], "--samples: applies to"),
    (["sensitivity", "--method", "sobol", "--samples", "12"], "power of 2"),
    (["uncertainty", "--design", "sobol", "--samples", "12"], "power of 2"),
    (["uncertainty", "--setups", "pilot,oracle"], "--setup: must be one of the setups run"),
    (["uncertainty", "--metric", "nope"], "--metric: unknown metric"),
])
def test_cli_bad_options_exit_2(inert_file: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str], args: list[str],
                                needle: str) -> None:
    out = tmp_path / "out"
    assert cli.main([args[0], str(inert_file), *args[1:], "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0], err
    assert not out.exists()


def test_cli_needs_an_uncertain_section(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    data = inert_dict()
    del data["uncertain"]
    file = tmp_path / "plain.yaml"
    file.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert cli.main(["uncertainty", str(file), "--out", str(tmp_path / "out")]) == 2
    assert "uncertain: the scenario declares no uncertain value" in capsys.readouterr().err


def test_cli_without_salib_says_which_extra(inert_file: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    for name in [m for m in sys.modules if m == "SALib" or m.startswith("SALib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "SALib", None)  # import SALib now raises ImportError
    out = tmp_path / "out"
    assert cli.main(["sensitivity", str(inert_file), "--method", "morris",
                     "--out", str(out)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "pip install 'campaign-sim[uncertainty]'" in line
    assert not out.exists()
    assert cli.main(["sensitivity", str(inert_file), "--method", "oat", "--replications", "1",
                     "--out", str(out), "--quiet"]) == 0  # one at a time needs no SALib
