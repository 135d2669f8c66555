r"""Gated linear units in the feed-forward network: GLU, ReGLU, GEGLU, SwiGLU; forward and backward.

Shazeer (2020) replaces the first layer of the feed-forward network,
:math:`f(\mathbf x W_1)`, by the product of two linear maps of the input, one of them passed
through an activation :math:`f` (the *gate*):

.. math::
    \operatorname{FFN}_{f\text{GLU}}(\mathbf x) = \big(f(\mathbf x W) \odot \mathbf x V\big)\, W_2 ,
    \qquad W, V \in \mathbb R^{d \times d_{ff}},\ W_2 \in \mathbb R^{d_{ff}\times d}.

=========  ============================================  =====================================
variant    gate :math:`f`                                used by
=========  ============================================  =====================================
GLU        sigmoid :math:`\sigma` (Dauphin et al. 2017)
ReGLU      ReLU
GEGLU      GELU (tanh form, :func:`llmbook.activations.gelu`)  Gemma
SwiGLU     Swish / SiLU, :math:`z\,\sigma(z)`             Llama, Mistral, Qwen
=========  ============================================  =====================================

No biases, as in Shazeer's experiments and in the models that use them. Three matrices
instead of two: with :math:`d_{ff} = \tfrac{8}{3} d` the parameter count equals a
:math:`4d` two-matrix network's, :math:`3 d \cdot \tfrac83 d = 2 d \cdot 4d`;
:func:`ffn_width` gives the rounded width Llama uses.
"""

from __future__ import annotations

import math

import numpy as np

from . import activations
from ._checks import as_float
from .kernels import matmul, weight_grad

__all__ = ["VARIANTS", "ffn_width", "glu_ffn", "glu_ffn_backward", "silu", "silu_grad"]


def silu(z):
    r"""Swish with :math:`\beta = 1`, also called SiLU: :math:`\operatorname{silu}(z) = z\,\sigma(z)`.

    (Ramachandran, Zoph & Le 2017; Elfwing, Uchibe & Doya 2018.) Any shape; float64 result.

    Raises:
        TypeError, ValueError: non-numeric, empty or non-finite ``z``.
    """
    z = as_float(z, "z")
    return z * activations.sigmoid(z)


def silu_grad(z):
    r""":math:`\operatorname{silu}'(z) = \sigma(z)\,\big(1 + z\,(1 - \sigma(z))\big)`.

    Shapes and errors as in :func:`silu`.
    """
    s = activations.sigmoid(z)
    return s * (1.0 + np.asarray(z, dtype=np.float64) * (1.0 - s))


#: The gate of each variant: (activation, its derivative).
VARIANTS = {
    "glu": (activations.sigmoid, activations.sigmoid_grad),
    "reglu": (activations.relu, activations.relu_grad),
    "geglu": (activations.gelu, activations.gelu_grad),
    "swiglu": (silu, silu_grad),
}


def _gate(variant):
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {sorted(VARIANTS)}, got {variant!r}")
    return VARIANTS[variant]


def glu_ffn(x, W, V, W_2, variant: str = "swiglu"):
    r"""The gated feed-forward network :math:`\big(f(\mathbf x W) \odot \mathbf x V\big) W_2`.

    Args:
        x: ``[..., d]``.
        W: the gate's matrix ``[d, d_ff]``.
        V: the value's matrix ``[d, d_ff]``.
        W_2: the output matrix ``[d_ff, d]``.
        variant: ``"glu"``, ``"reglu"``, ``"geglu"`` or ``"swiglu"`` (the gate :math:`f`).
    Returns:
        ``(y, cache)``, ``y`` of ``x``'s shape.
    Raises:
        TypeError, ValueError: bad arrays, mismatched shapes, unknown variant.
    """
    f, _ = _gate(variant)
    x = as_float(x, "x")
    W, V, W_2 = (as_float(a, n, ndim=(2,)) for a, n in ((W, "W"), (V, "V"), (W_2, "W_2")))
    d = x.shape[-1]
    if W.shape[0] != d or V.shape != W.shape or W_2.shape != W.shape[::-1]:
        raise ValueError(
            f"W and V must be ({d}, d_ff) and W_2 (d_ff, {d}), "
            f"got {W.shape}, {V.shape} and {W_2.shape}"
        )
    a = matmul(x, W)  # [..., d_ff]  the gate's pre-activation
    b = matmul(x, V)  # [..., d_ff]  the value
    h = f(a) * b  # [..., d_ff]
    y = matmul(h, W_2)  # [..., d]
    return y, {"x": x, "a": a, "b": b, "h": h, "W": W, "V": V, "W_2": W_2, "variant": variant}


