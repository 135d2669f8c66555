r"""A tiny GPT in numpy: a decoder-only Transformer, its backward pass, Adam, training and generation.

The model is GPT-2's, at small scale (Radford et al. 2019): token embeddings
:math:`E` (``[V, d]``) plus learned positions :math:`P` (``[n_ctx, d]``), :math:`L` pre-norm
decoder blocks (:mod:`llmbook.block`), a final layer norm, and logits from the *tied*
embedding matrix:

.. math::
    \mathbf x^{(0)}_t = E_{w_t} + P_t,\qquad \mathbf x^{(l)} = \operatorname{Block}_l(\mathbf x^{(l-1)}),\qquad
    \mathbf z_t = \operatorname{LN}_f(\mathbf x^{(L)}_t)\, E^\top .

It is trained to minimise the mean next-token cross-entropy (in nats)
:math:`\mathcal L = -\frac{1}{BT}\sum_{b,t} \log \operatorname{softmax}(\mathbf z_{b,t})_{w_{b,t+1}}`.
Generation can reuse the keys and values of earlier positions (a *KV cache*) so that each
new token costs one position's computation instead of the whole context's.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pathlib
import sys
import time

import numpy as np

from . import attention, block, optim, sampling
from ._checks import in_interval, integer, nonneg_int, positive, positive_int
from .kernels import matmul, merge_heads, softmax_cross_entropy, split_heads

__all__ = [
    "GPTConfig",
    "TrainResult",
    "batches",
    "body_backward",
    "cast_tree",
    "check_ids",
    "decayed",
    "embed",
    "evaluate",
    "forward",
    "generate",
    "init_params",
    "learning_rate",
    "load_result",
    "logits_with_cache",
    "loss_and_grads",
    "model_of",
    "n_params",
    "save_result",
    "train",
    "train_step",
    "tree_from_leaves",
    "tree_leaves",
    "unembedding",
]


@dataclasses.dataclass(frozen=True)
class GPTConfig:
    """The shape of a tiny GPT.

    Attributes:
        n_vocab: vocabulary size :math:`V`.
        n_ctx: the longest context (number of learned positions).
        d_model: width :math:`d` of the residual stream.
        n_head: attention heads per block (must divide ``d_model``).
        n_layer: number of decoder blocks.
        d_ff: hidden width of the feed-forward network (default ``4 * d_model``).
    """

    n_vocab: int
    n_ctx: int
    d_model: int
    n_head: int
    n_layer: int
    d_ff: int | None = None

    def __post_init__(self):
        for f in ("n_vocab", "n_ctx", "d_model", "n_head", "n_layer"):
            object.__setattr__(self, f, positive_int(getattr(self, f), f))
        if self.d_model % self.n_head:
            raise ValueError(
                f"d_model ({self.d_model}) must be divisible by n_head ({self.n_head})"
            )
        if self.d_ff is None:
            object.__setattr__(self, "d_ff", 4 * self.d_model)


def model_of(cfg):
    """The module that implements the model ``cfg`` describes: this one for a :class:`GPTConfig`.

    Another architecture's config names its module in a class attribute ``module`` (for
    example :class:`llmbook.llama.LlamaConfig`); that module provides ``init_params``,
    ``forward``, ``loss_and_grads`` and ``unembedding`` with the signatures of this one, so
    :func:`train`, :func:`evaluate` and :mod:`llmbook.lm_eval` serve both.
    """
    name = getattr(type(cfg), "module", None)
    return sys.modules[__name__] if name is None else importlib.import_module(name)


def unembedding(params: dict) -> np.ndarray:
    r"""The output matrix ``[d, V]``: the token embeddings, transposed (tied), :math:`E^\top`."""
    return params["wte"].T


def init_params(cfg: GPTConfig, seed=0, dtype=np.float64) -> dict:
    r"""GPT-2's initialisation: :math:`\mathcal N(0, 0.02^2)` weights, residual projections scaled by :math:`1/\sqrt{2L}`.

    ``dtype`` is float64 (the default, used by the tests) or float32 (twice to six times
    faster matrix products, used to train in the chapter); every computation keeps it.

    Returns:
        dict ``{"wte": [V, d], "wpe": [n_ctx, d], "blocks": [...], "ln_f": {gamma, beta}}``.
    """
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    rng = np.random.default_rng(seed)
    d = cfg.d_model
    params = {
        "wte": rng.normal(0.0, 0.02, size=(cfg.n_vocab, d)),
        "wpe": rng.normal(0.0, 0.01, size=(cfg.n_ctx, d)),
        "blocks": [
            block.init_block_params(d, cfg.d_ff, rng, n_layer=cfg.n_layer)
            for _ in range(cfg.n_layer)
        ],
        "ln_f": {"gamma": np.ones(d), "beta": np.zeros(d)},
    }
    return cast_tree(params, dtype)


def cast_tree(tree, dtype):
    """A parameter tree (dicts and lists of arrays) with every array converted to ``dtype``."""
    if isinstance(tree, dict):
        return {k: cast_tree(v, dtype) for k, v in tree.items()}
    if isinstance(tree, list):
        return [cast_tree(v, dtype) for v in tree]
    return np.asarray(tree, dtype=dtype)


def tree_leaves(tree, prefix=""):
    """The arrays of a nested dict/list of parameters as ``[(path, array), ...]`` in a fixed order."""
    if isinstance(tree, dict):
        out = []
        for k in sorted(tree):
            out += tree_leaves(tree[k], f"{prefix}{k}.")
        return out
    if isinstance(tree, list):
        out = []
        for i, v in enumerate(tree):
            out += tree_leaves(v, f"{prefix}{i}.")
        return out
    return [(prefix[:-1], tree)]


def n_params(params) -> int:
    """Total number of numbers in a parameter tree."""
    return int(sum(a.size for _, a in tree_leaves(params)))


def check_ids(idx, cfg, name="idx"):
    """Token ids as an integer array ``[B, T]`` (``[T]`` becomes ``[1, T]``).

    Raises:
        TypeError: ids that are not integers. ValueError: ids outside ``[0, n_vocab)``,
        no positions, or more than ``n_ctx`` of them.
    """
    idx = np.asarray(idx)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer token ids, got dtype {idx.dtype}")
    if idx.ndim == 1:
        idx = idx[None, :]
    if idx.ndim != 2 or idx.shape[1] == 0:
        raise ValueError(f"{name} must have shape [batch, T] with T >= 1, got {idx.shape}")
    if idx.shape[1] > cfg.n_ctx:
        raise ValueError(
            f"{name} has {idx.shape[1]} positions; the model reads at most {cfg.n_ctx}"
        )
    if idx.min() < 0 or idx.max() >= cfg.n_vocab:
        raise ValueError(f"{name} must be token ids in [0, {cfg.n_vocab - 1}]")
    return idx


def embed(E, P, ids, start: int = 0):
    r"""Token embeddings plus positions, :math:`\mathbf x_t = E_{w_t} + P_t`, unchecked.

    ``E`` ``[V, d]``, ``P`` ``[n_ctx, d]``, ``ids`` ``[B, T]`` placed at positions
    ``start, ..., start + T - 1``. Returns ``[B, T, d]``.
    """
    T = ids.shape[-1]
    tokens = E[ids]  # [B, T, d]: row w_t of E, i.e. one-hot(w_t) @ E
    positions = P[start : start + T]  # [T, d]: rows t of P
    return tokens + positions  # [B, T, d]


def forward(params: dict, cfg: GPTConfig, idx, logits=True):
    r"""Logits for every position, :math:`\mathbf z_t = \operatorname{LN}_f(\mathbf x^{(L)}_t) E^\top`.

    Args:
        params: as from :func:`init_params`.
        cfg: the model's :class:`GPTConfig`.
        idx: token ids ``[B, T]`` (or ``[T]``), ``T <= n_ctx``.
        logits: False to skip the output layer (``cache["hf"]`` holds its input).
    Returns:
        ``(logits, cache)``: logits ``[B, T, V]`` (None without ``logits``); ``cache``
        for :func:`loss_and_grads`.
    Raises:
        TypeError, ValueError: non-integer ids, ids outside the vocabulary,
        ``T > n_ctx``.
    """
    idx = check_ids(idx, cfg)  # [B, T]
    E, P, ln_f = params["wte"], params["wpe"], params["ln_f"]
    x = embed(E, P, idx)  # [B, T, d]: x^(0)_t = E_{w_t} + P_t
    mask = attention.causal_mask(idx.shape[1])  # [T, T]
    caches = []
    for blk in params["blocks"]:
        x, c = block.block_forward(x, blk, cfg.n_head, mask=mask)  # x^(l)
        caches.append(c)
    hf, c_lnf = block.layer_norm(x, ln_f["gamma"], ln_f["beta"])  # [B, T, d]
    z = matmul(hf, E.T) if logits else None  # [B, T, V]: z_t = LN_f(x^(L)_t) E^T
    return z, {"idx": idx, "blocks": caches, "ln_f": c_lnf, "hf": hf}


def attention_weights(params: dict, cfg: GPTConfig, idx, temperature: float = 1.0,
                      causal: bool = True) -> np.ndarray:  # fmt: skip
    r"""The attention weights of every block and head, as :func:`forward` computes them.

    Block :math:`l`'s head :math:`j` weighs key :math:`k` for query :math:`q` by
    :math:`A^{(l,j)}_{qk} = \operatorname{softmax}_k\big(\mathbf q_q^{(j)}\cdot\mathbf k_k^{(j)} / (\sqrt{d_h}\,\tau)\big)`,
    the queries and keys being those of :func:`forward`'s pass (each block reads the
    residual stream the blocks before it wrote, with the causal mask). At
    ``temperature`` 1 with ``causal`` these are the weights the model uses; another
    temperature, or ``causal=False`` (every position sees every other, the future
    included), recomputes the softmax from the same queries and keys.

    Args:
        params, cfg: the model.
        idx: token ids ``[B, T]`` (or ``[T]``).
        temperature: :math:`\tau > 0`.
        causal: apply the causal mask (the model is trained with it).
    Returns:
        ``[n_layer, B, n_head, T, T]`` (``[n_layer, n_head, T, T]`` for ids ``[T]``); each
        row sums to 1.
    Raises:
        TypeError, ValueError: as :func:`forward`; a non-positive temperature.
    """
    _, cache = forward(params, cfg, idx)
    T = cache["idx"].shape[1]
    mask = attention.causal_mask(T) if causal else None
    A = []
    for c in cache["blocks"]:
        a = c["attn"]  # Q, K: [B, h, T, d_h]
        if temperature == 1.0 and causal:
            A.append(a["A"])  # [B, h, T, T]
        else:
            _, w = attention.scaled_dot_product_attention(
                a["Q"], a["K"], a["V"], mask=mask, temperature=temperature
            )
            A.append(w)
    out = np.stack(A)  # [n_layer, B, h, T, T]
    return out[:, 0] if np.ndim(idx) == 1 else out


def loss_and_grads(params: dict, cfg: GPTConfig, idx, targets):
    r"""Mean next-token cross-entropy (nats) and its gradient for every parameter.

    The backward pass runs the chain rule from the loss to the embeddings: the
    tied matrix :math:`E` receives a gradient from the output layer,
    :math:`(\partial\mathcal L/\partial \mathbf z)^\top \mathbf h_f`, and one from
    the input lookup, the gradient of each position added to its token's row.

    Args:
        params, cfg: the model.
        idx: input ids ``[B, T]``.
        targets: the next ids ``[B, T]`` (``idx`` shifted by one).
    Returns:
        ``(loss, grads)`` with ``grads`` shaped like ``params``.
    Raises:
        ValueError: bad ids, or ``targets`` not of ``idx``'s shape.
    """
    logits, cache = forward(params, cfg, idx)  # [B, T, V]
    idx, targets = cache["idx"], check_ids(targets, cfg, "targets")
    if targets.shape != idx.shape:
        raise ValueError(f"targets must have idx's shape {idx.shape}, got {targets.shape}")
    loss, dlogits = softmax_cross_entropy(logits, targets)  # dL/dz [B, T, V]
    E = params["wte"]
    V, d = E.shape
    hf = cache["hf"]  # [B, T, d]: LN_f of the last block's output
    dE = dlogits.reshape(-1, V).T @ hf.reshape(-1, d)  # [V, d]: from z = h_f E^T
    dhf = matmul(dlogits, E)  # [B, T, d]
    return loss, body_backward(params, cache, dhf, dE=dE)  # the lookup adds to dE


def body_backward(params: dict, cache: dict, d_hf, n_blocks: int | None = None, dE=None) -> dict:
    r"""The gradient of the body's weights from the gradient on its output :math:`\mathbf h_f`.

    The chain rule below the output layer: back through the final layer norm, then the
    blocks, last first, then the lookup :math:`\mathbf x^{(0)}_t = E_{w_t} + P_t`, where
    the gradient of each position is added to its token's row of :math:`E` and to its
    position's row of :math:`P`. With ``n_blocks`` it stops after the last ``n_blocks``
    blocks: the blocks below and the embeddings are frozen and get ``None``.

    Args:
        params: the model; cache: from :func:`forward`; d_hf: ``[B, T, d]``.
        n_blocks: how many blocks, counted from the last, to reach (default all, and the
            embeddings).
        dE: ``[V, d]``, the gradient :math:`E` already has (the tied output layer's), which
            the lookup's is added to in place (default zeros).
    Returns:
        grads shaped like ``params`` (``None`` for what was not reached).
    """
    L = len(params["blocks"])
    n_blocks = L if n_blocks is None else n_blocks
    dx, g_lnf = block.layer_norm_backward(d_hf, cache["ln_f"])  # [B, T, d]
    g_blocks = [None] * L
    for i in reversed(range(L - n_blocks, L)):  # last block first
        dx, g_blocks[i] = block.block_backward(dx, cache["blocks"][i])
    grads = {"wte": None, "wpe": None, "blocks": g_blocks, "ln_f": g_lnf}
    if n_blocks == L:  # down to the embeddings
        idx, d = cache["idx"], dx.shape[-1]
        dE = np.zeros_like(params["wte"]) if dE is None else dE  # [V, d]
        np.add.at(dE, idx.reshape(-1), dx.reshape(-1, d))  # each position adds to its token's row
        dP = np.zeros_like(params["wpe"])  # [n_ctx, d]
        dP[: idx.shape[1]] = dx.sum(axis=0)  # rows 0..T-1, summed over the batch
        grads["wte"], grads["wpe"] = dE, dP
    return grads


def batches(data, batch_size: int, block_size: int, rng):
    """A random batch of windows of ``data`` and the same windows shifted by one token.

    Args:
        data: 1-D int array of token ids.
        batch_size, block_size: :math:`B` and :math:`T`.
        rng: a numpy Generator.
    Returns:
        ``(x, y)``, each int64 ``[B, T]``, with ``y[b, t] = x[b, t + 1]`` in the data.
    """
    data = np.asarray(data)
    if data.ndim != 1 or data.size <= block_size:
        raise ValueError(f"data must be 1-D and longer than block_size ({block_size})")
    starts = rng.integers(0, data.size - block_size, size=batch_size)
    offs = starts[:, None] + np.arange(block_size)
    return data[offs].astype(np.int64), data[offs + 1].astype(np.int64)


def evaluate(params, cfg: GPTConfig, data, stride=None) -> float:
    """Mean next-token cross-entropy (nats) of ``data[1:]``, every token scored once in sliding windows.

    The evaluation every language model of the book gets: see
    :func:`llmbook.lm_eval.gpt_token_losses` (``stride`` defaults to ``n_ctx // 2``).
    """
    from .lm_eval import gpt_token_losses

    return float(np.mean(gpt_token_losses(params, cfg, np.asarray(data), stride=stride)))


def learning_rate(step: int, steps: int, lr: float, warmup: int = 50, final_lr: float = 0.1):
    r"""The learning rate of step ``step`` (counted from 1) of ``steps``: warm-up, then a cosine.

    .. math::
        \alpha_t = \begin{cases}
            \alpha\, t / W & t \le W \\
            \alpha\,\big(f + (1 - f)\,\tfrac12\,(1 + \cos \pi s)\big),\quad
            s = \frac{t - W}{n - W} & t > W
        \end{cases}

    with :math:`\alpha` = ``lr``, :math:`W` = ``warmup``, :math:`n` = ``steps`` and
    :math:`f` = ``final_lr``: the rate climbs to :math:`\alpha` and ends at :math:`f\alpha`.

    Raises:
        ValueError: ``lr <= 0``, ``final_lr`` outside :math:`(0, 1]`, ``warmup < 0``, or
        ``step`` outside ``[1, steps]``.
    """
    lr = positive(lr, "lr")
    final_lr = in_interval(final_lr, "final_lr (a fraction of lr)", 0.0, 1.0, closed="right")
    warmup, steps = nonneg_int(warmup, "warmup"), positive_int(steps, "steps")
    step = integer(step, "step", minimum=1, maximum=steps)
    if step <= warmup:
        return lr * step / warmup
    frac = (step - warmup) / max(1, steps - warmup)
    return lr * (final_lr + (1 - final_lr) * 0.5 * (1 + float(np.cos(np.pi * frac))))


@dataclasses.dataclass
class TrainResult:
    """What :func:`train` returns: the trained parameters and the record of training.

    ``train_loss`` is each step's batch loss and ``grad_norm`` its gradient's global norm
    before clipping; ``val_loss`` (and ``train_eval_loss``, if a
    training sample was given) are :func:`evaluate` on the whole text at ``val_steps``.
    ``seconds`` is the time of the training steps, evaluations excluded.
    """

    params: dict
    steps: list[int]
    train_loss: list[float]
    val_steps: list[int]
    val_loss: list[float]
    seconds: float
    train_eval_loss: list[float] = dataclasses.field(default_factory=list)
    grad_norm: list[float] = dataclasses.field(default_factory=list)


def tree_from_leaves(leaves: dict):
    """The inverse of :func:`tree_leaves`: ``{"blocks.0.W_q": array, ...}`` back to the nested tree
    (keys that are all digits become lists)."""
    root: dict = {}
    for path, arr in leaves.items():
        parts = path.split(".")
        node = root
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = arr

    def fix(node):
        if isinstance(node, dict):
            if node and all(k.isdigit() for k in node):
                return [fix(node[str(i)]) for i in range(len(node))]
            return {k: fix(v) for k, v in node.items()}
        return node

    return fix(root)


_RECORD_FIELDS = ("steps", "train_loss", "val_steps", "val_loss", "seconds", "train_eval_loss",
                  "grad_norm")  # fmt: skip


def save_result(path, res: TrainResult) -> None:
    """Write a :class:`TrainResult` to ``path`` (``.npz``): one array per parameter, and the
    record of training as JSON; the file appears whole or not at all."""
    path = pathlib.Path(path)
    record = {k: getattr(res, k) for k in _RECORD_FIELDS}
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, __record__=np.array(json.dumps(record)), **dict(tree_leaves(res.params)))
    tmp.replace(path)


def load_result(path) -> TrainResult:
    """The :class:`TrainResult` :func:`save_result` wrote to ``path``."""
    with np.load(path) as f:
        record = json.loads(str(f["__record__"]))
        leaves = {k: f[k] for k in f.files if k != "__record__"}
    return TrainResult(tree_from_leaves(leaves), **{k: record[k] for k in _RECORD_FIELDS})


def decayed(path: str) -> bool:
    """Whether weight decay applies to the parameter at ``path``: matrices yes, biases and norms no.

    GPT-2's practice (and nanoGPT's): decay the weight matrices and the embeddings, not the
    biases and the gains and shifts of layer norms.
    """
    last = path.rsplit(".", 1)[-1]
    return last.startswith("W_") or last in ("wte", "wpe")


def train_step(params, cfg: GPTConfig, opt, x, y, lr_t, clip_norm=None):
    """One step of training: forward, backward, clipping, optimizer step (``params`` in place).

    Returns:
        ``(loss, norm)``: the batch loss before the step and the gradient's global norm
        before clipping.
    """
    loss, grads = model_of(cfg).loss_and_grads(params, cfg, x, y)  # forward and backward
    paths, leaves = zip(*tree_leaves(params), strict=True)
    g = [g for _, g in tree_leaves(grads)]
    g, norm = optim.clip_by_global_norm(g, clip_norm)  # clip_norm None: the norm only
    opt.apply(leaves, g, learning_rate=lr_t, decay=[decayed(p) for p in paths])
    return loss, norm


def train(
    cfg: GPTConfig,
    train_data,
    val_data,
    *,
    steps=1000,
    batch_size=16,
    lr=3e-3,
    warmup=50,
    final_lr=0.1,
    weight_decay=0.0,
    clip_norm=None,
    seed=0,
    eval_every=100,
    eval_train=None,
    params=None,
    dtype=np.float64,
    callback=None,
) -> TrainResult:
    r"""Train a tiny GPT with Adam (AdamW if ``weight_decay > 0``) on random windows of ``train_data``.

    Each step is :func:`train_step` on a batch from :func:`batches`. The learning rate
    follows :func:`learning_rate`: a linear warm-up over ``warmup`` steps, then a cosine
    down to ``final_lr * lr``. Gradients are clipped to global norm ``clip_norm`` if given;
    weight decay applies to the parameters :func:`decayed` selects. The validation loss is
    :func:`evaluate` on all of ``val_data`` (and on ``eval_train``, a sample of the training
    ids, if given) every ``eval_every`` steps and at the end. ``callback(step, train_loss,
    val_loss)``, if given, is called after each validation. The result depends on the
    settings and ``seed`` only, never on the machine's speed.

    Returns:
        a :class:`TrainResult`.
    """
    learning_rate(1, steps, lr, warmup, final_lr)  # checks the schedule's settings
    if clip_norm is not None:
        positive(clip_norm, "clip_norm")
    rng = np.random.default_rng(seed)
    params = model_of(cfg).init_params(cfg, seed, dtype) if params is None else params
    opt = optim.Adam(lr, beta_1=0.9, beta_2=0.99, epsilon=1e-8, epsilon_hat=False,
                     weight_decay=weight_decay)  # fmt: skip
    res = TrainResult(params, [], [], [], [], 0.0)
    for step in range(1, steps + 1):
        t0 = time.perf_counter()
        x, y = batches(train_data, batch_size, cfg.n_ctx, rng)
        lr_t = learning_rate(step, steps, lr, warmup, final_lr)
        loss, norm = train_step(params, cfg, opt, x, y, lr_t, clip_norm)
        res.seconds += time.perf_counter() - t0
        res.steps.append(step)
        res.train_loss.append(loss)
        res.grad_norm.append(norm)
        if step % eval_every == 0 or step == steps:
            res.val_steps.append(step)
            res.val_loss.append(evaluate(params, cfg, val_data))
            if eval_train is not None:
                res.train_eval_loss.append(evaluate(params, cfg, eval_train))
            if callback is not None:
                callback(step, loss, res.val_loss[-1])
    return res


def _block_step(x, blk, n_head, kv):
    """A pre-norm block on new positions ``x`` ``[B, n, d]``; their K, V go to ``kv``."""
    p, ln1, ln2 = blk["attn"], blk["ln1"], blk["ln2"]
    u, _ = block.layer_norm(x, ln1["gamma"], ln1["beta"])  # [B, n, d]
    q = split_heads(u @ p["W_q"] + p["b_q"], n_head)  # [B, h, n, d_h]
    k = split_heads(u @ p["W_k"] + p["b_k"], n_head)  # [B, h, n, d_h]
    v = split_heads(u @ p["W_v"] + p["b_v"], n_head)  # [B, h, n, d_h]
    if kv.get("k") is not None:  # append to the keys and values of earlier steps
        k = np.concatenate([kv["k"], k], axis=-2)  # [B, h, t, d_h]
        v = np.concatenate([kv["v"], v], axis=-2)  # [B, h, t, d_h]
    kv["k"], kv["v"] = k, v
    mask = attention.causal(q.shape[-2], k.shape[-2])  # [n, t]: queries are last
    o, _ = attention.attend(q, k, v, mask)  # [B, h, n, d_h]
    h = x + merge_heads(o) @ p["W_o"] + p["b_o"]  # [B, n, d]
    w, _ = block.layer_norm(h, ln2["gamma"], ln2["beta"])
    f, _ = block.feed_forward(w, blk["ffn"])
    return h + f  # [B, n, d]


def logits_with_cache(params, cfg, new_ids, kvs, start):
    """Logits of the last of ``new_ids`` ``[B, n]`` placed at positions ``start...``, updating ``kvs``."""
    x = embed(params["wte"], params["wpe"], new_ids, start)  # [B, n, d]
    for blk, kv in zip(params["blocks"], kvs, strict=True):
        x = _block_step(x, blk, cfg.n_head, kv)
    hf, _ = block.layer_norm(x[:, -1:], params["ln_f"]["gamma"], params["ln_f"]["beta"])
    return (hf @ params["wte"].T)[:, 0]  # [B, V]


def generate(
    params,
    cfg: GPTConfig,
    prompt,
    n_new: int,
    *,
    temperature=1.0,
    top_k=None,
    top_p=None,
    seed=0,
    use_cache=True,
) -> np.ndarray:
    r"""Continue ``prompt`` by ``n_new`` tokens, each drawn from :func:`llmbook.sampling.next_token_distribution`.

    Without the cache every step runs :func:`forward` on the last ``n_ctx`` tokens and keeps
    the last position's logits. With the cache the prompt is run once, each block keeps its
    keys and values ``[B, h, t, d_h]``, and each new token runs through the model alone,
    attending to the stored keys and values; the logits are the same up to rounding, so
    both give the same tokens. When the sequence reaches ``n_ctx`` tokens the learned
    positions run out: from then on both recompute the last ``n_ctx`` tokens.

    Args:
        params, cfg: the model.
        prompt: token ids ``[T]`` or ``[B, T]``, ``1 <= T <= n_ctx``.
        n_new: number of tokens to add, >= 0.
        temperature, top_k, top_p: as in :func:`llmbook.sampling.next_token_distribution`
            (``temperature=0`` is greedy decoding).
        seed: seed of the random generator used for sampling.
        use_cache: whether to use the KV cache.
    Returns:
        int64 array ``[B, T + n_new]`` (``[T + n_new]`` for a 1-D prompt): prompt, then new tokens.
    Raises:
        ValueError: bad prompt, ``n_new`` or sampling settings.
    """
    one_d = np.ndim(prompt) == 1
    seq = check_ids(prompt, cfg, "prompt").astype(np.int64)
    n_new = nonneg_int(n_new, "n_new")
    rng = np.random.default_rng(seed)
    kvs = None
    for _ in range(n_new):
        T = seq.shape[1]
        if use_cache and T <= cfg.n_ctx and kvs is not None:
            logits = logits_with_cache(params, cfg, seq[:, -1:], kvs, T - 1)
        elif use_cache and T <= cfg.n_ctx:
            kvs = [{} for _ in params["blocks"]]
            logits = logits_with_cache(params, cfg, seq, kvs, 0)
        else:
            logits = forward(params, cfg, seq[:, -cfg.n_ctx :])[0][:, -1]  # [B, V]
        q = sampling.next_token_distribution(logits, temperature, top_k, top_p)
        nxt = np.argmax(q, axis=-1) if temperature == 0 else sampling.sample(q, rng)
        seq = np.concatenate([seq, nxt[:, None]], axis=1)
    return seq[0] if one_d else seq
