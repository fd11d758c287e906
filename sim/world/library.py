"""The asset library and the reuse decision.

Every finished asset is filed under its campaign and a silo: the folder of the team the requesting
channel is bound to, whoever produced it, so an asset is filed where its channel searches. A
request can adapt an existing asset of its campaign if one is compatible, visible and found.
Visibility is the library kind: siloed (a request sees its channel's silo) or shared (everyone
sees everything).
"""

from __future__ import annotations

import numpy as np


class AssetLibrary:
    """Best adaptation probability into each format, per campaign, per silo and overall."""

    def __init__(self, compatibility: np.ndarray):
        self.compatibility = compatibility  # [i, j]: P(format i can be adapted into j)
        self._by_silo: dict[tuple[int, int], np.ndarray] = {}
        self._shared: dict[int, np.ndarray] = {}
        self.size = 0

    def add(self, campaign: int, fmt: int, silo: int) -> None:
        """File a finished asset in ``silo`` (and in the shared index)."""
        row = self.compatibility[fmt]
        key = (campaign, silo)
        self._by_silo[key] = np.maximum(self._by_silo.get(key, 0.0), row)
        self._shared[campaign] = np.maximum(self._shared.get(campaign, 0.0), row)
        self.size += 1

    def best_compatibility(self, campaign: int, fmt: int, silo: int | None) -> float:
        """Highest probability that a visible asset of ``campaign`` adapts into ``fmt``.

        ``silo`` is the requesting channel's silo in a siloed library, ``None`` in a shared one.
        """
        best = self._shared.get(campaign) if silo is None else self._by_silo.get(
            (campaign, silo))
        return 0.0 if best is None else float(best[fmt])


def is_reused(best_compatibility: float, findability: float, u_compat: float,
              u_find: float) -> bool:
    """Reuse happens when a compatible asset exists, is visible and is found.

    The uniforms are drawn per request at arrival, so the decision is common across setups:
    a better library can only turn a "no" into a "yes", never the reverse.
    """
    return u_compat < best_compatibility and u_find < findability
