"""Input validation shared by every module: clear errors instead of silent NaNs.

Each helper names the offending argument in its message, so a reader who passes
a wrong shape sees which argument and what was expected.
"""

from __future__ import annotations

import numpy as np


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
