"""Scenario blocks from a request log: ``demand:``, channel format weights, teams, stages.

:func:`calibrate_requests` turns a checked :class:`~sim.calibrate.request_log.LogData` into
:class:`~sim.calibrate.output.Calibrated` blocks, each number with its 95% CI in a comment, and
lists what the log could not give. :func:`into_template` merges them into a template scenario,
replacing (not merging key by key) every distribution and the channel mix it estimated.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from sim.calibrate import steps_fit
from sim.calibrate.demand_fit import fit_demand, rescaled_growth
from sim.calibrate.fitting import DurationFit, fit_duration, proportion
from sim.calibrate.output import Calibrated, PathKey, merge_blocks
from sim.calibrate.request_log import LogData
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario

ALWAYS_KEPT = ("team capacities, reviewer counts, costs, library findability and campaign "
               "waves are not in a request log: kept from the template")
NEEDS_STEPS = ("per-team production and adaptation times, hand-off delays, per-stage review "
               "times and revision probabilities, revision work fraction: they need a step "
               "log (--steps)")


def demand_block(data: LogData, template: Scenario | None, notes: dict[PathKey, str]
                 ) -> dict[str, Any]:
    """``demand:`` (rate, growth, shape, channel mix, due dates) by maximum likelihood."""
    r = data.requests
    fit = fit_demand(r["created"].to_numpy(), data.window)
    horizon = float(template.horizon_days) if template else data.window
    growth = rescaled_growth(fit, horizon)
    aic = ", ".join(f"{k} {v:.1f}" for k, v in fit.aic.items())
    notes[("demand",)] = (f"NHPP likelihood of {fit.n} arrivals over {data.window:g} days; "
                          f"shape by AIC ({aic})")
    notes[("demand", "base_rate")] = f"requests/day at day 0: {fit.base_rate.text()}"
    scaled = f", over a {horizon:g}-day horizon" if horizon != data.window else ""
    notes[("demand", "growth")] = f"rate at the horizon / at day 0{scaled}: {growth.text()}"
    block: dict[str, Any] = {"base_rate": fit.base_rate.value, "growth": growth.value,
                             "shape": fit.shape}
    if fit.step_day is not None:
        block["step_day"] = fit.step_day
        notes[("demand", "step_day")] = "profile likelihood over whole days"
    counts = Counter(r["channel"])
    n = len(r)
    block["channel_mix"] = {c: k / n for c, k in sorted(counts.items())}
    for c, k in counts.items():
        notes[("demand", "channel_mix", c)] = f"{k} of {n}: {proportion(k, n).text()}"
    due = fit_duration((r["due"] - r["created"]).to_numpy())
    if due is not None:
        block["due_days"] = due.block()
        notes[("demand", "due_days")] = "due - created: " + due.note()
    return block


def channels_block(data: LogData, template: Scenario | None, notes: dict[PathKey, str]
                   ) -> list[dict[str, Any]]:
    """Each channel's ``format_weights`` (its formats' shares of its requests)."""
    r = data.requests
    out = []
    for channel, part in r.groupby("channel", sort=True):
        counts = Counter(part["format"])
        listed = (next(c for c in template.channels if c.name == channel).formats if template
                  else sorted(counts))
        formats = [f for f in listed if counts.get(f, 0) > 0]
        entry: dict[str, Any] = {"name": channel}
        if not template or formats != listed:
            entry["formats"] = formats
        entry["format_weights"] = [counts[f] / len(part) for f in formats]
        out.append(entry)
        notes[("channels", str(channel), "format_weights")] = "; ".join(
            f"{f} {proportion(counts[f], len(part)).text()}" for f in formats)
    return out


def _dist(entry: dict[str, Any], key: str, fit: DurationFit | None, path: PathKey,
          notes: dict[PathKey, str]) -> None:
    if fit is not None:
        entry[key] = fit.block()
        notes[(*path, key)] = fit.note()


def agencies_block(data: LogData, notes: dict[PathKey, str]) -> list[dict[str, Any]]:
    """Each team's production, adaptation and hand-off time from its steps."""
    assert data.steps is not None
    s = steps_fit.ordered_steps(data.steps, data.requests)
    out = []
    for team in steps_fit.team_fits(s):
        entry: dict[str, Any] = {"name": team.name}
        path: PathKey = ("agencies", team.name)
        _dist(entry, "production_time", team.production, path, notes)
        _dist(entry, "adaptation_time", team.adaptation, path, notes)
        _dist(entry, "handoff", team.handoff, path, notes)
        if team.handoffs == 0 and (team.production or team.adaptation):
            entry["handoff"] = {"dist": "deterministic", "value": 0.0}
            notes[(*path, "handoff")] = "no hand-off step in the log"
        if len(entry) > 1:
            out.append(entry)
    return out


