r"""From logits to the next token: greedy choice, temperature, top-k and top-p (nucleus) sampling.

A language model gives logits :math:`z_1, \dots, z_V` for the next token. Sampling with
temperature :math:`\tau` draws from

.. math:: p_i(\tau) = \frac{e^{z_i/\tau}}{\sum_j e^{z_j/\tau}};

:math:`\tau \to 0` approaches the greedy choice :math:`\arg\max_i z_i`, :math:`\tau = 1` is the
model's own distribution, large :math:`\tau` approaches uniform. *Top-k* keeps the
:math:`k` most probable tokens; *top-p* (nucleus sampling, Holtzman et al. 2020) keeps the
smallest set of most probable tokens whose probabilities sum to at least :math:`p`. Either
way the kept probabilities are renormalised to sum to 1.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, in_interval, integer, nonneg
from .kernels import softmax

__all__ = ["next_token_distribution", "sample", "top_k_mask", "top_p_mask"]


def top_k_mask(logits, k: int):
    r"""True for the :math:`k` largest logits along the last axis (ties broken by lower index).

    Args:
        logits: ``[..., V]``.
        k: integer in ``[1, V]``.
    Returns:
        bool array ``[..., V]`` with exactly ``k`` True per row.
    Raises:
        ValueError: ``k`` not an integer in ``[1, V]``.
    """
    logits = as_array(logits, "logits", ndim=(1, 2, 3))
    V = logits.shape[-1]
    k = integer(k, "k", minimum=1, maximum=V)
    order = np.argsort(-logits, axis=-1, kind="stable")[..., :k]
    mask = np.zeros(logits.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=-1)
    return mask


def top_p_mask(probs, p: float):
    r"""True for the nucleus: the fewest most-probable tokens whose total probability is :math:`\ge p`.

    Tokens are sorted by decreasing probability (ties by lower index); token :math:`i` in
    that order is kept if the probabilities *before* it sum to less than :math:`p`, so the
    most probable token is always kept.

    Args:
        probs: ``[..., V]``, each row a distribution.
        p: in ``(0, 1]``.
    Returns:
        bool array ``[..., V]``.
    Raises:
        ValueError: ``p`` outside ``(0, 1]``, or ``probs`` not distributions.
    """
    probs = as_array(probs, "probs", ndim=(1, 2, 3))
    if np.any(probs < 0) or not np.allclose(probs.sum(-1), 1.0, atol=1e-6):
        raise ValueError("probs must hold probability distributions along the last axis")
    p = in_interval(p, "p", 0.0, 1.0, closed="right")
    order = np.argsort(-probs, axis=-1, kind="stable")
    sorted_p = np.take_along_axis(probs, order, axis=-1)
    before = np.cumsum(sorted_p, axis=-1) - sorted_p  # mass of the tokens ranked above
    keep_sorted = before < p
    mask = np.zeros(probs.shape, dtype=bool)
    np.put_along_axis(mask, order, keep_sorted, axis=-1)
    return mask


def next_token_distribution(logits, temperature: float = 1.0, top_k=None, top_p=None):
    r"""The distribution the next token is drawn from.

    .. math:: q_i \propto \mathbb 1[i \in S]\; e^{z_i/\tau}

    where :math:`S` is all tokens, or the top-k, or the nucleus (top-k is applied first,
    then top-p on the renormalised distribution). ``temperature=0`` means greedy: all the
    probability on the largest logit (the lowest index among ties).

    Args:
        logits: ``[..., V]``.
        temperature: :math:`\tau \ge 0`.
        top_k: None or an integer in ``[1, V]``.
        top_p: None or a number in ``(0, 1]``.
    Returns:
        float64 ``[..., V]``, each row summing to 1, zero outside :math:`S`.
    Raises:
        ValueError: negative temperature, bad ``top_k`` or ``top_p``, bad logits.
    """
    logits = as_array(logits, "logits", ndim=(1, 2, 3))
    temperature = nonneg(temperature, "temperature")
    if temperature == 0:
        q = np.zeros_like(logits)
        np.put_along_axis(q, np.argmax(logits, axis=-1)[..., None], 1.0, axis=-1)
        return q
    z = logits / temperature
    if top_k is not None:
        z = np.where(top_k_mask(z, top_k), z, -np.inf)
    q = softmax(z)
    if top_p is not None:
        q = np.where(top_p_mask(q, top_p), q, 0.0)
        q /= q.sum(axis=-1, keepdims=True)
    return q


def sample(probs, rng) -> np.ndarray:
    r"""Draw one index per row of ``probs`` by inverting the cumulative distribution.

    With :math:`u \sim U[0,1)`, returns the smallest :math:`i` with :math:`\sum_{j\le i} q_j > u`
    (tokens of probability 0 are never drawn).

    Args:
        probs: ``[..., V]`` distributions.
        rng: a :class:`numpy.random.Generator`.
    Returns:
        int64 array ``[...]``.
    """
    probs = as_array(probs, "probs", ndim=(1, 2))
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    cdf = np.cumsum(probs, axis=-1)
    u = rng.random((*probs.shape[:-1], 1)) * cdf[..., -1:]
    idx = np.sum(cdf <= u, axis=-1)
    return np.minimum(idx, probs.shape[-1] - 1).astype(np.int64)
