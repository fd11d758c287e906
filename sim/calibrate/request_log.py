"""Reading a log of content requests (and its optional per-step log) and checking every row.

The request log has one row per request with ``request_id, created, due, delivered, channel,
format, campaign, team, reused, revisions``; the step log one row per step with ``request_id,
step, resource, start, end``. Other columns are ignored. The simulator's own ``requests.parquet``
names three columns differently (``arrival``, ``finish``, ``agency``): :data:`OUR_NAMES` maps
them, so a results folder is valid input. Times may be day numbers, dates or datetimes; they are
turned into days since the first request's day (a date-only value counts as midday, as the
request came sometime that day). Every problem found is collected and raised at once, as a
:class:`~sim.scenario.problems.ScenarioError` naming the file, the row and the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibrate.output import problems_error
from sim.world.steps import STEP_KINDS

REQUEST_COLUMNS = ("request_id", "created", "due", "delivered", "channel", "format", "campaign",
                   "team", "reused", "revisions")
STEP_COLUMNS = ("request_id", "step", "resource", "start", "end")
OUR_NAMES = {"arrival": "created", "finish": "delivered", "agency": "team"}
"""The simulator's ``requests.parquet`` column -> the log column it stands for."""
MAX_LINES = 20
"""Problems listed per rule and column before the rest are counted in one line."""

Found = list[tuple[str, str]]


@dataclass(frozen=True)
class LogData:
    """A checked request log (times in days since the origin) and, if given, its step log."""

    requests: pd.DataFrame  # REQUEST_COLUMNS; delivered NaN when open; team "" when none
    steps: pd.DataFrame | None  # STEP_COLUMNS, times in days
    window: float  # days observed: arrivals lie in [0, window)
    source: str


def read_table(path: Path) -> pd.DataFrame:
    """A CSV or parquet file as a DataFrame (``ScenarioError`` naming the file if unreadable)."""
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # any reader failure is the same problem for the user
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise problems_error([("file", f"cannot be read as CSV or parquet: {reason}")],
                             str(path)) from None


def select_run(table: pd.DataFrame, setup: str | None, replication: int | None
               ) -> pd.DataFrame:
    """One (setup, replication) of a simulator's results table; other tables pass unchanged."""
    if "setup" in table.columns:
        names = list(dict.fromkeys(table["setup"].astype(str)))
        pick = setup or ("pilot" if "pilot" in names else names[0])
        table = table[table["setup"].astype(str) == pick]
    if "replication" in table.columns:
        reps = pd.to_numeric(table["replication"], errors="coerce")
        table = table[reps == (replication if replication is not None else reps.min())]
    return table.reset_index(drop=True)


def missing(table: pd.DataFrame, required: tuple[str, ...]) -> Found:
    """One problem per required column absent from ``table``."""
    return [(name, "required column is missing") for name in required if name not in table]


def _lines(rule: str, column: str, rows: np.ndarray) -> Found:
    """One line per bad row (data rows counted from 1), the rest counted in a last line."""
    out = [(f"row {int(r) + 1}, {column}", rule) for r in rows[:MAX_LINES]]
    if len(rows) > MAX_LINES:
        out.append((column, f"{rule}: {len(rows) - MAX_LINES} more rows"))
    return out


