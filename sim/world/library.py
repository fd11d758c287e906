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
    """Which formats each campaign has on file, per silo and overall, as bit masks.

    Bit ``f`` of a mask is set once an asset of format ``f`` is filed there. The best adaptation
    probability into a format depends only on the mask, so it is looked up in a table of each
    mask's best probability per wanted format, filled in the first time a mask is seen (a
    handful of masks occur: one per set of formats a campaign has on file).
    """

    def __init__(self, compatibility: np.ndarray):
        self.compatibility = compatibility  # [i, j]: P(format i can be adapted into j)
        self._by_silo: dict[tuple[int, int], int] = {}
        self._shared: dict[int, int] = {}
        self._best: dict[int, list[float]] = {0: [0.0] * len(compatibility)}  # mask -> best
        self.size = 0

    def add(self, campaign: int, fmt: int, silo: int) -> None:
        """File a finished asset in ``silo`` (and in the shared index)."""
        bit = 1 << fmt
        key = (campaign, silo)
        self._by_silo[key] = self._by_silo.get(key, 0) | bit
        self._shared[campaign] = self._shared.get(campaign, 0) | bit
        self.size += 1

    def best_compatibility(self, campaign: int, fmt: int, silo: int | None) -> float:
        """Highest probability that a visible asset of ``campaign`` adapts into ``fmt``.

        ``silo`` is the requesting channel's silo in a siloed library, ``None`` in a shared one.
        """
        mask = (self._shared.get(campaign, 0) if silo is None
                else self._by_silo.get((campaign, silo), 0))
        best = self._best.get(mask)
        if best is None:
            best = self._best[mask] = self._best_of(mask)
        return best[fmt]

    def _best_of(self, mask: int) -> list[float]:
        """Per wanted format, the best probability over the formats in ``mask``."""
        filed = [f for f in range(len(self.compatibility)) if mask >> f & 1]
        return self.compatibility[filed].max(axis=0).tolist()


def is_reused(best_compatibility: float, findability: float, u_compat: float,
              u_find: float) -> bool:
    """Reuse happens when a compatible asset exists, is visible and is found.

    The uniforms are drawn per request at arrival, so the decision is common across setups:
    a better library can only turn a "no" into a "yes", never the reverse.
    """
    return u_compat < best_compatibility and u_find < findability
