r"""The Transformer decoder block: layer normalisation, feed-forward, residuals; forward and backward.

A *pre-norm* block (GPT-2, Xiong et al. 2020) normalises the input of each sub-layer and
adds the sub-layer's output to the residual stream:

.. math::
    \mathbf h = \mathbf x + \operatorname{MHA}(\operatorname{LN}_1(\mathbf x)), \qquad
    \mathbf y = \mathbf h + \operatorname{FFN}(\operatorname{LN}_2(\mathbf h)).

The original *post-norm* block (Vaswani et al. 2017) normalises after the addition:

.. math::
    \mathbf h = \operatorname{LN}_1(\mathbf x + \operatorname{MHA}(\mathbf x)), \qquad
    \mathbf y = \operatorname{LN}_2(\mathbf h + \operatorname{FFN}(\mathbf h)).

Self-attention in the block is causal. Every forward function returns ``(output, cache)``
and its backward partner maps the upstream gradient and the cache to the gradients of the
input and of every parameter (dicts shaped like the parameters).
"""

from __future__ import annotations

import numpy as np

from . import attention
from ._checks import as_float, positive, positive_int
from .kernels import gelu_parts, gelu_slope, matmul

__all__ = [
    "block_backward",
    "block_forward",
    "decoder_block",
    "feed_forward",
    "feed_forward_backward",
    "ffn",
    "init_block_params",
    "layer_norm",
    "layer_norm_backward",
    "ln",
]


def layer_norm(x, gamma, beta, eps: float = 1e-5):
    r"""Layer normalisation over the last axis (Ba, Kiros & Hinton 2016).

    .. math:: \mu = \frac1d\sum_i x_i,\quad \sigma^2 = \frac1d\sum_i (x_i-\mu)^2,\quad
              \hat x_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}},\quad y_i = \gamma_i \hat x_i + \beta_i

    Args:
        x: ``[..., d]``.
        gamma, beta: scale and shift ``[d]``.
        eps: :math:`\epsilon > 0` (1e-5 in GPT-2).
    Returns:
        ``(y, cache)`` with ``y`` of ``x``'s shape.
    Raises:
        TypeError, ValueError: bad arrays or shapes, ``eps <= 0``.
    """
    x = as_float(x, "x")
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension for layer_norm")
    gamma, beta = as_float(gamma, "gamma", ndim=(1,)), as_float(beta, "beta", ndim=(1,))
    d = x.shape[-1]
    if gamma.shape != (d,) or beta.shape != (d,):
        raise ValueError(
            f"gamma and beta must have shape ({d},), got {gamma.shape} and {beta.shape}"
        )
    return ln(x, gamma, beta, positive(eps, "eps"))


def ln(x, gamma, beta, eps: float = 1e-5):
    r"""Layer normalisation without checks, over the last axis.

    :math:`y = \gamma \odot (x - \mu)/\sqrt{\sigma^2 + \epsilon} + \beta` for ``x``
    ``[..., d]`` and ``gamma``, ``beta`` ``[d]``. Returns ``(y, cache)``, ``y``
    ``[..., d]`` in ``x``'s dtype, ``cache`` for :func:`layer_norm_backward`.
    """
    mu = x.mean(axis=-1, keepdims=True)  # [..., 1]
    xc = x - mu  # [..., d]
    var = np.mean(xc * xc, axis=-1, keepdims=True)  # [..., 1]: sigma^2
    rstd = 1.0 / np.sqrt(var + eps)  # [..., 1]: 1 / sqrt(sigma^2 + eps)
    xhat = xc * rstd  # [..., d]
    y = gamma * xhat + beta  # [..., d]
    return y, {"xhat": xhat, "rstd": rstd, "gamma": gamma}


def layer_norm_backward(dy, cache):
    r"""Backward pass of :func:`layer_norm`.

    With :math:`g = \gamma\odot\partial L/\partial y` and bars for means over the
    last axis:

    .. math:: \frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2+\epsilon}}
              \big(g - \bar g - \hat x\,\overline{g\odot\hat x}\big),\quad
              \frac{\partial L}{\partial \gamma}
              = \sum \frac{\partial L}{\partial y}\odot\hat x,\quad
              \frac{\partial L}{\partial \beta} = \sum \frac{\partial L}{\partial y}.

    Returns:
        ``(dx, {"gamma": dgamma, "beta": dbeta})``.
    """
    xhat, rstd, gamma = cache["xhat"], cache["rstd"], cache["gamma"]
    dy = np.asarray(dy)
    d = dy.shape[-1]
    g = dy * gamma  # [..., d]: g = gamma * dL/dy
    g_bar = g.mean(axis=-1, keepdims=True)  # [..., 1]
    gx_bar = np.mean(g * xhat, axis=-1, keepdims=True)  # [..., 1]: mean of g xhat
    dx = rstd * (g - g_bar - xhat * gx_bar)  # [..., d]
    flat_dy, flat_xhat = dy.reshape(-1, d), xhat.reshape(-1, d)
    return dx, {"gamma": (flat_dy * flat_xhat).sum(0), "beta": flat_dy.sum(0)}


