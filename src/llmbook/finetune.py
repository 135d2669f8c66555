r"""Fine-tuning the tiny GPT of chapter 15: a sentiment classifier, frozen layers, and a small
instruction-tuning demonstration (chapter 18).

**Classifier.** The pretrained body reads a review's characters; a *head* maps the final
layer norm's output at the review's **last** position (the only position whose causal
attention has seen every character) to two logits:

.. math::
    \mathbf h = \operatorname{LN}_f(\mathbf x^{(L)})_{\,t_{\rm last}} \in \mathbb R^{d},\qquad
    \mathbf z = \mathbf h W_c + \mathbf b_c \in \mathbb R^{2},\qquad
    \mathcal L = -\frac1B \sum_b \log \operatorname{softmax}(\mathbf z_b)_{y_b}.

Reviews are padded *after* their last character; with the causal mask the padding never
reaches the last real position, so it needs no mask of its own.

**Which weights move** (:data:`MODES`): ``"head"`` (the body frozen: a linear probe of the
pretrained features), ``"last_block"`` (the last block, the final norm and the head), or
``"all"``. The same architecture trained from random weights is the control. Frozen
weights get no gradient and are not given to the optimizer, so they stay bit-identical.

**Instruction tuning.** A prompt (a review and a question) followed by its answer is one
sequence; the language model's next-token loss is averaged over the answer's tokens only
(:func:`masked_lm_loss_and_grads`), so the model learns to answer, not to write prompts.

Runs are cached (in ``_build/llmbook-cache`` for the book) under a key that hashes the
settings, the pretrained weights and the source code (:func:`llmbook.sources.fingerprint`).
``python -m llmbook.finetune`` (:func:`main`) makes every run chapter 18 shows, so that the
Makefile can run them before the notebooks, one process on the whole machine.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import pathlib
import time

import numpy as np
from threadpoolctl import threadpool_limits

from . import evaluation, gpt, optim, sentiment, sources, tiny_gpt
from ._checks import positive, positive_int
from .kernels import matmul, softmax_cross_entropy
from .tiny_gpt import THREADS, cache_dir

__all__ = [
    "ANSWERS",
    "INSTRUCTION",
    "METHODS",
    "MODES",
    "PROMPT",
    "Method",
    "Reviews",
    "baselines",
    "check_batch",
    "classify_loss_and_grads",
    "encode_reviews",
    "features",
    "fine_tune",
    "head_loss_and_grads",
    "init_head",
    "instruction_pairs",
    "instruction_runs",
    "instruction_tune",
    "main",
    "masked_lm_loss_and_grads",
    "next_logits",
    "predict_proba",
    "run",
    "study",
    "train_step",
    "trainable",
]

#: Which weights train: the head only, the last block (with the final norm) and the head, or all.
MODES = ("head", "last_block", "all")


# ---------------------------------------------------------------------------------------
# The data: chapter 5's reviews, in the pretrained model's characters
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class Reviews:
    """Chapter 5's reviews as the GPT's character ids, padded or cut to ``n_ctx``.

    ``ids`` ``[n, n_ctx]`` (the last ``n_ctx`` characters of each review, then padding),
    ``lengths`` ``[n]`` (characters kept, ``>= 1``), ``y`` ``[n]`` (0 negative, 1 positive),
    ``train``/``val``/``test``: chapter 5's split (indices into the reviews).
    ``full_lengths``: each review's length before cutting; ``unknown``: the fraction of the
    kept characters that the pretrained vocabulary maps to the unknown character.
    """

    ids: np.ndarray
    lengths: np.ndarray
    y: np.ndarray
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    full_lengths: np.ndarray
    unknown: float
    source: sentiment.Data

    @property
    def n_cut(self) -> int:
        """How many reviews are longer than the context and lose their first characters."""
        return int(np.sum(self.full_lengths > self.lengths))

    def cut_chars(self, part=None) -> np.ndarray:
        """The number of characters each cut review loses (``part``: indices, default all)."""
        idx = np.arange(len(self.y)) if part is None else np.asarray(part)
        lost = self.full_lengths[idx] - self.lengths[idx]
        return lost[lost > 0]


def encode_reviews(tokenizer, n_ctx: int, data: sentiment.Data | None = None) -> Reviews:
    """Chapter 5's reviews and split (:func:`llmbook.sentiment.prepare`) as ``tokenizer``'s ids.

    Each review keeps its last ``n_ctx`` characters (as chapter 5's models read the last
    :math:`N`) and is padded after them with the unknown id.

    Raises:
        ValueError: an empty review, ``n_ctx`` not a positive integer.
    """
    n_ctx = positive_int(n_ctx, "n_ctx")
    data = sentiment.prepare() if data is None else data
    n = len(data.reviews)
    ids = np.full((n, n_ctx), tokenizer.unk_id, dtype=np.int64)  # [n, n_ctx]
    lengths, full = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    unknown = 0
    for i, review in enumerate(data.reviews):
        if not review:
            raise ValueError(f"review {i} is empty")
        kept = tokenizer.encode(review[-n_ctx:])
        ids[i, : len(kept)] = kept
        lengths[i], full[i] = len(kept), len(review)
        unknown += int(np.sum(kept == tokenizer.unk_id))
    return Reviews(ids, lengths, np.asarray(data.y, dtype=np.int64), data.train, data.val,
                   data.test, full, unknown / float(lengths.sum()), data)  # fmt: skip


def check_batch(cfg: gpt.GPTConfig, ids, lengths, y=None):
    """A batch of reviews checked: ids ``[B, T]`` in the vocabulary, lengths in ``[1, T]``, labels 0/1.

    Returns:
        ``(ids, lengths, y)`` as int64 arrays (``y`` None if not given).
    Raises:
        ValueError: an empty batch, ids outside the vocabulary or longer than ``n_ctx``,
        lengths outside ``[1, T]``, labels other than 0 and 1, mismatched sizes.
    """
    if np.size(ids) == 0 or np.ndim(ids) != 2:
        raise ValueError(f"ids must be a non-empty batch [B, T], got shape {np.shape(ids)}")
    ids = gpt.check_ids(ids, cfg).astype(np.int64)
    B, T = ids.shape
    lengths = np.asarray(lengths)
    if lengths.shape != (B,) or lengths.dtype.kind not in "iu":
        raise ValueError(f"lengths must be {B} integers, got shape {lengths.shape}")
    if lengths.min() < 1 or lengths.max() > T:
        raise ValueError(f"lengths must lie in [1, {T}]")
    if y is not None:
        y = np.asarray(y)
        if y.shape != (B,) or not np.all((y == 0) | (y == 1)):
            raise ValueError(f"labels must be {B} values, each 0 or 1")
        y = y.astype(np.int64)
    return ids, lengths.astype(np.int64), y


# ---------------------------------------------------------------------------------------
# The head, the body's backward pass, and freezing
# ---------------------------------------------------------------------------------------


def init_head(d_model: int, seed: int = 0, dtype=np.float32) -> dict:
    r"""A new classification head: :math:`W_c \sim \mathcal N(0, 0.02^2)` ``[d, 2]``, :math:`\mathbf b_c = 0` ``[2]``."""
    rng = np.random.default_rng(seed)
    d = positive_int(d_model, "d_model")
    return {"W": rng.normal(0.0, 0.02, (d, 2)).astype(dtype), "b": np.zeros(2, dtype)}


def head_loss_and_grads(h, head: dict, y):
    r"""The head on the last positions' features: loss, and gradients of the head and of :math:`\mathbf h`.

    .. math::
        \mathbf z = \mathbf h W_c + \mathbf b_c,\quad
        \frac{\partial\mathcal L}{\partial \mathbf z} = \frac{\operatorname{softmax}(\mathbf z) - \mathbf e_y}{B},\quad
        \frac{\partial\mathcal L}{\partial W_c} = \mathbf h^\top \frac{\partial\mathcal L}{\partial \mathbf z},\quad
        \frac{\partial\mathcal L}{\partial \mathbf h} = \frac{\partial\mathcal L}{\partial \mathbf z} W_c^\top.

    Args:
        h: features ``[B, d]``; head: ``{"W": [d, 2], "b": [2]}``; y: labels ``[B]`` (unchecked).
    Returns:
        ``(loss, {"W", "b"}, dh)`` with ``dh`` ``[B, d]``.
    """
    z = h @ head["W"] + head["b"]  # [B, 2]: the two logits
    loss, dz = softmax_cross_entropy(z, y)  # dL/dz = (softmax(z) - e_y) / B, [B, 2]
    g_head = {"W": h.T @ dz, "b": dz.sum(axis=0)}  # [d, 2], [2]
    dh = dz @ head["W"].T  # [B, d]: the gradient that reaches the body
    return float(loss), g_head, dh


def classify_loss_and_grads(model: dict, cfg, ids, lengths, y, mode: str = "all"):
    r"""Cross-entropy of the classifier on a batch, and the gradients of the weights ``mode`` trains.

    :math:`\mathbf h_b` is the final norm's output at review :math:`b`'s last character,
    position ``lengths[b] - 1``; its gradient is placed there in a zero ``[B, T, d]`` and
    sent back through the body (:func:`llmbook.gpt.body_backward`), as far as ``mode`` requires.

    Args:
        model: ``{"body": GPT params, "head": head}``; cfg: the GPT's config.
        ids ``[B, T]``, lengths ``[B]``, y ``[B]``: a batch (:func:`check_batch`).
        mode: one of :data:`MODES`.
    Returns:
        ``(loss, grads)``: grads ``{"body": ..., "head": ...}`` (``None`` where frozen).
    Raises:
        ValueError: a bad batch (see :func:`check_batch`) or ``mode``.
    """
    ids, lengths, y = check_batch(cfg, ids, lengths, y)
    n_blocks = _blocks_trained(mode, cfg)
    _, cache = gpt.forward(model["body"], cfg, ids, logits=False)
    hf = cache["hf"]  # [B, T, d]
    rows, last = np.arange(len(ids)), lengths - 1  # [B], [B]
    h = hf[rows, last]  # [B, d]: the last non-padding position of each review
    loss, g_head, dh = head_loss_and_grads(h, model["head"], y)
    if n_blocks == 0:  # head only: the body is frozen, nothing flows into it
        return loss, {"body": None, "head": g_head}
    d_hf = np.zeros_like(hf)  # [B, T, d]: no loss at the other positions
    d_hf[rows, last] = dh
    return loss, {"body": gpt.body_backward(model["body"], cache, d_hf, n_blocks), "head": g_head}


def _blocks_trained(mode: str, cfg) -> int:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    return {"head": 0, "last_block": 1, "all": cfg.n_layer}[mode]


def trainable(model: dict, mode: str) -> list[tuple[str, np.ndarray]]:
    """The ``(path, array)`` leaves of ``model`` that ``mode`` trains; the others stay frozen.

    ``"head"``: the head's; ``"last_block"``: also the last block's and the final norm's;
    ``"all"``: every one. Paths are those of :func:`llmbook.gpt.tree_leaves`
    (``"body.blocks.1.attn.W_q"``, ``"head.W"``).
    """
    last = len(model["body"]["blocks"]) - 1
    keep = {
        "head": ("head.",),
        "last_block": ("head.", f"body.blocks.{last}.", "body.ln_f."),
        "all": ("head.", "body."),
    }
    if mode not in keep:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    return [(p, a) for p, a in gpt.tree_leaves(model) if p.startswith(keep[mode])]


def train_step(model, cfg, opt, ids, lengths, y, mode, lr_t, clip_norm=None) -> float:
    """One step: forward, backward, clipping, and Adam on the trainable leaves only (in place).

    The frozen leaves are never handed to the optimizer: they cannot move.

    Returns:
        the batch loss before the step.
    """
    loss, grads = classify_loss_and_grads(model, cfg, ids, lengths, y, mode)
    g = dict(gpt.tree_leaves(grads))  # path -> gradient (None where frozen)
    paths, leaves = zip(*trainable(model, mode), strict=True)
    g = [g[p] for p in paths]  # the trainable leaves' gradients, in the same order
    if clip_norm is not None:
        g, _ = optim.clip_by_global_norm(g, clip_norm)
    opt.apply(leaves, g, learning_rate=lr_t, decay=[gpt.decayed(p) for p in paths])
    return loss


# ---------------------------------------------------------------------------------------
# Prediction and training
# ---------------------------------------------------------------------------------------


def features(body, cfg, ids, lengths, batch_size: int = 256) -> np.ndarray:
    """The final norm's output at each review's last character, ``[n, d]``, in batches."""
    ids, lengths, _ = check_batch(cfg, ids, lengths)
    out = []
    for s in range(0, len(ids), batch_size):
        b = slice(s, s + batch_size)
        T = int(lengths[b].max())  # no position after the longest review is needed
        _, cache = gpt.forward(body, cfg, ids[b, :T], logits=False)
        out.append(cache["hf"][np.arange(len(cache["hf"])), lengths[b] - 1])  # [b, d]
    return np.concatenate(out)


def predict_proba(model, cfg, ids, lengths) -> np.ndarray:
    """P(positive) of each review, ``[n]``: the softmax of the head's logits."""
    z = features(model["body"], cfg, ids, lengths) @ model["head"]["W"] + model["head"]["b"]
    z = z - z.max(axis=1, keepdims=True)  # [n, 2]
    p = np.exp(z)
    return p[:, 1] / p.sum(axis=1)


