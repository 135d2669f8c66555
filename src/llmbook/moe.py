r"""A mixture-of-experts feed-forward layer: router, top-k gating, capacity, load balancing; forward and backward.

A sparse mixture of experts (Shazeer et al. 2017) replaces the block's one feed-forward network
by :math:`E` of them, the *experts*, and a *router* (a bias-free linear map :math:`W_r`,
``[d, E]``) that sends each token to :math:`k` of them:

.. math::
    \mathbf z = \mathbf x W_r, \qquad \mathcal T = \operatorname{top}_k(\mathbf z), \qquad
    g_e = \frac{e^{z_e}}{\sum_{e' \in \mathcal T} e^{z_{e'}}}\ (e \in \mathcal T), \qquad
    \mathbf y = \sum_{e \in \mathcal T} g_e \operatorname{FFN}_e(\mathbf x).

The gates are the softmax over the :math:`k` selected logits, as in Mixtral (Jiang et al. 2024).
Switch Transformer (Fedus et al. 2021, :math:`k = 1`) and GShard (Lepikhin et al. 2020) take
the softmax over all :math:`E` logits first and keep the top-:math:`k` probabilities (GShard
renormalises the two); for :math:`k = 1` Switch's gate is :math:`p_e < 1` where Mixtral's
would be 1.

Each expert processes at most :math:`C = \lfloor c \cdot kN / E \rfloor` assignments of a batch of
:math:`N` tokens (capacity factor :math:`c`); assignments beyond it are *dropped*: they add
nothing, and a token whose every assignment is dropped leaves the layer as :math:`\mathbf y = 0`,
so the block's residual connection passes it on unchanged. A load-balancing loss
(Switch's) pushes the router towards even loads:

.. math:: \mathcal L_\text{aux} = E \sum_{i=1}^{E} f_i P_i, \qquad
          f_i = \frac{1}{kN}\,\#\{(t, j): \mathcal T_{t,j} = i\}, \qquad
          P_i = \frac1N \sum_t \operatorname{softmax}(\mathbf z_t)_i ,

which is 1 when both are uniform. The experts here are the book's feed-forward network
(:func:`llmbook.block.feed_forward`); Mixtral's are SwiGLU networks, counted as such in
:func:`parameter_counts`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_array, positive
from .activations import softmax
from .block import feed_forward, feed_forward_backward

__all__ = [
    "MIXTRAL_8X7B",
    "Routing",
    "assign_capacity",
    "expert_capacity",
    "forward_flops_per_token",
    "init_moe_params",
    "load_balancing_loss",
    "load_balancing_loss_grad",
    "moe_backward",
    "moe_forward",
    "parameter_counts",
    "route",
    "routing_figure",
    "routing_loads",
    "top_k_gating",
]

#: Mixtral 8x7B's configuration, from its released ``config.json`` (mistralai/Mixtral-8x7B-v0.1):
#: hidden_size 4096, intermediate_size 14336, num_hidden_layers 32, num_attention_heads 32,
#: num_key_value_heads 8, num_local_experts 8, num_experts_per_tok 2, vocab_size 32000,
#: tie_word_embeddings false; RMSNorm, SwiGLU experts, no biases.
MIXTRAL_8X7B = dict(
    n_layer=32,
    d_model=4096,
    n_head=32,
    n_kv_head=8,
    d_ff=14336,
    n_vocab=32000,
    n_expert=8,
    top_k=2,
    tied_embeddings=False,
)


def _int(v, name, minimum=1):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {v!r}")
    return int(v)


def top_k_gating(logits, k: int):
    r"""The :math:`k` largest router logits of each token and their gates :math:`\operatorname{softmax}` over those :math:`k`.

    .. math:: \mathcal T_t = \operatorname{top}_k(\mathbf z_t), \qquad
              g_{t,j} = e^{z_{t,\mathcal T_{t,j}}} \big/ \textstyle\sum_{j'} e^{z_{t,\mathcal T_{t,j'}}}

    Ties go to the lower expert index.

    Args:
        logits: ``[N, E]``.
        k: experts per token, ``1 <= k <= E``.
    Returns:
        ``(experts, gates)``: int ``[N, k]`` (best first) and float ``[N, k]`` (rows sum to 1).
    Raises:
        TypeError, ValueError: bad ``logits`` or ``k``.
    """
    logits = as_array(logits, "logits", ndim=(2,))
    k = _int(k, "k")
    if k > logits.shape[1]:
        raise ValueError(f"k ({k}) must be at most the number of experts ({logits.shape[1]})")
    experts = np.argsort(-logits, axis=1, kind="stable")[:, :k]  # [N, k]
    gates = softmax(np.take_along_axis(logits, experts, axis=1))  # [N, k]
    return experts, gates


def expert_capacity(n_tokens: int, n_expert: int, k: int, capacity_factor: float) -> int:
    r"""Assignments one expert may take: :math:`C = \lfloor c \cdot k N / E \rfloor`.

    Raises:
        ValueError: sizes that are not positive integers, a non-positive ``capacity_factor``.
    """
    n, e, k = _int(n_tokens, "n_tokens"), _int(n_expert, "n_expert"), _int(k, "k")
    return int(np.floor(positive(capacity_factor, "capacity_factor") * k * n / e))


def assign_capacity(experts, n_expert: int, capacity: int):
    r"""Which assignments fit in the experts' capacity: first choices first, each in token order.

    Expert :math:`e` accepts assignments until it holds ``capacity`` of them; all tokens' first
    choices are placed before any second choice (as GShard dispatches its second expert after
    the first). A rejected assignment is *dropped*.

    Args:
        experts: int ``[N, k]`` from :func:`top_k_gating`.
        n_expert: :math:`E`.
        capacity: :math:`C \ge 0`, or None for no limit.
    Returns:
        bool ``[N, k]``, True where the assignment is kept.
    Raises:
        ValueError: bad shapes or values.
    """
    experts = np.asarray(experts)
    if experts.ndim != 2 or not np.issubdtype(experts.dtype, np.integer):
        raise ValueError(
            f"experts must be an integer array [N, k], got {experts.dtype} {experts.shape}"
        )
    n_expert = _int(n_expert, "n_expert")
    if experts.size and (experts.min() < 0 or experts.max() >= n_expert):
        raise ValueError(f"experts must lie in [0, {n_expert - 1}]")
    if capacity is None:
        return np.ones(experts.shape, dtype=bool)
    capacity = _int(capacity, "capacity", minimum=0)
    keep = np.zeros(experts.shape, dtype=bool)
    load = np.zeros(n_expert, dtype=int)
    for j in range(experts.shape[1]):  # choice rank
        for t in range(experts.shape[0]):  # token order
            e = experts[t, j]
            if load[e] < capacity:
                keep[t, j], load[e] = True, load[e] + 1
    return keep


@dataclass(frozen=True)
class Routing:
    """The routing decisions of one batch: logits ``[N, E]``, experts and gates ``[N, k]``,
    kept assignments ``[N, k]`` and the capacity (None: unlimited)."""

    logits: np.ndarray
    experts: np.ndarray
    gates: np.ndarray
    keep: np.ndarray
    capacity: int | None


def route(x, W_r, k: int, capacity_factor: float | None = None) -> Routing:
    r"""Route tokens ``x`` ``[N, d]``: logits :math:`XW_r`, top-:math:`k` gates, and capacity.

    Raises:
        TypeError, ValueError: bad arrays or shapes, ``k`` or ``capacity_factor``.
    """
    x = as_array(x, "x", ndim=(2,))
    W_r = as_array(W_r, "W_r", ndim=(2,))
    if W_r.shape[0] != x.shape[1]:
        raise ValueError(f"W_r must be [d, E] with d = {x.shape[1]}, got {W_r.shape}")
    logits = x @ W_r  # [N, E]
    experts, gates = top_k_gating(logits, k)  # [N, k]
    N, E = logits.shape
    C = None if capacity_factor is None else expert_capacity(N, E, k, capacity_factor)
    return Routing(logits, experts, gates, assign_capacity(experts, E, C), C)


def routing_loads(routing: Routing) -> dict:
    """Per expert: assignments routed to it, kept and dropped; and the tokens with nothing kept.

    Returns:
        dict with ``routed``, ``kept``, ``dropped`` (int arrays ``[E]``) and ``passed_through``
        (int: tokens whose every assignment was dropped).
    """
    E = routing.logits.shape[1]
    routed = np.bincount(routing.experts.ravel(), minlength=E)
    kept = np.bincount(routing.experts[routing.keep], minlength=E)
    return {
        "routed": routed,
        "kept": kept,
        "dropped": routed - kept,
        "passed_through": int((~routing.keep.any(axis=1)).sum()),
    }


def load_balancing_loss(logits, experts) -> float:
    r"""Switch Transformer's auxiliary loss :math:`E\sum_i f_i P_i` (1 when routing is uniform).

    :math:`f_i` is the fraction of the :math:`kN` assignments that go to expert :math:`i`,
    :math:`P_i` the mean over tokens of the router's softmax over all :math:`E` experts.

    Args:
        logits: ``[N, E]``; experts: int ``[N, k]`` from :func:`top_k_gating`.
    Returns:
        float in :math:`[0, E]`.
    """
    logits = as_array(logits, "logits", ndim=(2,))
    E = logits.shape[1]
    f = np.bincount(np.asarray(experts).ravel(), minlength=E) / np.asarray(experts).size  # [E]
    P = softmax(logits).mean(axis=0)  # [E]
    return float(E * np.sum(f * P))


def load_balancing_loss_grad(logits, experts):
    r"""Gradient of :func:`load_balancing_loss` with respect to the logits, ``[N, E]``.

    :math:`f` is piecewise constant (it only changes when a routing decision flips), so the
    gradient flows through :math:`P`: with :math:`p_t = \operatorname{softmax}(\mathbf z_t)` and
    :math:`u_i = E f_i / N`,
    :math:`\partial \mathcal L_\text{aux}/\partial z_{tj} = p_{tj}\,(u_j - \sum_i p_{ti} u_i)`.
    """
    logits = as_array(logits, "logits", ndim=(2,))
    N, E = logits.shape
    f = np.bincount(np.asarray(experts).ravel(), minlength=E) / np.asarray(experts).size
    p = softmax(logits)  # [N, E]
    u = E * f / N  # [E]
    return p * (u - (p * u).sum(axis=1, keepdims=True))


def init_moe_params(d_model: int, d_ff: int, n_expert: int, rng=None, scale: float = 0.02) -> dict:
    r"""Router ``W_r`` ``[d, E]`` and ``E`` feed-forward experts (``W_1`` ``[d, d_ff]``, ``b_1``, ``W_2``, ``b_2``).

    Matrices :math:`\sim \mathcal N(0, \mathrm{scale}^2)`, zero biases.
    """
    d, f, E = _int(d_model, "d_model"), _int(d_ff, "d_ff"), _int(n_expert, "n_expert")
    rng = np.random.default_rng(rng)
    experts = [
        {
            "W_1": rng.normal(0, scale, (d, f)),
            "b_1": np.zeros(f),
            "W_2": rng.normal(0, scale, (f, d)),
            "b_2": np.zeros(d),
        }
        for _ in range(E)
    ]
    return {"W_r": rng.normal(0, scale, (d, E)), "experts": experts}


def moe_forward(x, params: dict, k: int, capacity_factor: float | None = None):
    r"""The MoE layer: :math:`\mathbf y_t = \sum_{j\,\text{kept}} g_{t,j} \operatorname{FFN}_{\mathcal T_{t,j}}(\mathbf x_t)`.

    Each expert runs once, on the tokens routed to it (a gather), and its outputs are
    scattered back weighted by their gates.

    Args:
        x: tokens ``[N, d]`` (flatten batch and time first).
        params: dict from :func:`init_moe_params`.
        k: experts per token.
        capacity_factor: :math:`c` (None: no capacity limit, nothing dropped).
    Returns:
        ``(y, aux, cache)``: output ``[N, d]`` (0 for a token with every assignment
        dropped), the load-balancing loss, and what :func:`moe_backward` needs.
    Raises:
        TypeError, ValueError: bad inputs or parameters.
    """
    x = as_array(x, "x", ndim=(2,))
    if not isinstance(params, dict) or "W_r" not in params or "experts" not in params:
        raise TypeError("params must be a dict with W_r and experts, as from init_moe_params")
    if len(params["experts"]) != np.shape(params["W_r"])[-1]:
        raise ValueError(
            f"W_r has {np.shape(params['W_r'])[-1]} columns for {len(params['experts'])} experts"
        )
    r = route(x, params["W_r"], k, capacity_factor)
    y = np.zeros_like(x)  # [N, d]
    caches = []
    for e, expert in enumerate(params["experts"]):
        tok, slot = np.nonzero((r.experts == e) & r.keep)  # the tokens expert e takes
        if tok.size == 0:
            caches.append(None)
            continue
        out, c = feed_forward(x[tok], expert)  # [n_e, d]
        y[tok] += r.gates[tok, slot, None] * out
        caches.append((tok, slot, out, c))
    aux = load_balancing_loss(r.logits, r.experts)
    return y, aux, {"x": x, "routing": r, "experts": caches, "params": params}


def moe_backward(dy, cache: dict, aux_weight: float = 0.0):
    r"""Gradients of :math:`\sum_t \mathbf y_t \cdot \partial L/\partial\mathbf y_t + \alpha\,\mathcal L_\text{aux}`, routing held fixed.

    The routing (top-:math:`k` choice, capacity) is piecewise constant in the inputs, so it
    has no gradient; the gates carry it. With :math:`s_{t,j} = \operatorname{FFN}_{e}(\mathbf x_t)
    \cdot \partial L/\partial \mathbf y_t` for kept assignments (0 for dropped ones), the gates'
    softmax gives :math:`\partial L/\partial z_{t,\mathcal T_{t,j}} = g_{t,j}(s_{t,j} - \sum_{j'}
    g_{t,j'} s_{t,j'})`; then :math:`\partial L/\partial W_r = X^\top \partial L/\partial Z` and
    :math:`\partial L/\partial X` collects the router's and each expert's contribution.

    Args:
        dy: ``[N, d]``.
        cache: from :func:`moe_forward`.
        aux_weight: :math:`\alpha \ge 0`, the weight of the load-balancing loss.
    Returns:
        ``(dx, grads)``: ``grads["W_r"]`` ``[d, E]`` and ``grads["experts"]``, a list of dicts
        (zeros for an expert that received no token).
    """
    x, r, p = cache["x"], cache["routing"], cache["params"]
    dy = as_array(dy, "dy", ndim=(2,))
    if dy.shape != x.shape:
        raise ValueError(f"dy must have the output's shape {x.shape}, got {dy.shape}")
    aux_weight = float(aux_weight)
    if not np.isfinite(aux_weight) or aux_weight < 0:
        raise ValueError(f"aux_weight must be a finite number >= 0, got {aux_weight}")
    dx = np.zeros_like(x)
    s = np.zeros(r.gates.shape)  # [N, k]: dL/d gate
    grads_e = []
    for expert, c in zip(p["experts"], cache["experts"], strict=True):
        if c is None:
            grads_e.append({n: np.zeros_like(v) for n, v in expert.items()})
            continue
        tok, slot, out, fc = c
        s[tok, slot] = np.sum(out * dy[tok], axis=1)
        dxe, g = feed_forward_backward(r.gates[tok, slot, None] * dy[tok], fc)
        dx[tok] += dxe  # a token visits an expert at most once, so no index repeats
        grads_e.append(g)
    g = r.gates
    dz_top = g * (s - np.sum(g * s, axis=1, keepdims=True))  # softmax over the k chosen
    dz = np.zeros(r.logits.shape)  # [N, E]
    np.put_along_axis(dz, r.experts, dz_top, axis=1)
    if aux_weight:
        dz += aux_weight * load_balancing_loss_grad(r.logits, r.experts)
    dx += dz @ p["W_r"].T
    return dx, {"W_r": x.T @ dz, "experts": grads_e}


def _check_config(n_layer, d_model, n_head, n_kv_head, d_ff, n_vocab, n_expert, top_k):
    names = ("n_layer", "d_model", "n_head", "n_kv_head", "d_ff", "n_vocab", "n_expert", "top_k")
    values = (n_layer, d_model, n_head, n_kv_head, d_ff, n_vocab, n_expert, top_k)
    for name, v in zip(names, values, strict=True):
        _int(v, name)
    if d_model % n_head or n_head % n_kv_head:
        raise ValueError(
            f"n_head must divide d_model and n_kv_head n_head, got {d_model}, {n_head}, {n_kv_head}"
        )
    if top_k > n_expert:
        raise ValueError(f"top_k ({top_k}) must be at most n_expert ({n_expert})")


def parameter_counts(
    n_layer: int,
    d_model: int,
    n_head: int,
    n_kv_head: int,
    d_ff: int,
    n_vocab: int,
    n_expert: int = 1,
    top_k: int = 1,
    tied_embeddings: bool = False,
) -> dict:
    r"""Total and active parameters of a Llama/Mixtral-style decoder with SwiGLU experts.

    Per layer: attention :math:`2d^2 + 2d\,n_{kv} d_h` (:math:`W_Q, W_O` and the grouped
    :math:`W_K, W_V`, no biases), :math:`E` SwiGLU experts of :math:`3 d\, d_{ff}` each, a router
    :math:`dE` (when :math:`E > 1`), two RMSNorm scales :math:`2d`. Then the token embeddings
    :math:`Vd`, a final norm :math:`d` and an output matrix :math:`dV` unless tied. A token uses
    the :math:`k` experts it is routed to:

    .. math:: N_\text{total} = (V d)(2 - \text{tied}) + d + L\,(2d^2 + 2 d\, n_{kv} d_h + 3E d\, d_{ff} + dE + 2d),\\
              N_\text{active} = N_\text{total} - L\,(E - k)\, 3 d\, d_{ff}.

    Returns:
        dict with ``total``, ``active`` and ``per_expert`` (int).
    Raises:
        ValueError: sizes that are not positive integers, heads not dividing, ``top_k > n_expert``.
    """
    _check_config(n_layer, d_model, n_head, n_kv_head, d_ff, n_vocab, n_expert, top_k)
    L, d, h, g, f, V, E, k = n_layer, d_model, n_head, n_kv_head, d_ff, n_vocab, n_expert, top_k
    attention = 2 * d * d + 2 * d * g * (d // h)  # W_Q, W_O [d, d]; W_K, W_V [d, g d_h]
    per_expert = 3 * d * f  # SwiGLU: gate and up [d, d_ff], down [d_ff, d]
    router = d * E if E > 1 else 0  # W_r [d, E]
    layer = attention + E * per_expert + router + 2 * d  # + two RMSNorm scales
    total = V * d * (1 if tied_embeddings else 2) + d + L * layer  # + embeddings, final norm
    return {"total": total, "active": total - L * (E - k) * per_expert, "per_expert": per_expert}


def forward_flops_per_token(n_ctx: int, **config) -> int:
    r"""Forward floating-point operations per token of the decoder of :func:`parameter_counts`.

    Every active weight outside the embedding lookup is used once in a matrix product
    (:math:`2` operations per weight), and attention's scores and weighted sum of values over
    :math:`n_{ctx}` positions cost :math:`2 \cdot 2\, n_{ctx} d` per layer (:math:`h d_h = d`;
    grouping the keys and values saves memory, not these operations):

    .. math:: C = 2\,(N_\text{active} - V d) + 4 L\, n_{ctx} d .

    Norms, activations and the gates' softmax (:math:`O(d)` per token) are left out.

    Args:
        n_ctx: context length.
        **config: the arguments of :func:`parameter_counts`.
    """
    n_ctx = _int(n_ctx, "n_ctx")
    active = parameter_counts(**config)["active"]
    lookup = config["n_vocab"] * config["d_model"]
    return 2 * (active - lookup) + 4 * config["n_layer"] * n_ctx * config["d_model"]


def routing_figure(routing: Routing):
    """Two panels: the gate of each token's kept (and dropped, ×) assignments, and each expert's load.

    Returns:
        a matplotlib Figure. The second axes' bars are, per expert, ``kept`` and (stacked on
        top) ``dropped`` from :func:`routing_loads`; a dashed line marks the capacity.
    """
    import matplotlib.pyplot as plt

    N, E = routing.logits.shape
    loads = routing_loads(routing)
    G = np.full((E, N), np.nan)  # [E, N]: gate of token t at expert e, NaN if not routed
    rows, slots = np.nonzero(routing.keep)
    G[routing.experts[rows, slots], rows] = routing.gates[rows, slots]
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(8.5, 3.2), gridspec_kw={"width_ratios": [2.2, 1]})
    im = ax0.imshow(G, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    drop_t, drop_j = np.nonzero(~routing.keep)
    ax0.plot(drop_t, routing.experts[drop_t, drop_j], "x", color="red", ms=6, label="dropped")
    ax0.set_xlabel("token")
    ax0.set_ylabel("expert")
    ax0.set_yticks(range(E))
    if drop_t.size:
        ax0.legend(loc="upper right", fontsize=8, framealpha=0.9)
    fig.colorbar(im, ax=ax0, label="gate", fraction=0.05)
    ax1.bar(range(E), loads["kept"], color="C0", label="kept")
    ax1.bar(range(E), loads["dropped"], bottom=loads["kept"], color="C3", label="dropped")
    if routing.capacity is not None:
        ax1.axhline(routing.capacity, color="k", ls="--", lw=1, label="capacity")
    ax1.yaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax1.set_xlabel("expert")
    ax1.set_ylabel("assignments")
    ax1.set_xticks(range(E))
    ax1.legend(fontsize=8)
    fig.tight_layout()
    return fig
