"""Sensitivity plots of a sweep table: how the paired gain of one setup moves with the grid.

The gain is paired by replication within a cell (both setups saw the same random world), then
averaged over replications with a 95% t confidence interval. Figures are drawn from the table
only, never from live model objects, with the object-oriented matplotlib API (no pyplot state).
"""

from __future__ import annotations

import re
import textwrap
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import CenteredNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from pydantic import BaseModel

from sim.report.figures import save_figure
from sim.report.labels import compact_money, compact_value, metric_with_unit
from sim.runs.sweep import grid_columns
from sim.scenario.schema import Scenario
from sim.tables.stats import mean_ci


def describe_path(path: str) -> str | None:
    """The schema's description of the field at a dotted scenario path (units included), if any."""
    node: Any = Scenario
    description = None
    for part in path.split("."):
        model = _model_in(node)
        if part.isdigit() or model is None:
            node = _item_type(node)
            continue
        field = model.model_fields.get(part)
        if field is None:
            return description
        node, description = field.annotation, field.description
    return description


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model class an annotation holds (directly or as ``X | None``), if one."""
    candidates = [annotation, *typing.get_args(annotation)]
    for c in candidates:
        if isinstance(c, type) and issubclass(c, BaseModel):
            return c
    return None


def _item_type(annotation: Any) -> Any:
    """The item type of ``list[X]`` / ``dict[K, X]`` (``None`` if it is neither)."""
    for c in [annotation, *typing.get_args(annotation)]:
        if typing.get_origin(c) in (list, dict):
            return typing.get_args(c)[-1]
    return None


def axis_label(path: str, currency: str | None) -> str:
    """A grid path with its unit from the schema: ``platform.monthly_cost (EUR per month ...)``."""
    text = describe_path(path)
    if not text:
        return path
    if currency:
        text = text.replace("in currency", f"in {currency}")
    return path + "\n" + textwrap.shorten(text, 70, placeholder="...")


def wrap_title(text: str) -> str:
    """Wrap a long title onto lines of at most 80 characters."""
    return "\n".join(textwrap.wrap(text, 80))


def paired_differences(table: pd.DataFrame, metric: str, setup: str, reference: str
                       ) -> pd.DataFrame:
    """One row per (cell, replication): the grid values and ``gain`` = setup - reference."""
    for name in (setup, reference):
        if name not in set(table["setup"]):
            raise KeyError(f"setup {name!r} is not in the sweep table")
    if metric not in table.columns:
        raise KeyError(f"unknown metric {metric!r}")
    keys = [*grid_columns(table), "replication"]
    a = table[table["setup"] == setup].set_index(keys)[metric]
    b = table[table["setup"] == reference].set_index(keys)[metric]
    return (a - b.reindex(a.index)).rename("gain").reset_index()


def gain_table(table: pd.DataFrame, metric: str = "net_contribution", setup: str = "conductor",
               reference: str = "pilot", dims: list[str] | None = None) -> pd.DataFrame:
    """Mean paired gain and its 95% CI per value of ``dims`` (default: every grid column).

    Dimensions left out are averaged within each replication first, so the interval stays paired.
    """
    diffs = paired_differences(table, metric, setup, reference)
    dims = grid_columns(table) if dims is None else dims
    if not dims:
        est = mean_ci(diffs["gain"].to_numpy())
        return pd.DataFrame([{"mean": est.mean, "ci_low": est.ci_low, "ci_high": est.ci_high,
                              "n": est.n}])
    per_rep = diffs.groupby([*dims, "replication"], sort=False)["gain"].mean().reset_index()
    rows = []
    for values, group in per_rep.groupby(dims, sort=False):
        est = mean_ci(group["gain"].to_numpy())
        rows.append({**dict(zip(dims, values, strict=True)), "mean": est.mean,
                     "ci_low": est.ci_low, "ci_high": est.ci_high, "n": est.n})
    return pd.DataFrame(rows)


def _slug(text: str) -> str:
    """A file-name-safe version of a path."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def _is_numeric(values: pd.Series) -> bool:
    """Whether grid values can sit on a numeric axis (bools cannot)."""
    return bool(pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values))


def zero_crossings(x: np.ndarray, y: np.ndarray) -> list[float]:
    """Where the broken line through ``(x, y)`` (``x`` ascending) meets zero, interpolated.

    Linear interpolation between adjacent grid points whose gains have opposite signs; a grid
    point where the gain is exactly zero counts once.
    """
    found: list[float] = []
    for i in range(len(x)):
        if y[i] == 0:
            found.append(float(x[i]))
        elif i + 1 < len(x) and np.isfinite(y[i]) and np.isfinite(y[i + 1]) \
                and y[i] * y[i + 1] < 0:
            found.append(float(x[i] - y[i] * (x[i + 1] - x[i]) / (y[i + 1] - y[i])))
    return found


