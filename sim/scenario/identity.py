"""What identifies a scenario: its canonical JSON and the hash of it (for caches and provenance)."""

from __future__ import annotations

import hashlib
import json

from sim.scenario.schema import Scenario


def scenario_fingerprint(scenario: Scenario) -> str:
    """Canonical JSON of a resolved scenario without ``setups`` and ``uncertain`` (sorted keys).

    Neither changes what a run of one setup does: the levers name the setup's behaviour, and
    ``uncertain`` only says which values ``uncertainty`` and ``sensitivity`` may draw (a sampled
    scenario has the drawn values set, so its fingerprint holds them).
    """
    data = scenario.to_dict()
    data.pop("setups", None)
    data.pop("uncertain", None)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the canonical JSON of the resolved scenario (sorted keys, no spaces)."""
    text = json.dumps(scenario.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
