"""When results reach the allocator: report periods, their delay, and the switch of data feeds.

MODEL.md: the data delay is the number of days between the end of a reporting period and the
first decision that can use it. A period covering days ``[start, end)`` ends on day ``end - 1``;
with delay ``d`` it is first used by the decision of day ``end + d`` (delay 0: the next day).
"""

from __future__ import annotations

from collections.abc import Iterator

from sim.scenario.schema import DataFeed


class ReportTimer:
    """Cuts the days into report periods and says which are usable on a given day.

    Periods starting before ``switch_day`` follow ``before``, later ones ``after`` (the
    platform's data feed replaces the agencies' reports at the end of its ramp-up). Periods are
    handed out once each, in order, so a consumer sees every day exactly once.
    """

    def __init__(self, before: DataFeed, after: DataFeed | None = None,
                 switch_day: float = 0.0):
        self.before, self.after, self.switch_day = before, after or before, switch_day
        self.next_start = 0  # first day not yet reported

    def feed_at(self, day: int) -> DataFeed:
        """The feed of a period starting on ``day``."""
        return self.before if day < self.switch_day else self.after

    def due(self, day: int) -> Iterator[range]:
        """The periods first usable by the decision of ``day`` and not handed out before."""
        while True:
            feed = self.feed_at(self.next_start)
            end = self.next_start + feed.interval_days
            if end + feed.delay_days > day:
                return
            yield range(self.next_start, end)
            self.next_start = end
