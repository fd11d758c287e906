"""Named random streams: one ``numpy.random.Generator`` per stochastic source.

Each stream's seed is derived from (seed, replication, a stable number for the stream's name), so
streams are independent of one another, never touch global state, and adding a stream does not
shift any other. The setup is not part of the seed: every setup sees the same random world.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream_key(name: str) -> int:
    """A stable 32-bit number for a stream name (CRC-32, the same on every platform)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of named generators for one (seed, replication)."""

    def __init__(self, seed: int, replication: int):
        if seed < 0 or replication < 0:
            raise ValueError("seed and replication must be non-negative integers")
        self.seed, self.replication = seed, replication

    def get(self, name: str) -> np.random.Generator:
        """A fresh generator for stream ``name``; the same name always gives the same draws."""
        ss = np.random.SeedSequence([self.seed, self.replication, stream_key(name)])
        return np.random.Generator(np.random.PCG64(ss))
