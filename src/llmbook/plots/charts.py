"""Plain charts of computed numbers: lines, bars, a histogram.

For the chapters' figures that are one kind of chart of numbers the chapter computed (a
loss per step, a count per order, a cost per position). Each takes the numbers and the
labels, so the notebook holds no drawing code; the tests check that the plotted values
are the numbers given.
"""

from __future__ import annotations

import numpy as np

from ._base import new_figure

__all__ = [
    "bar_figure",
    "barh_figure",
    "heatmaps_figure",
    "histogram_figure",
    "line_figure",
    "line_panels_figure",
]


def _xy(values):
    """``(x, y)`` from ``y`` (x = 0, 1, ...) or from an ``(x, y)`` pair."""
    if isinstance(values, tuple) and len(values) == 2:
        x, y = (np.asarray(v, dtype=float) for v in values)
    else:
        y = np.asarray(values, dtype=float)
        x = np.arange(len(y), dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"a series needs 1-D x and y of one length, got {x.shape} and {y.shape}")
    return x, y


def _style(style) -> tuple[tuple, dict]:
    if style is None:
        return (), {}
    if isinstance(style, str):
        return (style,), {}
    style = dict(style)
    fmt = style.pop("fmt", None)
    return ((fmt,) if fmt else ()), style


def line_figure(series: dict, *, xlabel="", ylabel="", title="", xscale="linear", yscale="linear",
                hlines: dict | None = None, styles: dict | None = None, ylim=None, xticks=None,
                legend: bool | dict = True, texts=(), figsize=(5.5, 3.2)):  # fmt: skip
    """Lines of computed values on one axes, with optional horizontal reference lines.

    Args:
        series: label -> ``y`` (plotted against 0, 1, ...) or ``(x, y)``, 1-D each, in
            drawing order.
        xlabel, ylabel, title: labels.
        xscale, yscale: ``"linear"`` or ``"log"``.
        hlines: label -> ``y`` or ``(y, style)`` of horizontal reference lines (a label
            starting with ``_`` is left out of the legend, as matplotlib does).
        styles: label -> a format string (``"o-"``) or a dict of line properties (may hold
            ``"fmt"``), for series and reference lines.
        ylim: the y range, or None for matplotlib's.
        xticks: tick positions on x, or None.
        legend: draw a legend (a dict: its keyword arguments).
        texts: ``(x, y, text)`` or ``(x, y, text, style)`` notes written in data coordinates.
        figsize: the figure's size in inches.
    Returns:
        a :class:`matplotlib.figure.Figure` with one axes: its ``lines`` are the series in
        order, then the reference lines; its ``texts`` the notes.
    Raises:
        ValueError: an empty ``series``, a series whose x and y differ in length.
    """
    if not series:
        raise ValueError("series must hold at least one line")
    styles = styles or {}
    fig = new_figure(figsize)
    ax = fig.subplots()
    for label, values in series.items():
        x, y = _xy(values)
        args, kwargs = _style(styles.get(label))
        ax.plot(x, y, *args, label=label, **kwargs)
    for label, ref in (hlines or {}).items():
        y, style = ref if isinstance(ref, tuple) else (ref, styles.get(label))
        _, kwargs = _style(style)
        ax.axhline(float(y), label=label, **kwargs)
    for note in texts:
        x, y, text, *style = note
        ax.text(x, y, text, **(style[0] if style else {}))
    ax.set(xlabel=xlabel, ylabel=ylabel, xscale=xscale, yscale=yscale)
    if title:
        ax.set_title(title)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if xticks is not None:
        ax.set_xticks(list(xticks))
    if legend:
        ax.legend(**(legend if isinstance(legend, dict) else {}))
    fig.tight_layout()
    return fig


