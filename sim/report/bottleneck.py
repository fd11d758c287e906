"""Where the bottleneck is: each team's and approval stage's load, for the report and terminal.

The table and the busiest resource come from the summary (``utilization_<resource>``,
``wait_mean_<resource>``, ``admin_share``), so they work on a saved ``summary.csv``; the share of
waiting comes from the ``steps`` table and the saturation warnings from ``resources``, when the
folder has them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from sim.tables.operations import (
    SATURATED,
    SATURATED_WEEKS,
    UTILIZATION,
    WAIT_MEAN,
    saturated_spells,
    wait_shares,
    weekly_utilization,
)


def resource_columns(summary: pd.DataFrame) -> list[str]:
    """Team and stage names that have both a utilisation and a mean-wait column, in order."""
    names = [str(c)[len(UTILIZATION):] for c in summary.columns if str(c).startswith(UTILIZATION)]
    return [n for n in names if f"{WAIT_MEAN}{n}" in summary.columns]


def bottleneck_table(summary: pd.DataFrame, setups: Sequence[str],
                     steps: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per setup and resource: mean ``utilization``, ``wait_mean`` (days) and ``wait_share``.

    ``wait_share`` (the resource's share of all waiting for a person or reviewer) is NaN
    without ``steps``.
    """
    rows = []
    for setup in setups:
        part = summary[summary["setup"] == setup]
        for name in resource_columns(summary):
            rows.append({"setup": setup, "resource": name,
                         "utilization": float(part[f"{UTILIZATION}{name}"].mean()),
                         "wait_mean": float(part[f"{WAIT_MEAN}{name}"].mean())})
    table = pd.DataFrame(rows, columns=["setup", "resource", "utilization", "wait_mean"])
    if steps is None or steps.empty or table.empty:
        return table.assign(wait_share=float("nan"))
    shares = wait_shares(steps).astype({"setup": str, "resource": str})
    return table.merge(shares, on=["setup", "resource"], how="left")


def _top(table: pd.DataFrame, column: str) -> dict[str, dict[Any, Any]]:
    """Per setup, the row (as a dict) of the resource with the largest ``column``."""
    top = table.sort_values(column, ascending=False, kind="stable").drop_duplicates("setup")
    rows = {str(r["setup"]): r for r in top.to_dict("records")}
    return {str(s): rows[str(s)] for s in dict.fromkeys(table["setup"]) if str(s) in rows}


def bottleneck_sentences(table: pd.DataFrame) -> list[str]:
    """Per setup: the busiest resource, and the one holding most of the waiting if another."""
    out = []
    has_shares = bool(table["wait_share"].notna().any())
    most_waiting = _top(table, "wait_share") if has_shares else {}
    for setup, busiest in _top(table, "utilization").items():
        text = (f"{setup}: {busiest['resource']} is the bottleneck ({busiest['utilization']:.0%} "
                f"busy, {busiest['wait_mean']:.1f} days' mean wait")
        if has_shares:
            waiting = most_waiting[setup]
            text += f", {busiest['wait_share']:.0%} of all waiting)"
            if waiting["resource"] != busiest["resource"]:
                text += (f"; most waiting is at {waiting['resource']} "
                         f"({waiting['wait_share']:.0%}, {waiting['utilization']:.0%} busy)")
        else:
            text += ")"
        out.append(text + ".")
    return out


def bottleneck_headline(summary: pd.DataFrame, setups: Sequence[str]) -> str:
    """One sentence naming each setup's busiest resource, for the report's answer paragraph."""
    table = bottleneck_table(summary, setups)
    if table.empty:
        return ""
    parts = [f"{setup}'s is {top['resource']} ({top['utilization']:.0%} busy)"
             for setup, top in _top(table, "utilization").items()]
    return "Bottleneck: the " + "; the ".join(parts) + "."


def saturation_warnings(resources: pd.DataFrame | None) -> list[str]:
    """One sentence per resource that stayed saturated for weeks on end (none without data)."""
    if resources is None or resources.empty:
        return []
    lines = []
    for r in saturated_spells(weekly_utilization(resources)).to_dict("records"):
        start, end = float(r["queue_start"]), float(r["queue_end"])
        grew = end > start + 1
        lines.append(
            f"{r['setup']}: {r['resource']} stayed above {SATURATED:.0%} busy for {r['weeks']} "
            f"weeks in a row from day {r['first_day']}; its queue {'grew' if grew else 'went'} "
            f"from {start:.0f} to {end:.0f} requests"
            + (" (at this load it grows without bound)." if grew else "."))
    return lines


def bottleneck_section(summary: pd.DataFrame, setups: Sequence[str],
                       steps: pd.DataFrame | None = None,
                       resources: pd.DataFrame | None = None) -> str:
    """Markdown: per resource and setup, utilisation, mean wait and share of waiting.

    Then the bottleneck per setup, the saturation warnings and the admin share.

    Empty when the summary has no per-resource columns (a folder written before they existed).
    """
    table = bottleneck_table(summary, setups, steps)
    if table.empty:
        return ""
    lines = ["## Where the time goes", "",
             "| resource | setup | busy share | mean wait (days) | share of waiting |",
             "| --- | --- | ---: | ---: | ---: |"]
    for name, group in table.groupby("resource", sort=False):
        for i, r in enumerate(group.to_dict("records")):
            label = str(name) if i == 0 else ""
            lines.append(f"| {label} | {r['setup']!s} | {r['utilization']:.2f} "
                         f"| {r['wait_mean']:.2f} | {_share(float(r['wait_share']))} |")
    lines += ["", "Bottleneck per setup (the busiest resource): "
              + " ".join(bottleneck_sentences(table))]
    warnings = saturation_warnings(resources)
    if warnings:
        lines += ["", f"**Warning: saturated for {SATURATED_WEEKS} weeks or more.**", ""]
        lines += [f"- {w}" for w in warnings]
    if "admin_share" in summary.columns:
        shares = summary.groupby("setup", sort=False)["admin_share"].mean()
        text = ", ".join(f"{s} {shares[s]:.2f}" for s in setups if s in shares.index)
        lines += ["", "Share of finished requests' lead time spent on hand-offs, approvals and "
                  f"revision rounds (admin share): {text}."]
    return "\n".join(lines) + "\n"


def bottleneck_text(summary: pd.DataFrame, setups: Sequence[str],
                    steps: pd.DataFrame | None = None,
                    resources: pd.DataFrame | None = None) -> str:
    """The bottleneck per setup and the saturation warnings as plain text for a terminal."""
    table = bottleneck_table(summary, setups, steps)
    if table.empty:
        return ""
    lines = ["bottleneck: " + s for s in bottleneck_sentences(table)]
    lines += ["warning: " + w for w in saturation_warnings(resources)]
    return "\n".join(lines)


def _share(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.2f}"
