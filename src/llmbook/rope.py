r"""Rotary position embeddings (RoPE, Su et al. 2021): rotate query and key pairs by the position.

The vector of one head, :math:`\mathbf x \in \mathbb R^{d}` (:math:`d` even), is split into
:math:`d/2` pairs; at position :math:`m`, pair :math:`i` is rotated by the angle
:math:`m\,\theta_i`, with the frequencies of the sinusoidal encoding
(:func:`llmbook.positional.sinusoidal_encoding`):

.. math::
    \theta_i = \mathrm{base}^{-2i/d},\qquad
    \begin{pmatrix} y_{i}^{(1)} \\ y_{i}^{(2)} \end{pmatrix} =
    \begin{pmatrix} \cos m\theta_i & -\sin m\theta_i \\ \sin m\theta_i & \cos m\theta_i \end{pmatrix}
    \begin{pmatrix} x_{i}^{(1)} \\ x_{i}^{(2)} \end{pmatrix} .

Because :math:`R_m^\top R_n = R_{n-m}`, the score of a rotated query at :math:`m` and a rotated
key at :math:`n` depends on the positions only through :math:`n - m`.

Two layouts of the pairs exist, and they are the same method on permuted coordinates:

- ``"interleaved"``: pair :math:`i` is :math:`(x_{2i}, x_{2i+1})`, as in the RoFormer paper and
  Meta's Llama reference code (which views the pairs as complex numbers);
- ``"half"``: pair :math:`i` is :math:`(x_i, x_{i+d/2})`, the "rotate half" form of GPT-NeoX and of
  Hugging Face's Llama, whose checkpoint converter permutes the rows of :math:`W_q` and
  :math:`W_k` so that both layouts compute the same attention scores.

Position interpolation (Chen et al. 2023) runs a model trained on :math:`L` positions on
:math:`L' > L` by multiplying the positions by :math:`s = L/L'` (:func:`interpolation_scale`).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, as_float, positive

__all__ = [
    "LAYOUTS",
    "apply_rope",
    "apply_rope_complex",
    "interpolation_scale",
    "rope_angles",
    "rope_frequencies",
    "turns_within",
]

LAYOUTS = ("half", "interleaved")


def _even(d, name="d_head"):
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 2 or d % 2:
        raise ValueError(f"{name} must be an even integer >= 2, got {d!r}")
    return int(d)


def rope_frequencies(d_head: int, base: float = 10000.0) -> np.ndarray:
    r"""The rotation frequencies :math:`\theta_i = \mathrm{base}^{-2i/d}`, :math:`i = 0, \dots, d/2-1`.

    Returns:
        float64 ``[d_head / 2]``, from 1 down to :math:`\mathrm{base}^{-(d-2)/d}`.
    Raises:
        ValueError: ``d_head`` not an even integer >= 2, ``base <= 0``.
    """
    d = _even(d_head)
    return positive(base, "base") ** (-np.arange(0, d, 2, dtype=np.float64) / d)


def rope_angles(positions, d_head: int, base: float = 10000.0, scale: float = 1.0) -> np.ndarray:
    r"""The angles :math:`(s\,m)\,\theta_i` for every position :math:`m` and pair :math:`i`.

    Args:
        positions: ``[T]`` positions :math:`m` (integers or, after interpolation, reals), >= 0.
        d_head: the head width :math:`d` (even).
        base: the frequency base (10,000 in RoFormer and Llama 2; 500,000 in Llama 3).
        scale: the position scale :math:`s` (1, or :func:`interpolation_scale` for
            position interpolation).
    Returns:
        float64 ``[T, d_head / 2]``.
    Raises:
        ValueError: positions not 1-D, negative or non-finite; bad ``d_head``, ``base``, ``scale``.
    """
    m = as_array(positions, "positions", ndim=(1,))
    if np.any(m < 0):
        raise ValueError("positions must be >= 0")
    theta = rope_frequencies(d_head, base)  # [d/2]
    return (positive(scale, "scale") * m)[:, None] * theta  # [T, d/2]


def _split(x, layout):
    """The two coordinates of every pair, ``[..., d/2]`` each."""
    if layout == "half":
        h = x.shape[-1] // 2
        return x[..., :h], x[..., h:]
    return x[..., 0::2], x[..., 1::2]


def _merge(y1, y2, layout):
    if layout == "half":
        return np.concatenate([y1, y2], axis=-1)
    y = np.empty((*y1.shape[:-1], 2 * y1.shape[-1]), dtype=y1.dtype)
    y[..., 0::2], y[..., 1::2] = y1, y2
    return y


def _prepare(x, positions, base, layout, scale):
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    x = as_float(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must be [..., T, d_head], got shape {x.shape}")
    T, d = x.shape[-2:]
    _even(d, "x.shape[-1] (d_head)")
    positions = np.arange(T) if positions is None else positions
    angles = rope_angles(positions, d, base, scale)  # [T, d/2]
    if angles.shape[0] != T:
        raise ValueError(f"positions must have length {T} (x.shape[-2]), got {angles.shape[0]}")
    return x, angles


def apply_rope(x, positions=None, base: float = 10000.0, layout: str = "half", scale: float = 1.0):
    r"""Rotate each pair of ``x`` by its angle :math:`m\,\theta_i` (real arithmetic).

    .. math:: y^{(1)} = x^{(1)} \cos m\theta - x^{(2)} \sin m\theta,\qquad
              y^{(2)} = x^{(1)} \sin m\theta + x^{(2)} \cos m\theta

    Args:
        x: queries or keys ``[..., T, d_head]`` (e.g. ``[B, heads, T, d_head]``).
        positions: ``[T]``, the position of each row (default ``0, 1, ..., T-1``).
        base, scale: as in :func:`rope_angles`.
        layout: ``"half"`` (pairs :math:`(x_i, x_{i+d/2})`) or ``"interleaved"``
            (pairs :math:`(x_{2i}, x_{2i+1})`).
    Returns:
        ``y`` of ``x``'s shape and dtype.
    Raises:
        ValueError: odd ``d_head``, ``positions`` of the wrong length, unknown layout.
    """
    x, angles = _prepare(x, positions, base, layout, scale)
    cos, sin = np.cos(angles).astype(x.dtype), np.sin(angles).astype(x.dtype)  # [T, d/2]
    x1, x2 = _split(x, layout)  # [..., T, d/2] each
    return _merge(x1 * cos - x2 * sin, x1 * sin + x2 * cos, layout)


def apply_rope_complex(
    x, positions=None, base: float = 10000.0, layout: str = "interleaved", scale: float = 1.0
):
    r"""The same rotation as :func:`apply_rope`, as a product of complex numbers.

    Pair :math:`i` is the complex number :math:`z_i = x^{(1)}_i + \mathrm i\, x^{(2)}_i`, and the
    rotation is :math:`z_i \, e^{\mathrm i\, m\theta_i}` (Meta's Llama code does this with
    ``torch.view_as_complex``). Arguments, result and errors as in :func:`apply_rope`.
    """
    x, angles = _prepare(x, positions, base, layout, scale)
    x1, x2 = _split(x, layout)
    z = (x1 + 1j * x2) * np.exp(1j * angles)  # [..., T, d/2], complex
    return _merge(z.real, z.imag, layout)


def interpolation_scale(train_len: int, target_len: int) -> float:
    r"""Position interpolation's scale :math:`s = L / L'` (Chen et al. 2023).

    Multiplying the positions :math:`0 \le m \le L'` by :math:`s` maps them into
    :math:`[0, L]`, the range of angles seen in training; pass it as ``scale`` to
    :func:`apply_rope`.

    Raises:
        ValueError: lengths not positive integers, or ``target_len < train_len``.
    """
    for name, v in (("train_len", train_len), ("target_len", target_len)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if target_len < train_len:
        raise ValueError(f"target_len ({target_len}) must be >= train_len ({train_len})")
    return train_len / target_len


def turns_within(length: int, d_head: int, base: float = 10000.0) -> np.ndarray:
    r"""How many full turns pair :math:`i` makes over ``length`` positions: :math:`L\,\theta_i / 2\pi`.

    A pair with fewer than one turn has, in training on ``length`` positions, seen only part of
    the circle; beyond ``length`` its angles take values it has never seen.

    Returns:
        float64 ``[d_head / 2]``.
    Raises:
        ValueError: ``length`` not a positive integer; as :func:`rope_frequencies`.
    """
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"length must be a positive integer, got {length!r}")
    return length * rope_frequencies(d_head, base) / (2 * np.pi)
