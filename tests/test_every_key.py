"""Every scenario key has an effect: change each one alone and look for a change in the outputs.

Design:

- :func:`schema_paths` walks the pydantic models of :class:`sim.Scenario` and lists every leaf
  key as a generic path: ``[]`` stands for any item of a list of models (``channels[].hill_k``),
  ``*`` for any key of a mapping (``demand.channel_mix.*``). A time distribution contributes the
  fields of all its kinds (``dist``, ``mean``, ``cv``, ``value``); a matrix, a list of plain
  values and a union of a model with a plain value (``setups``) are one key each. Keys with a
  default count as much as keys the baseline sets.
- :data:`TABLE` gives each generic path either a :class:`Perturb` (concrete dotted edits of the
  baseline, and the companion edits a key needs to matter at all, such as ``shape: step`` for
  ``demand.step_day``) or an :class:`Allow` with the reason no effect is expected.
- Each path is one test case: it fails if the schema has a path the table lacks (a new key
  cannot slip in unseen), if the table names a path the schema no longer has, or if the
  perturbed scenario gives the same outputs as its reference in every setup run. The reference is
  the baseline with the companion edits only, so a companion cannot pass for the key's effect;
  edits that leave the scenario unchanged, or set another key than their entry's, are table bugs.
  Outputs are the summary metrics (labels left out) and the daily spend and conversions.
  Allow-listed paths are reported as skipped, with their reason.
- Speed: the baseline is cut to 120 days (the platform ramp-up to 20), one replication, a fixed
  seed; the references are run once and cached for the module, and a perturbation stops at the
  first setup whose outputs differ.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel

import sim
from sim.runs.experiment import run
from sim.scenario.edit import set_path
from sim.scenario.setups import BUILTIN_SETUPS
from sim.tables.metrics import SUMMARY_METRICS

SHORT_DAYS = 120
RAMP_UP_DAYS = 20.0  # the baseline's 60 days of 364, on the shortened horizon
SEED = 0
BUILTIN = tuple(BUILTIN_SETUPS)
DAILY_COLUMNS = ["spend", "conversions"]


# -- the schema's leaf keys ---------------------------------------------------------------------
def _models(tp: Any) -> list[type[BaseModel]]:
    """The models ``tp`` is (one model, or a union of models only); empty otherwise."""
    args = typing.get_args(tp) if _is_union(tp) else (tp,)
    if all(isinstance(a, type) and issubclass(a, BaseModel) for a in args):
        return list(args)
    return []


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _bare(tp: Any) -> Any:
    """``tp`` without ``Annotated`` and without ``| None``."""
    if typing.get_origin(tp) is typing.Annotated:
        return _bare(typing.get_args(tp)[0])
    if _is_union(tp):
        rest = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            return _bare(rest[0])
        return typing.Union[tuple(_bare(a) for a in rest)]  # noqa: UP007 (built at run time)
    return tp


def _paths_of(tp: Any, path: str) -> list[str]:
    """Leaf paths under a field of type ``tp`` found at ``path``."""
    tp = _bare(tp)
    if models := _models(tp):
        return list(dict.fromkeys(p for m in models for p in model_paths(m, f"{path}.")))
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is list and _models(_bare(args[0])):
        return _paths_of(args[0], f"{path}[]")
    if origin is dict:
        return _paths_of(args[1], f"{path}.*")
    return [path]


def model_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Generic leaf paths of ``model``, by alias (``mean``, not ``mean_``)."""
    out: list[str] = []
    for name, info in model.model_fields.items():
        out += _paths_of(info.annotation, prefix + (info.alias or name))
    return out


def schema_paths() -> list[str]:
    """Every leaf key of a scenario, as generic paths."""
    return model_paths(sim.Scenario)


# -- the table: a perturbation or a reason for every key ------------------------------------------
@dataclass(frozen=True)
class Scale:
    """An edit that multiplies the value in place (integers are rounded)."""

    factor: float

    def __call__(self, old: Any) -> Any:
        new = old * self.factor
        return round(new) if isinstance(old, int) else new


@dataclass(frozen=True)
class Perturb:
    """Dotted edits of the baseline dict, on top of companion edits that both runs share."""

    edits: dict[str, Any]
    companion: dict[str, Any] = field(default_factory=dict)
    setups: tuple[str, ...] = BUILTIN


@dataclass(frozen=True)
class Allow:
    """A key no output is expected to show, and why."""

    reason: str


