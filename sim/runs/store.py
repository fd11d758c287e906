"""Finished runs kept one file each, and the one loop that loads what is kept and runs the rest.

``compare``, ``run``, ``sweep`` and ``decompose`` all go through :func:`run_all`: a run whose key
the store holds is loaded instead of run, every other run goes to a backend, and each result is
stored the moment it arrives, so a Ctrl-C, a SIGTERM or a crash loses only the runs in progress
and the same command run again resumes. A key is the SHA-256 of what determines a run (the
scenario, the levers, the seed, the replication and the package version).

Files are pickles, uncompressed: one file gives back a run's tables exactly (dtypes, column order,
NaN), so a resumed comparison is byte-identical to an uninterrupted one, and writing one costs
far less than compressing it. They are local files written by this program for itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sim.files import ResultsError, remove_tree, write_atomic
from sim.runs.backends import Backend
from sim.scenario.setups import Levers
from sim.version import __version__

T = TypeVar("T")
R = TypeVar("R")


def run_key(fingerprint: str, levers: Levers, seed: int, replication: int,
            setup: str | None = None) -> str:
    """SHA-256 of what determines a run: scenario fingerprint, levers, seed, replication, version.

    The scenario's ``setups`` list is not part of the fingerprint (the levers say what the setup
    does), so adding a setup to a scenario keeps the runs already stored. Give ``setup`` when
    the stored result carries the setup's name (the tables of ``compare``).
    """
    lever_json = json.dumps(levers.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    parts = [fingerprint, lever_json, str(int(seed)), str(int(replication)), __version__]
    if setup is not None:
        parts.append(setup)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class RunStore:
    """One pickle file per finished run, ``<root>/<key>.pkl``, written atomically.

    With ``root`` None nothing is kept. A file that cannot be read, or holds another key, counts
    as missing: the run is redone. ``writes`` counts the runs stored by this object.
    """

    def __init__(self, root: str | Path | None):
        self.root = None if root is None else Path(root)
        self.writes = 0

    @staticmethod
    def folder_beside(out: Path) -> Path:
        """Where the runs of results folder ``out`` are kept: ``.<name>.runs`` beside it."""
        return out.parent / f".{out.name}.runs"

    def path(self, key: str) -> Path:
        """Where the run with this key is stored."""
        if self.root is None:
            raise ValueError("this store keeps nothing")
        return self.root / f"{key}.pkl"

    def get(self, key: str) -> Any | None:
        """The stored result, or None if it is not (readably) stored."""
        if self.root is None:
            return None
        try:
            stored_key, value = pickle.loads(self.path(key).read_bytes())
        except Exception:  # missing, damaged, or written by another version: run it again
            return None
        return value if stored_key == key else None

    def put(self, key: str, value: Any) -> None:
        """Store a result atomically; raise :class:`ResultsError` naming the folder if it cannot."""
        self.writes += 1
        if self.root is None:
            return
        try:
            write_atomic(self.path(key), pickle.dumps((key, value), pickle.HIGHEST_PROTOCOL))
        except OSError as err:
            raise ResultsError(f"{self.root}: cannot store a finished run here "
                               f"({err.strerror or err}); choose another --out") from None

    def count(self) -> int:
        """How many runs are stored."""
        if self.root is None or not os.path.isdir(self.root):
            return 0
        return len(list(self.root.glob("*.pkl")))

    def remove(self) -> None:
        """Delete the store's folder and everything in it."""
        if self.root is not None:
            remove_tree(self.root)


def run_all(tasks: Sequence[T], keys: Sequence[str], fn: Callable[[T], R], store: RunStore,
            backend: Backend, on_done: Callable[[], None] | None = None,
            on_cached: Callable[[int, int], None] | None = None) -> list[R]:
    """The result of ``fn(task)`` for every task, in task order: loaded if stored, else run.

    Tasks that share a key run once. ``on_cached(found, total)`` is called once after the
    store was read (``on_done()`` first for each run found), and ``on_done()`` after each run.
    """
    found: dict[str, Any] = {}
    for key in dict.fromkeys(keys):
        value = store.get(key)
        if value is not None:
            found[key] = value
    per_key = Counter(keys)
    done = (lambda: None) if on_done is None else on_done
    for key in found:
        for _ in range(per_key[key]):
            done()
    if on_cached:
        on_cached(sum(per_key[key] for key in found), len(tasks))
    todo = {key: task for key, task in zip(keys, tasks, strict=True) if key not in found}

    def keep(item: tuple[str, R]) -> None:
        key, value = item
        store.put(key, value)
        found[key] = value
        for _ in range(per_key[key]):
            done()

    backend.map_unordered(_keyed, [(key, fn, task) for key, task in todo.items()], keep)
    return [found[key] for key in keys]


def _keyed(item: tuple[str, Callable[[Any], Any], Any]) -> tuple[str, Any]:
    """Run one task in a worker and hand its result back with its key."""
    key, fn, task = item
    return key, fn(task)


__all__ = ["RunStore", "run_all", "run_key"]
