"""The logistic saturation family: PyMC-Marketing's curve, half-saturated at ``hill_k``."""

from __future__ import annotations

import math

import numpy as np

from sim.world.media import hill, saturation


def test_logistic_is_pymc_marketings_curve_half_saturated_at_k() -> None:
    k = 2000.0
    lam = math.log(3.0) / k
    a = np.array([0.0, 500.0, 2000.0, 7000.0, 30000.0])
    expected = (1 - np.exp(-lam * a)) / (1 + np.exp(-lam * a))  # hand formula
    got = saturation(a, k, 1.0, np.asarray(True))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    assert abs(float(saturation(k, k, 1.0, np.asarray(True))) - 0.5) < 1e-12


def test_mixed_channels_keep_hill_values_bit_for_bit() -> None:
    a = np.array([100.0, 5000.0, 40000.0])
    k, s = np.array([800.0, 4000.0, 9000.0]), np.array([0.7, 1.3, 2.0])
    mixed = saturation(a, k, s, np.array([False, True, False]))
    pure = hill(a, k, s)
    assert mixed[0] == pure[0] and mixed[2] == pure[2]
    assert mixed[1] != pure[1]
    assert np.array_equal(saturation(a, k, s, np.zeros(3, dtype=bool)), pure)
