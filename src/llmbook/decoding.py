r"""Decoding a language model: beam search, and how repetitive the generated text is.

**Beam search** keeps the :math:`K` best partial continuations ("beams") instead of one.
A continuation :math:`y_1 \dots y_n` of a prompt :math:`x` is scored by the sum of its
log-probabilities,

.. math:: S(y) = \sum_{t=1}^{n} \log p(y_t \mid x, y_{<t}),

which is the log of its probability. At every step each beam is extended by every token
of the vocabulary, and the :math:`K` extensions with the highest :math:`S` are kept. With
:math:`K = 1` this is greedy decoding; with :math:`K \ge V^{n-1}` no extension is ever
dropped and the result is the exact most probable continuation.

*Length.* A sum of log-probabilities falls with every token, so when continuations can end
early (at an end-of-sequence token) the raw sum prefers short ones. The optional length
normalisation ranks by :math:`S(y) / |y|^{\alpha}` instead (:math:`\alpha = 0`: the raw sum;
:math:`\alpha = 1`: the mean log-probability per token; Wu et al. 2016 use a similar
penalty). Without an end token every continuation has exactly ``n_new`` tokens and the
normalisation does not change the ranking.

**Repetition** (the "degeneration" of Holtzman et al. 2020). For the :math:`N - n + 1`
n-grams of a text of :math:`N` tokens, *distinct-n* is the number of different n-grams
divided by the number of n-grams (Li et al. 2016 count distinct n-grams per generated
token), and the *repeated n-gram share* is :math:`1 - \text{distinct-}n`: the fraction of
n-gram positions whose n-gram already occurred earlier in the same text (seq-rep-n of
Welleck et al. 2020).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from . import gpt
from ._checks import nonneg, nonneg_int, positive_int
from .kernels import log_softmax

__all__ = [
    "Beam",
    "DecoderRow",
    "beam_search",
    "compare_decoders",
    "distinct_n",
    "next_token_logits",
    "ngrams",
    "repeated_ngram_share",
]


def next_token_logits(params, cfg: gpt.GPTConfig, prompt) -> np.ndarray:
    r"""The model's logits for the token after ``prompt``: :math:`\mathbf z_T`, the last row of
    :func:`llmbook.gpt.forward`.

    These are the logits :func:`llmbook.gpt.generate` turns into the distribution of its
    first new token (:func:`llmbook.sampling.next_token_distribution`).

    Args:
        params, cfg: the model (:mod:`llmbook.gpt`).
        prompt: token ids ``[T]``, ``1 <= T <= n_ctx``.
    Returns:
        float64 ``[V]``.
    Raises:
        ValueError: a prompt that is not one sequence of ids of the vocabulary, or longer
            than ``n_ctx``.
    """
    if np.ndim(prompt) != 1:
        raise ValueError(f"prompt must be one sequence of ids [T], got shape {np.shape(prompt)}")
    logits, _ = gpt.forward(params, cfg, gpt.check_ids(prompt, cfg, "prompt"))  # [1, T, V]
    return logits[0, -1].astype(np.float64)  # [V]


class Beam(NamedTuple):
    """One result of :func:`beam_search`: the ids (prompt, then continuation), the sum of
    the continuation's log-probabilities :math:`S`, and the ranking score
    :math:`S / |y|^\\alpha`."""

    ids: np.ndarray
    log_prob: float
    score: float


def beam_search(
    params,
    cfg: gpt.GPTConfig,
    prompt,
    n_new: int,
    beam_width: int = 4,
    *,
    length_alpha: float = 0.0,
    eos=None,
    use_cache: bool = True,
) -> list[Beam]:
    r"""The ``beam_width`` best continuations of ``prompt`` found by beam search, best first.

    Each step extends every live beam by every token and keeps the ``beam_width``
    extensions with the highest :math:`S(y) = \sum_t \log p(y_t \mid x, y_{<t})`
    (ties: the lower beam, then the lower token id). An extension that ends with ``eos``
    is finished and leaves the beam; the search stops after ``n_new`` tokens or when no
    beam is live. Finished and live continuations are then ranked by
    :math:`S(y) / |y|^{\alpha}`, :math:`|y|` counting the new tokens (``eos`` included).

    With the KV cache the prompt runs once; each step runs the new tokens only and
    reorders every block's cached keys and values by the beam each extension came from.
    Without it each step runs :func:`llmbook.gpt.forward` on the last ``n_ctx`` tokens.
    Both give the same beams (the logits agree to rounding).

    Args:
        params, cfg: the model (:mod:`llmbook.gpt`).
        prompt: token ids ``[T]``, ``1 <= T <= n_ctx``.
        n_new: number of tokens to add, >= 1.
        beam_width: :math:`K \ge 1`.
        length_alpha: :math:`\alpha \ge 0`.
        eos: None, or the id of a token that ends a continuation.
        use_cache: whether to use the KV cache.
    Returns:
        list of at most ``beam_width`` :class:`Beam`, sorted by score, best first.
    Raises:
        ValueError: a prompt that is not one sequence, a bad ``n_new``, ``beam_width``,
            ``length_alpha`` or ``eos``.
    """
    if np.ndim(prompt) != 1:
        raise ValueError(f"prompt must be one sequence of ids [T], got shape {np.shape(prompt)}")
    seqs = gpt.check_ids(prompt, cfg, "prompt").astype(np.int64)  # [1, T]
    n_new = positive_int(n_new, "n_new")
    K = positive_int(beam_width, "beam_width")
    alpha = nonneg(length_alpha, "length_alpha")
    if eos is not None and not 0 <= nonneg_int(eos, "eos") < cfg.n_vocab:
        raise ValueError(f"eos must be a token id in [0, {cfg.n_vocab - 1}], got {eos}")
    T0 = seqs.shape[1]
    S = np.zeros(1)  # [B] sum of log-probabilities of each live beam
    finished: list[tuple[np.ndarray, float]] = []
    kvs = None
    for _ in range(n_new):
        T = seqs.shape[1]
        if use_cache and T <= cfg.n_ctx:
            if kvs is None:
                kvs = [{} for _ in params["blocks"]]
                logits = gpt.logits_with_cache(params, cfg, seqs, kvs, 0)
            else:
                logits = gpt.logits_with_cache(params, cfg, seqs[:, -1:], kvs, T - 1)
        else:  # no cache, or past the learned positions: the last n_ctx tokens afresh
            kvs = None
            logits = gpt.forward(params, cfg, seqs[:, -cfg.n_ctx :])[0][:, -1]  # [B, V]
        cand = S[:, None] + log_softmax(logits.astype(np.float64))  # [B, V]
        flat = np.argsort(-cand, axis=None, kind="stable")[:K]  # best K of B*V, ties: lower index
        parent, token = np.divmod(flat, cfg.n_vocab)  # [K'] each
        seqs = np.concatenate([seqs[parent], token[:, None]], axis=1)  # [K', T + 1]
        S = cand[parent, token]
        if kvs is not None:
            for kv in kvs:
                kv["k"], kv["v"] = kv["k"][parent], kv["v"][parent]
        if eos is not None:
            done = token == eos
            finished += [(s, float(v)) for s, v in zip(seqs[done], S[done], strict=True)]
            seqs, S = seqs[~done], S[~done]
            if kvs is not None:
                for kv in kvs:
                    kv["k"], kv["v"] = kv["k"][~done], kv["v"][~done]
            if len(S) == 0:
                break
    out = finished + [(s, float(v)) for s, v in zip(seqs, S, strict=True)]
    beams = [Beam(s, v, v / (len(s) - T0) ** alpha) for s, v in out]
    order = sorted(range(len(beams)), key=lambda i: -beams[i].score)  # stable: ties keep order
    return [beams[i] for i in order[:K]]


def ngrams(tokens: Sequence, n: int) -> list[tuple]:
    """The :math:`N - n + 1` n-grams of ``tokens`` (a string, list or array), in order, as tuples.

    Raises:
        ValueError: ``n`` not a positive integer.
    """
    n = positive_int(n, "n")
    tokens = list(tokens)
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def distinct_n(tokens: Sequence, n: int) -> float:
    r"""The number of different n-grams divided by the number of n-grams, in :math:`(0, 1]`.

    1 means no n-gram occurs twice; a text that loops over a cycle of :math:`c` tokens has
    at most :math:`c` different n-grams however long it is.

    Raises:
        ValueError: ``n`` not a positive integer, or ``tokens`` shorter than ``n``.
    """
    grams = ngrams(tokens, n)
    if not grams:
        raise ValueError(f"a text of {len(tokens)} tokens has no {n}-grams")
    return len(set(grams)) / len(grams)


def repeated_ngram_share(tokens: Sequence, n: int = 4) -> float:
    r"""The share of n-gram positions whose n-gram already occurred earlier: :math:`1 - \text{distinct-}n`.

    Raises:
        ValueError: as :func:`distinct_n`.
    """
    return 1.0 - distinct_n(tokens, n)


class DecoderRow(NamedTuple):
    """One row of :func:`compare_decoders`: a method's measures over its runs."""

    method: str
    runs: int
    repeated_4gram_mean: float
    repeated_4gram_std: float
    distinct_2_mean: float
    distinct_2_std: float
    mean_log_prob: float


