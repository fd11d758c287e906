"""Figures of a comparison, drawn from the result tables only (never from model objects).

Every ``plot_*`` function builds and returns a :class:`matplotlib.figure.Figure` without pyplot
(no global figure registry, nothing to leak, works under any backend); :func:`make_plots` saves
them as PNGs. Aggregation is done with ``groupby`` over whole tables, so a daily table of a
million rows is fine.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.files import write_atomic
from sim.report.figure_data import (
    backlog_curve,
    cumulative_net,
    lead_times,
    mean_daily_by_channel,
    replications_per_setup,
    revenue_by_channel,
    t_half_width,
)
from sim.report.labels import money_label, money_scale
from sim.report.operations_figures import operations_builders
from sim.report.style import (
    Color,
    channel_colors,
    legend_outside,
    line_style,
    new_figure,
    setup_colors,
)
from sim.tables.comparison import DEFAULT_REFERENCE, ordered_setups
from sim.tables.stats import mean_ci

PLOT_NAMES: tuple[str, ...] = (
    "cumulative_net_contribution",
    "spend_allocation",
    "lead_time",
    "backlog",
    "reuse_utilization",
    "revenue_by_channel",
    "time_by_step",
    "utilization_over_time",
)
DPI = 110

DAILY_COLUMNS = ("setup", "replication", "day", "channel", "spend", "revenue")
REQUEST_COLUMNS = ("setup", "replication", "arrival", "finish")
SUMMARY_COLUMNS = ("setup", "replication", "reuse_rate", "agency_utilization")


# -- shared helpers ------------------------------------------------------------------------------


def _present(setups: Sequence[str], values: Iterable[object]) -> list[str]:
    available = {str(v) for v in values}
    return [s for s in setups if s in available]


def _require(table: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{name} table has no column(s) {missing}")


# -- cumulative net contribution -----------------------------------------------------------------


def plot_cumulative_net_contribution(
    daily: pd.DataFrame, setups: Sequence[str], colors: Mapping[str, Color],
    currency: str = "EUR", requests: pd.DataFrame | None = None,
    summary: pd.DataFrame | None = None,
) -> Figure:
    """Mean cumulative net contribution per setup over days, with a 95% CI band."""
    _require(daily, DAILY_COLUMNS, "daily")
    cum = cumulative_net(daily, requests, summary)
    days = cum.columns.to_numpy(dtype=float)
    factor, word = money_scale(float(np.nanmax(np.abs(cum.to_numpy()))) if cum.size else 0.0)
    fig, (ax,) = new_figure()
    for setup in _present(setups, cum.index.get_level_values("setup")):
        values = cum.xs(setup, level="setup").to_numpy(dtype=float) / factor
        mean = values.mean(axis=0)
        half = t_half_width(values.std(axis=0, ddof=1) if len(values) > 1
                            else np.full_like(mean, np.nan), np.full_like(mean, len(values)))
        ax.plot(days, mean, label=setup, **line_style(setups, colors, setup))
        if np.isfinite(half).any():
            ax.fill_between(days, mean - half, mean + half, color=colors[setup], alpha=0.2,
                            linewidth=0)
    ax.axhline(0, color="grey", linewidth=0.8)
    costs = "production cost on delivery day, platform cost spread evenly"
    ax.set_title("Cumulative net contribution (revenue - media spend - production - platform)\n"
                 f"mean over replications, band: 95% CI; {costs}", fontsize=10)
    ax.set_xlabel("day")
    ax.set_ylabel(money_label("cumulative net contribution", currency, word))
    legend_outside(ax, title="setup")
    ax.grid(alpha=0.3)
    return fig


# -- spend allocation ----------------------------------------------------------------------------


def plot_spend_allocation(
    daily: pd.DataFrame, setups: Sequence[str], n_replications: Mapping[str, int],
    currency: str = "EUR",
) -> Figure:
    """Daily spend by channel as stacked areas; the first two setups side by side (shared y)."""
    _require(daily, DAILY_COLUMNS, "daily")
    spend = mean_daily_by_channel(daily, "spend", n_replications)
    shown = _present(setups, spend.index.get_level_values("setup"))[:2]
    channels = [str(c) for c in spend.columns]
    ccolors = channel_colors(channels)
    total_max = float(spend.sum(axis=1).max()) if len(spend) else 0.0
    factor, word = money_scale(total_max)
    fig, axes = new_figure(ncols=max(len(shown), 1), width=11.0 if len(shown) > 1 else 8.0,
                            sharey=True)
    for ax, setup in zip(axes, shown, strict=False):
        table = spend.xs(setup, level="setup").sort_index()
        ax.stackplot(table.index.to_numpy(dtype=float), table.to_numpy(dtype=float).T / factor,
                     labels=channels, colors=[ccolors[c] for c in channels], alpha=0.9)
        ax.set_title(setup)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(money_label("media spend per day", currency, word))
    legend_outside(axes[-1], title="channel")
    fig.suptitle("Daily media spend by channel (stacked, mean over replications)")
    return fig


# -- lead time -----------------------------------------------------------------------------------


def plot_lead_time(requests: pd.DataFrame, setups: Sequence[str],
                   colors: Mapping[str, Color]) -> Figure:
    """Box plot of content lead time of finished requests per setup (mean marked)."""
    _require(requests, REQUEST_COLUMNS, "requests")
    lt = lead_times(requests)
    groups = {str(k): v.to_numpy(dtype=float) for k, v in lt.groupby("setup")["lead_time"]}
    open_counts = requests["finish"].isna().groupby(requests["setup"]).sum()
    shown = _present(setups, requests["setup"].unique())
    data = [groups.get(s, np.array([], dtype=float)) for s in shown]
    fig, (ax,) = new_figure(width=max(7.0, 1.8 * len(shown) + 3.5))
    positions = np.arange(1, len(shown) + 1)
    filled = [i for i, d in enumerate(data) if len(d)]
    if filled:
        box = ax.boxplot(
            [data[i] for i in filled], positions=positions[filled], whis=(5, 95),
            showfliers=False, showmeans=True, patch_artist=True, widths=0.6,
            medianprops={"color": "black"},
            meanprops={"marker": "D", "markerfacecolor": "white", "markeredgecolor": "black"},
        )
        for patch, i in zip(box["boxes"], filled, strict=True):
            patch.set_facecolor(colors[shown[i]])
            patch.set_alpha(0.8)
    ax.set_xticks(positions)
    ax.set_xticklabels([
        f"{s}\n{len(d):,} done\n{int(open_counts.get(s, 0)):,} open" for s, d in zip(
            shown, data, strict=True)
    ])
    ax.set_xlim(0.4, len(shown) + 0.6)
    ax.set_title("Content lead time of finished requests (finish - arrival)\n"
                 "all replications pooled; requests still open at the horizon excluded")
    ax.set_xlabel("setup (finished / open requests over all replications)")
    ax.set_ylabel("lead time (days)")
    legend_outside(ax, handles=[
        Patch(facecolor="lightgrey", edgecolor="black", label="25-75% of requests"),
        Line2D([], [], color="black", label="median"),
        Line2D([], [], color="black", marker="D", markerfacecolor="white", linestyle="none",
               label="mean"),
        Line2D([], [], color="black", marker="_", markersize=12, linestyle="none",
               label="whiskers: 5% and 95%"),
    ])
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    return fig


# -- backlog -------------------------------------------------------------------------------------


def plot_backlog(requests: pd.DataFrame, setups: Sequence[str],
                 colors: Mapping[str, Color], n_replications: Mapping[str, int],
                 last_day: int | None = None) -> Figure:
    """Mean number of open content requests (arrived, not finished) per day and setup."""
    _require(requests, REQUEST_COLUMNS, "requests")
    curve = backlog_curve(requests, n_replications, last_day)
    fig, (ax,) = new_figure()
    days = curve.index.to_numpy(dtype=float)
    for setup in _present(setups, curve.columns):
        ax.plot(days, curve[setup].to_numpy(), label=setup, drawstyle="steps-post",
                **line_style(setups, colors, setup))
    ax.set_title("Open backlog of content requests (arrived, not yet finished)\n"
                 "end of day, mean over replications")
    ax.set_xlabel("day")
    ax.set_ylabel("open requests (count)")
    ax.set_ylim(bottom=0)
    legend_outside(ax, title="setup")
    ax.grid(alpha=0.3)
    return fig


# -- reuse and utilisation -----------------------------------------------------------------------
def plot_reuse_utilization(summary: pd.DataFrame, setups: Sequence[str],
                           colors: Mapping[str, Color]) -> Figure:
    """Bars of reuse rate and agency utilisation per setup with 95% CI error bars."""
    _require(summary, SUMMARY_COLUMNS, "summary")
    shown = _present(setups, summary["setup"].unique())
    panels = (
        ("reuse_rate", "Reuse rate", "reuse rate (share of requests reused)"),
        ("agency_utilization", "Agency utilisation", "agency utilisation (share busy)"),
    )
    fig, axes = new_figure(ncols=2, width=10.0)
    x = np.arange(len(shown))
    for ax, (metric, title, ylabel) in zip(axes, panels, strict=True):
        values = {str(k): v.to_numpy(dtype=float) for k, v in summary.groupby("setup")[metric]}
        estimates = [mean_ci(values[s]) for s in shown]
        means = np.array([e.mean for e in estimates])
        errors = np.array([[e.mean - e.ci_low, e.ci_high - e.mean] for e in estimates]).T
        for i, setup in enumerate(shown):
            ax.bar(x[i], means[i], color=colors[setup], label=setup, width=0.7)
        if len(shown):
            ax.errorbar(x, means, yerr=np.nan_to_num(errors), fmt="none", ecolor="black",
                        capsize=5, label="95% CI")
        ax.set_xticks(x)
        ax.set_xticklabels(shown)
        ax.set_title(title)
        ax.set_xlabel("setup")
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
    legend_outside(axes[-1])
    fig.suptitle("Asset reuse and agency utilisation (mean over replications, 95% CI)")
    return fig


# -- revenue by channel --------------------------------------------------------------------------


def plot_revenue_by_channel(daily: pd.DataFrame, setups: Sequence[str],
                            colors: Mapping[str, Color],
                            currency: str = "EUR") -> Figure:
    """Grouped bars of revenue over the horizon by channel, one bar per setup, 95% CI."""
    _require(daily, DAILY_COLUMNS, "daily")
    table = revenue_by_channel(daily)
    shown = _present(setups, table.index.get_level_values("setup"))
    channels = [str(c) for c in dict.fromkeys(table.index.get_level_values("channel"))]
    factor, word = money_scale(float(table["ci_high"].abs().max()) if len(table) else 0.0)
    fig, (ax,) = new_figure(width=min(14.0, max(8.0, 0.35 * len(channels) * len(shown) + 4)))
    x = np.arange(len(channels))
    width = 0.8 / max(len(shown), 1)
    for i, setup in enumerate(shown):
        rows = table.xs(setup, level="setup").reindex(channels)
        mean = rows["mean"].to_numpy(dtype=float) / factor
        err = np.vstack([mean - rows["ci_low"].to_numpy(dtype=float) / factor,
                         rows["ci_high"].to_numpy(dtype=float) / factor - mean])
        ax.bar(x + (i - (len(shown) - 1) / 2) * width, mean, width=width, color=colors[setup],
               label=setup, yerr=np.nan_to_num(err), capsize=3,
               error_kw={"elinewidth": 1, "ecolor": "black"})
    ax.set_xticks(x)
    ax.set_xticklabels(channels)
    ax.set_title("Revenue by channel over the horizon\n"
                 "mean per replication, error bars: 95% CI")
    ax.set_xlabel("channel")
    ax.set_ylabel(money_label("revenue per replication", currency, word))
    legend_outside(ax, title="setup")
    ax.grid(axis="y", alpha=0.3)
    return fig


# -- all plots -----------------------------------------------------------------------------------
def _usable(table: pd.DataFrame, columns: Iterable[str]) -> bool:
    return not table.empty and all(c in table.columns for c in columns)


def figure_builders(
    summary: pd.DataFrame,
    daily: pd.DataFrame,
    requests: pd.DataFrame,
    currency: str = "EUR",
    reference: str = DEFAULT_REFERENCE,
    steps: pd.DataFrame | None = None,
    resources: pd.DataFrame | None = None,
) -> dict[str, Callable[[], Figure]]:
    """Return a figure builder per plot whose input table is present and non-empty.

    Setups are ordered reference first, then by first appearance (summary, daily, requests);
    each setup keeps its colour in every figure. ``steps`` and ``resources`` (the operations
    tables) add the figures of :mod:`sim.report.operations_figures`.
    """
    setups = ordered_setups(chain.from_iterable(
        t["setup"].unique() for t in (summary, daily, requests) if "setup" in t.columns
    ), reference)
    colors = setup_colors(setups)
    reps = replications_per_setup(summary, daily, requests)
    last_day = int(daily["day"].max()) if _usable(daily, ["day"]) else None
    builders: dict[str, tuple[bool, Callable[[], Figure]]] = {
        "cumulative_net_contribution": (
            _usable(daily, DAILY_COLUMNS),
            lambda: plot_cumulative_net_contribution(daily, setups, colors, currency, requests,
                                                     summary),
        ),
        "spend_allocation": (
            _usable(daily, DAILY_COLUMNS),
            lambda: plot_spend_allocation(daily, setups, reps, currency),
        ),
        "lead_time": (
            _usable(requests, REQUEST_COLUMNS),
            lambda: plot_lead_time(requests, setups, colors),
        ),
        "backlog": (
            _usable(requests, REQUEST_COLUMNS),
            lambda: plot_backlog(requests, setups, colors, reps, last_day),
        ),
        "reuse_utilization": (
            _usable(summary, SUMMARY_COLUMNS),
            lambda: plot_reuse_utilization(summary, setups, colors),
        ),
        "revenue_by_channel": (
            _usable(daily, DAILY_COLUMNS),
            lambda: plot_revenue_by_channel(daily, setups, colors, currency),
        ),
        **operations_builders(steps, resources, requests, setups),
    }
    return {name: build for name, (ok, build) in builders.items() if ok}


def build_figures(
    summary: pd.DataFrame,
    daily: pd.DataFrame,
    requests: pd.DataFrame,
    currency: str = "EUR",
    reference: str = DEFAULT_REFERENCE,
    steps: pd.DataFrame | None = None,
    resources: pd.DataFrame | None = None,
) -> dict[str, Figure]:
    """Build every available figure at once, keyed by plot name (see :func:`figure_builders`)."""
    builders = figure_builders(summary, daily, requests, currency, reference, steps, resources)
    return {name: build() for name, build in builders.items()}


def save_figure(fig: Figure, path: Path, **kwargs: Any) -> Path:
    """Save a matplotlib figure atomically (format from the file suffix); return the path."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=path.suffix.lstrip(".") or "png", **kwargs)
    write_atomic(path, buffer.getvalue())
    return path


def make_plots(
    summary: pd.DataFrame,
    daily: pd.DataFrame,
    requests: pd.DataFrame,
    out_dir: Path,
    currency: str = "EUR",
    *,
    reference: str = DEFAULT_REFERENCE,
    steps: pd.DataFrame | None = None,
    resources: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write the plots as ``out_dir/<name>.png`` and return ``{name: path}`` in a fixed order.

    Names are :data:`PLOT_NAMES`; a plot whose input table is empty or lacks columns is left
    out. ``spend_allocation`` shows the reference and the first other setup (or the first two
    setups when there is no reference).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    builders = figure_builders(summary, daily, requests, currency, reference, steps, resources)
    for name, build in builders.items():
        fig = build()
        path = out_dir / f"{name}.png"
        fig.savefig(path, dpi=DPI)
        fig.clear()
        paths[name] = path
    return paths


__all__ = [
    "PLOT_NAMES", "backlog_curve", "build_figures", "cumulative_net", "figure_builders",
    "lead_times", "make_plots", "plot_backlog", "plot_cumulative_net_contribution",
    "plot_lead_time", "plot_reuse_utilization", "plot_revenue_by_channel",
    "plot_spend_allocation", "revenue_by_channel",
]
