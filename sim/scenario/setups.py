"""Setups: named sets of levers, the operating models the simulator compares.

A setup carries no behaviour; the world reads its levers and picks the matching policy objects.
Four setups are built in; a scenario can define more by overriding levers of a built-in one.
"""

from __future__ import annotations

import typing
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Levers(BaseModel):
    """The choices that make an operating model."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    allocation: Literal["plan", "learner", "oracle"] = Field(
        description="plan: fixed annual shares; learner: real-time online allocator; "
        "oracle: optimal allocation on the true curves"
    )
    ai_channels: Literal["none", "pilot", "all"] = Field(
        description="channels whose bids an AI optimises (pilot: allocator.ai_pilot_channels)"
    )
    data: Literal["siloed", "unified"] = Field(
        description="how results reach the allocator (see allocator.data)"
    )
    library: Literal["siloed", "shared"] = Field(
        description="siloed: each team sees its own assets; shared: everyone sees every asset"
    )
    routing: Literal["bound", "pooled"] = Field(
        description="bound: each channel's own agency, first in first out; pooled: any capable "
        "team, the one with the lowest price + value of the days it takes "
        "(platform.delay_value_factor), queues ordered by due date and value"
    )
    handoffs: Literal["full", "shared_briefs"] = Field(
        description="shared_briefs: hand-off delays cut to platform.handoff_factor"
    )
    platform: bool = Field(description="pays the platform cost and ramps up over its ramp-up")


def _override(lever: str) -> typing.Any:
    return Field(None, description=Levers.model_fields[lever].description)


class LeverOverrides(BaseModel):
    """Levers to change on a base setup (every field optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    allocation: Literal["plan", "learner", "oracle"] | None = _override("allocation")
    ai_channels: Literal["none", "pilot", "all"] | None = _override("ai_channels")
    data: Literal["siloed", "unified"] | None = _override("data")
    library: Literal["siloed", "shared"] | None = _override("library")
    routing: Literal["bound", "pooled"] | None = _override("routing")
    handoffs: Literal["full", "shared_briefs"] | None = _override("handoffs")
    platform: bool | None = _override("platform")


PILOT = Levers(
    allocation="plan", ai_channels="pilot", data="siloed", library="siloed",
    routing="bound", handoffs="full", platform=False,
)
CONDUCTOR = Levers(
    allocation="learner", ai_channels="all", data="unified", library="shared",
    routing="pooled", handoffs="shared_briefs", platform=True,
)
BUILTIN_SETUPS: dict[str, Levers] = {
    "pilot": PILOT,
    "conductor": CONDUCTOR,
    "oracle": CONDUCTOR.model_copy(update={"allocation": "oracle"}),
    "scaled_silos": PILOT.model_copy(update={"ai_channels": "all"}),
}
LEVER_NAMES: tuple[str, ...] = tuple(Levers.model_fields)


class SetupSpec(BaseModel):
    """A setup defined in a scenario: a built-in base with some levers changed."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$", description="setup name")
    base: str = Field(description="a built-in setup: " + ", ".join(BUILTIN_SETUPS))
    levers: LeverOverrides = Field(LeverOverrides(), description="levers to change on the base")

    def resolve(self) -> Levers:
        """The full levers of this setup."""
        changes = self.levers.model_dump(exclude_none=True)
        return BUILTIN_SETUPS[self.base].model_copy(update=changes)
