"""Where the bottleneck is: a report section on each team's and approval stage's load.

Reads only the summary (the ``utilization_<resource>`` and ``wait_mean_<resource>`` columns and
``admin_share``), so it works on a saved ``summary.csv`` as well as on a fresh comparison.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim.tables.operations import UTILIZATION, WAIT_MEAN


def resource_columns(summary: pd.DataFrame) -> list[str]:
    """Team and stage names that have both a utilisation and a mean-wait column, in order."""
    names = [str(c)[len(UTILIZATION):] for c in summary.columns if str(c).startswith(UTILIZATION)]
    return [n for n in names if f"{WAIT_MEAN}{n}" in summary.columns]


def bottleneck_table(summary: pd.DataFrame, setups: Sequence[str]) -> pd.DataFrame:
    """Mean over replications, per setup and resource: ``utilization`` and ``wait_mean`` (days)."""
    rows = []
    for setup in setups:
        part = summary[summary["setup"] == setup]
        for name in resource_columns(summary):
            rows.append({"setup": setup, "resource": name,
                         "utilization": float(part[f"{UTILIZATION}{name}"].mean()),
                         "wait_mean": float(part[f"{WAIT_MEAN}{name}"].mean())})
    return pd.DataFrame(rows, columns=["setup", "resource", "utilization", "wait_mean"])


def bottleneck_section(summary: pd.DataFrame, setups: Sequence[str]) -> str:
    """Markdown: one row per resource, utilisation and mean wait per setup, then admin share.

    Empty when the summary has no per-resource columns (a folder written before they existed).
    """
    table = bottleneck_table(summary, setups)
    if table.empty:
        return ""
    head = "| resource | " + " | ".join(f"{s} utilisation | {s} wait (days)" for s in setups)
    lines = ["## Where the time goes", "", head + " |",
             "| --- |" + " ---: | ---: |" * len(setups)]
    for name, group in table.groupby("resource", sort=False):
        cells = [f"{u:.2f} | {w:.2f}" for u, w in zip(group["utilization"], group["wait_mean"],
                                                       strict=True)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    busiest = table.loc[table.groupby("setup", sort=False)["utilization"].idxmax()]
    names = ", ".join(f"{r.setup}: {r.resource} ({r.utilization:.2f} busy, {r.wait_mean:.2f} "
                      "days' mean wait)" for r in busiest.itertuples())
    lines += ["", f"Busiest resource (the likely bottleneck) per setup: {names}."]
    if "admin_share" in summary.columns:
        shares = summary.groupby("setup", sort=False)["admin_share"].mean()
        text = ", ".join(f"{s} {shares[s]:.2f}" for s in setups if s in shares.index)
        lines += ["", "Share of finished requests' lead time spent on hand-offs, approvals and "
                  f"revision rounds (admin share): {text}."]
    return "\n".join(lines) + "\n"