def line_panels_figure(panels: dict, *, xlabel="", ylabel="", sharey: bool = True,
                       legend: bool | dict = True, figsize=(9, 3.2)):  # fmt: skip
    """Panels side by side, each with lines of computed values (e.g. one run per setting).

    Args:
        panels: title -> series, each series as :func:`line_figure` takes it (label -> ``y``
            or ``(x, y)``), in drawing order.
        xlabel: every panel's x label; ylabel: the first panel's y label.
        sharey: the panels share the y axis.
        legend: a legend in every panel (a dict: its keyword arguments).
        figsize: the figure's size in inches.
    Returns:
        a :class:`matplotlib.figure.Figure` with one axes per panel, in order; each axes'
        ``lines`` are its series in order.
    Raises:
        ValueError: no panels, a panel without series, a series whose x and y differ in length.
    """
    if not panels or not all(panels.values()):
        raise ValueError("panels must hold at least one panel, each with at least one line")
    fig = new_figure(figsize)
    axes = fig.subplots(1, len(panels), squeeze=False, sharey=sharey)[0]
    for ax, (title, series) in zip(axes, panels.items(), strict=True):
        for label, values in series.items():
            ax.plot(*_xy(values), label=label)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        if legend:
            ax.legend(**(legend if isinstance(legend, dict) else {}))
    axes[0].set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def heatmaps_figure(maps: dict, *, xlabel="", ylabel="", cmap="viridis", ticks=None,
                    colorbar_label=None, figsize=(4.2, 3.6)):  # fmt: skip
    """Matrices as images side by side (rows down, columns across), e.g. masks or scores.

    Args:
        maps: title -> a 2-D array, in order (an empty title draws none).
        xlabel, ylabel: every panel's axis labels.
        cmap: the colour map.
        ticks: tick positions on both axes of every panel, or None for matplotlib's.
        colorbar_label: add a colour bar to each panel with this label (None: no bar).
        figsize: the figure's size in inches.
    Returns:
        a :class:`matplotlib.figure.Figure` whose first ``len(maps)`` axes hold one image
        each, in order (colour bars come after them).
    Raises:
        ValueError: no maps, a map that is not 2-D.
    """
    if not maps:
        raise ValueError("maps must hold at least one matrix")
    arrays = {t: np.asarray(m, dtype=float) for t, m in maps.items()}
    for t, m in arrays.items():
        if m.ndim != 2:
            raise ValueError(f"each map must be 2-D, got shape {m.shape} for {t!r}")
    fig = new_figure(figsize)
    axes = fig.subplots(1, len(arrays), squeeze=False)[0]
    for ax, (title, m) in zip(axes, arrays.items(), strict=True):
        im = ax.imshow(m, cmap=cmap)
        if ticks is not None:
            ax.set_xticks(list(ticks))
            ax.set_yticks(list(ticks))
        if title:
            ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if colorbar_label is not None:
            fig.colorbar(im, ax=ax, label=colorbar_label)
    fig.tight_layout()
    return fig


def barh_figure(labels, values, *, xlabel="", figsize=(6, 3.4)):
    """Horizontal bars of computed values, one per label, the first at the top.

    Returns:
        a :class:`matplotlib.figure.Figure` with one axes whose ``patches`` are the bars, in
        the order of ``labels``.
    Raises:
        ValueError: ``labels`` and ``values`` of different lengths.
    """
    labels = [str(s) for s in labels]
    values = np.asarray(values, dtype=float)
    if values.shape != (len(labels),):
        raise ValueError(
            f"values must give one number per label, got {values.shape} for {len(labels)}"
        )
    fig = new_figure(figsize)
    ax = fig.subplots()
    ax.barh(labels, values, color="C0")
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    fig.tight_layout()
    return fig


def bar_figure(values, *, x=None, xlabel="", ylabel="", title="", figsize=(6, 3)):
    """Bars of computed values, one per position (or per ``x``).

    Returns:
        a :class:`matplotlib.figure.Figure` with one axes whose ``patches`` are the bars.
    """
    values = np.asarray(values, dtype=float)
    x = np.arange(len(values)) if x is None else np.asarray(x)
    fig = new_figure(figsize)
    ax = fig.subplots()
    ax.bar(x, values)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    fig.tight_layout()
    return fig


def histogram_figure(values, *, bins=30, xlabel="", ylabel="", mean_label=None, figsize=(6, 3)):
    """A histogram of computed values, their mean marked by a dashed line.

    Args:
        values: 1-D, finite.
        bins: number of bins.
        xlabel, ylabel: labels.
        mean_label: the legend of the mean line, formatted with ``mean=`` (default
            ``"mean {mean:.1f}"``).
    Returns:
        a :class:`matplotlib.figure.Figure`; its axes' ``lines[0]`` is the mean.
    Raises:
        ValueError: empty or non-finite values.
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError("values must be non-empty and finite")
    mean = float(values.mean())
    fig = new_figure(figsize)
    ax = fig.subplots()
    ax.hist(values, bins=bins)
    ax.axvline(mean, color="k", ls="--", label=(mean_label or "mean {mean:.1f}").format(mean=mean))
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    fig.tight_layout()
    return fig
