"""Figures of a comparison, drawn from the result tables only (never from model objects).

Every ``plot_*`` function builds and returns a :class:`matplotlib.figure.Figure` without pyplot
(no global figure registry, nothing to leak, works under any backend); :func:`make_plots` saves
them as PNGs. Aggregation is done with ``groupby`` over whole tables, so a daily table of a
million rows is fine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from scipy import stats

from sim.report import DEFAULT_REFERENCE, ordered_setups
from sim.stats import mean_ci

PLOT_NAMES: tuple[str, ...] = (
    "cumulative_net_contribution",
    "spend_allocation",
    "lead_time",
    "backlog",
    "reuse_utilization",
    "revenue_by_channel",
)
DPI = 110
Color = tuple[float, float, float, float]
CI_LEVEL = 0.95

DAILY_COLUMNS = ("setup", "replication", "day", "channel", "spend", "revenue")
REQUEST_COLUMNS = ("setup", "replication", "arrival", "finish")
SUMMARY_COLUMNS = ("setup", "replication", "reuse_rate", "agency_utilization")


# -- shared helpers ------------------------------------------------------------------------------
def setup_colors(setups: Sequence[str]) -> dict[str, Color]:
    """A fixed colour per setup (tab10, in the given order), the same in every plot."""
    cmap = colormaps["tab10"]
    return {s: cmap(i % 10) for i, s in enumerate(setups)}


def setup_line_styles(setups: Sequence[str]) -> dict[str, dict[str, object]]:
    """Colour, dash pattern and width per setup, so curves that coincide stay visible."""
    colors = setup_colors(setups)
    dashes = ("-", "--", ":", "-.")
    return {
        s: {"color": colors[s], "linestyle": dashes[i % len(dashes)],
            "linewidth": 2.2 if i % len(dashes) == 0 else 1.8}
        for i, s in enumerate(setups)
    }


def channel_colors(channels: Sequence[str]) -> dict[str, Color]:
    """A colour per channel, from a palette distinct from the setups' one."""
    cmap = colormaps["Set2" if len(channels) <= 8 else "tab20"]
    return {c: cmap(i % cmap.N) for i, c in enumerate(channels)}


def money_scale(max_abs: float) -> tuple[float, str]:
    """Divisor and word for a money axis: ``(1e6, "million")`` for values in the millions."""
    for threshold, factor, word in ((1e9, 1e9, "billion"), (1e6, 1e6, "million"),
                                    (1e4, 1e3, "thousand")):
        if max_abs >= threshold:
            return factor, word
    return 1.0, ""


def money_label(what: str, currency: str, word: str) -> str:
    """Axis label such as ``revenue (EUR million)``."""
    unit = f"{currency} {word}".strip()
    return f"{what} ({unit})"


def t_half_width(std: np.ndarray, n: np.ndarray, level: float = CI_LEVEL) -> np.ndarray:
    """Half-width of the Student-t CI of a mean, element-wise; NaN where ``n < 2``."""
    n_arr = np.asarray(n, dtype=float)
    std_arr = np.asarray(std, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stats.t.ppf(0.5 + level / 2, np.where(n_arr >= 2, n_arr - 1, np.nan))
        return np.asarray(q * std_arr / np.sqrt(n_arr), dtype=float)


def replications_per_setup(*tables: pd.DataFrame) -> dict[str, int]:
    """Number of distinct replications per setup, the largest seen over the given tables."""
    counts: dict[str, int] = {}
    for table in tables:
        if table.empty or not {"setup", "replication"} <= set(table.columns):
            continue
        for setup, n in table.groupby("setup")["replication"].nunique().items():
            counts[str(setup)] = max(counts.get(str(setup), 0), int(n))
    return counts


def _new_figure(ncols: int = 1, width: float = 8.0, height: float = 4.5,
                sharey: bool = False) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols, sharey=sharey, squeeze=False)
    return fig, [ax for ax in axes.ravel()]


def _line_style(setups: Sequence[str], colors: Mapping[str, Color],
                setup: str) -> dict[str, Any]:
    """Line style of ``setup``: its colour and the dash pattern of its position."""
    style: dict[str, Any] = dict(setup_line_styles(list(setups))[setup])
    style["color"] = colors[setup]
    return style


