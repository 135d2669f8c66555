"""Input validation shared by every module: clear errors instead of silent NaNs.

Each helper names the offending argument in its message, so a reader who passes
a wrong shape sees which argument and what was expected.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "NotAnIntegerError",
    "as_array",
    "as_float",
    "as_scalar",
    "axis_of",
    "fraction",
    "in_interval",
    "integer",
    "ngram_range",
    "nonneg",
    "nonneg_int",
    "positive",
    "positive_int",
    "probabilities",
    "probability",
    "same_shape",
]


def as_array(value, name: str, *, ndim: tuple[int, ...] | None = None, allow_empty: bool = False):
    """Return ``value`` as a finite float64 array.

    Raises ``TypeError`` if it is not numeric, ``ValueError`` if it is empty
    (unless ``allow_empty``), has a number of dimensions not in ``ndim``, or
    holds NaN or infinity.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(
            f"{name} must be a number or an array of numbers, got {type(value).__name__}"
        )
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a number or an array of numbers ({exc})") from None
    if ndim is not None and arr.ndim not in ndim:
        expected = " or ".join(str(d) for d in ndim)
        raise ValueError(f"{name} must have {expected} dimension(s), got shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must hold only finite numbers (no NaN or inf)")
    return arr


def as_scalar(value, name: str) -> float:
    """Return ``value`` as a finite Python float; ``TypeError``/``ValueError`` otherwise."""
    if isinstance(value, (bool, str, bytes)) or value is None:
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}") from None
    if arr.size != 1:
        raise ValueError(f"{name} must be a single number, got shape {arr.shape}")
    x = float(arr.reshape(()))
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def positive(value, name: str) -> float:
    """Return ``value`` as a float if it is finite and > 0, else raise ``ValueError``."""
    x = as_scalar(value, name)
    if x <= 0:
        raise ValueError(f"{name} must be positive, got {x}")
    return x


def same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}"
        )


def probabilities(arr: np.ndarray, name: str, *, distribution: bool = False, atol: float = 1e-6):
    """Check that every entry of ``arr`` lies in [0, 1].

    With ``distribution=True`` also check that each slice along the last axis sums to 1
    (within ``atol``). Raises ``ValueError`` naming ``name``.
    """
    if np.any(arr < 0) or np.any(arr > 1):
        raise ValueError(
            f"{name} must hold probabilities in [0, 1], got values in [{arr.min()}, {arr.max()}]"
        )
    if distribution:
        sums = arr.sum(axis=-1)
        if not np.allclose(sums, 1.0, rtol=0, atol=atol):
            raise ValueError(
                f"{name} must sum to 1 along its last axis, got sums in [{np.min(sums)}, {np.max(sums)}]"
            )
    return arr


def as_float(value, name: str, *, ndim: tuple[int, ...] | None = None, allow_empty: bool = False):
    """Like :func:`as_array`, but a float32 array stays float32 (for fast training)."""
    if isinstance(value, np.ndarray) and value.dtype == np.float32:
        if ndim is not None and value.ndim not in ndim:
            expected = " or ".join(str(d) for d in ndim)
            raise ValueError(f"{name} must have {expected} dimension(s), got shape {value.shape}")
        if value.size == 0 and not allow_empty:
            raise ValueError(f"{name} must not be empty, got shape {value.shape}")
        if not np.isfinite(value).all():
            raise ValueError(f"{name} must hold only finite numbers (no NaN or inf)")
        return value
    return as_array(value, name, ndim=ndim, allow_empty=allow_empty)


class NotAnIntegerError(TypeError, ValueError):
    """Raised for a count that is not an integer: a ``TypeError``, and a ``ValueError`` too,
    since a float or a string where a count belongs is also a bad value (numpy's
    ``AxisError`` is both a ``ValueError`` and an ``IndexError`` in the same spirit)."""


def integer(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer in ``[minimum, maximum]``.

    Python and numpy integers are accepted (``np.int64(4)`` as well as ``4``); ``bool``
    is not, nor a float such as ``4.0``.

    Raises:
        NotAnIntegerError: not an integer (a ``TypeError`` and a ``ValueError``).
        ValueError: below ``minimum`` or above ``maximum``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise NotAnIntegerError(f"{name} must be {_integer_in(minimum, maximum)}, got {value!r}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {_integer_in(minimum, maximum)}, got {value!r}")
    return int(value)


def _integer_in(minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return f"an integer in [{minimum}, {maximum}]"
    if minimum == 1:
        return "a positive integer (an integer >= 1)"
    if minimum == 0:
        return "a non-negative integer (an integer >= 0)"
    return "an integer" if minimum is None else f"an integer >= {minimum}"


def positive_int(value, name: str) -> int:
    """``value`` as an ``int`` >= 1 (see :func:`integer`)."""
    return integer(value, name, minimum=1)


def nonneg_int(value, name: str) -> int:
    """``value`` as an ``int`` >= 0 (see :func:`integer`)."""
    return integer(value, name, minimum=0)


def in_interval(value, name: str, low: float, high: float, *, closed: str = "both") -> float:
    """``value`` as a finite float in the interval from ``low`` to ``high``.

    ``closed`` says which ends belong to it: ``"both"`` (:math:`[a, b]`), ``"left"``
    (:math:`[a, b)`), ``"right"`` (:math:`(a, b]`) or ``"neither"`` (:math:`(a, b)`).
    Raises ``TypeError``/``ValueError`` naming ``name`` and the interval.
    """
    x = as_scalar(value, name)
    left_ok = x >= low if closed in ("both", "left") else x > low
    right_ok = x <= high if closed in ("both", "right") else x < high
    if not (left_ok and right_ok):
        lb = "[" if closed in ("both", "left") else "("
        rb = "]" if closed in ("both", "right") else ")"
        raise ValueError(f"{name} must be in {lb}{low:g}, {high:g}{rb}, got {x}")
    return x


def probability(value, name: str) -> float:
    """``value`` as a float in [0, 1]."""
    return in_interval(value, name, 0.0, 1.0)


def fraction(value, name: str) -> float:
    """``value`` as a float in (0, 1), a share strictly between none and all."""
    return in_interval(value, name, 0.0, 1.0, closed="neither")


def ngram_range(value, name: str = "ngram_range") -> tuple[int, int]:
    """A pair ``(min_n, max_n)`` of integers with ``1 <= min_n <= max_n``.

    Raises:
        TypeError: not a pair of integers.
        ValueError: the bounds are out of order or below 1.
    """
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (min_n, max_n), got {value!r}") from None
    for v in (lo, hi):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must hold integers, got {value!r}")
    if not 1 <= lo <= hi:
        raise ValueError(f"{name} must satisfy 1 <= min_n <= max_n, got {value!r}")
    return int(lo), int(hi)


def axis_of(arr: np.ndarray, axis, what: str) -> int:
    """Check that ``arr`` has at least one dimension and that ``axis`` is one of them.

    Raises ``ValueError`` for a 0-d ``arr`` (``what`` names the operation) or an axis out
    of range; returns ``axis``.
    """
    if arr.ndim == 0:
        raise ValueError(f"z must have at least one dimension for {what}, got a scalar")
    axis = integer(axis, "axis")
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(
            f"axis must be in [{-arr.ndim}, {arr.ndim - 1}] for z of shape {arr.shape}, got {axis}"
        )
    return axis


def nonneg(value, name: str) -> float:
    """Return ``value`` as a float if it is finite and >= 0, else raise ``ValueError``."""
    x = as_scalar(value, name)
    if x < 0:
        raise ValueError(f"{name} must be >= 0, got {x}")
    return x
