"""Pure figure functions: data in, a matplotlib Figure out.

The chapters' static figures and the interactive explorers both call these, so
a picture is drawn by one piece of code wherever it appears. None of them
computes mathematics of its own: the values come from the tested modules.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from . import activations

__all__ = [
    "activation_figure",
    "activation_panels_figure",
    "attention_map_figure",
    "descent_figure",
    "loss_comparison_figure",
    "loss_curve_figure",
    "next_token_figure",
    "playground_figure",
    "training_figure",
    "update_activation_panels",
    "update_descent",
    "update_loss_comparison",
    "update_playground",
    "update_training",
]


def activation_figure(names=("sigmoid", "tanh", "relu"), z=None, marks=None):
    r"""Each activation :math:`f(z)` (top row) and its derivative :math:`f'(z)` (bottom row).

    Args:
        names: activation names known to :func:`llmbook.activations.get`.
        z: the grid of inputs, 1-D (default 401 points on [-6, 6]).
        marks: optional mapping name -> z value to mark with a dot on both curves.
    Returns:
        a :class:`matplotlib.figure.Figure` with ``2 * len(names)`` axes.
    """
    z = np.linspace(-6, 6, 401) if z is None else np.asarray(z, dtype=float)
    marks = marks or {}
    fig, axes = plt.subplots(
        2, len(names), figsize=(3.2 * len(names), 4.8), squeeze=False, sharex=True
    )
    for j, name in enumerate(names):
        f, f_grad = activations.get(name)
        top, bottom = axes[0, j], axes[1, j]
        top.plot(z, f(z), color="C0")
        bottom.plot(z, f_grad(z), color="C1")
        top.set_title(name)
        if name in marks:
            z0 = marks[name]
            top.plot([z0], [f(z0)], "o", color="C3")
            bottom.plot([z0], [f_grad(z0)], "o", color="C3")
        for ax in (top, bottom):
            ax.axhline(0, color="0.8", lw=0.8)
            ax.axvline(0, color="0.8", lw=0.8)
        bottom.set_xlabel("z")
    axes[0, 0].set_ylabel("f(z)")
    axes[1, 0].set_ylabel("f'(z)")
    fig.tight_layout()
    return fig


def loss_curve_figure(loss_values, title="Loss during training", xlabel="step", log=False):
    """A line plot of a sequence of loss values.

    Args:
        loss_values: 1-D sequence of numbers.
        title, xlabel: labels.
        log: use a logarithmic y axis.
    Returns:
        a :class:`matplotlib.figure.Figure`.
    """
    values = np.asarray(loss_values, dtype=float)
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.plot(np.arange(len(values)), values, marker="." if len(values) < 60 else None)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    if log:
        ax.set_yscale("log")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# Figures of the interactive explorers. Each ``*_figure`` function draws a new
# figure; its ``update_*`` partner moves the same figure's artists in place
# (``set_data`` on lines and markers), which is what a live control calls.
# The artists to move are kept in ``fig.llmbook_artists``.
# ---------------------------------------------------------------------------


def _artists(fig):
    try:
        return fig.llmbook_artists
    except AttributeError:
        raise ValueError("fig was not made by an llmbook.plots *_figure function") from None


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bool(np.array_equal(a, b))
    return a == b


def _static_changed(art, key) -> bool:
    """Record ``key`` (what the still parts of a figure depend on); True if it changed.

    A renderer may then redraw only ``art["dynamic"]`` (markers, titles, paths) over a
    saved background while ``art["static_changed"]`` stays False.
    """
    old = art.get("key")
    same = old is not None and len(old) == len(key) and all(map(_same, old, key))
    if not same:
        art["key"] = key
        art["static_changed"] = True
    return not same


def _z_grid(z0, half_width=8.0, n=401):
    """A grid of inputs covering [-half_width, half_width] and the point ``z0``."""
    lo, hi = min(-half_width, z0 - 1.0), max(half_width, z0 + 1.0)
    return np.linspace(lo, hi, n)


def _shade(ax, z, mask, old=None):
    if old is not None:
        old.remove()
    return ax.fill_between(
        z, 0, 1, where=mask, transform=ax.get_xaxis_transform(), color="C7", alpha=0.18, lw=0
    )


def activation_panels_figure(names=("sigmoid", "tanh", "relu"), z=1.3, threshold=0.01, dpi=80):
    r"""Each activation :math:`f` (top) and :math:`f'` (bottom), the point ``z`` marked, saturation shaded.

    The shaded band is where :math:`f'(z) <` ``threshold``: a neuron there passes back
    almost no gradient (for ReLU: exactly none, for :math:`z \le 0`).

    Args:
        names: activation names known to :func:`llmbook.activations.get`.
        z: the marked input (the grid widens to include it).
        threshold: the derivative below which the curve counts as saturated.
        dpi: resolution of the figure.
    Returns:
        a :class:`matplotlib.figure.Figure` with ``2 * len(names)`` axes; redraw it for
        new values with :func:`update_activation_panels`.
    """
    fig, axes = plt.subplots(
        2, len(names), figsize=(2.6 * len(names) + 0.6, 3.6), squeeze=False, dpi=dpi
    )
    art = {"names": tuple(names), "cols": [], "dynamic": []}
    for j in range(len(names)):
        top, bottom = axes[0, j], axes[1, j]
        col = {
            "f": top.plot([], [], color="C0")[0],
            "g": bottom.plot([], [], color="C1")[0],
            "fp": top.plot([], [], "o", color="C3", ms=6)[0],
            "gp": bottom.plot([], [], "o", color="C3", ms=6)[0],
            "top": top,
            "bottom": bottom,
            "shade": [None, None],
        }
        for ax in (top, bottom):
            ax.axhline(0, color="0.8", lw=0.8)
            ax.axvline(0, color="0.8", lw=0.8)
            ax.tick_params(labelsize=8)
        bottom.set_xlabel("z", fontsize=9)
        art["cols"].append(col)
        art["dynamic"] += [col["fp"], col["gp"], top.title, bottom.title]
    axes[0, 0].set_ylabel("f(z)", fontsize=9)
    axes[1, 0].set_ylabel("f'(z)", fontsize=9)
    fig.llmbook_artists = art
    update_activation_panels(fig, z, threshold, names=names)
    fig.tight_layout(pad=0.4, h_pad=0.2, w_pad=0.6)
    return fig


def update_activation_panels(fig, z, threshold=0.01, names=None):
    """Move the marked point of :func:`activation_panels_figure` to ``z`` (and change the curves).

    Args:
        fig: a figure made by :func:`activation_panels_figure`.
        z: the new input.
        threshold: the saturation threshold on :math:`f'`.
        names: new activation names, one per column (default: keep them).
    Returns:
        ``fig``.
    """
    art = _artists(fig)
    names = art["names"] if names is None else tuple(names)
    if len(names) != len(art["cols"]):
        raise ValueError(f"names must give {len(art['cols'])} activations, got {len(names)}")
    z = float(z)
    grid = _z_grid(z)
    rebuild = _static_changed(art, (names, grid[0], grid[-1], float(threshold)))
    for name, col in zip(names, art["cols"], strict=True):
        f, f_grad = activations.get(name)
        if rebuild:
            fz, gz = f(grid), f_grad(grid)
            col["f"].set_data(grid, fz)
            col["g"].set_data(grid, gz)
            mask = gz < threshold
            col["shade"][0] = _shade(col["top"], grid, mask, col["shade"][0])
            col["shade"][1] = _shade(col["bottom"], grid, mask, col["shade"][1])
            for ax, values in ((col["top"], fz), (col["bottom"], gz)):
                ax.set_xlim(grid[0], grid[-1])
                lo, hi = float(values.min()), float(values.max())
                pad = 0.08 * (hi - lo) if hi > lo else 0.5
                ax.set_ylim(min(lo, 0.0) - pad, hi + pad)
        col["fp"].set_data([z], [f(z)])
        col["gp"].set_data([z], [f_grad(z)])
        col["top"].set_title(f"{name}({z:.3g}) = {float(f(z)):.4g}", fontsize=9)
        col["bottom"].set_title(f"{name}'({z:.3g}) = {float(f_grad(z)):.4g}", fontsize=9)
    art["names"] = names
    return fig


def loss_comparison_figure(z_grid, curves, z, point, y_true, dpi=80):
    r"""Two losses of a sigmoid output :math:`p = \sigma(z)` (left) and their gradients :math:`\partial L/\partial z` (right).

    Args:
        z_grid: the logits of the curves, shape ``(n,)``.
        curves: mapping loss label -> ``(L, dL_dz)``, two arrays of shape ``(n,)`` each.
        z: the marked logit.
        point: mapping loss label -> ``(L, dL_dz)`` at ``z``.
        y_true: the target, shown in the title.
        dpi: resolution.
    Returns:
        a :class:`matplotlib.figure.Figure`; redraw with :func:`update_loss_comparison`.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.6, 3.0), dpi=dpi)
    art = {"left": left, "right": right, "lines": {}, "dynamic": [left.title, right.title]}
    for i, label in enumerate(curves):
        c = f"C{i}"
        art["lines"][label] = (
            left.plot([], [], color=c, label=label)[0],
            right.plot([], [], color=c, label=label)[0],
            left.plot([], [], "o", color=c, ms=6)[0],
            right.plot([], [], "o", color=c, ms=6)[0],
        )
        art["dynamic"] += art["lines"][label][2:]
    for ax in (left, right):
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.set_xlabel("logit z   (prediction p = σ(z))", fontsize=9)
        ax.tick_params(labelsize=8)
    left.set_ylabel("loss L", fontsize=9)
    right.set_ylabel("gradient ∂L/∂z", fontsize=9)
    left.legend(fontsize=8, loc="upper center")
    fig.llmbook_artists = art
    update_loss_comparison(fig, z_grid, curves, z, point, y_true)
    fig.tight_layout(pad=0.4)
    return fig


