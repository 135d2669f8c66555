r"""Sampling the next token (chapter 17): temperature, top-k and top-p.

:func:`sampling_explorer` shows :func:`llmbook.sampling.next_token_distribution` as bars
(:func:`llmbook.plots.next_token_figure`) with the most likely tokens and the entropy, for
one distribution or for a model's next-token logits after each of several prompts;
:func:`settings_figure` puts several settings side by side, with the table of the same numbers.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping

import ipywidgets as w
import numpy as np

from .. import losses, plots, sampling
from .core import Explorer, LiveExplorer, frames, kernel_free, slider

__all__ = [
    "prompt_label",
    "sampling_explorer",
    "sampling_values",
    "setting_name",
    "settings_figure",
]


def _token_table(tokens, probs, k, tiebreak=None) -> str:
    order = plots.rank_tokens(np.asarray(probs), tiebreak)[:k]  # the bars' order
    rows = "".join(
        f"<tr><td>{r + 1}</td><td>{html.escape(str(tokens[i]))}</td><td>{probs[i]:.3f}</td></tr>"
        for r, i in enumerate(order)
    )
    return (
        f'<table style="font-size:85%"><tr><th>rank</th><th>token</th><th>p</th></tr>{rows}</table>'
    )


def _logits_of(logits, prompt):
    """The ``[V]`` logits of ``prompt`` in a table ``{prompt: [V]}``, or ``logits`` itself."""
    if isinstance(logits, Mapping):
        if prompt not in logits:
            raise ValueError(f"prompt must be one of {list(logits)}, got {prompt!r}")
        return logits[prompt]
    if prompt is not None:
        raise ValueError("a prompt can only be chosen from a table {prompt: logits}")
    return logits


def sampling_values(logits, temperature=1.0, top_k=0, top_p=1.0, prompt=None) -> dict:
    r"""The numbers the sampling explorer shows for one setting of its controls.

    :math:`q = ` :func:`llmbook.sampling.next_token_distribution` of ``logits`` at
    temperature :math:`\tau` (0: greedy), truncated to the ``top_k`` most likely tokens
    (0: no truncation) and then to the nucleus of mass ``top_p`` (1: no truncation); its
    entropy :math:`H(q) = -\sum_i q_i \ln q_i` in nats (0 when one token is certain) and
    the number of tokens that can still be drawn, :math:`|\{i : q_i > 0\}|`. The entropy is
    :func:`llmbook.losses.cross_entropy` of :math:`q` with itself, :math:`H(q) = H(q, q)`.

    Args:
        logits: ``[V]``, or a table ``{prompt: [V]}`` (e.g. a model's
            :func:`llmbook.decoding.next_token_logits` after each prompt).
        temperature, top_k, top_p: the controls.
        prompt: with a table, the prompt whose logits are used.
    Returns:
        dict with ``q`` (``[V]``), ``logits`` (the ``[V]`` used), ``prompt``,
        ``temperature``, ``top_k``, ``top_p``, ``entropy``, ``n_drawable``.
    Raises:
        ValueError: as :func:`llmbook.sampling.next_token_distribution`; a prompt not in
            the table, or a prompt without a table.
    """
    z = _logits_of(logits, prompt)
    q = sampling.next_token_distribution(
        z,
        temperature=temperature,
        top_k=None if top_k == 0 else top_k,
        top_p=None if top_p == 1.0 else top_p,
    )
    if q.ndim != 1:
        raise ValueError(f"logits must be one distribution [V], got shape {q.shape}")
    return {
        "q": q,
        "logits": np.asarray(z, dtype=float),
        "prompt": prompt,
        "temperature": float(temperature),
        "top_k": int(top_k),
        "top_p": float(top_p),
        "entropy": losses.cross_entropy(q, q) + 0.0,  # + 0.0: no "-0.0" when one token is certain
        "n_drawable": int(np.count_nonzero(q)),
    }


def setting_name(temperature=1.0, top_k=0, top_p=1.0) -> str:
    """A setting in words: ``"τ = 1, top-k 5"``, ``"τ = 0.5, no truncation"``."""
    cut = []
    if top_k:
        cut.append(f"top-k {top_k}")
    if top_p < 1:
        cut.append(f"top-p {top_p:g}")
    return f"τ = {temperature:g}, " + (", ".join(cut) or "no truncation")


def prompt_label(prompt: str) -> str:
    """A prompt as the explorer's buttons and titles show it: a newline as ↵."""
    return prompt.replace("\n", "↵")


def _sampling_title(r) -> str:
    name = setting_name(r["temperature"], r["top_k"], r["top_p"])
    return name if r["prompt"] is None else f"after {prompt_label(r['prompt'])}: {name}"


def _sampling_draw(fig, r, k_shown, tokens=None):
    # Ties (the tokens a truncation sets to 0) stay in the model's order, the logits'.
    if fig is None:
        return plots.next_token_figure(r["q"], k_shown, title=_sampling_title(r), tokens=tokens,
                                       tiebreak=r["logits"], pyplot=False)  # fmt: skip
    return plots.update_next_token(
        fig, r["q"], _sampling_title(r), tokens=tokens, tiebreak=r["logits"]
    )


def _sampling_readout(r, tokens, k_shown):
    return _token_table(tokens, r["q"], k_shown, r["logits"]) + (
        f"<p>tokens that can be drawn: {r['n_drawable']:,}<br>"
        f"entropy H(q) = {r['entropy']:.3f} nats</p>"
    )


