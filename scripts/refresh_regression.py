"""Regenerate the stored regression baseline, tests/regression/summary.csv.

The regression case is the baseline scenario shrunk to 60 days, all four built-in setups, two
replications, seed 7. ``tests/test_regression.py`` reruns it and compares the summary with the
stored file exactly, so any change in the simulator's output fails that test. When a change is
intended, refresh the stored file and commit it with the change::

    .venv/bin/python scripts/refresh_regression.py

This module is also imported by the test (by file path), so the case and the CSV writer are
defined once, here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

import sim

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
STORED = ROOT / "tests" / "regression" / "summary.csv"
SETUPS = ["pilot", "conductor", "oracle", "scaled_silos"]
REPLICATIONS = 2
SEED = 7
HORIZON_DAYS = 60
REFRESH_COMMAND = ".venv/bin/python scripts/refresh_regression.py"


def regression_dict() -> dict[str, Any]:
    """The baseline scenario, shrunk to 60 days by dict edits."""
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    data["name"] = "regression"
    data["horizon_days"] = HORIZON_DAYS
    data["platform"]["ramp_up_days"] = 20  # the conductor is fully on within the short run
    return data


def regression_summary() -> pd.DataFrame:
    """Run the regression case and return its stacked summary table."""
    scenario = sim.scenario_from_dict(regression_dict(), file="regression case")
    return sim.compare(scenario, setups=SETUPS, replications=REPLICATIONS, seed=SEED).summary


def write_csv(summary: pd.DataFrame, path: Path) -> None:
    """Write a summary table the one way the regression test reads it back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    summary.to_csv(path, index=False, float_format="%.17g", lineterminator="\n")


def read_csv(path: Path) -> pd.DataFrame:
    """Read a summary table written by :func:`write_csv`."""
    return pd.read_csv(path)


def main() -> int:
    """Rerun the regression case and overwrite the stored summary."""
    summary = regression_summary()
    write_csv(summary, STORED)
    print(f"wrote {STORED.relative_to(ROOT)}: {len(summary)} rows "
          f"({len(SETUPS)} setups x {REPLICATIONS} replications)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
