r"""Interactive explorers: move a control, watch the mathematics change.

Each explorer is one call from a notebook, e.g. ``llmbook.widgets.neuron_explorer()``.
This module holds controls and layout only: every number comes from the tested modules
(:mod:`llmbook.neuron`, :mod:`~llmbook.activations`, :mod:`~llmbook.losses`,
:mod:`~llmbook.backprop`, :mod:`~llmbook.descent`, and for the network playground
:mod:`~llmbook.mlp`, :mod:`~llmbook.optim`, :mod:`~llmbook.toydata`,
:mod:`~llmbook.evaluation`) and every picture from :mod:`llmbook.plots`.

The explorers: :func:`neuron_explorer`, :func:`activation_explorer`, :func:`loss_explorer`,
:func:`backprop_explorer`, :func:`learning_rate_explorer`, :func:`playground_explorer`, and
for Part II :func:`sampling_explorer` (:mod:`~llmbook.sampling`) and
:func:`attention_explorer` (:mod:`~llmbook.gpt`, :mod:`~llmbook.attention`).
:func:`kernel_free` is the reusable part for any new explorer: give it a function that
draws the figure for one value of the main control and the values to precompute.

**One widget for Jupyter and for the website.** A notebook is executed once, when the
book is built, and the same saved output serves a reader of the static website (no
Python behind the page) and a reader who runs the notebook in Jupyter. So every explorer
shows two things, one above the other:

1. a **kernel-free strip**, made by :func:`kernel_free`: the figure precomputed at build
   time for a grid of values of the explorer's main control and embedded as an ipywidgets
   ``Stack`` of ``Image`` widgets, whose ``selected_index`` is ``jslink``-ed to a slider
   (and, where useful, to a ``Play`` button). The link runs in the browser, so this strip
   works on the website and in Jupyter alike, with nothing to compute;
2. a collapsed section **"Every control (live, needs a running Python kernel)"** holding the
   live explorer: all its controls, recomputed by the package on every change and redrawn
   in place (the figure's artists are moved with ``set_data``, then the figure is encoded
   as a PNG into an ``Image`` widget). It draws its figure only when opened, so it costs
   the page nothing; on the website its title says it needs a kernel.

A parameter choosing one or the other would need to know, while the notebook runs, where
its output will be read, which it cannot know. Showing both, with the live part folded,
is honest in both places. ``kernel_free=False`` (used by the tests and the benchmark)
builds the live explorer alone, open.

Weight: each precomputed frame is a palette PNG (64 colours) of a few kilobytes; the
saved widget state costs about 1.33 times the PNG plus about 2 KB per frame.
"""

from __future__ import annotations

import functools
import html
import io
from collections.abc import Callable, Sequence
from contextlib import contextmanager

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image as PILImage

from . import (
    activations,
    attention,
    backprop,
    descent,
    evaluation,
    losses,
    mlp,
    neuron,
    optim,
    plots,
    toydata,
)
from .display import trace_table

__all__ = [
    "Explorer",
    "LiveExplorer",
    "activation_explorer",
    "attention_explorer",
    "attention_maps",
    "attention_values",
    "backprop_explorer",
    "figure_png",
    "kernel_free",
    "learning_rate_explorer",
    "loss_explorer",
    "neuron_explorer",
    "playground_explorer",
    "sampling_explorer",
    "sampling_values",
]

#: The caption under every kernel-free strip.
KERNEL_FREE_CAPTION = (
    "Precomputed when the book was built, so it works on the website without Python. "
    "The live version below, in Jupyter with a running kernel, has every control."
)
_LIVE_TITLE = "Every control (live, needs a running Python kernel)"
_LIVE_NOTE = (
    "<i>These controls run Python: they respond when this notebook is open in Jupyter "
    "(<code>.venv/bin/jupyter lab</code>) with a running kernel, not on the static website.</i>"
)


def figure_png(fig, colors: int = 64) -> bytes:
    """Render a matplotlib figure to PNG bytes with a palette of ``colors`` colours.

    The palette keeps a line plot's PNG at a few kilobytes (a quarter of the RGB size)
    with no visible loss. The figure is drawn with the Agg renderer at its own dpi. A
    figure made by :mod:`llmbook.plots` lists in ``fig.llmbook_artists["dynamic"]`` the
    artists its ``update_*`` function moves on every call; while nothing else changed
    (``["static_changed"]`` false) only those are redrawn, over a background saved from
    the last full draw.

    Args:
        fig: a :class:`matplotlib.figure.Figure`.
        colors: palette size, 2 to 256.
    Returns:
        the PNG file's bytes.
    Raises:
        ValueError: ``colors`` outside [2, 256].
    """
    if not 2 <= colors <= 256:
        raise ValueError(f"colors must be in [2, 256], got {colors}")
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    art = getattr(fig, "llmbook_artists", None)
    dynamic = art.get("dynamic", []) if isinstance(art, dict) else []
    if not dynamic:
        canvas.draw()
    else:
        # Blit: the still parts are drawn once into a saved background; an update that
        # only moved the dynamic artists (markers, titles, paths) redraws just those.
        if art.get("static_changed", True) or "background" not in art:
            for a in dynamic:
                a.set_animated(True)
            canvas.draw()
            art["background"] = canvas.copy_from_bbox(fig.bbox)
            art["static_changed"] = False
        else:
            canvas.restore_region(art["background"])
        for a in dynamic:
            fig.draw_artist(a)
    rgb = np.asarray(canvas.buffer_rgba())[..., :3]  # [height, width, 3]
    image = PILImage.fromarray(rgb).quantize(colors, method=PILImage.Quantize.FASTOCTREE)
    buf = io.BytesIO()
    image.save(buf, format="png")
    return buf.getvalue()


