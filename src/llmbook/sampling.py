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

__all__ = [
    "distribution",
    "draw",
    "next_token_distribution",
    "nucleus",
    "sample",
    "top_k",
    "top_k_mask",
    "top_p_mask",
]


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
    return top_k(logits, k)


def top_k(z, k: int):
    r"""The top-k set without checks: True for the :math:`k` largest of ``z`` ``[..., V]``.

    Ties go to the lower index.
    """
    order = np.argsort(-z, axis=-1, kind="stable")  # [..., V]: largest first
    keep = np.zeros(z.shape, dtype=bool)  # [..., V]
    np.put_along_axis(keep, order[..., :k], True, axis=-1)  # the first k of them
    return keep


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
    return nucleus(probs, p)


def nucleus(q, p: float):
    r"""The top-p set without checks: keep a token if those above it hold < :math:`p`.

    ``q`` ``[..., V]`` distributions; returns bool ``[..., V]``.
    """
    order = np.argsort(-q, axis=-1, kind="stable")  # [..., V]: most probable first
    q_sorted = np.take_along_axis(q, order, axis=-1)  # [..., V]: decreasing
    above = np.cumsum(q_sorted, axis=-1) - q_sorted  # [..., V]: mass ranked above
    keep = np.zeros(q.shape, dtype=bool)  # [..., V]
    np.put_along_axis(keep, order, above < p, axis=-1)  # in the tokens' own order
    return keep


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
    if top_k is not None:
        top_k_mask(logits, top_k)  # checks k
    if top_p is not None:
        top_p = in_interval(top_p, "p", 0.0, 1.0, closed="right")
    return distribution(logits, temperature, top_k, top_p)


def distribution(z, tau: float, k=None, p=None):
    r"""The sampling distribution without checks.

    :math:`q_i \propto \mathbb 1[i \in S]\, e^{z_i/\tau}` for logits ``z``
    ``[..., V]`` and :math:`\tau > 0`; :math:`S` is every token, or the top
    ``k``, then the nucleus of mass ``p`` of the renormalised distribution.
    Returns ``[..., V]``, rows summing to 1.
    """
    z = z / tau  # [..., V]: temperature
    if k is not None:
        z = np.where(top_k(z, k), z, -np.inf)  # outside the top k: e^-inf = 0
    q = softmax(z)  # [..., V]
    if p is not None:
        q = np.where(nucleus(q, p), q, 0.0)  # outside the nucleus: 0
        q /= q.sum(axis=-1, keepdims=True)  # renormalise
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
    return draw(probs, rng)


def draw(q, rng):
    r"""Inverse-CDF sampling without checks.

    The smallest :math:`i` with :math:`\sum_{j \le i} q_j > u`,
    :math:`u \sim U[0, 1)`, for ``q`` ``[..., V]``; returns int64 ``[...]``.
    """
    cdf = np.cumsum(q, axis=-1)  # [..., V]
    u = rng.random((*q.shape[:-1], 1)) * cdf[..., -1:]  # [..., 1], times the total
    i = np.sum(cdf <= u, axis=-1)  # [...]: how many cumulative sums are <= u
    return np.minimum(i, q.shape[-1] - 1).astype(np.int64)  # rounding at the end
