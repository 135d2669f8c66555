r"""Mixture-of-experts routing (chapter 22): :func:`moe_explorer`.

Tokens are routed by :func:`llmbook.moe.route` (top-:math:`k` gating and the experts'
capacity); the loads come from :func:`llmbook.moe.routing_loads` and the balancing loss from
:func:`llmbook.moe.load_balancing_loss`. The picture is
:func:`llmbook.plots.moe_routing_figure`.
"""

from __future__ import annotations

import functools

import ipywidgets as w
import numpy as np

from .. import moe, plots
from .core import Explorer, LiveExplorer, frames, kernel_free, readout_table, slider

__all__ = ["moe_batch", "moe_explorer", "moe_values"]


def moe_batch(seed: int, n_tokens: int = 32, d_model: int = 16, n_expert: int = 8,
              scale: float = 0.5):  # fmt: skip
    r"""A random batch and router: tokens :math:`X \sim \mathcal N(0, 1)` ``[N, d]``, :math:`W_r \sim \mathcal N(0, \mathrm{scale}^2)` ``[d, E]``.

    The sizes and scale of chapter 22's example; ``seed`` picks the batch.
    """
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_tokens, d_model)), rng.normal(scale=scale, size=(d_model, n_expert))


def moe_values(x, W_r, k: int = 2, capacity_factor: float | None = 1.0) -> dict:
    r"""The numbers the MoE explorer shows: one batch routed to :math:`k` experts each, with capacity.

    :func:`llmbook.moe.route` gives the top-:math:`k` experts and gates and which
    assignments fit in :math:`C = \lfloor c\,kN/E \rfloor`;
    :func:`llmbook.moe.routing_loads` the load per expert and the tokens with every
    assignment dropped (the residual connection passes them on unchanged);
    :func:`llmbook.moe.load_balancing_loss` the balancing loss :math:`E\sum_i f_i P_i`.

    Args:
        x: tokens ``[N, d]``; W_r: router ``[d, E]``.
        k: experts per token.
        capacity_factor: :math:`c > 0`, or None for no limit.
    Returns:
        dict with ``routing`` (:class:`llmbook.moe.Routing`), ``capacity``, ``routed``,
        ``kept``, ``dropped`` (``[E]``), ``n_dropped``, ``passed_through``, ``aux``,
        ``gate_matrix`` (``[E, N]``: the gate of each kept assignment, NaN elsewhere),
        ``dropped_at`` (``[D, 2]``: token and expert of each dropped assignment), ``k``,
        ``capacity_factor``, ``n_assignments`` (:math:`kN`), ``title``.
    Raises:
        TypeError, ValueError: as :func:`llmbook.moe.route`.
    """
    r = moe.route(x, W_r, k, capacity_factor)
    loads = moe.routing_loads(r)
    N, E = r.logits.shape
    G = np.full((E, N), np.nan)  # [E, N]
    tok, slot = np.nonzero(r.keep)
    G[r.experts[tok, slot], tok] = r.gates[tok, slot]
    drop_t, drop_j = np.nonzero(~r.keep)
    cf = "none" if capacity_factor is None else f"{capacity_factor:g}"
    return {
        "routing": r,
        "capacity": r.capacity,
        **loads,
        "n_dropped": int(loads["dropped"].sum()),
        "aux": moe.load_balancing_loss(r.logits, r.experts),
        "gate_matrix": G,
        "dropped_at": np.stack([drop_t, r.experts[drop_t, drop_j]], axis=1),  # [D, 2]
        "k": int(k),
        "capacity_factor": capacity_factor,
        "n_assignments": int(r.experts.size),
        "title": f"{N} tokens, top-{k} of {E} experts, capacity factor {cf}",
    }


def _moe_draw(fig, r):
    if fig is None or fig.llmbook_artists["shape"] != r["gate_matrix"].shape:
        return plots.moe_routing_figure(r)
    return plots.update_moe_routing(fig, r)


def _moe_readout(r) -> str:
    return readout_table(
        [
            ("assignments kN", r["n_assignments"]),
            ("capacity C per expert", "none" if r["capacity"] is None else r["capacity"]),
            ("dropped assignments", r["n_dropped"]),
            ("tokens passed through unchanged", r["passed_through"]),
            ("balancing loss E Σ f<sub>i</sub> P<sub>i</sub>", r["aux"]),
        ]
    )


def moe_explorer(capacity_factors=(0.5, 1.0, 1.25, 2.0), top_ks=(1, 2), seeds=(0, 1, 2),
                 n_tokens: int = 32, n_expert: int = 8,
                 kernel_free_strip: bool = True) -> Explorer:  # fmt: skip
    r"""Tokens routed to experts: the load on each and what the capacity drops.

    The kernel-free strip: a slider picks the capacity factor :math:`c`, buttons the number
    of experts per token :math:`k` and the batch. Left, the routing matrix (tokens ×
    experts): each kept assignment coloured by its gate, each dropped one a red ×; right,
    each expert's kept and dropped assignments and the capacity :math:`C`. The readout
    counts the dropped assignments, the tokens passed through unchanged and the balancing
    loss. The live part has any :math:`c` (or none), :math:`k` up to :math:`E`, any batch
    and batch size (:func:`moe_values` of :func:`moe_batch`).

    Args:
        capacity_factors: the strip's slider values, each > 0.
        top_ks: the strip's values of :math:`k`.
        seeds: the strip's batches (seeds of :func:`moe_batch`).
        n_tokens, n_expert: sizes of the batch and the layer.
        kernel_free_strip: build the precomputed strip (False: the live part alone).
    Returns:
        an :class:`Explorer`.
    """

    @functools.lru_cache(maxsize=16)
    def batch(seed, n):
        return moe_batch(seed, n_tokens=n, n_expert=n_expert)

    def compute(seed, k, capacity_factor, limit, n_tokens):
        return moe_values(*batch(seed, n_tokens), k, capacity_factor if limit else None)

    style = {"description_width": "initial"}
    controls = {
        "capacity_factor": slider("capacity factor c", 1.0, 0.25, 4.0, 0.05),
        "k": w.IntSlider(value=2, min=1, max=n_expert, description="top-k", style=style),
        "seed": w.IntSlider(value=0, min=0, max=50, description="batch (seed)", style=style),
        "limit": w.Checkbox(value=True, description="capacity limit", indent=False),
        "n_tokens": w.IntSlider(
            value=n_tokens, min=4, max=128, description="tokens N", style=style
        ),
    }
    live = LiveExplorer(controls, compute, _moe_draw, _moe_readout)
    strip = None
    if kernel_free_strip:
        cfs = list(capacity_factors)
        batches = {f"batch {i + 1}": s for i, s in enumerate(seeds)}
        render = frames(
            lambda c, k, name: compute(batches[name], k, c, True, n_tokens), _moe_draw, _moe_readout
        )
        strip = kernel_free(render, cfs, description="capacity factor c",
                            options={"top-k": list(top_ks), "batch": list(batches)},
                            initial=cfs.index(1.0) if 1.0 in cfs else 0,
                            initial_options=[len(top_ks) - 1, 0])  # fmt: skip
    return Explorer("Mixture of experts: routing, load and capacity", live, strip)