def update_loss_comparison(fig, z_grid, curves, z, point, y_true):
    """Redraw :func:`loss_comparison_figure` in place; arguments as there."""
    art = _artists(fig)
    z_grid = np.asarray(z_grid, dtype=float)
    arrays = [np.asarray(a, dtype=float) for label in curves for a in curves[label]]
    rebuild = _static_changed(art, (tuple(curves), z_grid, *arrays))
    for label in curves:
        line_l, line_r, dot_l, dot_r = art["lines"][label]
        if rebuild:
            loss, grad = curves[label]
            line_l.set_data(z_grid, loss)
            line_r.set_data(z_grid, grad)
        dot_l.set_data([z], [point[label][0]])
        dot_r.set_data([z], [point[label][1]])
    for ax, k in ((art["left"], 0), (art["right"], 1)) if rebuild else ():
        values = np.concatenate([np.asarray(curves[label][k], dtype=float) for label in curves])
        values = values[np.isfinite(values)]
        lo, hi = float(values.min()), float(values.max())
        pad = 0.08 * (hi - lo) if hi > lo else 0.5
        ax.set_xlim(z_grid[0], z_grid[-1])
        ax.set_ylim(min(lo, 0.0) - pad, hi + pad)
    art["left"].set_title(f"target y = {y_true:g},  p = σ({z:.3g})", fontsize=9)
    art["right"].set_title(
        "  ".join(f"{label}: {point[label][1]:+.3g}" for label in curves), fontsize=9
    )
    return fig


