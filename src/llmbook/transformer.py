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
"""

from __future__ import annotations

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


def _int(value, name, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def _shape(n_layer, d_model, n_head, d_ff):
    _int(n_layer, "n_layer")
    _int(d_model, "d_model")
    _int(n_head, "n_head")
    if d_model % n_head:
        raise ValueError(f"d_model ({d_model}) must be divisible by n_head ({n_head})")
    return 4 * d_model if d_ff is None else _int(d_ff, "d_ff")


def block_parameter_count(d_model: int, d_ff: int | None = None) -> int:
    r"""Parameters of one block: :math:`4d^2 + 4d + 2 d\,d_{ff} + d_{ff} + d + 4d`.

    Raises:
        ValueError: sizes that are not positive integers.
    """
    d = _int(d_model, "d_model")
    return _block_parameters(d, 4 * d if d_ff is None else _int(d_ff, "d_ff"))


def _block_parameters(d: int, d_ff: int) -> int:
    r"""Parameters of one block without checks: :math:`4d^2 + 2d\,d_{ff} + d_{ff} + 9d`."""
    attention = 4 * d * d + 4 * d  # W_Q, W_K, W_V, W_O [d, d]; 4 biases [d]
    feed_forward = 2 * d * d_ff + d_ff + d  # W_1, W_2: d d_ff each; b_1, b_2
    layer_norms = 2 * 2 * d  # gamma, beta [d] of LN_1 and LN_2
    return attention + feed_forward + layer_norms


def parameter_count(
    n_layer: int,
    d_model: int,
    n_head: int,
    n_vocab: int,
    n_ctx: int,
    d_ff: int | None = None,
    tied_embeddings: bool = True,
) -> int:
    r"""The exact number of parameters of a GPT-2-style decoder.

    .. math:: N = V d + n_{ctx} d + L\,(4d^2 + 4d + 2 d\,d_{ff} + d_{ff} + 5d) + 2d
              \;[\,+\, d V \text{ if the output layer is not tied}\,]

    ``n_head`` does not change the count (the heads split :math:`d`), but it must divide
    ``d_model``.

    Args:
        n_layer, d_model, n_head, n_vocab, n_ctx: the configuration.
        d_ff: the feed-forward width (default :math:`4d`).
        tied_embeddings: whether the output layer reuses the token embeddings.
    Returns:
        int.
    Raises:
        ValueError: sizes that are not positive integers, or ``n_head`` not dividing ``d_model``.
    """
    d_ff = _shape(n_layer, d_model, n_head, d_ff)
    _int(n_vocab, "n_vocab")
    _int(n_ctx, "n_ctx")
    return _parameters(n_layer, d_model, n_vocab, n_ctx, d_ff, tied_embeddings)


def _parameters(L: int, d: int, V: int, n_ctx: int, d_ff: int, tied=True) -> int:
    r"""Parameters of a GPT-2-style decoder without checks.

    :math:`N = Vd + n_{ctx}d + L \cdot \text{block} + 2d`, plus :math:`dV` if the
    output layer is not tied to the token embeddings.
    """
    tokens = V * d  # E [V, d]
    positions = n_ctx * d  # P [n_ctx, d]
    blocks = L * _block_parameters(d, d_ff)
    final_ln = 2 * d  # gamma, beta of LN_f
    output = 0 if tied else d * V  # the output layer reuses E when tied
    return tokens + positions + blocks + final_ln + output


def flops_per_token(
    n_layer: int,
    d_model: int,
    n_head: int,
    n_vocab: int,
    n_ctx: int,
    d_ff: int | None = None,
    training: bool = False,
) -> int:
    r"""Floating-point operations of the matrix products for one token at context length ``n_ctx``.

    A product of an :math:`m`-vector with an :math:`m \times n` matrix costs :math:`2mn`
    operations (a multiply and an add each). Per token and layer: the query, key, value and
    output projections :math:`2 \cdot 4d^2`, the scores :math:`q\cdot k_j` and the weighted sum
    of values over :math:`n_{ctx}` positions :math:`2 \cdot 2 n_{ctx} d`, the feed-forward
    network :math:`2 \cdot 2 d\, d_{ff}`; then the logits :math:`2 d V`:

    .. math:: C_\text{forward} = L\,(8d^2 + 4 n_{ctx} d + 4 d\, d_{ff}) + 2 d V .

    Training (forward and backward) costs three times the forward pass: the backward pass
    computes two products for each one of the forward pass (gradients of the input and of
    the weights). Kaplan et al.'s (2020) approximation :math:`C \approx 2N + 2 L n_{ctx} d`
    (:math:`N` without embeddings) counts the scores; this count adds the weighted sum of the
    values (another :math:`2 L n_{ctx} d`) and the output layer. Layer norms, softmax, GELU and biases (:math:`O(d)` per token) are
    left out.

    Returns:
        int.
    Raises:
        ValueError: as :func:`parameter_count`.
    """
    d_ff = _shape(n_layer, d_model, n_head, d_ff)
    _int(n_vocab, "n_vocab")
    _int(n_ctx, "n_ctx")
    forward = _forward_flops(n_layer, d_model, n_vocab, n_ctx, d_ff)
    return 3 * forward if training else forward


def _forward_flops(L: int, d: int, V: int, n_ctx: int, d_ff: int) -> int:
    r"""Forward FLOPs per token without checks.

    :math:`C = L\,(8d^2 + 4 n_{ctx} d + 4 d\,d_{ff}) + 2dV`, counting :math:`2mn`
    for a vector times an :math:`m \times n` matrix.
    """
    projections = 2 * 4 * d * d  # q, k, v and the output: four [d, d] matrices
    attention = 2 * 2 * n_ctx * d  # scores q . k_j, and sum_j a_j v_j, j < n_ctx
    feed_forward = 2 * 2 * d * d_ff  # W_1 [d, d_ff] and W_2 [d_ff, d]
    logits = 2 * d * V  # z = h E^T
    return L * (projections + attention + feed_forward) + logits


def _bytes(bytes_per_value):
    if (
        isinstance(bytes_per_value, bool)
        or not isinstance(bytes_per_value, (int, float))
        or bytes_per_value <= 0
    ):
        raise ValueError(f"bytes_per_value must be a positive number, got {bytes_per_value!r}")
    return bytes_per_value


def weight_bytes(n_params: int, bytes_per_value: float = 2) -> float:
    r"""Memory of the weights: :math:`N \times b` bytes (b = 4 for float32, 2 for float16/bfloat16, 1 for int8)."""
    return _int(n_params, "n_params") * _bytes(bytes_per_value)


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
    n = _int(n_params, "n_params")
    if mixed_precision:
        return 16 * n
    return 4 * n * _bytes(bytes_per_value)


def kv_cache_bytes(
    n_layer: int, d_model: int, n_ctx: int, batch: int = 1, bytes_per_value: float = 2
) -> float:
    r"""Memory of the KV cache: a key and a value vector of width :math:`d` per layer and position.

    .. math:: 2 \cdot L \cdot n_{ctx} \cdot d \cdot B \cdot b \ \text{bytes}

    Raises:
        ValueError: sizes that are not positive integers, bad ``bytes_per_value``.
    """
    for name, v in (("n_layer", n_layer), ("d_model", d_model), ("n_ctx", n_ctx), ("batch", batch)):
        _int(v, name)
    return 2 * n_layer * n_ctx * d_model * batch * _bytes(bytes_per_value)