def feed_forward(x, params):
    r"""The position-wise feed-forward network, :math:`\operatorname{FFN}(\mathbf x) = \operatorname{GELU}(\mathbf x W_1 + b_1) W_2 + b_2`.

    Args:
        x: ``[..., d]``.
        params: dict with ``W_1`` ``[d, d_ff]``, ``b_1`` ``[d_ff]``, ``W_2`` ``[d_ff, d]``, ``b_2`` ``[d]``.
    Returns:
        ``(y, cache)`` with ``y`` of ``x``'s shape.
    """
    x = as_float(x, "x")
    d = x.shape[-1]
    W1, W2 = params["W_1"], params["W_2"]
    if W1.shape[0] != d or W2.shape != (W1.shape[1], d):
        raise ValueError(
            f"params W_1 must be ({d}, d_ff) and W_2 (d_ff, {d}), got {W1.shape} and {W2.shape}"
        )
    return ffn(x, params)


def ffn(x, p):
    r"""The feed-forward network without checks.

    :math:`\operatorname{GELU}(\mathbf x W_1 + \mathbf b_1) W_2 + \mathbf b_2` for
    ``x`` ``[..., d]``, ``W_1`` ``[d, d_ff]``, ``b_1`` ``[d_ff]``, ``W_2``
    ``[d_ff, d]``, ``b_2`` ``[d]`` in ``p``. Returns ``(y, cache)``, ``y``
    ``[..., d]`` in ``x``'s dtype.
    """
    a = matmul(x, p["W_1"]) + p["b_1"]  # [..., d_ff]
    g, t = gelu_parts(a)  # [..., d_ff]: GELU(a), and tanh u for the backward
    y = matmul(g, p["W_2"]) + p["b_2"]  # [..., d]
    return y, {"x": x, "a": a, "g": g, "t": t, "params": p}


def feed_forward_backward(dy, cache):
    r"""Backward pass of :func:`feed_forward`; GELU contributes :math:`\mathrm{GELU}'(a)` elementwise.

    Returns:
        ``(dx, grads)`` with ``grads`` keyed ``W_1, b_1, W_2, b_2``.
    """
    p, x, a, g, t = cache["params"], cache["x"], cache["a"], cache["g"], cache["t"]
    d, d_ff = x.shape[-1], a.shape[-1]
    grads = {
        "W_2": g.reshape(-1, d_ff).T @ dy.reshape(-1, d),
        "b_2": dy.reshape(-1, d).sum(0),
    }
    da = matmul(dy, p["W_2"].T) * gelu_slope(a, t)
    grads["W_1"] = x.reshape(-1, d).T @ da.reshape(-1, d_ff)
    grads["b_1"] = da.reshape(-1, d_ff).sum(0)
    return matmul(da, p["W_1"].T), grads


def init_block_params(
    d_model: int, d_ff: int | None = None, rng=None, scale: float = 0.02, n_layer: int = 1
) -> dict:
    r"""Weights of one decoder block, initialised as in GPT-2.

    Matrices :math:`\sim\mathcal N(0, 0.02^2)`, the two projections that write into the
    residual stream (``attn.W_o`` and ``ffn.W_2``) scaled down by :math:`1/\sqrt{2 n_\text{layer}}`;
    biases 0; layer-norm :math:`\gamma = 1`, :math:`\beta = 0`.

    Returns:
        dict ``{"ln1": {gamma, beta}, "attn": {...}, "ln2": {gamma, beta}, "ffn": {W_1, b_1, W_2, b_2}}``.
    """
    d_model = positive_int(d_model, "d_model")
    d_ff = 4 * d_model if d_ff is None else d_ff
    rng = np.random.default_rng(rng)
    attn = attention.init_attention_params(d_model, rng, scale)
    attn["W_o"] /= np.sqrt(2 * n_layer)
    return {
        "ln1": {"gamma": np.ones(d_model), "beta": np.zeros(d_model)},
        "attn": attn,
        "ln2": {"gamma": np.ones(d_model), "beta": np.zeros(d_model)},
        "ffn": {
            "W_1": rng.normal(0.0, scale, size=(d_model, d_ff)),
            "b_1": np.zeros(d_ff),
            "W_2": rng.normal(0.0, scale / np.sqrt(2 * n_layer), size=(d_ff, d_model)),
            "b_2": np.zeros(d_model),
        },
    }


