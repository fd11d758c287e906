"""``calibrate requests``: round trip on a simulated world, end to end, and bad input.

Must-show 1 (round trip): a world whose content parameters all differ from the baseline's
(:mod:`calibrate_world`) is simulated, calibrated from its own ``requests`` and ``steps`` tables,
and each estimate's 95% CI is checked against the truth; the recovered scenario's pilot reuse
and lead times are compared with the truth's. Must-show 3: a calibrated scenario merged into
the baseline runs ``validate`` and ``compare``. Must-show 4: each bad input has a test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from calibrate_world import (
    BASELINE,
    pilot_metric,
    recovered_scenario,
    round_trip_checks,
    simulate_logs,
    true_raw,
    true_scenario,
)

from sim.calibrate.fitting import fit_duration
from sim.calibrate.request_log import read_log
from sim.cli import main
from sim.scenario.load import load_scenario

EXIT_BAD_INPUT = 2


def test_round_trip_one_seed(tmp_path: Path) -> None:
    """Fast variant: one seed, 120 days; a miss costs 5% on average, so allow up to 4 of 39."""
    checks = round_trip_checks(true_scenario(120), 7, tmp_path)
    missed = [(c.name, c.truth, c.estimate.text()) for c in checks if not c.covered]
    assert len(checks) == 39
    assert len(missed) <= 4, missed


@pytest.mark.slow
def test_round_trip_coverage_over_seeds(tmp_path: Path) -> None:
    """8 seeds x 39 parameters, 182 days: the 95% CIs cover the truth in >= 93% of cases.

    93% is the one-sided 95% binomial bound below 95% for 312 checks.
    """
    seeds = range(1, 9)
    checks = [c for seed in seeds for c in round_trip_checks(true_scenario(182), seed, tmp_path)]
    covered = sum(c.covered for c in checks)
    print(f"coverage {covered}/{len(checks)} = {covered / len(checks):.3f} over {len(seeds)} seeds")
    assert covered / len(checks) >= 0.93


@pytest.mark.slow
def test_recovered_pilot_matches_the_truth(tmp_path: Path) -> None:
    """The recovered scenarios' pilot reuse and lead times equal the truth's within their CIs.

    One recovered scenario carries its log's estimation error, so the check is over 4 logs
    (seeds 1-4, 182 days): each recovered scenario and the truth run on the same 3 seeds, and
    the interval of the mean difference across the 4 logs (t, 3 df) holds both the estimation
    and the simulation noise. It must contain 0.
    """
    from scipy import stats

    raw, truth, seeds = true_raw(182), true_scenario(182), range(100, 103)
    metrics = ("reuse_rate", "lead_time_mean", "lead_time_p50", "lead_time_p95")
    base = {m: pilot_metric(truth, m, seeds) for m in metrics}
    diffs: dict[str, list[float]] = {m: [] for m in metrics}
    for log_seed in range(1, 5):
        folder = tmp_path / str(log_seed)
        folder.mkdir()
        recovered = recovered_scenario(raw, log_seed, folder)
        for m in metrics:
            diffs[m].append(float((pilot_metric(recovered, m, seeds) - base[m]).mean()))
    for m in metrics:
        d = np.array(diffs[m])
        half = float(stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)))
        print(f"{m}: truth {base[m].mean():.4g}, recovered - truth {d.mean():.4g} "
              f"(95% CI {d.mean() - half:.4g} to {d.mean() + half:.4g}), per log {d.round(4)}")
        assert abs(d.mean()) <= half, (m, d)


def _calibrate(*args: str | Path) -> int:
    return main(["calibrate", "requests", *map(str, args)])


def test_written_blocks_are_the_estimates(tmp_path: Path) -> None:
    """The CLI writes the fitted numbers (not the truth) and a valid scenario with a template."""
    truth = true_scenario(120)
    requests, steps = simulate_logs(truth, 11, tmp_path)
    template = tmp_path / "truth.yaml"
    template.write_text(yaml.safe_dump(true_raw(120), sort_keys=False), encoding="utf-8")
    out = tmp_path / "cal.yaml"
    assert _calibrate(requests, "--steps", steps, "--out", out, "--template", template) == 0
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    data = read_log(requests, steps)
    due = fit_duration((data.requests["due"] - data.requests["created"]).to_numpy())
    assert due is not None
    assert written["demand"]["due_days"]["mean"] == pytest.approx(due.mean.value, rel=1e-5)
    assert written["demand"]["due_days"]["mean"] != truth.demand.due_days.mean
    assert "# mean" not in out.read_text() and "95% CI" in out.read_text()
    assert main(["validate", str(out)]) == 0


def test_without_steps_says_what_it_could_not_estimate(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    requests, _ = simulate_logs(true_scenario(60), 5, tmp_path)
    out = tmp_path / "cal.yaml"
    assert _calibrate(requests, "--out", out) == 0
    text = out.read_text(encoding="utf-8")
    written = yaml.safe_load(text)
    assert set(written) == {"demand", "channels"}
    assert "# not estimated: per-team production and adaptation times" in text
    assert "revisions per delivered request" in text
    assert "not estimated: per-team production" in capsys.readouterr().err


@pytest.mark.slow
def test_calibrated_baseline_runs_validate_and_compare(tmp_path: Path) -> None:
    """Must-show 3: the baseline's own short run, calibrated into the baseline, runs end to end."""
    raw = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    raw["horizon_days"] = 28
    short = tmp_path / "short.yaml"
    short.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    results = tmp_path / "run"
    assert main(["compare", str(short), "--setups", "pilot", "--replications", "1", "--jobs",
                 "1", "--quiet", "--out", str(results)]) == 0
    out = tmp_path / "calibrated.yaml"
    assert _calibrate(results / "requests.parquet", "--steps", results / "steps.parquet",
                      "--out", out, "--template", short) == 0
    assert main(["validate", str(out)]) == 0
    assert main(["compare", str(out), "--setups", "pilot,conductor", "--replications", "2",
                 "--jobs", "1", "--quiet", "--out", str(tmp_path / "cmp")]) == 0
    assert (tmp_path / "cmp" / "summary.csv").exists()
    into_baseline = tmp_path / "into_baseline.yaml"  # the same blocks in the full-year baseline
    assert _calibrate(results / "requests.parquet", "--steps", results / "steps.parquet",
                      "--out", into_baseline, "--template", BASELINE) == 0
    assert main(["validate", str(into_baseline)]) == 0


