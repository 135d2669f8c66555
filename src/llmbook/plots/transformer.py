r"""Figures of the Transformer (Part II): next-token distributions, attention maps."""

from __future__ import annotations

import numpy as np

from ._base import new_figure

__all__ = [
    "VISIBLE_WHITESPACE",
    "attention_map_figure",
    "next_token_figure",
    "positional_encoding_figure",
    "rank_tokens",
    "token_label",
    "update_attention_map",
    "update_next_token",
]

#: How a label shows characters that would otherwise be invisible on an axis.
VISIBLE_WHITESPACE = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍", "\u3000": "␣"}


def token_label(token) -> str:
    """A token as an axis label: its text, with spaces and line breaks made visible.

    ``" "`` shows as ``"␣"``, ``"\\n"`` as ``"↵"`` (and tab, carriage return, the
    ideographic space likewise, :data:`VISIBLE_WHITESPACE`); every other character,
    the unknown character ``"□"`` included, is shown as it is; an empty token as ``"∅"``.
    ``np.str_`` and other string-likes become plain ``str``.
    """
    text = "".join(VISIBLE_WHITESPACE.get(c, c) for c in str(token))
    return text or "∅"


def _tick_size(n: int) -> float:
    """A tick-label font size that keeps ``n`` labels on one axis from overlapping."""
    return 9.0 if n <= 12 else 8.0 if n <= 16 else 7.0 if n <= 20 else 6.5 if n <= 28 else 6.0


def _per_panel(value, n: int, name: str) -> list:
    """``value`` for each of ``n`` panels: a list of ``n``, or one value repeated."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} must give one entry per panel ({n}), got {len(value)}")
        return list(value)
    return [value] * n


def next_token_figure(probs, k: int = 12, title="", tokens=None, tiebreak=None,
                      pyplot: bool = True, figsize=None):  # fmt: skip
    """The ``k`` largest probabilities of next-token distributions, as bars in decreasing order.

    Args:
        probs: a distribution ``[V]`` (e.g. from
            :func:`llmbook.sampling.next_token_distribution`), or ``[n, V]`` for ``n``
            panels side by side, sharing the probability axis.
        k: number of bars (ranks 1 to ``k``).
        title: the axes title, or one per panel.
        tokens: the ``V`` tokens: each bar is labelled with its token (:func:`token_label`);
            None numbers the bars by rank.
        tiebreak: ``[V]`` scores that order tokens of equal probability, highest first (e.g.
            the logits, so that the tokens a truncation sets to 0 stay in the model's
            order); None: by index.
        pyplot: make the figure through pyplot (a chapter's figure) or standalone (an explorer's).
        figsize: default ``(5.0, 2.8)`` for one panel, ``(2.6 n, 2.8)`` for ``n``.
    Returns:
        a :class:`matplotlib.figure.Figure` with one axes per distribution; bar ``r`` (at
        x = ``r``) of a panel is its ``r``-th largest probability. Redraw a one-panel figure
        with :func:`update_next_token`.
    Raises:
        ValueError: ``probs`` not 1-D or 2-D, titles or tokens of the wrong length.
    """
    probs = np.asarray(probs, dtype=float)
    if probs.ndim not in (1, 2):
        raise ValueError(f"probs must be [V] or [n, V], got shape {probs.shape}")
    single = probs.ndim == 1
    stack = probs[None] if single else probs  # [n, V]
    n = stack.shape[0]
    titles = _per_panel(title, n, "title")
    if tokens is not None and len(tokens) != stack.shape[1]:
        raise ValueError(f"tokens must give the {stack.shape[1]} tokens, got {len(tokens)}")
    figsize = figsize or ((5.0, 2.8) if single else (2.6 * n, 2.8))
    fig = new_figure(figsize, pyplot=pyplot)
    axes = fig.subplots(1, n, squeeze=False, sharey=True)[0]
    for ax, q, t in zip(axes, stack, titles, strict=True):
        order = rank_tokens(q, tiebreak)[:k]  # [k]: most likely first
        ax.bar(np.arange(len(order)) + 1, q[order], color="C0")
        ax.set_title(t, fontsize=10 if single else 9)
        if tokens is None:
            ax.set_xlabel("rank of the token (most likely first)" if single else "rank")
        else:
            _bar_tokens(ax, order, tokens)
            ax.set_xlabel("next token (most likely first)" if single else "next token")
    if single:
        axes[0].set_ylim(0, 1)
        # what update_next_token changes: a renderer may redraw just that (the tokens'
        # labels are redrawn with the rest, when they change)
        fig.llmbook_artists = {"dynamic": [*axes[0].patches, axes[0].title]}
    axes[0].set_ylabel("probability")
    fig.tight_layout()
    return fig


def rank_tokens(q, tiebreak=None) -> np.ndarray:
    """Indices of the probabilities ``q`` ``[V]`` from the largest down, ``[V]``.

    Ties are ordered by ``tiebreak`` ``[V]`` (highest first), then by index.
    """
    if tiebreak is None:
        return np.argsort(-q, kind="stable")
    return np.lexsort((-np.asarray(tiebreak, dtype=float), -q))


def _bar_tokens(ax, order, tokens) -> None:
    ax.set_xticks(np.arange(len(order)) + 1, [token_label(tokens[i]) for i in order],
                  fontsize=_tick_size(len(order)))  # fmt: skip


def update_next_token(fig, probs, title: str = "", tokens=None, tiebreak=None):
    """Show a new distribution ``[V]`` on a one-panel :func:`next_token_figure`.

    The bars take the new ``k`` largest probabilities (as many as the figure has bars) and,
    with ``tokens``, the labels of their tokens (ties ordered by ``tiebreak``, as there).

    Returns:
        ``fig``.
    """
    q = np.asarray(probs, dtype=float)
    ax = fig.axes[0]
    order = rank_tokens(q, tiebreak)[: len(ax.patches)]
    for bar, height in zip(ax.patches, q[order], strict=True):
        bar.set_height(height)
    if tokens is not None:
        labels = [token_label(tokens[i]) for i in order]
        if labels != [t.get_text() for t in ax.get_xticklabels()]:
            _bar_tokens(ax, order, tokens)
            art = getattr(fig, "llmbook_artists", None)
            if isinstance(art, dict):
                art["static_changed"] = True  # the axis under the bars changed
    ax.set_title(title, fontsize=10)
    return fig


def attention_map_figure(weights, titles="", labels=None, cmap="viridis", xlabel="key position",
                         ylabel="query position", pyplot: bool = True, figsize=None):  # fmt: skip
    """Heat maps of attention weights ``[T_q, T_k]`` (rows: queries, columns: keys), on [0, 1].

    Args:
        weights: one map ``[T_q, T_k]``, or ``[n, T_q, T_k]`` for ``n`` maps side by side
            (e.g. the heads of a block, from :func:`llmbook.gpt.attention_weights`).
        titles: a title, or one per map.
        labels: the tokens, written along both axes (``T_k`` strings; the queries are the
            first ``T_q``; spaces and line breaks made visible by :func:`token_label`), or
            None to number the positions.
        cmap: a colour map, or one per map (e.g. ``"Greys"`` for a 0/1 mask).
        xlabel, ylabel: the axes' labels (the y label on the first map only).
        pyplot: make the figure through pyplot (a chapter's figure) or standalone (an explorer's).
        figsize: default ``(3.8, 3.5)`` for one map, ``(2.6 n + 0.6, 3.0)`` for ``n``.
    Returns:
        a :class:`matplotlib.figure.Figure` with one axes (one image) per map; redraw a
        single map with :func:`update_attention_map`.
    Raises:
        ValueError: ``weights`` not 2-D or 3-D, per-map lists or labels of the wrong length.
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim not in (2, 3):
        raise ValueError(f"weights must be [T_q, T_k] or [n, T_q, T_k], got {weights.shape}")
    single = weights.ndim == 2
    stack = weights[None] if single else weights  # [n, T_q, T_k]
    n = stack.shape[0]
    titles, cmaps = _per_panel(titles, n, "titles"), _per_panel(cmap, n, "cmap")
    figsize = figsize or ((3.8, 3.5) if single else (2.6 * n + 0.6, 3.0))
    fig = new_figure(figsize, pyplot=pyplot)
    axes = fig.subplots(1, n, squeeze=False)[0]
    for j, (ax, a, t, c) in enumerate(zip(axes, stack, titles, cmaps, strict=True)):
        ax.imshow(a, cmap=c, vmin=0, vmax=1)
        ax.set_xlabel(xlabel)
        if j == 0:
            ax.set_ylabel(ylabel)
        ax.set_title(t, fontsize=10)
        _token_ticks(ax, a.shape, labels)
    fig.tight_layout()
    if single:  # what update_attention_map changes: a renderer may redraw just that
        ax = axes[0]
        fig.llmbook_artists = {"dynamic": [ax.images[0], ax.title]}
    return fig