def _new_figure(make: Callable, *args, **kwargs):
    """Call a :mod:`llmbook.plots` function and detach the figure from pyplot.

    Detached, the notebook's inline backend does not show it a second time under the cell.
    """
    fig = make(*args, **kwargs)
    plt.close(fig)
    return fig


# ---------------------------------------------------------------------------
# The kernel-free strip: precomputed frames switched in the browser.
# ---------------------------------------------------------------------------


def _frame(result) -> w.Widget:
    fig, text = result if isinstance(result, tuple) else (result, None)
    image = w.Image(value=figure_png(fig), format="png", layout=w.Layout(max_width="100%"))
    if text is None:
        return image
    return w.HBox(
        [image, w.HTML(text)], layout=w.Layout(align_items="flex-start", flex_flow="row wrap")
    )


def kernel_free(
    render: Callable,
    values: Sequence,
    *,
    description: str,
    labels: Sequence[str] | None = None,
    options: Sequence[str] | dict[str, Sequence[str]] | None = None,
    options_description: str = "",
    initial: int = 0,
    initial_options: Sequence[int] | None = None,
    play: bool = False,
    caption: str = KERNEL_FREE_CAPTION,
) -> w.VBox:
    """Precompute one figure per control value and let the browser switch between them.

    Each frame becomes an ``Image`` widget (a palette PNG, see :func:`figure_png`), the
    frames the children of a ``Stack``, and ``jslink((slider, "index"), (stack,
    "selected_index"))`` ties a ``SelectionSlider`` to it, so moving the slider changes
    the figure in the browser with no kernel. ``options`` adds ``ToggleButtons``: a list of
    choices for one row of buttons, or a dict ``{label: choices}`` for several rows. Each
    row selects among nested stacks (the first row the outermost), every innermost stack
    linked to the slider: a grid of ``len(values)`` times the product of the numbers of
    choices. With ``play`` a ``Play`` button drives the slider.

    Args:
        render: ``render(value)``, or ``render(value, choice, ...)`` with one choice per row
            of buttons, returning a Figure, or ``(Figure, html)`` to show an HTML readout
            beside the figure. It may return the same figure each time, updated in place:
            each frame is encoded before the next call.
        values: the main control's values, one frame each.
        description: the slider's label.
        labels: the slider's text for each value (default ``str(value)``).
        options: choices of one row of buttons, ``{label: choices}`` for several, or None.
        options_description: the label of the row when ``options`` is a list.
        initial: the index of the value shown first.
        initial_options: the index of the choice shown first in each row (default 0 each).
        play: add a ``Play`` button that steps through the values.
        caption: the text under the strip.
    Returns:
        a ``VBox``; its attributes ``slider``, ``stack`` (the outermost stack),
        ``stacks`` (the innermost stacks, in the order of the choices' product),
        ``toggles`` (one per row), ``toggle`` (the first, or None), ``play`` (or None)
        and ``links`` give tests and the browser access to the parts.
    Raises:
        ValueError: no values, labels of the wrong length, ``initial`` or
        ``initial_options`` out of range, a row of buttons with no choices.
    """
    values = list(values)
    if not values:
        raise ValueError("values must hold at least one control value")
    labels = [str(v) for v in values] if labels is None else [str(s) for s in labels]
    if len(labels) != len(values):
        raise ValueError(f"labels has {len(labels)} entries for {len(values)} values")
    if not 0 <= initial < len(values):
        raise ValueError(f"initial must be in [0, {len(values) - 1}], got {initial}")
    if options is None:
        rows = {}
    elif isinstance(options, dict):
        rows = {str(k): list(v) for k, v in options.items()}
    else:
        rows = {options_description: list(options)}
    for label, choices in rows.items():
        if not choices:
            raise ValueError(f"the row of buttons {label!r} has no choices")
    first = [0] * len(rows) if initial_options is None else [int(i) for i in initial_options]
    if len(first) != len(rows) or not all(
        0 <= i < len(c) for i, c in zip(first, rows.values(), strict=True)
    ):
        raise ValueError(
            f"initial_options must give one index per row of buttons within its choices, got {initial_options}"
        )
    slider = w.SelectionSlider(
        options=list(zip(labels, range(len(values)), strict=True)),
        index=initial,
        description=description,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=w.Layout(width="440px"),
    )
    toggles = [
        w.ToggleButtons(
            options=choices,
            description=label,
            index=i,
            style={"button_width": "auto", "description_width": "initial"},
        )
        for (label, choices), i in zip(rows.items(), first, strict=True)
    ]
    levels: list[list[w.Stack]] = [[] for _ in toggles]
    stacks: list[w.Stack] = []

    def build(chosen: tuple) -> w.Stack:
        depth = len(chosen)
        if depth == len(toggles):
            stack = w.Stack([_frame(render(v, *chosen)) for v in values], selected_index=initial)
            stacks.append(stack)
            return stack
        stack = w.Stack(
            [build((*chosen, c)) for c in toggles[depth].options], selected_index=first[depth]
        )
        levels[depth].append(stack)
        return stack

    top = build(())
    links = [
        w.jslink((toggle, "index"), (stack, "selected_index"))
        for toggle, level in zip(toggles, levels, strict=True)
        for stack in level
    ]
    links += [w.jslink((slider, "index"), (stack, "selected_index")) for stack in stacks]
    controls = [slider]
    player = None
    if play:
        player = w.Play(value=initial, min=0, max=len(values) - 1, interval=700, description="play")
        links.append(w.jslink((player, "value"), (slider, "index")))
        controls = [player, slider]
    children = [*toggles, w.HBox(controls), top]
    children.append(
        w.HTML(f'<p style="font-size:85%;color:#555;margin:0">{html.escape(caption)}</p>')
    )
    box = w.VBox(children, layout=w.Layout(border="1px solid #ddd", padding="6px"))
    box.add_class("llmbook-kernel-free")
    box.slider, box.stack, box.stacks, box.toggles, box.play, box.links = (
        slider,
        top,
        stacks,
        toggles,
        player,
        links,
    )
    box.toggle = toggles[0] if toggles else None
    return box


