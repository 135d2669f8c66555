r"""Figures of learning (chapters 2, 3): gradient descent on a surface, a network playground."""

from __future__ import annotations

import numpy as np

from ._base import artists as _artists
from ._base import new_figure
from ._base import static_changed as _static_changed

__all__ = [
    "descent_figure",
    "keras_history_figure",
    "playground_figure",
    "training_and_decision_figure",
    "twin_curves_figure",
    "update_descent",
    "update_playground",
]


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
    fig = new_figure((9.0, 3.0), dpi, pyplot=False)
    a1, a2, a3 = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.1, 1.0, 1.1]})
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
        (same number of units). What an update changes (the maps, the points, the gradient
        profiles, the titles) is listed in ``fig.llmbook_artists["dynamic"]``, so a renderer
        can redraw just that over the rest (:func:`llmbook.widgets.figure_png`) while the
        gradient axes (whole decades, widened but not narrowed by updates) keep their range.
    """
    hidden_maps = np.asarray(hidden_maps, dtype=float)
    units = hidden_maps.shape[0]
    if units > 8:
        raise ValueError(f"at most 8 hidden maps can be drawn, got {units}")
    fig = new_figure((10.0, 3.3), dpi, pyplot=False)
    outer = fig.add_gridspec(1, 3, width_ratios=[1.05, 1.25, 1.25], wspace=0.3)
    ax = fig.add_subplot(outer[0])
    inner = outer[1].subgridspec(2, 4, wspace=0.08, hspace=0.25)
    maps = [fig.add_subplot(inner[i // 4, i % 4]) for i in range(8)]
    ax_g = fig.add_subplot(outer[2])
    art = {
        "ax": ax,
        "ax_g": ax_g,
        "shape": (units,),
        "prob": ax.imshow(prob, extent=extent, origin="lower", cmap="RdBu", vmin=0, vmax=1),
        "maps": [],
    }
    art["points"] = ax.scatter(
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
    art["start"] = ax_g.plot([], [], "o-", color="0.7", lw=1, ms=4, label="step 0")[0]
    art["now"] = ax_g.plot([], [], "o-", color="C3", lw=1.5, ms=5, label="this step")[0]
    ax_g.set_yscale("log")
    ax_g.set_xlabel("layer (input side → output side)", fontsize=8)
    ax_g.set_ylabel("‖∂L/∂W‖", fontsize=8)
    ax_g.tick_params(labelsize=7)
    ax_g.legend(fontsize=7, loc="lower right")
    # The maps, the points over them, the gradient profiles and the titles change on every
    # update; the frames, the legend and the gradient axis (whole decades) mostly stay.
    art["dynamic"] = [art["prob"], art["points"], *art["maps"], ax.title, art["start"],
                      art["now"], ax_g.title]  # fmt: skip
    fig.llmbook_artists = art
    update_playground(fig, prob, hidden_maps, grad_norms, k, title)
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.15, top=0.88)
    return fig


def update_playground(fig, prob, hidden_maps, grad_norms, k, title="", X=None, y=None):
    """Redraw :func:`playground_figure` in place; arguments as there (``X``, ``y``: new data).

    The gradient panel takes any number of layers.

    Raises:
        ValueError: a different number of hidden units than the figure has.
    """
    art = _artists(fig)
    hidden_maps = np.asarray(hidden_maps, dtype=float)
    grad_norms = np.asarray(grad_norms, dtype=float)
    if (hidden_maps.shape[0],) != art["shape"]:
        raise ValueError(
            f"the figure has {art['shape'][0]} units, got {hidden_maps.shape[0]}; draw a new figure"
        )
    art["prob"].set_data(prob)
    if X is not None:
        art["points"].set_offsets(np.asarray(X, dtype=float))
        art["points"].set_array(np.asarray(y, dtype=float))
    for image, values in zip(art["maps"], hidden_maps, strict=True):
        image.set_data(values)
        lo, hi = float(values.min()), float(values.max())
        image.set_clim(lo, hi if hi > lo else lo + 1e-12)
    layers = grad_norms.shape[1]
    layer_ids = np.arange(1, layers + 1)
    step = min(k, grad_norms.shape[0] - 1)
    ax_g = art["ax_g"]
    art["start"].set_data(layer_ids, grad_norms[0])
    art["now"].set_data(layer_ids, grad_norms[step])
    positive = grad_norms[grad_norms > 0]
    lo, hi = (positive.min() / 2, positive.max() * 2) if positive.size else (0.1, 10.0)
    lo, hi = 10.0 ** np.floor(np.log10(lo)), 10.0 ** np.ceil(np.log10(hi))  # whole decades
    n = layers
    if "span" in art:  # the axes only widen (up to 8 decades): most updates keep them still
        n_old, lo_old, hi_old = art["span"]
        n = max(n, n_old)
        if max(hi, hi_old) / min(lo, lo_old) <= 1e8:
            lo, hi = min(lo, lo_old), max(hi, hi_old)
    art["span"] = (n, lo, hi)
    if _static_changed(art, (n, lo, hi)):
        ax_g.set_xticks(np.arange(1, n + 1))
        ax_g.set_xlim(0.7, n + 0.3)
        ax_g.set_ylim(lo, hi)
    ax_g.set_title(f"gradient per layer, step {step}", fontsize=9)
    art["ax"].set_title(title, fontsize=9)
    return fig


# ---------------------------------------------------------------------------
# The chapters' figures of training runs.
# ---------------------------------------------------------------------------


def training_and_decision_figure(losses, grid, prob, points, labels):
    r"""Left: a network's training loss per step (log scale). Right: its :math:`P(\text{class } 1)`
    over the plane, with labelled points on top.

    Args:
        losses: the loss per step, ``[steps]``.
        grid: the coordinates of the map along each axis, ``[g]``.
        prob: the network's output on the grid, ``[g, g]`` (rows along the second coordinate).
        points, labels: points ``[n, 2]`` (e.g. the test set) and their classes ``[n]``.
    Returns:
        a :class:`matplotlib.figure.Figure` with two axes.
    Raises:
        ValueError: ``prob`` not ``[g, g]``.
    """
    grid, prob = np.asarray(grid, dtype=float), np.asarray(prob, dtype=float)
    if prob.shape != (grid.size, grid.size):
        raise ValueError(f"prob must be [{grid.size}, {grid.size}], got {prob.shape}")
    fig = new_figure((9, 3.6))
    left, right = fig.subplots(1, 2)
    left.plot(np.asarray(losses, dtype=float))
    left.set_yscale("log")
    left.set_xlabel("step")
    left.set_title("training loss")
    right.contourf(grid, grid, prob, levels=20, cmap="RdBu_r", alpha=0.6)
    right.scatter(*np.asarray(points, dtype=float).T, c=np.asarray(labels), cmap="RdBu_r", s=12,
                  edgecolors="k", linewidths=0.3)  # fmt: skip
    right.set_title("P(class 1) and the test points")
    right.set_aspect("equal")
    fig.tight_layout()
    return fig


def keras_history_figure(history: dict):
    """Loss and accuracy per epoch, training and validation, from a Keras ``History.history``.

    Args:
        history: with lists ``loss``, ``val_loss``, ``accuracy``, ``val_accuracy``.
    Returns:
        a :class:`matplotlib.figure.Figure` with two axes (loss, accuracy), each with the
        training line first.
    """
    fig = new_figure((9, 3.2))
    axes = fig.subplots(1, 2)
    epochs = np.arange(1, len(history["loss"]) + 1)
    for ax, key, title in [(axes[0], "loss", "binary cross-entropy"), (axes[1], "accuracy", "accuracy")]:  # fmt: skip
        ax.plot(epochs, history[key], "o-", label="training")
        ax.plot(epochs, history["val_" + key], "s-", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.legend()
    fig.tight_layout()
    return fig


def twin_curves_figure(curves: dict):
    """Training loss of two implementations of one run: Keras (thick) and llmbook (dashed).

    Args:
        curves: run name -> ``(llmbook losses, Keras losses)``, each ``[steps]``.
    Returns:
        a :class:`matplotlib.figure.Figure`; per run, its axes' lines are Keras, then llmbook.
    """
    fig = new_figure((6, 3.2))
    ax = fig.subplots()
    for name, (ours, theirs) in curves.items():
        ax.plot(np.asarray(theirs, dtype=float), lw=4, alpha=0.35, label=f"Keras, {name}")
        ax.plot(np.asarray(ours, dtype=float), "k--", lw=1)
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.legend(title="dashed: llmbook")
    fig.tight_layout()
    return fig
