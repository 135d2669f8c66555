r"""Sizes of a GPT-style Transformer: parameters, floating-point operations per token, memory.

The architecture counted is GPT-2's (Radford et al. 2019): token embeddings ``[V, d]``,
learned positions ``[n_ctx, d]``, :math:`L` pre-norm blocks, each with two layer norms
(scale and bias), an attention layer (query, key, value and output projections, each
``[d, d]`` with a bias) and a feed-forward network (``[d, d_ff]`` and ``[d_ff, d]`` with
biases), a final layer norm, and an output layer that reuses the token embeddings
(*tied*) or has its own ``[d, V]`` matrix (no bias, as in GPT-2). Per block:

.. math::
    \underbrace{4d^2 + 4d}_{\text{attention}} + \underbrace{2 d\, d_{ff} + d_{ff} + d}_{\text{feed-forward}}
    + \underbrace{4d}_{\text{2 layer norms}}
    \;=\; 12 d^2 + 13 d \quad\text{when } d_{ff} = 4d.

Today's open models change the parts but not the way of counting; keyword arguments of
:func:`parameter_count`, :func:`flops_per_token` and :func:`kv_cache_bytes` describe them:
RMSNorm (a scale, no bias: ``norm="rmsnorm"``), gated feed-forward networks with three
:math:`d \times d_{ff}` matrices (``mlp="swiglu"`` or ``"geglu"``), positions without
parameters (``positions="rope"`` or ``"sinusoidal"``), no biases (``bias=False``), fewer key
and value heads than query heads (``n_kv_head``), a head width other than
:math:`d/n_{head}` (``d_head``), and a mixture of ``n_expert`` feed-forward networks with a
router.
"""

from __future__ import annotations

import numpy as np

from ._checks import positive, positive_int

__all__ = [
    "PUBLISHED",
    "block_parameter_count",
    "flops_per_token",
    "kv_cache_bytes",
    "parameter_count",
    "training_memory_bytes",
    "weight_bytes",
]

#: Published configurations and exact parameter counts, with their source.
#: GPT-2 sizes: the configurations of the released checkpoints (n_vocab 50257, n_ctx 1024)
#: and their exact counts (Radford et al. 2019 round them to 117M, 345M, 762M, 1542M).
PUBLISHED = {
    "GPT-2 small": dict(n_layer=12, d_model=768, n_head=12, n_vocab=50257, n_ctx=1024),
    "GPT-2 medium": dict(n_layer=24, d_model=1024, n_head=16, n_vocab=50257, n_ctx=1024),
    "GPT-2 large": dict(n_layer=36, d_model=1280, n_head=20, n_vocab=50257, n_ctx=1024),
    "GPT-2 XL": dict(n_layer=48, d_model=1600, n_head=25, n_vocab=50257, n_ctx=1024),
}
#: The exact counts of the released GPT-2 checkpoints.
PUBLISHED_COUNTS = {
    "GPT-2 small": 124_439_808,
    "GPT-2 medium": 354_823_168,
    "GPT-2 large": 774_030_080,
    "GPT-2 XL": 1_557_611_200,
}
#: The sizes as printed in the GPT-2 paper (its Table 2), in millions.
PAPER_MILLIONS = {"GPT-2 small": 117, "GPT-2 medium": 345, "GPT-2 large": 762, "GPT-2 XL": 1542}


NORMS = ("layernorm", "rmsnorm")
MLPS = ("gelu", "swiglu", "geglu")
POSITIONS = ("learned", "sinusoidal", "rope")


