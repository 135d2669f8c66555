r"""Figures of Part III's explorers: a rotary pair turning with the position, expert routing.

Both figures are drawn from numbers computed elsewhere (:mod:`llmbook.rope`,
:mod:`llmbook.moe`, through :mod:`llmbook.widgets.rope` and :mod:`llmbook.widgets.moe`)
and updated in place by their ``update_*`` function.
"""

from __future__ import annotations

import numpy as np

from ._base import artists, new_figure, static_changed

__all__ = [
    "moe_routing_figure",
    "rope_rotation_figure",
    "update_moe_routing",
    "update_rope_rotation",
]


# ---------------------------------------------------------------------------
# RoPE: one pair of the query and the key, and the score against the distance.
# ---------------------------------------------------------------------------


def rope_rotation_figure(values: dict, dpi=72, pyplot: bool = False):
    r"""Left: pair :math:`i` of the query and key, before and after the rotation; right: every score against :math:`m - n`.

    Args:
        values: a dict as from :func:`llmbook.widgets.rope_values`: ``q_pair``, ``k_pair``
            (``[2]``, unrotated), ``q_pair_m``, ``k_pair_n`` (``[2]``, rotated), ``m``, ``n``,
            ``pair``, ``theta``, ``angle``, ``grid_offsets`` and ``grid_scores`` (``[P, P]``: :math:`m' - n'` and
            the score of every pair of positions), ``score``.
        dpi: resolution.
        pyplot: make the figure through pyplot (a chapter's figure) or standalone.
    Returns:
        a :class:`matplotlib.figure.Figure` with two axes; redraw it with
        :func:`update_rope_rotation`.
    """
    fig = new_figure((7.0, 3.0), dpi, pyplot=pyplot)
    ax0, ax1 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.45]})
    art = {"ax0": ax0, "ax1": ax1}
    for a in (ax0.axhline(0, color="0.85", lw=0.8), ax0.axvline(0, color="0.85", lw=0.8)):
        a.set_zorder(0)
    ax0.set_aspect("equal")
    ax0.set_xlabel("pair coordinate 1", fontsize=8)
    ax0.set_ylabel("pair coordinate 2", fontsize=8)
    art["q0"] = ax0.plot([], [], color="C0", lw=1, ls=":")[0]
    art["k0"] = ax0.plot([], [], color="C1", lw=1, ls=":")[0]
    art["q"] = ax0.plot([], [], color="C0", lw=2.2, marker="o", markevery=[1], label="q at m")[0]
    art["k"] = ax0.plot([], [], color="C1", lw=2.2, marker="o", markevery=[1], label="k at n")[0]
    ax0.legend(fontsize=7, loc="lower left", handlelength=1.2)
    ax1.axhline(0, color="0.85", lw=0.8)
    ax1.set_xlabel("m − n (query position − key position)", fontsize=8)
    ax1.set_ylabel("score q_m · k_n", fontsize=8)
    art["grid"] = ax1.plot([], [], "o", color="0.6", ms=3, label="every (m, n)")[0]
    art["same"] = ax1.plot([], [], "o", mfc="none", mec="C2", ms=8, mew=1.4,
                           label="same m − n")[0]  # fmt: skip
    art["now"] = ax1.plot([], [], "o", color="C3", ms=6, label="this (m, n)")[0]
    ax1.legend(fontsize=7, loc="upper right", handlelength=1.0, framealpha=0.9)
    for ax in (ax0, ax1):
        ax.tick_params(labelsize=7)
    art["dynamic"] = [art["q"], art["k"], art["same"], art["now"], ax0.title, ax1.title]
    fig.llmbook_artists = art
    update_rope_rotation(fig, values)
    fig.tight_layout(pad=0.4, w_pad=0.8)
    return fig


def update_rope_rotation(fig, values: dict):
    """Redraw :func:`rope_rotation_figure` for new ``values``; returns ``fig``."""
    art = artists(fig)
    ax0, ax1 = art["ax0"], art["ax1"]
    q0, k0 = np.asarray(values["q_pair"]), np.asarray(values["k_pair"])
    offsets = np.asarray(values["grid_offsets"]).ravel()
    scores = np.asarray(values["grid_scores"]).ravel()
    if static_changed(art, (q0, k0, offsets, scores)):
        art["q0"].set_data([0, q0[0]], [0, q0[1]])
        art["k0"].set_data([0, k0[0]], [0, k0[1]])
        r = 1.15 * max(np.hypot(*q0), np.hypot(*k0), 1e-9)
        ax0.set_xlim(-r, r)
        ax0.set_ylim(-r, r)
        art["grid"].set_data(offsets, scores)
        pad = 0.08 * max(np.ptp(scores), 1e-9)
        ax1.set_ylim(scores.min() - pad, scores.max() + 3.5 * pad)  # room for the legend
        ax1.set_xlim(offsets.min() - 0.7, offsets.max() + 0.7)
    q, k = np.asarray(values["q_pair_m"]), np.asarray(values["k_pair_n"])
    art["q"].set_data([0, q[0]], [0, q[1]])
    art["k"].set_data([0, k[0]], [0, k[1]])
    m, n = values["m"], values["n"]
    same = offsets == m - n
    art["same"].set_data(offsets[same], scores[same])
    art["now"].set_data([m - n], [values["score"]])
    i, angle = values["pair"], values["angle"]
    ax0.set_title(
        f"pair {i}, θ = {values['theta']:.3g}: angle (m − n)θ = {angle:.2f} rad", fontsize=8
    )
    ax1.set_title(f"m = {m}, n = {n}: score {values['score']:.3f} at m − n = {m - n}", fontsize=8)
    return fig