def block_forward(x, params: dict, n_head: int, norm: str = "pre", mask=None, eps: float = 1e-5):
    r"""Forward pass of one decoder block (causal self-attention + feed-forward).

    Args:
        x: the residual stream ``[..., T, d]``.
        params: as from :func:`init_block_params`.
        n_head: number of attention heads.
        norm: ``"pre"`` (GPT-2) or ``"post"`` (the original Transformer).
        mask: the attention mask; default the causal mask ``[T, T]``.
        eps: the layer-norm :math:`\epsilon`.
    Returns:
        ``(y, cache)`` with ``y`` ``[..., T, d]``.
    Raises:
        ValueError: unknown ``norm``; bad shapes (see :func:`llmbook.attention.mha_forward`).
    """
    if norm not in ("pre", "post"):
        raise ValueError(f"norm must be 'pre' or 'post', got {norm!r}")
    x = as_float(x, "x", ndim=(2, 3))
    if mask is None:
        mask = attention.causal_mask(x.shape[-2])
    return decoder_block(x, params, n_head, norm, mask, eps)


def decoder_block(x, p: dict, n_head: int, norm="pre", mask=None, eps=1e-5):
    r"""One decoder block, pre-norm or post-norm; ``x`` and ``norm`` unchecked.

    Pre-norm: :math:`\mathbf h = \mathbf x + \operatorname{MHA}(\operatorname{LN}_1\mathbf x)`,
    :math:`\mathbf y = \mathbf h + \operatorname{FFN}(\operatorname{LN}_2\mathbf h)`;
    post-norm applies each LN after the sum. ``x`` ``[..., T, d]``; returns
    ``(y, cache)``, ``y`` ``[..., T, d]``.
    """
    ln1, ln2, attn = p["ln1"], p["ln2"], p["attn"]
    if norm == "pre":
        u, c_ln1 = layer_norm(x, ln1["gamma"], ln1["beta"], eps)  # LN_1 x
        a, c_attn = attention.mha_forward(u, u, attn, n_head, mask)  # MHA(LN_1 x)
        h = x + a  # residual
        v, c_ln2 = layer_norm(h, ln2["gamma"], ln2["beta"], eps)  # LN_2 h
        f, c_ffn = feed_forward(v, p["ffn"])  # FFN(LN_2 h)
        y = h + f  # residual
    else:
        a, c_attn = attention.mha_forward(x, x, attn, n_head, mask)  # MHA(x)
        h, c_ln1 = layer_norm(x + a, ln1["gamma"], ln1["beta"], eps)  # LN_1(x + a)
        f, c_ffn = feed_forward(h, p["ffn"])  # FFN(h)
        y, c_ln2 = layer_norm(h + f, ln2["gamma"], ln2["beta"], eps)  # LN_2(h + f)
    caches = {"ln1": c_ln1, "attn": c_attn, "ln2": c_ln2, "ffn": c_ffn}
    return y, {"norm": norm, **caches}


def block_backward(dy, cache):
    r"""Backward pass of :func:`block_forward`, by the chain rule through each sub-layer.

    For the pre-norm block, the residual connections pass the gradient through unchanged
    and add each branch's contribution:

    .. math:: \frac{\partial L}{\partial \mathbf h} = \frac{\partial L}{\partial \mathbf y}
              + \Big(\frac{\partial\,\mathrm{FFN}(\mathrm{LN}_2\mathbf h)}{\partial \mathbf h}\Big)^{\!\top}\frac{\partial L}{\partial \mathbf y},
              \qquad
              \frac{\partial L}{\partial \mathbf x} = \frac{\partial L}{\partial \mathbf h}
              + \Big(\frac{\partial\,\mathrm{MHA}(\mathrm{LN}_1\mathbf x)}{\partial \mathbf x}\Big)^{\!\top}\frac{\partial L}{\partial \mathbf h}.

    Args:
        dy: upstream gradient ``[..., T, d]``.
        cache: from :func:`block_forward`.
    Returns:
        ``(dx, grads)`` with ``grads`` shaped like the block's parameters.
    """
    dy = np.asarray(dy)
    if cache["norm"] == "pre":
        df = dy
        dv, g_ffn = feed_forward_backward(df, cache["ffn"])
        dh_ln, g_ln2 = layer_norm_backward(dv, cache["ln2"])
        dh = dy + dh_ln
        du_q, du_kv, g_attn = attention.mha_backward(dh, cache["attn"])
        dx_ln, g_ln1 = layer_norm_backward(du_q + du_kv, cache["ln1"])
        dx = dh + dx_ln
    else:
        ds, g_ln2 = layer_norm_backward(dy, cache["ln2"])  # s = h + f
        dh_ffn, g_ffn = feed_forward_backward(ds, cache["ffn"])
        dh = ds + dh_ffn
        dr, g_ln1 = layer_norm_backward(dh, cache["ln1"])  # r = x + a
        dx_q, dx_kv, g_attn = attention.mha_backward(dr, cache["attn"])
        dx = dr + dx_q + dx_kv
    return dx, {"ln1": g_ln1, "attn": g_attn, "ln2": g_ln2, "ffn": g_ffn}