# ---------------------------------------------------------------------------
# The live explorer and the widget that holds both.
# ---------------------------------------------------------------------------


class LiveExplorer:
    """Controls whose every change recomputes values with the package and redraws a figure in place.

    Args:
        controls: name -> ipywidgets control; ``compute`` receives their values by name.
        compute: ``compute(**values) -> dict`` of the numbers to show (package calls only).
        draw: ``draw(fig, result) -> fig``: a new figure when ``fig`` is None, else the
            same figure updated in place.
        readout: ``readout(result) -> str``, the HTML shown beside the figure.
        buttons: extra widgets placed under the controls (e.g. a Step button).
    Attributes:
        result: the last dict returned by ``compute``; ``error``: the last refused input
        (a ``ValueError``/``TypeError``, shown in the message line), or None.
    """

    def __init__(self, controls: dict, compute, draw, readout, buttons=()):
        self.controls = controls
        self._compute, self._draw, self._readout = compute, draw, readout
        self.fig = None
        self.result: dict | None = None
        self.error: Exception | None = None
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.readout = w.HTML()
        self.message = w.HTML()
        self._held = False
        for control in controls.values():
            control.observe(self._on_change, names="value")
        self.widget = w.VBox(
            [
                w.HTML(_LIVE_NOTE),
                w.HBox(list(controls.values())[:3], layout=w.Layout(flex_flow="row wrap")),
                w.HBox(list(controls.values())[3:], layout=w.Layout(flex_flow="row wrap")),
                *(list(buttons) and [w.HBox(list(buttons))]),
                self.message,
                w.HBox(
                    [self.image, self.readout],
                    layout=w.Layout(align_items="flex-start", flex_flow="row wrap"),
                ),
            ]
        )

    @property
    def params(self) -> dict:
        """The controls' current values, by name."""
        return {name: c.value for name, c in self.controls.items()}

    def _on_change(self, _change=None):
        if not self._held:
            self.refresh()

    @contextmanager
    def hold(self):
        """Change several controls with one recomputation at the end."""
        self._held = True
        try:
            yield
        finally:
            self._held = False
        self.refresh()

    def set(self, **params):
        """Set controls by name (as a reader would; sliders clamp to their range) and redraw once."""
        unknown = set(params) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown controls {sorted(unknown)}; known: {sorted(self.controls)}")
        with self.hold():
            for name, value in params.items():
                self.controls[name].value = value

    def refresh(self, **overrides):
        """Recompute from the controls (and ``overrides``, which bypass their ranges) and redraw.

        A refused input (``ValueError``/``TypeError`` from the package) is shown in the
        message line and kept in :attr:`error`; the figure keeps its last valid state.
        """
        try:
            result = self._compute(**{**self.params, **overrides})
        except (ValueError, TypeError) as exc:
            self.error = exc
            self.message.value = (
                f'<span style="color:#b00020">Not computed: {html.escape(str(exc))}</span>'
            )
            return
        self.error = None
        self.message.value = ""
        new = self.fig is None
        self.fig = self._draw(self.fig, result)
        if new:
            plt.close(self.fig)
        self.image.value = figure_png(self.fig)
        self.readout.value = self._readout(result)
        self.result = result