def test_calibrated_into_the_baseline_validates(tmp_path: Path) -> None:
    """Fast part of must-show 3: a short baseline run's logs, merged into the baseline."""
    short = load_scenario(BASELINE).model_copy(update={"horizon_days": 28})
    requests, steps = simulate_logs(short, 2, tmp_path)
    out = tmp_path / "into_baseline.yaml"
    assert _calibrate(requests, "--steps", steps, "--out", out, "--template", BASELINE) == 0
    assert main(["validate", str(out)]) == 0
    assert load_scenario(out).agencies[1].handoff.mean != short.agencies[1].handoff.mean


# -- bad input: exit 2, one line per problem (file, row or field, rule), nothing written --------
GOOD = {"request_id": ["a", "b", "c"], "created": ["2025-01-02", "2025-01-03", "2025-01-05"],
        "due": ["2025-01-20", "2025-01-21", "2025-01-25"],
        "delivered": ["2025-01-10", "", "2025-01-12"], "channel": ["search", "search", "display"],
        "format": ["copy", "static", "static"], "campaign": ["x", "x", "y"],
        "team": ["in_house", "in_house", "creative_agency"], "reused": ["no", "yes", "no"],
        "revisions": ["0", "1", "2"], "extra": ["ignored", "", ""]}


def _bad(tmp_path: Path, capsys: pytest.CaptureFixture[str], table: dict[str, list[str]],
         *extra: str) -> list[str]:
    log = tmp_path / "log.csv"
    pd.DataFrame(table).to_csv(log, index=False)
    out = tmp_path / "out.yaml"
    assert _calibrate(log, "--out", out, *extra) == EXIT_BAD_INPUT
    assert not out.exists()
    return capsys.readouterr().err.strip().splitlines()


