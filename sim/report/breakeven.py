"""The break-even of the platform from a comparison: its figures, its plot and its reading."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.files import write_atomic
from sim.report.figure_data import cumulative_net, t_half_width
from sim.report.figures import DPI, save_figure
from sim.report.labels import money_label, money_scale
from sim.report.style import new_figure
from sim.tables.breakeven import Breakeven, breakeven


def analyse(summary: pd.DataFrame, daily: pd.DataFrame, requests: pd.DataFrame, setup: str,
            reference: str, horizon_days: int) -> Breakeven:
    """Break-even, payback and ROI of ``setup`` against ``reference`` from result tables."""
    two = [setup, reference]
    cumulative = cumulative_net(daily[daily["setup"].isin(two)],
                                requests[requests["setup"].isin(two)],
                                summary[summary["setup"].isin(two)])
    return breakeven(summary, cumulative, setup, reference, horizon_days)


def plot_breakeven(result: Breakeven, currency: str = "EUR") -> Figure:
    """Mean cumulative paired gain over days with its 95% CI band and the payback day."""
    curves = result.curves.to_numpy(dtype=float)
    days = result.curves.columns.to_numpy(dtype=float)
    factor, word = money_scale(float(np.nanmax(np.abs(curves))) if curves.size else 0.0)
    values = curves / factor
    mean = values.mean(axis=0)
    n = len(values)
    std = values.std(axis=0, ddof=1) if n > 1 else np.full_like(mean, np.nan)
    half = t_half_width(std, np.full_like(mean, n))
    fig, (ax,) = new_figure()
    label = f"{result.setup} - {result.reference} (mean)"
    ax.plot(days, mean, color="tab:blue", linewidth=2.0, label=label)
    if np.isfinite(half).any():
        ax.fill_between(days, mean - half, mean + half, color="tab:blue", alpha=0.2,
                        linewidth=0, label="95% CI")
    ax.axhline(0, color="grey", linewidth=0.8)
    if not math.isnan(result.payback.mean):
        ax.axvline(result.payback.mean, color="tab:green", linestyle="--", linewidth=1.2,
                   label=f"payback day {result.payback.mean:.0f} (mean)")
    ax.set_title(f"Cumulative paired gain in net contribution, {result.setup} - "
                 f"{result.reference}\nplatform at {result.monthly_cost_now:,.0f} {currency} "
                 "a month, spread evenly; band: 95% CI over replications", fontsize=10)
    ax.set_xlabel("day")
    ax.set_ylabel(money_label("cumulative paired gain", currency, word))
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def reading(result: Breakeven, currency: str = "EUR") -> list[str]:
    """A few lines for the terminal: break-even, payback day and ROI with their CIs."""
    cost, pay, roi = result.monthly_cost, result.payback, result.roi
    reps = len(result.payback_days)
    platform = result.monthly_cost_now * result.months
    lines = [f"break-even platform cost: {cost.mean:,.0f} {currency}/month "
             f"[95% CI {cost.ci_low:,.0f}, {cost.ci_high:,.0f}] "
             f"({result.setup} vs {result.reference}, {reps} replications; "
             f"the scenario's cost is {result.monthly_cost_now:,.0f})"]
    if not result.pays:
        lines.append(f"{result.setup} never pays for its platform: its gain over "
                     f"{result.reference} before the platform cost is not above zero "
                     "(break-even <= 0 within its 95% CI)")
    if result.never == reps:
        lines.append(f"payback: never, at the scenario's platform cost (0 of {reps} "
                     "replications pay back)")
    else:
        never = f"; {result.never} of {reps} replications never pay back" if result.never else ""
        lines.append(f"payback day: {pay.mean:.0f} [95% CI {pay.ci_low:.0f}, {pay.ci_high:.0f}]"
                     f"{never}")
    if not math.isnan(roi.mean):
        lines.append(f"ROI of the platform: {roi.mean:.2f} [95% CI {roi.ci_low:.2f}, "
                     f"{roi.ci_high:.2f}] (net gain {result.gain.mean:,.0f} {currency} over "
                     f"{result.horizon_days} days on {platform:,.0f} {currency} of platform cost)")
    return lines


def payback_sentence(result: Breakeven) -> str:
    """The payback day and the platform's ROI as one sentence of the report's answer."""
    reps = len(result.payback_days)
    if result.never == reps:
        text = f"At the scenario's platform cost it never pays back (0 of {reps} replications)"
    elif result.never == 0 and max(result.payback_days) == 0:
        text = "It pays back from the first day in every replication"
    else:
        pay = result.payback
        never = f"; {result.never} of {reps} replications never do" if result.never else ""
        text = (f"It pays back from day {pay.mean:.0f} [{pay.ci_low:.0f}, {pay.ci_high:.0f}]"
                f"{never}")
    roi = result.roi
    if not math.isnan(roi.mean):
        text += (f", with a platform ROI of {roi.mean:.2f} [{roi.ci_low:.2f}, {roi.ci_high:.2f}] "
                 "(net gain per unit of platform cost)")
    return text + "."


def answer_payback(summary: pd.DataFrame, daily: pd.DataFrame, requests: pd.DataFrame,
                   setup: str, reference: str) -> str:
    """:func:`payback_sentence` of ``setup`` against ``reference``, '' when it does not apply.

    It applies when both setups were run and ``setup`` pays a platform cost.
    """
    setups = set(summary["setup"])
    if {setup, reference} - setups or "platform_cost" not in summary.columns or daily.empty:
        return ""
    if not (summary.loc[summary["setup"] == setup, "platform_cost"] > 0).all():
        return ""
    horizon = int(daily["day"].max()) + 1
    return payback_sentence(analyse(summary, daily, requests, setup, reference, horizon))


def write_breakeven(result: Breakeven, out: Path, extra: dict[str, object],
                    currency: str = "EUR") -> list[Path]:
    """Write ``breakeven.json`` and ``breakeven.png`` into ``out``, each atomically."""
    info = {**extra, "currency": currency, **result.to_json()}
    json_path = out / "breakeven.json"
    write_atomic(json_path, json.dumps(info, indent=2) + "\n")
    fig = plot_breakeven(result, currency)
    png = save_figure(fig, out / "breakeven.png", dpi=DPI)
    fig.clear()
    return [json_path, png]


__all__ = ["analyse", "answer_payback", "payback_sentence", "plot_breakeven", "reading",
           "write_breakeven"]
