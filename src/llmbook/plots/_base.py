"""What every figure function shares: making a figure, and the artists an update moves."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

__all__ = ["new_figure"]


def new_figure(figsize, dpi=None, pyplot: bool = True) -> Figure:
    """A new empty figure, shown by the notebook (``pyplot``) or standalone.

    A chapter's figure is made through pyplot, so that the notebook shows it under the
    cell. An explorer's figure is a plain :class:`matplotlib.figure.Figure`, as matplotlib
    advises for figures embedded in another interface: pyplot does not keep it, so it is
    never shown twice nor needs closing, and it is drawn with the Agg renderer.
    """
    if pyplot:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=figsize, dpi=dpi)
    return Figure(figsize=figsize, dpi=dpi)


def artists(fig):
    try:
        return fig.llmbook_artists
    except AttributeError:
        raise ValueError("fig was not made by an llmbook.plots *_figure function") from None


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bool(np.array_equal(a, b))
    return a == b


def static_changed(art, key) -> bool:
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