def training_figure(losses, outputs, y_true, k=0, dpi=80):
    r"""A run of gradient descent on one neuron: the loss (log scale) and the output :math:`y` per step, step ``k`` marked.

    Args:
        losses: the loss before each update, shape ``(n,)``.
        outputs: the neuron's output before each update, shape ``(n,)``.
        y_true: the target, drawn as a dashed line.
        k: the marked step, ``0 <= k < n``.
        dpi: resolution.
    Returns:
        a :class:`matplotlib.figure.Figure`; redraw with :func:`update_training`.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.6, 2.8), dpi=dpi)
    art = {
        "left": left,
        "right": right,
        "loss": left.plot([], [], color="C0")[0],
        "loss_k": left.plot([], [], "o", color="C3", ms=6)[0],
        "y": right.plot([], [], color="C2")[0],
        "y_k": right.plot([], [], "o", color="C3", ms=6)[0],
        "target": right.axhline(0, color="0.4", ls="--", lw=1),
    }
    art["dynamic"] = [art["loss_k"], art["y_k"], left.title, right.title]
    left.set_xlabel("step", fontsize=9)
    right.set_xlabel("step", fontsize=9)
    left.set_ylabel("loss L", fontsize=9)
    right.set_ylabel("output y", fontsize=9)
    left.set_yscale("log")
    for ax in (left, right):
        ax.tick_params(labelsize=8)
    fig.llmbook_artists = art
    update_training(fig, losses, outputs, y_true, k)
    fig.tight_layout(pad=0.4)
    return fig


def update_training(fig, losses, outputs, y_true, k):
    """Redraw :func:`training_figure` in place; arguments as there."""
    art = _artists(fig)
    losses = np.asarray(losses, dtype=float)
    outputs = np.asarray(outputs, dtype=float)
    if not 0 <= k < len(losses):
        raise ValueError(f"k must be in [0, {len(losses) - 1}], got {k}")
    art["loss_k"].set_data([k], [losses[k]])
    art["y_k"].set_data([k], [outputs[k]])
    left, right = art["left"], art["right"]
    if _static_changed(art, (losses, outputs, float(y_true))):
        steps = np.arange(len(losses))
        art["loss"].set_data(steps, losses)
        art["y"].set_data(steps, outputs)
        art["target"].set_ydata([y_true, y_true])
        xmax = max(len(losses) - 1, 1)
        left.set_xlim(-0.02 * xmax, 1.02 * xmax)
        right.set_xlim(-0.02 * xmax, 1.02 * xmax)
        positive = losses[losses > 0]
        lo, hi = (float(positive.min()), float(positive.max())) if positive.size else (1e-3, 1.0)
        left.set_ylim(lo / 1.5, hi * 1.5 if hi > lo else lo * 10)
        ys = np.concatenate([outputs, [y_true]])
        pad = 0.08 * (ys.max() - ys.min()) if ys.max() > ys.min() else 0.1
        right.set_ylim(ys.min() - pad, ys.max() + pad)
    left.set_title(f"step {k}: L = {losses[k]:.4g}", fontsize=9)
    right.set_title(f"step {k}: y = {outputs[k]:.4f}  (target {y_true:g})", fontsize=9)
    return fig


def descent_figure(surface_1d, surface_2d, path_1d, path_2d, titles=("", ""), dpi=80):
    r"""Gradient descent on a 1-D and a 2-D quadratic surface: the paths and the loss per step.

    Args:
        surface_1d, surface_2d: :class:`llmbook.descent.Quadratic` surfaces of dimension 1 and 2.
        path_1d, path_2d: their :class:`llmbook.descent.Trajectory` runs.
        titles: a title for each surface's panel.
        dpi: resolution.
    Returns:
        a :class:`matplotlib.figure.Figure` with three axes; redraw with :func:`update_descent`.
    """
    fig, (a1, a2, a3) = plt.subplots(
        1, 3, figsize=(9.0, 3.0), dpi=dpi, gridspec_kw={"width_ratios": [1.1, 1.0, 1.1]}
    )
    x = np.linspace(-2.2, 2.2, 201)
    a1.plot(x, surface_1d.value(x[:, None]), color="0.6")
    gx, gy = np.meshgrid(np.linspace(-2.2, 2.2, 81), np.linspace(-2.2, 2.2, 81))
    values = surface_2d.value(np.stack([gx, gy], axis=-1))  # [81, 81]
    a2.contour(gx, gy, values, levels=np.geomspace(0.02, 10, 9), colors="0.7", linewidths=0.8)
    a2.plot([0], [0], "+", color="k")
    art = {
        "a1": a1,
        "a2": a2,
        "a3": a3,
        "p1": a1.plot([], [], "o-", color="C3", ms=3, lw=1)[0],
        "p2": a2.plot([], [], "o-", color="C3", ms=3, lw=1)[0],
        "l1": a3.plot([], [], ".-", color="C0", label="1-D", lw=1)[0],
        "l2": a3.plot([], [], ".-", color="C1", label="2-D", lw=1)[0],
    }
    art["dynamic"] = [art[k] for k in ("p1", "p2", "l1", "l2")] + [a1.title, a2.title]
    a1.set_xlim(-2.2, 2.2)
    a1.set_ylim(-0.3, float(surface_1d.value(np.array([2.2]))) * 1.05)
    a1.set_xlabel("x", fontsize=9)
    a2.set_xlim(-2.2, 2.2)
    a2.set_ylim(-2.2, 2.2)
    a2.set_aspect("equal")
    a2.set_xlabel("x₁", fontsize=9)
    a2.set_ylabel("x₂", fontsize=9)
    a3.set_yscale("log")
    a3.set_xlabel("step", fontsize=9)
    a3.set_ylabel("loss f(x)", fontsize=9)
    a3.legend(fontsize=8, loc="center right")
    for ax in (a1, a2, a3):
        ax.tick_params(labelsize=8)
    fig.llmbook_artists = art
    update_descent(fig, path_1d, path_2d, titles)
    fig.tight_layout(pad=0.4)
    return fig


def update_descent(fig, path_1d, path_2d, titles=("", "")):
    """Redraw :func:`descent_figure` for new trajectories; arguments as there."""
    art = _artists(fig)
    p1, p2 = path_1d.points, path_2d.points
    art["p1"].set_data(p1[:, 0], path_1d.values)
    art["p2"].set_data(p2[:, 0], p2[:, 1])
    art["l1"].set_data(np.arange(len(path_1d.values)), path_1d.values)
    art["l2"].set_data(np.arange(len(path_2d.values)), path_2d.values)
    values = np.concatenate([path_1d.values, path_2d.values])
    positive = values[values > 0]
    # A fixed floor (losses below 1e-12 count as converged) and a ceiling rounded up to a
    # whole decade, so most new paths keep the same axes and only the paths are redrawn.
    lo = -12.0
    hi = max(np.ceil(np.log10(float(positive.max()))), 1.0) if positive.size else 1.0
    n = max(len(path_1d.values), len(path_2d.values))
    if _static_changed(art, (lo, hi, n)):
        art["a3"].set_ylim(10.0**lo, 10.0**hi)
        art["a3"].set_xlim(-0.5, n - 0.5)
    art["a1"].set_title(titles[0], fontsize=9)
    art["a2"].set_title(titles[1], fontsize=9)
    return fig


def playground_figure(extent, prob, X, y, hidden_maps, grad_norms, k, title="", dpi=80):
    r"""A small network on a 2-D data set: decision map, the last hidden layer's units, per-layer gradients.

    Args:
        extent: ``(x_min, x_max, y_min, y_max)`` of the maps.
        prob: the network's output :math:`P(y = 1 \mid \mathbf x)` on a grid, ``[g, g]``
            (rows along :math:`x_2`).
        X, y: the data, ``[n, 2]`` and ``[n]`` labels in {0, 1}.
        hidden_maps: each unit of the last hidden layer on the grid, ``[units, g, g]`` (up to 8).
        grad_norms: :math:`\lVert\partial\mathcal L/\partial W^{(l)}\rVert` per training step
            and layer, ``[steps, layers]`` (first layer first); the right panel shows the
            profile across layers at step ``k`` over the one at step 0.
        k: the training step shown.
        title: the decision map's title.
        dpi: resolution.
    Returns:
        a :class:`matplotlib.figure.Figure`; redraw with :func:`update_playground`
        (same number of units and layers).
    """
    hidden_maps = np.asarray(hidden_maps, dtype=float)
    grad_norms = np.asarray(grad_norms, dtype=float)
    units, layers = hidden_maps.shape[0], grad_norms.shape[1]
    if units > 8:
        raise ValueError(f"at most 8 hidden maps can be drawn, got {units}")
    fig = plt.figure(figsize=(10.0, 3.3), dpi=dpi)
    outer = fig.add_gridspec(1, 3, width_ratios=[1.05, 1.25, 1.25], wspace=0.3)
    ax = fig.add_subplot(outer[0])
    inner = outer[1].subgridspec(2, 4, wspace=0.08, hspace=0.25)
    maps = [fig.add_subplot(inner[i // 4, i % 4]) for i in range(8)]
    ax_g = fig.add_subplot(outer[2])
    art = {
        "ax": ax,
        "ax_g": ax_g,
        "shape": (units, layers),
        "prob": ax.imshow(prob, extent=extent, origin="lower", cmap="RdBu", vmin=0, vmax=1),
        "maps": [],
    }
    ax.scatter(
        *np.asarray(X).T,
        c=np.asarray(y),
        cmap="RdBu",
        vmin=-0.3,
        vmax=1.3,
        s=9,
        edgecolors="k",
        linewidths=0.3,
    )
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.tick_params(labelsize=7)
    for i, m in enumerate(maps):
        m.set_xticks([])
        m.set_yticks([])
        if i < units:
            art["maps"].append(m.imshow(hidden_maps[i], extent=extent, origin="lower", cmap="PuOr"))
            m.set_title(f"unit {i + 1}", fontsize=7, pad=2)
        else:
            m.set_visible(False)
    maps[0].text(0, 1.28, "last hidden layer", transform=maps[0].transAxes, fontsize=8)
    layer_ids = np.arange(1, layers + 1)
    art["start"] = ax_g.plot(
        layer_ids, grad_norms[0], "o-", color="0.7", lw=1, ms=4, label="step 0"
    )[0]
    art["now"] = ax_g.plot([], [], "o-", color="C3", lw=1.5, ms=5, label="this step")[0]
    ax_g.set_yscale("log")
    ax_g.set_xticks(layer_ids)
    ax_g.set_xlim(0.7, layers + 0.3)
    ax_g.set_xlabel("layer (input side → output side)", fontsize=8)
    ax_g.set_ylabel("‖∂L/∂W‖", fontsize=8)
    ax_g.tick_params(labelsize=7)
    ax_g.legend(fontsize=7, loc="lower right")
    fig.llmbook_artists = art
    update_playground(fig, prob, hidden_maps, grad_norms, k, title)
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.15, top=0.88)
    return fig


def update_playground(fig, prob, hidden_maps, grad_norms, k, title=""):
    """Redraw :func:`playground_figure` in place; arguments as there.

    Raises:
        ValueError: a different number of hidden units or layers than the figure has.
    """
    art = _artists(fig)
    hidden_maps = np.asarray(hidden_maps, dtype=float)
    grad_norms = np.asarray(grad_norms, dtype=float)
    if (hidden_maps.shape[0], grad_norms.shape[1]) != art["shape"]:
        raise ValueError(
            f"the figure has {art['shape'][0]} units and {art['shape'][1]} layers, got "
            f"{hidden_maps.shape[0]} and {grad_norms.shape[1]}; draw a new figure"
        )
    art["prob"].set_data(prob)
    for image, values in zip(art["maps"], hidden_maps, strict=True):
        image.set_data(values)
        lo, hi = float(values.min()), float(values.max())
        image.set_clim(lo, hi if hi > lo else lo + 1e-12)
    step = min(k, grad_norms.shape[0] - 1)
    art["now"].set_data(np.arange(1, grad_norms.shape[1] + 1), grad_norms[step])
    positive = grad_norms[grad_norms > 0]
    if positive.size:
        art["ax_g"].set_ylim(positive.min() / 2, positive.max() * 2)
    art["ax_g"].set_title(f"gradient per layer, step {step}", fontsize=9)
    art["ax"].set_title(title, fontsize=9)
    return fig


# ---------------------------------------------------------------------------
# Part II: the next-token distribution and attention maps.
# ---------------------------------------------------------------------------


def next_token_figure(probs, k: int = 12, title: str = ""):
    """The ``k`` largest probabilities of a next-token distribution, as bars in decreasing order.

    Args:
        probs: 1-D distribution ``[V]`` (e.g. from :func:`llmbook.sampling.next_token_distribution`).
        k: number of bars.
        title: the axes title.
    Returns:
        a :class:`matplotlib.figure.Figure`.
    """
    probs = np.asarray(probs, dtype=float)
    order = np.argsort(-probs, kind="stable")[:k]
    fig, ax = plt.subplots(figsize=(5.0, 2.8))
    ax.bar(np.arange(len(order)) + 1, probs[order], color="C0")
    ax.set_ylim(0, 1)
    ax.set_xlabel("rank of the token (most likely first)")
    ax.set_ylabel("probability")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def attention_map_figure(weights, title: str = ""):
    """A heat map of attention weights ``[T_q, T_k]`` (rows: queries, columns: keys), on [0, 1].

    Returns:
        a :class:`matplotlib.figure.Figure`.
    """
    weights = np.asarray(weights, dtype=float)
    fig, ax = plt.subplots(figsize=(3.8, 3.5))
    ax.imshow(weights, cmap="viridis", vmin=0, vmax=1)
    ax.set_xlabel("key position")
    ax.set_ylabel("query position")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
