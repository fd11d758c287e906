"""Results folders: what a comparison writes to disk, written so a folder is always complete.

A results folder holds::

    scenario.resolved.yaml   the scenario with every default filled in
    provenance.json          versions, git revision, scenario hash, seed, command line, times
    summary.csv              one row per (setup, replication); byte-identical for the same inputs
    comparison.csv           means, confidence intervals and paired differences per metric
    daily.parquet            one row per (setup, replication, day, channel)
    requests.parquet         one row per content request
    steps.parquet            one row per step of a request (hand-off, wait, work, review, ...)
    resources.parquet        one row per (setup, replication, day, team or approval stage)
    *.png, report.md         plots and a Markdown report

Everything is first written to a temporary folder beside the target (``.<name>.tmp-<pid>``) and
renamed into place only once complete; on any error or interrupt the temporary folder is removed
(the finished runs of ``run`` and ``compare`` are kept apart, by :mod:`sim.runs.store`).
``redraw`` rebuilds plots, ``comparison.csv`` and ``report.md`` of a saved folder, file by file
through temporary names and :func:`os.replace`.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.files import (
    RESULTS_MARKER,
    ResultsError,
    remove_stale_siblings,
    remove_tree,
    temporary_sibling,
    writing_to,
)
from sim.report.bottleneck import bottleneck_headline, bottleneck_section
from sim.report.breakeven import answer_payback
from sim.report.figures import DAILY_COLUMNS, REQUEST_COLUMNS, SUMMARY_COLUMNS, make_plots
from sim.report.headline import CONDUCTOR, YARDSTICKS
from sim.report.markdown import write_report
from sim.report.page import REPORT_HTML, REPORT_MD
from sim.report.provenance import RunInfo, provenance
from sim.runs.experiment import Comparison
from sim.scenario.schema import Scenario
from sim.tables.comparison import (
    DEFAULT_REFERENCE,
    comparison_table,
    ordered_setups,
    regret_table,
)

SCENARIO_FILE = "scenario.resolved.yaml"
PROVENANCE_FILE = RESULTS_MARKER
SUMMARY_FILE = "summary.csv"
COMPARISON_FILE = "comparison.csv"
DAILY_FILE = "daily.parquet"
REQUESTS_FILE = "requests.parquet"
STEPS_FILE = "steps.parquet"
RESOURCES_FILE = "resources.parquet"
REPORT_FILE = REPORT_MD
DATA_FILES = (SUMMARY_FILE, DAILY_FILE, REQUESTS_FILE)


# -- provenance ----------------------------------------------------------------------------------


# -- atomic folders ------------------------------------------------------------------------------


# -- writing -------------------------------------------------------------------------------------
def ordered_summary(summary: pd.DataFrame, setups: Sequence[str]) -> pd.DataFrame:
    """Summary rows in a fixed order (setups as listed, then replication), index dropped."""
    if summary.empty or not {"setup", "replication"} <= set(summary.columns):
        return summary.reset_index(drop=True)
    rank = {name: i for i, name in enumerate(setups)}
    key = summary["setup"].map(lambda s: rank.get(s, len(rank)))
    order = sorted(range(len(summary)), key=lambda i: (key.iat[i], summary["replication"].iat[i]))
    return summary.iloc[order].reset_index(drop=True)


def write_summary(summary: pd.DataFrame, path: Path) -> None:
    """Write ``summary.csv`` with stable formatting (no index, LF line ends)."""
    summary.to_csv(path, index=False, lineterminator="\n")


def write_scenario(scenario: Scenario, folder: Path) -> Path:
    """Write ``scenario.resolved.yaml``: every field, defaults filled, in schema order."""
    path = folder / SCENARIO_FILE
    text = yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write indented JSON with a final newline."""
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def reference_for(setups: Sequence[str], preferred: str = DEFAULT_REFERENCE) -> str:
    """Pick the reference setup of differences: ``pilot`` if present, else the first setup."""
    if preferred in setups or not setups:
        return preferred
    return setups[0]


