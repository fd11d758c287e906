"""Figures of the content operations: where a request's time goes and how busy each resource is.

Drawn from the ``steps`` and ``resources`` tables (see :mod:`sim.tables.operations`), which a
results folder written before they existed may lack: then these figures are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from sim.report.style import Color, legend_outside, new_figure
from sim.tables.operations import SATURATED, time_by_step, weekly_utilization
from sim.world.steps import STEP_KINDS

STEP_COLUMNS = ("setup", "replication", "request_id", "step", "resource", "start", "end")
RESOURCE_COLUMNS = ("setup", "replication", "day", "resource", "busy", "capacity", "queue")
STEP_LABELS: dict[str, str] = {
    "handoff": "hand-off",
    "wait_team": "waiting for a person",
    "work": "work",
    "revision_handoff": "revision hand-off",
    "wait_revision": "waiting to revise",
    "revision": "revision work",
    "wait_review": "waiting for a reviewer",
    "review": "review",
}


def plot_time_by_step(steps: pd.DataFrame, requests: pd.DataFrame,
                      setups: Sequence[str]) -> Figure:
    """Stacked bars: a finished request's mean lead time, split by step, one bar per setup."""
    table = time_by_step(steps, requests).pivot(index="setup", columns="step", values="days")
    shown = [s for s in setups if s in table.index]
    table = table.reindex(index=shown, columns=list(STEP_KINDS)).fillna(0.0)
    cmap = colormaps["tab20"]
    fig, (ax,) = new_figure(width=9.0, height=max(2.5, 0.7 * len(shown) + 1.8))
    left = np.zeros(len(shown))
    for i, step in enumerate(STEP_KINDS):
        values = table[step].to_numpy()
        ax.barh(shown, values, left=left, color=cmap(i), label=STEP_LABELS[step])
        left += values
    for y, total in enumerate(left):
        ax.text(total, y, f" {total:.1f} d", va="center", fontsize="small")
    ax.invert_yaxis()
    ax.set_xlim(0, max(float(left.max(initial=0.0)) * 1.15, 1.0))
    ax.set_xlabel("days per finished request (mean over all replications)")
    ax.set_ylabel("setup")
    ax.set_title("Where the time goes: lead time of finished requests by step")
    legend_outside(ax)
    ax.grid(axis="x", alpha=0.3)
    return fig


def plot_utilization_over_time(resources: pd.DataFrame, setups: Sequence[str]) -> Figure:
    """One panel per setup: each resource's weekly utilisation, the saturation line dashed."""
    weekly = weekly_utilization(resources)
    shown = [s for s in setups if s in set(weekly["setup"])]
    names = list(dict.fromkeys(weekly["resource"].astype(str)))
    colors: Mapping[str, Color] = {n: colormaps["tab10"](i % 10) for i, n in enumerate(names)}
    fig, axes = new_figure(ncols=len(shown), width=max(8.0, 3.6 * len(shown) + 2.0),
                           height=4.2, sharey=True)
    for ax, setup in zip(axes, shown, strict=True):
        part = weekly[weekly["setup"] == setup]
        for name, line in part.groupby(part["resource"].astype(str), sort=False):
            ax.plot(line["first_day"], line["utilization"], color=colors[name], label=name)
        ax.axhline(SATURATED, color="black", linestyle="--", linewidth=1)
        ax.set_title(setup)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("busy share of capacity (weekly, mean over replications)")
    axes[0].set_ylim(0, 1.05)
    legend_outside(axes[-1], title=f"resource (dashed: {SATURATED:.0%})")
    fig.suptitle("Utilisation of each team and approval stage over time")
    return fig


def operations_builders(steps: pd.DataFrame | None, resources: pd.DataFrame | None,
                        requests: pd.DataFrame, setups: Sequence[str]
                        ) -> dict[str, tuple[bool, Callable[[], Figure]]]:
    """The two operations figures, each with whether its tables are there to draw it."""
    steps = pd.DataFrame() if steps is None else steps
    resources = pd.DataFrame() if resources is None else resources
    has_steps = _has(steps, STEP_COLUMNS) and _has(requests, ("request_id", "finish"))
    return {
        "time_by_step": (has_steps, lambda: plot_time_by_step(steps, requests, setups)),
        "utilization_over_time": (_has(resources, RESOURCE_COLUMNS),
                                  lambda: plot_utilization_over_time(resources, setups)),
    }


def _has(table: pd.DataFrame, columns: Sequence[str]) -> bool:
    return not table.empty and all(c in table.columns for c in columns)
