"""Lever decomposition: the accounting identity, agreement with paired comparisons, outputs."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import report_numbers

import sim
from sim import cli
from sim.cli.sweeps import DECOMPOSE_REPLICATIONS
from sim.report.waterfall import ranking_text, waterfall
from sim.runs.decompose import (
    RANKING_COLUMNS,
    RESIDUAL,
    TOTAL,
    Decomposition,
    ablation_setups,
    contributions,
    decompose,
    distinguishable_pairs,
    from_runs,
    ranking,
)
from sim.scenario.setups import BUILTIN_SETUPS, LEVER_NAMES
from sim.tables.metrics import SUMMARY_METRICS as METRICS
from sim.tables.operations import RESOURCE_METRIC_PREFIXES

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
REPS = 2


@pytest.fixture(scope="module")
def dec(short: sim.Scenario) -> Decomposition:
    return decompose(short, replications=REPS, seed=3, jobs=2)


def test_ablation_setups_change_exactly_one_lever() -> None:
    pilot, conductor = BUILTIN_SETUPS["pilot"], BUILTIN_SETUPS["conductor"]
    specs = ablation_setups()
    assert len(specs) == 2 * len(LEVER_NAMES)
    for spec in specs:
        levers = spec.resolve()
        base = conductor if spec.base == "conductor" else pilot
        changed = [n for n in LEVER_NAMES if getattr(levers, n) != getattr(base, n)]
        assert len(changed) == 1 and spec.name.endswith(changed[0])


@pytest.mark.parametrize("kind", ["off", "on"])
def test_contributions_plus_residual_equal_the_total_gain(dec: Decomposition, kind: str) -> None:
    parts = dec.switch_off if kind == "off" else dec.switch_on
    residual = dec.residual_off if kind == "off" else dec.residual_on
    assert list(parts) == list(LEVER_NAMES)
    total = sum(e.mean for e in parts.values()) + residual.mean
    assert math.isclose(total, dec.total.mean, rel_tol=1e-12, abs_tol=1e-6)
    table = dec.table().set_index("lever")
    column = table[f"switch_{kind}_mean"]
    assert math.isclose(column[list(LEVER_NAMES)].sum() + column[RESIDUAL], column[TOTAL],
                        rel_tol=1e-12, abs_tol=1e-6)


def test_residual_interval_matches_per_replication_residuals(dec: Decomposition) -> None:
    wide = dec.runs.pivot(index="replication", columns="setup", values="net_contribution")
    per_rep = (wide["conductor"] - wide["pilot"]) - sum(
        wide["conductor"] - wide[f"conductor_without_{lv}"] for lv in LEVER_NAMES)
    assert dec.residual_off.mean == pytest.approx(per_rep.mean(), rel=1e-9, abs=1e-3)
    assert dec.residual_off.n == REPS
    assert dec.residual_off.ci_low <= dec.residual_off.mean <= dec.residual_off.ci_high


def test_total_gain_equals_the_paired_comparison(short: sim.Scenario, dec: Decomposition) -> None:
    comparison = sim.compare(short, setups=["pilot", "conductor"], replications=REPS, seed=3)
    gain = comparison.paired("net_contribution", "conductor", reference="pilot")
    assert dec.total.mean == pytest.approx(gain.mean, rel=1e-12)
    assert dec.total.ci_low == pytest.approx(gain.ci_low, rel=1e-9)


def test_table_layout(dec: Decomposition) -> None:
    table = dec.table()
    assert list(table["lever"]) == [*LEVER_NAMES, RESIDUAL, TOTAL]
    assert list(table.columns) == [
        "lever", "switch_off_mean", "switch_off_ci_low", "switch_off_ci_high", "switch_on_mean",
        "switch_on_ci_low", "switch_on_ci_high", "n"]
    assert (table["n"] == REPS).all()
    assert np.isfinite(table.drop(columns="lever").to_numpy(dtype=float)).all()


def test_metrics_list_matches_the_summary(dec: Decomposition) -> None:
    numeric = set(dec.runs.select_dtypes("number").columns) - {"replication", "seed"}
    per_resource = {c for c in numeric if c.startswith(RESOURCE_METRIC_PREFIXES)}
    assert per_resource  # one utilisation and one mean wait per team and approval stage
    assert set(METRICS) == numeric - per_resource


@pytest.mark.parametrize("kind", ["switch_off", "switch_on"])
def test_waterfall_is_written(dec: Decomposition, tmp_path: Path, kind: str) -> None:
    path = waterfall(dec, tmp_path / "sub" / f"{kind}.png", kind=kind)
    assert path.is_file() and path.stat().st_size > 10_000


def test_decompose_other_metric_and_cache(short: sim.Scenario, dec: Decomposition,
                                          tmp_path: Path) -> None:
    first = decompose(short, replications=REPS, seed=3, metric="revenue", out=tmp_path,
                      backend="serial")
    assert first.metric == "revenue"
    assert len(list((tmp_path / "cells").glob("*.pkl"))) == 16 * REPS
    pd.testing.assert_frame_equal(first.runs, dec.runs)
    with pytest.raises(KeyError, match="unknown metric"):
        decompose(short, replications=REPS, seed=3, metric="nope", out=tmp_path)


def parser() -> argparse.ArgumentParser:
    return cli.build_parser()


def test_cli_decompose_writes_table_and_waterfall(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    data.update(name="tiny", horizon_days=40)
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["decompose", str(scenario), "--metric", "nope", "--out", str(out)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not out.exists()
    assert cli.main(["decompose", str(scenario), "--replications", "2", "--jobs", "2",
                                "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out / "decomposition.csv")
    assert list(table["lever"]) == [*LEVER_NAMES, RESIDUAL, TOTAL]
    assert (out / "waterfall.png").is_file()
    text = capsys.readouterr().out
    assert "total gain" in text and "adjacent ranks distinguishable" in text
    assert "interaction (residual)" in text
    ranked = pd.read_csv(out / "ranking.csv")
    assert set(ranked["lever"]) == {*LEVER_NAMES, RESIDUAL}
    markdown, page = report_numbers(out)  # report.md and report.html: the same figures
    assert len(markdown) > 20 and page == markdown
    top = ranked[ranked["lever"] != RESIDUAL].iloc[0]["lever"]
    assert f"carries the most of the gain is {top}" in (out / "report.md").read_text("utf-8")


# -- audit fixes: out folder, cache feedback and resume hint, atomic waterfall --------------------
def tiny_file(tmp_path: Path) -> Path:
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    data.update(name="tiny", horizon_days=40)
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_cli_decompose_rejects_an_unusable_out_before_running(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("keep", encoding="utf-8")
    scenario = tiny_file(tmp_path)
    code = cli.main(["decompose", str(scenario), "--replications", "1", "--quiet",
                     "--out", str(tmp_path / "afile" / "sub")])
    err = capsys.readouterr().err
    assert code == 2, err
    (line,) = err.strip().splitlines()
    assert line.startswith("--out: ") and f"{tmp_path / 'afile'} is not a folder" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "tiny.yaml"]


def test_cli_decompose_interrupted_hints_resume_and_counts_the_cache(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        ctrl_c_at: Callable[[int], Callable[[], None]]) -> None:
    out = tmp_path / "out"
    argv = ["decompose", str(tiny_file(tmp_path)), "--replications", "1", "--jobs", "2",
            "--out", str(out)]
    with monkeypatch.context() as m:
        m.setattr("sim.cli.progress.progress_bar", lambda total, quiet: nullcontext(ctrl_c_at(3)))
        assert cli.main(argv) == 130
    err = capsys.readouterr().err.splitlines()
    assert f"0 of 16 runs found in {out / 'cells'}; running 16" in err
    assert f"finished runs are kept in {out / 'cells'}; run the same command to resume" in err
    found = len(list((out / "cells").glob("*.pkl")))
    assert 3 <= found < 16
    assert cli.main(argv) == 0
    err = capsys.readouterr().err.splitlines()
    assert f"{found} of 16 runs found in {out / 'cells'}; running {16 - found}" in err


def test_waterfall_is_saved_atomically(dec: Decomposition, tmp_path: Path,
                                       request: pytest.FixtureRequest) -> None:
    path = waterfall(dec, tmp_path / "waterfall.png")
    before = path.read_bytes()
    request.getfixturevalue("ctrl_c_after_drawing")
    with pytest.raises(KeyboardInterrupt):
        waterfall(dec, path, kind="switch_on")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["waterfall.png"]  # no temporary file left


# -- ranking -------------------------------------------------------------------------------------
def synthetic_runs(noise: dict[str, list[float]]) -> pd.DataFrame:
    """16 setups over 4 replications whose switch-off contributions are set by hand.

    Lever i contributes 100 - 10 i (plus ``noise[lever]`` per replication); the total gain is
    1,000, so the residual is 1,000 minus their sum.
    """
    rows = []
    for r in range(4):
        pilot = 5_000.0 * r
        values = {"pilot": pilot, "conductor": pilot + 1_000.0}
        for i, lever in enumerate(LEVER_NAMES):
            c = 100.0 - 10 * i + noise.get(lever, [0.0] * 4)[r]
            values[f"conductor_without_{lever}"] = pilot + 1_000.0 - c
            values[f"pilot_with_{lever}"] = pilot + c
        rows += [{"setup": k, "replication": r, "net_contribution": v}
                 for k, v in values.items()]
    return pd.DataFrame(rows)


def test_ranking_orders_levers_and_residual_and_pairs_neighbours() -> None:
    first, second = LEVER_NAMES[0], LEVER_NAMES[1]
    # the second lever's noise makes it tie with the first on some replications
    runs = synthetic_runs({second: [30.0, -10.0, 20.0, 0.0],
                           LEVER_NAMES[-1]: [-80.0, 0.0, -80.0, 0.0]})  # mean 0
    dec = from_runs(runs, "toy", "EUR")
    table = ranking(dec)
    assert list(table.columns) == list(RANKING_COLUMNS)
    assert list(table["lever"]) == [RESIDUAL, first, second, *LEVER_NAMES[2:]]
    assert table["mean"].is_monotonic_decreasing
    assert table["mean"].sum() == pytest.approx(dec.total.mean)  # residual closes the account
    by = table.set_index("lever")
    assert bool(by.loc[first, "significant"]) and not bool(by.loc[LEVER_NAMES[-1], "significant"])
    assert by.loc[first, "next_diff_mean"] == pytest.approx(10.0 - 10.0)  # 100 vs 90 + 10
    assert not bool(by.loc[first, "distinct_from_next"])
    assert bool(by.loc[LEVER_NAMES[2], "distinct_from_next"])
    assert not bool(table["distinct_from_next"].iloc[-1])
    assert distinguishable_pairs(dec) == int(table["distinct_from_next"].sum())
    text = ranking_text(table, "net_contribution", "EUR").splitlines()
    assert text[1].startswith("rank  lever")
    residual_line = next(line for line in text if RESIDUAL in line)
    lever_line = next(line for line in text if line.split()[1:2] == [LEVER_NAMES[2]])
    assert residual_line.startswith("1 ") and "*" in residual_line
    assert len(residual_line) == len(lever_line)  # same columns, same format


def test_ranking_of_a_real_decomposition(dec: Decomposition) -> None:
    table = ranking(dec)
    assert set(table["lever"]) == {*LEVER_NAMES, RESIDUAL} and (table["n"] == REPS).all()
    parts = contributions(dec)
    top, runner = table["lever"].iloc[0], table["lever"].iloc[1]
    assert table["next_diff_mean"].iloc[0] == pytest.approx((parts[top] - parts[runner]).mean())
    for row in table.itertuples():
        assert row.significant == (row.ci_low > 0 or row.ci_high < 0)


def test_decompose_default_replications_rank_the_levers() -> None:
    args = parser().parse_args(["decompose", "x.yaml"])
    assert args.replications == DECOMPOSE_REPLICATIONS == 20
