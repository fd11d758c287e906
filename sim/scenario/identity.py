"""What identifies a scenario: its canonical JSON and the hash of it (for caches and provenance)."""

from __future__ import annotations

import hashlib
import json

from sim.scenario.schema import Scenario


def scenario_fingerprint(scenario: Scenario) -> str:
    """Canonical JSON of a resolved scenario without its ``setups`` list (sorted keys, ASCII)."""
    data = scenario.to_dict()
    data.pop("setups", None)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the canonical JSON of the resolved scenario (sorted keys, no spaces)."""
    text = json.dumps(scenario.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
