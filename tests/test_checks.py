"""The shared argument checks: integers of any integer type, never bool, clear messages."""

import numpy as np
import pytest

from llmbook import _checks, positional, transformer


@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3), np.uint8(3)])
def test_integers_of_every_integer_type_are_accepted(value):
    out = _checks.positive_int(value, "n")
    assert out == 3 and type(out) is int


@pytest.mark.parametrize("value", [True, np.bool_(True), 3.0, "3", None, np.float64(3)])
def test_non_integers_are_refused_as_type_and_value_errors(value):
    with pytest.raises(TypeError, match="n must be a positive integer"):
        _checks.positive_int(value, "n")
    with pytest.raises(ValueError, match="n must be a positive integer"):
        _checks.positive_int(value, "n")


def test_bounds():
    assert _checks.nonneg_int(0, "n") == 0
    with pytest.raises(ValueError, match=r"n must be a non-negative integer.*got -1"):
        _checks.nonneg_int(-1, "n")
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 4\], got 5"):
        _checks.integer(5, "k", minimum=1, maximum=4)
    assert _checks.probability(1.0, "p") == 1.0
    with pytest.raises(ValueError, match=r"f must be in \(0, 1\)"):
        _checks.fraction(1.0, "f")
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\)"):
        _checks.in_interval(1.0, "beta", 0.0, 1.0, closed="left")


def test_modules_take_numpy_integers_alike():
    """Both used to differ: parameter_count refused np.int64 while sinusoidal_encoding took it."""
    n = transformer.parameter_count(np.int64(2), 8, 2, 10, 16)
    assert n == transformer.parameter_count(2, 8, 2, 10, 16)
    np.testing.assert_array_equal(
        positional.sinusoidal_encoding(np.int64(4), 8), positional.sinusoidal_encoding(4, 8)
    )
    with pytest.raises(ValueError, match="n_layer"):
        transformer.parameter_count(True, 8, 2, 10, 16)


def test_non_negative_numbers():
    assert _checks.nonneg(0, "k") == 0.0
    with pytest.raises(ValueError, match=r"k must be >= 0, got -0\.5"):
        _checks.nonneg(-0.5, "k")
