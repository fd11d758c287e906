"""Dotted-path edits of a scenario and factorial grids of them (``sweep --grid``).

A grid maps dotted scenario paths (``demand.growth``, ``agencies.0.capacity``) to the values to
try; :func:`apply` makes a validated copy of a scenario with some paths set.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from sim.scenario.load import scenario_from_dict
from sim.scenario.paths import set_path
from sim.scenario.problems import Problem, ScenarioError
from sim.scenario.schema import Scenario

Grid = dict[str, list[Any]]

__all__ = ["Grid", "GridError", "apply", "grid_cells", "parse_grid", "set_path"]


class GridError(ScenarioError):
    """A grid specification that cannot be used (one :class:`Problem` per mistake)."""


def parse_grid(specs: Sequence[str]) -> Grid:
    """Parse ``PATH=V1,V2,...`` specifications; each value is read as a YAML scalar.

    ``parse_grid(["demand.growth=1,2,3"])`` gives ``{"demand.growth": [1, 2, 3]}``. Raises
    :class:`GridError` listing every malformed specification, empty or non-scalar value, path
    given twice or value repeated.
    """
    grid: Grid = {}
    problems: list[Problem] = []
    for spec in specs:
        path, sep, text = spec.partition("=")
        path = path.strip()
        if not sep or not path or not text.strip():
            problems.append(Problem("--grid", "expected PATH=V1,V2,...", spec))
            continue
        if path in grid:
            problems.append(Problem(path, "path given twice in the grid", spec))
            continue
        values = [_parse_scalar(part, path, problems) for part in text.split(",")]
        if any(v is _BAD for v in values):
            continue
        if any(v in values[:i] for i, v in enumerate(values)):  # 1 and 1.0 are one value
            problems.append(Problem(path, "a value is listed twice", text))
            continue
        grid[path] = values
    if problems:
        raise GridError(problems)
    return grid

_BAD = object()


def _parse_scalar(text: str, path: str, problems: list[Problem]) -> Any:
    """One grid value as a YAML scalar (``3`` -> int, ``0.5`` -> float, ``true`` -> bool).

    A value YAML reads as a string but Python reads as a number is that number (YAML wants
    ``2.0e+4`` where Python also takes ``2e4``).
    """
    if not text.strip():
        problems.append(Problem(path, "empty value in the list", text))
        return _BAD
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        problems.append(Problem(path, "not a YAML scalar", text))
        return _BAD
    if isinstance(value, dict | list) or value is None:
        problems.append(Problem(path, "not a scalar value", text))
        return _BAD
    if isinstance(value, str):
        try:
            number = ast.literal_eval(text.strip())
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return value
        if type(number) in (int, float):
            return number
    return value


def apply(scenario: Scenario, assignments: Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with each dotted path set to its value, validated again.

    Raises :class:`ScenarioError` for an unknown key, an index out of range, or a value the
    schema rejects.
    """
    data = scenario.to_dict()
    for path, value in assignments.items():
        set_path(data, path, value)
    return scenario_from_dict(data)


def grid_cells(grid: Grid) -> list[dict[str, Any]]:
    """Every combination of grid values, the first path varying slowest."""
    paths = list(grid)
    return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*grid.values())]
