"""Turn one run's plain records into tables: a summary row, daily rows, request rows.

This is the only place where records become DataFrames, once, after the run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.schema import Scenario
from sim.scenario.setups import Levers
from sim.tables.columns import constant_label, labels
from sim.tables.operations import admin_share, resource_summary
from sim.world.records import RunRecords

DAYS_PER_MONTH = 365.25 / 12
SUMMARY_METRICS: tuple[str, ...] = (
    "revenue", "media_spend", "conversions", "roas", "cpa", "wasted_spend", "production_cost",
    "wip_cost", "platform_cost", "net_contribution", "requests_arrived", "requests_finished",
    "requests_late", "requests_open", "reuse_rate", "lead_time_mean", "lead_time_p50",
    "lead_time_p95", "agency_utilization", "reviewer_utilization", "revenue_first_half",
    "revenue_second_half", "wasted_share", "admin_share",
)
"""The fixed metric columns of a summary row, in order (after scenario, setup, replication,
seed); the per-resource columns of :func:`sim.tables.operations.resource_summary` follow."""


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den > 0 else float("nan")


def summarize(scenario: Scenario, setup: str, levers: Levers, replication: int, seed: int,
              rec: RunRecords) -> dict[str, Any]:
    """One summary row: money in the scenario's currency, times in days."""
    d, log, req = rec.daily, rec.log, rec.requests
    horizon = scenario.horizon_days
    revenue = float(d.revenue.sum())
    spend = float(d.spend.sum())
    conversions = float(d.conversions.sum())
    production = float(log.cost.sum())
    wip = float(log.wip_cost.sum())
    platform = (scenario.platform.monthly_cost * horizon / DAYS_PER_MONTH
                if levers.platform else 0.0)
    done = ~np.isnan(log.finish)
    lead = log.finish[done] - req.arrival[done]
    half = horizon // 2
    return {
        "scenario": scenario.name,
        "setup": setup,
        "replication": replication,
        "seed": seed,
        "revenue": revenue,
        "media_spend": spend,
        "conversions": conversions,
        "roas": _ratio(revenue, spend),
        "cpa": _ratio(spend, conversions),
        "wasted_spend": float(d.wasted_spend.sum()),
        "production_cost": production,
        "wip_cost": wip,
        "platform_cost": platform,
        "net_contribution": revenue - spend - production - wip - platform,
        "requests_arrived": len(req),
        "requests_finished": int(done.sum()),
        "requests_late": int((log.finish[done] > req.due[done]).sum()),
        "requests_open": int((~done).sum()),
        "reuse_rate": _ratio(float(log.reused[done].sum()), float(done.sum())),
        "lead_time_mean": float(lead.mean()) if len(lead) else float("nan"),
        "lead_time_p50": float(np.median(lead)) if len(lead) else float("nan"),
        "lead_time_p95": float(np.percentile(lead, 95)) if len(lead) else float("nan"),
        "agency_utilization": _ratio(float(rec.team_busy.sum()),
                                     float(rec.team_capacity.sum()) * horizon),
        "reviewer_utilization": _ratio(float(rec.stage_busy.sum()),
                                       float(rec.stage_capacity.sum()) * horizon),
        "revenue_first_half": float(d.revenue[:half].sum()),
        "revenue_second_half": float(d.revenue[half:].sum()),
        "wasted_share": _ratio(float(d.wasted_spend.sum()), spend),
        "admin_share": admin_share(rec),
        **resource_summary(rec, float(horizon)),
    }


def daily_table(scenario: Scenario, setup: str, replication: int, rec: RunRecords
                ) -> pd.DataFrame:
    """One row per day and channel."""
    d = rec.daily
    days, n = d.spend.shape
    return pd.DataFrame({
        "setup": constant_label(setup, days * n),
        "replication": replication,
        "day": np.repeat(np.arange(days), n),
        "channel": pd.Categorical(np.tile(scenario.channel_names, days),
                                  categories=scenario.channel_names),
        "spend": d.spend.ravel(),
        "impressions": d.impressions.ravel(),
        "conversions": d.conversions.ravel(),
        "revenue": d.revenue.ravel(),
        "creative_quality": d.quality.ravel(),
        "live_assets": d.live_assets.ravel().astype(np.int64),
        "wasted_spend": d.wasted_spend.ravel(),
    })


def requests_table(scenario: Scenario, setup: str, replication: int, rec: RunRecords
                   ) -> pd.DataFrame:
    """One row per content request; ``finish`` is NaN for requests open at the horizon."""
    req, log = rec.requests, rec.log
    teams = [*rec.team_names, ""]  # "" for a request not started
    done = ~np.isnan(log.finish)
    return pd.DataFrame({
        "setup": constant_label(setup, len(req)),
        "replication": replication,
        "request_id": np.arange(len(req)),
        "channel": labels(scenario.channel_names, req.channel),
        "format": labels(scenario.formats.names, req.format),
        "campaign": req.campaign,
        "arrival": req.arrival,
        "due": req.due,
        "finish": log.finish,
        "reused": log.reused,
        "agency": labels(teams, np.where(log.team < 0, len(teams) - 1, log.team)),
        "revisions": log.revisions,
        "late": done & (log.finish > req.due),
        "cost": log.cost,
        "wip_cost": log.wip_cost,
        "work_days": log.work,
    })
