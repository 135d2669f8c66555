"""Plain charts of computed numbers: lines, bars, a histogram.

For the chapters' figures that are one kind of chart of numbers the chapter computed (a
loss per step, a count per order, a cost per position). Each takes the numbers and the
labels, so the notebook holds no drawing code; the tests check that the plotted values
are the numbers given.
"""

from __future__ import annotations

import numpy as np

from ._base import new_figure

__all__ = ["bar_figure", "histogram_figure", "line_figure"]


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
                legend: bool | dict = True, figsize=(5.5, 3.2)):  # fmt: skip
    """Lines of computed values on one axes, with optional horizontal reference lines.

    Args:
        series: label -> ``y`` (plotted against 0, 1, ...) or ``(x, y)``, 1-D each, in
            drawing order.
        xlabel, ylabel, title: labels.
        xscale, yscale: ``"linear"`` or ``"log"``.
        hlines: label -> ``y`` or ``(y, style)`` of horizontal reference lines.
        styles: label -> a format string (``"o-"``) or a dict of line properties (may hold
            ``"fmt"``), for series and reference lines.
        ylim: the y range, or None for matplotlib's.
        xticks: tick positions on x, or None.
        legend: draw a legend (a dict: its keyword arguments).
        figsize: the figure's size in inches.
    Returns:
        a :class:`matplotlib.figure.Figure` with one axes: its ``lines`` are the series in
        order, then the reference lines.
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
