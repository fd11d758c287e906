"""The report pages of ``breakeven``, ``sweep`` and ``decompose``: the answer, a table, figures.

Each builds the Markdown of its folder's ``report.md`` (the answer first, then the table and the
figures with one line of reading each, provenance last); :func:`sim.report.page.write_pages`
writes it with ``report.html`` beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import pandas as pd

from sim.report.breakeven import reading
from sim.report.labels import metric_label
from sim.report.page import provenance_markdown
from sim.report.waterfall import ranking_rows, ranking_title
from sim.runs.decompose import RESIDUAL
from sim.tables.breakeven import Breakeven


def markdown_rows(rows: Sequence[Sequence[object]], numeric: Sequence[bool]) -> str:
    """A Markdown table from rows of cells, header first; ``numeric`` columns align right."""
    def line(cells: Sequence[object]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    align = "|" + "|".join("---:" if n else "---" for n in numeric) + "|"
    return "\n".join([line(rows[0]), align, *(line(r) for r in rows[1:])])


def _figure(title: str, path: Path, reading_text: str) -> str:
    return f"### {title}\n\n![{title}]({path.name})\n\n*Reading:* {reading_text}\n"


def breakeven_page(result: Breakeven, scenario_name: str, currency: str,
                   plot: Path, prov: Mapping[str, Any]) -> str:
    """``report.md`` of a ``breakeven`` folder."""
    lines = reading(result, currency)
    first = ". ".join(lines[:1] if result.pays else lines[:2])
    cost, pay, roi, gain = result.monthly_cost, result.payback, result.roi, result.gain
    rows: list[Sequence[object]] = [
        ("figure", "mean", "95% CI"),
        (f"break-even platform cost ({currency}/month)", f"{cost.mean:,.0f}",
         f"[{cost.ci_low:,.0f}, {cost.ci_high:,.0f}]"),
        (f"paired net gain at the scenario's cost ({currency})", f"{gain.mean:,.0f}",
         f"[{gain.ci_low:,.0f}, {gain.ci_high:,.0f}]"),
        ("payback day", f"{pay.mean:.0f}", f"[{pay.ci_low:.0f}, {pay.ci_high:.0f}]"),
        ("platform ROI", f"{roi.mean:.2f}", f"[{roi.ci_low:.2f}, {roi.ci_high:.2f}]"),
    ]
    return "\n".join([
        f"# {scenario_name}: when the platform pays ({result.setup} vs {result.reference})", "",
        f"**{first[0].upper()}{first[1:]}.**", "",
        markdown_rows(rows, (False, True, True)), "",
        _figure("Cumulative paired gain", plot, "The curve crosses zero on the payback day; "
                "the band is the 95% CI over replications."),
        provenance_markdown(dict(prov)),
    ])


def sweep_page(scenario_name: str, metric: str, gains: pd.DataFrame, crossings: Sequence[str],
               plots: Mapping[str, Path], prov: Mapping[str, Any]) -> str:
    """``report.md`` of a ``sweep`` folder: the paired gain per grid cell and its crossings."""
    label = metric_label(metric)
    header = [str(c) for c in gains.columns]
    rows: list[Sequence[object]] = [header, *(
        [table_number(v) for v in row] for row in gains.itertuples(index=False))]
    answer = (" ".join(crossings) if crossings
              else "The paired gain does not cross zero along any grid dimension.")
    out = [f"# {scenario_name}: sweep of {label}", "",
           f"**{answer}**", "",
           f"Paired gain in {label}, conductor - pilot, per grid cell (mean and 95% CI over "
           "replications):", "",
           markdown_rows(rows, [True] * len(header)), ""]
    out += [_figure(name.replace("_", " ").capitalize(), path,
                    f"The paired gain in {label} along the grid; dashed: zero.")
            for name, path in plots.items()]
    return "\n".join([*out, provenance_markdown(dict(prov))])


def decompose_page(scenario_name: str, metric: str, ranked: pd.DataFrame, total_text: str,
                   plot: Path, currency: str, prov: Mapping[str, Any]) -> str:
    """``report.md`` of a ``decompose`` folder: the levers ranked, then the waterfall."""
    rows = ranking_rows(ranked, metric, currency)
    levers = ranked[ranked["lever"] != RESIDUAL].to_dict("records")
    top = levers[0]
    answer = f"The lever that carries the most of the gain is {top['lever']}"
    following = ranked[ranked["rank"] == top["rank"] + 1].to_dict("records")
    if following:
        sure = "distinguishable" if top["distinct_from_next"] else "not distinguishable"
        answer += (f"; its lead over the next rank ({following[0]['lever']}) is {sure} at "
                   "this number of replications")
    answer += f". {total_text}"
    return "\n".join([
        f"# {scenario_name}: which lever carries the gain", "",
        f"**{answer}**", "",
        f"{ranking_title(metric)}.", "",
        markdown_rows(rows, (True, False, True, True, False)), "",
        _figure("Waterfall of the levers", plot, "Each bar is a lever's switch-off "
                "contribution; the interaction residual closes the gap to the total."),
        provenance_markdown(dict(prov)),
    ])


def table_number(value: object) -> str:
    """Table numbers: counts as integers, money without decimals, small values with 3."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        return f"{int(value):,}"
    if isinstance(value, Real):
        number = float(value)
        return f"{number:,.0f}" if abs(number) >= 100 else f"{number:,.3f}"
    return str(value)
