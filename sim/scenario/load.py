"""Reading scenario files: YAML with duplicate keys reported, then validation by the schema.

``load_scenario`` turns any problem into a :class:`~sim.scenario.problems.ScenarioError` that
lists one line per problem: file, field path, rule and the value given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.checks import CrossReferenceError
from sim.scenario.problems import Problem, ScenarioError
from sim.scenario.ranges import RANGE_KINDS
from sim.scenario.schema import Scenario
from sim.scenario.uncertain import uncertain_problems

_BRANCH_NAMES = {"str", "SetupSpec", "lognormal", "exponential", "gamma", "deterministic"}

_DIST_KINDS = "lognormal, exponential, gamma, deterministic"

_RANGE_RULES = {  # a range in the uncertain: section has its own kinds
    "union_tag_not_found": f"needs 'dist', one of: {RANGE_KINDS}",
    "union_tag_invalid": f"'dist' must be one of: {RANGE_KINDS}",
}

_RULES = {
    "extra_forbidden": "unknown key (not part of the scenario schema)",
    "missing": "required key is missing",
    "union_tag_not_found": f"needs 'dist', one of: {_DIST_KINDS}",
    "union_tag_invalid": f"'dist' must be one of: {_DIST_KINDS}",
}


def _problems(err: ValidationError, file: str | None) -> list[Problem]:
    out: list[Problem] = []
    for e in err.errors():
        if e["type"] == "string_type" and e["loc"][-1:] == ("str",) and isinstance(
                e.get("input"), dict):
            continue  # a {name, base, levers} setup: the plain-name branch does not apply
        loc, rules = _location(e["loc"])
        path = ".".join(str(p) for p in loc)
        msg = str(e["msg"]).removeprefix("Value error, ")
        cause = e.get("ctx", {}).get("error")
        if isinstance(cause, CrossReferenceError):
            out += [Problem(p, rule, value, file=file) for p, rule, value in cause.problems]
            continue
        rule = rules.get(e["type"], _RULES.get(e["type"], msg))
        value = None if e["type"] == "missing" else e.get("input")
        if isinstance(value, dict | list):
            value = None
        out.append(Problem(path or "(top level)", rule, value, file=file))
    return out


def _location(loc: tuple[Any, ...]) -> tuple[list[Any], dict[str, str]]:
    """An error's location without union branch names, and the rules that apply there."""
    if loc[:1] == ("uncertain",):  # uncertain.<dotted path>.<range kind>.<field>
        return [p for i, p in enumerate(loc) if i != 2], _RANGE_RULES
    return [p for p in loc if str(p) not in _BRANCH_NAMES], {}


def scenario_from_dict(data: Any, file: str | None = None) -> Scenario:
    """Validate plain data as a scenario, raising :class:`ScenarioError` on any problem."""
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise ScenarioError([Problem("(top level)", f"must be a mapping of keys, file is {kind}",
                                     file=file)])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_problems(err, file)) from None
    if scenario.uncertain:
        problems = uncertain_problems(scenario, scenario_from_dict, file)
        if problems:
            raise ScenarioError(problems)
    return scenario


MAX_FILE_BYTES = 1 << 20  # a commented scenario of 100 channels is under 100 kB
MAX_VALUES = 100_000  # values after aliases are expanded (a "billion laughs" file has 10**9)


class _TooLarge(Exception):
    """A YAML document whose aliases expand to too many values, or refer to themselves."""


class _Loader(yaml.SafeLoader):
    """The safe YAML loader, noting keys given twice in a mapping (instead of keeping the last)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.paths: dict[int, str] = {}  # id(node) -> dotted path of its first occurrence
        self.duplicates: list[Problem] = []

    def _note_paths(self, node: yaml.Node, path: str) -> None:
        if id(node) in self.paths:
            return  # an alias (possibly recursive): keep its first path
        self.paths[id(node)] = path
        prefix = f"{path}." if path else ""
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self._note_paths(value, prefix + str(key.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._note_paths(item, f"{prefix}{i}")

    def construct_document(self, node: yaml.Node) -> Any:
        _check_expanded_size(node)
        self._note_paths(node, "")
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        parent = self.paths.get(id(node), "")
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue  # '<<' merges may override; complex keys are rejected later
            key, line = self.construct_object(key_node), key_node.start_mark.line + 1
            if key in seen:
                rule = f"duplicate key (lines {seen[key]} and {line})"
                self.duplicates.append(Problem(f"{parent}.{key}" if parent else str(key), rule))
            else:
                seen[key] = line
        return super().construct_mapping(node, deep)


def _check_expanded_size(root: yaml.Node) -> None:
    """Refuse a document that would expand to more than :data:`MAX_VALUES` values.

    Aliases make a small file describe a huge (or, through a recursive alias, infinite)
    structure; sizes are counted per node once, so the check itself stays cheap.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in active:
            raise _TooLarge("an alias refers to the node that contains it (recursive alias)")
        active.add(id(node))
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        total = 1 + sum(size(child) for child in children)
        active.discard(id(node))
        if total > MAX_VALUES:
            raise _TooLarge(f"expands to more than {MAX_VALUES:,} values through aliases")
        sizes[id(node)] = total
        return total

    size(root)


def _read_text(p: Path) -> str:
    """The text of a scenario file, or a :class:`ScenarioError` saying why it cannot be read."""
    try:
        if p.exists() and not (p.is_file() or p.is_dir()):
            rule = "not a regular file"
        elif p.is_file() and (size := p.stat().st_size) > MAX_FILE_BYTES:
            rule = (f"file is {size / 1e6:,.1f} MB, larger than a scenario can be "
                    f"(at most {MAX_FILE_BYTES // 1024:,} kB)")
        else:
            return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        rule = "file not found"
    except IsADirectoryError:
        rule = "is a directory"
    except OSError as err:
        rule = f"cannot read: {(err.strerror or str(err)).lower()}"
    except UnicodeDecodeError:
        rule = "not UTF-8 text"
    raise ScenarioError([Problem("(file)", rule, file=str(p))])


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a YAML scenario file."""
    p = Path(path)
    loader = _Loader(_read_text(p))
    try:
        data = loader.get_single_data()
    except _TooLarge as err:
        raise ScenarioError([Problem("(file)", f"YAML: {err}", file=str(p))]) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        rule = getattr(err, "problem", None) or str(err)
        raise ScenarioError([Problem(where, f"YAML syntax error: {rule}", file=str(p))]) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        for problem in loader.duplicates:
            problem.file = str(p)
        raise ScenarioError(loader.duplicates)
    return scenario_from_dict(data, file=str(p))
