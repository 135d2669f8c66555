r"""How a neuron learns (chapters 3 and 4): the loss, backpropagation, the learning rate.

:func:`loss_explorer` (:mod:`llmbook.losses`, :mod:`llmbook.backprop`),
:func:`backprop_explorer` (:func:`llmbook.backprop.train_single_neuron`) and
:func:`learning_rate_explorer` (:mod:`llmbook.descent`); the pictures are
:mod:`llmbook.plots`' ``loss_comparison_figure``, ``training_figure`` and ``descent_figure``.
"""

from __future__ import annotations

import functools

import ipywidgets as w
import numpy as np

from .. import backprop, descent, losses, plots
from ..display import trace_table
from .core import Explorer, LiveExplorer, frames, kernel_free, readout_table, slider

__all__ = [
    "SURFACE_1D",
    "SURFACE_2D",
    "backprop_explorer",
    "backprop_values",
    "learning_rate_explorer",
    "learning_rate_values",
    "loss_explorer",
    "loss_values",
]


_SE, _CE = "squared error (y − p)²", "cross-entropy"


def loss_values(z, y_true=1.0):
    r"""Both losses of the prediction :math:`p = \sigma(z)` for target ``y_true``, and their gradients in :math:`z`.

    Squared error :math:`(y - p)^2` and its :math:`\partial L/\partial z = -2(y - p)\,\sigma'(z)`
    come from :func:`llmbook.backprop.single_neuron_step` (a neuron with :math:`x = 1`,
    :math:`w = z`, :math:`b = 0`). Cross-entropy :math:`-[y\ln p + (1-y)\ln(1-p)]` and
    :math:`\partial L/\partial z = p - y` come from
    :func:`llmbook.losses.softmax_cross_entropy` on the two logits :math:`(0, z)`, whose
    softmax is :math:`(1 - \sigma(z), \sigma(z))`: computed from the logit, it stays
    finite where :math:`p` rounds to 0 or 1.

    Returns a dict with ``z``, ``y_true``, ``p`` and, per loss label, ``(L, dL_dz)``.
    Raises:
        ValueError: ``y_true`` outside [0, 1], non-finite input.
    """
    if not 0 <= y_true <= 1:
        raise ValueError(f"y_true must be in [0, 1], got {y_true}")
    step = backprop.single_neuron_step(1.0, z, 0.0, y_true, lr=1.0)
    labels, logits = np.array([1.0 - y_true, y_true]), np.array([0.0, z])
    ce = losses.softmax_cross_entropy(labels, logits)
    ce_grad = float(losses.softmax_cross_entropy_grad(labels, logits)[1])
    return {
        "z": float(z),
        "y_true": float(y_true),
        "p": step.y,
        _SE: (step.loss, step.dloss_dz),
        _CE: (ce, ce_grad),
    }


@functools.lru_cache(maxsize=64)
def _loss_curves(y_true, lo, hi, n=161):
    grid = np.linspace(lo, hi, n)
    rows = [loss_values(z, y_true) for z in grid]
    return grid, {k: tuple(np.array([r[k][i] for r in rows]) for i in (0, 1)) for k in (_SE, _CE)}


def _loss_draw(fig, r):
    z = r["z"]
    grid, curves = _loss_curves(r["y_true"], min(-10.0, z - 1.0), max(10.0, z + 1.0))
    point = {k: r[k] for k in (_SE, _CE)}
    if fig is None:
        return plots.loss_comparison_figure(grid, curves, z, point, r["y_true"], dpi=80)
    return plots.update_loss_comparison(fig, grid, curves, z, point, r["y_true"])


def _loss_readout(r):
    (se, dse), (ce, dce) = r[_SE], r[_CE]
    ratio = "∞" if dse == 0 else f"{abs(dce / dse):.3g}"
    return readout_table(
        [
            ("p = σ(z)", f"{r['p']:.4g}"),
            ("squared error", f"{se:.4g}"),
            ("∂/∂z squared error", f"{dse:.4g}"),
            ("cross-entropy", f"{ce:.4g}"),
            ("∂/∂z cross-entropy", f"{dce:.4g}"),
            ("|gradient ratio| CE / SE", ratio),
        ]
    )