def test_a_good_csv_with_dates_is_read(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    pd.DataFrame(GOOD).to_csv(log, index=False)
    data = read_log(log)
    assert data.requests["created"].tolist() == [0.5, 1.5, 3.5]  # dates count as midday
    assert np.isnan(data.requests["delivered"].iloc[1])
    assert data.requests["reused"].tolist() == [False, True, False]


def test_unparseable_dates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = {**GOOD, "created": ["2025-01-02", "not a date", "2025-13-45"]}
    lines = _bad(tmp_path, capsys, table)
    assert lines == [f"{tmp_path / 'log.csv'}: row 2, created: is not a date, datetime or day "
                     "number", f"{tmp_path / 'log.csv'}: row 3, created: is not a date, "
                     "datetime or day number"]


def test_delivered_before_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _bad(tmp_path, capsys, {**GOOD, "delivered": ["2025-01-01", "", "2025-01-12"]})
    assert lines == [f"{tmp_path / 'log.csv'}: row 1, delivered: delivered is before created"]


def test_unknown_channel_against_the_template(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    table = {**GOOD, "channel": ["search", "tiktok", "display"]}
    lines = _bad(tmp_path, capsys, table, "--template", str(BASELINE))
    assert lines == [f"{tmp_path / 'log.csv'}: row 2, channel: unknown channel (not in the "
                     "template)"]


def test_missing_required_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = {k: v for k, v in GOOD.items() if k not in ("due", "team")}
    lines = _bad(tmp_path, capsys, table)
    assert lines == [f"{tmp_path / 'log.csv'}: due: required column is missing",
                     f"{tmp_path / 'log.csv'}: team: required column is missing"]


def test_unreadable_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "log.parquet"
    broken.write_bytes(b"not parquet at all")
    out = tmp_path / "out.yaml"
    assert _calibrate(broken, "--out", out) == EXIT_BAD_INPUT
    assert _calibrate(tmp_path / "absent.csv", "--out", out) == EXIT_BAD_INPUT
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and not out.exists()
    assert lines[0].startswith(f"{broken}: file: cannot be read as CSV or parquet")
    assert lines[1].startswith(f"{tmp_path / 'absent.csv'}: file: cannot be read")


def test_bad_step_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    steps = tmp_path / "steps.csv"
    pd.DataFrame({"request_id": ["a", "zz"], "step": ["work", "lunch"],
                  "resource": ["in_house", "in_house"], "start": ["2025-01-03", "2025-01-04"],
                  "end": ["2025-01-02", "2025-01-05"]}).to_csv(steps, index=False)
    lines = _bad(tmp_path, capsys, GOOD, "--steps", str(steps))
    where = f"{steps}: "
    assert lines == [where + "row 1, end: end is before start",
                     where + "row 2, request_id: request_id is not in the request log",
                     where + "row 2, step: unknown step (one of handoff, wait_team, work, "
                     "revision_handoff, wait_revision, revision, wait_review, review)"]


def test_step_times_of_another_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    steps = tmp_path / "steps.csv"
    pd.DataFrame({"request_id": ["a"], "step": ["work"], "resource": ["in_house"],
                  "start": ["3.0"], "end": ["4.5"]}).to_csv(steps, index=False)
    lines = _bad(tmp_path, capsys, GOOD, "--steps", str(steps))
    rule = "must hold the same kind of time as the request log's created (dates or day numbers)"
    assert lines == [f"{steps}: start: {rule}", f"{steps}: end: {rule}"]
