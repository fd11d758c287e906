"""Results folders: what a comparison writes to disk, written so a folder is always complete.

A results folder holds::

    scenario.resolved.yaml   the scenario with every default filled in
    provenance.json          versions, git revision, scenario hash, seed, command line, times
    summary.csv              one row per (setup, replication); byte-identical for the same inputs
    comparison.csv           means, confidence intervals and paired differences per metric
    daily.parquet            one row per (setup, replication, day, channel)
    requests.parquet         one row per content request
    *.png, report.md         plots and a Markdown report

Everything is first written to a temporary folder beside the target (``.<name>.tmp-<pid>``) and
renamed into place only once complete; on any error or interrupt the temporary folder is removed
(the finished runs of ``run`` and ``compare`` are kept apart, by :mod:`sim.run_cache`).
``redraw`` rebuilds plots, ``comparison.csv`` and ``report.md`` of a saved folder, file by file
through temporary names and :func:`os.replace`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

if TYPE_CHECKING:
    from sim.config import Scenario
    from sim.experiment import Comparison

SCENARIO_FILE = "scenario.resolved.yaml"
PROVENANCE_FILE = "provenance.json"
SUMMARY_FILE = "summary.csv"
COMPARISON_FILE = "comparison.csv"
DAILY_FILE = "daily.parquet"
REQUESTS_FILE = "requests.parquet"
REPORT_FILE = "report.md"
DATA_FILES = (SUMMARY_FILE, DAILY_FILE, REQUESTS_FILE)
DEFAULT_REFERENCE = "pilot"
GIT_TIMEOUT_SECONDS = 5.0


class ResultsError(ValueError):
    """A results folder that cannot be read or a target that must not be replaced."""


# -- provenance ----------------------------------------------------------------------------------
def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the canonical JSON of the resolved scenario (sorted keys, no spaces)."""
    text = json.dumps(scenario.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _git(args: Sequence[str], cwd: Path) -> str | None:
    """Output of a read-only git command run in ``cwd``, or None if git fails or is missing."""
    try:
        done = subprocess.run(
            ["git", "--no-optional-locks", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_info(package_dir: Path | None = None) -> dict[str, Any]:
    """Git revision of the package source and whether its work tree has uncommitted changes.

    Both are None when the package is not in a git checkout, the repository has no commit yet,
    the package files are not tracked there, or git is not available.
    """
    pkg = package_dir or Path(__file__).resolve().parent
    unknown: dict[str, Any] = {"revision": None, "dirty": None}
    if _git(["ls-files", "--error-unmatch", "__init__.py"], pkg) is None:
        return unknown  # not tracked here: a revision would describe some other repository
    revision = _git(["rev-parse", "HEAD"], pkg)
    if revision is None:
        return unknown
    status = _git(["status", "--porcelain"], pkg)
    return {"revision": revision.strip(), "dirty": None if status is None else bool(status.strip())}


def _version(distribution: str) -> str | None:
    """Installed version of a distribution, or None."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _iso(moment: datetime) -> str:
    """Format an aware datetime as ISO-8601 text in UTC, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RunInfo:
    """How a comparison was run: everything provenance needs beyond the scenario."""

    setups: list[str]
    replications: int
    seed: int
    jobs: int
    command_line: str
    started: datetime
    finished: datetime
    reference: str = DEFAULT_REFERENCE
    scenario_file: str | None = None


def provenance(scenario: Scenario, info: RunInfo) -> dict[str, Any]:
    """Build the provenance record of a comparison, JSON-ready."""
    import sim

    return {
        "package": "campaign-sim",
        "version": sim.__version__,
        "git": git_info(),
        "scenario": {
            "name": scenario.name,
            "file": info.scenario_file,
            "sha256": scenario_hash(scenario),
        },
        "currency": scenario.currency,
        "setups": list(info.setups),
        "reference": info.reference,
        "replications": info.replications,
        "seed": info.seed,
        "jobs": info.jobs,
        "command_line": info.command_line,
        "started": _iso(info.started),
        "finished": _iso(info.finished),
        "duration_seconds": round((info.finished - info.started).total_seconds(), 3),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {
            name: _version(name) for name in ("numpy", "simpy", "pandas", "scipy", "pyarrow")
        },
    }


# -- atomic folders ------------------------------------------------------------------------------
def temporary_sibling(target: Path, kind: str = "tmp") -> Path:
    """Name the hidden working folder beside ``target``: ``.<name>.<kind>-<pid>``."""
    return target.parent / f".{target.name}.{kind}-{os.getpid()}"


def _os_reason(err: OSError) -> str:
    """The operating system's reason for an error, without the path it names."""
    return err.strerror or str(err) or type(err).__name__


@contextlib.contextmanager
def writing_to(target: Path, advice: str = "; choose another --out") -> Iterator[None]:
    """Report an OSError while creating or writing results folder ``target`` as ResultsError."""
    try:
        yield
    except OSError as err:
        raise ResultsError(
            f"{target}: cannot write the results folder here ({_os_reason(err)}){advice}"
        ) from None


def check_replaceable(target: Path) -> None:
    """Refuse a target that exists but is not a results folder, so nothing else gets deleted."""
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ResultsError(f"{target}: {parent} is not a folder; choose another --out")
            break
    if not target.exists() and not target.is_symlink():
        return
    if not target.is_dir() or target.is_symlink():
        raise ResultsError(f"{target}: exists and is not a folder; choose another --out")
    if any(target.iterdir()) and not (target / PROVENANCE_FILE).is_file():
        raise ResultsError(
            f"{target}: exists and is not a results folder (no {PROVENANCE_FILE}); "
            "refusing to replace it, choose another --out"
        )


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` to ``target``; an old ``target`` is moved aside first, then deleted."""
    if not target.exists():
        os.replace(tmp, target)
        return
    old = temporary_sibling(target, "old")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(old, target)  # put the previous complete folder back
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staging_folder(target: Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``target``; rename it into place on success.

    On any exception, KeyboardInterrupt included, the temporary folder is removed, the target is
    left as it was, and the exception propagates. An OSError while creating the folders or
    moving the result into place is raised as :class:`ResultsError` naming ``target``.
    """
    with writing_to(target):
        check_replaceable(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = temporary_sibling(target)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    try:
        yield tmp
        with writing_to(target):
            _swap_into_place(tmp, target)
    except BaseException:
        remove_tree(tmp)
        raise


def remove_tree(path: Path) -> None:
    """Delete a folder tree, finishing the job even if Ctrl-C is pressed again meanwhile."""
    while True:
        try:
            shutil.rmtree(path, ignore_errors=True)
            return
        except KeyboardInterrupt:
            continue


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
) -> tuple[pd.DataFrame, dict[str, Path]]:
    """Write ``comparison.csv``, the plots and ``report.md`` into ``folder``.

    Return the comparison table and the paths written, by name (``comparison``, ``report`` and
    one per plot).
    """
    from sim.plots import make_plots
    from sim.report import comparison_table, regret_table, write_report

    table = comparison_table(summary, reference=reference)
    comparison_path = folder / COMPARISON_FILE
    table.to_csv(comparison_path, index=False, lineterminator="\n")
    plots = make_plots(summary, daily, requests, folder, currency=currency)
    report = write_report(
        folder, scenario_name, table, plots, replications, seed,
        reference=reference, currency=currency,
        regret=regret_table(summary),
    )
    return table, {"comparison": comparison_path, "report": Path(report), **plots}


def write_results(
    out_dir: Path,
    scenario: Scenario,
    comparison: Comparison,
    info: RunInfo,
) -> Path:
    """Write a complete results folder at ``out_dir`` atomically and return its path."""
    target = Path(out_dir)
    with staging_folder(target) as tmp, writing_to(target):
        fill_folder(tmp, scenario, comparison, info)
    return target


def fill_folder(
    folder: Path, scenario: Scenario, comparison: Comparison, info: RunInfo
) -> pd.DataFrame:
    """Write every results file of ``comparison`` into an existing folder; return the table."""
    write_scenario(scenario, folder)
    summary = ordered_summary(comparison.summary, info.setups)
    write_summary(summary, folder / SUMMARY_FILE)
    comparison.daily.to_parquet(folder / DAILY_FILE, index=False)
    comparison.requests.to_parquet(folder / REQUESTS_FILE, index=False)
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
    )
    write_json(provenance(scenario, info), folder / PROVENANCE_FILE)
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
    from sim.plots import DAILY_COLUMNS, REQUEST_COLUMNS, SUMMARY_COLUMNS

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
    )


def redraw(folder: Path) -> dict[str, Path]:
    """Rebuild ``comparison.csv``, the plots and ``report.md`` of a saved results folder.

    New files are written to a hidden working folder inside ``folder`` and moved over the old
    ones with :func:`os.replace`, so each file is always either the old or the new version.
    """
    saved = load_results(folder)
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