def render(
    folder: Path,
    *,
    scenario_name: str,
    currency: str,
    summary: pd.DataFrame,
    daily: pd.DataFrame,
    requests: pd.DataFrame,
    reference: str,
    replications: int,
    seed: int,
    steps: pd.DataFrame | None = None,
    resources: pd.DataFrame | None = None,
    provenance: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, dict[str, Path]]:
    """Write ``comparison.csv``, the plots and ``report.md`` into ``folder``.

    Return the comparison table and the paths written, by name (``comparison``, ``report`` and
    one per plot). ``steps`` and ``resources`` add the operations figures and warnings;
    ``provenance`` ends the report. ``report.html`` is written beside ``report.md``.
    """
    table = comparison_table(summary, reference=reference)
    comparison_path = folder / COMPARISON_FILE
    table.to_csv(comparison_path, index=False, lineterminator="\n")
    plots = make_plots(summary, daily, requests, folder, currency=currency, steps=steps,
                       resources=resources)
    setups = ordered_setups(summary["setup"].tolist(), reference)
    report = write_report(
        folder, scenario_name, table, plots, replications, seed,
        reference=reference, currency=currency,
        regret=regret_table(summary),
        horizon_days=int(daily["day"].max()) + 1 if len(daily) else None,  # days run
        bottleneck=bottleneck_section(summary, setups, steps, resources),
        answer_lines=[answer_payback(summary, daily, requests, CONDUCTOR, reference),
                      bottleneck_headline(summary, [s for s in setups if s not in YARDSTICKS])],
        provenance=provenance,
    )
    return table, {"comparison": comparison_path, "report": Path(report),
                   "report_html": Path(report).with_name(REPORT_HTML), **plots}


def fill_folder(
    folder: Path, scenario: Scenario, comparison: Comparison, info: RunInfo
) -> pd.DataFrame:
    """Write every results file of ``comparison`` into an existing folder; return the table."""
    write_scenario(scenario, folder)
    summary = ordered_summary(comparison.summary, info.setups)
    write_summary(summary, folder / SUMMARY_FILE)
    prov = provenance(scenario, info)
    comparison.daily.to_parquet(folder / DAILY_FILE, index=False)
    comparison.requests.to_parquet(folder / REQUESTS_FILE, index=False)
    comparison.steps.to_parquet(folder / STEPS_FILE, index=False)
    comparison.resources.to_parquet(folder / RESOURCES_FILE, index=False)
    table, _ = render(
        folder,
        scenario_name=scenario.name,
        currency=scenario.currency,
        summary=summary,
        daily=comparison.daily,
        requests=comparison.requests,
        reference=info.reference,
        replications=info.replications,
        seed=info.seed,
        steps=comparison.steps,
        resources=comparison.resources,
        provenance=prov,
    )
    write_json(prov, folder / PROVENANCE_FILE)
    return table


# -- reading and redrawing -----------------------------------------------------------------------
@dataclass(frozen=True)
class SavedResults:
    """The data of a results folder, as needed to redraw its plots and report."""

    folder: Path
    scenario_name: str
    currency: str
    summary: pd.DataFrame
    daily: pd.DataFrame
    requests: pd.DataFrame
    reference: str
    replications: int
    seed: int
    steps: pd.DataFrame
    resources: pd.DataFrame
    provenance: dict[str, Any]


def _read_mapping(path: Path, parse: Callable[[str], Any],
                  errors: tuple[type[Exception], ...]) -> dict[str, Any]:
    """Parse a YAML or JSON file's top-level mapping (empty if missing or malformed)."""
    if not path.is_file():
        return {}
    caught: tuple[type[Exception], ...] = (*errors, UnicodeDecodeError)
    try:
        data = parse(path.read_text(encoding="utf-8"))
    except caught:
        return {}
    return data if isinstance(data, dict) else {}