def _choice(value, name, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def _widths(d_model, n_head, n_kv_head, d_head):
    """Query (and output) width and key/value width of the attention: ``(w_q, w_kv)``.

    Without ``d_head`` the heads split ``d_model`` (``n_head`` must divide it); with it the
    query width is ``n_head * d_head``, whatever ``d_model`` is.
    """
    positive_int(n_head, "n_head")
    if d_head is None:
        if d_model % n_head:
            raise ValueError(
                f"d_model ({d_model}) must be divisible by n_head ({n_head}), or give d_head"
            )
        d_head = d_model // n_head
    positive_int(d_head, "d_head")
    n_kv_head = n_head if n_kv_head is None else positive_int(n_kv_head, "n_kv_head")
    if n_head % n_kv_head:
        raise ValueError(f"n_head ({n_head}) must be divisible by n_kv_head ({n_kv_head})")
    return n_head * d_head, n_kv_head * d_head


def _block_parameters(d, d_ff, w_q=None, w_kv=None, norm="layernorm", mlp="gelu", bias=True,
                      n_expert=1) -> int:  # fmt: skip
    r"""Parameters of one block without checks: :math:`12d^2 + 13d` for GPT-2's (``d_ff = 4d``).

    The attention's query/output width ``w_q`` and key/value width ``w_kv`` default to
    ``d``; a gated ``mlp`` has three matrices; ``n_expert`` copies of the feed-forward
    network share one router.
    """
    w_q = d if w_q is None else w_q
    w_kv = w_q if w_kv is None else w_kv
    attention = 2 * d * w_q + 2 * d * w_kv  # W_q, W_o [d, w_q]; W_k, W_v [d, w_kv]
    n_mat = 2 if mlp == "gelu" else 3  # W_1, W_2 (and the gate's W_3)
    ffn = n_mat * d * d_ff
    if bias:
        attention += w_q + 2 * w_kv + d  # b_q, b_k, b_v, b_o
        ffn += (n_mat - 1) * d_ff + d  # b_1 (and b_3), b_2
    router = d * n_expert if n_expert > 1 else 0  # [d, E], no bias
    norms = 2 * _norm(d, norm, bias)  # the block's two norms
    return attention + n_expert * ffn + router + norms


def _parameters(L, d, V, n_ctx, block, final_norm, tied=True, learned=True) -> int:
    r"""Parameters of a decoder without checks.

    :math:`N = Vd + n_{ctx}d + L \cdot \text{block} + \text{final norm}`, plus :math:`dV`
    if the output layer is not tied to the token embeddings; no :math:`n_{ctx}d` when the
    positions are not learned (sinusoids, RoPE).
    """
    tokens = V * d  # E [V, d]
    positions = n_ctx * d if learned else 0  # P [n_ctx, d]
    blocks = L * block  # L blocks of `block` parameters each
    output = 0 if tied else d * V  # the output layer reuses E when tied
    return tokens + positions + blocks + final_norm + output


def _forward_flops(L, d, V, n_ctx, d_ff, w_q=None, w_kv=None, n_mat=2, k=1, n_expert=1):
    r"""Forward FLOPs per token without checks.

    :math:`C = L\,(8d^2 + 4 n_{ctx} d + 4 d\,d_{ff}) + 2dV` for GPT-2's block, counting
    :math:`2mn` for a vector times an :math:`m \times n` matrix; ``k`` of ``n_expert``
    feed-forward networks run per token.
    """
    w_q = d if w_q is None else w_q
    w_kv = w_q if w_kv is None else w_kv
    projections = 2 * (2 * d * w_q + 2 * d * w_kv)  # W_q, W_o, W_k, W_v
    attention = 2 * 2 * n_ctx * w_q  # scores q . k_j, and sum_j a_j v_j, j < n_ctx
    feed_forward = k * 2 * n_mat * d * d_ff  # W_1, W_2 (, W_3) of k experts
    router = 2 * d * n_expert if n_expert > 1 else 0  # z = x W_r
    logits = 2 * d * V  # z = h E^T
    return L * (projections + attention + feed_forward + router) + logits


def _norm(d, norm, bias):
    """A layer norm has a scale and (with biases) a shift; RMSNorm a scale only."""
    return 2 * d if norm == "layernorm" and bias else d


def block_parameter_count(
    d_model: int,
    d_ff: int | None = None,
    *,
    n_head: int = 1,
    n_kv_head: int | None = None,
    d_head: int | None = None,
    norm: str = "layernorm",
    mlp: str = "gelu",
    bias: bool = True,
    n_expert: int = 1,
) -> int:
    r"""Parameters of one block: :math:`4d^2 + 4d + 2 d\,d_{ff} + d_{ff} + d + 4d` for GPT-2's.

    In general, with query width :math:`w_q = n_{head} d_{head}` (:math:`= d` by default) and
    key/value width :math:`w_{kv} = n_{kv} d_{head}`:

    .. math:: \underbrace{2 d\, w_q + 2 d\, w_{kv}}_{\text{attention}}
              + E\,\underbrace{k\, d\, d_{ff}}_{\text{feed-forward}} + \underbrace{d E}_{\text{router}}
              + \underbrace{2 n_{norm} d}_{\text{2 norms}} \;[+\ \text{biases}]

    with :math:`k = 2` matrices for ``mlp="gelu"`` and 3 for a gated network, :math:`E` experts
    (no router when :math:`E = 1`), :math:`n_{norm} = 2` for a layer norm with bias and 1 for
    RMSNorm or ``bias=False``. Biases: :math:`w_q + 2 w_{kv} + d` in attention and
    :math:`(k-1) d_{ff} + d` per feed-forward network.

    Raises:
        ValueError: sizes that are not positive integers, ``n_kv_head`` not dividing ``n_head``,
            unknown ``norm`` or ``mlp``.
    """
    d = positive_int(d_model, "d_model")
    d_ff = 4 * d if d_ff is None else positive_int(d_ff, "d_ff")
    w_q, w_kv = _widths(d, n_head, n_kv_head, d_head)
    _choice(norm, "norm", NORMS)
    _choice(mlp, "mlp", MLPS)
    n_expert = positive_int(n_expert, "n_expert")
    return _block_parameters(d, d_ff, w_q, w_kv, norm, mlp, bool(bias), n_expert)


def parameter_count(
    n_layer: int,
    d_model: int,
    n_head: int,
    n_vocab: int,
    n_ctx: int,
    d_ff: int | None = None,
    tied_embeddings: bool = True,
    *,
    n_kv_head: int | None = None,
    norm: str = "layernorm",
    mlp: str = "gelu",
    positions: str = "learned",
    bias: bool = True,
    n_expert: int = 1,
    d_head: int | None = None,
) -> int:
    r"""The exact number of parameters of a decoder-only Transformer (GPT-2's by default).

    .. math:: N = V d + n_{ctx} d + L\,(4d^2 + 4d + 2 d\,d_{ff} + d_{ff} + 5d) + 2d
              \;[\,+\, d V \text{ if the output layer is not tied}\,]

    for GPT-2; the keywords change the terms as in :func:`block_parameter_count`, and
    ``positions="rope"`` or ``"sinusoidal"`` drops :math:`n_{ctx} d` (no parameters). The final
    norm has :math:`2d` or :math:`d` parameters like the blocks' norms.

    Args:
        n_layer, d_model, n_head, n_vocab, n_ctx: the configuration.
        d_ff: the feed-forward width (default :math:`4d`), per expert.
        tied_embeddings: whether the output layer reuses the token embeddings.
        n_kv_head: key/value heads (grouped-query attention; default ``n_head``).
        norm: ``"layernorm"`` or ``"rmsnorm"``.
        mlp: ``"gelu"`` (two matrices) or ``"swiglu"`` / ``"geglu"`` (three).
        positions: ``"learned"``, ``"sinusoidal"`` or ``"rope"``.
        bias: ``False`` removes every bias, in linear layers and norms.
        n_expert: copies of the feed-forward network, with a router ``[d, n_expert]``.
        d_head: the width of a head, when ``n_head * d_head`` is not ``d_model``.
    Returns:
        int.
    Raises:
        ValueError: sizes that are not positive integers, ``n_head`` not dividing ``d_model``
            (without ``d_head``), ``n_kv_head`` not dividing ``n_head``, unknown option.
    """
    positive_int(n_layer, "n_layer")
    d = positive_int(d_model, "d_model")
    block = block_parameter_count(
        d, d_ff, n_head=n_head, n_kv_head=n_kv_head, d_head=d_head,
        norm=norm, mlp=mlp, bias=bias, n_expert=n_expert,
    )  # fmt: skip
    positive_int(n_vocab, "n_vocab")
    positive_int(n_ctx, "n_ctx")
    learned = _choice(positions, "positions", POSITIONS) == "learned"
    final_norm = _norm(d, norm, bias)
    return _parameters(n_layer, d, n_vocab, n_ctx, block, final_norm, tied_embeddings, learned)


def flops_per_token(
    n_layer: int,
    d_model: int,
    n_head: int,
    n_vocab: int,
    n_ctx: int,
    d_ff: int | None = None,
    training: bool = False,
    *,
    n_kv_head: int | None = None,
    mlp: str = "gelu",
    n_expert: int = 1,
    experts_per_token: int = 1,
    d_head: int | None = None,
) -> int:
    r"""Floating-point operations of the matrix products for one token at context length ``n_ctx``.

    A product of an :math:`m`-vector with an :math:`m \times n` matrix costs :math:`2mn`
    operations (a multiply and an add each). Per token and layer: the query, key, value and
    output projections :math:`2 \cdot 4d^2`, the scores :math:`q\cdot k_j` and the weighted sum
    of values over :math:`n_{ctx}` positions :math:`2 \cdot 2 n_{ctx} d`, the feed-forward
    network :math:`2 \cdot 2 d\, d_{ff}`; then the logits :math:`2 d V`:

    .. math:: C_\text{forward} = L\,(8d^2 + 4 n_{ctx} d + 4 d\, d_{ff}) + 2 d V .

    With the keywords of :func:`parameter_count`: the projections cost
    :math:`2(2 d\,w_q + 2 d\,w_{kv})`, the scores and values :math:`4 n_{ctx} w_q`, a gated
    network :math:`2 \cdot 3 d\, d_{ff}`, and a mixture runs ``experts_per_token`` of its
    ``n_expert`` networks plus the router, :math:`2 d E`. Norms, positions and biases do not
    change the count.

    Training (forward and backward) costs three times the forward pass: the backward pass
    computes two products for each one of the forward pass (gradients of the input and of
    the weights). Kaplan et al.'s (2020) approximation :math:`C \approx 2N + 2 L n_{ctx} d`
    (:math:`N` without embeddings) counts the scores; this count adds the weighted sum of the
    values (another :math:`2 L n_{ctx} d`) and the output layer. Layer norms, softmax, GELU and biases (:math:`O(d)` per token) are
    left out.

    Returns:
        int.
    Raises:
        ValueError: as :func:`parameter_count`; ``experts_per_token`` not in ``1..n_expert``.
    """
    d_ff = 4 * positive_int(d_model, "d_model") if d_ff is None else positive_int(d_ff, "d_ff")
    positive_int(n_layer, "n_layer")
    w_q, w_kv = _widths(d_model, n_head, n_kv_head, d_head)
    positive_int(n_vocab, "n_vocab")
    positive_int(n_ctx, "n_ctx")
    n_expert = positive_int(n_expert, "n_expert")
    k = positive_int(experts_per_token, "experts_per_token")
    if k > n_expert:
        raise ValueError(f"experts_per_token ({k}) must be <= n_expert ({n_expert})")
    n_matrices = 2 if _choice(mlp, "mlp", MLPS) == "gelu" else 3
    forward = _forward_flops(
        n_layer, d_model, n_vocab, n_ctx, d_ff, w_q, w_kv, n_matrices, k, n_expert
    )
    return 3 * forward if training else forward


def _bytes(bytes_per_value):
    if isinstance(bytes_per_value, (bool, np.bool_)):
        raise ValueError(f"bytes_per_value must be a positive number, got {bytes_per_value!r}")
    return positive(bytes_per_value, "bytes_per_value (a positive number)")


def weight_bytes(n_params: int, bytes_per_value: float = 2) -> float:
    r"""Memory of the weights: :math:`N \times b` bytes (b = 4 for float32, 2 for float16/bfloat16, 1 for int8)."""
    return positive_int(n_params, "n_params") * _bytes(bytes_per_value)


def training_memory_bytes(
    n_params: int, bytes_per_value: float = 4, mixed_precision: bool = False
) -> float:
    r"""Memory of weights, gradients and Adam's two moments during training (activations excluded).

    In one precision of :math:`b` bytes: :math:`4 N b` (weights, gradients, :math:`m`, :math:`v`).
    In mixed precision (16-bit weights and gradients, float32 master weights and moments):
    :math:`N(2 + 2 + 4 + 4 + 4) = 16N` bytes.

    Raises:
        ValueError: bad ``n_params`` or ``bytes_per_value``.
    """
    n = positive_int(n_params, "n_params")
    if mixed_precision:
        return 16 * n
    return 4 * n * _bytes(bytes_per_value)


def kv_cache_bytes(
    n_layer: int,
    d_model: int,
    n_ctx: int,
    batch: int = 1,
    bytes_per_value: float = 2,
    *,
    n_head: int | None = None,
    n_kv_head: int | None = None,
) -> float:
    r"""Memory of the KV cache: a key and a value vector of width :math:`w` per layer and position.

    .. math:: 2 \cdot L \cdot n_{ctx} \cdot w \cdot B \cdot b \ \text{bytes},\qquad
              w = d \ \text{or, with grouped-query attention,}\ w = n_{kv}\,\frac{d}{n_{head}}

    Args:
        n_head, n_kv_head: with ``n_kv_head``, keys and values have ``n_kv_head`` heads of
            width ``d_model / n_head``; ``n_head`` is then required and must be divisible by
            ``n_kv_head`` (and divide ``d_model``).
    Raises:
        ValueError: sizes that are not positive integers, bad ``bytes_per_value``, ``n_kv_head``
            without ``n_head`` or not dividing it.
    """
    for name, v in (("n_layer", n_layer), ("d_model", d_model), ("n_ctx", n_ctx), ("batch", batch)):
        positive_int(v, name)
    width = d_model
    if n_kv_head is not None:
        if n_head is None:
            raise ValueError("n_kv_head needs n_head (the head width is d_model / n_head)")
        width = _widths(d_model, n_head, n_kv_head, None)[1]
    elif n_head is not None:
        _widths(d_model, n_head, None, None)
    return 2 * n_layer * n_ctx * width * batch * _bytes(bytes_per_value)