@dataclasses.dataclass(frozen=True)
class Method:
    """One way of training the classifier: which weights move, from which start, how long.

    ``pretrained=False`` starts the body from :func:`llmbook.gpt.init_params` (seeded).
    The learning rate follows :func:`llmbook.gpt.learning_rate` (warm-up, then a cosine to
    ``final_lr * lr``); gradients are clipped to global norm ``clip_norm``.
    """

    mode: str
    pretrained: bool = True
    steps: int = 300
    batch_size: int = 32
    lr: float = 3e-4
    warmup: int = 30
    final_lr: float = 0.1
    clip_norm: float = 1.0

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        positive_int(self.steps, "steps")
        positive_int(self.batch_size, "batch_size")
        positive(self.clip_norm, "clip_norm")
        gpt.learning_rate(1, self.steps, self.lr, self.warmup, self.final_lr)


#: The chapter's four ways of training (``bench/finetune.py`` times their steps and compares
#: learning rates on the validation reviews): the head alone, on features computed once,
#: trains more steps at a higher rate because each of its steps costs almost nothing.
METHODS = {
    "head only": Method("head", steps=2000, batch_size=64, lr=1e-2, warmup=0),
    "last block + head": Method("last_block", lr=1e-3),
    "all weights": Method("all", lr=3e-4),
    "all weights, from scratch": Method("all", pretrained=False, lr=1e-3),
}


