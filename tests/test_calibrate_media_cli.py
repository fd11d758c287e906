"""``campaign-sim calibrate media``: bad input (exit 2, one line per problem, nothing written)
and a calibrated scenario run end to end (must-show 3: ``validate`` and ``compare``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import calibrate_fixtures as fx
import pandas as pd
import pytest
import yaml

import sim
from sim import cli

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


def call(argv: list[str | Path], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run the CLI in process; the exit code and the stderr lines."""
    code = cli.main([str(a) for a in argv])
    return code, capsys.readouterr().err.strip().splitlines()


def media(tool: str, file: Path, out: Path, *extra: str | Path) -> list[str | Path]:
    return ["calibrate", "media", "--from", tool, file, "--out", out, *extra]


def refused(code: int, lines: list[str], out: Path, file: Path, expected: list[str]) -> None:
    """Exit 2, one line per expected problem (each naming the file), nothing written."""
    assert code == 2, lines
    assert len(lines) == len(expected), lines
    for line, words in zip(lines, expected, strict=True):
        assert str(file) in line and words in line, (line, words)
    assert not out.exists()


def test_a_json_that_is_not_a_robyn_export(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "other.json"
    bad.write_text(json.dumps({"model": "something else"}), encoding="utf-8")
    out = tmp_path / "c.yaml"
    code, lines = call(media("robyn", bad, out), capsys)
    refused(code, lines, out, bad, ["InputCollect: not a Robyn export",
                                    "ExportedModel: not a Robyn export"])


def test_weibull_adstock_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = fx.robyn_export(tmp_path, adstock="weibull_pdf")
    out = tmp_path / "c.yaml"
    code, lines = call(media("robyn", file, out), capsys)
    refused(code, lines, out, file, ["weibull_pdf adstock is not supported"])


def test_robyn_without_a_spend_series(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = fx.robyn_export(tmp_path, raw_data=False)
    out = tmp_path / "c.yaml"
    code, lines = call(media("robyn", file, out), capsys)
    refused(code, lines, out, file, ["--data"])


def test_netcdf_without_a_posterior_group(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    file = fx.pymc_netcdf(tmp_path, posterior=False)
    out = tmp_path / "c.yaml"
    code, lines = call(media("pymc-marketing", file, out), capsys)
    refused(code, lines, out, file, ["posterior: no posterior group"])


def test_missing_channel_and_target_scales(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    file = fx.pymc_netcdf(tmp_path, scales=False)
    out = tmp_path / "c.yaml"
    code, lines = call(media("pymc-marketing", file, out), capsys)
    refused(code, lines, out, file, ["scale of search: missing", "scale of display: missing",
                                     "scale of target: missing"])


def test_unknown_channel_versus_the_template(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    file = fx.robyn_export(tmp_path)
    out = tmp_path / "c.yaml"
    code, lines = call(media("robyn", file, out, "--template", BASELINE), capsys)
    refused(code, lines, out, file, ["channel 'tv_S': not a channel of", "channel 'search_S'"])
    code, lines = call(media("robyn", file, out, "--template", BASELINE, "--rename",
                             "tv_S=online_video", "--rename", "search_S=search"), capsys)
    assert code == 0, lines
    assert sim.load_scenario(out).channels[0].name == "search"


def test_meridian_binomial_adstock_and_missing_numbers(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    channels = {"search": {**fx.MERIDIAN["channels"]["search"], "ec_m": -1.0}}
    file = fx.meridian_file(tmp_path, adstock_decay="binomial", channels=channels)
    out = tmp_path / "c.yaml"
    code, lines = call(media("meridian", file, out), capsys)
    refused(code, lines, out, file, ["adstock_decay: 'binomial' is not supported",
                                     "channels.search.ec_m: missing or not a positive number"])


def test_missing_xarray_names_the_mmm_extra(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    file = fx.pymc_netcdf(tmp_path)
    monkeypatch.setitem(sys.modules, "xarray", None)  # import xarray now raises ImportError
    out = tmp_path / "c.yaml"
    code, lines = call(media("pymc-marketing", file, out), capsys)
    refused(code, lines, out, file, ["'mmm' extra: pip install 'campaign-sim[mmm]'"])


def short_baseline(folder: Path) -> Path:
    """The baseline on a 60-day horizon (ramp-up cut to match), as a template."""
    raw = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    raw["horizon_days"], raw["platform"]["ramp_up_days"] = 60, 10.0
    raw.pop("uncertain", None)
    path = folder / "short.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("tool", ["pymc-marketing", "meridian"])
def test_calibrated_scenario_validates_and_compares(
        tool: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = fx.pymc_netcdf(tmp_path) if tool == "pymc-marketing" else fx.meridian_file(tmp_path)
    template, out = short_baseline(tmp_path), tmp_path / "calibrated.yaml"
    code, lines = call(media(tool, file, out, "--template", template), capsys)
    assert code == 0, lines
    scenario = sim.load_scenario(out)
    search = next(c for c in scenario.channels if c.name == "search")
    assert search.saturation == ("logistic" if tool == "pymc-marketing" else "hill")
    assert search.hill_k != sim.load_scenario(template).channels[0].hill_k
    assert sum(c.plan_share for c in scenario.channels) == pytest.approx(1.0)
    assert call(["validate", out], capsys)[0] == 0
    results = tmp_path / "results"
    code, lines = call(["compare", out, "--replications", "1", "--jobs", "1", "--quiet",
                        "--setups", "pilot,oracle", "--out", results], capsys)
    assert code == 0, lines
    summary = pd.read_csv(results / "summary.csv")
    assert set(summary["setup"]) == {"pilot", "oracle"}
    assert (summary.select_dtypes("number").notna().all()).all()
