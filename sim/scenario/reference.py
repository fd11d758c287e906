"""A Markdown reference of every scenario key, generated from the pydantic schema.

The schema is the single source of truth; ``docs/SCENARIO_REFERENCE.md`` is written from it by
``python -m sim.scenario.reference`` and a test checks that the file is up to date.
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sim.scenario.distributions import Deterministic, Exponential, Gamma, LogNormal
from sim.scenario.ranges import RANGES
from sim.scenario.schema import Scenario

DISTRIBUTIONS: tuple[type[BaseModel], ...] = (LogNormal, Exponential, Gamma, Deterministic)
_OWN_TABLES: tuple[type[BaseModel], ...] = (*DISTRIBUTIONS, *RANGES)  # documented apart


_BOUNDS = ((Ge, ">="), (Gt, ">"), (Le, "<="), (Lt, "<"))


def _bounds(metadata: typing.Iterable[Any], prefix: str = "") -> list[str]:
    out = []
    for m in metadata:
        for cls, sym in _BOUNDS:
            if isinstance(m, cls):
                out.append(f"{prefix}{sym} {getattr(m, next(iter(m.__dataclass_fields__)))}")
        if isinstance(m, MinLen):
            out.append(f"{prefix}at least {m.min_length} long")
        if isinstance(m, MaxLen):
            out.append(f"{prefix}at most {m.max_length} long")
        out.extend(_bounds(getattr(m, "metadata", ()), prefix))  # nested FieldInfo
    return out


def _range(info: FieldInfo) -> str:
    parts = _bounds(info.metadata)
    tp = info.annotation
    prefix = "each " if typing.get_origin(tp) in (list, dict) else ""
    for a in typing.get_args(tp):  # bounds carried by Annotated members or list items
        for inner in (a, *typing.get_args(a)):
            parts.extend(_bounds(getattr(inner, "__metadata__", ()), prefix))
    return ", ".join(dict.fromkeys(parts))


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _type_name(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(a) for a in typing.get_args(tp)]
        if "uniform" in names:
            return "range"
        if any(n in {"lognormal", "exponential"} for n in names):
            return "distribution"
        return " or ".join(names)
    if origin is typing.Literal:
        return " / ".join(repr(a) for a in typing.get_args(tp))
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(_type_name(a) for a in typing.get_args(tp))}]"
    if isinstance(tp, type) and tp in _OWN_TABLES:
        return str(tp.model_fields["dist"].default)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "mapping"
    if tp is type(None):
        return "null"
    return getattr(tp, "__name__", str(tp))


def _default(info: FieldInfo) -> str:
    if info.default is PydanticUndefined and info.default_factory is None:
        return "required"
    value = info.default_factory() if info.default_factory else info.default  # type: ignore[call-arg]
    if isinstance(value, BaseModel):
        return "see below" if type(value).model_fields else "{}"
    return "`" + str(value) + "`" if value is not None else "none"


def _nested_models(tp: Any) -> list[type[BaseModel]]:
    out: list[type[BaseModel]] = []
    for a in (tp, *typing.get_args(tp)):
        if isinstance(a, type) and issubclass(a, BaseModel) and a not in _OWN_TABLES:
            out.append(a)
        elif typing.get_args(a) and a is not tp:
            out.extend(_nested_models(a))
    return out


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        path = f"{prefix}{key}"
        rows.append(f"| `{path}` | {_type_name(info.annotation)} | {_default(info)} | "
                    f"{_range(info)} | {info.description or ''} |")
        for sub in _nested_models(info.annotation):
            sep = ".N." if typing.get_origin(info.annotation) is list else "."
            rows.extend(_rows(sub, f"{path}{sep}"))
    return rows


def render() -> str:
    """The whole reference as Markdown."""
    head = ["# Scenario reference", "",
            "Generated from the schema by `python -m sim.scenario.reference` "
            "(do not edit by hand).",
            "Times are in days, money in the scenario's `currency`. `N` stands for a list index.",
            "", "| key | type | default | range | meaning |", "| --- | --- | --- | --- | --- |"]
    body = _rows(Scenario, "")
    dist = ["", "## Distributions", "",
            "Every duration is a mapping with a `dist` key:", "",
            "| dist | keys | meaning |", "| --- | --- | --- |", *_dist_rows(DISTRIBUTIONS)]
    ranges = ["", "## Uncertain ranges", "",
              "`uncertain` maps the dotted path of a numeric key (as `sweep --grid` takes it, e.g. "
              "`agencies.0.capacity`) to a range with a `dist` key. Both bounds must be values "
              "the key accepts; an integer key takes whole-number bounds and integer draws.", "",
              "| dist | keys | meaning |", "| --- | --- | --- |", *_dist_rows(RANGES)]
    return "\n".join(head + body + dist + ranges) + "\n"


def _dist_rows(models: typing.Iterable[type[BaseModel]]) -> list[str]:
    """One table row per distribution model: its ``dist`` tag, keys and docstring."""
    rows = []
    for d in models:
        keys = ", ".join(f"`{i.alias or n}` ({i.description})" for n, i in d.model_fields.items()
                         if n != "dist")
        rows.append(f"| `{d.model_fields['dist'].default}` | {keys} | {d.__doc__} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    """Write the reference to the given path (default docs/SCENARIO_REFERENCE.md)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "docs/SCENARIO_REFERENCE.md")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