def fine_tune(body, cfg, reviews: Reviews, method: Method, seed: int = 0):
    """Train a classifier on ``reviews.train`` with ``method``; accuracy on validation and test.

    The body is copied (``body`` itself is never changed); batches are drawn at random
    (seeded) from the training reviews, each cut to its longest review. With ``mode="head"``
    the frozen body's features are computed once and the head trains on them: the same
    steps as :func:`train_step`, without recomputing the same features at every step.

    Returns:
        ``{"seed", "accuracy" (test), "val_accuracy", "train_loss" (per step), "seconds",
        "model"}``.
    """
    rng = np.random.default_rng(seed)
    if method.pretrained:
        body = copy.deepcopy(body)
    else:
        dtype = body["wte"].dtype
        body = gpt.init_params(cfg, seed=seed, dtype=dtype)
    model = {"body": body, "head": init_head(cfg.d_model, seed, body["wte"].dtype)}
    opt = optim.Adam(method.lr, beta_1=0.9, beta_2=0.99, epsilon=1e-8, epsilon_hat=False)
    tr = reviews.train
    t0 = time.perf_counter()
    if method.mode == "head":
        H = features(body, cfg, reviews.ids[tr], reviews.lengths[tr])  # [n_train, d]
    losses = []
    for step in range(1, method.steps + 1):
        b = rng.choice(len(tr), size=method.batch_size, replace=False)
        lr_t = gpt.learning_rate(step, method.steps, method.lr, method.warmup, method.final_lr)
        if method.mode == "head":
            loss, g, _ = head_loss_and_grads(H[b], model["head"], reviews.y[tr[b]])
            g, _ = optim.clip_by_global_norm([g["W"], g["b"]], method.clip_norm)
            opt.apply([model["head"]["W"], model["head"]["b"]], g, learning_rate=lr_t,
                      decay=[True, False])  # fmt: skip
        else:
            i = tr[b]
            T = int(reviews.lengths[i].max())
            loss = train_step(model, cfg, opt, reviews.ids[i, :T], reviews.lengths[i],
                              reviews.y[i], method.mode, lr_t, method.clip_norm)  # fmt: skip
        losses.append(loss)
    seconds = time.perf_counter() - t0
    acc = {}
    for name, part in (("val_accuracy", reviews.val), ("accuracy", reviews.test)):
        p = predict_proba(model, cfg, reviews.ids[part], reviews.lengths[part])
        acc[name] = evaluation.accuracy(reviews.y[part], (p > 0.5).astype(int))
    return {"seed": int(seed), **acc, "train_loss": [float(v) for v in losses],
            "seconds": seconds, "model": model}  # fmt: skip


