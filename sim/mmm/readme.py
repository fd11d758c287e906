"""The README of an export: where it came from, which column maps to which argument, the units."""

from __future__ import annotations

from typing import Any

from sim.mmm.calibration import LIFT_FILE
from sim.mmm.formats import DATA_FILE, Panel, layout
from sim.mmm.source import ExportRequest, Source

TOOL = {"robyn": "Meta Robyn (`robyn_inputs`)", "meridian": "Google Meridian (`CoordToColumns`)",
        "pymc-marketing": "PyMC-Marketing (`MMM`)"}
CALIBRATION = {
    "robyn": "`robyn_inputs(calibration_input = read.csv(\"robyn_calibration_input.csv\"))`",
    "meridian": "`roi_m` prior per channel: `LogNormal(lognormal_mu, lognormal_sigma)`",
    "pymc-marketing": "`mmm.add_lift_test_measurements(pd.read_csv(\"pymc_marketing_lift_tests"
                      ".csv\"))`",
}


def readme_text(request: ExportRequest, source: Source, panel: Panel,
                totals: dict[str, Any]) -> str:
    """README.md of an export folder."""
    cur = source.scenario.currency
    unit = "week" if request.granularity == "weekly" else "day"
    rows = [f"| `{c.name}` | `{c.dtype}` | {c.argument} |"
            for c in layout(request.fmt, panel.channels, request.outcome)]
    rev = totals["revenue"]
    lines = [
        f"# MMM export: {source.scenario.name}, setup {source.setup}, "
        f"replication {source.replication}",
        "",
        f"Data for {TOOL[request.fmt]} in `{DATA_FILE[request.fmt]}`: one row per {unit} "
        f"({len(panel.dates)} {unit}s from {panel.dates[0].isoformat()}), national (one geo).",
        f"Outcome: **{request.outcome}** (realised, with the channels' noise). Spend is in "
        f"{cur} per {unit}; impressions are counts per {unit}; `_quality` is the mean creative "
        "quality (0..1) and `_live_assets` the mean number of live assets, both known controls.",
        "",
        "| column | dtype | tool argument |", "|---|---|---|", *rows, "",
        "## Ground truth (by counterfactual re-simulation, common random numbers)",
        "",
        "- `ground_truth.csv`, per channel over the exported days: `spend` "
        f"({cur}), `contribution_revenue` ({cur}), `contribution_conversions`, `roas` "
        f"({cur} of revenue per {cur} of spend), `marginal_roas` (extra revenue per extra "
        f"{cur} at the factual spend, spend scaled by 1 + {totals['eps']}), "
        "`conversions_per_spend` and its marginal twin (conversions per "
        f"{cur}).",
        "- A channel's **contribution is its switch-off effect**: total expected outcome minus the "
        "outcome with that channel off on every day, everything else equal (the same content "
        "schedule and the same random numbers). It includes the channel's share of cross-channel "
        "synergy, so contributions do not add up: `interaction = total - base - sum of "
        f"contributions` ({rev['interaction']:.6g} {cur} here, base {rev['base']:.6g} {cur}, total "
        f"{rev['total']:.6g} {cur}; see `ground_truth.json`).",
        "- The truth is in expected outcomes (the mean given the creative state), so it carries "
        "no conversion noise; carry-over past the last exported day is not counted.",
        f"- `true_contributions.csv`: the same decomposition per {unit}, in {request.outcome}.",
        f"- `true_curves.csv`: each channel's true response in {cur} of revenue per day at a "
        f"grid of daily spends ({cur} per day): `no_carryover` (one day's spend from zero "
        "adstock) and `steady_state` (the spend held for ever: carry-over included), at the "
        "channel's mean creative quality; synergy is not in the curves.",
        "",
        "## Lift tests",
        "",
        "`lift_tests.csv`: holdouts of one channel over a window, with the true incremental "
        "effect beside the noisy measurement (two independent arms drawn with the channels' "
        "noise model; standard error `sigma`). In the tool's shape: "
        f"`{LIFT_FILE[request.fmt]}`, {CALIBRATION[request.fmt]}.",
        "",
    ]
    return "\n".join(lines)