LABEL = "a label: renaming it must be followed in every reference and changes no number"
UNCERTAIN = ("a range for `uncertainty` and `sensitivity`, which set the drawn value at its "
             "path; run and compare ignore it (tests/test_uncertainty.py)")
UP, DOWN = Scale(1.3), Scale(0.7)
LEARNER_ON_SILOED_DATA = {"name": "siloed_learner", "base": "conductor",
                          "levers": {"data": "siloed"}}
SILOED_DATA = {"setups": [*BUILTIN, LEARNER_ON_SILOED_DATA]}


def _distribution_entries(generic: str, dotted: str, constant_at: str | None = None
                          ) -> dict[str, Perturb]:
    """Entries for the fields of a log-normal time distribution at ``dotted``.

    ``value`` belongs to a constant duration only: it is changed at ``constant_at`` (a constant
    in the baseline) or, without one, on a constant that a companion edit puts at ``dotted``.
    """
    value = (Perturb({f"{constant_at}.value": 0.5}) if constant_at else Perturb(
        {f"{dotted}.value": 1.5}, companion={dotted: {"dist": "deterministic", "value": 1.0}}))
    return {f"{generic}.mean": Perturb({f"{dotted}.mean": UP}),
            f"{generic}.cv": Perturb({f"{dotted}.cv": UP}),
            f"{generic}.dist": Perturb({f"{dotted}.dist": "gamma"}),
            f"{generic}.value": value}