def _read_table(path: Path, read: Callable[[Path], pd.DataFrame], kind: str,
                columns: Sequence[str]) -> pd.DataFrame:
    """Read a data file of a results folder; raise :class:`ResultsError` if it is damaged."""
    try:
        table = read(path)
    except (ValueError, OSError) as err:  # pandas and pyarrow parse errors are ValueErrors
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ResultsError(f"{path}: damaged or unreadable {kind} file ({reason})") from None
    missing = [name for name in columns if name not in table.columns]
    if missing:
        raise ResultsError(f"{path}: damaged, missing column(s) {', '.join(missing)}")
    return table


def load_results(folder: Path) -> SavedResults:
    """Read a results folder; raise :class:`ResultsError` naming a missing or damaged file."""
    folder = Path(folder)
    if not folder.exists():
        raise ResultsError(f"{folder}: not found")
    if not folder.is_dir():
        raise ResultsError(f"{folder}: not a folder")
    missing = [name for name in DATA_FILES if not (folder / name).is_file()]
    if missing:
        raise ResultsError(f"{folder}: not a results folder, missing {', '.join(missing)}")
    scenario = _read_mapping(folder / SCENARIO_FILE, yaml.safe_load, (yaml.YAMLError,))
    prov = _read_mapping(folder / PROVENANCE_FILE, json.loads, (json.JSONDecodeError,))
    summary = _read_table(folder / SUMMARY_FILE, pd.read_csv, "CSV", SUMMARY_COLUMNS)
    daily = _read_table(folder / DAILY_FILE, pd.read_parquet, "Parquet", DAILY_COLUMNS)
    requests = _read_table(folder / REQUESTS_FILE, pd.read_parquet, "Parquet", REQUEST_COLUMNS)
    steps, resources = (_read_optional(folder / name) for name in (STEPS_FILE, RESOURCES_FILE))
    setups = list(dict.fromkeys(summary["setup"]))
    replications = prov.get("replications")
    if not isinstance(replications, int):
        replications = int(summary["replication"].nunique())
    seed = prov.get("seed")
    prov_scenario = prov.get("scenario")
    prov_name = prov_scenario.get("name") if isinstance(prov_scenario, dict) else None
    return SavedResults(
        folder=folder,
        scenario_name=str(scenario.get("name") or prov_name or folder.name),
        currency=str(scenario.get("currency") or prov.get("currency") or "EUR"),
        summary=summary,
        daily=daily,
        requests=requests,
        reference=reference_for(setups, str(prov.get("reference") or DEFAULT_REFERENCE)),
        replications=replications,
        seed=seed if isinstance(seed, int) else 0,
        steps=steps,
        resources=resources,
        provenance=prov,
    )


def _read_optional(path: Path) -> pd.DataFrame:
    """An operations table of the folder, empty if the folder predates it (or lost it)."""
    if not path.is_file():
        return pd.DataFrame()
    return _read_table(path, pd.read_parquet, "Parquet", ())


def redraw(folder: Path) -> dict[str, Path]:
    """Rebuild ``comparison.csv``, the plots and ``report.md`` of a saved results folder.

    New files are written to a hidden working folder inside ``folder`` and moved over the old
    ones with :func:`os.replace`, so each file is always either the old or the new version.
    """
    saved = load_results(folder)
    remove_stale_siblings(saved.folder / "redraw")
    work = temporary_sibling(saved.folder / "redraw")
    shutil.rmtree(work, ignore_errors=True)
    with writing_to(saved.folder, advice=""):
        work.mkdir()
    try:
        _, made = render(
            work,
            scenario_name=saved.scenario_name,
            currency=saved.currency,
            summary=saved.summary,
            daily=saved.daily,
            requests=saved.requests,
            reference=saved.reference,
            replications=saved.replications,
            seed=saved.seed,
            steps=saved.steps,
            resources=saved.resources,
            provenance=saved.provenance,
        )
        with writing_to(saved.folder, advice=""):
            return {key: _move_out(path, work, saved.folder) for key, path in made.items()}
    finally:
        remove_tree(work)


def _move_out(path: Path, work: Path, folder: Path) -> Path:
    """Move a file written under ``work`` to the same relative place under ``folder``."""
    final = folder / Path(path).resolve().relative_to(work.resolve())
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, final)
    return final
