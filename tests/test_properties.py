"""Property-based tests: invariants over generated valid scenarios, errors over invalid ones.

Valid scenarios are small (1-3 channels, 1-2 agencies, 0-2 approval stages, 10-40 days, low
demand) so each example runs in tens of milliseconds, with a random built-in setup. Invalid
scenarios are valid ones with one mutation that breaks a rule; loading them must always raise
``sim.ScenarioError`` whose problems each name a field path.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.scenario.schema import Scenario

SETUPS = ["pilot", "conductor", "oracle", "scaled_silos"]
INVALID_EXAMPLES = 100  # per kind of mutation
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TOL = 1e-9  # relative float tolerance on money

# -- strategies for valid scenarios ---------------------------------------------------------------
prob = st.floats(0.0, 1.0)


@st.composite
def distributions(draw: Any, low: float = 0.05, high: float = 3.0) -> dict[str, Any]:
    kind = draw(st.sampled_from(["lognormal", "exponential", "gamma", "deterministic"]))
    mean = draw(st.floats(low, high))
    if kind == "deterministic":
        return {"dist": kind, "value": mean}
    if kind == "exponential":
        return {"dist": kind, "mean": mean}
    return {"dist": kind, "mean": mean, "cv": draw(st.floats(0.1, 1.5))}


def _subset(draw: Any, items: list[str], min_size: int = 1) -> list[str]:
    picked = draw(st.lists(st.sampled_from(items), min_size=min_size, max_size=len(items),
                           unique=True))
    return sorted(picked, key=items.index)


@st.composite
def scenario_dicts(draw: Any) -> dict[str, Any]:
    """A small valid scenario as plain data."""
    horizon = draw(st.integers(10, 40))
    n_fmt = draw(st.integers(1, 3))
    formats = [f"fmt{i}" for i in range(n_fmt)]
    compat = [[1.0 if i == j else draw(prob) for j in range(n_fmt)] for i in range(n_fmt)]
    n_ch = draw(st.integers(1, 3))
    n_ag = draw(st.integers(1, 2))
    names = [f"ch{i}" for i in range(n_ch)]
    owner = [draw(st.integers(0, n_ag - 1)) for _ in range(n_ch)]
    shares = np.array([draw(st.floats(0.1, 1.0)) for _ in range(n_ch)])
    shares = shares / shares.sum()
    channels = []
    for i, name in enumerate(names):
        ch_formats = _subset(draw, formats)
        ch: dict[str, Any] = {
            "name": name,
            "adstock_alpha": draw(st.floats(0.0, 0.9)),
            "hill_k": draw(st.floats(10.0, 5000.0)),
            "hill_shape": draw(st.floats(0.5, 3.0)),
            "max_daily_conversions": draw(st.floats(1.0, 500.0)),
            "cpm": draw(st.floats(0.5, 40.0)),
            "value_per_conversion": draw(st.floats(0.0, 100.0)),
            "formats": ch_formats,
            "fatigue_impressions": draw(st.floats(1e3, 1e7)),
            "quality_min": draw(prob),
            "plan_share": float(shares[i]),
            "initial_assets": draw(st.integers(0, 3)),
            "noise": {"kind": draw(st.sampled_from(["poisson", "negative_binomial", "none"])),
                      "dispersion": draw(st.floats(0.5, 50.0))},
        }
        if draw(st.booleans()):
            ch["format_weights"] = [draw(st.floats(0.1, 3.0)) for _ in ch_formats]
        channels.append(ch)
    agencies = []
    for a in range(n_ag):
        bound = [names[i] for i in range(n_ch) if owner[i] == a]
        needed = {f for i in range(n_ch) if owner[i] == a for f in channels[i]["formats"]}
        extra = set(_subset(draw, formats, min_size=0 if needed else 1))
        cost_new = draw(st.floats(0.0, 5000.0))
        agencies.append({
            "name": f"team{a}",
            "capacity": draw(st.integers(1, 3)),
            "formats": [f for f in formats if f in needed | extra],
            "channels": bound,
            "production_time": draw(distributions()),
            "adaptation_time": draw(distributions(0.05, 1.0)),
            "cost_new": cost_new,
            "cost_adaptation": cost_new * draw(prob),
            "handoff": draw(distributions(0.05, 2.0)),
        })
    budget: dict[str, Any] = (
        {"daily": draw(st.floats(10.0, 1e5))} if draw(st.booleans())
        else {"annual": draw(st.floats(1e3, 1e7))})
    if draw(st.booleans()):
        budget["profile"] = [draw(st.floats(0.2, 2.0)) for _ in range(draw(st.integers(1, 5)))]
    shape = draw(st.sampled_from(["linear", "exponential", "step"]))
    demand: dict[str, Any] = {
        "base_rate": draw(st.floats(0.1, 2.0)),
        "growth": draw(st.floats(0.3, 4.0)),
        "shape": shape,
        "channel_mix": {c: draw(st.floats(0.1, 1.0)) for c in _subset(draw, names)},
        "campaign_days": draw(st.floats(1.0, 30.0)),
        "campaigns_per_wave": draw(st.integers(1, 3)),
        "due_days": draw(distributions(0.5, 10.0)),
    }
    if shape == "step" or draw(st.booleans()):
        demand["step_day"] = draw(st.floats(0.0, float(horizon)))
    stages = [{
        "name": f"stage{s}",
        "reviewers": draw(st.integers(1, 2)),
        "review_time": draw(distributions(0.05, 1.0)),
        "revision_probability": draw(st.floats(0.0, 0.6)),
    } for s in range(draw(st.integers(0, 2)))]
    d: dict[str, Any] = {
        "name": "generated",
        "horizon_days": horizon,
        "budget": budget,
        "formats": {"names": formats, "compatibility": compat},
        "channels": channels,
        "demand": demand,
        "library": {
            "findability": {"siloed": draw(prob), "shared": draw(prob)},
            "max_live_assets": draw(st.integers(1, 4)),
            "asset_lifetime_days": draw(st.none() | st.floats(1.0, 20.0)),
            "wasted_quality_threshold": draw(prob),
        },
        "agencies": agencies,
        "approvals": {
            "stages": stages,
            "revision_work_fraction": draw(st.floats(0.05, 2.0)),
            "revision_cost_fraction": draw(st.floats(0.0, 2.0)),
            "max_revisions_per_stage": draw(st.integers(0, 3)),
        },
        "platform": {
            "monthly_cost": draw(st.floats(0.0, 1e4)),
            "ramp_up_days": draw(st.floats(0.0, 20.0)),
            "handoff_factor": draw(prob),
            "delay_value_factor": draw(st.floats(0.0, 10.0)),
        },
        "allocator": {
            "min_share": draw(st.floats(0.0, 1.0 / n_ch)),
            "max_share": draw(st.floats(1.0 / n_ch, 1.0)),
            "max_daily_change": draw(prob),
            "increments": draw(st.integers(10, 60)),
            "ai_pilot_channels": _subset(draw, names, min_size=0),
            "data": {
                "siloed": {"interval_days": draw(st.integers(1, 7)),
                           "delay_days": draw(st.integers(0, 5))},
                "unified": {"interval_days": 1, "delay_days": draw(st.integers(0, 2))},
            },
        },
        "setups": SETUPS,
    }
    if draw(st.booleans()):
        d["synergy"] = [[0.0 if i == j else draw(st.floats(0.0, 0.3)) for j in range(n_ch)]
                        for i in range(n_ch)]
    return d


@st.composite
def runs(draw: Any) -> tuple[Scenario, dict[str, Any], str, sim.RunResult]:
    """A generated scenario, one setup and its run."""
    data = draw(scenario_dicts())
    scenario = sim.scenario_from_dict(data)
    setup = draw(st.sampled_from(SETUPS))
    seed = draw(st.integers(0, 2**16))
    return scenario, data, setup, sim.run(scenario, setup, draw(st.integers(0, 3)), seed)


# -- invariants --------------------------------------------------------------------------------
def expected_budget(data: dict[str, Any], days: int) -> np.ndarray:
    """The day's media budget, written from the schema's description (equal time segments)."""
    b = data["budget"]
    daily = b["daily"] if "daily" in b else b["annual"] / 364.0
    out = np.full(days, float(daily))
    profile = b.get("profile")
    if profile:
        p = np.asarray(profile, dtype=float)
        segment = np.minimum(np.arange(days) * len(p) // days, len(p) - 1)
        out *= p[segment] / p[segment].mean()  # the profile moves budget, never adds any
    assert out.sum() == pytest.approx(float(daily) * days, rel=1e-12)
    return out


def check_budget(data: dict[str, Any], res: sim.RunResult) -> None:
    days = data["horizon_days"]
    budget = expected_budget(data, days)
    spend = res.daily.groupby("day")["spend"].sum().reindex(range(days)).to_numpy()
    assert np.all(spend <= budget * (1 + TOL) + 1e-9), "daily spend exceeds the day's budget"
    total = float(res.summary["media_spend"].iloc[0])
    assert total <= budget.sum() * (1 + TOL) + 1e-9, "total spend exceeds the budget"
    assert total == pytest.approx(spend.sum(), rel=1e-9)


# Columns where NaN is documented: ratios with a zero denominator, and open requests' finish;
# a resource's mean wait is NaN when no wait there ended within the horizon.
NAN_ALLOWED = {"roas", "cpa", "reuse_rate", "lead_time_mean", "lead_time_p50", "lead_time_p95",
               "reviewer_utilization", "agency_utilization", "wasted_share", "finish",
               "admin_share"}
NAN_ALLOWED_PREFIXES = ("wait_mean_",)
SIGNED = {"net_contribution"}  # revenue - costs: may be negative


def check_no_negative(res: sim.RunResult) -> None:
    for table_name in ("summary", "daily", "requests"):
        table: pd.DataFrame = getattr(res, table_name)
        for col in table.select_dtypes("number").columns:
            x = table[col].to_numpy(dtype=float)
            nan = np.isnan(x)
            allowed = col in NAN_ALLOWED or str(col).startswith(NAN_ALLOWED_PREFIXES)
            assert allowed or not nan.any(), f"{table_name}.{col} has NaN"
            assert not np.isinf(x).any(), f"{table_name}.{col} has inf"
            if col not in SIGNED:
                assert (x[~nan] >= 0).all(), f"{table_name}.{col} has a negative value"
    q = res.requests
    assert (q["due"] >= q["arrival"]).all(), "a request is due before it arrives"


def check_conservation(res: sim.RunResult) -> None:
    s = res.summary.iloc[0]
    q = res.requests
    assert s["requests_arrived"] == s["requests_finished"] + s["requests_open"]
    assert s["requests_arrived"] == len(q)
    assert s["requests_finished"] == int(q["finish"].notna().sum())
    assert s["requests_late"] == int(q["late"].sum()) <= s["requests_finished"]


def check_reuse_rate(res: sim.RunResult) -> None:
    s = res.summary.iloc[0]
    r = s["reuse_rate"]
    if s["requests_finished"] == 0:
        assert np.isnan(r)
    else:
        assert 0.0 <= r <= 1.0


def check_lead_time(data: dict[str, Any], res: sim.RunResult) -> None:
    q = res.requests
    done = q[q["finish"].notna()]
    lead = done["finish"] - done["arrival"]
    assert (lead >= done["work_days"] * (1 - TOL) - 1e-9).all(), "lead time < production time"
    assert (done["finish"] <= data["horizon_days"]).all(), "finished after the horizon"


def check_costs(data: dict[str, Any], res: sim.RunResult) -> None:
    """Each delivered asset costs its team's price plus revisions; open requests cost nothing."""
    requests = res.requests
    teams = {a["name"]: a for a in data["agencies"]}
    assert set(requests["agency"]) <= set(teams), "a request went to an unknown team"
    done = requests["finish"].notna()
    assert (requests.loc[~done, "cost"] == 0).all(), "an open request was billed"
    assert res.summary["production_cost"].iloc[0] == pytest.approx(requests["cost"].sum())
    q = requests[done]
    frac = data["approvals"]["revision_cost_fraction"]
    base = q["cost"] / (1.0 + frac * q["revisions"])
    agency = q["agency"].astype(str)  # a categorical maps its unused categories too
    cost_new = agency.map(lambda a: teams[a]["cost_new"]).astype(float)
    cost_adapt = agency.map(lambda a: teams[a]["cost_adaptation"]).astype(float)
    reused = q["reused"].to_numpy(dtype=bool)
    assert (base[reused] <= cost_new[reused] * (1 + TOL) + 1e-9).all(), (
        "a reused request costs more than a new one at its team")
    np.testing.assert_allclose(base[reused], cost_adapt[reused], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(base[~reused], cost_new[~reused], rtol=1e-9, atol=1e-9)


@SETTINGS
@given(runs())
def test_spend_never_exceeds_budget(case: Any) -> None:
    _, data, _, res = case
    check_budget(data, res)


@SETTINGS
@given(runs())
def test_no_negative_quantities(case: Any) -> None:
    check_no_negative(case[3])


@SETTINGS
@given(runs())
def test_requests_are_conserved_and_reuse_is_a_rate(case: Any) -> None:
    check_conservation(case[3])
    check_reuse_rate(case[3])


@SETTINGS
@given(runs())
def test_lead_time_at_least_production_time(case: Any) -> None:
    _, data, _, res = case
    check_lead_time(data, res)


@SETTINGS
@given(runs())
def test_reuse_never_costs_more_than_new(case: Any) -> None:
    _, data, _, res = case
    check_costs(data, res)


@SETTINGS
@given(runs())
def test_same_seed_gives_identical_tables(case: Any) -> None:
    scenario, _, setup, res = case
    again = sim.run(scenario, setup, int(res.summary["replication"].iloc[0]),
                    int(res.summary["seed"].iloc[0]))
    for table in ("summary", "daily", "requests"):
        pd.testing.assert_frame_equal(getattr(res, table), getattr(again, table),
                                      check_exact=True)


# -- invalid scenarios -------------------------------------------------------------------------
TOP_LEVEL = set(Scenario.model_fields) | {"(top level)"}
UNKNOWN_KEYS = ["colour", "extra", "capacityy", "Name", "dist_"]
BAD_STRINGS = st.sampled_from(["abc", "", "many", "1,5", "none"])
MUTATIONS = [
    "negative capacity", "zero reviewers", "probability above 1", "negative probability",
    "unknown key", "wrong type", "missing key", "compatibility shape", "synergy shape",
    "unknown channel format", "unknown agency format", "unknown distribution",
    "zero growth", "negative rate", "alpha 1", "shares do not add up", "unknown setup",
    "unknown channel in mix", "step without day", "adaptation dearer", "both budgets",
    "duplicate channel", "unbound channel", "not a mapping",
]


def _mappings(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every mapping in a nested structure (the root is ())."""
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        out.append(path)
        for k, v in node.items():
            out += _mappings(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _mappings(v, (*path, i))
    return out


def _get(d: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        d = d[p]
    return d


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path)


@st.composite
def invalid_scenarios(draw: Any, kind: str) -> tuple[Any, str, str]:
    """(data, mutation, expected path prefix): a valid scenario with rule ``kind`` broken."""
    d = draw(scenario_dicts())
    n_ch, n_ag = len(d["channels"]), len(d["agencies"])
    ch = draw(st.integers(0, n_ch - 1))
    ag = draw(st.integers(0, n_ag - 1))
    if kind == "negative capacity":
        d["agencies"][ag]["capacity"] = draw(st.integers(-10, -1))
        return d, kind, f"agencies.{ag}.capacity"
    if kind == "zero reviewers":
        d["approvals"]["stages"].append({"name": "x", "reviewers": 0, "revision_probability": 0,
                                         "review_time": {"dist": "exponential", "mean": 1}})
        return d, kind, f"approvals.stages.{len(d['approvals']['stages']) - 1}.reviewers"
    if kind in ("probability above 1", "negative probability"):
        bad = (draw(st.floats(1.0001, 50.0)) if kind == "probability above 1"
               else draw(st.floats(-5.0, -1e-6)))
        where = draw(st.sampled_from(["findability", "compat", "quality_min", "plan_share",
                                      "revision", "handoff_factor"]))
        if where == "findability":
            key = draw(st.sampled_from(["siloed", "shared"]))
            d["library"]["findability"][key] = bad
            return d, kind, f"library.findability.{key}"
        if where == "compat":
            n = len(d["formats"]["names"])
            i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
            d["formats"]["compatibility"][i][j] = bad
            return d, kind, "formats.compatibility"
        if where == "quality_min":
            d["channels"][ch]["quality_min"] = bad
            return d, kind, f"channels.{ch}.quality_min"
        if where == "plan_share":
            d["channels"][ch]["plan_share"] = bad
            return d, kind, f"channels.{ch}.plan_share"
        if where == "revision":
            d["approvals"]["stages"].append({"name": "x", "reviewers": 1,
                                             "revision_probability": bad,
                                             "review_time": {"dist": "exponential", "mean": 1}})
            s = len(d["approvals"]["stages"]) - 1
            return d, kind, f"approvals.stages.{s}.revision_probability"
        d["platform"]["handoff_factor"] = bad
        return d, kind, "platform.handoff_factor"
    if kind == "unknown key":
        target = draw(st.sampled_from(_mappings(d)))
        key = draw(st.sampled_from(UNKNOWN_KEYS))
        node = _get(d, target)
        node[key] = draw(st.integers(0, 3))
        return d, kind, _dotted(target)
    if kind == "wrong type":
        where = draw(st.sampled_from([
            ("horizon_days",), ("budget", "profile"), ("formats", "names"),
            ("channels", ch, "hill_k"), ("channels", ch, "formats"), ("channels", ch, "name"),
            ("demand", "base_rate"), ("demand", "channel_mix"), ("library",),
            ("agencies", ag, "capacity"), ("agencies", ag, "production_time"),
            ("approvals", "stages"), ("setups",), ("allocator", "increments"),
        ]))
        parent, key = _get(d, where[:-1]), where[-1]
        if where[-1] == "capacity" or where == ("horizon_days",):
            parent[key] = draw(st.sampled_from([1.5, "abc", [1], {"a": 1}]))
        elif where[-1] in ("name",):
            parent[key] = draw(st.sampled_from([3, 1.5, ["a"], None]))
        elif where[-1] in ("formats", "names", "stages", "profile", "setups"):
            parent[key] = draw(st.sampled_from([7, {"a": 1}, "abc"] if key != "setups"
                                               else [7, {"a": 1}]))
        elif where[-1] in ("channel_mix", "library", "production_time"):
            parent[key] = draw(st.sampled_from([[1, 2], "abc", 3.0]))
        else:
            parent[key] = draw(BAD_STRINGS | st.sampled_from([[1.0], {"a": 1}, None]))
        return d, kind, _dotted(where)
    if kind == "missing key":
        where = draw(st.sampled_from([
            ("budget",), ("formats",), ("channels",), ("demand",), ("library",), ("agencies",),
            ("formats", "compatibility"), ("channels", ch, "hill_k"), ("channels", ch, "name"),
            ("channels", ch, "plan_share"), ("demand", "base_rate"), ("demand", "channel_mix"),
            ("library", "findability"), ("agencies", ag, "production_time"),
            ("agencies", ag, "cost_new"), ("agencies", ag, "capacity"),
            ("agencies", ag, "production_time", "dist"),
        ]))
        del _get(d, where[:-1])[where[-1]]
        prefix = where if where[-1] != "dist" else where[:-1]
        return d, kind, _dotted(prefix)
    if kind == "compatibility shape":
        m = d["formats"]["compatibility"]
        if draw(st.booleans()) and len(m) > 0:
            m.pop(draw(st.integers(0, len(m) - 1)))
        elif draw(st.booleans()):
            m[draw(st.integers(0, len(m) - 1))].append(0.5)
        else:
            m.append([0.5] * len(m))
        return d, kind, "formats.compatibility"
    if kind == "synergy shape":
        n = n_ch + draw(st.sampled_from([-1, 1])) if n_ch > 1 else 2
        d["synergy"] = [[0.0] * n for _ in range(n)]
        return d, kind, "synergy"
    if kind == "unknown channel format":
        d["channels"][ch]["formats"].append(draw(st.sampled_from(["hologram", "fmt9", "Fmt0"])))
        return d, kind, f"channels.{ch}"
    if kind == "unknown agency format":
        d["agencies"][ag]["formats"].append(draw(st.sampled_from(["hologram", "fmt9", "FMT1"])))
        return d, kind, f"agencies.{ag}.formats"
    if kind == "unknown distribution":
        d["agencies"][ag]["production_time"] = {"dist": draw(
            st.sampled_from(["weibull", "normal", "Exponential"])), "mean": 1.0}
        return d, kind, f"agencies.{ag}.production_time"
    if kind == "zero growth":
        d["demand"]["growth"] = draw(st.sampled_from([0.0, -1.0, -0.5]))
        return d, kind, "demand.growth"
    if kind == "negative rate":
        d["demand"]["base_rate"] = draw(st.floats(-10.0, 0.0))
        return d, kind, "demand.base_rate"
    if kind == "alpha 1":
        d["channels"][ch]["adstock_alpha"] = draw(st.floats(1.0, 3.0))
        return d, kind, f"channels.{ch}.adstock_alpha"
    if kind == "shares do not add up":
        d["channels"][ch]["plan_share"] = min(1.0, d["channels"][ch]["plan_share"] + 0.01) \
            if n_ch > 1 else 0.5
        if abs(sum(c["plan_share"] for c in d["channels"]) - 1.0) <= 1e-6:
            d["channels"][ch]["plan_share"] = 0.0 if d["channels"][ch]["plan_share"] else 0.5
        return d, kind, "channels"
    if kind == "unknown setup":
        d["setups"] = [*d["setups"], draw(st.sampled_from(["siloed", "Pilot", "oracle2"]))]
        return d, kind, "setups"
    if kind == "unknown channel in mix":
        d["demand"]["channel_mix"]["tiktok"] = 1.0
        return d, kind, "demand.channel_mix"
    if kind == "step without day":
        d["demand"]["shape"] = "step"
        d["demand"].pop("step_day", None)
        return d, kind, "demand.step_day"
    if kind == "adaptation dearer":
        a = d["agencies"][ag]
        a["cost_adaptation"] = a["cost_new"] + draw(st.floats(1.0, 100.0))
        return d, kind, f"agencies.{ag}"
    if kind == "both budgets":
        d["budget"]["daily"], d["budget"]["annual"] = 10.0, 3640.0
        return d, kind, "budget"
    if kind == "duplicate channel":
        d["channels"].append(copy.deepcopy(d["channels"][ch]))
        return d, kind, "channels"
    if kind == "unbound channel":
        name = d["channels"][ch]["name"]
        for a in d["agencies"]:
            if name in a["channels"]:
                a["channels"].remove(name)
        return d, kind, f"channels.{ch}"
    assert kind == "not a mapping", kind
    return draw(st.sampled_from([None, [], ["a"], "scenario", 3])), kind, "(top level)"


@pytest.mark.parametrize("mutation", MUTATIONS)
@settings(SETTINGS, max_examples=INVALID_EXAMPLES)
@given(data=st.data())
def test_invalid_scenarios_raise_scenario_error(mutation: str, data: st.DataObject) -> None:
    # one hypothesis run per kind of mutation, so every kind gets its share of examples
    bad, kind, prefix = data.draw(invalid_scenarios(mutation))
    with pytest.raises(sim.ScenarioError) as info:
        sim.scenario_from_dict(bad)
    problems = info.value.problems
    assert problems, f"{kind}: ScenarioError without problems"
    for p in problems:
        assert isinstance(p, sim.Problem)
        assert p.path and p.rule, f"{kind}: problem without a path or rule: {p}"
        head = p.path.split(".")[0]
        assert head in TOP_LEVEL or head in UNKNOWN_KEYS, (
            f"{kind}: problem path {p.path!r} names no scenario field")
    assert any(p.path.startswith(prefix) for p in problems), (
        f"{kind}: no problem names {prefix!r}: {[str(p) for p in problems]}")


# -- edge cases that once slipped through validation ---------------------------------------------
def test_problem_paths_survive_separators_in_names(single_team: Any) -> None:
    d = single_team()
    d["channels"][0]["formats"] = ["static; banner"]
    with pytest.raises(sim.ScenarioError) as info:
        sim.scenario_from_dict(d)
    for p in info.value.problems:
        assert p.path.split(".")[0] in TOP_LEVEL and p.rule, str(p)


@pytest.mark.parametrize("where", [("demand", "base_rate"), ("budget", "daily")])
def test_infinite_numbers_are_rejected(single_team: Any, where: tuple[str, str]) -> None:
    d = single_team()
    d[where[0]][where[1]] = float("inf")
    with pytest.raises(sim.ScenarioError):
        sim.scenario_from_dict(d)


def test_empty_channel_mix_is_rejected_or_spread(single_team: Any) -> None:
    d = single_team(base_rate=5.0, horizon_days=20)
    second = copy.deepcopy(d["channels"][0])
    second["name"] = "mail"
    d["channels"][0]["plan_share"] = second["plan_share"] = 0.5
    d["channels"].append(second)
    d["agencies"][0]["channels"].append("mail")
    d["demand"]["channel_mix"] = {}
    try:
        scenario = sim.scenario_from_dict(d)
    except sim.ScenarioError:
        return
    q = sim.run(scenario, "pilot", 0, 0).requests
    assert set(q["channel"]) == {"web", "mail"}


def test_zero_value_channels_keep_finite_priorities(single_team: Any) -> None:
    d = single_team(base_rate=3.0, capacity=1, horizon_days=30)
    d["channels"][0]["value_per_conversion"] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        sim.run(sim.scenario_from_dict(d), "conductor", 0, 0)