def approvals_block(data: LogData, max_revisions: int, notes: dict[PathKey, str]
                    ) -> dict[str, Any]:
    """Each stage's review time and revision probability, and the revision work fraction."""
    assert data.steps is not None
    s = steps_fit.ordered_steps(data.steps, data.requests)
    stages = []
    for stage in steps_fit.stage_fits(s, max_revisions):
        entry: dict[str, Any] = {"name": stage.name}
        path: PathKey = ("approvals", "stages", stage.name)
        _dist(entry, "review_time", stage.review, path, notes)
        if stage.trials:
            entry["revision_probability"] = stage.revision.value
            notes[(*path, "revision_probability")] = (
                f"sent back in {stage.trials} reviews: {stage.revision.text()}")
        stages.append(entry)
    block: dict[str, Any] = {"stages": stages} if stages else {}
    fraction = steps_fit.revision_work_fraction(s)
    if fraction is not None and fraction.value <= 2:
        block["revision_work_fraction"] = fraction.value
        notes[("approvals", "revision_work_fraction")] = (
            f"revision round / first work: {fraction.text()}")
    return block


def summary_lines(data: LogData) -> list[str]:
    """Header comments: the observed reuse rate and revisions per request, with 95% CIs."""
    r = data.requests
    done = r[r["delivered"].notna()]
    reuse = proportion(int(done["reused"].sum()), len(done))
    revisions = done["revisions"].to_numpy(dtype=float)
    sd = float(revisions.std(ddof=1)) if len(revisions) > 1 else float("nan")
    half = 1.959963984540054 * sd / max(len(revisions), 1) ** 0.5
    return [f"calibrated from {data.source}: {len(r)} requests, {len(done)} delivered",
            f"observed reuse rate (adapted / delivered): {reuse.text()}",
            f"revisions per delivered request: {revisions.mean():.4g} "
            f"(95% CI {revisions.mean() - half:.4g} to {revisions.mean() + half:.4g})"]


def calibrate_requests(data: LogData, template: Scenario | None = None) -> Calibrated:
    """Every block a request log (and its step log, if any) gives, with notes and gaps."""
    notes: dict[PathKey, str] = {}
    blocks: dict[str, Any] = {"demand": demand_block(data, template, notes),
                              "channels": channels_block(data, template, notes)}
    missing = [ALWAYS_KEPT]
    if data.steps is not None:
        max_rev = template.approvals.max_revisions_per_stage if template else 3
        blocks["agencies"] = agencies_block(data, notes)
        approvals = approvals_block(data, max_rev, notes)
        if approvals:
            blocks["approvals"] = approvals
    else:
        missing.insert(0, NEEDS_STEPS)
    return Calibrated(blocks, notes, missing, summary_lines(data))


REPLACED = ("due_days", "production_time", "adaptation_time", "handoff", "review_time",
            "channel_mix", "step_day", "formats", "format_weights")
"""Keys whose template value is replaced whole (a distribution's keys depend on its family)."""


def _strip(template: Any, update: Any) -> Any:
    """``template`` without the keys of :data:`REPLACED` that ``update`` sets, at any depth."""
    if isinstance(template, dict) and isinstance(update, dict):
        out = {k: v for k, v in template.items()
               if not (k in REPLACED and (k in update or k == "step_day"))}
        return {k: _strip(v, update.get(k)) for k, v in out.items()}
    if isinstance(template, list) and isinstance(update, list):
        named = {u["name"]: u for u in update if isinstance(u, dict) and "name" in u}
        return [_strip(item, named.get(item.get("name"))) if isinstance(item, dict) else item
                for item in template]
    return template


def into_template(calibrated: Calibrated, template: Path) -> Calibrated:
    """The template scenario with the calibrated blocks in; estimated distributions replaced."""
    load_scenario(template)  # the template itself must be valid: its problems name its file
    raw = yaml.safe_load(template.read_text(encoding="utf-8"))
    merged = merge_blocks(_strip(raw, calibrated.blocks), calibrated.blocks)
    header = [f"calibrated blocks merged into {template}", *calibrated.header]
    return Calibrated(merged, calibrated.notes, calibrated.not_estimated, header)
