"""Shared fixtures: the baseline scenario and small, fast scenarios built as plain dicts.

The builders are plain functions (so scripts can load this file by path and reuse them) and are
also exposed as fixtures. Every builder returns a fresh dict: mutate it freely, then validate it
with ``sim.scenario_from_dict``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import sim

ROOT = Path(__file__).resolve().parents[1]
BASELINE_PATH = ROOT / "scenarios" / "baseline.yaml"


def baseline_dict() -> dict[str, Any]:
    """The baseline scenario as plain data (a fresh copy)."""
    return yaml.safe_load(BASELINE_PATH.read_text(encoding="utf-8"))


def single_team_dict(
    *,
    base_rate: float = 2.0,
    growth: float = 1.0,
    shape: str = "linear",
    step_day: float | None = None,
    horizon_days: int = 100,
    capacity: int = 2,
    production: dict[str, Any] | None = None,
    adaptation: dict[str, Any] | None = None,
    findability: tuple[float, float] = (0.0, 0.0),
    compatibility: float = 1.0,
    campaign_days: float = 1e6,
    campaigns_per_wave: int = 1,
    stages: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One channel, one format, one in-house team, no hand-off: a queue one can reason about.

    Defaults give a degenerate world for analytic checks: constant demand, exponential production
    times, no approvals, no reuse (findability 0), one campaign for the whole horizon, and no
    conversion noise (the media side does not matter here and noise-free delivery is faster).
    """
    d: dict[str, Any] = {
        "name": "single_team",
        "horizon_days": horizon_days,
        "budget": {"daily": 1000.0},
        "formats": {"names": ["static"], "compatibility": [[compatibility]]},
        "channels": [{
            "name": "web", "adstock_alpha": 0.2, "hill_k": 1000.0, "hill_shape": 1.0,
            "max_daily_conversions": 10.0, "cpm": 5.0, "value_per_conversion": 20.0,
            "formats": ["static"], "fatigue_impressions": 1e6, "plan_share": 1.0,
            "noise": {"kind": "none"},
        }],
        "demand": {
            "base_rate": base_rate, "growth": growth, "shape": shape,
            "channel_mix": {"web": 1.0}, "campaign_days": campaign_days,
            "campaigns_per_wave": campaigns_per_wave,
        },
        "library": {"findability": {"siloed": findability[0], "shared": findability[1]}},
        "agencies": [{
            "name": "studio", "capacity": capacity, "formats": ["static"],
            "channels": ["web"],
            "production_time": production or {"dist": "exponential", "mean": 1.0},
            "adaptation_time": adaptation or {"dist": "exponential", "mean": 0.25},
            "cost_new": 100.0, "cost_adaptation": 20.0,
            "handoff": {"dist": "deterministic", "value": 0.0},
        }],
        "approvals": {"stages": copy.deepcopy(stages) if stages else []},
        "allocator": {"max_share": 1.0},
        "setups": ["pilot", "conductor"],
    }
    if step_day is not None:
        d["demand"]["step_day"] = step_day
    return d


@pytest.fixture(scope="session")
def baseline_scenario() -> sim.Scenario:
    """The validated baseline scenario (shared, immutable)."""
    return sim.load_scenario(BASELINE_PATH)


@pytest.fixture(scope="session")
def short(baseline_scenario: sim.Scenario) -> sim.Scenario:
    """The baseline cut to 60 days: every mechanism, a fraction of the run time."""
    return baseline_scenario.model_copy(update={"horizon_days": 60})


@pytest.fixture
def baseline_data() -> dict[str, Any]:
    """The baseline scenario as a fresh, mutable dict."""
    return baseline_dict()


@pytest.fixture
def single_team() -> Any:
    """The :func:`single_team_dict` builder (call it with keyword overrides)."""
    return single_team_dict


@pytest.fixture
def ctrl_c_after_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every figure save raise Ctrl-C once the whole picture is drawn and written."""
    from matplotlib.figure import Figure

    original = Figure.savefig

    def interrupted(self: Figure, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", interrupted)


@pytest.fixture
def ctrl_c_at() -> Callable[[int], Callable[[], None]]:
    """Make a per-run callback that raises KeyboardInterrupt at its ``n``-th call (Ctrl-C)."""

    def make(n: int) -> Callable[[], None]:
        done = 0

        def tick() -> None:
            nonlocal done
            done += 1
            if done == n:
                raise KeyboardInterrupt

        return tick

    return make


NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")


def report_numbers(folder: Path) -> tuple[list[str], list[str]]:
    """Every number of ``report.md`` and of ``report.html``'s visible text, in order.

    Figure file names and the HTML's embedded images and styles are left out: they are not
    figures of the report.
    """
    import html as html_lib

    markdown = (folder / "report.md").read_text(encoding="utf-8")
    markdown = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", markdown)
    page = (folder / "report.html").read_text(encoding="utf-8")
    body = page[page.index("<main>"):page.index("</main>")]
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", body))
    return NUMBER.findall(markdown), NUMBER.findall(text)
