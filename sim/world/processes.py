"""Content requests as generators driven by their events, without SimPy's process events.

A ``simpy.Process`` schedules one event to start its generator and another when the generator
ends, so that other processes can wait for it. Nobody waits for a content request to end, and a
request can start at once, inside the event that releases it (its arrival): driven by
:func:`start`, each request costs two events fewer. Everything else is as in a process: the
generator runs until it yields an event and resumes when that event is processed.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy


def start(generator: Generator[simpy.Event, Any, None]) -> None:
    """Run ``generator`` now up to its first event, and on from each event it waits for.

    The events it yields must not have been processed yet (a timeout, or a pool's turn); the
    value of an event is not sent in, as no request uses it. An event that fails raises its
    exception from the environment's ``step``, as any failed event nobody handles.
    """
    _Driver(generator)(None)


class _Driver:
    """Resumes one generator; it is the callback of the event the generator waits for.

    Nothing refers back to the driver but that event, so driver and generator are freed as soon
    as the generator ends (a closure that appended itself would be a reference cycle, left for
    the garbage collector).
    """

    __slots__ = ("send",)

    def __init__(self, generator: Generator[simpy.Event, Any, None]):
        self.send = generator.send

    def __call__(self, _: simpy.Event | None) -> None:
        try:
            event = self.send(None)
        except StopIteration:
            return
        event.callbacks.append(self)