TABLE: dict[str, Perturb | Allow] = {
    "name": Allow("a label: names the results folder"),
    "currency": Allow("a label for amounts of money"),
    "horizon_days": Perturb({"horizon_days": 100}),
    "budget.daily": Perturb({"budget.daily": UP}),
    "budget.annual": Perturb({"budget.annual": UP},
                             companion={"budget.daily": None, "budget.annual": 60000.0 * 364}),
    "budget.profile": Perturb({"budget.profile": [1.3, *[1.0] * 11]}),
    "formats.names": Allow(LABEL),
    "formats.compatibility": Perturb({"formats.compatibility.0.1": 0.8}),
    "channels[].name": Allow(LABEL),
    "channels[].adstock_alpha": Perturb({"channels.0.adstock_alpha": UP}),
    "channels[].hill_k": Perturb({"channels.0.hill_k": UP}),
    "channels[].hill_shape": Perturb({"channels.0.hill_shape": UP}),
    "channels[].saturation": Perturb({"channels.3.saturation": "logistic"}),
    "channels[].max_daily_conversions": Perturb({"channels.0.max_daily_conversions": UP}),
    "channels[].cpm": Perturb({"channels.0.cpm": UP}),
    "channels[].value_per_conversion": Perturb({"channels.0.value_per_conversion": UP}),
    "channels[].formats": Perturb({"channels.2.formats": ["static", "copy"]}),
    "channels[].format_weights": Perturb({"channels.0.format_weights": [3.0, 1.0]}),
    "channels[].fatigue_impressions": Perturb({"channels.0.fatigue_impressions": DOWN}),
    "channels[].quality_min": Perturb({"channels.0.quality_min": UP}),
    "channels[].plan_share": Perturb({"channels.0.plan_share": 0.25,
                                      "channels.2.plan_share": 0.20}),
    "channels[].initial_assets": Perturb({"channels.0.initial_assets": 1}),
    "channels[].noise.kind": Perturb({"channels.0.noise.kind": "none"}),
    "channels[].noise.dispersion": Perturb(
        {"channels.0.noise.dispersion": DOWN},
        companion={"channels.0.noise.kind": "negative_binomial"}),
    "synergy": Perturb({"synergy.3.0": 0.3}),
    "demand.base_rate": Perturb({"demand.base_rate": UP}),
    "demand.growth": Perturb({"demand.growth": UP}),
    "demand.shape": Perturb({"demand.shape": "exponential"}),
    "demand.step_day": Perturb({"demand.step_day": 40.0},
                               companion={"demand.shape": "step", "demand.step_day": 60.0}),
    "demand.channel_mix.*": Perturb({"demand.channel_mix.search": UP}),
    "demand.campaign_days": Perturb({"demand.campaign_days": DOWN}),
    "demand.campaigns_per_wave": Perturb({"demand.campaigns_per_wave": 4}),
    **_distribution_entries("demand.due_days", "demand.due_days"),
    "library.findability.siloed": Perturb({"library.findability.siloed": DOWN}),
    "library.findability.shared": Perturb({"library.findability.shared": DOWN}),
    "library.max_live_assets": Perturb({"library.max_live_assets": 4}),
    # 45 days (or 30) never binds, even over 364 days: fresh assets replace the most fatigued
    # ones well before; a lifetime of 15 days retires assets still live
    "library.asset_lifetime_days": Perturb({"library.asset_lifetime_days": 15.0}),
    "library.wasted_quality_threshold": Perturb({"library.wasted_quality_threshold": UP}),
    "agencies[].name": Allow(LABEL),
    "agencies[].capacity": Perturb({"agencies.0.capacity": DOWN}),
    "agencies[].formats": Perturb({"agencies.2.formats": ["short_video", "long_video"]}),
    "agencies[].channels": Perturb({
        "agencies.0.channels": ["search", "email_crm"],
        "agencies.1.channels": ["paid_social", "display", "retail_media"]}),
    **_distribution_entries("agencies[].production_time", "agencies.0.production_time"),
    **_distribution_entries("agencies[].adaptation_time", "agencies.0.adaptation_time"),
    "agencies[].cost_new": Perturb({"agencies.0.cost_new": UP}),
    "agencies[].cost_adaptation": Perturb({"agencies.0.cost_adaptation": DOWN}),
    **_distribution_entries("agencies[].handoff", "agencies.1.handoff",  # in_house: constant 0
                            constant_at="agencies.0.handoff"),
    "approvals.stages[].name": Allow(LABEL),
    "approvals.stages[].reviewers": Perturb({"approvals.stages.1.reviewers": 1}),
    **_distribution_entries("approvals.stages[].review_time", "approvals.stages.0.review_time"),
    "approvals.stages[].revision_probability": Perturb(
        {"approvals.stages.0.revision_probability": UP}),
    "approvals.revision_work_fraction": Perturb({"approvals.revision_work_fraction": UP}),
    "approvals.revision_cost_fraction": Perturb({"approvals.revision_cost_fraction": UP}),
    "approvals.max_revisions_per_stage": Perturb({"approvals.max_revisions_per_stage": 1}),
    "platform.monthly_cost": Perturb({"platform.monthly_cost": UP}),
    "platform.ramp_up_days": Perturb({"platform.ramp_up_days": DOWN}),
    "platform.handoff_factor": Perturb({"platform.handoff_factor": UP}),
    "platform.delay_value_factor": Perturb({"platform.delay_value_factor": 0.0}),
    "allocator.min_share": Perturb({"allocator.min_share": 0.05}),
    "allocator.max_share": Perturb({"allocator.max_share": DOWN}),
    "allocator.max_daily_change": Perturb({"allocator.max_daily_change": UP}),
    "allocator.increments": Perturb({"allocator.increments": DOWN}),
    "allocator.likelihood_temperature": Perturb({"allocator.likelihood_temperature": UP}),
    "allocator.ai_efficiency": Perturb({"allocator.ai_efficiency": UP}),
    "allocator.ai_pilot_channels": Perturb({"allocator.ai_pilot_channels": ["search"]}),
    # the built-in setups on siloed data all spend the plan, which reads no report: a learner
    # on siloed data (a setup of the companion edit) is where the siloed feed shows
    "allocator.data.siloed.interval_days": Perturb(
        {"allocator.data.siloed.interval_days": 3}, SILOED_DATA, ("siloed_learner",)),
    "allocator.data.siloed.delay_days": Perturb(
        {"allocator.data.siloed.delay_days": 2}, SILOED_DATA, ("siloed_learner",)),
    "allocator.data.unified.interval_days": Perturb({"allocator.data.unified.interval_days": 3}),
    "allocator.data.unified.delay_days": Perturb({"allocator.data.unified.delay_days": 3}),
    "setups": Allow("chooses the setups a comparison runs; this test runs setups by name"),
    **{f"uncertain.*.{key}": Allow(UNCERTAIN) for key in
       ("dist", "low", "high", "mode", "mean", "sd", "cv", "a", "b")},
}


# -- running a perturbation ----------------------------------------------------------------------
Outputs = tuple[np.ndarray, np.ndarray]


