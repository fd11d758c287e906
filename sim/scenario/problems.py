"""What is wrong with a scenario: one :class:`Problem` per broken rule, raised together."""

from __future__ import annotations

from typing import Any


class Problem:
    """One thing wrong with a scenario: where, which rule, what was given."""

    def __init__(self, path: str, rule: str, value: Any = None, file: str | None = None):
        self.path, self.rule, self.value, self.file = path, rule, value, file

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        given = "" if self.value is None else f" (got {self.value!r})"
        return f"{where}{self.path}: {self.rule}{given}"


class ScenarioError(ValueError):
    """A scenario that cannot be used, with one :class:`Problem` per rule broken."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
