"""The scenario schema: one frozen, validated model with no behaviour.

Every key is checked (unknown keys are errors), every number is range-checked in its section
(:mod:`sim.scenario.sections`) and every cross-reference (formats, channels, agencies, setups) is
resolved by :mod:`sim.scenario.checks`, so the model can trust what it is given.
``load_scenario`` turns any problem into a :class:`ScenarioError` that lists one line per
problem: file, field path, rule and the value given.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from sim.scenario.checks import (
    CrossReferenceError,
    check_agencies,
    check_allocator,
    check_channels,
    check_demand,
    check_formats,
    check_setups,
    check_synergy,
    unknown_setup,
)
from sim.scenario.problems import Problem, ScenarioError
from sim.scenario.ranges import Range
from sim.scenario.sections import (
    Agency,
    Allocator,
    Approvals,
    Budget,
    Channel,
    DataFeed,
    DataFeeds,
    Demand,
    Findability,
    Formats,
    Library,
    Model,
    NonNegative,
    Platform,
    Stage,
)
from sim.scenario.setups import BUILTIN_SETUPS, Levers, SetupSpec

__all__ = [
    "Agency", "Allocator", "Approvals", "Budget", "Channel", "DataFeed", "DataFeeds", "Demand",
    "Findability", "Formats", "Library", "Platform", "Scenario", "Stage",
]


class Scenario(Model):
    """A complete, validated scenario."""

    name: str = Field("scenario", min_length=1, pattern=r"^[A-Za-z0-9_.-]+$",
                      description="names the results folder: letters, digits, _ . - "
                      "(not only dots)")
    currency: str = Field("EUR", description="label for every amount of money")
    horizon_days: int = Field(364, ge=1, le=3650, description="simulated days")
    budget: Budget = Field(description="the media budget")
    formats: Formats = Field(description="creative formats and their compatibility")
    channels: list[Channel] = Field(min_length=1, description="the marketing channels")
    synergy: list[list[NonNegative]] | None = Field(
        None, description="entry [d][c]: lift of channel c's conversions per unit of d's response"
    )
    demand: Demand = Field(description="the stream of content requests")
    library: Library = Field(description="the asset library and live assets")
    agencies: list[Agency] = Field(min_length=1, description="in-house team and agencies")
    approvals: Approvals = Field(Approvals(), description="approval stages")
    platform: Platform = Field(Platform(), description="the conductor's platform")
    allocator: Allocator = Field(Allocator(), description="budget allocators and data feeds")
    setups: list[str | SetupSpec] = Field(
        default_factory=lambda: list[str | SetupSpec](BUILTIN_SETUPS), min_length=1,
        description="setups to compare: built-in names or {name, base, levers} overrides",
    )
    uncertain: dict[str, Range] = Field(
        default_factory=dict,
        description="dotted path of a numeric key -> the range it may take (see Uncertain "
        "ranges below), for `uncertainty` and `sensitivity`; `run` and `compare` ignore it",
    )

    @field_validator("name")
    @classmethod
    def _not_only_dots(cls, name: str) -> str:
        if not name.strip("."):
            raise ValueError("must not be only dots ('.' and '..' are not folder names)")
        return name

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        problems = [
            *check_formats(self.formats),
            *check_channels(self.channels, self.formats),
            *check_synergy(self.synergy, self.channels),
            *check_demand(self.demand, self.channels, self.horizon_days),
            *check_agencies(self.agencies, self.channels, self.formats),
            *check_allocator(self.allocator, self.channels),
            *check_setups(self.setups),
        ]
        if problems:
            raise CrossReferenceError(problems)
        return self

    # -- derived views (pure functions of the configuration) -------------------------------
    @property
    def channel_names(self) -> list[str]:
        """Channel names, in order."""
        return [c.name for c in self.channels]

    @property
    def setup_names(self) -> list[str]:
        """Names of the setups this scenario compares, in order."""
        return [s if isinstance(s, str) else s.name for s in self.setups]

    def levers(self, setup: str) -> Levers:
        """The levers of a setup named in this scenario or built in."""
        for s in self.setups:
            if isinstance(s, SetupSpec) and s.name == setup:
                return s.resolve()
        if setup in BUILTIN_SETUPS:
            return BUILTIN_SETUPS[setup]
        known = sorted(set(self.setup_names) | set(BUILTIN_SETUPS))
        raise ScenarioError([Problem("setup", unknown_setup(setup, known, "known"))])

    def to_dict(self) -> dict[str, Any]:
        """Every field, defaults filled in, as plain data (YAML-ready)."""
        return self.model_dump(mode="json", by_alias=True)


