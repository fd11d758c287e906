"""The ``uncertain:`` section checked against the scenario it belongs to.

Each entry maps a dotted path (the paths ``sweep --grid`` takes) to a range. An entry is usable
when its path names an existing numeric key (not a label, a list or a switch) and both of its
bounds are values that key accepts: each bound is set alone and the scenario validated again, so
the key's own rules (ranges and cross-references) speak. Integer keys (capacities, reviewers,
days of a data feed) take integer bounds and integer draws.

``run`` and ``compare`` ignore the section: it is left out of the fingerprint that keys stored
runs (:func:`sim.scenario.identity.scenario_fingerprint`), and a sampled scenario is the base
scenario without it, with the sampled values set.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sim.scenario.paths import set_path, value_at
from sim.scenario.problems import Problem, ScenarioError
from sim.scenario.schema import Scenario

Validate = Callable[[dict[str, Any]], Scenario]
"""Plain data to a validated scenario, raising :class:`ScenarioError` (the loader's)."""

SECTION = "uncertain"


def without_uncertain(scenario: Scenario) -> Scenario:
    """The scenario with an empty ``uncertain:`` section (what a sampled run starts from)."""
    return scenario.model_copy(update={SECTION: {}}) if scenario.uncertain else scenario


def is_number(value: Any) -> bool:
    """Whether a scenario value is a number a range can replace (``True`` is a switch, not 1)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def integer_paths(scenario: Scenario) -> set[str]:
    """The uncertain paths whose key holds an integer (they get integer draws)."""
    data = scenario.to_dict()
    return {path for path in scenario.uncertain if isinstance(value_at(data, path), int)}


def uncertain_problems(scenario: Scenario, validate: Validate, file: str | None = None
                       ) -> list[Problem]:
    """One problem per unusable entry of ``scenario.uncertain`` (empty when all are usable).

    ``validate`` checks a scenario with one bound set (the loader passes its own function, which
    keeps this module free of an import of the loader).
    """
    base = without_uncertain(scenario).to_dict()
    problems: list[Problem] = []
    for path, rng in scenario.uncertain.items():
        where = f"{SECTION}.{path}"
        try:
            set_path(copy.deepcopy(base), path, rng.low)
        except ScenarioError as err:
            problems += [Problem(where, p.rule, file=file) for p in err.problems]
            continue
        value = value_at(base, path)
        if not is_number(value):
            kind = "no value" if value is None else f"a {type(value).__name__}"
            problems.append(Problem(where, f"not a numeric key (it holds {kind}); only "
                                    "numbers can be uncertain", file=file))
            continue
        integer = isinstance(value, int)
        for name, bound in (("low", rng.low), ("high", rng.high)):
            problem = _bound_problem(base, path, name, bound, integer, validate)
            if problem is not None:
                problem.file = file
                problems.append(problem)
    return problems


def _bound_problem(base: dict[str, Any], path: str, name: str, bound: float,
                   integer: bool, validate: Validate) -> Problem | None:
    """Why ``path`` cannot take ``bound``, as one problem, or None if it can."""
    where = f"{SECTION}.{path}.{name}"
    if integer and bound != int(bound):
        return Problem(where, "an integer key needs whole-number bounds", bound)
    if integer:
        bound = int(bound)
    data = copy.deepcopy(base)
    set_path(data, path, bound)
    try:
        validate(data)
    except ScenarioError as err:
        own = [p for p in err.problems if p.path == path] or err.problems
        return Problem(where, f"outside the values the key accepts: {own[0].path}: "
                       f"{own[0].rule}", bound)
    return None


__all__ = ["integer_paths", "is_number", "uncertain_problems", "without_uncertain"]
