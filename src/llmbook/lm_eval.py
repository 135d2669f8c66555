r"""One way to score every language model of the book on a text: GPTs and n-gram models alike.

A language model assigns each token :math:`w_t` of a text a probability given the tokens
before it. Its loss on the text is the mean negative log-probability of the predicted tokens,

.. math::
    \mathcal L = -\frac1N\sum_{t}\ln p(w_t \mid w_{<t})\ \text{nats per token},\qquad
    \mathrm{PP} = e^{\mathcal L},\qquad \text{bits per token} = \mathcal L/\ln 2 .

Two models can be compared only if they predict the same tokens from the same history:

- A **text** (one string) is scored from its second character on: every character
  :math:`w_1, \dots, w_{L-1}` is predicted once, from all the characters before it that the
  model can read. An n-gram model reads the last :math:`n-1`; a GPT reads at most
  :math:`n_{ctx}`, so the text is cut into **sliding windows** (:func:`llmbook.windows.window_spans`)
  of :math:`n_{ctx}+1` tokens every ``stride`` tokens, and each window scores only the
  tokens no earlier window scored: every token after the first :math:`n_{ctx}` has at
  least :math:`n_{ctx} - \text{stride}` tokens of context (chapter 9 shows what separate
  chunks, ``stride = n_ctx``, cost).
- A **list of sequences** (chapter 1's sentences) is scored sequence by sequence from its
  start, each with its end marker, as :meth:`llmbook.ngram.NGramModel.cross_entropy` does
  (n-gram models only).

Characters the vocabulary does not know become one unknown token; predicting it is easy
and flatters every model, so :class:`Score` also reports how many targets are unknown and
the loss on the known ones only.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from . import gpt, windows
from ._checks import positive_int
from .ngram import NGramModel

__all__ = [
    "Score",
    "evaluate",
    "gpt_token_losses",
    "ngram_token_losses",
    "position_losses",
    "score",
]


@dataclasses.dataclass(frozen=True)
class Score:
    """A model's score on a text: loss per predicted token and what it is made of.

    Attributes:
        loss: mean negative log-probability, nats per token.
        n_tokens: number of predicted tokens :math:`N`.
        n_unknown: how many of them are the unknown token.
        known_loss: mean loss over the known targets only (nan if there are none).
    """

    loss: float
    n_tokens: int
    n_unknown: int
    known_loss: float

    @property
    def perplexity(self) -> float:
        r""":math:`e^{\mathcal L}`."""
        return math.exp(self.loss) if self.loss < 700 else math.inf

    @property
    def bits(self) -> float:
        r"""Bits per token, :math:`\mathcal L / \ln 2`."""
        return self.loss / math.log(2)

    @property
    def unknown_share(self) -> float:
        """Share of predicted tokens that are the unknown token."""
        return self.n_unknown / self.n_tokens


def score(losses, unknown) -> Score:
    r"""A :class:`Score` from per-token losses ``[N]`` and a boolean mask ``[N]`` of unknown targets.

    Raises:
        ValueError: empty or mismatched arrays, or NaN losses.
    """
    losses = np.asarray(losses, dtype=np.float64)
    unknown = np.asarray(unknown, dtype=bool)
    if losses.ndim != 1 or losses.size == 0 or unknown.shape != losses.shape:
        raise ValueError(
            f"losses and unknown must be 1-D of one non-zero length, got {losses.shape} "
            f"and {unknown.shape}"
        )
    if np.isnan(losses).any():
        raise ValueError("losses contain NaN")
    known = losses[~unknown]
    known_loss = float(known.mean()) if known.size else math.nan
    return Score(float(losses.mean()), int(losses.size), int(unknown.sum()), known_loss)


def gpt_token_losses(params, cfg: gpt.GPTConfig, ids, stride=None, batch_size=64) -> np.ndarray:
    r"""The GPT's loss on every token ``ids[1:]``, each scored once in sliding windows.

    Windows of :math:`n_{ctx}+1` tokens start every ``stride`` tokens (the last one ends at
    the end of ``ids``); each window's input is its first :math:`n_{ctx}` tokens, its
    targets the same shifted by one, and only the targets no earlier window scored count.

    Args:
        params, cfg: the model (:mod:`llmbook.gpt`).
        ids: int token ids ``[L]``, :math:`L \ge 2`.
        stride: step between windows, ``1 <= stride <= n_ctx`` (default ``n_ctx // 2``).
        batch_size: windows per forward pass (changes the speed, not the result).
    Returns:
        float64 array ``[L - 1]``: :math:`-\ln p(w_t \mid \text{its window before } t)`
        for :math:`t = 1, \dots, L-1`.
    Raises:
        ValueError: fewer than 2 tokens, bad ``stride`` or ``batch_size``.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.size < 2:
        raise ValueError(f"ids must be 1-D with at least 2 tokens, got shape {ids.shape}")
    C = cfg.n_ctx
    stride = max(1, C // 2) if stride is None else stride
    batch_size = positive_int(batch_size, "batch_size")
    spans = windows.window_spans(ids.size, C + 1, stride)
    T = spans[0].stop - spans[0].start - 1  # every window has the same length (or the one)
    out = np.full(ids.size - 1, np.nan)
    model = gpt.model_of(cfg)  # gpt, or another architecture's module
    W_out = model.unembedding(params)  # [d, V]
    for i in range(0, len(spans), batch_size):
        part = spans[i : i + batch_size]
        x = np.stack([ids[w.start : w.stop - 1] for w in part])  # [b, T]
        _, cache = model.forward(params, cfg, x, logits=False)
        for w, hf in zip(part, cache["hf"], strict=True):  # hf: [T, d]
            first = max(w.first_new, w.start + 1)  # first target this window scores
            z = hf[first - w.start - 1 : T] @ W_out  # [n_new, V], new positions only
            out[first - 1 : w.stop - 1] = _token_nll(z, ids[first : w.stop])
    return out


def position_losses(params, cfg, ids, batch_size: int = 32) -> np.ndarray:
    r"""The mean loss at each position of a window: how the loss falls as the context grows.

    The text is cut into windows of :math:`T + 1` tokens, :math:`T = n_{ctx}`, that do not
    overlap (window :math:`k` starts at :math:`kT`); the target at position :math:`t` is
    predicted from the :math:`t + 1` tokens before it in its window.

    .. math:: \ell(t) = -\frac1K \sum_{k=0}^{K-1} \ln p\big(w_{kT+t+1} \mid w_{kT}, \dots, w_{kT+t}\big),
              \qquad K = \lfloor (L-1)/T \rfloor

    Args:
        params, cfg: the model (:mod:`llmbook.gpt` or another architecture's module,
            :func:`llmbook.gpt.model_of`); ``cfg.n_ctx`` is the window :math:`T`.
        ids: int token ids ``[L]`` with :math:`L > T`.
        batch_size: windows per forward pass (changes the speed, not the result).
    Returns:
        float64 ``[T]``: :math:`\ell(0), \dots, \ell(T-1)`.
    Raises:
        ValueError: a text not longer than one window, a bad ``batch_size``.
    """
    ids, T = np.asarray(ids), cfg.n_ctx
    if ids.ndim != 1 or ids.size <= T:
        raise ValueError(f"ids must be 1-D and longer than n_ctx ({T}), got shape {ids.shape}")
    batch_size = positive_int(batch_size, "batch_size")
    K = (ids.size - 1) // T
    model = gpt.model_of(cfg)
    W_out = model.unembedding(params)  # [d, V]
    total = np.zeros(T)
    for k0 in range(0, K, batch_size):
        starts = np.arange(k0, min(K, k0 + batch_size)) * T  # [b]
        offs = starts[:, None] + np.arange(T)  # [b, T]
        _, cache = model.forward(params, cfg, ids[offs], logits=False)
        z = cache["hf"] @ W_out  # [b, T, V]
        nll = _token_nll(z.reshape(-1, z.shape[-1]), ids[offs + 1].reshape(-1))  # [b T]
        total += nll.reshape(len(starts), T).sum(axis=0)
    return total / K


def _token_nll(logits, y):
    """``-log softmax(logits)[y]`` for each position, in float64: ``[n, V]``, ``[n]`` -> ``[n]``."""
    z = logits.astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(z).sum(axis=-1))
    return lse - np.take_along_axis(z, y[..., None], axis=-1)[..., 0]


def ngram_token_losses(model: NGramModel, data) -> tuple[np.ndarray, np.ndarray]:
    r"""The n-gram model's loss on every predicted token, and which targets it does not know.

    Args:
        model: a fitted :class:`llmbook.ngram.NGramModel`.
        data: one text (scored from its second token on, each token from the
            :math:`n-1` before it) or a list of sequences (each from its start, with its
            end marker).
    Returns:
        ``(losses, unknown)``: float64 ``[N]`` and bool ``[N]`` (targets outside the model's
        vocabulary, which it scores as ``<unk>``).
    """
    if isinstance(data, str):
        if len(data) < 2:
            raise ValueError("a text must have at least 2 characters")
        logp = model.token_log_probs(data[1:], context=data[:1], eos=False)
        targets = list(data[1:])
    else:
        logp = model._score_all(data)
        targets = [t for s in data for t in (*s, None)]  # None: the end marker, always known
    unknown = np.array([t is not None and t not in model._index for t in targets], dtype=bool)
    return -logp, unknown


def evaluate(model, data, *, tokenizer=None, stride=None) -> Score:
    """Score a language model on ``data``: loss, perplexity, bits, unknown share, known-only loss.

    Args:
        model: a fitted :class:`llmbook.ngram.NGramModel`, or a GPT as ``(params, cfg)``.
        data: a text (a string), or for an n-gram model a list of sequences.
        tokenizer: the GPT's :class:`llmbook.text.Vocabulary` (required for a GPT). With an
            n-gram model, targets equal to its unknown character also count as unknown.
        stride: the GPT's window stride (:func:`gpt_token_losses`).
    Returns:
        a :class:`Score`.
    Raises:
        TypeError: a model of another kind, or a GPT without a tokenizer.
    """
    if isinstance(model, NGramModel):
        losses, unknown = ngram_token_losses(model, data)
        if tokenizer is not None and isinstance(data, str):
            unknown |= np.array(list(data[1:])) == tokenizer.unk
        return score(losses, unknown)
    if isinstance(model, tuple) and len(model) == 2 and hasattr(model[1], "n_ctx"):
        if tokenizer is None:
            raise TypeError("a GPT needs its tokenizer to read a text")
        if not isinstance(data, str):
            raise TypeError("a GPT reads one text (a string)")
        ids = tokenizer.encode(data)
        losses = gpt_token_losses(*model, ids, stride=stride)
        return score(losses, ids[1:] == tokenizer.unk_id)
    raise TypeError(f"model must be an NGramModel or a GPT (params, cfg), got {type(model)}")