def _legend_outside(ax: Axes, **kwargs: object) -> None:
    """Legend to the right of the axes, so it never hides data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", **kwargs)


def _present(setups: Sequence[str], values: Iterable[object]) -> list[str]:
    available = {str(v) for v in values}
    return [s for s in setups if s in available]


def _require(table: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{name} table has no column(s) {missing}")


# -- cumulative net contribution -----------------------------------------------------------------
def cumulative_net(daily: pd.DataFrame, requests: pd.DataFrame | None = None,
                   summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cumulative net contribution per replication: revenue - media spend - costs.

    A request's production cost is counted on its delivery day (open requests cost nothing
    yet, as in the summary); the platform cost (from the summary) is spread evenly over the
    days, so the last day equals the summary's ``net_contribution``. Without requests or
    summary those costs are left out.
    Index ``(setup, replication)``, one column per day (days with no rows count as 0).
    """
    net = daily.assign(_net=daily["revenue"] - daily["spend"])
    per_day = net.groupby(["setup", "replication", "day"])["_net"].sum()
    wide = per_day.unstack("day", fill_value=0).sort_index(axis=1)
    if requests is not None and {"cost", "finish"} <= set(requests.columns) and len(requests):
        done = requests[requests["finish"].notna()]
        day = np.minimum(np.floor(done["finish"]).astype(int), int(wide.columns.max()))
        cost = done.assign(day=day).groupby(["setup", "replication", "day"])["cost"].sum()
        cost_wide = cost.unstack("day", fill_value=0).reindex(
            index=wide.index, columns=wide.columns, fill_value=0)
        wide = wide - cost_wide
    if summary is not None and "platform_cost" in summary.columns and len(summary):
        platform = summary.set_index(["setup", "replication"])["platform_cost"].reindex(
            wide.index, fill_value=0.0)
        wide = wide.sub(platform / wide.shape[1], axis=0)
    return wide.cumsum(axis=1)


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
    fig, (ax,) = _new_figure()
    for setup in _present(setups, cum.index.get_level_values("setup")):
        values = cum.xs(setup, level="setup").to_numpy(dtype=float) / factor
        mean = values.mean(axis=0)
        half = t_half_width(values.std(axis=0, ddof=1) if len(values) > 1
                            else np.full_like(mean, np.nan), np.full_like(mean, len(values)))
        ax.plot(days, mean, label=setup, **_line_style(setups, colors, setup))
        if np.isfinite(half).any():
            ax.fill_between(days, mean - half, mean + half, color=colors[setup], alpha=0.2,
                            linewidth=0)
    ax.axhline(0, color="grey", linewidth=0.8)
    costs = "production cost on delivery day, platform cost spread evenly"
    ax.set_title("Cumulative net contribution (revenue - media spend - production - platform)\n"
                 f"mean over replications, band: 95% CI; {costs}", fontsize=10)
    ax.set_xlabel("day")
    ax.set_ylabel(money_label("cumulative net contribution", currency, word))
    _legend_outside(ax, title="setup")
    ax.grid(alpha=0.3)
    return fig


# -- spend allocation ----------------------------------------------------------------------------
def mean_daily_by_channel(daily: pd.DataFrame, value: str,
                          n_replications: Mapping[str, int]) -> pd.DataFrame:
    """Mean over replications of ``value`` per (setup, day) row and channel column."""
    sums = daily.groupby(["setup", "day", "channel"])[value].sum().unstack("channel",
                                                                           fill_value=0)
    reps = sums.index.get_level_values("setup").map(
        lambda s: max(n_replications.get(str(s), 1), 1)
    )
    return sums.div(np.asarray(reps, dtype=float), axis=0)


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
    fig, axes = _new_figure(ncols=max(len(shown), 1), width=11.0 if len(shown) > 1 else 8.0,
                            sharey=True)
    for ax, setup in zip(axes, shown, strict=False):
        table = spend.xs(setup, level="setup").sort_index()
        ax.stackplot(table.index.to_numpy(dtype=float), table.to_numpy(dtype=float).T / factor,
                     labels=channels, colors=[ccolors[c] for c in channels], alpha=0.9)
        ax.set_title(setup)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(money_label("media spend per day", currency, word))
    _legend_outside(axes[-1], title="channel")
    fig.suptitle("Daily media spend by channel (stacked, mean over replications)")
    return fig


