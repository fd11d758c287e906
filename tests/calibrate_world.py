"""A world whose content parameters all differ from the baseline's, and the round-trip checks.

The true scenario (:func:`true_scenario`) changes every parameter a request log can give: the
demand's rate, growth and shape, the channel mix, per-channel format weights, the due-date
family, each team's production, adaptation and hand-off times (other families than the
baseline's log-normal), each stage's review time and revision probability. It was written once
from round numbers, not tuned to the tests. :func:`coverage` compares the calibrated
:class:`~sim.calibrate.output.Calibrated` notes' estimates against that truth.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.calibrate import steps_fit
from sim.calibrate.demand_fit import fit_demand
from sim.calibrate.fitting import DurationFit, Estimate, fit_duration, proportion
from sim.calibrate.request_log import LogData, read_log
from sim.runs.experiment import run
from sim.scenario.load import scenario_from_dict
from sim.scenario.schema import Scenario

BASELINE = Path("scenarios/baseline.yaml")

TEAMS = {
    "in_house": {"production_time": {"dist": "gamma", "mean": 1.5, "cv": 0.7},
                 "adaptation_time": {"dist": "exponential", "mean": 0.6}},
    "creative_agency": {"production_time": {"dist": "lognormal", "mean": 3.0, "cv": 0.4},
                        "adaptation_time": {"dist": "gamma", "mean": 0.8, "cv": 0.6},
                        "handoff": {"dist": "gamma", "mean": 1.5, "cv": 0.5}},
    "production_agency": {"production_time": {"dist": "lognormal", "mean": 5.0, "cv": 0.6},
                          "adaptation_time": {"dist": "lognormal", "mean": 1.2, "cv": 0.4},
                          "handoff": {"dist": "lognormal", "mean": 2.5, "cv": 0.3}},
}
STAGES = {
    "brand": {"review_time": {"dist": "gamma", "mean": 0.3, "cv": 0.6},
              "revision_probability": 0.2},
    "legal": {"review_time": {"dist": "lognormal", "mean": 0.15, "cv": 0.4},
              "revision_probability": 0.05},
    "channel_owner": {"review_time": {"dist": "exponential", "mean": 0.2},
                      "revision_probability": 0.12},
}
MIX = {"search": 0.25, "paid_social": 0.2, "display": 0.1, "online_video": 0.15,
       "connected_tv": 0.05, "email_crm": 0.1, "retail_media": 0.15}
FORMAT_WEIGHTS = {"search": [1.0, 2.0], "paid_social": [3.0, 1.0], "online_video": [1.0, 1.0],
                  "email_crm": [2.0, 1.0], "retail_media": [1.0, 3.0]}


def true_raw(horizon: int) -> dict[str, Any]:
    """The true scenario as a dict: the baseline with every content parameter changed."""
    raw = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    raw = copy.deepcopy(raw)
    raw["name"] = "calibration_truth"
    raw["horizon_days"] = horizon
    raw["demand"].update(base_rate=5.0, growth=2.5, shape="exponential", channel_mix=MIX,
                         due_days={"dist": "gamma", "mean": 10.0, "cv": 0.5})
    for channel in raw["channels"]:
        if channel["name"] in FORMAT_WEIGHTS:
            channel["format_weights"] = FORMAT_WEIGHTS[channel["name"]]
    for agency in raw["agencies"]:
        agency.update(TEAMS[agency["name"]])
    for stage in raw["approvals"]["stages"]:
        stage.update(STAGES[stage["name"]])
    raw["approvals"]["revision_work_fraction"] = 0.4
    return raw


def true_scenario(horizon: int) -> Scenario:
    """The true scenario, validated."""
    return scenario_from_dict(true_raw(horizon), file="calibration truth")


def simulate_logs(scenario: Scenario, seed: int, folder: Path) -> tuple[Path, Path]:
    """One pilot replication's requests and steps, written as the results folder writes them."""
    result = run(scenario, "pilot", 0, seed)
    requests, steps = folder / f"requests_{seed}.parquet", folder / f"steps_{seed}.parquet"
    result.requests.to_parquet(requests)
    result.steps.to_parquet(steps)
    return requests, steps


