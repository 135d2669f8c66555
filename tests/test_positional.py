"""Sinusoidal positional encodings: values by hand, and the rotation property."""

import numpy as np
import pytest

from llmbook import positional as P


def test_values_by_hand():
    """d = 4: omega_0 = 1, omega_1 = 10000^(-1/2) = 0.01.

    PE[0] = [sin 0, cos 0, sin 0, cos 0] = [0, 1, 0, 1];
    PE[1] = [sin 1, cos 1, sin 0.01, cos 0.01].
    """
    pe = P.sinusoidal_encoding(3, 4)
    np.testing.assert_allclose(pe[0], [0, 1, 0, 1], atol=0)
    np.testing.assert_allclose(
        pe[1], [np.sin(1), np.cos(1), np.sin(0.01), np.cos(0.01)], rtol=1e-15
    )
    np.testing.assert_allclose(pe[2, 2], np.sin(0.02), rtol=1e-15)


@pytest.mark.parametrize("k", [1, 5, 37])
def test_offset_is_a_rotation(rng, k):
    """PE[t + k] = R_k PE[t] for every t, by sin(a+b) and cos(a+b)."""
    pe = P.sinusoidal_encoding(100, 16)
    R = P.rotation_for_offset(k, 16)
    np.testing.assert_allclose(pe[k:], pe[:-k] @ R.T, atol=1e-12)
    np.testing.assert_allclose(R @ R.T, np.eye(16), atol=1e-12)


def test_each_pair_has_unit_norm():
    pe = P.sinusoidal_encoding(50, 8)
    np.testing.assert_allclose(pe[:, 0::2] ** 2 + pe[:, 1::2] ** 2, 1.0, atol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(pe, axis=1), 2.0, rtol=1e-14)


def test_learned_positions_shape_and_scale():
    table = P.learned_positions(1000, 64, rng=0)
    assert table.shape == (1000, 64)
    assert np.std(table) == pytest.approx(0.02, rel=0.02)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="even"):
        P.sinusoidal_encoding(4, 5)
    with pytest.raises(ValueError, match="n_positions"):
        P.sinusoidal_encoding(0, 4)
    with pytest.raises(ValueError, match="base"):
        P.sinusoidal_encoding(4, 4, base=-1)


def test_kernel_equals_the_checked_function():
    """``sinusoids`` is what ``sinusoidal_encoding`` computes on valid input."""
    for n, d, base in ((1, 2, 10000.0), (17, 12, 10000.0), (5, 4, 100.0)):
        np.testing.assert_array_equal(P.sinusoids(n, d, base), P.sinusoidal_encoding(n, d, base))
