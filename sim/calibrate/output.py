"""Calibrated scenario blocks: commented YAML, merged into a template, validated, written once.

A :class:`Calibrated` holds top-level scenario blocks in our schema and, for any node, a note
saying where its number came from (an estimate and its 95% CI, a formula, a file). Notes are
addressed by path tuples such as ``("channels", "search", "hill_k")``: list items of named
mappings are addressed by their ``name``, other list items by index.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.files import write_atomic
from sim.scenario.load import load_scenario, scenario_from_dict
from sim.scenario.problems import Problem, ScenarioError
from sim.scenario.schema import Scenario

PathKey = tuple[str | int, ...]
INDENT = "  "


@dataclass
class Calibrated:
    """Scenario blocks estimated from data, with a note per number and what could not be."""

    blocks: dict[str, Any]
    notes: dict[PathKey, str] = field(default_factory=dict)
    not_estimated: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    digits: int = 6  # significant digits written (imported curves keep more, to be exact)

    def merged_with(self, other: Calibrated) -> Calibrated:
        """Both sets of blocks (``other`` wins on a clash), notes and remarks together."""
        return Calibrated(merge_blocks(self.blocks, other.blocks), {**self.notes, **other.notes},
                          self.not_estimated + other.not_estimated, self.header + other.header,
                          max(self.digits, other.digits))


def merge_blocks(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``update`` into ``base``: mappings key by key, lists of named mappings by name.

    A named item of ``update`` updates the item of ``base`` with the same name, or is appended;
    items of ``base`` it does not name are kept. Any other value of ``update`` replaces.
    """
    out = dict(base)
    for key, value in update.items():
        old = out.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            out[key] = merge_blocks(old, value)
        elif isinstance(old, list) and _named_list(old) and _named_list(value):
            out[key] = _merge_named(old, value)
        else:
            out[key] = value
    return out


def _named_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(v, Mapping) and "name" in v for v in value)


def _merge_named(base: list[Any], update: list[Any]) -> list[Any]:
    by_name = {item["name"]: item for item in update}
    out = [merge_blocks(item, by_name.pop(item["name"])) if item["name"] in by_name else item
           for item in base]
    return out + [dict(v) for v in by_name.values()]


def to_yaml(calibrated: Calibrated) -> str:
    """The blocks as YAML text, each note as a comment on its line (or above its list item)."""
    lines = [f"# {h}" if h else "#" for h in calibrated.header]
    lines += [f"# not estimated: {s}" for s in calibrated.not_estimated]
    for key, value in calibrated.blocks.items():
        lines += _node(key, value, (key,), 0, calibrated.notes, calibrated.digits)
    return "\n".join(lines) + "\n"


def _node(key: str, value: Any, path: PathKey, depth: int, notes: Mapping[PathKey, str],
          digits: int = 6) -> list[str]:
    pad = INDENT * depth
    note = f"  # {notes[path]}" if path in notes else ""
    if isinstance(value, Mapping) and not _flow(value):
        lines = [f"{pad}{key}:{note}"]
        for k, v in value.items():
            lines += _node(str(k), v, (*path, str(k)), depth + 1, notes, digits)
        return lines
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        lines = [f"{pad}{key}:{note}"]
        for i, item in enumerate(value):
            lines += _item(item, (*path, item.get("name", i)), depth + 1, notes, digits)
        return lines
    return [f"{pad}{key}: {_scalar(value, digits)}{note}"]


def _item(item: Mapping[str, Any], path: PathKey, depth: int, notes: Mapping[PathKey, str],
          digits: int) -> list[str]:
    """One mapping of a list, ``- `` on its first key, its note as a comment above it."""
    lines = [f"{INDENT * depth}# {notes[path]}"] if path in notes else []
    body: list[str] = []
    for k, v in item.items():
        body += _node(str(k), v, (*path, str(k)), depth + 1, notes, digits)
    first = body[0].removeprefix(INDENT * (depth + 1))
    return [*lines, f"{INDENT * depth}- {first}", *body[1:]]


def _flow(value: Mapping[str, Any]) -> bool:
    """Small mappings of scalars (distributions such as ``{dist: lognormal, ...}``) stay inline."""
    return all(not isinstance(v, Mapping | list) for v in value.values()) and len(value) <= 4


def _scalar(value: Any, digits: int = 6) -> str:
    if isinstance(value, float):
        value = _rounded(value, digits)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_scalar(v, digits)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v, digits) for v in value) + "]"
    text: str = yaml.safe_dump(value, default_flow_style=True, width=10_000)
    return text.removesuffix("\n...\n").strip()


def _rounded(x: float, digits: int = 6) -> float:
    """``x`` to ``digits`` significant digits: enough for a parameter, short to read."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def with_template(calibrated: Calibrated, template: Path) -> Calibrated:
    """The template scenario with the calibrated blocks merged in (``ScenarioError`` if bad)."""
    load_scenario(template)  # the template itself must be valid: its problems name its file
    raw = yaml.safe_load(template.read_text(encoding="utf-8"))
    header = [f"calibrated blocks merged into {template}", *calibrated.header]
    return Calibrated(merge_blocks(raw, calibrated.blocks), calibrated.notes,
                      calibrated.not_estimated, header, calibrated.digits)


Merge = Callable[[Calibrated, Path], Calibrated]
"""How calibrated blocks go into a template scenario."""


def write_calibrated(calibrated: Calibrated, out: Path, template: Path | None = None,
                     merge: Merge = with_template) -> str:
    """Write the blocks (merged into ``template`` if given) to ``out`` atomically; return the text.

    With a template the result must be a valid scenario: its problems are raised, naming ``out``,
    and nothing is written. ``merge`` puts the blocks into the template (a source whose
    estimates replace whole template values passes its own).
    """
    if template is not None:
        calibrated = merge(calibrated, template)
    text = to_yaml(calibrated)
    reread = yaml.safe_load(text)
    if reread != _plain(calibrated.blocks, calibrated.digits):  # must read back as given
        raise ValueError("calibrated YAML does not read back as written")
    if template is not None:
        as_scenario(calibrated, out)
    write_atomic(out, text)
    return text


def as_scenario(calibrated: Calibrated, out: Path) -> Scenario:
    """The blocks as the scenario ``out`` would hold once written (``ScenarioError`` naming it)."""
    return scenario_from_dict(yaml.safe_load(to_yaml(calibrated)), file=str(out))


def _plain(blocks: Any, digits: int = 6) -> Any:
    """Blocks with floats rounded as written, for the round-trip check."""
    if isinstance(blocks, Mapping):
        return {str(k): _plain(v, digits) for k, v in blocks.items()}
    if isinstance(blocks, list | tuple):
        return [_plain(v, digits) for v in blocks]
    return _rounded(blocks, digits) if isinstance(blocks, float) else blocks


def problems_error(lines: Iterable[tuple[str, str]], file: str) -> ScenarioError:
    """A :class:`ScenarioError` from ``(field or row, rule)`` pairs found in an input ``file``."""
    return ScenarioError([Problem(where, rule, file=file) for where, rule in lines])
