r"""The neuron and its activation functions (chapters 2 and 4): :func:`neuron_explorer`, :func:`activation_explorer`.

Every number comes from :mod:`llmbook.neuron` and :mod:`llmbook.activations`, every
picture from :func:`llmbook.plots.activation_panels_figure`.
"""

from __future__ import annotations

import ipywidgets as w
import numpy as np

from .. import activations, neuron, plots
from .core import Explorer, LiveExplorer, frames, kernel_free, readout_table, slider

__all__ = ["activation_explorer", "activation_values", "neuron_explorer", "neuron_values"]


def neuron_values(x1, x2, w1, w2, b, activation="sigmoid"):
    r"""The numbers the neuron explorer shows: :math:`z = w_1x_1 + w_2x_2 + b`, :math:`y = f(z)`, :math:`f'(z)`.

    Returns a dict with ``x`` and ``w`` (shape ``(2,)``), ``b``, ``activation``, ``z``,
    ``y``, ``dy_dz``. Raises as :func:`llmbook.neuron.weighted_sum`.
    """
    x, wv = np.array([x1, x2], dtype=float), np.array([w1, w2], dtype=float)
    z = neuron.weighted_sum(x, wv, b)
    y = neuron.neuron_output(x, wv, b, activation)
    dy_dz = float(activations.get(activation)[1](z))
    return {
        "x": x,
        "w": wv,
        "b": float(b),
        "activation": activation,
        "z": z,
        "y": y,
        "dy_dz": dy_dz,
    }


def _neuron_draw(fig, r):
    if fig is None:
        return plots.activation_panels_figure((r["activation"],), r["z"], dpi=80)
    return plots.update_activation_panels(fig, r["z"], names=(r["activation"],))


def _neuron_readout(r):
    (x1, x2), (w1, w2), b, z = r["x"], r["w"], r["b"], r["z"]
    f = r["activation"]
    return readout_table(
        [
            ("z = w₁x₁ + w₂x₂ + b", f"{w1:g}·{x1:g} + {w2:g}·{x2:g} + {b:g} = {z:.4f}"),
            (f"y = {f}(z)", f"{r['y']:.4f}"),
            (f"dy/dz = {f}'(z)", f"{r['dy_dz']:.4g}"),
        ]
    )


def neuron_explorer(kernel_free_strip: bool = True) -> Explorer:
    """One neuron: inputs, weights, bias and activation -> the weighted sum, the output and the local derivative.

    The point :math:`(z, f(z))` moves on the activation curve and :math:`(z, f'(z))` on its
    derivative; the shaded band is where the derivative is below 0.01 (saturation). The
    kernel-free strip varies :math:`w_1` with the other values at the book's example
    :math:`x = (1, 2)`, :math:`w_2 = 0.3`, :math:`b = 0.2`, sigmoid.
    """
    controls = {
        "x1": slider("x₁", 1.0, -5, 5, 0.1),
        "x2": slider("x₂", 2.0, -5, 5, 0.1),
        "w1": slider("w₁", 0.5, -10, 10, 0.1),
        "w2": slider("w₂", 0.3, -10, 10, 0.1),
        "b": slider("b", 0.2, -10, 10, 0.1),
        "activation": w.Dropdown(
            options=["sigmoid", "tanh", "relu"],
            value="sigmoid",
            description="f",
            layout=w.Layout(width="180px"),
        ),
    }
    live = LiveExplorer(controls, neuron_values, _neuron_draw, _neuron_readout)
    strip = None
    if kernel_free_strip:
        render = frames(
            lambda w1: neuron_values(1.0, 2.0, w1, 0.3, 0.2, "sigmoid"),
            _neuron_draw,
            _neuron_readout,
        )
        ws = np.round(np.arange(-3.0, 3.01, 0.5), 2)
        strip = kernel_free(
            render, ws, description="weight w₁", initial=int(np.argmin(np.abs(ws - 0.5)))
        )
    return Explorer("The neuron: y = f(w₁x₁ + w₂x₂ + b)", live, strip)


_ACTIVATIONS = ("sigmoid", "tanh", "relu")


def activation_values(z, threshold=0.01):
    r"""Each activation's :math:`f(z)` and :math:`f'(z)` at ``z``, and whether :math:`f'(z) <` ``threshold``.

    Returns a dict with ``z``, ``threshold`` and, per name in ``("sigmoid", "tanh", "relu")``,
    a dict ``{"f": ..., "grad": ..., "saturated": bool}``.
    Raises:
        ValueError: non-finite ``z``; ``threshold`` not positive.
    """
    if not threshold > 0:
        raise ValueError(f"threshold must be positive, got {threshold}")
    out = {"z": float(z), "threshold": float(threshold)}
    for name in _ACTIVATIONS:
        f, f_grad = activations.get(name)
        g = float(f_grad(z))
        out[name] = {"f": float(f(z)), "grad": g, "saturated": g < threshold}
    return out


def _activation_draw(fig, r):
    if fig is None:
        return plots.activation_panels_figure(_ACTIVATIONS, r["z"], r["threshold"], dpi=80)
    return plots.update_activation_panels(fig, r["z"], r["threshold"])


def _activation_readout(r):
    head = "<tr><th></th><th>f(z)</th><th>f'(z)</th><th></th></tr>"
    body = "".join(
        f"<tr><td>{n}</td><td><code>{r[n]['f']:.4g}</code></td><td><code>{r[n]['grad']:.4g}</code>"
        f"</td><td>{'saturated' if r[n]['saturated'] else ''}</td></tr>"
        for n in _ACTIVATIONS
    )
    return (
        f'<table class="llmbook-readout" style="font-size:90%">{head}{body}</table>'
        f"<p style='font-size:85%'>z = {r['z']:.4g}; shaded: f'(z) &lt; {r['threshold']:g}</p>"
    )


def activation_explorer(kernel_free_strip: bool = True) -> Explorer:
    r"""Sigmoid, tanh and ReLU with their derivatives: move :math:`z`, see where each saturates.

    Shaded: where :math:`f'(z)` is below a threshold (0.01 unless changed live), so a
    neuron there passes back almost no gradient; for ReLU, exactly none at :math:`z \le 0`.
    """
    controls = {
        "z": slider("z", 1.3, -10, 10, 0.1),
        "threshold": w.FloatLogSlider(
            value=0.01,
            base=10,
            min=-4,
            max=-0.7,
            step=0.1,
            description="saturated if f'(z) <",
            continuous_update=False,
            style={"description_width": "initial"},
            layout=w.Layout(width="330px"),
        ),
    }
    live = LiveExplorer(controls, activation_values, _activation_draw, _activation_readout)
    strip = None
    if kernel_free_strip:
        render = frames(activation_values, _activation_draw)
        zs = np.arange(-8.0, 8.01, 1.0)
        strip = kernel_free(
            render, zs, description="input z", labels=[f"{z:g}" for z in zs], initial=9
        )
    return Explorer("Activation functions and their derivatives", live, strip)
