"""Provenance of a results folder: versions, git revision, scenario hash, seed, command, times."""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.scenario.identity import scenario_hash
from sim.scenario.schema import Scenario
from sim.tables.comparison import DEFAULT_REFERENCE
from sim.version import __version__

GIT_TIMEOUT_SECONDS = 5.0


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
    pkg = package_dir or Path(__file__).resolve().parents[1]
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
    return {
        "package": "campaign-sim",
        "version": __version__,
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