def _params_hash(params) -> str:
    h = hashlib.sha256()
    for path, a in gpt.tree_leaves(params):
        h.update(path.encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def run(body, cfg, reviews: Reviews, method: Method, seeds, cache=True) -> list[dict]:
    """:func:`fine_tune` for each seed, from the cache when it holds the run (without the model).

    The key hashes the method, the seed, the config, the pretrained weights, the reviews'
    ids and labels, and the package source the fine-tuning uses.

    Returns:
        one dict per seed (``"model"`` only for runs trained now).
    """
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("run needs at least one seed")
    base = [dataclasses.asdict(method)]
    return [_cached(cache, [*base, seed], body, cfg, reviews, "model",
                    lambda s=seed: fine_tune(body, cfg, reviews, method, s)) for seed in seeds]  # fmt: skip


def _cached(cache, blob, body, cfg, reviews, drop, compute) -> dict:
    """``compute()`` on :data:`THREADS` BLAS threads, or its JSON from the cache.

    The key hashes ``blob``, the pretrained weights ``body``, the reviews' ids and labels,
    and the package source fine-tuning uses; the cached JSON leaves out the entry ``drop``
    (the trained weights), so a result loaded from the cache lacks it.
    """
    folder = cache_dir() if cache is True else (pathlib.Path(cache) if cache else None)
    code = sources.fingerprint("import llmbook.finetune", data=())
    data_hash = hashlib.sha256(reviews.ids.tobytes() + reviews.y.tobytes()).hexdigest()[:16]
    blob = [*blob, dataclasses.asdict(cfg), _params_hash(body), data_hash, code]
    key = hashlib.sha256(json.dumps(blob).encode()).hexdigest()[:16]
    path = folder / f"finetune_{key}.json" if folder else None
    if path is not None and path.is_file():
        return json.loads(path.read_text())
    with threadpool_limits(limits=THREADS, user_api="blas"):
        res = compute()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({k: v for k, v in res.items() if k != drop}))
        tmp.replace(path)
    return res


