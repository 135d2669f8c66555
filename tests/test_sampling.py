"""Temperature, top-k and top-p: distributions derived by hand, and sampling frequencies."""

import numpy as np
import pytest

from llmbook import sampling as S


def test_temperature_by_hand():
    """logits ln[1, 2, 4]: tau = 1 gives [1, 2, 4]/7; tau = 2 gives [1, sqrt 2, 2]/(3 + sqrt 2)."""
    z = np.log([1.0, 2.0, 4.0])
    np.testing.assert_allclose(S.next_token_distribution(z), [1 / 7, 2 / 7, 4 / 7], rtol=1e-14)
    r = np.sqrt(2)
    np.testing.assert_allclose(
        S.next_token_distribution(z, temperature=2), np.array([1, r, 2]) / (3 + r), rtol=1e-14
    )
    np.testing.assert_array_equal(S.next_token_distribution(z, temperature=0), [0, 0, 1])


def test_top_k_by_hand():
    z = np.log([1.0, 2.0, 4.0, 3.0])
    # keep 4 and 3: [0, 0, 4/7, 3/7]
    np.testing.assert_allclose(
        S.next_token_distribution(z, top_k=2), [0, 0, 4 / 7, 3 / 7], rtol=1e-14
    )


def test_top_p_by_hand():
    """probs [0.1, 0.2, 0.4, 0.3]; sorted 0.4, 0.3, 0.2, 0.1; mass before each 0, 0.4, 0.7, 0.9.

    p = 0.5 keeps 0.4 and 0.3 (mass before 0.3 is 0.4 < 0.5): [0, 0, 4/7, 3/7].
    p = 0.4 keeps only 0.4: mass before 0.3 is 0.4, not < 0.4.
    """
    z = np.log([0.1, 0.2, 0.4, 0.3])
    np.testing.assert_allclose(
        S.next_token_distribution(z, top_p=0.5), [0, 0, 4 / 7, 3 / 7], rtol=1e-12
    )
    np.testing.assert_allclose(S.next_token_distribution(z, top_p=0.4), [0, 0, 1, 0], atol=1e-15)
    np.testing.assert_allclose(
        S.next_token_distribution(z, top_p=1.0), [0.1, 0.2, 0.4, 0.3], rtol=1e-12
    )


def test_sample_frequencies(rng):
    q = np.array([0.5, 0.0, 0.3, 0.2])
    draws = S.sample(np.tile(q, (40000, 1)), rng)
    freq = np.bincount(draws, minlength=4) / draws.size
    np.testing.assert_allclose(freq, q, atol=0.01)
    assert freq[1] == 0


def test_extreme_logits_are_stable():
    z = np.array([1e4, -1e4, 0.0])
    q = S.next_token_distribution(z, temperature=0.01)
    np.testing.assert_array_equal(q, [1, 0, 0])


def test_bad_input_is_rejected(rng):
    z = np.zeros(4)
    with pytest.raises(ValueError, match="temperature"):
        S.next_token_distribution(z, temperature=-1)
    with pytest.raises(ValueError, match="k must be"):
        S.next_token_distribution(z, top_k=5)
    with pytest.raises(ValueError, match="p must be"):
        S.next_token_distribution(z, top_p=0)
    with pytest.raises(ValueError, match="probs must hold"):
        S.top_p_mask(np.array([0.5, 0.6]), 0.5)
    with pytest.raises(TypeError, match="rng"):
        S.sample(np.array([1.0]), 0)
    with pytest.raises(ValueError, match="logits must hold only finite"):
        S.next_token_distribution(np.array([np.nan, 0.0]))


def test_kernels_equal_the_checked_functions(rng):
    """``top_k``, ``nucleus``, ``distribution`` and ``draw`` are what the checked functions compute."""
    z = rng.normal(size=(3, 11))
    q = S.next_token_distribution(z)
    np.testing.assert_array_equal(S.top_k(z, 4), S.top_k_mask(z, 4))
    np.testing.assert_array_equal(S.nucleus(q, 0.7), S.top_p_mask(q, 0.7))
    for tau, k, p in ((1.0, None, None), (0.5, 3, None), (2.0, None, 0.6), (0.8, 5, 0.9)):
        np.testing.assert_array_equal(
            S.distribution(z, tau, k, p), S.next_token_distribution(z, tau, k, p)
        )
    np.testing.assert_array_equal(
        S.draw(q, np.random.default_rng(3)), S.sample(q, np.random.default_rng(3))
    )