class Explorer(w.VBox):
    """An explorer: a title, the kernel-free strip, and the live explorer (folded when both).

    Attributes ``live`` (a :class:`LiveExplorer` or None) and ``strip`` (the
    :func:`kernel_free` box or None) give access to the parts.
    """

    def __init__(self, title: str, live: LiveExplorer | None, strip: w.Widget | None):
        children = [w.HTML(f"<b>{html.escape(title)}</b>")]
        self.live, self.strip = live, strip
        if strip is not None:
            children.append(strip)
        if live is not None and strip is not None:
            fold = w.Accordion([live.widget], selected_index=None)
            fold.set_title(0, _LIVE_TITLE)
            fold.observe(self._on_open, names="selected_index")
            children.append(fold)
            self.fold = fold
        elif live is not None:
            live.refresh()
            children.append(live.widget)
        super().__init__(children)
        self.add_class("llmbook-explorer")

    def _on_open(self, change):
        if change["new"] == 0 and self.live.result is None:
            self.live.refresh()


def _slider(description, value, lo, hi, step, fmt=".2f"):
    return w.FloatSlider(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=description,
        readout_format=fmt,
        continuous_update=False,
        style={"description_width": "initial"},
        layout=w.Layout(width="250px"),
    )


def _rows(pairs, digits=4) -> str:
    """An HTML table of (name, value) rows."""

    def cell(v):
        return f"{v:.{digits}g}" if isinstance(v, float) else html.escape(str(v))

    body = "".join(f"<tr><td>{name}</td><td><code>{cell(v)}</code></td></tr>" for name, v in pairs)
    return f'<table class="llmbook-readout" style="font-size:90%">{body}</table>'


