"""Dotted paths into plain scenario data: ``agencies.0.capacity`` names a key or list item.

Used by grid edits (:mod:`sim.scenario.edit`) and by the checks of the ``uncertain:`` section
(:mod:`sim.scenario.uncertain`); it imports no other scenario module, so loading can use it.
"""

from __future__ import annotations

from typing import Any

from sim.scenario.problems import Problem, ScenarioError


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at dotted ``path`` inside nested dicts and lists (list indices as integers).

    Only existing keys and indices can be set; anything else raises :class:`ScenarioError` naming
    the path.
    """
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        where = ".".join(parts[: depth + 1])
        if isinstance(node, dict):
            if part not in node:
                known = ", ".join(sorted(map(str, node)))
                raise ScenarioError([Problem(path, f"unknown key {part!r} (known: {known})")])
            key: Any = part
        elif isinstance(node, list):
            if not part.lstrip("-").isdigit():
                raise ScenarioError([Problem(path, f"{where}: expects a list index, not {part!r}")])
            key = int(part)
            if not 0 <= key < len(node):
                raise ScenarioError([Problem(
                    path, f"index {key} out of range (0..{len(node) - 1})"
                    if node else f"index {key} out of range (the list is empty)")])
        else:
            parent = ".".join(parts[:depth])
            raise ScenarioError([Problem(path, f"{parent} is a value, not a mapping or list")])
        if depth == len(parts) - 1:
            node[key] = value
        else:
            node = node[key]


def value_at(data: Any, path: str) -> Any:
    """The value at a dotted path of plain scenario data (the path must exist)."""
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data
