r"""The explorers' framework: a kernel-free strip, a live explorer, and the widget holding both.

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
   :class:`LiveExplorer`: all its controls, recomputed by the package on every change and
   redrawn in place (the figure's artists are moved with ``set_data``, then the figure is
   encoded as a PNG into an ``Image`` widget). It draws its figure only when opened, so it
   costs the page nothing; on the website its title says it needs a kernel.

A parameter choosing one or the other would need to know, while the notebook runs, where
its output will be read, which it cannot know. Showing both, with the live part folded,
is honest in both places (:class:`Explorer`). ``kernel_free_strip=False`` (used by the tests and
the benchmark) builds the live explorer alone, open.

A new explorer needs three small functions, as each module of :mod:`llmbook.widgets`
shows: ``values(**controls) -> dict`` (package calls only), ``draw(fig, values)`` (a
:mod:`llmbook.plots` figure, new when ``fig`` is None, else updated in place) and
``readout(values) -> html``; :func:`frames` turns them into the strip's render function.

Figures are :class:`matplotlib.figure.Figure` objects made without pyplot, as matplotlib
advises for figures embedded in another interface: nothing is registered with pyplot, so
nothing needs closing and the notebook's inline backend does not show them a second time.

Weight: each precomputed frame is a palette PNG (64 colours) of a few kilobytes; the
saved widget state costs about 1.33 times the PNG plus about 2 KB per frame.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Sequence
from contextlib import contextmanager

import ipywidgets as w
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image as PILImage

__all__ = [
    "KERNEL_FREE_CAPTION",
    "Explorer",
    "LiveExplorer",
    "figure_png",
    "frames",
    "kernel_free",
    "readout_table",
    "slider",
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


def frames(compute: Callable, draw: Callable, readout: Callable | None = None) -> Callable:
    """The render function of a :func:`kernel_free` strip, drawing every frame on one figure.

    ``render(*args, **kwargs)`` computes ``compute(*args, **kwargs)``, draws it with ``draw(fig, values)`` (a
    new figure the first time, then the same one updated in place, as the live explorer
    does) and returns the figure, with ``readout(values)`` beside it when given.
    :func:`kernel_free` encodes each frame before asking for the next.
    """
    fig = None

    def render(*args, **kwargs):
        nonlocal fig
        values = compute(*args, **kwargs)
        fig = draw(fig, values)
        return fig if readout is None else (fig, readout(values))

    return render


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
        self.fig = self._draw(self.fig, result)
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


def slider(description, value, lo, hi, step, fmt=".2f"):
    """A float slider with the explorers' layout; it reports its value when released."""
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


def readout_table(pairs, digits=4) -> str:
    """An HTML table of ``(name, value)`` rows; floats shown with ``digits`` significant digits."""

    def cell(v):
        return f"{v:.{digits}g}" if isinstance(v, float) else html.escape(str(v))

    body = "".join(f"<tr><td>{name}</td><td><code>{cell(v)}</code></td></tr>" for name, v in pairs)
    return f'<table class="llmbook-readout" style="font-size:90%">{body}</table>'