def _by_others(gains: pd.DataFrame, others: list[str]) -> list[tuple[str, pd.DataFrame]]:
    """The gains split by the values of the other grid dimensions, each with a label."""
    if not others:
        return [("", gains)]
    groups = []
    for values, group in gains.groupby(others, sort=False):
        keys = values if isinstance(values, tuple) else (values,)
        label = ", ".join(f"{d}={v}" for d, v in zip(others, keys, strict=True))
        groups.append((label, group))
    return groups


def _sorted_curve(group: pd.DataFrame, dim: str) -> tuple[np.ndarray, pd.DataFrame]:
    """The x positions (grid values, or 0, 1, ... for other values) and the rows in x order."""
    numeric = _is_numeric(group[dim])
    x = group[dim].to_numpy(dtype=float) if numeric else np.arange(len(group), dtype=float)
    order = np.argsort(x, kind="stable")
    return x[order], group.iloc[order]


def breakeven_crossings(table: pd.DataFrame, metric: str = "net_contribution",
                        setup: str = "conductor", reference: str = "pilot") -> pd.DataFrame:
    """Where the mean paired gain crosses zero along each numeric grid dimension.

    One row per crossing: ``dimension``, ``at`` (the values of the other dimensions, as text)
    and ``value`` (interpolated). The gain of each cell is not averaged over other dimensions:
    each combination of their values is its own curve.
    """
    dims = grid_columns(table)
    rows = []
    for dim in dims:
        if not _is_numeric(table[dim]):
            continue
        others = [d for d in dims if d != dim]
        gains = gain_table(table, metric, setup, reference, [*others, dim])
        for label, group in _by_others(gains, others):
            x, g = _sorted_curve(group, dim)
            for value in zero_crossings(x, g["mean"].to_numpy(dtype=float)):
                rows.append({"dimension": dim, "at": label, "value": value})
    return pd.DataFrame(rows, columns=["dimension", "at", "value"])


def _value_text(value: float, path: str) -> str:
    """A grid value for a label: money compact, other numbers with 3 significant digits."""
    if "currency" in (describe_path(path) or ""):
        return compact_money(value)
    return f"{value:.3g}"


def plot_gain_line(gains: pd.DataFrame, dim: str, path: Path, metric: str, setup: str,
                   reference: str, currency: str | None, others: list[str]) -> Path:
    """Mean gain against one grid dimension, one line per value of the other dimensions.

    Each line has its 95% CI band; the zero line is drawn and every break-even crossing (the
    gain meeting zero, interpolated between grid points) is marked and labelled with its value.
    """
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.add_subplot()
    numeric = _is_numeric(gains[dim])
    n = int(gains["n"].min())
    for label, group in _by_others(gains, others):
        x, g = _sorted_curve(group, dim)
        line, = ax.plot(x, g["mean"], marker="o",
                        label=f"mean paired gain{', ' + label if label else ''} (n={n})")
        ax.fill_between(x, g["ci_low"], g["ci_high"], alpha=0.2, color=line.get_color())
        for value in zero_crossings(x, g["mean"].to_numpy(dtype=float)) if numeric else []:
            ax.plot([value], [0.0], marker="D", color="black", zorder=5)
            ax.annotate(f"break-even {_value_text(value, dim)}", (value, 0.0),
                        textcoords="offset points", xytext=(4, 6), fontsize=8)
    ax.fill_between([], [], [], alpha=0.2, color="grey", label="95% confidence interval")
    ax.axhline(0.0, color="black", linewidth=0.8, linestyle="--", label="break-even (gain = 0)")
    if not numeric:
        ax.set_xticks(np.arange(len(gains[dim].unique())),
                      [str(v) for v in dict.fromkeys(gains[dim])])
    elif "currency" in (describe_path(dim) or ""):
        ax.xaxis.set_major_formatter(FuncFormatter(compact_money))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: compact_value(metric, v)))
    ax.set_xlabel(axis_label(dim, currency))
    ax.set_ylabel(f"gain in {metric_with_unit(metric, currency)}")
    ax.set_title(wrap_title(f"Paired gain of {setup} over {reference} in "
                        f"{metric.replace('_', ' ')} against {dim}"), fontsize=10)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return save_figure(fig, path, dpi=120)