def study(body, cfg, reviews, methods=None, seeds=(0, 1, 2), cache=True) -> dict[str, list]:
    """:func:`run` for every method (default :data:`METHODS`): ``{name: [result per seed]}``,
    in the form :func:`llmbook.sentiment.summary_rows` and ``seed_figure`` take."""
    methods = METHODS if methods is None else methods
    return {name: run(body, cfg, reviews, m, seeds, cache) for name, m in methods.items()}


# ---------------------------------------------------------------------------------------
# Instruction tuning: prompt -> answer, the loss on the answer only
# ---------------------------------------------------------------------------------------

#: The prompt: a review, then the question "good or bad review?" and "answer:".
PROMPT = "{review}\n问：好评还是差评？\n答："
#: The answer for label 0 (negative, "bad review") and 1 (positive, "good review"), then a line end.
ANSWERS = ("差评\n", "好评\n")


def instruction_pairs(tokenizer, cfg, reviews: list[str], labels):
    """Prompt→answer sequences as the language model's inputs, targets and answer mask.

    Each review keeps as many of its last characters as fit: prompt and answer together
    are ``n_ctx + 1`` characters at most (the inputs are all but the last).

    Returns:
        ``(x, targets, mask, prompt_lengths)``: ``x``, ``targets`` int ``[n, T]`` (padding
        after the sequence), ``mask`` bool ``[n, T]``, True where the target is an answer
        character, ``prompt_lengths`` ``[n]``.
    Raises:
        ValueError: no reviews, labels not 0/1, a review that does not fit at all.
    """
    labels = np.asarray(labels)
    if len(reviews) == 0 or labels.shape != (len(reviews),):
        raise ValueError("instruction_pairs needs reviews and one label per review")
    if not np.all((labels == 0) | (labels == 1)):
        raise ValueError("labels must be 0 or 1")
    room = cfg.n_ctx + 1 - len(PROMPT.format(review="")) - max(len(a) for a in ANSWERS)
    if room < 1:
        raise ValueError(f"n_ctx {cfg.n_ctx} leaves no room for a review")
    seqs, plens = [], []
    for r, label in zip(reviews, labels, strict=True):
        prompt = PROMPT.format(review=r[-room:])
        seqs.append(tokenizer.encode(prompt + ANSWERS[int(label)]))
        plens.append(len(prompt))
    T = max(len(s) for s in seqs) - 1
    x = np.full((len(seqs), T), tokenizer.unk_id, dtype=np.int64)
    t = np.full((len(seqs), T), tokenizer.unk_id, dtype=np.int64)
    mask = np.zeros((len(seqs), T), dtype=bool)
    for i, (s, p) in enumerate(zip(seqs, plens, strict=True)):
        x[i, : len(s) - 1], t[i, : len(s) - 1] = s[:-1], s[1:]
        mask[i, p - 1 : len(s) - 1] = True  # targets p..end are the answer's characters
    return x, t, mask, np.asarray(plens)


