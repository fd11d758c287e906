"""The comparison as plain text for a terminal: metrics as rows, setups as columns."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from sim.report.labels import metric_label, number_format, unit_label, with_unit
from sim.tables.comparison import (
    excludes_zero,
    infer_reference,
    lookup_rows,
    main_metrics,
    ordered_setups,
    row_triple,
)

_TERMINAL_MAX_NAME = 14

TERMINAL_WIDTH = 110


def _fit(name: str, width: int) -> str:
    return name if len(name) <= width else name[: max(width - 1, 1)] + "."


def _render_block(title: str, columns: Sequence[str], rows: Sequence[tuple[str, list[str]]]) -> str:
    label_width = max([len(label) for label, _ in rows] + [6])
    widths = [
        max([len(cells[i]) for _, cells in rows] + [min(len(name), _TERMINAL_MAX_NAME)])
        for i, name in enumerate(columns)
    ]
    header = " " * label_width + "".join(
        "  " + _fit(name, w).rjust(w) for name, w in zip(columns, widths, strict=True)
    )
    lines = [title, header]
    for label, cells in rows:
        lines.append(
            label.ljust(label_width)
            + "".join("  " + c.rjust(w) for c, w in zip(cells, widths, strict=True))
        )
    return "\n".join(line.rstrip() for line in lines)


def terminal_table(
    comparison: pd.DataFrame,
    metrics: list[str] | None = None,
    *,
    reference: str | None = None,
) -> str:
    """Plain-text table for a terminal: metrics as rows, setups as columns.

    The first block gives ``mean [95% CI]`` per setup; the second the paired difference
    ``setup - reference`` with its 95% CI per non-reference setup (``*`` marks a CI that excludes
    zero). Money and counts are shown in k / M / bn as the row label says, rates with 3 decimals,
    days with 1 decimal. ``reference`` defaults to :func:`infer_reference`; without one the
    second block is left out.
    """
    metrics = main_metrics(comparison, metrics)
    setups = ordered_setups(comparison["setup"].tolist(), None)
    ref = infer_reference(comparison, reference)
    rows = lookup_rows(comparison)
    n_values = sorted({int(r["n"]) for r in rows.values() if str(r["metric"]) in metrics})
    n_text = "-".join(str(v) for v in sorted({n_values[0], n_values[-1]})) if n_values else "0"

    parts = [
        _fitted_block(f"mean [95% CI] over n={n_text} replications", setups, setups,
                      lambda limit: _mean_rows(rows, metrics, setups, limit))
    ]
    others = [s for s in setups if s != ref]
    if ref is not None and others:
        parts.append(_fitted_block(
            f"paired difference vs {ref}: mean [95% CI], * = CI excludes 0",
            [f"{s} - {ref}" for s in others],
            others,
            lambda limit: _diff_rows(rows, metrics, others, limit),
        ))
    elif ref is None:
        parts.append("(no reference setup: paired differences left out)")
    return "\n\n".join(parts)

_Rows = list[tuple[str, list[str]]]


def _fitted_block(title: str, columns: Sequence[str], setups: Sequence[str],
                  make_rows: Callable[[float], _Rows]) -> str:
    """Render with money/counts below 10,000 per unit, or below 1,000 if that is too wide."""
    text = _render_block(title, columns, make_rows(10_000))
    if max(len(line) for line in text.splitlines()) > TERMINAL_WIDTH:
        text = _render_block(title, columns, make_rows(1_000))
    return text


def _mean_rows(rows: Mapping[tuple[str, str], pd.Series], metrics: Sequence[str],
               setups: Sequence[str], limit: float) -> _Rows:
    block: _Rows = []
    for metric in metrics:
        triples = [row_triple(rows, metric, s) for s in setups]
        fmt = number_format(metric, [t[0] for t in triples], compact=True, limit=limit)
        label = with_unit(metric_label(metric, short=True), unit_label(metric, fmt))
        block.append((label, [fmt.cell(*t) for t in triples]))
    return block


def _diff_rows(rows: Mapping[tuple[str, str], pd.Series], metrics: Sequence[str],
               setups: Sequence[str], limit: float) -> _Rows:
    block: _Rows = []
    for metric in metrics:
        triples = [row_triple(rows, metric, s, prefix="diff_") for s in setups]
        fmt = number_format(metric, [t[0] for t in triples], compact=True, limit=limit)
        label = with_unit(metric_label(metric, short=True), unit_label(metric, fmt))
        cells = [fmt.cell(*t, signed=True) + (" *" if excludes_zero(t) else "")
                 for t in triples]
        block.append((label, cells))
    return block
