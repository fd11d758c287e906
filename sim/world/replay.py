"""Replayed spend: the media days of one replication re-run with a given daily spend.

Content work never depends on media, so the schedule of assets going live and the conversion
noise (one uniform per day and channel) are fixed by (scenario, setup, seed, replication).
Re-running only the media days with another spend array, on those same streams (common random
numbers), gives the counterfactual a marketing-mix ground truth needs: the same world with one
channel switched off or its spend scaled, everything else equal (as Google's AMSS does).
The content supply chain runs once per :class:`MediaReplay`; each :meth:`MediaReplay.run` is a
few vectorised media days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Scenario
from sim.scenario.setups import Levers
from sim.world.media import Media
from sim.world.oracle import AssetSchedule
from sim.world.policies import ai_efficiency
from sim.world.replication import World
from sim.world.streams import Streams


@dataclass(frozen=True)
class ReplayedMedia:
    """Per-day, per-channel outcomes of a replay, as (days, channels) arrays."""

    spend: np.ndarray
    expected_conversions: np.ndarray  # the mean given the creative state: no noise drawn
    conversions: np.ndarray  # realised with the replication's own uniforms
    expected_revenue: np.ndarray
    revenue: np.ndarray
    quality: np.ndarray
    live_assets: np.ndarray


class MediaReplay:
    """One replication's asset schedule and noise, ready to replay any daily spend."""

    def __init__(self, scenario: Scenario, levers: Levers, seed: int, replication: int):
        world = World(scenario, levers, Streams(seed, replication))
        world.env.process(world.generate_requests())
        world.env.run(until=float(scenario.horizon_days))
        self.scenario, self.levers = scenario, levers
        self.schedule = AssetSchedule(world.ops.go_live)
        self.noise = world.noise
        self.efficiency = ai_efficiency(scenario, levers)
        self.value = np.array([c.value_per_conversion for c in scenario.channels])

    @property
    def shape(self) -> tuple[int, int]:
        """(days, channels) of a spend array."""
        return self.noise.shape

    def run(self, spend: np.ndarray, noise: np.ndarray | None = None) -> ReplayedMedia:
        """Deliver ``spend[day, channel]`` on every day, on this replication's streams.

        ``noise`` replaces the replication's conversion uniforms (same shape), for draws of
        another realisation of the same expected outcomes.
        """
        spend = np.asarray(spend, dtype=float)
        uniforms = self.noise if noise is None else noise
        if spend.shape != self.shape:
            raise ValueError(f"spend must have shape {self.shape}, got {spend.shape}")
        media = Media(self.scenario, self.efficiency)
        days, n = self.shape
        out = {name: np.zeros((days, n)) for name in (
            "expected", "conversions", "quality", "live_assets")}
        for day in range(days):
            for channel, time in self.schedule.on(day):
                media.creatives.add(channel, time)
            media.start_day(day)
            got = media.deliver(spend[day], uniforms[day])
            out["expected"][day], out["conversions"][day] = got.expected, got.conversions
            out["quality"][day], out["live_assets"][day] = got.quality, got.live_assets
        return ReplayedMedia(spend, out["expected"], out["conversions"],
                             out["expected"] * self.value, out["conversions"] * self.value,
                             out["quality"], out["live_assets"])
