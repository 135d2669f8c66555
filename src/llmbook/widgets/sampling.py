r"""Sampling the next token (chapter 17): temperature, top-k and top-p.

:func:`sampling_explorer` shows :func:`llmbook.sampling.next_token_distribution` as bars
(:func:`llmbook.plots.next_token_figure`) with the most likely tokens and the entropy.
"""

from __future__ import annotations

import functools
import html

import ipywidgets as w
import numpy as np

from .. import losses, plots, sampling
from .core import Explorer, LiveExplorer, frames, kernel_free, slider

__all__ = ["sampling_explorer", "sampling_values"]


def _token_table(tokens, probs, k, tiebreak=None) -> str:
    order = plots.rank_tokens(np.asarray(probs), tiebreak)[:k]  # the bars' order
    rows = "".join(
        f"<tr><td>{r + 1}</td><td>{html.escape(str(tokens[i]))}</td><td>{probs[i]:.3f}</td></tr>"
        for r, i in enumerate(order)
    )
    return (
        f'<table style="font-size:85%"><tr><th>rank</th><th>token</th><th>p</th></tr>{rows}</table>'
    )


def sampling_values(logits, temperature=1.0, top_k=0, top_p=1.0) -> dict:
    r"""The numbers the sampling explorer shows for one setting of its controls.

    :math:`q = ` :func:`llmbook.sampling.next_token_distribution` of ``logits`` at
    temperature :math:`\tau` (0: greedy), truncated to the ``top_k`` most likely tokens
    (0: no truncation) and then to the nucleus of mass ``top_p`` (1: no truncation); its
    entropy :math:`H(q) = -\sum_i q_i \ln q_i` in nats (0 when one token is certain) and
    the number of tokens that can still be drawn, :math:`|\{i : q_i > 0\}|`. The entropy is
    :func:`llmbook.losses.cross_entropy` of :math:`q` with itself, :math:`H(q) = H(q, q)`.

    Returns:
        dict with ``q`` (``[V]``), ``temperature``, ``top_k``, ``top_p``, ``entropy``,
        ``n_drawable``.
    Raises:
        ValueError: as :func:`llmbook.sampling.next_token_distribution`.
    """
    q = sampling.next_token_distribution(
        logits,
        temperature=temperature,
        top_k=None if top_k == 0 else top_k,
        top_p=None if top_p == 1.0 else top_p,
    )
    if q.ndim != 1:
        raise ValueError(f"logits must be one distribution [V], got shape {q.shape}")
    return {
        "q": q,
        "temperature": float(temperature),
        "top_k": int(top_k),
        "top_p": float(top_p),
        "entropy": losses.cross_entropy(q, q) + 0.0,  # + 0.0: no "-0.0" when one token is certain
        "n_drawable": int(np.count_nonzero(q)),
    }


def _sampling_title(r) -> str:
    cut = []
    if r["top_k"]:
        cut.append(f"top-k {r['top_k']}")
    if r["top_p"] < 1:
        cut.append(f"top-p {r['top_p']:g}")
    return f"τ = {r['temperature']:g}, " + (", ".join(cut) or "no truncation")


def _sampling_draw(fig, r, k_shown, tokens=None, logits=None):
    # Ties (the tokens a truncation sets to 0) stay in the model's order, the logits'.
    if fig is None:
        return plots.next_token_figure(
            r["q"], k_shown, title=_sampling_title(r), tokens=tokens, tiebreak=logits, pyplot=False
        )
    return plots.update_next_token(fig, r["q"], _sampling_title(r), tokens=tokens, tiebreak=logits)


def _sampling_readout(r, tokens, k_shown, logits=None):
    return _token_table(tokens, r["q"], k_shown, logits) + (
        f"<p>tokens that can be drawn: {r['n_drawable']:,}<br>"
        f"entropy H(q) = {r['entropy']:.3f} nats</p>"
    )


def sampling_explorer(logits, tokens, temperatures=(0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0),
                      top_k: int = 5, top_p: float = 0.8, k_shown: int = 12,
                      kernel_free_strip: bool = True) -> Explorer:  # fmt: skip
    r"""Temperature, top-k and top-p applied to one next-token distribution.

    The kernel-free strip: a slider picks the temperature :math:`\tau`, toggle buttons the
    truncation (none, top-k, top-p); each frame shows
    :func:`llmbook.sampling.next_token_distribution` as bars
    (:func:`llmbook.plots.next_token_figure`, each bar labelled with its token) and the
    most likely tokens with their probabilities. The live part has a continuous temperature (0: greedy) and both
    truncations at once, any ``k`` and ``p`` (:func:`sampling_values`).

    Args:
        logits: ``[V]`` logits (e.g. ``log`` of a model's probabilities).
        tokens: the ``V`` tokens, for the bars' labels and the readout.
        temperatures: the strip's slider values, each > 0.
        top_k, top_p: the truncation settings of the strip.
        k_shown: number of tokens drawn and listed.
        kernel_free_strip: build the precomputed strip (False: the live part alone).
    Returns:
        an :class:`Explorer`.
    Raises:
        ValueError: ``tokens`` and ``logits`` of different lengths, or bad settings.
    """
    logits = np.asarray(logits, dtype=float)
    if logits.ndim != 1 or len(tokens) != logits.size:
        raise ValueError(
            f"logits must be 1-D with one entry per token, got {logits.shape} and {len(tokens)} tokens"
        )
    k_shown = min(k_shown, logits.size)
    controls = {
        "temperature": slider("temperature τ", 1.0, 0.0, 3.0, 0.05),
        "top_k": w.IntSlider(
            value=0,
            min=0,
            max=min(50, logits.size),
            description="top-k (0: off)",
            style={"description_width": "initial"},
        ),
        "top_p": slider("top-p (1: off)", 1.0, 0.05, 1.0, 0.05),
    }
    draw = functools.partial(_sampling_draw, k_shown=k_shown, tokens=tokens, logits=logits)
    readout = functools.partial(_sampling_readout, tokens=tokens, k_shown=k_shown, logits=logits)
    live = LiveExplorer(controls, functools.partial(sampling_values, logits), draw, readout)
    strip = None
    if kernel_free_strip:
        options = ["no truncation", f"top-k, k = {top_k}", f"top-p, p = {top_p}"]
        settings = dict(zip(options, [{}, {"top_k": top_k}, {"top_p": top_p}], strict=True))
        render = frames(
            lambda tau, option: sampling_values(logits, temperature=tau, **settings[option]),
            draw,
            readout,
        )
        strip = kernel_free(render, list(temperatures), description="temperature τ",
                            options=options, options_description="truncation",
                            initial=min(3, len(temperatures) - 1))  # fmt: skip
    return Explorer("Sampling: temperature, top-k, top-p", live, strip)