def compare_decoders(
    params,
    cfg: gpt.GPTConfig,
    prompts: Sequence,
    n_new: int,
    methods: Mapping[str, dict],
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
) -> tuple[list[DecoderRow], dict[str, list[np.ndarray]]]:
    r"""Generate with several decoding methods and measure how repetitive the text is.

    ``methods`` maps a name to keyword arguments: ``{"beam_width": K, ...}`` runs
    :func:`beam_search` (its best beam); anything else is passed to
    :func:`llmbook.gpt.generate` (``temperature``, ``top_k``, ``top_p``). A method is
    stochastic unless it is beam search or has ``temperature=0``; a stochastic method runs
    once per prompt and seed, a deterministic one once per prompt. For each run the
    continuation (the ``n_new`` new tokens) is measured: its repeated 4-gram share, its
    distinct-2, and its mean log-probability per token under the model,
    :math:`\frac1n\sum_t \log p(y_t \mid x, y_{<t})`.

    Args:
        params, cfg: the model.
        prompts: a list of prompts, each token ids ``[T]``.
        n_new: tokens to generate per run, >= 4; prompt and continuation must fit in
            ``n_ctx`` (so that every token is scored with its whole context).
        methods: name -> settings, as above.
        seeds: sampling seeds of the stochastic methods (at least one).
    Returns:
        ``(rows, texts)``: one :class:`DecoderRow` per method (means and population standard
        deviations over its runs), and per method the list of generated id arrays
        (prompt, then continuation), in the order prompts x seeds.
    Raises:
        ValueError: no prompts, methods or seeds, ``n_new < 4``, or a prompt plus
            ``n_new`` longer than ``n_ctx``.
    """
    n_new = positive_int(n_new, "n_new")
    if n_new < 4:
        raise ValueError(f"n_new must be at least 4 to hold a 4-gram, got {n_new}")
    if not prompts or not methods or not seeds:
        raise ValueError("compare_decoders needs at least one prompt, one method and one seed")
    if any(len(p) + n_new > cfg.n_ctx for p in prompts):
        raise ValueError(f"each prompt plus n_new={n_new} tokens must fit in n_ctx={cfg.n_ctx}")
    rows, texts = [], {}
    for name, kw in methods.items():
        kw = dict(kw)
        stochastic = "beam_width" not in kw and kw.get("temperature", 1.0) != 0
        runs = []
        for prompt in prompts:
            prompt = np.asarray(prompt)
            for seed in seeds if stochastic else seeds[:1]:
                if "beam_width" in kw:
                    ids = beam_search(params, cfg, prompt, n_new, **kw)[0].ids
                else:
                    ids = gpt.generate(params, cfg, prompt, n_new, seed=seed, **kw)
                runs.append(ids)
        new = [ids[len(ids) - n_new :] for ids in runs]
        rep = np.array([repeated_ngram_share(t, 4) for t in new])
        dis = np.array([distinct_n(t, 2) for t in new])
        lp = np.mean([_mean_log_prob(params, cfg, ids, n_new) for ids in runs])
        rows.append(DecoderRow(name, len(runs), float(rep.mean()), float(rep.std()),
                               float(dis.mean()), float(dis.std()), float(lp)))  # fmt: skip
        texts[name] = runs
    return rows, texts


def _mean_log_prob(params, cfg, ids, n_new):
    """Mean log-probability of the last ``n_new`` of ``ids`` given what precedes them (one forward pass)."""
    ids = np.asarray(ids)
    logits, _ = gpt.forward(params, cfg, ids[None, :-1])  # [1, T-1, V]
    lp = log_softmax(logits[0].astype(np.float64))  # [T-1, V]
    t = np.arange(len(ids) - 1 - n_new, len(ids) - 1)
    return float(lp[t, ids[t + 1]].mean())