def _token_ticks(ax, shape, labels) -> None:
    if labels is None:
        return
    labels = [token_label(s) for s in labels]
    T_q, T_k = shape
    if len(labels) != T_k:
        raise ValueError(f"labels must give the {T_k} tokens, got {len(labels)}")
    size = _tick_size(T_k)
    ax.set_xticks(np.arange(T_k), labels, fontsize=size)
    ax.set_yticks(np.arange(T_q), labels[:T_q], fontsize=size)


def update_attention_map(fig, weights, title: str = "", labels=None):
    """Show new weights ``[T, T']`` (any size) on a one-map :func:`attention_map_figure`.

    Returns:
        ``fig``.
    """
    weights = np.asarray(weights, dtype=float)
    ax = fig.axes[0]
    (image,) = ax.images
    image.set_data(weights)
    T_q, T_k = weights.shape
    labels = None if labels is None else [token_label(s) for s in labels]
    art = getattr(fig, "llmbook_artists", None)
    if isinstance(art, dict):  # the axes change only with the tokens: else redraw the map alone
        if art.get("axes_key") != (weights.shape, labels):
            art["axes_key"], art["static_changed"] = (weights.shape, labels), True
    image.set_extent((-0.5, T_k - 0.5, T_q - 0.5, -0.5))
    if labels is not None:
        _token_ticks(ax, weights.shape, labels)
    ax.set_title(title, fontsize=10)
    return fig


def positional_encoding_figure(pe, title: str = ""):
    """A heat map of positional encodings ``[T, d]``: position along x, coordinate along y.

    Returns:
        a :class:`matplotlib.figure.Figure` (an image of ``pe.T`` on [-1, 1] and its colour bar).
    """
    pe = np.asarray(pe, dtype=float)
    if pe.ndim != 2:
        raise ValueError(f"pe must be [T, d], got shape {pe.shape}")
    fig = new_figure((6.5, 3.4))
    ax = fig.subplots()
    im = ax.imshow(pe.T, aspect="auto", cmap="RdBu", vmin=-1, vmax=1)
    ax.set_xlabel("position t")
    ax.set_ylabel("coordinate")
    ax.set_title(title)
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    return fig
