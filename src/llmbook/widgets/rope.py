r"""Rotary positions (chapter 20): :func:`rope_explorer`.

A query at position :math:`m` and a key at position :math:`n` are rotated by
:func:`llmbook.rope.apply_rope`; their score :math:`(R_m\mathbf q)\cdot(R_n\mathbf k)` depends
on the positions only through :math:`m - n`. The explorer turns one pair of coordinates as
the positions move and plots the score of every pair of positions against :math:`m - n`
(:func:`llmbook.plots.rope_rotation_figure`).
"""

from __future__ import annotations

import functools

import ipywidgets as w
import numpy as np

from .. import plots, rope
from .core import Explorer, LiveExplorer, frames, kernel_free, readout_table

__all__ = ["rope_explorer", "rope_values"]


def rope_values(q, k, m: int, n: int, pair: int = 0, positions: int = 10,
                base: float = 10000.0) -> dict:  # fmt: skip
    r"""The numbers the RoPE explorer shows: a query at :math:`m`, a key at :math:`n`, and every score.

    With :math:`R_m` the rotation of :func:`llmbook.rope.apply_rope` (layout ``"half"``:
    pair :math:`i` is :math:`(x_i, x_{i+d/2})`), the score is
    :math:`s(m, n) = (R_m\mathbf q)\cdot(R_n\mathbf k)`; pair :math:`i` contributes
    :math:`(R_m\mathbf q)_i\cdot(R_n\mathbf k)_i` and the angle between its two rotated
    halves grows by :math:`(m - n)\theta_i`. The grid is :math:`s(m', n')` for all
    :math:`0 \le m', n' <` ``positions``.

    Args:
        q, k: ``[d]`` (:math:`d` even), the query and key before rotation.
        m, n: positions of the query and the key, integers >= 0.
        pair: the pair :math:`i` drawn, ``0 <= pair < d/2``.
        positions: size :math:`P` of the grid of positions.
        base: the frequency base of :func:`llmbook.rope.rope_frequencies`.
    Returns:
        dict with ``score``, ``pair_score``, ``angle`` (:math:`(m-n)\theta_i`), ``theta``,
        ``q_pair``, ``k_pair`` (``[2]``, unrotated), ``q_pair_m``, ``k_pair_n`` (``[2]``,
        rotated), ``grid_offsets``, ``grid_scores`` (``[P, P]``, row :math:`m'`, column
        :math:`n'`), ``m``, ``n``, ``pair``.
    Raises:
        ValueError: ``q``, ``k`` not two ``[d]`` vectors of one even width; positions not
        integers >= 0; ``pair`` out of range; as :func:`llmbook.rope.apply_rope`.
    """
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    if q.ndim != 1 or q.shape != k.shape:
        raise ValueError(f"q and k must be two vectors [d] of one width, got {q.shape}, {k.shape}")
    for name, v in (("m", m), ("n", n), ("positions", positions)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {v!r}")
    if positions < 1:
        raise ValueError("positions must be >= 1")
    h = q.size // 2
    if isinstance(pair, bool) or not isinstance(pair, (int, np.integer)) or not 0 <= pair < h:
        raise ValueError(f"pair must be an integer in [0, {h - 1}], got {pair!r}")
    q_m = rope.apply_rope(q[None], [m], base=base)[0]  # [d]
    k_n = rope.apply_rope(k[None], [n], base=base)[0]  # [d]
    P = int(positions)
    Q = rope.apply_rope(np.tile(q, (P, 1)), base=base)  # [P, d]: q at positions 0..P-1
    K = rope.apply_rope(np.tile(k, (P, 1)), base=base)  # [P, d]
    idx = [pair, pair + h]  # the pair's two coordinates in the "half" layout
    theta = float(rope.rope_frequencies(q.size, base)[pair])
    return {
        "score": float(q_m @ k_n),
        "pair_score": float(q_m[idx] @ k_n[idx]),
        "angle": (m - n) * theta,
        "theta": theta,
        "q_pair": q[idx],
        "k_pair": k[idx],
        "q_pair_m": q_m[idx],
        "k_pair_n": k_n[idx],
        "grid_offsets": np.subtract.outer(np.arange(P), np.arange(P)),  # [P, P]: m' - n'
        "grid_scores": Q @ K.T,  # [P, P]
        "m": int(m),
        "n": int(n),
        "pair": int(pair),
    }


def _rope_draw(fig, r):
    if fig is None:
        return plots.rope_rotation_figure(r)
    return plots.update_rope_rotation(fig, r)


def _rope_readout(r) -> str:
    return readout_table(
        [
            ("query position m", r["m"]),
            ("key position n", r["n"]),
            ("m − n", r["m"] - r["n"]),
            ("score q<sub>m</sub> · k<sub>n</sub>", r["score"]),
            (f"pair {r['pair']}'s share", r["pair_score"]),
            (f"θ<sub>{r['pair']}</sub>", r["theta"]),
            ("angle (m − n)θ (rad)", r["angle"]),
        ]
    )


def rope_explorer(d_head: int = 8, positions: int = 8, key_positions=(0, 3, 6), pairs=(0, 1),
                  seed: int = 0, kernel_free_strip: bool = True) -> Explorer:  # fmt: skip
    r"""A query and a key turning with their positions; their score depends only on :math:`m - n`.

    The kernel-free strip: a slider moves the query's position :math:`m`; buttons pick the
    key's position :math:`n` and the pair :math:`i` drawn. Left, pair :math:`i` of the
    query and of the key (dotted: before rotation; solid: turned by :math:`m\theta_i` and
    :math:`n\theta_i`); right, the score of every pair of positions against :math:`m - n`,
    the current one in red and all those at the same distance ringed: they have the same
    score. The live part has every :math:`m`, :math:`n`, pair and a choice of random
    vectors (:func:`rope_values`).

    Args:
        d_head: width of the head, even.
        positions: the positions offered, ``0 .. positions - 1``.
        key_positions: the key positions offered by the strip's buttons.
        pairs: the pairs offered by the strip's buttons.
        seed: seed of the random query and key (standard normal).
        kernel_free_strip: build the precomputed strip (False: the live part alone).
    Returns:
        an :class:`Explorer`.
    """
    if positions < 2:
        raise ValueError(f"positions must be >= 2, got {positions}")

    @functools.lru_cache(maxsize=8)
    def vectors(s):
        rng = np.random.default_rng(s)
        return rng.normal(size=d_head), rng.normal(size=d_head)

    def compute(seed, m, n, pair):
        return rope_values(*vectors(seed), m, n, pair=pair, positions=positions)

    def slide(description, value):
        return w.IntSlider(value=value, min=0, max=positions - 1, description=description,
                           style={"description_width": "initial"})  # fmt: skip

    controls = {
        "m": slide("query position m", 5),
        "n": slide("key position n", 2),
        "pair": w.IntSlider(
            value=0,
            min=0,
            max=d_head // 2 - 1,
            description="pair i",
            style={"description_width": "initial"},
        ),
        "seed": w.IntSlider(
            value=seed,
            min=0,
            max=20,
            description="random q, k (seed)",
            style={"description_width": "initial"},
        ),
    }
    live = LiveExplorer(controls, compute, _rope_draw, _rope_readout)
    strip = None
    if kernel_free_strip:
        ms = list(range(positions))
        # No readout beside the frames: the titles carry the score, m − n and the angle, and
        # a readout per frame would add about a third to the strip's weight on the page.
        render = frames(lambda m, n, i: compute(seed, m, n, i), _rope_draw)
        strip = kernel_free(render, ms, description="query position m",
                            options={"key position n": list(key_positions), "pair i": list(pairs)},
                            initial=min(5, positions - 1), play=True)  # fmt: skip
    return Explorer("Rotary positions: the score depends only on m − n", live, strip)
