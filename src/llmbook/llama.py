r"""A tiny Llama in numpy: chapter 15's decoder with today's parts, each one a switch.

The model is the decoder of :mod:`llmbook.gpt` with five parts that can each be swapped for
the one Llama (Touvron et al. 2023) uses:

=================  =====================================  ======================================
switch             GPT-2                                  Llama
=================  =====================================  ======================================
``norm``           layer norm :math:`\gamma\hat x+\beta`  RMSNorm :math:`\gamma\,x/\mathrm{RMS}(x)`
``positions``      learned :math:`P` added to the input   RoPE: queries and keys rotated
``mlp``            :math:`\mathrm{GELU}(xW_1)W_2`         SwiGLU :math:`(\mathrm{silu}(xW_1)\odot xW_3)W_2`
``n_kv_head``      one key/value head per query head      fewer (grouped-query attention)
``bias, tied``     biases; output layer :math:`E^\top`    no biases; its own output matrix
=================  =====================================  ======================================

A third choice of positions, ``"sinusoidal"``, adds the fixed encodings of Vaswani et al.
(:func:`llmbook.positional.sinusoids`) and, as they do, multiplies the token embeddings by
:math:`\sqrt d` (:func:`embedding_scale`): each sinusoid has entries of size 1, and token
embeddings initialised at 0.02 would otherwise be lost beside them. Whatever the switches, the model is

.. math::
    \mathbf x^{(0)}_t = E_{w_t} [+ P_t],\qquad
    \mathbf h = \mathbf x + \operatorname{Attn}(\operatorname{Norm}_1 \mathbf x),\quad
    \mathbf x' = \mathbf h + \operatorname{FFN}(\operatorname{Norm}_2 \mathbf h),\qquad
    \mathbf z_t = \operatorname{Norm}_f(\mathbf x^{(L)}_t)\, W_{out}

with :math:`W_{out} = E^\top` when tied. :class:`LlamaConfig` names this module in its
``module`` attribute, so :func:`llmbook.gpt.train`, :func:`llmbook.gpt.evaluate` and
:mod:`llmbook.lm_eval` train and score it as they do the GPT. With every switch on GPT-2's
side the model *is* chapter 15's GPT (the tests check the loss and every gradient).

The kernels are the book's: :func:`llmbook.norms.rms_norm`, :func:`llmbook.block.ln`,
:func:`llmbook.rope.apply_rope`, :func:`llmbook.attention.attend` and their backward
passes. SwiGLU is computed here (:func:`swiglu`) rather than by
:func:`llmbook.glu.glu_ffn` because the ablation also needs it *with* biases and in float32.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from . import attention, block, glu, gpt, norms, positional, rope
from ._checks import positive, positive_int
from .kernels import matmul, merge_heads, softmax_cross_entropy, split_heads, weight_grad

__all__ = [
    "MLPS",
    "NORMS",
    "POSITIONS",
    "LlamaConfig",
    "embedding_scale",
    "forward",
    "gpt2_flags",
    "init_params",
    "llama_block",
    "llama_block_backward",
    "loss_and_grads",
    "n_params",
    "self_attention",
    "swiglu",
    "unembedding",
]

NORMS = ("layernorm", "rmsnorm")
POSITIONS = ("learned", "sinusoidal", "rope")
MLPS = ("gelu", "swiglu")

#: The normalisations' :math:`\epsilon` (GPT-2's layer norm and Llama 2's RMSNorm both use 1e-5).
EPS = 1e-5


def _choice(value, name, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


@dataclasses.dataclass(frozen=True)
class LlamaConfig:
    r"""The shape of a tiny Llama, and which parts it uses (Llama's by default).

    Attributes:
        n_vocab, n_ctx, d_model, n_head, n_layer: as in :class:`llmbook.gpt.GPTConfig`.
        n_kv_head: key/value heads :math:`g` (default ``n_head``: multi-head attention);
            must divide ``n_head``.
        d_ff: the feed-forward width. Default: :math:`4d` for GELU; for SwiGLU
            :func:`llmbook.glu.ffn_width` with ``multiple_of=8``, i.e.
            :math:`\tfrac23\cdot 4d` rounded up to a multiple of 8, which keeps the three
            matrices at the parameter count of GELU's two (:math:`3 d\cdot\tfrac83 d = 2d\cdot 4d`).
        norm: ``"rmsnorm"`` or ``"layernorm"``.
        positions: ``"rope"``, ``"learned"`` or ``"sinusoidal"``.
        mlp: ``"swiglu"`` or ``"gelu"``.
        bias: biases in every linear map and a shift :math:`\beta` in layer norms.
        tied: the output layer reuses the token embeddings (:math:`W_{out} = E^\top`).
        rope_base: RoPE's frequency base (10,000 in Llama 2).
        rope_scale: RoPE's position scale :math:`s`: position :math:`m` is rotated by
            :math:`s\,m\,\theta_i` (1; below 1 for position interpolation,
            :func:`llmbook.rope.interpolation_scale`).
    Raises:
        ValueError: sizes that are not positive integers, ``n_head`` not dividing
            ``d_model`` or ``n_kv_head`` not dividing ``n_head``, an unknown option, an odd
            head width with RoPE (or odd ``d_model`` with sinusoids), ``rope_base <= 0``,
            ``rope_scale <= 0``.
        TypeError: ``bias`` or ``tied`` not a bool.
    """

    module: ClassVar[str] = "llmbook.llama"

    n_vocab: int
    n_ctx: int
    d_model: int
    n_head: int
    n_layer: int
    n_kv_head: int | None = None
    d_ff: int | None = None
    norm: str = "rmsnorm"
    positions: str = "rope"
    mlp: str = "swiglu"
    bias: bool = False
    tied: bool = False
    rope_base: float = 10000.0
    rope_scale: float = 1.0

    def __post_init__(self):
        for f in ("n_vocab", "n_ctx", "d_model", "n_head", "n_layer"):
            object.__setattr__(self, f, positive_int(getattr(self, f), f))
        if self.d_model % self.n_head:
            raise ValueError(
                f"d_model ({self.d_model}) must be divisible by n_head ({self.n_head})"
            )
        kv = self.n_head if self.n_kv_head is None else positive_int(self.n_kv_head, "n_kv_head")
        if self.n_head % kv:
            raise ValueError(f"n_head ({self.n_head}) must be divisible by n_kv_head ({kv})")
        object.__setattr__(self, "n_kv_head", kv)
        _choice(self.norm, "norm", NORMS)
        _choice(self.positions, "positions", POSITIONS)
        _choice(self.mlp, "mlp", MLPS)
        for f in ("bias", "tied"):
            if not isinstance(getattr(self, f), (bool, np.bool_)):
                raise TypeError(f"{f} must be True or False, got {getattr(self, f)!r}")
        object.__setattr__(self, "rope_base", positive(self.rope_base, "rope_base"))
        object.__setattr__(self, "rope_scale", positive(self.rope_scale, "rope_scale"))
        d_head = self.d_model // self.n_head
        if self.positions == "rope" and d_head % 2:
            raise ValueError(f"RoPE rotates pairs: the head width ({d_head}) must be even")
        if self.positions == "sinusoidal" and self.d_model % 2:
            raise ValueError(f"sinusoids come in pairs: d_model ({self.d_model}) must be even")
        if self.d_ff is None:
            width = 4 * self.d_model if self.mlp == "gelu" else glu.ffn_width(self.d_model, 8)
            object.__setattr__(self, "d_ff", width)
        else:
            object.__setattr__(self, "d_ff", positive_int(self.d_ff, "d_ff"))

    @property
    def d_head(self) -> int:
        """The width of a head, :math:`d_h = d / h`."""
        return self.d_model // self.n_head


def gpt2_flags(**shape) -> LlamaConfig:
    """The GPT-2 block as a :class:`LlamaConfig`: layer norm, learned positions, GELU, biases, tied.

    ``shape`` holds the sizes (``n_vocab``, ``n_ctx``, ``d_model``, ``n_head``, ``n_layer``,
    optionally ``d_ff``); with these flags the model is :mod:`llmbook.gpt`'s.
    """
    return LlamaConfig(**shape, norm="layernorm", positions="learned", mlp="gelu",
                       bias=True, tied=True)  # fmt: skip


# --- initialisation ------------------------------------------------------------------------


def _norm_params(d, cfg):
    p = {"gamma": np.ones(d)}
    if cfg.norm == "layernorm" and cfg.bias:
        p["beta"] = np.zeros(d)
    return p


def _block_params(cfg, rng):
    d, d_ff, w_kv = cfg.d_model, cfg.d_ff, cfg.n_kv_head * cfg.d_head
    out_scale = 0.02 / np.sqrt(2 * cfg.n_layer)  # the two projections into the residual stream
    attn = {
        "W_q": rng.normal(0.0, 0.02, size=(d, d)),
        "W_k": rng.normal(0.0, 0.02, size=(d, w_kv)),
        "W_v": rng.normal(0.0, 0.02, size=(d, w_kv)),
        "W_o": rng.normal(0.0, out_scale, size=(d, d)),
    }
    ffn = {"W_1": rng.normal(0.0, 0.02, size=(d, d_ff))}
    if cfg.mlp == "swiglu":
        ffn["W_3"] = rng.normal(0.0, 0.02, size=(d, d_ff))
    ffn["W_2"] = rng.normal(0.0, out_scale, size=(d_ff, d))
    if cfg.bias:
        attn.update(b_q=np.zeros(d), b_k=np.zeros(w_kv), b_v=np.zeros(w_kv), b_o=np.zeros(d))
        ffn.update({f"b_{k[2:]}": np.zeros(v.shape[1]) for k, v in ffn.items()})
    return {"norm_1": _norm_params(d, cfg), "attn": attn, "norm_2": _norm_params(d, cfg),
            "ffn": ffn}  # fmt: skip


def init_params(cfg: LlamaConfig, seed=0, dtype=np.float64) -> dict:
    r"""GPT-2's initialisation for every switch: :math:`\mathcal N(0, 0.02^2)` matrices.

    The two projections that write into the residual stream (``W_o`` and the feed-forward
    network's ``W_2``) are scaled by :math:`1/\sqrt{2L}`; biases and :math:`\beta` start at
    0, gains :math:`\gamma` at 1, learned positions at :math:`\mathcal N(0, 0.01^2)`.

    Returns:
        dict ``{"wte": [V, d], "blocks": [...], "norm_f": {...}}``, with ``"wpe"``
        ``[n_ctx, d]`` for learned positions and ``"W_out"`` ``[d, V]`` when not tied. Each
        block: ``norm_1``, ``attn`` (``W_q`` ``[d, d]``, ``W_k``, ``W_v`` ``[d, g d_h]``,
        ``W_o`` ``[d, d]``), ``norm_2``, ``ffn`` (``W_1`` ``[d, d_ff]``, for SwiGLU ``W_3``
        ``[d, d_ff]``, ``W_2`` ``[d_ff, d]``), with biases ``b_*`` if ``cfg.bias``.
    Raises:
        TypeError: ``cfg`` not a :class:`LlamaConfig`. ValueError: a dtype other than
        float32 or float64.
    """
    if not isinstance(cfg, LlamaConfig):
        raise TypeError(f"cfg must be a LlamaConfig, got {type(cfg).__name__}")
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    rng = np.random.default_rng(seed)
    d = cfg.d_model
    params = {"wte": rng.normal(0.0, 0.02, size=(cfg.n_vocab, d))}
    if cfg.positions == "learned":
        params["wpe"] = rng.normal(0.0, 0.01, size=(cfg.n_ctx, d))
    params["blocks"] = [_block_params(cfg, rng) for _ in range(cfg.n_layer)]
    params["norm_f"] = _norm_params(d, cfg)
    if not cfg.tied:
        params["W_out"] = rng.normal(0.0, 0.02, size=(d, cfg.n_vocab))
    return gpt.cast_tree(params, dtype)


def n_params(params) -> int:
    """Total number of numbers in a parameter tree (:func:`llmbook.gpt.n_params`)."""
    return gpt.n_params(params)


def unembedding(params: dict) -> np.ndarray:
    r"""The output matrix :math:`W_{out}` ``[d, V]``: its own when untied, else :math:`E^\top`."""
    return params["W_out"] if "W_out" in params else params["wte"].T


# --- the parts -----------------------------------------------------------------------------


def _norm(x, p, kind):
    """Norm_1, Norm_2 or Norm_f of ``x`` ``[..., d]``: RMSNorm or layer norm (with or without β)."""
    if kind == "rmsnorm":
        return norms.rms_norm(x, p["gamma"], EPS)
    return block.ln(x, p["gamma"], p.get("beta", 0.0), EPS)


def _norm_backward(dy, cache, p, kind):
    if kind == "rmsnorm":
        return norms.rms_norm_backward(dy, cache)
    dx, g = block.layer_norm_backward(dy, cache)
    return dx, {k: g[k] for k in p}  # no beta without biases


def _linear(x, p, name):
    """:math:`x W_{name} + b_{name}` (the bias only if the model has biases), ``[..., n] -> [..., m]``."""
    return matmul(x, p[f"W_{name}"]) + p.get(f"b_{name}", 0.0)


def _unrotate(y, base, scale=1.0):
    r"""The transposed rotation :math:`R_m^\top y = F R_m F y`, with :math:`F` negating each pair's second coordinate."""
    half = y.shape[-1] // 2
    flip = np.concatenate([y[..., :half], -y[..., half:]], axis=-1)  # F y ("half" layout)
    z = rope.apply_rope(flip, base=base, scale=scale)  # R_m F y
    return np.concatenate([z[..., :half], -z[..., half:]], axis=-1)  # F R_m F y


def self_attention(u, p: dict, cfg: LlamaConfig, mask):
    r"""Causal self-attention with :math:`h` query heads sharing :math:`g` key/value heads, RoPE optional.

    .. math::
        Q = UW_q,\ K = UW_k,\ V = UW_v\ [+\,b],\qquad
        \mathbf q_m \leftarrow R_m \mathbf q_m,\ \mathbf k_n \leftarrow R_n \mathbf k_n\ \text{(RoPE)},\qquad
        \operatorname{head}_j = \operatorname{softmax}\Big(\frac{Q^{(j)} K^{(\lfloor j/r\rfloor)\top}}{\sqrt{d_h}} + M\Big) V^{(\lfloor j/r\rfloor)}

    with :math:`r = h/g` query heads per key/value head, and
    :math:`Y = [\operatorname{head}_1, \dots, \operatorname{head}_h]\, W_o\ [+\,b_o]`.

    Args:
        u: the normalised residual stream ``[B, T, d]``.
        p: the block's ``attn`` parameters.
        cfg: the model.
        mask: the causal mask ``[T, T]`` (True where a query may look).
    Returns:
        ``(Y, cache)``, ``Y`` ``[B, T, d]``.
    """
    h, g = cfg.n_head, cfg.n_kv_head
    Q = split_heads(_linear(u, p, "q"), h)  # [B, h, T, d_h]
    K = split_heads(_linear(u, p, "k"), g)  # [B, g, T, d_h]
    V = split_heads(_linear(u, p, "v"), g)  # [B, g, T, d_h]
    if cfg.positions == "rope":  # q_m <- R_m q_m, k_n <- R_n k_n
        rot = {"base": cfg.rope_base, "scale": cfg.rope_scale}
        Q, K = rope.apply_rope(Q, **rot), rope.apply_rope(K, **rot)
    B, _, T, d_h = Q.shape
    Q = Q.reshape(B, g, h // g, T, d_h)  # [B, g, r, T, d_h]: r query heads per group
    K, V = K[:, :, None], V[:, :, None]  # [B, g, 1, T, d_h]: shared within the group
    heads, A = attention.attend(Q, K, V, mask)  # [B, g, r, T, d_h]; A [B, g, r, T, T]
    concat = merge_heads(heads.reshape(B, h, T, d_h))  # [B, T, d]: [head_1, ..., head_h]
    Y = _linear(concat, p, "o")  # [B, T, d]
    return Y, {"u": u, "Q": Q, "K": K, "V": V, "A": A, "concat": concat}


def _self_attention_backward(dY, c, p, cfg):
    """Backward pass of :func:`self_attention`: ``(du, grads)``."""
    h = cfg.n_head
    grads = {"W_o": weight_grad(c["concat"], dY), "b_o": dY.reshape(-1, dY.shape[-1]).sum(0)}
    Q = c["Q"]
    B, _, _, T, d_h = Q.shape
    dO = split_heads(matmul(dY, p["W_o"].T), h).reshape(Q.shape)  # [B, g, r, T, d_h]
    dQ, dK, dV = attention.sdpa_backward(dO, Q, c["K"], c["V"], c["A"])
    dQ = dQ.reshape(B, h, T, d_h)
    dK, dV = dK.sum(axis=2), dV.sum(axis=2)  # a shared head sums its group: [B, g, T, d_h]
    if cfg.positions == "rope":  # y = R_m x  =>  dx = R_m^T dy
        dQ, dK = (_unrotate(dX, cfg.rope_base, cfg.rope_scale) for dX in (dQ, dK))
    dq, dk, dv = merge_heads(dQ), merge_heads(dK), merge_heads(dV)
    du_q, du_kv, grads = attention.projections_backward(dq, dk, dv, c["u"], c["u"], p, grads)
    return du_q + du_kv, {k: grads[k] for k in p}  # only the parameters the model has


def _silu_parts(a):
    r""":math:`\sigma(a)` and :math:`\operatorname{silu}(a) = a\,\sigma(a)` in ``a``'s dtype.

    :math:`\sigma(a) = \tfrac12(1 + \tanh\tfrac a2)` never overflows.
    """
    s = 0.5 * (1.0 + np.tanh(0.5 * a))
    return s, a * s


def swiglu(v, p: dict):
    r"""The SwiGLU feed-forward network, :math:`(\operatorname{silu}(\mathbf v W_1) \odot \mathbf v W_3)\, W_2`.

    :math:`\operatorname{silu}(a) = a\,\sigma(a)` is the gate; with biases
    :math:`b_1, b_3` inside and :math:`b_2` after, if ``p`` has them. The formula of
    :func:`llmbook.glu.glu_ffn` (``W`` = ``W_1``, ``V`` = ``W_3``), in the input's dtype.

    Args:
        v: ``[..., d]``.
        p: ``W_1``, ``W_3`` ``[d, d_ff]``, ``W_2`` ``[d_ff, d]`` (and ``b_1``, ``b_3``, ``b_2``).
    Returns:
        ``(y, cache)``, ``y`` ``[..., d]``.
    """
    a = _linear(v, p, "1")  # [..., d_ff]: the gate's pre-activation
    b = _linear(v, p, "3")  # [..., d_ff]: the value
    s, silu_a = _silu_parts(a)  # sigma(a), a sigma(a)
    m = silu_a * b  # [..., d_ff]
    y = _linear(m, p, "2")  # [..., d]
    return y, {"v": v, "a": a, "b": b, "s": s, "silu_a": silu_a, "m": m}


def _swiglu_backward(dy, c, p):
    r"""Backward pass of :func:`swiglu`; :math:`\operatorname{silu}'(a) = \sigma(a)(1 + a(1 - \sigma(a)))`."""
    a, b, s = c["a"], c["b"], c["s"]
    G = matmul(dy, p["W_2"].T)  # [..., d_ff]: dL/dm
    da = G * b * (s * (1.0 + a * (1.0 - s)))
    db = G * c["silu_a"]
    dv = matmul(da, p["W_1"].T) + matmul(db, p["W_3"].T)
    grads = {"W_1": weight_grad(c["v"], da), "W_3": weight_grad(c["v"], db),
             "W_2": weight_grad(c["m"], dy)}  # fmt: skip
    for k, dz in (("b_1", da), ("b_3", db), ("b_2", dy)):
        if k in p:
            grads[k] = dz.reshape(-1, dz.shape[-1]).sum(0)
    return dv, grads


def _ffn(v, p, kind):
    if kind == "swiglu":
        return swiglu(v, p)
    return block.ffn(v, {"b_1": 0.0, "b_2": 0.0, **p})  # GELU(v W_1 [+ b_1]) W_2 [+ b_2]


def _ffn_backward(dy, c, p, kind):
    if kind == "swiglu":
        return _swiglu_backward(dy, c, p)
    dv, g = block.feed_forward_backward(dy, c)
    return dv, {k: g[k] for k in p}


# --- the model -----------------------------------------------------------------------------


def llama_block(x, p: dict, cfg: LlamaConfig, mask):
    r"""One pre-norm block: :math:`\mathbf h = \mathbf x + \operatorname{Attn}(\operatorname{Norm}_1\mathbf x)`, :math:`\mathbf y = \mathbf h + \operatorname{FFN}(\operatorname{Norm}_2\mathbf h)`.

    ``cfg.norm`` picks the norms (RMSNorm or layer norm), ``cfg.positions`` whether the
    attention rotates queries and keys (RoPE), ``cfg.n_kv_head`` how many key/value heads it
    has, ``cfg.mlp`` the feed-forward network (SwiGLU or GELU).

    Args:
        x: the residual stream ``[B, T, d]``; p: the block's parameters; mask: ``[T, T]``.
    Returns:
        ``(y, cache)``, ``y`` ``[B, T, d]``.
    """
    u, c_1 = _norm(x, p["norm_1"], cfg.norm)  # [B, T, d]: Norm_1 x
    a, c_attn = self_attention(u, p["attn"], cfg, mask)  # [B, T, d]: Attn(Norm_1 x)
    h = x + a  # [B, T, d]: residual
    v, c_2 = _norm(h, p["norm_2"], cfg.norm)  # [B, T, d]: Norm_2 h
    f, c_ffn = _ffn(v, p["ffn"], cfg.mlp)  # [B, T, d]: FFN(Norm_2 h)
    y = h + f  # [B, T, d]: residual
    return y, {"norm_1": c_1, "attn": c_attn, "norm_2": c_2, "ffn": c_ffn}


def llama_block_backward(dy, cache, p: dict, cfg: LlamaConfig):
    r"""Backward pass of :func:`llama_block`: each residual passes :math:`\partial L/\partial\mathbf y` through and adds its branch's gradient.

    Returns:
        ``(dx, grads)`` with ``grads`` shaped like ``p``.
    """
    dv, g_ffn = _ffn_backward(dy, cache["ffn"], p["ffn"], cfg.mlp)
    dh_norm, g_2 = _norm_backward(dv, cache["norm_2"], p["norm_2"], cfg.norm)
    dh = dy + dh_norm  # [B, T, d]
    du, g_attn = _self_attention_backward(dh, cache["attn"], p["attn"], cfg)
    dx_norm, g_1 = _norm_backward(du, cache["norm_1"], p["norm_1"], cfg.norm)
    return dh + dx_norm, {"norm_1": g_1, "attn": g_attn, "norm_2": g_2, "ffn": g_ffn}


def embedding_scale(cfg: LlamaConfig) -> float:
    r"""The factor of the token embeddings in the input: :math:`\sqrt d` with sinusoidal
    positions (Vaswani et al.), else 1."""
    return float(np.sqrt(cfg.d_model)) if cfg.positions == "sinusoidal" else 1.0


def forward(params: dict, cfg: LlamaConfig, idx, logits=True):
    r"""Logits for every position, :math:`\mathbf z_t = \operatorname{Norm}_f(\mathbf x^{(L)}_t)\, W_{out}`.

    :math:`\mathbf x^{(0)}_t = E_{w_t}`, plus :math:`P_t` (learned), or
    :math:`\sqrt d\,E_{w_t} + PE_t` (sinusoidal); with RoPE the positions enter in every
    block's attention instead.

    Args:
        params: as from :func:`init_params`; cfg: the model's :class:`LlamaConfig`.
        idx: token ids ``[B, T]`` (or ``[T]``), ``T <= n_ctx``.
        logits: False to skip the output layer (``cache["hf"]`` holds its input).
    Returns:
        ``(logits, cache)``: logits ``[B, T, V]`` (None without ``logits``).
    Raises:
        TypeError, ValueError: non-integer ids, ids outside the vocabulary, ``T > n_ctx``.
    """
    idx = gpt.check_ids(idx, cfg)  # [B, T]
    T = idx.shape[1]
    x = (
        embedding_scale(cfg) * params["wte"][idx]
    )  # [B, T, d]: E_{w_t} (times sqrt(d) with sinusoids)
    if cfg.positions == "learned":
        x = x + params["wpe"][:T]  # + P_t
    elif cfg.positions == "sinusoidal":
        x = x + positional.sinusoids(T, cfg.d_model).astype(x.dtype)  # + PE_t
    mask = attention.causal(T, T)  # [T, T]
    caches = []
    for p in params["blocks"]:
        x, c = llama_block(x, p, cfg, mask)  # x^(l)
        caches.append(c)
    hf, c_f = _norm(x, params["norm_f"], cfg.norm)  # [B, T, d]
    z = matmul(hf, unembedding(params)) if logits else None  # [B, T, V]
    return z, {"idx": idx, "blocks": caches, "norm_f": c_f, "hf": hf}


def loss_and_grads(params: dict, cfg: LlamaConfig, idx, targets):
    r"""Mean next-token cross-entropy (nats) and its gradient for every parameter.

    The output layer gives :math:`\partial\mathcal L/\partial W_{out} = \mathbf h_f^\top\,
    \partial\mathcal L/\partial\mathbf z`; when tied, that gradient (transposed) is added to
    the lookup's, as in :func:`llmbook.gpt.loss_and_grads`.

    Args:
        params, cfg: the model; idx: input ids ``[B, T]``; targets: the next ids ``[B, T]``.
    Returns:
        ``(loss, grads)`` with ``grads`` shaped like ``params``.
    Raises:
        ValueError: bad ids, or ``targets`` not of ``idx``'s shape.
    """
    logits, cache = forward(params, cfg, idx)  # [B, T, V]
    idx, targets = cache["idx"], gpt.check_ids(targets, cfg, "targets")
    if targets.shape != idx.shape:
        raise ValueError(f"targets must have idx's shape {idx.shape}, got {targets.shape}")
    loss, dz = softmax_cross_entropy(logits, targets)  # dL/dz [B, T, V]
    W_out = unembedding(params)  # [d, V]
    dW_out = weight_grad(cache["hf"], dz)  # [d, V]
    dx, g_f = _norm_backward(matmul(dz, W_out.T), cache["norm_f"], params["norm_f"], cfg.norm)
    blocks = params["blocks"]
    g_blocks = [None] * len(blocks)
    for i in reversed(range(len(blocks))):  # last block first
        dx, g_blocks[i] = llama_block_backward(dx, cache["blocks"][i], blocks[i], cfg)
    d = cfg.d_model
    dE = np.zeros_like(params["wte"])  # [V, d]
    np.add.at(dE, idx.reshape(-1), embedding_scale(cfg) * dx.reshape(-1, d))  # from the lookup
    grads = {"wte": dE, "blocks": g_blocks, "norm_f": g_f}
    if cfg.tied:
        dE += dW_out.T
    else:
        grads["W_out"] = dW_out
    if cfg.positions == "learned":
        dP = np.zeros_like(params["wpe"])  # [n_ctx, d]
        dP[: idx.shape[1]] = dx.sum(axis=0)
        grads["wpe"] = dP
    return loss, grads