def masked_lm_loss_and_grads(params, cfg, x, targets, mask):
    r"""Next-token cross-entropy averaged over the positions ``mask`` selects, and its gradients.

    .. math::
        \mathcal L = -\frac{1}{|M|}\sum_{(b,t)\in M} \log \operatorname{softmax}(\mathbf z_{b,t})_{w_{b,t+1}}

    Positions outside :math:`M` (the prompt, the padding) get no gradient on their
    logits; the rest is :func:`llmbook.gpt.loss_and_grads`'s chain rule.

    Raises:
        ValueError: bad ids, shapes that differ, or an empty mask.
    """
    logits, cache = gpt.forward(params, cfg, x)  # [B, T, V]
    x, targets = cache["idx"], gpt.check_ids(targets, cfg, "targets")
    mask = np.asarray(mask, dtype=bool)
    if targets.shape != x.shape or mask.shape != x.shape:
        raise ValueError(f"targets and mask must have the inputs' shape {x.shape}")
    if not mask.any():
        raise ValueError("mask selects no position: there is no loss")
    loss, dz_sel = softmax_cross_entropy(logits[mask], targets[mask])  # [|M|, V]
    dlogits = np.zeros_like(logits)  # [B, T, V]
    dlogits[mask] = dz_sel
    E, hf = params["wte"], cache["hf"]
    d = E.shape[1]
    grads = gpt.body_backward(params, cache, matmul(dlogits, E))  # through dh_f = dz E
    grads["wte"] += dlogits.reshape(-1, E.shape[0]).T @ hf.reshape(-1, d)  # from z = h_f E^T
    return float(loss), grads