def edited(base: dict[str, Any], edits: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``base`` with each dotted path set (a :class:`Scale` scales in place)."""
    data = sim.scenario_from_dict(base).to_dict()
    for path, value in edits.items():
        new = value(_get(data, path)) if isinstance(value, Scale) else value
        set_path(data, path, new)
    return data


def _get(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def outputs(scenario: sim.Scenario, setup: str) -> Outputs:
    """Summary metrics (no labels) and daily spend and conversions of one run."""
    result = run(scenario, setup, replication=0, seed=SEED)
    summary = result.summary[list(SUMMARY_METRICS)].to_numpy(dtype=float)
    return summary, result.daily[DAILY_COLUMNS].to_numpy(dtype=float)


def same(a: Outputs, b: Outputs) -> bool:
    """Whether two runs gave identical outputs."""
    return all(x.shape == y.shape and np.array_equal(x, y, equal_nan=True)
               for x, y in zip(a, b, strict=True))


class References:
    """Reference outputs per (companion edits, setup), each run once."""

    def __init__(self, base: dict[str, Any]):
        self.base = base
        self._cache: dict[tuple[str, str], Outputs] = {}

    def get(self, companion: dict[str, Any], setup: str) -> Outputs:
        key = (repr(sorted(companion.items())), setup)
        if key not in self._cache:
            scenario = sim.scenario_from_dict(edited(self.base, companion))
            self._cache[key] = outputs(scenario, setup)
        return self._cache[key]


def setups_with_effect(p: Perturb, refs: References) -> Iterator[str]:
    """The setups, in order, whose outputs the perturbation changes (lazily)."""
    reference = edited(refs.base, p.companion)
    changed = edited(reference, p.edits)
    assert changed != reference, "the edits leave the scenario as it was (fix the table)"
    scenario = sim.scenario_from_dict(changed)
    for setup in p.setups:
        if not same(outputs(scenario, setup), refs.get(p.companion, setup)):
            yield setup


def generic_pattern(path: str) -> re.Pattern[str]:
    """A regex matching the dotted paths of generic ``path`` (``[]`` any index, ``*`` any key)."""
    text = re.escape(path).replace(r"\[\]", r"\.\d+").replace(r"\*", r"[^.]+")
    return re.compile(text + r"(\.\d+)*")  # a matrix or list key: an entry of it


# -- the tests -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def references(baseline_scenario: sim.Scenario) -> References:
    """The baseline cut to the short horizon; its runs are cached per setup."""
    base = edited(baseline_scenario.to_dict(), {"horizon_days": SHORT_DAYS,
                                                "platform.ramp_up_days": RAMP_UP_DAYS})
    return References(base)


SCHEMA = schema_paths()


def test_schema_walk_finds_nested_defaulted_and_distribution_keys() -> None:
    expected = {"budget.annual", "demand.step_day", "channels[].noise.dispersion",
                "library.asset_lifetime_days", "demand.channel_mix.*", "synergy",
                "formats.compatibility", "agencies[].production_time.mean",
                "agencies[].handoff.value", "approvals.stages[].review_time.cv", "setups",
                "allocator.data.unified.delay_days"}
    assert expected <= set(SCHEMA)
    assert not [p for p in SCHEMA if p.startswith(("synergy.", "setups.", "budget.profile."))]


@pytest.mark.parametrize("path", sorted(set(SCHEMA) | set(TABLE)))
def test_key_has_an_effect(path: str, references: References) -> None:
    if path not in SCHEMA:
        pytest.fail(f"{path}: the table has an entry for a key the schema no longer has")
    entry = TABLE.get(path)
    if entry is None:
        pytest.fail(f"{path}: no perturbation and no allow-list entry in TABLE")
    if isinstance(entry, Allow):
        pytest.skip(f"{path} allow-listed: {entry.reason}")
    pattern = generic_pattern(path)
    stray = [p for p in entry.edits if not pattern.fullmatch(p)]
    assert not stray, f"{path}: edits {stray} do not set this key"
    effect = next(setups_with_effect(entry, references), None)
    assert effect is not None, (
        f"{path}: changing it ({entry.edits}) changes no output of {', '.join(entry.setups)}")


def test_table_helpers() -> None:
    assert Scale(0.7)(8) == 6 and Scale(1.3)(0.3) == pytest.approx(0.39)
    assert generic_pattern("channels[].hill_k").fullmatch("channels.3.hill_k")
    assert generic_pattern("demand.channel_mix.*").fullmatch("demand.channel_mix.search")
    assert generic_pattern("synergy").fullmatch("synergy.3.0")
    assert not generic_pattern("channels[].cpm").fullmatch("channels.0.hill_k")

