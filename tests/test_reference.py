"""The generated scenario reference is up to date and covers every key."""

from __future__ import annotations

from pathlib import Path

import sim
from sim.scenario import reference


def test_reference_file_is_up_to_date() -> None:
    stored = Path("docs/SCENARIO_REFERENCE.md").read_text(encoding="utf-8")
    assert stored == reference.render(), "run: python -m sim.scenario.reference"


def test_reference_names_every_key_of_the_baseline() -> None:
    text = reference.render()

    def keys(data: object, prefix: str = "") -> list[str]:
        if isinstance(data, dict):
            out = []
            for k, v in data.items():
                out.append(prefix + k)
                out.extend(keys(v, prefix + k + "."))
            return out
        if isinstance(data, list) and data and isinstance(data[0], dict):
            return [k for item in data for k in keys(item, prefix + "N.")]
        return []

    data = sim.load_scenario("scenarios/baseline.yaml").to_dict()
    data.pop("setups")
    for key in set(keys(data)):
        if key.startswith(("demand.channel_mix.", "uncertain.")):
            continue  # keys of these mappings are channel names and scenario paths
        if ".dist" in key or key.rsplit(".", 1)[-1] in {"mean", "cv", "value"}:
            continue  # distribution keys are documented in their own table
        assert f"`{key}`" in text, key
