"""How the figures look: a fixed colour and line style per setup and channel, shared axes helpers.

Every figure is built with :class:`matplotlib.figure.Figure` (no pyplot state), so it works under
any backend and nothing leaks between figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

Color = tuple[float, float, float, float]


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


def new_figure(ncols: int = 1, width: float = 8.0, height: float = 4.5,
               sharey: bool = False) -> tuple[Figure, list[Axes]]:
    """A figure with ``ncols`` axes side by side, laid out to fit."""
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols, sharey=sharey, squeeze=False)
    return fig, [ax for ax in axes.ravel()]


def line_style(setups: Sequence[str], colors: Mapping[str, Color],
               setup: str) -> dict[str, Any]:
    """Line style of ``setup``: its colour and the dash pattern of its position."""
    style: dict[str, Any] = dict(setup_line_styles(list(setups))[setup])
    style["color"] = colors[setup]
    return style


def legend_outside(ax: Axes, **kwargs: object) -> None:
    """Legend to the right of the axes, so it never hides data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", **kwargs)