def loss_explorer(kernel_free_strip: bool = True) -> Explorer:
    r"""Squared error and cross-entropy of a sigmoid output as its logit moves, with their gradients.

    When the sigmoid saturates on the wrong side (target 1, :math:`z \ll 0`), the squared
    error's gradient carries the factor :math:`\sigma'(z) \approx 0` and learning stalls;
    cross-entropy's gradient :math:`p - y` stays near :math:`-1`.
    """
    controls = {
        "z": slider("logit z", -4.0, -10, 10, 0.1),
        "y_true": slider("target y", 1.0, 0, 1, 0.05),
    }
    live = LiveExplorer(controls, loss_values, _loss_draw, _loss_readout)
    strip = None
    if kernel_free_strip:
        render = frames(loss_values, _loss_draw, _loss_readout)  # target y = 1
        zs = np.arange(-8.0, 8.01, 1.0)
        strip = kernel_free(
            render, zs, description="logit z (target 1)", labels=[f"{z:g}" for z in zs], initial=4
        )
    return Explorer("Squared error vs cross-entropy on a sigmoid output", live, strip)


@functools.lru_cache(maxsize=32)
def _history(x, w_, b, y_true, lr, steps, activation):
    return backprop.train_single_neuron(x, w_, b, y_true, lr, steps=steps, activation=activation)


def backprop_values(x, w, b, y_true, lr, steps=100, k=0, activation="sigmoid"):
    r"""Train the single neuron for ``steps`` steps and return step ``k``'s trace.

    The run is :func:`llmbook.backprop.train_single_neuron`; step ``k`` holds every
    intermediate value (:math:`z, y, L, \partial L/\partial y, \partial y/\partial z,
    \partial L/\partial w, \partial L/\partial b`, new :math:`w`, new :math:`b`).

    Returns a dict with ``step`` (a :class:`~llmbook.backprop.NeuronStep`), ``k``,
    ``losses`` and ``outputs`` (shape ``(steps,)``) and ``y_true``.
    Raises:
        ValueError: ``lr <= 0`` ("lr must be positive"), ``k`` outside [0, steps), and as
            :func:`llmbook.backprop.single_neuron_step`.
    """
    steps, k = int(steps), int(k)
    if not 0 <= k < steps:
        raise ValueError(f"k must be in [0, {steps - 1}], got {k}")
    history = _history(float(x), float(w), float(b), float(y_true), float(lr), steps, activation)
    return {
        "step": history[k],
        "k": k,
        "losses": np.array([s.loss for s in history]),
        "outputs": np.array([s.y for s in history]),
        "y_true": float(y_true),
    }


def _backprop_draw(fig, r):
    args = (r["losses"], r["outputs"], r["y_true"], r["k"])
    if fig is None:
        return plots.training_figure(*args, dpi=80)
    return plots.update_training(fig, *args)


def _backprop_readout(r):
    return f"<p><b>step {r['k']}</b></p>" + trace_table(r["step"])._repr_html_()


def backprop_explorer(kernel_free_strip: bool = True) -> Explorer:
    r"""The article's single neuron trained step by step, every intermediate value shown.

    Defaults are the article's example: :math:`x = 1`, :math:`w = 0.5`, :math:`b = 0.2`,
    sigmoid, target 0.8, learning rate 0.1, loss :math:`(y_{true} - y)^2`. The live
    version has every input, a Step button and the iteration slider; the kernel-free strip
    steps through iterations of the article's example with a Play button.
    """
    controls = {
        "x": slider("x", 1.0, -5, 5, 0.1),
        "w": slider("w", 0.5, -10, 10, 0.1),
        "b": slider("b", 0.2, -10, 10, 0.1),
        "y_true": slider("target", 0.8, 0, 1, 0.05),
        "lr": slider("learning rate", 0.1, 0, 5, 0.01),
        "activation": w.Dropdown(
            options=["sigmoid", "tanh", "relu"],
            value="sigmoid",
            description="f",
            layout=w.Layout(width="180px"),
        ),
        "steps": w.IntSlider(
            value=100, min=2, max=1000, description="steps", continuous_update=False
        ),
        "k": w.IntSlider(value=0, min=0, max=99, description="iteration", continuous_update=False),
    }

    # Registered before the explorer's own observer, so k is clamped before it recomputes.
    def on_steps(change):
        controls["k"].max = change["new"] - 1

    controls["steps"].observe(on_steps, names="value")
    step_button = w.Button(description="Step ▶", layout=w.Layout(width="90px"))
    reset_button = w.Button(description="Reset", layout=w.Layout(width="90px"))
    live = LiveExplorer(
        controls,
        backprop_values,
        _backprop_draw,
        _backprop_readout,
        buttons=(step_button, reset_button),
    )

    step_button.on_click(
        lambda _b: setattr(controls["k"], "value", min(controls["k"].value + 1, controls["k"].max))
    )
    reset_button.on_click(lambda _b: setattr(controls["k"], "value", 0))
    live.step_button, live.reset_button = step_button, reset_button
    strip = None
    if kernel_free_strip:
        ks = [0, 1, 2, 3, 4, 5, 10, 20, 50, 100, 200, 299]
        render = frames(
            lambda k: backprop_values(1.0, 0.5, 0.2, 0.8, 0.1, steps=300, k=k),
            _backprop_draw,
            _backprop_readout,
        )
        strip = kernel_free(render, ks, description="iteration", play=True)
    return Explorer("Backpropagation, one step at a time (the article's neuron)", live, strip)