def plot_gain_heatmap(gains: pd.DataFrame, dims: tuple[str, str], path: Path, metric: str,
                      setup: str, reference: str, currency: str | None, averaged: bool) -> Path:
    """Heatmap of the mean gain over two dimensions, with the break-even contour if it exists."""
    xdim, ydim = dims
    wide = gains.pivot_table(index=ydim, columns=xdim, values="mean", sort=False)
    xs, ys = list(wide.columns), list(wide.index)
    if all(_is_numeric(pd.Series(v)) for v in (xs, ys)):
        wide = wide.sort_index().sort_index(axis=1)
        xs, ys = list(wide.columns), list(wide.index)
    z = wide.to_numpy(dtype=float)
    fig = Figure(figsize=(7.5, 5.5), layout="constrained")
    ax = fig.add_subplot()
    lo, hi = float(np.nanmin(z)), float(np.nanmax(z))
    norm = CenteredNorm(0.0, max(abs(lo), abs(hi)) or 1.0)  # blue gains, red losses, white 0
    mesh = ax.pcolormesh(np.arange(len(xs) + 1) - 0.5, np.arange(len(ys) + 1) - 0.5, z,
                         cmap="RdBu", norm=norm, shading="flat")
    cbar = fig.colorbar(mesh, ax=ax, format=FuncFormatter(lambda v, _pos: compact_value(metric, v)))
    cbar.set_label(f"mean gain in {metric_with_unit(metric, currency)}")
    for (i, j), v in np.ndenumerate(z):
        if np.isfinite(v):
            ax.text(j, i, compact_value(metric, v), ha="center", va="center", fontsize=8)
    if lo < 0 < hi and min(z.shape) >= 2:
        cs = ax.contour(np.arange(len(xs)), np.arange(len(ys)), z, levels=[0.0],
                        colors="black", linewidths=2.0)
        cs.clabel(fmt={0.0: "break-even"}, fontsize=8)
        ax.plot([], [], color="black", label="break-even contour (gain = 0)")
        ax.legend(loc="upper right", fontsize=8)
    ax.set_xticks(range(len(xs)), [_tick(v, xdim) for v in xs])
    ax.set_yticks(range(len(ys)), [_tick(v, ydim) for v in ys])
    ax.set_xlabel(axis_label(xdim, currency))
    ax.set_ylabel(axis_label(ydim, currency))
    extra = " (averaged over the other grid dimensions)" if averaged else ""
    n = int(gains["n"].min())
    ax.set_title(wrap_title(f"Paired gain of {setup} over {reference} in "
                        f"{metric.replace('_', ' ')}, mean of {n} replications per cell{extra}"),
                 fontsize=10)
    return save_figure(fig, path, dpi=120)


def _tick(value: object, path: str) -> str:
    """A tick label; amounts of money in compact form."""
    if isinstance(value, int | float) and "currency" in (describe_path(path) or ""):
        return compact_money(float(value))
    return str(value)


def sweep_plots(table: pd.DataFrame, out_dir: str | Path, metric: str = "net_contribution",
                setup: str = "conductor", reference: str = "pilot",
                currency: str | None = None) -> dict[str, Path]:
    """Draw the sensitivity plots of a sweep table into ``out_dir``; return name -> file.

    One line chart per grid dimension (``gain_<path>.png``), one line per combination of the
    other dimensions' values (averaging over them would hide where the gain turns), with the
    break-even crossings labelled; with two or more dimensions, a heatmap of the first two
    (``gain_<x>_x_<y>.png``) with the break-even contour where the gain changes sign (further
    dimensions are averaged within each replication there).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dims = grid_columns(table)
    made: dict[str, Path] = {}
    for dim in dims:
        name = f"gain_{_slug(dim)}"
        others = [d for d in dims if d != dim]
        gains = gain_table(table, metric, setup, reference, [*others, dim])
        made[name] = plot_gain_line(gains, dim, out / f"{name}.png", metric, setup, reference,
                                    currency, others)
    if len(dims) >= 2:
        pair = (dims[0], dims[1])
        name = f"gain_{_slug(pair[0])}_x_{_slug(pair[1])}"
        gains = gain_table(table, metric, setup, reference, list(pair))
        made[name] = plot_gain_heatmap(gains, pair, out / f"{name}.png", metric, setup,
                                       reference, currency, averaged=len(dims) > 2)
    return made


PLOT_NAME = re.compile(r"gain_[A-Za-z0-9_.-]+\.png")  # the names sweep_plots gives its files


def remove_other_plots(out_dir: str | Path, keep: Iterable[Path]) -> list[Path]:
    """Delete the sweep plots in ``out_dir`` (``gain_*.png``) not in ``keep``; return them.

    A sweep into a folder used before leaves no plot of a grid dimension it no longer has.
    """
    kept = {Path(p).name for p in keep}
    gone = [p for p in sorted(Path(out_dir).glob("gain_*.png"))
            if PLOT_NAME.fullmatch(p.name) and p.name not in kept and p.is_file()]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


__all__ = ["breakeven_crossings", "describe_path", "gain_table", "paired_differences",
           "remove_other_plots", "sweep_plots", "zero_crossings"]