@dataclass(frozen=True)
class Check:
    """One estimated parameter against its true value."""

    name: str
    truth: float
    estimate: Estimate

    @property
    def covered(self) -> bool:
        return self.estimate.covers(self.truth)


def _dist_checks(name: str, truth: dict[str, Any], fit: DurationFit | None) -> list[Check]:
    assert fit is not None, f"{name}: not estimated"
    out = [Check(f"{name}.mean", truth["mean"], fit.mean)]
    if truth["dist"] != "exponential":
        cv = fit.cv if fit.cv is not None else Estimate(1.0, 1.0, 1.0)
        out.append(Check(f"{name}.cv", truth["cv"], cv))
    return out


def demand_checks(data: LogData, scenario: Scenario) -> list[Check]:
    """Base rate, growth, channel shares, format shares and due dates against the truth."""
    d = scenario.demand
    fit = fit_demand(data.requests["created"].to_numpy(), data.window)
    out = [Check("demand.base_rate", d.base_rate, fit.base_rate),
           Check("demand.growth", d.growth, fit.growth)]
    r = data.requests
    total = sum(d.channel_mix.values())
    for channel, share in d.channel_mix.items():
        k = int((r["channel"] == channel).sum())
        out.append(Check(f"channel_mix.{channel}", share / total, proportion(k, len(r))))
    for channel in scenario.channels:
        if channel.format_weights is None:
            continue
        part = r[r["channel"] == channel.name]
        w = np.array(channel.format_weights) / sum(channel.format_weights)
        k = int((part["format"] == channel.formats[0]).sum())
        out.append(Check(f"format.{channel.name}", float(w[0]), proportion(k, len(part))))
    due = fit_duration((r["due"] - r["created"]).to_numpy())
    return out + _dist_checks("due_days", d.due_days.model_dump(by_alias=True), due)


def step_checks(data: LogData, scenario: Scenario) -> list[Check]:
    """Each team's and stage's times and each stage's revision probability against the truth."""
    assert data.steps is not None
    s = steps_fit.ordered_steps(data.steps, data.requests)
    out: list[Check] = []
    for team in steps_fit.team_fits(s):
        truth = TEAMS[team.name]
        out += _dist_checks(f"{team.name}.production_time", truth["production_time"],
                            team.production)
        out += _dist_checks(f"{team.name}.adaptation_time", truth["adaptation_time"],
                            team.adaptation)
        if "handoff" in truth:
            out += _dist_checks(f"{team.name}.handoff", truth["handoff"], team.handoff)
    for stage in steps_fit.stage_fits(s, scenario.approvals.max_revisions_per_stage):
        truth = STAGES[stage.name]
        out += _dist_checks(f"{stage.name}.review_time", truth["review_time"], stage.review)
        out.append(Check(f"{stage.name}.revision_probability", truth["revision_probability"],
                         stage.revision))
    return out


def round_trip_checks(scenario: Scenario, seed: int, folder: Path) -> list[Check]:
    """Simulate, read the logs back as a user would, and check every estimate."""
    requests, steps = simulate_logs(scenario, seed, folder)
    data = read_log(requests, steps)
    return demand_checks(data, scenario) + step_checks(data, scenario)


def recovered_scenario(scenario_raw: dict[str, Any], seed: int, folder: Path) -> Scenario:
    """The scenario calibrated from one pilot run of the truth, merged into the truth."""
    from sim.calibrate.output import as_scenario
    from sim.calibrate.requests import calibrate_requests, into_template

    template = folder / "truth.yaml"
    template.write_text(yaml.safe_dump(scenario_raw, sort_keys=False), encoding="utf-8")
    truth = scenario_from_dict(scenario_raw, file=str(template))
    requests, steps = simulate_logs(truth, seed, folder)
    calibrated = calibrate_requests(read_log(requests, steps), truth)
    return as_scenario(into_template(calibrated, template), folder / "recovered.yaml")


def pilot_metric(scenario: Scenario, metric: str, seeds: range) -> np.ndarray:
    """``metric`` of the pilot's summary in one replication per seed."""
    return np.array([float(run(scenario, "pilot", 0, s).summary[metric].iloc[0]) for s in seeds])