# -- lead time -----------------------------------------------------------------------------------
def lead_times(requests: pd.DataFrame) -> pd.DataFrame:
    """Finished requests with their lead time ``finish - arrival`` in days (column lead_time)."""
    done = requests.loc[requests["finish"].notna(), ["setup", "replication", "arrival", "finish"]]
    return done.assign(lead_time=done["finish"] - done["arrival"])


def plot_lead_time(requests: pd.DataFrame, setups: Sequence[str],
                   colors: Mapping[str, Color]) -> Figure:
    """Box plot of content lead time of finished requests per setup (mean marked)."""
    _require(requests, REQUEST_COLUMNS, "requests")
    lt = lead_times(requests)
    groups = {str(k): v.to_numpy(dtype=float) for k, v in lt.groupby("setup")["lead_time"]}
    open_counts = requests["finish"].isna().groupby(requests["setup"]).sum()
    shown = _present(setups, requests["setup"].unique())
    data = [groups.get(s, np.array([], dtype=float)) for s in shown]
    fig, (ax,) = _new_figure(width=max(7.0, 1.8 * len(shown) + 3.5))
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
    _legend_outside(ax, handles=[
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
def backlog_curve(requests: pd.DataFrame, n_replications: Mapping[str, int] | None = None,
                  last_day: int | None = None) -> pd.DataFrame:
    """Mean open backlog at the end of each day, per setup (index day, one column per setup).

    A request is open at the end of day ``d`` if it arrived before ``d + 1`` and did not finish
    before ``d + 1`` (``finish`` NaN: never finished). The count is summed over replications and
    divided by the setup's number of replications (``n_replications``, default: the distinct
    replications in ``requests``). Days run from 0 (or the first arrival) to ``last_day``
    (default: the last arrival or finish).
    """
    reps = dict(n_replications or replications_per_setup(requests))
    arrival_day = np.floor(requests["arrival"].to_numpy(dtype=float)).astype(np.int64)
    finish = requests["finish"].to_numpy(dtype=float)
    finished = np.isfinite(finish)
    finish_day = np.floor(finish[finished]).astype(np.int64)
    first = min(0, int(arrival_day.min())) if len(arrival_day) else 0
    end = max([int(arrival_day.max()) if len(arrival_day) else 0,
               int(finish_day.max()) if len(finish_day) else 0,
               last_day if last_day is not None else 0])
    days = pd.RangeIndex(first, end + 1, name="day")
    setup = requests["setup"].astype(str).to_numpy()

    def cumulative(setup_values: np.ndarray, day_values: np.ndarray) -> pd.DataFrame:
        counts = pd.Series(1, index=pd.MultiIndex.from_arrays([setup_values, day_values],
                                                              names=["setup", "day"]))
        table = counts.groupby(level=["setup", "day"]).sum().unstack("setup", fill_value=0)
        return table.reindex(days, fill_value=0).cumsum()

    arrived = cumulative(setup, arrival_day)
    done = cumulative(setup[finished], finish_day).reindex(columns=arrived.columns, fill_value=0)
    open_ = (arrived - done).astype(float)
    divisors = np.asarray([max(reps.get(str(c), 1), 1) for c in open_.columns], dtype=float)
    result = open_.div(divisors, axis=1)
    result.columns = [str(c) for c in result.columns]
    return result


def plot_backlog(requests: pd.DataFrame, setups: Sequence[str],
                 colors: Mapping[str, Color], n_replications: Mapping[str, int],
                 last_day: int | None = None) -> Figure:
    """Mean number of open content requests (arrived, not finished) per day and setup."""
    _require(requests, REQUEST_COLUMNS, "requests")
    curve = backlog_curve(requests, n_replications, last_day)
    fig, (ax,) = _new_figure()
    days = curve.index.to_numpy(dtype=float)
    for setup in _present(setups, curve.columns):
        ax.plot(days, curve[setup].to_numpy(), label=setup, drawstyle="steps-post",
                **_line_style(setups, colors, setup))
    ax.set_title("Open backlog of content requests (arrived, not yet finished)\n"
                 "end of day, mean over replications")
    ax.set_xlabel("day")
    ax.set_ylabel("open requests (count)")
    ax.set_ylim(bottom=0)
    _legend_outside(ax, title="setup")
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
    fig, axes = _new_figure(ncols=2, width=10.0)
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
    _legend_outside(axes[-1])
    fig.suptitle("Asset reuse and agency utilisation (mean over replications, 95% CI)")
    return fig


# -- revenue by channel --------------------------------------------------------------------------
def revenue_by_channel(daily: pd.DataFrame) -> pd.DataFrame:
    """Mean revenue per replication by (setup, channel) with a 95% CI: mean, ci_low, ci_high."""
    per_rep = daily.groupby(["setup", "channel", "replication"])["revenue"].sum()
    agg = per_rep.groupby(level=["setup", "channel"]).agg(["mean", "std", "count"])
    half = t_half_width(agg["std"].to_numpy(), agg["count"].to_numpy())
    return agg.assign(ci_low=agg["mean"] - half, ci_high=agg["mean"] + half)


def plot_revenue_by_channel(daily: pd.DataFrame, setups: Sequence[str],
                            colors: Mapping[str, Color],
                            currency: str = "EUR") -> Figure:
    """Grouped bars of revenue over the horizon by channel, one bar per setup, 95% CI."""
    _require(daily, DAILY_COLUMNS, "daily")
    table = revenue_by_channel(daily)
    shown = _present(setups, table.index.get_level_values("setup"))
    channels = [str(c) for c in dict.fromkeys(table.index.get_level_values("channel"))]
    factor, word = money_scale(float(table["ci_high"].abs().max()) if len(table) else 0.0)
    fig, (ax,) = _new_figure(width=min(14.0, max(8.0, 0.35 * len(channels) * len(shown) + 4)))
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
    _legend_outside(ax, title="setup")
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
) -> dict[str, Callable[[], Figure]]:
    """Return a figure builder per plot whose input table is present and non-empty.

    Setups are ordered reference first, then by first appearance (summary, daily, requests);
    each setup keeps its colour in every figure.
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
    }
    return {name: build for name, (ok, build) in builders.items() if ok}


def build_figures(
    summary: pd.DataFrame,
    daily: pd.DataFrame,
    requests: pd.DataFrame,
    currency: str = "EUR",
    reference: str = DEFAULT_REFERENCE,
) -> dict[str, Figure]:
    """Build every available figure at once, keyed by plot name (see :func:`figure_builders`)."""
    builders = figure_builders(summary, daily, requests, currency, reference)
    return {name: build() for name, build in builders.items()}


def make_plots(
    summary: pd.DataFrame,
    daily: pd.DataFrame,
    requests: pd.DataFrame,
    out_dir: Path,
    currency: str = "EUR",
    *,
    reference: str = DEFAULT_REFERENCE,
) -> dict[str, Path]:
    """Write the plots as ``out_dir/<name>.png`` and return ``{name: path}`` in a fixed order.

    Names are :data:`PLOT_NAMES`; a plot whose input table is empty or lacks columns is left
    out. ``spend_allocation`` shows the reference and the first other setup (or the first two
    setups when there is no reference).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, build in figure_builders(summary, daily, requests, currency, reference).items():
        fig = build()
        path = out_dir / f"{name}.png"
        fig.savefig(path, dpi=DPI)
        fig.clear()
        paths[name] = path
    return paths


__all__ = [
    "PLOT_NAMES",
    "backlog_curve",
    "build_figures",
    "cumulative_net",
    "figure_builders",
    "lead_times",
    "make_plots",
    "plot_backlog",
    "plot_cumulative_net_contribution",
    "plot_lead_time",
    "plot_reuse_utilization",
    "plot_revenue_by_channel",
    "plot_spend_allocation",
    "revenue_by_channel",
]
