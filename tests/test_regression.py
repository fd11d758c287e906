"""Regression: the summary of a short baseline run must match the stored one.

The case (baseline shrunk to 60 days, four setups, two replications) and the CSV writer live in
``scripts/refresh_regression.py``; the fresh summary goes through the same writer and reader as
the stored file, then the two are compared to 1e-12 relative: any change of the model's output
fails, while a library that sums in another order (numpy and pandas releases move the last bit
or two of a mean) does not. Same-machine determinism, serial or parallel, is checked exactly
elsewhere. When a change is intended, rerun the script and commit the new
``tests/regression/summary.csv``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

RTOL = 1e-12  # a model change moves far more than the last bits of a sum
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "refresh_regression.py"


def _load_case() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_regression", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


case = _load_case()


def test_summary_matches_stored_baseline(tmp_path: Path) -> None:
    stored_path: Path = case.STORED
    if not stored_path.is_file():
        pytest.fail(f"no stored regression baseline at {stored_path}; create it with "
                    f"`{case.REFRESH_COMMAND}` and commit it")
    fresh_path = tmp_path / "summary.csv"
    case.write_csv(case.regression_summary(), fresh_path)
    fresh, stored = case.read_csv(fresh_path), case.read_csv(stored_path)
    try:
        pd.testing.assert_frame_equal(fresh, stored, check_exact=False, rtol=RTOL, atol=0)
        return
    except AssertionError as err:
        detail = str(err)
    pytest.fail(
        "the regression summary differs from tests/regression/summary.csv.\n"
        f"{_describe(fresh, stored)}\n{detail}\n\n"
        "If the change in the simulator's output is intended, refresh the stored baseline "
        f"with `{case.REFRESH_COMMAND}` and commit tests/regression/summary.csv with the "
        "change.", pytrace=False)


def _describe(fresh: pd.DataFrame, stored: pd.DataFrame) -> str:
    """Which columns changed, for which setups (a short human-readable summary)."""
    if list(fresh.columns) != list(stored.columns) or len(fresh) != len(stored):
        return (f"shape or columns changed: fresh {fresh.shape} {list(fresh.columns)} vs "
                f"stored {stored.shape} {list(stored.columns)}")
    lines = []
    for col in fresh.columns:
        a, b = fresh[col], stored[col]
        changed = ~((a == b) | (a.isna() & b.isna()))
        if changed.any():
            setups = sorted(set(fresh.loc[changed, "setup"]))
            lines.append(f"  {col}: {int(changed.sum())} rows changed (setups {setups})")
    return "changed columns:\n" + "\n".join(lines) if lines else "dtypes differ"


def test_writer_round_trips_exactly(tmp_path: Path) -> None:
    # the comparison is only meaningful if writing then reading loses nothing
    rng = np.random.default_rng(0)
    n = 2000
    frame = pd.DataFrame({
        "setup": np.where(np.arange(n) % 2 == 0, "pilot", "conductor"),
        "x": rng.lognormal(0.0, 8.0, n) * rng.choice([-1.0, 1.0], n),
        "n": rng.integers(0, 10**9, n),
        "y": np.where(np.arange(n) % 7 == 0, np.nan, rng.random(n) / 3),
    })
    frame.loc[:3, "x"] = [0.1 + 0.2, 1 / 3, 5e-324, 1.7976931348623157e308]
    path = tmp_path / "f.csv"
    case.write_csv(frame, path)
    pd.testing.assert_frame_equal(case.read_csv(path), frame, check_exact=True)