#: The explorer's surfaces: f(x) = 4x²/2 and f(x) = (x₁² + 4x₂²)/2, same stiffest curvature.
SURFACE_1D = descent.Quadratic([4.0])
SURFACE_2D = descent.Quadratic([1.0, 4.0])
_X0_1D, _X0_2D = (2.0,), (-2.0, 1.5)


def learning_rate_values(lr, steps=25):
    r"""Gradient descent with learning rate ``lr`` on :data:`SURFACE_1D` and :data:`SURFACE_2D`.

    Returns a dict with ``lr``, ``path_1d`` and ``path_2d``
    (:class:`~llmbook.descent.Trajectory`), ``regime_1d`` and ``regime_2d``
    (:func:`llmbook.descent.regime`) and ``factors_1d``/``factors_2d``
    (:math:`1 - \alpha\lambda_i`).
    Raises:
        ValueError: ``lr <= 0`` ("lr must be positive"), bad ``steps``.
    """
    return {
        "lr": float(lr),
        "path_1d": descent.gradient_descent(SURFACE_1D, _X0_1D, lr, steps=int(steps)),
        "path_2d": descent.gradient_descent(SURFACE_2D, _X0_2D, lr, steps=int(steps)),
        "regime_1d": descent.regime(lr, SURFACE_1D.curvatures),
        "regime_2d": descent.regime(lr, SURFACE_2D.curvatures),
        "factors_1d": descent.contraction_factors(lr, SURFACE_1D.curvatures),
        "factors_2d": descent.contraction_factors(lr, SURFACE_2D.curvatures),
    }


def _lr_titles(r):
    return (
        f"f(x) = 2x²:  {r['regime_1d']}",
        f"f(x) = (x₁² + 4x₂²)/2:  {r['regime_2d']}",
    )


def _lr_draw(fig, r):
    if fig is None:
        return plots.descent_figure(
            SURFACE_1D, SURFACE_2D, r["path_1d"], r["path_2d"], _lr_titles(r), dpi=80
        )
    return plots.update_descent(fig, r["path_1d"], r["path_2d"], _lr_titles(r))


def _lr_readout(r):
    def last(path):
        return f"{path.values[-1]:.3g}" + (" (stopped: diverged)" if path.diverged else "")

    return readout_table(
        [
            ("learning rate α", f"{r['lr']:g}"),
            ("1-D: 1 − αλ", ", ".join(f"{v:.3g}" for v in r["factors_1d"])),
            ("1-D regime", r["regime_1d"]),
            ("1-D final loss", last(r["path_1d"])),
            ("2-D: 1 − αλᵢ", ", ".join(f"{v:.3g}" for v in r["factors_2d"])),
            ("2-D regime", r["regime_2d"]),
            ("2-D final loss", last(r["path_2d"])),
        ]
    )


def learning_rate_explorer(kernel_free_strip: bool = True) -> Explorer:
    r"""Gradient descent on :math:`f(x) = 2x^2` and :math:`f(\mathbf x) = (x_1^2 + 4x_2^2)/2` for a chosen learning rate.

    Both surfaces have the same largest curvature 4, so both diverge for
    :math:`\alpha > 2/4 = 0.5`; the 2-D surface also has a flat direction
    (curvature 1) that a small :math:`\alpha` crosses slowly. Regimes as in
    :func:`llmbook.descent.regime`.
    """
    controls = {
        "lr": slider("learning rate α", 0.1, 0, 0.7, 0.005, fmt=".3f"),
        "steps": w.IntSlider(
            value=25, min=1, max=100, description="steps", continuous_update=False
        ),
    }
    live = LiveExplorer(controls, learning_rate_values, _lr_draw, _lr_readout)
    strip = None
    if kernel_free_strip:
        rates = [0.01, 0.03, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.52, 0.55]
        render = frames(learning_rate_values, _lr_draw)
        strip = kernel_free(render, rates, description="learning rate α", initial=3)
    return Explorer("The learning rate: gradient descent on two surfaces", live, strip)