def next_logits(params, cfg, x, prompt_lengths, batch_size: int = 256) -> np.ndarray:
    """The logits of the character after each prompt, ``[n, V]``: position ``prompt_lengths - 1``."""
    out = []
    for s in range(0, len(x), batch_size):
        b = slice(s, s + batch_size)
        last = np.asarray(prompt_lengths[b]) - 1  # [b]
        _, cache = gpt.forward(params, cfg, x[b, : int(last.max()) + 1], logits=False)
        hf = cache["hf"][np.arange(len(last)), last]  # [b, d]
        out.append(hf @ gpt.unembedding(params))  # [b, V]
    return np.concatenate(out)


#: The instruction-tuning demonstration's settings: training pairs, steps, batch, peak rate.
INSTRUCTION = {"n_pairs": 256, "steps": 150, "batch_size": 16, "lr": 3e-4}


def instruction_tune(body, cfg, tokenizer, reviews: Reviews, n_pairs=INSTRUCTION["n_pairs"],
                     steps=INSTRUCTION["steps"], batch_size=INSTRUCTION["batch_size"],
                     lr=INSTRUCTION["lr"], seed=0, n_examples=6):  # fmt: skip
    """Instruction-tune a copy of ``body`` on ``n_pairs`` training reviews; score the test prompts.

    All weights train with Adam on :func:`masked_lm_loss_and_grads`. Before and after,
    each test prompt's next character is the argmax over the whole vocabulary, and the
    first ``n_examples`` test prompts are continued greedily
    (:func:`llmbook.gpt.generate`, temperature 0) by as many characters as an answer has.

    Returns:
        ``{"seed", "loss" (per step), "seconds", "before", "after", "params"}``; each of
        ``before``/``after`` is ``{"format": share of test prompts whose next character
        starts an answer (差 or 好), "accuracy": share whose next character starts the right
        one, "counts": [[差, 好, other] for label 0, the same for label 1],
        "examples": [(review, label, continuation)]}``.
    """
    rng = np.random.default_rng(seed)
    src = reviews.source
    tr = rng.choice(reviews.train, size=n_pairs, replace=False)
    x, t, m, _ = instruction_pairs(tokenizer, cfg, [src.reviews[i] for i in tr], reviews.y[tr])
    te = reviews.test
    xt, _, _, pl = instruction_pairs(tokenizer, cfg, [src.reviews[i] for i in te], reviews.y[te])
    first = np.array([int(tokenizer.encode(a[0])[0]) for a in ANSWERS])  # ids of 差, 好

    def score(params):
        top = np.argmax(next_logits(params, cfg, xt, pl), axis=1)  # [n_test]
        examples = []
        for i in range(n_examples):
            out = gpt.generate(params, cfg, xt[i, : pl[i]], len(ANSWERS[0]), temperature=0)
            examples.append((src.reviews[te[i]], int(reviews.y[te[i]]),
                             tokenizer.decode(out[pl[i]:])))  # fmt: skip
        y = reviews.y[te]
        counts = [[int(np.sum((y == label) & (top == first[0]))),
                   int(np.sum((y == label) & (top == first[1]))),
                   int(np.sum((y == label) & ~np.isin(top, first)))] for label in (0, 1)]  # fmt: skip
        return {"format": float(np.mean(np.isin(top, first))),
                "accuracy": float(np.mean(top == first[y])), "counts": counts,
                "examples": examples}  # fmt: skip

    params = copy.deepcopy(body)
    before = score(params)
    opt = optim.Adam(lr, beta_1=0.9, beta_2=0.99, epsilon=1e-8, epsilon_hat=False)
    losses = []
    t0 = time.perf_counter()
    for step in range(1, steps + 1):
        b = rng.choice(n_pairs, size=batch_size, replace=False)
        T = int(np.max(np.nonzero(m[b].any(axis=0))[0])) + 1  # up to the last answer character
        loss, grads = masked_lm_loss_and_grads(params, cfg, x[b, :T], t[b, :T], m[b, :T])
        paths, leaves = zip(*gpt.tree_leaves(params), strict=True)
        g, _ = optim.clip_by_global_norm([g for _, g in gpt.tree_leaves(grads)], 1.0)
        lr_t = gpt.learning_rate(step, steps, lr, warmup=10)
        opt.apply(leaves, g, learning_rate=lr_t, decay=[gpt.decayed(p) for p in paths])
        losses.append(loss)
    seconds = time.perf_counter() - t0
    return {"seed": int(seed), "loss": losses, "seconds": seconds, "before": before,
            "after": score(params), "params": params}  # fmt: skip