def parse_times(values: pd.Series, column: str, origin: pd.Timestamp | None,
                blank_ok: bool) -> tuple[np.ndarray, pd.Timestamp | None, Found]:
    """Day numbers of a time column, the origin used if it holds dates, and the problems found.

    Numbers are taken as days (the origin returned is then None); anything else must parse as
    a date or datetime, counted in days from ``origin`` (the column's first day if None).
    """
    text = values.astype(str).str.strip()
    blank = values.isna().to_numpy() | text.isin(["", "nan", "NaN", "NaT", "None"]).to_numpy()
    numbers = pd.to_numeric(text.where(~blank), errors="coerce").to_numpy(dtype=float)
    if np.all(blank | ~np.isnan(numbers)):
        bad = np.flatnonzero(blank) if not blank_ok else np.array([], dtype=int)
        return numbers, None, _lines("is empty", column, bad)
    stamps = pd.to_datetime(text.where(~blank), errors="coerce", format="mixed")
    unparsed = np.flatnonzero(~blank & stamps.isna().to_numpy())
    found = _lines("is not a date, datetime or day number", column, unparsed)
    if not blank_ok:
        found += _lines("is empty", column, np.flatnonzero(blank))
    ok = stamps.dropna()
    if ok.empty:
        return np.full(len(values), np.nan), origin, found
    if origin is None:
        origin = ok.min().normalize()
    days = ((stamps - origin) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    if (ok == ok.dt.normalize()).all():  # dates only: the request came sometime that day
        days = days + 0.5
    return days, origin, found


def as_flags(values: pd.Series, column: str) -> tuple[np.ndarray, Found]:
    """Booleans from true/false, yes/no or 1/0 (``reused``)."""
    text = values.astype(str).str.strip().str.lower()
    true, false = text.isin(["true", "1", "yes", "y", "t"]), text.isin(["false", "0", "no", "n",
                                                                        "f", ""])
    bad = np.flatnonzero(~(true | false).to_numpy())
    return true.to_numpy(), _lines("must be true or false", column, bad)


def as_counts(values: pd.Series, column: str) -> tuple[np.ndarray, Found]:
    """Non-negative whole numbers (``revisions``; empty counts as 0)."""
    text = values.astype(str).str.strip().replace("", "0")
    x = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(np.isnan(x) | (x < 0) | (np.nan_to_num(x) % 1 != 0))
    return np.nan_to_num(x).astype(np.int64), _lines("must be a whole number >= 0", column, bad)


def names(values: pd.Series) -> np.ndarray:
    """Text labels, blank for missing values."""
    text = values.astype(str).str.strip()
    return np.where(values.isna().to_numpy() | text.isin(["nan", "None"]).to_numpy(), "",
                    text.to_numpy(dtype=object)).astype(object)


@dataclass(frozen=True)
class Known:
    """Names a template scenario defines; a log naming others is refused (None: no check)."""

    channels: set[str] | None = None
    formats: set[str] | None = None
    teams: set[str] | None = None
    stages: set[str] | None = None


def _unknown(values: np.ndarray, allowed: set[str] | None, column: str, what: str) -> Found:
    if allowed is None:
        return []
    bad = np.flatnonzero([v != "" and v not in allowed for v in values])
    return _lines(f"unknown {what} (not in the template)", column, bad)


def same_kind(first: pd.Timestamp | None, other: pd.Timestamp | None, values: pd.Series,
              column: str, reference: str) -> Found:
    """A problem if ``column`` holds dates and ``reference`` day numbers, or the other way."""
    blank = values.astype(str).str.strip().isin(["", "nan", "NaN", "NaT", "None"]) | values.isna()
    if blank.all() or (first is None) == (other is None):
        return []
    return [(column, f"must hold the same kind of time as {reference} (dates or day numbers)")]


def requests_frame(raw: pd.DataFrame, known: Known) -> tuple[pd.DataFrame, pd.Timestamp | None,
                                                             Found]:
    """The request columns parsed and checked row by row."""
    created, origin, found = parse_times(raw["created"], "created", None, blank_ok=False)
    due, due_origin, more = parse_times(raw["due"], "due", origin, blank_ok=False)
    delivered, done_origin, late = parse_times(raw["delivered"], "delivered", origin,
                                               blank_ok=True)
    more += same_kind(origin, due_origin, raw["due"], "due", "created")
    more += same_kind(origin, done_origin, raw["delivered"], "delivered", "created")
    reused, bad_flags = as_flags(raw["reused"], "reused")
    revisions, bad_counts = as_counts(raw["revisions"], "revisions")
    found += more + late + bad_flags + bad_counts
    found += _lines("delivered is before created", "delivered",
                    np.flatnonzero(delivered < created))
    found += _lines("due is before created", "due", np.flatnonzero(due < created))
    ids = names(raw["request_id"])
    found += _lines("request_id is repeated", "request_id",
                    np.flatnonzero(pd.Series(ids).duplicated().to_numpy()))
    frame = pd.DataFrame({"request_id": ids, "created": created, "due": due,
                          "delivered": delivered, "channel": names(raw["channel"]),
                          "format": names(raw["format"]), "campaign": names(raw["campaign"]),
                          "team": names(raw["team"]), "reused": reused, "revisions": revisions})
    found += _unknown(frame["channel"].to_numpy(), known.channels, "channel", "channel")
    found += _unknown(frame["format"].to_numpy(), known.formats, "format", "format")
    found += _unknown(frame["team"].to_numpy(), known.teams, "team", "team")
    found += _lines("is empty", "channel", np.flatnonzero(frame["channel"].to_numpy() == ""))
    return frame, origin, found


def steps_frame(raw: pd.DataFrame, origin: pd.Timestamp | None, ids: set[str], known: Known
                ) -> tuple[pd.DataFrame, Found]:
    """The step columns parsed and checked row by row."""
    start, start_origin, found = parse_times(raw["start"], "start", origin, blank_ok=False)
    end, end_origin, more = parse_times(raw["end"], "end", origin, blank_ok=False)
    for column, used in (("start", start_origin), ("end", end_origin)):
        more += same_kind(origin, used, raw[column], column, "the request log's created")
    found += more + _lines("end is before start", "end", np.flatnonzero(end < start))
    frame = pd.DataFrame({"request_id": names(raw["request_id"]), "step": names(raw["step"]),
                          "resource": names(raw["resource"]), "start": start, "end": end})
    found += _lines("request_id is not in the request log", "request_id",
                    np.flatnonzero(~frame["request_id"].isin(ids).to_numpy()))
    found += _lines(f"unknown step (one of {', '.join(STEP_KINDS)})", "step",
                    np.flatnonzero(~frame["step"].isin(STEP_KINDS).to_numpy()))
    resources = (None if known.teams is None or known.stages is None
                 else known.teams | known.stages | {f"stage:{s}" for s in known.stages})
    found += _unknown(frame["resource"].to_numpy(), resources, "resource", "team or stage")
    return frame, found


def read_log(path: Path, steps_path: Path | None = None, known: Known | None = None,
             setup: str | None = None, replication: int | None = None) -> LogData:
    """Read and check a request log and its optional step log; every problem raised at once."""
    known = known or Known()
    raw = select_run(read_table(path), setup, replication)
    raw = raw.rename(columns={ours: log for ours, log in OUR_NAMES.items() if log not in raw})
    found = missing(raw, REQUEST_COLUMNS)
    if found:
        raise problems_error(found, str(path))
    if raw.empty:
        raise problems_error([("rows", "the log has no requests")], str(path))
    requests, origin, found = requests_frame(raw, known)
    if found:
        raise problems_error(found, str(path))
    steps = None
    if steps_path is not None:
        raw_steps = select_run(read_table(steps_path), setup, replication)
        found = missing(raw_steps, STEP_COLUMNS)
        if not found:
            steps, found = steps_frame(raw_steps, origin, set(requests["request_id"]), known)
        if found:
            raise problems_error(found, str(steps_path))
    window = float(np.floor(requests["created"].max()) + 1.0)
    return LogData(requests, steps, window, str(path))