# ---------------------------------------------------------------------------
# Neuron.
# ---------------------------------------------------------------------------


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
    return _rows(
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
        "x1": _slider("x₁", 1.0, -5, 5, 0.1),
        "x2": _slider("x₂", 2.0, -5, 5, 0.1),
        "w1": _slider("w₁", 0.5, -10, 10, 0.1),
        "w2": _slider("w₂", 0.3, -10, 10, 0.1),
        "b": _slider("b", 0.2, -10, 10, 0.1),
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
        fig = None

        def render(w1):
            nonlocal fig
            r = neuron_values(1.0, 2.0, w1, 0.3, 0.2, "sigmoid")
            fig = (
                _new_figure(plots.activation_panels_figure, ("sigmoid",), r["z"])
                if fig is None
                else _neuron_draw(fig, r)
            )
            return fig, _neuron_readout(r)

        ws = np.round(np.arange(-3.0, 3.01, 0.5), 2)
        strip = kernel_free(
            render, ws, description="weight w₁", initial=int(np.argmin(np.abs(ws - 0.5)))
        )
    return Explorer("The neuron: y = f(w₁x₁ + w₂x₂ + b)", live, strip)


# ---------------------------------------------------------------------------
# Activation functions.
# ---------------------------------------------------------------------------

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
        "z": _slider("z", 1.3, -10, 10, 0.1),
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
        fig = None

        def render(z):
            nonlocal fig
            r = activation_values(z)
            fig = (
                _new_figure(_activation_draw, None, r) if fig is None else _activation_draw(fig, r)
            )
            return fig

        zs = np.arange(-8.0, 8.01, 1.0)
        strip = kernel_free(
            render, zs, description="input z", labels=[f"{z:g}" for z in zs], initial=9
        )
    return Explorer("Activation functions and their derivatives", live, strip)


# ---------------------------------------------------------------------------
# Loss: squared error vs cross-entropy on a sigmoid output.
# ---------------------------------------------------------------------------

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
    return _rows(
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
        "z": _slider("logit z", -4.0, -10, 10, 0.1),
        "y_true": _slider("target y", 1.0, 0, 1, 0.05),
    }
    live = LiveExplorer(controls, loss_values, _loss_draw, _loss_readout)
    strip = None
    if kernel_free_strip:
        fig = None

        def render(z):
            nonlocal fig
            r = loss_values(z, 1.0)
            fig = _new_figure(_loss_draw, None, r) if fig is None else _loss_draw(fig, r)
            return fig, _loss_readout(r)

        zs = np.arange(-8.0, 8.01, 1.0)
        strip = kernel_free(
            render, zs, description="logit z (target 1)", labels=[f"{z:g}" for z in zs], initial=4
        )
    return Explorer("Squared error vs cross-entropy on a sigmoid output", live, strip)


# ---------------------------------------------------------------------------
# Backpropagation stepper: the article's single neuron.
# ---------------------------------------------------------------------------


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
        "x": _slider("x", 1.0, -5, 5, 0.1),
        "w": _slider("w", 0.5, -10, 10, 0.1),
        "b": _slider("b", 0.2, -10, 10, 0.1),
        "y_true": _slider("target", 0.8, 0, 1, 0.05),
        "lr": _slider("learning rate", 0.1, 0, 5, 0.01),
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
        fig = None
        ks = [0, 1, 2, 3, 4, 5, 10, 20, 50, 100, 200, 299]

        def render(k):
            nonlocal fig
            r = backprop_values(1.0, 0.5, 0.2, 0.8, 0.1, steps=300, k=k)
            fig = _new_figure(_backprop_draw, None, r) if fig is None else _backprop_draw(fig, r)
            return fig, _backprop_readout(r)

        strip = kernel_free(render, ks, description="iteration", play=True)
    return Explorer("Backpropagation, one step at a time (the article's neuron)", live, strip)


# ---------------------------------------------------------------------------
# Learning rate: gradient descent on a 1-D and a 2-D quadratic.
# ---------------------------------------------------------------------------

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

    return _rows(
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
        "lr": _slider("learning rate α", 0.1, 0, 0.7, 0.005, fmt=".3f"),
        "steps": w.IntSlider(
            value=25, min=1, max=100, description="steps", continuous_update=False
        ),
    }
    live = LiveExplorer(controls, learning_rate_values, _lr_draw, _lr_readout)
    strip = None
    if kernel_free_strip:
        fig = None
        rates = [0.01, 0.03, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.52, 0.55]

        def render(lr):
            nonlocal fig
            r = learning_rate_values(lr)
            fig = _new_figure(_lr_draw, None, r) if fig is None else _lr_draw(fig, r)
            return fig

        strip = kernel_free(render, rates, description="learning rate α", initial=3)
    return Explorer("The learning rate: gradient descent on two surfaces", live, strip)


# ---------------------------------------------------------------------------
# Network playground: a small MLP on a 2-D toy data set.
# ---------------------------------------------------------------------------

_EXTENT = (-1.6, 1.6, -1.6, 1.6)
_GRID = 48


@functools.lru_cache(maxsize=8)
def _playground_run(dataset, depth, units, activation, lr, steps, seed, checkpoints):
    X, y = toydata.get(dataset)(200, noise=0.08, seed=seed)  # [200, 2], [200]
    net = mlp.MLP(
        [2] + [units] * depth + [1], activation=activation, loss="binary_cross_entropy", seed=seed
    )
    opt = optim.SGD(learning_rate=lr)
    g = np.linspace(_EXTENT[0], _EXTENT[1], _GRID)
    G = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)  # [g*g, 2], rows along x2
    snaps, norms, loss_values_ = {}, [], []
    for t in range(steps + 1):
        if t in checkpoints:
            prob = net.forward(G)[:, 0].reshape(_GRID, _GRID)  # [g, g]
            hidden = net.layer_outputs[-2].T.reshape(units, _GRID, _GRID)[:8]  # [units, g, g]
            predicted = (net.forward(X)[:, 0] > 0.5).astype(np.int64)
            snaps[t] = (prob, hidden, evaluation.accuracy(y, predicted))
        if t == steps:
            break
        loss_values_.append(net.train_step(X, y, opt))
        norms.append(net.gradient_norms())  # [layers], of the gradients of this step
    return X, y, snaps, np.array(norms), np.array(loss_values_)


