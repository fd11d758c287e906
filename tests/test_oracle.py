"""MODEL.md "Precisions": the oracle is the upper bound for budget allocation.

A fixed-share plan runs as a setup on the oracle's levers with ``allocation: plan`` and the
channels' ``plan_share`` set to its shares. ``plan_share`` also sets the value of a day that
pooled routing weighs (``policies.day_values``), so the content world depends on it: each fixed
plan is compared with the oracle run on the same scenario, hence on the same world.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
import yaml
from conftest import ROOT, baseline_dict
from scipy import optimize

import sim
from sim.tables.stats import Estimate, mean_ci, paired_difference
from sim.world.media import hill
from sim.world.policies import ai_efficiency

FIXED = {"name": "fixed", "base": "oracle", "levers": {"allocation": "plan"}}
LEARNER_AS_PLAN = {"name": "plan", "base": "conductor", "levers": {"allocation": "plan"}}


def with_shares(d: dict[str, Any], shares: np.ndarray | None = None) -> sim.Scenario:
    """The scenario with the fixed setup, and the plan shares replaced if given."""
    d = copy.deepcopy(d)
    if shares is not None:
        for channel, share in zip(d["channels"], shares, strict=True):
            channel["plan_share"] = float(share)
    d["setups"] = ["oracle", "conductor", FIXED]
    return sim.scenario_from_dict(d)


def by_replication(c: sim.Comparison, metric: str = "net_contribution") -> Any:
    return c.summary.pivot(index="replication", columns="setup", values=metric)


def spend_shares(c: sim.Comparison, setup: str, channels: list[str]) -> np.ndarray:
    """Spend shares per (replication, day) row and channel."""
    d = c.daily[c.daily["setup"] == setup]
    wide = d.pivot_table(index=["replication", "day"], columns="channel", values="spend",
                         observed=True)[channels]
    return (wide.div(wide.sum(axis=1), axis=0)).to_numpy()


# ---- identical channels -----------------------------------------------------------------------

def identical_channels_dict(n: int = 3) -> dict[str, Any]:
    """Channels alike in every respect, equal plan shares, assets that never tire or expire."""
    names = [f"ch{i}" for i in range(n)]
    return {
        "name": "identical", "horizon_days": 364, "budget": {"daily": 30000.0},
        "formats": {"names": ["static"], "compatibility": [[1.0]]},
        "channels": [{
            "name": name, "adstock_alpha": 0.3, "hill_k": 12000.0, "hill_shape": 1.0,
            "max_daily_conversions": 400.0, "cpm": 10.0, "value_per_conversion": 50.0,
            "formats": ["static"], "fatigue_impressions": 1e12, "plan_share": 1.0 / n,
            "initial_assets": 5} for name in names],
        "demand": {"base_rate": 0.5, "growth": 1.0, "channel_mix": dict.fromkeys(names, 1.0)},
        "library": {"findability": {"siloed": 0.5, "shared": 0.5}, "max_live_assets": 5},
        "agencies": [{"name": "studio", "capacity": 4, "formats": ["static"], "channels": names,
                      "production_time": {"dist": "deterministic", "value": 1.0},
                      "adaptation_time": {"dist": "deterministic", "value": 0.25},
                      "cost_new": 100.0, "cost_adaptation": 20.0}],
        "allocator": {"min_share": 0.05, "max_share": 0.6},
        "setups": ["conductor", "oracle", LEARNER_AS_PLAN],
    }


@pytest.fixture(scope="module")
def identical() -> tuple[sim.Scenario, sim.Comparison]:
    scenario = sim.scenario_from_dict(identical_channels_dict())
    return scenario, sim.compare(scenario, replications=10, seed=0, jobs=2)


def test_oracle_splits_identical_channels_equally(
        identical: tuple[sim.Scenario, sim.Comparison]) -> None:
    scenario, c = identical
    shares = spend_shares(c, "oracle", scenario.channel_names)
    step = 1.0 / scenario.allocator.increments  # water-filling moves the budget in steps
    assert np.abs(shares - 1.0 / 3.0).max() <= step + 1e-9


def test_learner_loses_little_against_the_plan_on_identical_channels(
        identical: tuple[sim.Scenario, sim.Comparison]) -> None:
    """Equal shares are optimal here, so the plan is; the learner pays for exploring and for
    its noisy estimates. Measured (10 replications, seed 0): 0.39% of revenue [0.30%, 0.47%],
    at most 0.61% in a replication. A learner that never updates its prior loses 0.91%
    [0.77%, 1.05%]."""
    scenario, c = identical
    revenue = by_replication(c, "revenue")
    loss = ((revenue["plan"] - revenue["conductor"]) / revenue["plan"]).to_numpy()
    estimate = mean_ci(loss)
    assert estimate.ci_high < 0.0075, estimate
    assert loss.max() < 0.015, loss
    shares = spend_shares(c, "conductor", scenario.channel_names)
    assert np.abs(shares - 1.0 / 3.0).max() > 0.05  # it does explore: the test is not vacuous


# ---- the oracle bounds fixed plans and the learner ------------------------------------------

def slsqp_shares(scenario: sim.Scenario) -> np.ndarray:
    """Shares maximising steady-state revenue on the true curves, by an independent solver.

    ``sum_c V_c h_c (1 + h @ synergy)_c`` with ``V_c = value x max conversions x AI
    efficiency`` and ``h_c = hill(share_c x daily budget / (1 - alpha_c))``.
    """
    ch, cfg = scenario.channels, scenario.allocator
    value = (np.array([c.value_per_conversion * c.max_daily_conversions for c in ch])
             * ai_efficiency(scenario, scenario.levers("oracle")))
    alpha = np.array([c.adstock_alpha for c in ch])
    k = np.array([c.hill_k for c in ch])
    s = np.array([c.hill_shape for c in ch])
    synergy = np.array(scenario.synergy) if scenario.synergy else np.zeros((len(ch), len(ch)))
    budget = scenario.budget.daily_amount

    def minus_revenue(x: np.ndarray) -> float:
        h = hill(x * budget / (1.0 - alpha), k, s)
        return -float((value * h * (1.0 + h @ synergy)).sum())

    res = optimize.minimize(minus_revenue, np.full(len(ch), 1.0 / len(ch)), method="SLSQP",
                            bounds=[(cfg.min_share, cfg.max_share)] * len(ch),
                            constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1.0}])
    assert res.success, res.message
    plan = np.array([c.plan_share for c in ch])
    assert -res.fun > -minus_revenue(plan)  # it does improve on the annual plan
    return res.x / res.x.sum()


def oracle_margin(d: dict[str, Any], shares: np.ndarray | None, reps: int
                  ) -> tuple[Estimate, sim.Comparison]:
    c = sim.compare(with_shares(d, shares), setups=["oracle", "fixed"], replications=reps,
                    seed=1, jobs=2)
    w = by_replication(c)
    return paired_difference(w["oracle"].to_numpy(), w["fixed"].to_numpy()), c


def test_oracle_beats_every_fixed_plan_and_the_learner_on_the_baseline() -> None:
    """10 replications, seed 1. Measured: oracle - annual plan +1.49 M [+1.44, +1.54];
    - conductor +669 k [+626, +713]; - fixed at the oracle's average shares +267 k [+251,
    +283]; - SLSQP steady-state shares +1.03 M [+0.99, +1.06]."""
    d = baseline_dict()
    reps = 10
    c = sim.compare(with_shares(d), replications=reps, seed=1, jobs=2)
    w = by_replication(c)
    margins = {
        "annual plan": paired_difference(w["oracle"].to_numpy(), w["fixed"].to_numpy()),
        "learner": paired_difference(w["oracle"].to_numpy(), w["conductor"].to_numpy()),
    }
    scenario = with_shares(d)
    spend = c.daily[c.daily["setup"] == "oracle"].groupby("channel", observed=True)["spend"].sum()
    own = spend[scenario.channel_names].to_numpy() / spend.sum()
    for name, shares in (("own average shares", own), ("SLSQP shares", slsqp_shares(scenario))):
        margins[name], other = oracle_margin(d, shares, reps)
        fixed = spend_shares(other, "fixed", scenario.channel_names)
        np.testing.assert_allclose(fixed, np.broadcast_to(shares, fixed.shape), atol=1e-9)
    for name, m in margins.items():
        assert m.ci_low > 0, (name, m)
        assert m.ci_low > 2 * (m.ci_high - m.mean), (name, m)  # zero is far outside the CI


def test_every_allocation_is_the_same_with_one_channel() -> None:
    """no_gain has one channel: every allocation spends the whole budget on it, so the oracle,
    the learner and any fixed plan buy the same media and earn exactly the same. "The oracle
    beats every fixed plan, CI above zero" cannot hold in such a world; this test pins the
    reason (equality) instead."""
    d = yaml.safe_load((ROOT / "scenarios" / "no_gain.yaml").read_text(encoding="utf-8"))
    c = sim.compare(with_shares(d), replications=3, seed=1, jobs=2)
    w = by_replication(c)
    assert (w["oracle"] == w["fixed"]).all() and (w["conductor"] == w["fixed"]).all()
    spend = c.daily.pivot_table(index=["replication", "day"], columns="setup", values="spend")
    budget = spend["fixed"].to_numpy()
    for setup in ("oracle", "conductor"):
        np.testing.assert_allclose(spend[setup].to_numpy(), budget, rtol=1e-12)
    assert paired_difference(w["oracle"].to_numpy(), w["fixed"].to_numpy()).mean == 0.0
