"""Plots of uncertainty and sensitivity studies, drawn from their tables only.

The gain's distribution over parameter sets (histogram and CDF), the gain against the most
influential parameters, the one-at-a-time tornado, Morris screening and Sobol' index bars. Built
with the object-oriented matplotlib API (no pyplot state), each file written atomically.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from sim.report.figures import save_figure
from sim.report.labels import compact_value, metric_label, metric_with_unit
from sim.report.style import new_figure, setup_colors
from sim.report.sweep_figures import axis_label

LOW_COLOR, HIGH_COLOR = setup_colors(["low", "high"]).values()


def gain_label(metric: str, setup: str, reference: str, currency: str | None) -> str:
    """Axis label of the paired gain: ``net contribution (EUR), conductor - pilot``."""
    return f"{metric_with_unit(metric, currency)}, {setup} - {reference}"


def _value_axis(ax: Axes, metric: str, axis: str = "x") -> None:
    """Ticks of the metric's values in compact form (money in k / M)."""
    formatter = FuncFormatter(lambda v, _pos: compact_value(metric, v))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(formatter)


def gain_distribution(samples: pd.DataFrame, summary: Mapping[str, Any], path: Path,
                      currency: str | None = None) -> Path:
    """Histogram and empirical CDF of the gain, with zero and the 90% interval marked."""
    metric, setup, reference = summary["metric"], summary["setup"], summary["reference"]
    gain = np.sort(samples["gain"].to_numpy(dtype=float))
    fig, (hist, cdf) = new_figure(2, width=11.0, height=4.2)
    hist.hist(gain, bins=min(30, max(5, len(gain) // 4)), color="#4c72b0", alpha=0.8)
    cdf.step(gain, np.arange(1, len(gain) + 1) / len(gain), where="post", color="#4c72b0")
    for ax in (hist, cdf):
        ax.axvspan(summary["interval90_low"], summary["interval90_high"], color="grey",
                   alpha=0.15, label="90% interval")
        ax.axvline(0.0, color="black", linewidth=1.0, label="no gain")
        ax.axvline(summary["mean"], color="#c44e52", linestyle="--", label="mean")
        ax.set_xlabel(gain_label(metric, setup, reference, currency))
        _value_axis(ax, metric)
    hist.set_ylabel("parameter sets")
    cdf.set_ylabel("share of parameter sets at or below")
    cdf.set_ylim(0, 1.02)
    hist.legend(fontsize="small")
    fig.suptitle(f"{metric_label(metric).capitalize()} gain over {summary['samples']} parameter "
                 f"sets: P(gain > 0) = {summary['p_gain_positive']:.2f}")
    return save_figure(fig, path, dpi=110)


def gain_scatter(samples: pd.DataFrame, influence: pd.DataFrame, summary: Mapping[str, Any],
                 path: Path, currency: str | None = None, top: int = 3) -> Path:
    """The gain of each parameter set against the ``top`` parameters of strongest correlation."""
    metric = summary["metric"]
    names = list(influence["parameter"][:top])
    fig, axes = new_figure(len(names), width=4.0 * len(names) + 1.0, height=4.0, sharey=True)
    for ax, name, rho in zip(axes, names, influence["spearman"], strict=False):
        ax.scatter(samples[name], samples["gain"], s=14, alpha=0.7, color="#4c72b0")
        ax.axhline(0.0, color="black", linewidth=1.0)
        ax.set_xlabel(axis_label(name, currency), fontsize="small")
        ax.set_title(f"Spearman {rho:+.2f}" if np.isfinite(rho) else "no correlation",
                     fontsize="small")
    axes[0].set_ylabel(gain_label(metric, summary["setup"], summary["reference"], currency))
    _value_axis(axes[0], metric, "y")
    fig.suptitle("Gain against the most influential uncertain values")
    return save_figure(fig, path, dpi=110)


def tornado(table: pd.DataFrame, base: float, path: Path, metric: str, setup: str,
            reference: str, currency: str | None = None) -> Path:
    """One-at-a-time swings: a bar per parameter from the median gain to its low and high gains.

    Largest swing on top; error bars are the 95% intervals over replications at each end.
    """
    rows = table.iloc[::-1].reset_index(drop=True)  # barh draws bottom-up
    fig, (ax,) = new_figure(1, width=9.0, height=1.2 + 0.55 * len(rows))
    y = np.arange(len(rows))
    for end, color, label in (("low", LOW_COLOR, "at 5% quantile"),
                              ("high", HIGH_COLOR, "at 95% quantile")):
        gain = rows[f"gain_{end}"].to_numpy(dtype=float)
        err = np.vstack([gain - rows[f"gain_{end}_ci_low"], rows[f"gain_{end}_ci_high"] - gain])
        ax.barh(y, gain - base, left=base, height=0.6, color=color, alpha=0.8, label=label)
        ax.errorbar(gain, y, xerr=np.nan_to_num(err), fmt="none", ecolor="black", capsize=3,
                    linewidth=0.8)
    ax.axvline(base, color="black", linewidth=1.0, label="every value at its median")
    ax.set_yticks(y, [f"{p}\n({_short(lo)} .. {_short(hi)})"
                      for p, lo, hi in zip(rows["parameter"], rows["low"], rows["high"],
                                           strict=True)], fontsize="small")
    ax.set_xlabel(gain_label(metric, setup, reference, currency)
                  + "\nerror bars: 95% CI over replications")
    _value_axis(ax, metric)
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)
    ax.set_title("One at a time: the gain with each uncertain value at its 5% and 95% quantile")
    return save_figure(fig, path, dpi=110)


def _short(value: float) -> str:
    """A parameter value for a label: whole or large numbers with separators, others 3 digits."""
    if float(value).is_integer() or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def morris_plot(table: pd.DataFrame, path: Path, metric: str, currency: str | None = None
                ) -> Path:
    """Morris screening: ``mu_star`` (importance) against ``sigma`` (interactions)."""
    fig, (ax,) = new_figure(1, width=8.0, height=5.0)
    err = np.vstack([table["mu_star"] - table["mu_star_ci_low"],
                     table["mu_star_ci_high"] - table["mu_star"]])
    ax.errorbar(table["mu_star"], table["sigma"], xerr=np.nan_to_num(err), fmt="o",
                color="#4c72b0", ecolor="grey", capsize=3)
    for name, x, yv in zip(table["parameter"], table["mu_star"], table["sigma"], strict=True):
        ax.annotate(name, (x, yv), textcoords="offset points", xytext=(5, 4), fontsize="small")
    ax.set_xlabel(f"mu* : mean |elementary effect| on {metric_with_unit(metric, currency)} "
                  "(per full range)", fontsize="small")
    ax.set_ylabel("sigma of the elementary effects")
    _value_axis(ax, metric)
    _value_axis(ax, metric, "y")
    ax.set_title("Morris screening: right = influential, up = interactions or non-linearity")
    return save_figure(fig, path, dpi=110)


def sobol_bars(table: pd.DataFrame, path: Path) -> Path:
    """First-order and total Sobol' indices per parameter, with bootstrap 95% intervals."""
    rows = table.iloc[::-1].reset_index(drop=True)
    fig, (ax,) = new_figure(1, width=8.5, height=1.2 + 0.55 * len(rows))
    y = np.arange(len(rows))
    for offset, name, color, label in ((0.18, "S1", LOW_COLOR, "first order S1"),
                                       (-0.18, "ST", HIGH_COLOR, "total ST")):
        value = rows[name].to_numpy(dtype=float)
        err = np.vstack([value - rows[f"{name}_ci_low"], rows[f"{name}_ci_high"] - value])
        ax.barh(y + offset, value, height=0.36, color=color, alpha=0.85, label=label)
        ax.errorbar(value, y + offset, xerr=np.nan_to_num(err), fmt="none", ecolor="black",
                    capsize=3, linewidth=0.8)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(y, list(rows["parameter"]), fontsize="small")
    ax.set_xlabel("share of the gain's variance (error bars: 95% bootstrap CI)")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    ax.set_title("Sobol' indices: alone (S1) and with interactions (ST)")
    return save_figure(fig, path, dpi=110)


__all__ = ["gain_distribution", "gain_scatter", "morris_plot", "sobol_bars", "tornado"]