def playground_values(
    dataset="circles",
    depth=2,
    units=6,
    activation="tanh",
    lr=0.5,
    steps=300,
    k=None,
    seed=0,
    checkpoints=None,
):
    r"""Train an MLP (:class:`llmbook.mlp.MLP`, sigmoid output, binary cross-entropy) by full-batch SGD.

    The network has ``depth`` hidden layers of ``units`` units each, on 200 points of the
    data set :func:`llmbook.toydata.get` ``(dataset)``; it is trained for ``steps`` steps
    with :class:`llmbook.optim.SGD` (learning rate ``lr``), recording each step's
    per-layer gradient norms (:meth:`llmbook.mlp.MLP.gradient_norms`) and, at step ``k``
    (default ``steps``; any of ``checkpoints``), the output and the last hidden layer's
    units on a 48 x 48 grid over :math:`[-1.6, 1.6]^2` and the training accuracy.

    Returns a dict with ``X``, ``y``, ``k``, ``prob`` ``[48, 48]``, ``hidden``
    ``[min(units, 8), 48, 48]``, ``accuracy``, ``grad_norms`` ``[steps, depth + 1]``,
    ``losses`` ``[steps]`` and the arguments.
    Raises:
        ValueError: ``lr <= 0``, ``steps < 1``, ``k`` not a checkpoint, unknown data set or
            activation, and as :class:`llmbook.mlp.MLP`.
    """
    steps = int(steps)
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    k = steps if k is None else int(k)
    checkpoints = tuple(sorted({k, *(checkpoints or ())}))
    if checkpoints[0] < 0 or checkpoints[-1] > steps:
        raise ValueError(f"k and checkpoints must be in [0, {steps}], got {checkpoints}")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}")
    X, y, snaps, norms, loss_hist = _playground_run(
        dataset, int(depth), int(units), activation, float(lr), steps, int(seed), checkpoints
    )
    prob, hidden, acc = snaps[k]
    return {
        "dataset": dataset,
        "depth": int(depth),
        "units": int(units),
        "activation": activation,
        "lr": float(lr),
        "steps": steps,
        "k": k,
        "X": X,
        "y": y,
        "prob": prob,
        "hidden": hidden,
        "accuracy": acc,
        "grad_norms": norms,
        "losses": loss_hist,
    }


def _playground_draw(fig, r):
    norms = r["grad_norms"]
    title = f"{r['dataset']}, step {r['k']}: accuracy {r['accuracy']:.0%}"
    if fig is not None and fig.llmbook_artists["shape"] == (r["hidden"].shape[0], norms.shape[1]):
        return plots.update_playground(fig, r["prob"], r["hidden"], norms, r["k"], title)
    return _new_figure(
        plots.playground_figure,
        _EXTENT,
        r["prob"],
        r["X"],
        r["y"],
        r["hidden"],
        norms,
        r["k"],
        title,
    )


def _playground_readout(r):
    last = r["grad_norms"][max(r["k"], 1) - 1]
    return _rows(
        [
            ("network", f"2 → {' → '.join([str(r['units'])] * r['depth'])} → 1, {r['activation']}"),
            ("step", r["k"]),
            ("training accuracy", f"{r['accuracy']:.1%}"),
            ("loss at this step", f"{r['losses'][max(r['k'], 1) - 1]:.4g}"),
            ("‖∂L/∂W‖ first layer", f"{last[0]:.3g}"),
            ("‖∂L/∂W‖ last layer", f"{last[-1]:.3g}"),
        ]
    )


_PLAYGROUND_CONFIGS = {
    "tanh, 2 layers": {"activation": "tanh", "depth": 2},
    "sigmoid, 6 layers": {"activation": "sigmoid", "depth": 6},
    "relu, 2 layers": {"activation": "relu", "depth": 2},
}


def playground_explorer(kernel_free_strip: bool = True) -> Explorer:
    """A small network learning a 2-D data set: decision map, hidden units, per-layer gradients.

    In the spirit of TensorFlow Playground: choose the data set, the number of hidden
    layers and units, the activation and the learning rate. A deep sigmoid stack shows the
    vanishing gradient: its first layer's gradient is orders of magnitude smaller than
    its last. The kernel-free strip plays the training of three networks on ``circles``.
    """
    controls = {
        "dataset": w.Dropdown(
            options=list(toydata.NAMES),
            value="circles",
            description="data",
            layout=w.Layout(width="180px"),
        ),
        "activation": w.Dropdown(
            options=["tanh", "sigmoid", "relu"],
            value="tanh",
            description="f",
            layout=w.Layout(width="160px"),
        ),
        "depth": w.IntSlider(
            value=2,
            min=1,
            max=6,
            description="hidden layers",
            continuous_update=False,
            style={"description_width": "initial"},
        ),
        "units": w.IntSlider(value=6, min=1, max=8, description="units", continuous_update=False),
        "lr": _slider("learning rate", 0.5, 0, 3, 0.05),
        "steps": w.IntSlider(
            value=300, min=1, max=2000, step=50, description="steps", continuous_update=False
        ),
    }
    live = LiveExplorer(controls, playground_values, _playground_draw, _playground_readout)
    strip = None
    if kernel_free_strip:
        ks = [0, 10, 25, 50, 100, 200, 400, 800]
        figs = {}

        def render(k, option):
            cfg = _PLAYGROUND_CONFIGS[option]
            r = playground_values(
                "circles", units=6, lr=0.5, steps=ks[-1], k=k, checkpoints=ks, **cfg
            )
            figs[option] = _playground_draw(figs.get(option), r)
            return figs[option], _playground_readout(r)

        strip = kernel_free(
            render, ks, description="training step", options=list(_PLAYGROUND_CONFIGS), play=True
        )
    return Explorer("Network playground", live, strip)


# ---------------------------------------------------------------------------
# Part II: sampling and attention explorers (kernel-free strips).
# ---------------------------------------------------------------------------