def instruction_runs(body, cfg, tokenizer, reviews: Reviews, seeds=(0, 1, 2), cache=True,
                     **settings) -> list[dict]:  # fmt: skip
    """:func:`instruction_tune` for each seed, cached as :func:`run` caches (without ``params``)."""
    base = ["instruct", sorted(settings.items())]
    return [_cached(cache, [*base, int(seed)], body, cfg, reviews, "params",
                    lambda s=int(seed): instruction_tune(body, cfg, tokenizer, reviews, seed=s, **settings))
            for seed in seeds]  # fmt: skip


def baselines(data: sentiment.Data, seeds=(0, 1, 2, 3, 4), cache=True):
    """Chapter 5's models and inputs, by :func:`llmbook.sentiment.compare` (its cached runs).

    The inputs are chapter 5's: the whole review, or its last 48 or last :math:`N_{90}`
    characters, :math:`N_{90}` being the 90th percentile of the training reviews' lengths.

    Returns:
        ``(study, n90)``: ``{name: [result per run]}`` and :math:`N_{90}`.
    """
    n90 = sentiment.n90(data)
    configs = sentiment.comparison_configs(n90)
    return sentiment.compare(data, configs, seeds=list(seeds), cache=cache), n90


def main() -> None:
    """Chapter 18's runs, as the chapter makes them, into the book's cache: the fine-tuning
    study, chapter 5's baselines and the instruction tuning, each on seeds 0, 1 and 2 (the
    baselines on chapter 5's seeds), from chapter 15's pretrained GPT."""
    data = tiny_gpt.prepare()
    cfg, pre = tiny_gpt.trained(data, cache=True)
    reviews = encode_reviews(data.tokenizer, cfg.n_ctx)
    ft = study(pre.params, cfg, reviews, seeds=(0, 1, 2))
    baselines(reviews.source)
    inst = instruction_runs(pre.params, cfg, data.tokenizer, reviews, seeds=(0, 1, 2))
    for name, runs in ft.items():
        acc = [r["accuracy"] for r in runs]
        print(f"{name}: test accuracy {np.mean(acc):.3f} ± {np.std(acc, ddof=1):.3f}")
    print(f"instruction tuning: {len(inst)} runs")


if __name__ == "__main__":
    main()
