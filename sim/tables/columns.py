"""Categorical label columns, and stacking tables whose categoricals differ run to run.

A run's tables repeat a few labels (the setup, a channel, a team, a step) over tens of
thousands of rows; as categoricals they take a byte a row instead of a string each, which is
most of the parent's memory in a large comparison. Stacking keeps them categorical: runs of
different setups have different categories, so the categories are united before concatenating
(``pd.concat`` alone would fall back to strings).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def constant_label(value: str, n: int) -> pd.Categorical[str]:
    """``value`` repeated ``n`` times, as a one-category categorical."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=pd.Index([value]))


def labels(names: Sequence[str], codes: np.ndarray) -> pd.Categorical[str]:
    """``names[codes]`` as a categorical over ``names`` (in their order)."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64),
                                     categories=pd.Index(list(names)))


def concat_tables(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """``pd.concat(frames, ignore_index=True)``, keeping categoricals categorical.

    A column categorical in every frame stays categorical over the union of the frames'
    categories (in order of first appearance).
    """
    if not frames:
        return pd.DataFrame()
    first = frames[0]
    united: dict[str, list[object]] = {}
    for name in first.columns:
        if all(isinstance(f[name].dtype, pd.CategoricalDtype) for f in frames):
            seen: dict[object, None] = {}
            for f in frames:
                seen.update(dict.fromkeys(f[name].cat.categories))
            united[name] = list(seen)
    if united:
        frames = [f.assign(**{name: f[name].cat.set_categories(cats)
                              for name, cats in united.items()
                              if list(f[name].cat.categories) != cats})
                  for f in frames]
    return pd.concat(frames, ignore_index=True)


__all__ = ["concat_tables", "constant_label", "labels"]
