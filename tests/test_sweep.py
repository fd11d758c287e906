"""Sweeps: grid parsing, dotted paths, backends, caching and resume, CRN across cells, CLI hooks.

Scenarios are the baseline shrunk to 60 days with 2 replications, so a 24-run sweep takes about a
second on 2 cores (the Dask local cluster adds a few seconds of start-up).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim import cli
from sim.files import write_atomic
from sim.report.sweep_figures import (
    breakeven_crossings,
    gain_table,
    sweep_plots,
    zero_crossings,
)
from sim.runs.backends import BackendError, make_backend
from sim.runs.store import RunStore, run_key
from sim.runs.sweep import SweepRun, grid_columns, plan_sweep, run_sweep, summary_row
from sim.scenario.edit import GridError, apply, grid_cells, parse_grid
from sim.scenario.identity import scenario_fingerprint
from sim.scenario.setups import BUILTIN_SETUPS
from sim.tables.metrics import DAYS_PER_MONTH

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
GRID_SPECS = ["demand.growth=1,2,3", "library.findability.shared=0.6,0.9"]
SETUPS = ["pilot", "conductor"]
REPS = 2
RUNS = 3 * 2 * len(SETUPS) * REPS


@pytest.fixture(scope="module")
def grid() -> dict[str, list[object]]:
    return parse_grid(GRID_SPECS)


@pytest.fixture(scope="module")
def reference_table(short: sim.Scenario, grid: dict[str, list[object]]) -> pd.DataFrame:
    """An uninterrupted sweep on 2 processes, without a cache."""
    return run_sweep(short, grid, SETUPS, REPS, 7, backend="processes", jobs=2)


# -- grids and paths -----------------------------------------------------------------------------
def test_parse_grid_reads_yaml_scalars() -> None:
    grid = parse_grid(["demand.growth=1, 2.5,3", "library.findability.shared=0.6,0.9",
                       "allocator.data.unified.delay_days=0", "demand.shape=linear,step",
                       "platform.ramp_up_days=1e2"])
    assert grid["demand.growth"] == [1, 2.5, 3]
    assert isinstance(grid["demand.growth"][0], int)
    assert grid["library.findability.shared"] == [0.6, 0.9]
    assert grid["allocator.data.unified.delay_days"] == [0]
    assert grid["demand.shape"] == ["linear", "step"]
    assert list(grid) == ["demand.growth", "library.findability.shared",
                          "allocator.data.unified.delay_days", "demand.shape",
                          "platform.ramp_up_days"]


@pytest.mark.parametrize("spec", ["demand.growth", "=1,2", "demand.growth=", "demand.growth=1,,2",
                                  "demand.growth=1,1", "demand.growth=[1", "demand.growth={}"])
def test_parse_grid_rejects_bad_syntax(spec: str) -> None:
    with pytest.raises(GridError) as info:
        parse_grid([spec])
    assert len(info.value.problems) == 1


def test_parse_grid_rejects_a_path_given_twice() -> None:
    with pytest.raises(GridError, match="twice"):
        parse_grid(["demand.growth=1", "demand.growth=2"])


def test_grid_cells_vary_the_last_path_fastest(grid: dict[str, list[object]]) -> None:
    cells = grid_cells(grid)
    assert len(cells) == 6
    assert cells[0] == {"demand.growth": 1, "library.findability.shared": 0.6}
    assert cells[1] == {"demand.growth": 1, "library.findability.shared": 0.9}
    assert cells[-1] == {"demand.growth": 3, "library.findability.shared": 0.9}
    assert grid_cells({}) == [{}]


def test_apply_sets_nested_keys_and_list_items(short: sim.Scenario) -> None:
    s = apply(short, {"demand.growth": 2, "agencies.0.capacity": 11,
                      "approvals.stages.1.reviewers": 5, "channels.3.hill_k": 12345.0})
    assert s.demand.growth == 2.0
    assert s.agencies[0].capacity == 11
    assert s.approvals.stages[1].reviewers == 5
    assert s.channels[3].hill_k == 12345.0
    assert short.demand.growth == 3.0  # the original is untouched
    assert apply(short, {}) == short


@pytest.mark.parametrize(("path", "rule"), [
    ("demand.grwoth", "unknown key 'grwoth'"),
    ("nope", "unknown key 'nope'"),
    ("agencies.7.capacity", "index 7 out of range (0..2)"),
    ("agencies.first.capacity", "expects a list index"),
    ("demand.growth.value", "is a value, not a mapping or list"),
])
def test_apply_rejects_bad_paths(short: sim.Scenario, path: str, rule: str) -> None:
    with pytest.raises(sim.ScenarioError) as info:
        apply(short, {path: 1})
    (problem,) = info.value.problems
    assert problem.path == path
    assert rule in problem.rule


def test_apply_validates_the_new_value(short: sim.Scenario) -> None:
    with pytest.raises(sim.ScenarioError) as info:
        apply(short, {"demand.growth": -1})
    assert [p.path for p in info.value.problems] == ["demand.growth"]


def test_plan_reports_each_bad_value_once(short: sim.Scenario) -> None:
    grid = parse_grid(["demand.growth=-1,2", "library.findability.shared=0.5,1.5"])
    with pytest.raises(sim.ScenarioError) as info:
        plan_sweep(short, grid, SETUPS, 1, 0)
    paths = [p.path for p in info.value.problems]
    assert paths == ["demand.growth", "library.findability.shared"]


def test_plan_rejects_unknown_setups(short: sim.Scenario) -> None:
    with pytest.raises(sim.ScenarioError, match="unknown setup 'nope'"):
        plan_sweep(short, {}, ["pilot", "nope"], 1, 0)


def key_of(scenario: sim.Scenario, levers: sim.Levers, seed: int, replication: int) -> str:
    return run_key(scenario_fingerprint(scenario), levers, seed, replication)


def test_run_key_depends_on_what_determines_a_run(short: sim.Scenario) -> None:
    pilot, conductor = BUILTIN_SETUPS["pilot"], BUILTIN_SETUPS["conductor"]
    key = key_of(short, pilot, 0, 0)
    assert len(key) == 64
    assert key == key_of(apply(short, {}), pilot, 0, 0)
    assert key == key_of(apply(short, {"demand.growth": 3}), pilot, 0, 0)  # int == float
    assert key == key_of(short.model_copy(update={"setups": ["pilot"]}), pilot, 0, 0)
    others = {key_of(short, conductor, 0, 0), key_of(short, pilot, 1, 0),
              key_of(short, pilot, 0, 1), key_of(apply(short, {"demand.growth": 2}), pilot, 0, 0)}
    assert key not in others and len(others) == 4


# -- the sweep table -----------------------------------------------------------------------------
def test_sweep_table_is_tidy_and_ordered(reference_table: pd.DataFrame) -> None:
    t = reference_table
    assert len(t) == RUNS
    assert list(t.columns[:3]) == ["demand.growth", "library.findability.shared", "scenario"]
    assert grid_columns(t) == ["demand.growth", "library.findability.shared"]
    assert list(t["demand.growth"]) == [g for g in (1, 2, 3) for _ in range(RUNS // 3)]
    assert list(t["setup"][:4]) == ["pilot", "pilot", "conductor", "conductor"]
    assert list(t["replication"][:4]) == [0, 1, 0, 1]
    assert set(t["seed"]) == {7}
    assert t["net_contribution"].notna().all()


def test_processes_and_dask_give_identical_tables(
        short: sim.Scenario, grid: dict[str, list[object]], reference_table: pd.DataFrame) -> None:
    try:
        backend = make_backend("dask", workers=2)
    except BackendError as err:
        pytest.skip(f"dask is not importable: {err}")
    with backend:
        table = run_sweep(short, grid, SETUPS, REPS, 7, backend=backend)
    pd.testing.assert_frame_equal(table, reference_table)
    serial = run_sweep(short, grid, SETUPS, REPS, 7, backend="serial")
    pd.testing.assert_frame_equal(serial, reference_table)


def test_common_random_numbers_hold_across_cells(reference_table: pd.DataFrame) -> None:
    t = reference_table
    for (_, _, _), g in t.groupby(["library.findability.shared", "setup", "replication"]):
        arrived = g.sort_values("demand.growth")["requests_arrived"].to_numpy()
        assert (arrived[1:] > arrived[:-1]).all(), arrived
    # the pilot's library is siloed: the shared library's findability cannot change its results
    pilot = t[t["setup"] == "pilot"]
    low, high = (pilot[pilot["library.findability.shared"] == v]
                 .drop(columns="library.findability.shared").reset_index(drop=True)
                 for v in (0.6, 0.9))
    pd.testing.assert_frame_equal(low, high)


# -- caching and resume --------------------------------------------------------------------------
def test_resume_recomputes_only_deleted_cells(
        short: sim.Scenario, grid: dict[str, list[object]], reference_table: pd.DataFrame,
        tmp_path: Path) -> None:
    first = RunStore(tmp_path / "cells")
    table = run_sweep(short, grid, SETUPS, REPS, 7, first, backend="processes", jobs=2)
    assert first.writes == RUNS
    files = sorted((tmp_path / "cells").glob("*.pkl"))
    assert len(files) == RUNS
    assert not list((tmp_path / "cells").glob("*.tmp"))
    for f in files[:5]:
        f.unlink()
    files[5].write_text("{truncated", encoding="utf-8")  # a damaged file is recomputed
    again = RunStore(tmp_path / "cells")
    calls = []
    table2 = run_sweep(short, grid, SETUPS, REPS, 7, again, backend="processes", jobs=2,
                       on_done=lambda: calls.append(1))
    assert again.writes == 6
    assert len(calls) == RUNS
    pd.testing.assert_frame_equal(table, reference_table)
    pd.testing.assert_frame_equal(table2, reference_table)
    third = RunStore(tmp_path / "cells")
    pd.testing.assert_frame_equal(run_sweep(short, grid, SETUPS, REPS, 7, third), reference_table)
    assert third.writes == 0


@pytest.mark.parametrize("backend", ["processes", "serial"])
def test_interrupted_sweep_resumes_without_redoing_finished_runs(
        short: sim.Scenario, grid: dict[str, list[object]], reference_table: pd.DataFrame,
        tmp_path: Path, backend: str, ctrl_c_at: Callable[[int], Callable[[], None]]) -> None:
    store = RunStore(tmp_path / "cells")
    with pytest.raises(KeyboardInterrupt):
        run_sweep(short, grid, SETUPS, REPS, 7, store, backend=backend, jobs=2,
                  on_done=ctrl_c_at(5))
    assert store.writes == 5
    assert len(list((tmp_path / "cells").glob("*.pkl"))) == 5
    resumed = RunStore(tmp_path / "cells")
    table = run_sweep(short, grid, SETUPS, REPS, 7, resumed, backend=backend, jobs=2)
    assert resumed.writes == RUNS - 5
    pd.testing.assert_frame_equal(table, reference_table)


def test_setups_with_equal_levers_share_one_run(short: sim.Scenario, tmp_path: Path) -> None:
    twin = sim.scenario.setups.SetupSpec(name="twin", base="pilot")
    s = short.model_copy(update={"setups": ["pilot", twin]})
    store = RunStore(tmp_path)
    table = run_sweep(s, {}, ["pilot", "twin"], 1, 0, store, backend="serial")
    assert store.writes == 1
    assert list(table["setup"]) == ["pilot", "twin"]
    assert table.drop(columns="setup").iloc[0].equals(table.drop(columns="setup").iloc[1])


# -- plots ---------------------------------------------------------------------------------------
def test_gain_table_is_paired_by_replication(reference_table: pd.DataFrame) -> None:
    gains = gain_table(reference_table)
    assert len(gains) == 6 and set(gains["n"]) == {REPS}
    t = reference_table
    cell = t[(t["demand.growth"] == 2) & (t["library.findability.shared"] == 0.9)]
    wide = cell.pivot(index="replication", columns="setup", values="net_contribution")
    row = gains[(gains["demand.growth"] == 2) & (gains["library.findability.shared"] == 0.9)]
    assert row["mean"].iloc[0] == pytest.approx((wide["conductor"] - wide["pilot"]).mean())


def test_sweep_plots_write_lines_and_heatmap(reference_table: pd.DataFrame,
                                             tmp_path: Path) -> None:
    made = sweep_plots(reference_table, tmp_path, currency="EUR")
    assert set(made) == {"gain_demand.growth", "gain_library.findability.shared",
                         "gain_demand.growth_x_library.findability.shared"}
    for path in made.values():
        assert path.is_file() and path.stat().st_size > 10_000
    one = reference_table[reference_table["library.findability.shared"] == 0.6]
    single = sweep_plots(one.drop(columns="library.findability.shared"), tmp_path / "one")
    assert set(single) == {"gain_demand.growth"}


def sign_changing_sweep() -> pd.DataFrame:
    """A 3 x 2 sweep whose conductor gain (a - 2) * 100 + b changes sign along ``a``."""
    rows = []
    for a in (1, 2, 3):
        for b in (10, 20):
            for setup, value in (("pilot", 0.0), ("conductor", (a - 2) * 100.0 + b)):
                for r in range(3):
                    rows.append({"a": a, "b": b, "scenario": "x", "setup": setup,
                                 "replication": r, "net_contribution": value + r})
    return pd.DataFrame(rows)


def test_heatmap_draws_break_even_when_the_gain_changes_sign(tmp_path: Path) -> None:
    made = sweep_plots(sign_changing_sweep(), tmp_path)
    assert made["gain_a_x_b"].is_file()


# -- command line --------------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    return cli.build_parser()


def tiny_file(tmp_path: Path) -> Path:
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    data.update(name="tiny", horizon_days=60)
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_commands_are_registered() -> None:
    p = parser()
    for command in ("sweep", "decompose", "bench"):
        args = p.parse_args([command] + ([] if command == "bench" else ["x.yaml"]) +
                            (["--grid", "a=1"] if command == "sweep" else []))
        assert callable(args.handler)


@pytest.mark.parametrize(("grid", "needle"), [
    ("demand.nope=1,2", "demand.nope: unknown key 'nope'"),
    ("agencies.9.capacity=2", "agencies.9.capacity: index 9 out of range"),
    ("demand.growth", "expected PATH=V1,V2"),
    ("demand.growth=-1,2", "demand.growth: Input should be greater than 0"),
])
def test_cli_bad_grid_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            grid: str, needle: str) -> None:
    out = tmp_path / "out"
    assert cli.main(["sweep", str(tiny_file(tmp_path)), "--grid", grid,
                     "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0], err
    assert not out.exists()


def test_cli_bad_scenario_and_setups_exit_2(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert cli.main(["sweep", str(tmp_path / "missing.yaml"), "--grid",
                                "demand.growth=1", "--out", str(out)]) == 2
    assert cli.main(["sweep", str(tiny_file(tmp_path)), "--grid", "demand.growth=1",
                     "--setups", "pilot,nope", "--out", str(out)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 2
    assert not out.exists()


def test_cli_sweep_writes_table_plots_and_cache(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    argv = ["sweep", str(tiny_file(tmp_path)), "--grid", "demand.growth=1,3", "--replications",
            "2", "--jobs", "2", "--out", str(out), "--quiet"]
    assert cli.main(argv) == 0
    table = pd.read_csv(out / "sweep.csv")
    assert len(table) == 2 * 2 * 2 and table.columns[0] == "demand.growth"
    assert (out / "gain_demand.growth.png").is_file()
    assert len(list((out / "cells").glob("*.pkl"))) == 8
    info = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert info["grid"] == {"demand.growth": [1, 3]} and info["setups"] == SETUPS
    assert "net contribution, conductor - pilot" in capsys.readouterr().out
    before = (out / "sweep.csv").read_bytes()
    assert cli.main(argv) == 0
    assert (out / "sweep.csv").read_bytes() == before


def test_a_worker_with_another_version_refuses_work(short: sim.Scenario) -> None:
    plan = plan_sweep(short, {}, ["pilot"], 1, 0)
    with pytest.raises(RuntimeError, match="same version"):
        summary_row(SweepRun(short, plan.runs[0][1], version="0.0.0-other"))
    row = summary_row(SweepRun(short, plan.runs[0][1]))
    assert row["setup"] == "pilot"


# -- audit fixes: out folder, cache feedback, file modes, stale plots, grid values, options -------
def call_main(argv: list[str | Path], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``campaign-sim`` in this process; return the exit code, stdout and stderr."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("out", ["afile/sub", "afile", "folder/cells"])
def test_cli_sweep_rejects_an_unusable_out_before_running(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], out: str) -> None:
    (tmp_path / "afile").write_text("keep", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "cells").write_text("keep", encoding="utf-8")  # cells is a file
    target = tmp_path / out.removesuffix("/cells")
    before = set(tmp_path.rglob("*"))
    code, _, err = call_main(["sweep", tiny_file(tmp_path), "--grid", "demand.growth=1",
                              "--replications", "1", "--out", target, "--quiet"], capsys)
    assert code == 2, err
    (line,) = err.strip().splitlines()
    assert line.startswith("--out: ") and "is not a folder" in line and str(target) in line
    assert set(tmp_path.rglob("*")) == {*before, tmp_path / "tiny.yaml"}  # nothing written
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "keep"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_cli_sweep_rejects_an_out_folder_it_cannot_write(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    try:
        code, _, err = call_main(["sweep", tiny_file(tmp_path), "--grid", "demand.growth=1",
                                  "--out", locked / "out", "--quiet"], capsys)
    finally:
        locked.chmod(0o755)
    assert code == 2, err
    (line,) = err.strip().splitlines()
    assert line.startswith("--out: ") and "Permission denied" in line
    assert list(locked.iterdir()) == []


def test_cli_sweep_says_how_many_runs_the_cache_holds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    argv: list[str | Path] = ["sweep", tiny_file(tmp_path), "--grid", "demand.growth=1,3",
                              "--replications", "1", "--jobs", "2", "--out", out]
    code, _, err = call_main(argv, capsys)
    assert code == 0, err
    assert f"0 of 4 runs found in {out / 'cells'}; running 4" in err.splitlines()
    next(iter(sorted((out / "cells").glob("*.pkl")))).unlink()
    code, _, err = call_main(argv, capsys)
    assert code == 0, err
    assert f"3 of 4 runs found in {out / 'cells'}; running 1" in err.splitlines()
    code, _, err = call_main([*argv, "--quiet"], capsys)
    assert code == 0 and "runs found" not in err


def test_write_atomic_gives_the_usual_file_mode(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    write_atomic(tmp_path / "atomic.txt", "x")
    (tmp_path / "plain.txt").write_text("x", encoding="utf-8")
    RunStore(tmp_path / "cells").put("k", {"a": 1})
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.rglob("*") if p.is_file()}
    assert modes == {"atomic.txt": 0o666 & ~mask, "plain.txt": 0o666 & ~mask,
                     "k.pkl": 0o666 & ~mask}


def test_cli_sweep_removes_plots_of_an_earlier_grid_only(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    stale = ["gain_platform.monthly_cost.png", "gain_demand.growth_x_platform.monthly_cost.png"]
    others = ["other.png", "gain_notes.txt", "notes.md", "cells/gain_x.png"]
    (out / "cells").mkdir(parents=True)
    for name in stale + others:
        (out / name).write_bytes(b"old")
    code, _, err = call_main(["sweep", tiny_file(tmp_path), "--grid", "demand.growth=1,3",
                              "--replications", "1", "--jobs", "2", "--out", out, "--quiet"],
                             capsys)
    assert code == 0, err
    assert not any((out / name).exists() for name in stale)
    assert all((out / name).read_bytes() == b"old" for name in others)
    assert (out / "gain_demand.growth.png").stat().st_size > 10_000


def test_sweep_plots_are_saved_atomically(reference_table: pd.DataFrame, tmp_path: Path,
                                          request: pytest.FixtureRequest) -> None:
    first = sweep_plots(reference_table, tmp_path)
    before = {p.name: p.read_bytes() for p in first.values()}
    request.getfixturevalue("ctrl_c_after_drawing")
    with pytest.raises(KeyboardInterrupt):
        sweep_plots(reference_table.assign(net_contribution=0.0), tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no half, no temp


@pytest.mark.parametrize("spec", ["demand.growth=1,1.0", "demand.growth=2,1,2.0",
                                  "platform.monthly_cost=2e4,20000"])
def test_parse_grid_finds_equal_values_listed_twice(spec: str) -> None:
    with pytest.raises(GridError, match="a value is listed twice"):
        parse_grid([spec])


def test_parse_grid_reads_python_number_literals(short: sim.Scenario) -> None:
    grid = parse_grid(["platform.monthly_cost=2e4, 8E4,-1e-3", "demand.shape=linear,'1e3'"])
    assert grid == {"platform.monthly_cost": [20000.0, 80000.0, -0.001],
                    "demand.shape": ["linear", "1e3"]}
    assert all(type(v) is float for v in grid["platform.monthly_cost"])
    plan = plan_sweep(short, parse_grid(["platform.monthly_cost=2e4,8e4"]), ["pilot"], 1, 0)
    assert [s.platform.monthly_cost for s in plan.scenarios] == [20000.0, 80000.0]


@pytest.mark.parametrize("command", ["sweep", "decompose"])
@pytest.mark.parametrize(("option", "backend"), [
    (["--scheduler", "tcp://127.0.0.1:1"], "dask"), (["--workers", "2"], "dask"),
    (["--jobs", "2", "--backend", "dask"], "processes")])
def test_cli_backend_options_need_their_backend(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str,
        option: list[str], backend: str) -> None:
    out = tmp_path / "out"
    grid = ["--grid", "demand.growth=1"] if command == "sweep" else []
    code, _, err = call_main([command, tiny_file(tmp_path), *grid, "--replications", "1",
                              *option, "--out", out, "--quiet"], capsys)
    assert code == 2, err
    (line,) = err.strip().splitlines()
    assert f"{option[0]} applies only to --backend {backend}" in line
    assert not out.exists()


# -- --metric, break-even crossings and per-value lines -----------------------------------------
def test_zero_crossings_are_interpolated_per_value_of_the_other_dimension(tmp_path: Path
                                                                         ) -> None:
    table = sign_changing_sweep()
    crossings = breakeven_crossings(table)
    # gain (a - 2) * 100 + b + r - r: zero at a = 2 - b / 100 for each b, never along b
    found = {(row.dimension, row.at): row.value for row in crossings.itertuples()}
    assert found == {("a", "b=10"): pytest.approx(1.9), ("a", "b=20"): pytest.approx(1.8)}
    assert zero_crossings(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, -1.0])) == [0.0, 1.5]
    made = sweep_plots(table, tmp_path, metric="net_contribution")
    assert made["gain_a"].stat().st_size > 10_000


def test_cli_sweep_metric_and_break_even_crossing(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    argv = ["sweep", str(tiny_file(tmp_path)), "--grid", "platform.monthly_cost=0,1000000",
            "--replications", "2", "--jobs", "2", "--out", str(out), "--quiet"]
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    table = pd.read_csv(out / "sweep.csv")
    free = table[table["platform.monthly_cost"] == 0]
    wide = free.pivot(index="replication", columns="setup", values="net_contribution")
    exact = (wide["conductor"] - wide["pilot"]).mean() / (60 / DAYS_PER_MONTH)
    line = next(x for x in text.splitlines() if x.startswith("break-even:"))
    value = float(line.split("= ")[-1].replace(",", ""))
    assert value == pytest.approx(exact, abs=1.0)  # the cost enters linearly: exact
    assert cli.main([*argv, "--metric", "revenue"]) == 0
    assert "revenue, conductor - pilot" in capsys.readouterr().out


def test_cli_sweep_on_a_team_utilisation_plots_and_prints_its_break_even(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    metric = "utilization_in_house"  # the conductor routes work in-house that the pilot sends out
    assert cli.main(["sweep", str(tiny_file(tmp_path)), "--grid", "agencies.0.capacity=3,5,8",
                     "--metric", metric, "--replications", "2", "--out", str(out),
                     "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "utilization in house, conductor - pilot" in text
    assert (out / "gain_agencies.0.capacity.png").stat().st_size > 10_000
    gains = gain_table(pd.read_csv(out / "sweep.csv"), metric)
    expected = zero_crossings(gains["agencies.0.capacity"].to_numpy(dtype=float),
                              gains["mean"].to_numpy())
    printed = [float(line.split("= ")[-1]) for line in text.splitlines()
               if line.startswith("break-even: gain = 0 at agencies.0.capacity")]
    assert expected and printed == pytest.approx(expected, abs=1e-3)


def test_cli_sweep_unknown_metric_exits_2_naming_the_known_ones(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert cli.main(["sweep", str(tiny_file(tmp_path)), "--grid", "demand.growth=1",
                     "--metric", "nope", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--metric: unknown metric" in err[0]
    assert "net_contribution" in err[0] and "'nope'" in err[0]
    assert "utilization_in_house" in err[0] and "wait_mean_legal" in err[0]
    assert not out.exists()