def _token_table(tokens, probs, k) -> str:
    order = np.argsort(-np.asarray(probs), kind="stable")[:k]
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
    from . import sampling

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


def _sampling_draw(fig, r, k_shown):
    if fig is None:
        return plots.next_token_figure(r["q"], k_shown, title=_sampling_title(r))
    ax = fig.axes[0]
    order = np.argsort(-r["q"], kind="stable")[: len(ax.patches)]
    for bar, height in zip(ax.patches, r["q"][order], strict=True):
        bar.set_height(height)
    ax.set_title(_sampling_title(r), fontsize=10)
    return fig


def _sampling_readout(r, tokens, k_shown):
    return _token_table(tokens, r["q"], k_shown) + (
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
    (:func:`llmbook.plots.next_token_figure`) and the most likely tokens with their
    probabilities. The live part has a continuous temperature (0: greedy) and both
    truncations at once, any ``k`` and ``p`` (:func:`sampling_values`).

    Args:
        logits: ``[V]`` logits (e.g. ``log`` of a model's probabilities).
        tokens: the ``V`` tokens, for the readout.
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
        "temperature": _slider("temperature τ", 1.0, 0.0, 3.0, 0.05),
        "top_k": w.IntSlider(
            value=0,
            min=0,
            max=min(50, logits.size),
            description="top-k (0: off)",
            style={"description_width": "initial"},
        ),
        "top_p": _slider("top-p (1: off)", 1.0, 0.05, 1.0, 0.05),
    }
    live = LiveExplorer(
        controls,
        functools.partial(sampling_values, logits),
        functools.partial(_sampling_draw, k_shown=k_shown),
        functools.partial(_sampling_readout, tokens=tokens, k_shown=k_shown),
    )
    strip = None
    if kernel_free_strip:
        options = ["no truncation", f"top-k, k = {top_k}", f"top-p, p = {top_p}"]
        settings = dict(zip(options, [{}, {"top_k": top_k}, {"top_p": top_p}], strict=True))

        def render(tau, option):
            r = sampling_values(logits, temperature=tau, **settings[option])
            fig = _new_figure(plots.next_token_figure, r["q"], k_shown, title=_sampling_title(r))
            return fig, _sampling_readout(r, tokens, k_shown)

        strip = kernel_free(render, list(temperatures), description="temperature τ",
                            options=options, options_description="truncation",
                            initial=min(3, len(temperatures) - 1))  # fmt: skip
    return Explorer("Sampling: temperature, top-k, top-p", live, strip)


#: The masks the attention explorer offers: name -> mask for ``T`` positions (None: none).
ATTENTION_MASKS = {
    "causal": attention.causal_mask,
    "none": lambda T: None,
}


def attention_maps(params, cfg, ids, temperature: float = 1.0, mask: str = "causal") -> list:
    r"""The attention weights of every block of a :mod:`llmbook.gpt` model for ``ids``.

    Runs :func:`llmbook.gpt.forward` (always causal, as the model was trained), then
    recomputes each block's attention on its layer-normalised input
    :math:`\operatorname{LN}_1(\mathbf x) = \boldsymbol\gamma\odot\hat{\mathbf x} + \boldsymbol\beta`
    with the scores divided by ``temperature`` and the given ``mask``: ``"causal"`` (at
    temperature 1, the weights the model uses) or ``"none"``, every position attending to
    every other, the future included, which is what the causal mask prevents.

    Returns:
        list of ``n_layer`` arrays ``[n_head, T, T]``.
    Raises:
        ValueError: an unknown mask, a non-positive temperature, bad ids.
    """
    from . import gpt

    if mask not in ATTENTION_MASKS:
        raise ValueError(f"mask must be one of {sorted(ATTENTION_MASKS)}, got {mask!r}")
    ids = np.asarray(ids)
    _, cache = gpt.forward(params, cfg, ids)
    m = ATTENTION_MASKS[mask](cache["idx"].shape[1])
    out = []
    for layer, c in enumerate(cache["blocks"]):
        p = params["blocks"][layer]
        x = c["ln1"]["xhat"] * p["ln1"]["gamma"] + p["ln1"]["beta"]  # [1, T, d]
        _, A = attention.multi_head_attention(
            x, x, p["attn"], cfg.n_head, mask=m, temperature=temperature
        )
        out.append(A[0])
    return out


def attention_values(params, cfg, tokenizer, sentence: str, block=1, head=1, temperature=1.0,
                     mask="causal") -> dict:  # fmt: skip
    r"""The numbers the attention explorer shows: one head's weights for one sentence.

    ``block`` and ``head`` count from 1. The map is :func:`attention_maps` of the
    sentence's token ids.

    Returns:
        dict with ``A`` (``[T, T]``, rows summing to 1), ``tokens`` (the sentence's tokens as
        the model reads them), ``block``, ``head``, ``temperature``, ``mask``.
    Raises:
        ValueError: an empty sentence or one longer than ``cfg.n_ctx`` tokens, a block or
        head out of range, a bad temperature or mask.
    """
    ids = tokenizer.encode(sentence)
    if len(ids) == 0:
        raise ValueError("type a sentence: it is empty")
    if len(ids) > cfg.n_ctx:
        raise ValueError(f"the sentence has {len(ids)} tokens; the model reads at most {cfg.n_ctx}")
    if not (1 <= block <= cfg.n_layer and 1 <= head <= cfg.n_head):
        raise ValueError(
            f"block must be in [1, {cfg.n_layer}] and head in [1, {cfg.n_head}], got {block}, {head}"
        )
    A = attention_maps(params, cfg, ids, temperature=temperature, mask=mask)[block - 1][head - 1]
    tokens = [tokenizer.decode([i]) for i in ids]
    return {"A": A, "tokens": tokens, "block": block, "head": head,
            "temperature": float(temperature), "mask": mask}  # fmt: skip


def _attention_title(r) -> str:
    return f"block {r['block']}, head {r['head']}, τ = {r['temperature']:g}, {r['mask']} mask"


def _attention_draw(fig, r):
    if fig is None:
        return plots.attention_map_figure(r["A"], title=_attention_title(r))
    (image,) = fig.axes[0].images
    image.set_data(r["A"])
    T = r["A"].shape[0]
    image.set_extent((-0.5, T - 0.5, T - 0.5, -0.5))
    fig.axes[0].set_title(_attention_title(r), fontsize=10)
    return fig


def _attention_readout(r) -> str:
    chars = " ".join(f"{i}:{html.escape(c)}" for i, c in enumerate(r["tokens"]))
    return f"<p style='max-width:22em'>{chars}</p>"


def attention_explorer(params, cfg, tokenizer, sentences, temperatures=(0.5, 1.0, 2.0),
                       masks=("causal", "none"), kernel_free_strip: bool = True) -> Explorer:  # fmt: skip
    r"""The attention maps of a trained :mod:`llmbook.gpt` model.

    The kernel-free strip: toggle buttons pick a sentence, a mask and a softmax
    temperature; a slider steps through every (block, head) pair. Each frame is the head's
    attention weights (:func:`attention_maps`), computed by
    :func:`llmbook.attention.multi_head_attention` on the block's layer-normalised input,
    with the scores divided by the temperature; the readout lists the characters by
    position. The live part takes any sentence the reader types (:func:`attention_values`).

    Args:
        params, cfg: the model (:func:`llmbook.gpt.init_params`, :class:`llmbook.gpt.GPTConfig`).
        tokenizer: with ``encode`` and ``decode``.
        sentences: strings of at most ``cfg.n_ctx`` characters.
        temperatures: softmax temperatures offered (1 is the model's own).
        masks: names from :data:`ATTENTION_MASKS` offered.
        kernel_free_strip: build the precomputed strip (False: the live part alone).
    Returns:
        an :class:`Explorer`.
    """
    sentences = list(sentences)
    if not sentences:
        raise ValueError("give at least one sentence")
    controls = {
        "sentence": w.Text(value=sentences[0], description="sentence", continuous_update=False),
        "block": w.IntSlider(value=1, min=1, max=cfg.n_layer, description="block"),
        "head": w.IntSlider(value=1, min=1, max=cfg.n_head, description="head"),
        "temperature": _slider("softmax τ", 1.0, 0.1, 3.0, 0.1),
        "mask": w.ToggleButtons(
            options=list(ATTENTION_MASKS),
            value="causal",
            description="mask",
            style={"button_width": "auto"},
        ),
    }
    live = LiveExplorer(
        controls,
        functools.partial(attention_values, params, cfg, tokenizer),
        _attention_draw,
        _attention_readout,
    )
    strip = None
    if kernel_free_strip:
        taus = list(temperatures)
        pairs = [(b, h) for b in range(1, cfg.n_layer + 1) for h in range(1, cfg.n_head + 1)]
        names = {f"{i + 1}. {s[:10]}…" if len(s) > 10 else f"{i + 1}. {s}": s
                 for i, s in enumerate(sentences)}  # fmt: skip

        def render(pair, name, m, tau):
            r = attention_values(
                params, cfg, tokenizer, names[name], *pair, temperature=tau, mask=m
            )
            fig = _new_figure(plots.attention_map_figure, r["A"], title=_attention_title(r))
            return fig, _attention_readout(r)

        strip = kernel_free(render, pairs, description="block.head",
                            labels=[f"{b}.{h}" for b, h in pairs],
                            options={"sentence": list(names), "mask": list(masks),
                                     "softmax τ": taus},
                            initial_options=[0, 0, taus.index(1.0) if 1.0 in taus else 0])  # fmt: skip
    return Explorer("Attention maps of the tiny GPT", live, strip)
