"""``report.md``: the comparison table, the regret against the oracle and every figure.

Built from result tables only (never model objects); each table and figure gets one line of
reading from :mod:`sim.report.prose`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.report.headline import headline
from sim.report.labels import PLOT_TITLES, metric_label, number_format, unit_label
from sim.report.page import provenance_markdown, write_pages
from sim.report.prose import READINGS, read_table, reading_context
from sim.tables.comparison import ORACLE, excludes_zero, main_metrics, row_triple


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(comparison: pd.DataFrame, metrics: Sequence[str] | None = None,
                   reference: str | None = None, currency: str | None = None) -> str:
    """Markdown table: one row per (metric, setup), mean [95% CI] and the paired difference.

    Differences whose 95% CI excludes zero are in bold.
    """
    ctx = reading_context(comparison, reference, currency)
    ref = ctx.reference
    diff_header = f"paired difference vs {_md(ref)} [95% CI]" if ref else "paired difference"
    lines = [
        f"| metric | setup | mean [95% CI] | {diff_header} |",
        "|---|---|---:|---:|",
    ]
    for metric in main_metrics(comparison, metrics):
        triples = [row_triple(ctx.rows, metric, s) for s in ctx.setups]
        fmt = number_format(metric, [t[0] for t in triples], compact=False)
        unit = unit_label(metric, fmt, currency)
        label = f"{metric_label(metric)} ({unit})" if unit else metric_label(metric)
        for i, (setup, triple) in enumerate(zip(ctx.setups, triples, strict=True)):
            if ref is None or setup == ref:
                diff_text = "reference" if setup == ref else "-"
            else:
                d = ctx.diff(metric, setup)
                dfmt = number_format(metric, [d[0]], compact=False)
                diff_text = dfmt.cell(*d, signed=True)
                if excludes_zero(d):
                    diff_text = f"**{diff_text}**"
            lines.append(
                f"| {_md(label) if i == 0 else ''} | {_md(setup)} | {fmt.cell(*triple)} "
                f"| {diff_text} |"
            )
    return "\n".join(lines)


def _relative(path: Path, start: Path) -> str:
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()


def _regret_section(regret: pd.DataFrame, currency: str | None) -> list[str]:
    """The regret table and the share of the oracle's result each setup reaches."""
    ctx = reading_context(regret, ORACLE, currency)
    metric = "revenue" if ctx.has("revenue") else "net_contribution"
    best = ctx.mean(metric, ORACLE)
    shares = [f"{s} {ctx.mean(metric, s) / best:.1%}" for s in ctx.setups
              if s != ORACLE and best]
    reading = (f"share of the oracle's {metric_label(metric)} reached: {', '.join(shares)}."
               if shares else "no setup to compare with the oracle.")
    return [
        "## Regret against the oracle",
        "",
        "The oracle knows the true response curves and the creative quality it will see, and "
        "plans its budget with carry-over and fatigue (the upper bound for budget allocation); "
        "each setup's paired difference against it is its regret.",
        "",
        markdown_table(regret, reference=ORACLE, currency=currency),
        "",
        f"*Reading:* {reading[0].upper()}{reading[1:]}",
        "",
    ]


def write_report(
    out_dir: Path,
    scenario_name: str,
    comparison: pd.DataFrame,
    plots: dict[str, Path],
    replications: int,
    seed: int,
    *,
    reference: str | None = None,
    currency: str | None = None,
    regret: pd.DataFrame | None = None,
    horizon_days: int | None = None,
    bottleneck: str = "",
    answer_lines: Sequence[str] = (),
    provenance: dict[str, Any] | None = None,
) -> Path:
    """Write ``out_dir/report.md``: the comparison table and each plot, each with a reading.

    The table shows the main metrics (mean [95% CI] per setup and the paired difference against
    the reference, bold when its CI excludes zero); each plot is linked by a path relative to
    ``out_dir``. Under the table and under every plot is one line of plain-language reading
    computed from ``comparison``. ``reference`` defaults to :func:`infer_reference`;
    ``currency``, if given, labels money; ``regret``, a :func:`regret_table`, adds a section on
    each setup's regret against the oracle. The first line under the title is the answer (see
    :func:`sim.report.headline.headline`): the conductor's paired gain over the reference and
    its break-even monthly platform cost, which needs ``horizon_days`` (without it the headline
    gives the gain only), then the ``answer_lines`` (payback, bottleneck). ``provenance``
    (the folder's ``provenance.json``) ends the report. ``report.html`` is written beside it,
    from the same text (see :mod:`sim.report.page`). Returns the path of the Markdown report.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = reading_context(comparison, reference, currency)
    setups = ", ".join(ctx.setups)
    pairing = (
        f"Differences are paired against **{ctx.reference}** replication by replication "
        "(the same replication index is the same random world)"
        if ctx.reference is not None
        else "There is no reference setup, so no paired differences are shown"
    )
    answer = headline(ctx, horizon_days, answer_lines)
    lines = [f"# {scenario_name}: comparison of setups", ""]
    if answer:
        lines += [f"**{answer[0]}** {' '.join(answer[1:])}".rstrip(), ""]
    lines += [
        f"Setups: {setups}. {replications} replications per setup, seed {seed}. "
        f"{pairing}; intervals are 95% Student-t confidence intervals over replications.",
        "",
        "## Main metrics",
        "",
        markdown_table(comparison, reference=ctx.reference, currency=currency),
        "",
        f"*Reading:* {read_table(ctx)}",
        "",
    ]
    if ctx.reference is not None:
        lines += ["Bold: the 95% CI of the paired difference excludes zero.", ""]
    if regret is not None and ctx.reference != ORACLE:  # else the main table shows the regret
        lines += _regret_section(regret, currency)
    if bottleneck:  # see sim.report.bottleneck
        lines += [bottleneck]
    if plots:
        lines += ["## Figures", ""]
    for name, path in plots.items():
        title = PLOT_TITLES.get(name, name.replace("_", " ").capitalize())
        reader = READINGS.get(name)
        reading = (reader(ctx) if reader is not None else None) or (
            "No summary metric to read this figure against."
        )
        lines += [
            f"### {title}",
            "",
            f"![{title}]({_relative(path, out_dir)})",
            "",
            f"*Reading:* {reading}",
            "",
        ]
    if provenance:
        lines += [provenance_markdown(provenance)]
    return write_pages(out_dir, "\n".join(lines))["report"]


__all__ = ["markdown_table", "write_report"]