# ---------------------------------------------------------------------------
# MoE: the routing matrix (tokens x experts) and the load per expert.
# ---------------------------------------------------------------------------


def moe_routing_figure(values: dict, dpi=72, pyplot: bool = False):
    r"""Left: each token's assignments to experts, kept (coloured by gate) or dropped (×); right: load per expert and the capacity.

    Args:
        values: a dict as from :func:`llmbook.widgets.moe_values`: ``gate_matrix``
            (``[E, N]``, the gate of each kept assignment, NaN elsewhere), ``dropped_at``
            (``[D, 2]``: token and expert of each dropped assignment), ``kept`` and
            ``dropped`` (``[E]``), ``capacity`` (int or None), ``title``.
        dpi: resolution.
        pyplot: make the figure through pyplot (a chapter's figure) or standalone.
    Returns:
        a :class:`matplotlib.figure.Figure`; redraw it with :func:`update_moe_routing`.
    """
    G = np.asarray(values["gate_matrix"])
    E, N = G.shape
    fig = new_figure((7.4, 2.9), dpi, pyplot=pyplot)
    ax0, ax1 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.3, 1]})
    art = {"ax0": ax0, "ax1": ax1, "shape": (E, N)}
    art["image"] = ax0.imshow(G, aspect="auto", cmap="viridis", vmin=0, vmax=1,
                              interpolation="nearest")  # fmt: skip
    art["drops"] = ax0.plot([], [], "x", color="red", ms=5, mew=1.5, label="dropped")[0]
    ax0.set_xlabel("token", fontsize=8)
    ax0.set_ylabel("expert", fontsize=8)
    ax0.set_yticks(range(E))
    ax0.set_xlim(-0.5, N - 0.5)
    ax0.set_ylim(E - 0.5, -0.5)
    fig.colorbar(art["image"], ax=ax0, fraction=0.04, pad=0.02).set_label("gate", fontsize=8)
    art["kept_bars"] = ax1.bar(range(E), np.zeros(E), color="C0", label="kept")
    art["drop_bars"] = ax1.bar(range(E), np.zeros(E), color="C3", label="dropped")
    art["cap"] = ax1.axhline(0, color="k", ls="--", lw=1, label="capacity C")
    ax1.set_xlabel("expert", fontsize=8)
    ax1.set_ylabel("assignments", fontsize=8)
    ax1.set_xticks(range(E))
    ax1.legend(fontsize=7, loc="upper right", framealpha=0.9)
    for ax in (ax0, ax1):
        ax.tick_params(labelsize=7)
    # What an update moves; the axes, ticks, colour bar and legends are drawn once.
    art["dynamic"] = [art["image"], art["drops"], *art["kept_bars"], *art["drop_bars"],
                      art["cap"], ax0.title, ax1.title]  # fmt: skip
    fig.llmbook_artists = art
    update_moe_routing(fig, values)
    fig.tight_layout(pad=0.4, w_pad=0.6)
    return fig


def update_moe_routing(fig, values: dict):
    """Redraw :func:`moe_routing_figure` for new ``values`` (same numbers of tokens and experts); returns ``fig``."""
    art = artists(fig)
    G = np.asarray(values["gate_matrix"])
    if G.shape != art["shape"]:
        raise ValueError(f"gate_matrix must keep the figure's shape {art['shape']}, got {G.shape}")
    art["image"].set_data(G)
    drops = np.asarray(values["dropped_at"]).reshape(-1, 2)
    art["drops"].set_data(drops[:, 0], drops[:, 1])
    kept, dropped = np.asarray(values["kept"]), np.asarray(values["dropped"])
    for bar, h in zip(art["kept_bars"], kept, strict=True):
        bar.set_height(h)
    for bar, b, h in zip(art["drop_bars"], kept, dropped, strict=True):
        bar.set_y(b)
        bar.set_height(h)
    cap = values["capacity"]
    art["cap"].set_visible(cap is not None)
    art["cap"].set_ydata([cap or 0, cap or 0])
    # The axis holds 0.6 N assignments, more only when the bars need it, so that it rarely
    # changes as the controls move (a change redraws the whole figure); a capacity above
    # it is given in the title.
    top = max(0.6 * art["shape"][1], 1.15 * int(np.max(kept + dropped)) + 1)
    top = 4 * int(np.ceil(top / 4))
    if static_changed(art, (top,)):
        art["ax1"].set_ylim(0, top)
    art["ax0"].set_title(values["title"], fontsize=8)
    above = " (above the axis)" if cap is not None and cap > top else ""
    art["ax1"].set_title("no capacity limit" if cap is None else f"C = {cap}{above}", fontsize=8)
    return fig
