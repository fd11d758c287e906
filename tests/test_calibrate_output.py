from pathlib import Path

import pytest
import yaml

from sim.calibrate.output import Calibrated, merge_blocks, to_yaml, write_calibrated
from sim.scenario.load import load_scenario
from sim.scenario.problems import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def test_named_lists_merge_by_name_and_keep_the_rest() -> None:
    base = {"channels": [{"name": "a", "x": 1, "y": 2}, {"name": "b", "x": 3}], "k": {"p": 1}}
    update = {"channels": [{"name": "b", "x": 30}, {"name": "c", "x": 5}], "k": {"q": 2}}
    assert merge_blocks(base, update) == {
        "channels": [{"name": "a", "x": 1, "y": 2}, {"name": "b", "x": 30}, {"name": "c", "x": 5}],
        "k": {"p": 1, "q": 2}}


def test_yaml_reads_back_and_carries_each_note_on_its_line() -> None:
    cal = Calibrated(
        {"channels": [{"name": "search", "hill_k": 8123.456789, "formats": ["copy"]}],
         "demand": {"base_rate": 4.25, "due_days": {"dist": "lognormal", "mean": 14.0, "cv": 0.4}}},
        notes={("channels", "search"): "from robyn.json", ("demand", "base_rate"): "CI [4.0, 4.5]",
               ("channels", "search", "hill_k"): "gamma 0.5 on the spend range"},
        not_estimated=["hand-off delays (no step log)"], header=["from a test"])
    text = to_yaml(cal)
    assert yaml.safe_load(text) == {
        "channels": [{"name": "search", "hill_k": 8123.46, "formats": ["copy"]}],
        "demand": {"base_rate": 4.25, "due_days": {"dist": "lognormal", "mean": 14.0, "cv": 0.4}}}
    lines = text.splitlines()
    assert "# not estimated: hand-off delays (no step log)" in lines
    assert any(line.strip() == "# from robyn.json" for line in lines)
    assert any("base_rate: 4.25  # CI [4.0, 4.5]" in line for line in lines)
    assert any("hill_k: 8123.46  # gamma 0.5 on the spend range" in line for line in lines)


def test_merged_into_the_template_the_scenario_validates(tmp_path: Path) -> None:
    cal = Calibrated({"channels": [{"name": "search", "hill_k": 9000.0}],
                      "demand": {"base_rate": 5.5}})
    out = tmp_path / "s.yaml"
    write_calibrated(cal, out, BASELINE)
    scenario = load_scenario(out)
    search = next(c for c in scenario.channels if c.name == "search")
    assert (search.hill_k, scenario.demand.base_rate, len(scenario.channels)) == (9000.0, 5.5, 7)


def test_a_merge_that_breaks_the_template_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "s.yaml"
    with pytest.raises(ScenarioError) as err:
        write_calibrated(Calibrated({"demand": {"base_rate": -1.0}}), out, BASELINE)
    assert str(out) in str(err.value) and "demand.base_rate" in str(err.value)
    assert not out.exists()