def settings_figure(logits, tokens, settings, k_shown: int = 12, figsize=None):
    r"""Several settings applied to one next-token distribution: bars and the matching table.

    Each setting (``dict`` of :func:`sampling_values`'s keywords, e.g.
    ``{"temperature": 0.5}`` or ``{"top_k": 5}``) gives one panel of
    :func:`llmbook.plots.next_token_figure` (the ``k_shown`` most likely tokens of
    :math:`q`, ties in the order of the logits) and one table row: the setting's name
    (:func:`setting_name`), the probability :math:`q` gives the model's most likely token,
    the number of tokens that can be drawn and the entropy :math:`H(q)`. Both come from the
    same :func:`sampling_values`, so the figure and the table cannot disagree.

    Args:
        logits: ``[V]``.
        tokens: the ``V`` tokens, for the bars' labels.
        settings: a list of settings, one panel each.
        k_shown: bars per panel.
    Returns:
        ``(fig, rows)``, ``rows`` a list of ``(name, p_top, n_drawable, entropy)``.
    Raises:
        ValueError: as :func:`sampling_values`; no settings.
    """
    if not settings:
        raise ValueError("settings must hold at least one setting")
    values = [sampling_values(logits, **kw) for kw in settings]
    names = [setting_name(v["temperature"], v["top_k"], v["top_p"]) for v in values]
    qs = np.array([v["q"] for v in values])  # [settings, V]
    z = values[0]["logits"]  # [V]
    top = int(np.argmax(z))  # the model's most likely token (the lowest id among ties)
    fig = plots.next_token_figure(qs, k=min(k_shown, z.size), title=names, tokens=tokens,
                                  tiebreak=z, figsize=figsize)  # fmt: skip
    rows = [(n, float(v["q"][top]), v["n_drawable"], v["entropy"])
            for n, v in zip(names, values, strict=True)]  # fmt: skip
    return fig, rows


def sampling_explorer(logits, tokens, temperatures=(0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0),
                      top_k: int = 5, top_p: float = 0.8, k_shown: int = 12,
                      kernel_free_strip: bool = True,
                      title: str = "Sampling: temperature, top-k, top-p") -> Explorer:  # fmt: skip
    r"""Temperature, top-k and top-p applied to next-token distributions.

    The kernel-free strip: a slider picks the temperature :math:`\tau`, toggle buttons the
    truncation (none, top-k, top-p) and, given a table of logits, the prompt; each frame
    shows :func:`llmbook.sampling.next_token_distribution` as bars
    (:func:`llmbook.plots.next_token_figure`, each bar labelled with its token) and the
    most likely tokens with their probabilities. The live part has a continuous temperature
    (0: greedy), both truncations at once, any ``k`` and ``p``, and the prompt
    (:func:`sampling_values`).

    Args:
        logits: ``[V]`` logits (e.g. ``log`` of a model's probabilities), or a table
            ``{prompt: [V]}`` of a model's logits after each prompt
            (:func:`llmbook.decoding.next_token_logits`).
        tokens: the ``V`` tokens, for the bars' labels and the readout.
        temperatures: the strip's slider values, each > 0.
        top_k, top_p: the truncation settings of the strip.
        k_shown: number of tokens drawn and listed.
        kernel_free_strip: build the precomputed strip (False: the live part alone).
        title: the explorer's title (say which model the logits come from).
    Returns:
        an :class:`Explorer`.
    Raises:
        ValueError: ``tokens`` and ``logits`` of different lengths, an empty table, or bad
            settings.
    """
    table = dict(logits) if isinstance(logits, Mapping) else None
    if table is not None and not table:
        raise ValueError("the table of logits must hold at least one prompt")
    table = {p: np.asarray(z, dtype=float) for p, z in table.items()} if table else None
    every = list(table.values()) if table else [np.asarray(logits, dtype=float)]
    for z in every:
        if z.ndim != 1 or len(tokens) != z.size:
            raise ValueError(
                f"logits must be 1-D with one entry per token, got {z.shape} and {len(tokens)} tokens"
            )
    V = every[0].size
    k_shown = min(k_shown, V)
    controls = {}
    if table:
        controls["prompt"] = w.Dropdown(
            options=[(prompt_label(p), p) for p in table],
            description="prompt",
            style={"description_width": "initial"},
            layout=w.Layout(width="220px"),
        )
    controls |= {
        "temperature": slider("temperature τ", 1.0, 0.0, 3.0, 0.05),
        "top_k": w.IntSlider(
            value=0,
            min=0,
            max=min(50, V),
            description="top-k (0: off)",
            style={"description_width": "initial"},
        ),
        "top_p": slider("top-p (1: off)", 1.0, 0.05, 1.0, 0.05),
    }
    source = table if table else every[0]
    draw = functools.partial(_sampling_draw, k_shown=k_shown, tokens=tokens)
    readout = functools.partial(_sampling_readout, tokens=tokens, k_shown=k_shown)
    live = LiveExplorer(controls, functools.partial(sampling_values, source), draw, readout)
    strip = None
    if kernel_free_strip:
        options = ["no truncation", f"top-k, k = {top_k}", f"top-p, p = {top_p}"]
        settings = dict(zip(options, [{}, {"top_k": top_k}, {"top_p": top_p}], strict=True))
        if table:
            labels = {prompt_label(p): p for p in table}
            rows = {"prompt": list(labels), "truncation": options}

            def compute(tau, label, option):
                return sampling_values(table, temperature=tau, prompt=labels[label],
                                       **settings[option])  # fmt: skip
        else:
            rows = {"truncation": options}

            def compute(tau, option):
                return sampling_values(source, temperature=tau, **settings[option])

        strip = kernel_free(frames(compute, draw, readout), list(temperatures),
                            description="temperature τ", options=rows,
                            initial=min(3, len(temperatures) - 1))  # fmt: skip
    return Explorer(title, live, strip)