def glu_ffn_backward(dy, cache):
    r"""Backward pass of :func:`glu_ffn`.

    With :math:`\mathbf h = f(\mathbf a) \odot \mathbf b`, :math:`\mathbf a = \mathbf x W`,
    :math:`\mathbf b = \mathbf x V` and :math:`G = \partial L/\partial \mathbf h = \partial L/\partial \mathbf y\; W_2^\top`:

    .. math:: \frac{\partial L}{\partial \mathbf a} = G \odot \mathbf b \odot f'(\mathbf a),\quad
              \frac{\partial L}{\partial \mathbf b} = G \odot f(\mathbf a),\quad
              \frac{\partial L}{\partial \mathbf x} = \frac{\partial L}{\partial \mathbf a} W^\top
              + \frac{\partial L}{\partial \mathbf b} V^\top

    and each weight's gradient is its input's transpose times its output's gradient.

    Returns:
        ``(dx, {"W": dW, "V": dV, "W_2": dW_2})``.
    Raises:
        ValueError: ``dy`` not of the forward output's shape.
    """
    f, f_grad = _gate(cache["variant"])
    x, a, b, h = cache["x"], cache["a"], cache["b"], cache["h"]
    dy = as_float(dy, "dy")
    if dy.shape != x.shape:
        raise ValueError(f"dy must have shape {x.shape}, got {dy.shape}")
    G = matmul(dy, cache["W_2"].T)  # [..., d_ff]
    da = G * b * f_grad(a)
    db = G * f(a)
    dx = matmul(da, cache["W"].T) + matmul(db, cache["V"].T)
    grads = {"W": weight_grad(x, da), "V": weight_grad(x, db), "W_2": weight_grad(h, dy)}
    return dx, grads


def ffn_width(d_model: int, multiple_of: int = 256, ffn_dim_multiplier: float | None = None) -> int:
    r"""The feed-forward width of a SwiGLU network as Llama's reference code computes it.

    .. math:: d_{ff} = m \left\lceil \frac{\lfloor c \lfloor \tfrac23 \cdot 4d \rfloor \rfloor}{m} \right\rceil

    with :math:`m` = ``multiple_of`` and :math:`c` = ``ffn_dim_multiplier`` (1 when ``None``):
    two thirds of :math:`4d` keep the three matrices at the parameter count of a
    :math:`4d` two-matrix network, then rounded *up* to a multiple of :math:`m`. Llama 2 7B:
    :math:`d = 4096` gives 10922, rounded up to 11008 (:math:`m = 256`).

    Raises:
        ValueError: ``d_model`` or ``multiple_of`` not a positive integer, multiplier not positive.
    """
    for name, v in (("d_model", d_model), ("multiple_of", multiple_of)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    hidden = int(2 * (4 * d_model) / 3)
    if ffn_dim_multiplier is not None:
        if not ffn_dim_multiplier > 0 or not math.isfinite(ffn_dim_multiplier):
            raise ValueError(f"ffn_dim_multiplier must be positive, got {ffn_dim_multiplier!r}")
        hidden = int(ffn_dim_multiplier * hidden)
    return multiple_of * math.ceil(hidden / multiple_of)
