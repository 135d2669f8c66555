r"""Positional information for a Transformer: sinusoidal encodings and learned positions.

Attention without a mask ignores order: permuting the input tokens permutes its output
the same way. (A causal decoder can infer positions from its mask, Haviv et al. 2022, but
it still benefits from being told them.) A Transformer therefore adds to each token's
embedding a vector that depends on the token's position :math:`t`. "Attention Is All You Need" (Vaswani et al. 2017)
uses fixed sinusoids,

.. math::
    PE_{t,\,2i} = \sin\!\Big(\frac{t}{10000^{2i/d}}\Big), \qquad
    PE_{t,\,2i+1} = \cos\!\Big(\frac{t}{10000^{2i/d}}\Big), \qquad i = 0, \dots, d/2 - 1;

GPT-2 learns a table of shape ``[n_ctx, d]`` instead (:func:`learned_positions`).
"""

from __future__ import annotations

import numpy as np

from ._checks import integer, positive, positive_int

__all__ = ["learned_positions", "rotation_for_offset", "sinusoidal_encoding", "sinusoids"]


def sinusoidal_encoding(n_positions: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    r"""The sinusoidal positional encodings of Vaswani et al. (2017).

    .. math:: PE_{t,2i} = \sin(t\,\omega_i),\quad PE_{t,2i+1} = \cos(t\,\omega_i),
              \quad \omega_i = \mathrm{base}^{-2i/d}

    Args:
        n_positions: number of positions :math:`t = 0, \dots, n-1`.
        d_model: the dimension :math:`d`, an even integer.
        base: the wavelength scale (10000 in the paper), > 0.
    Returns:
        float64 array ``[n_positions, d_model]``.
    Raises:
        ValueError: non-positive or non-integer sizes, odd ``d_model``, ``base <= 0``.
    """
    n_positions = positive_int(n_positions, "n_positions")
    d_model = integer(d_model, "d_model", minimum=2)
    if d_model % 2:
        raise ValueError(f"d_model must be even, got {d_model}")
    return sinusoids(n_positions, d_model, positive(base, "base"))


def sinusoids(n: int, d: int, base: float = 10000.0) -> np.ndarray:
    r"""The sinusoidal encodings without checks.

    :math:`PE_{t,2i} = \sin t\omega_i`, :math:`PE_{t,2i+1} = \cos t\omega_i`,
    :math:`\omega_i = \mathrm{base}^{-2i/d}`, :math:`i = 0, \dots, d/2 - 1`
    (``d`` even). Returns float64 ``[n, d]``.
    """
    t = np.arange(n, dtype=np.float64)[:, None]  # [n, 1]: positions
    two_i = np.arange(0, d, 2, dtype=np.float64)  # [d/2]: 0, 2, 4, ...
    omega = base ** (-two_i / d)  # [d/2]: the frequencies
    PE = np.empty((n, d))
    PE[:, 0::2] = np.sin(t * omega)  # [n, d/2]: coordinates 2i
    PE[:, 1::2] = np.cos(t * omega)  # [n, d/2]: coordinates 2i + 1
    return PE


def rotation_for_offset(k: float, d_model: int, base: float = 10000.0) -> np.ndarray:
    r"""The matrix :math:`R_k` with :math:`PE_{t+k} = R_k\,PE_t` for every position :math:`t`.

    It is block-diagonal with one 2x2 rotation per frequency,
    :math:`\begin{pmatrix}\cos k\omega_i & \sin k\omega_i\\ -\sin k\omega_i & \cos k\omega_i\end{pmatrix}`
    acting on :math:`(PE_{t,2i}, PE_{t,2i+1})`: a fixed offset is a fixed linear map, which is
    why attention can pick out relative positions from these encodings.

    Returns:
        float64 array ``[d_model, d_model]``.
    """
    d_model = integer(d_model, "d_model", minimum=2)
    if d_model % 2:
        raise ValueError(f"d_model must be even, got {d_model}")
    omega = positive(base, "base") ** (-np.arange(0, d_model, 2, dtype=np.float64) / d_model)
    c, s = np.cos(k * omega), np.sin(k * omega)
    R = np.zeros((d_model, d_model))
    i = np.arange(0, d_model, 2)
    # sin(a + b) = sin a cos b + cos a sin b;  cos(a + b) = cos a cos b - sin a sin b
    R[i, i], R[i, i + 1] = c, s
    R[i + 1, i], R[i + 1, i + 1] = -s, c
    return R


def learned_positions(n_ctx: int, d_model: int, rng=None, scale: float = 0.02) -> np.ndarray:
    r"""A freshly initialised table of learned position vectors, :math:`P \sim \mathcal N(0, \mathrm{scale}^2)`.

    Training adjusts it like any weight; row :math:`t` is added to the embedding of the token
    at position :math:`t`. A model with learned positions cannot read more than ``n_ctx`` tokens.

    Returns:
        float64 array ``[n_ctx, d_model]``.
    """
    n_ctx = positive_int(n_ctx, "n_ctx")
    d_model = positive_int(d_model, "d_model")
    rng = np.random.default_rng(rng)
    return rng.normal(0.0, positive(scale, "scale"), size=(n_ctx, d_model))
