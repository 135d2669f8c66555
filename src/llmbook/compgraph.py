r"""Backpropagation in matrix form, and the computational graph it runs on.

A fully connected layer computes, for a batch of :math:`m` rows,

.. math::
    Z = XW + \mathbf b, \qquad X: [m, n_{in}],\ W: [n_{in}, n_{out}],\ \mathbf b: [n_{out}].

Backpropagation hands the layer :math:`G = \partial L/\partial Z` (shape ``[m, n_out]``)
and the chain rule, written for whole matrices, gives

.. math::
    \frac{\partial L}{\partial W} = X^\top G, \qquad
    \frac{\partial L}{\partial \mathbf b} = \sum_{i=1}^{m} G_{i,:}, \qquad
    \frac{\partial L}{\partial X} = G W^\top .

Each gradient has the shape of the quantity it belongs to: :math:`X^\top G` is
``[n_in, n_out]`` like :math:`W`, :math:`G W^\top` is ``[m, n_in]`` like :math:`X`.
:func:`graph_figure` draws the graph of one layer followed by an activation and a loss,
with the forward values on the solid arrows and the gradients on the dashed ones.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ._checks import as_array

__all__ = ["graph_figure", "linear_backward", "linear_forward"]


def _linear_args(X, W, b=None):
    X = as_array(X, "X", ndim=(2,))
    W = as_array(W, "W", ndim=(2,))
    if X.shape[1] != W.shape[0]:
        raise ValueError(f"X is [m, {X.shape[1]}] but W is {list(W.shape)}: n_in must agree")
    if b is None:
        return X, W, None
    b = as_array(b, "b", ndim=(1,))
    if b.shape != (W.shape[1],):
        raise ValueError(f"b must have shape [{W.shape[1]}] (n_out), got {list(b.shape)}")
    return X, W, b


def linear_forward(X, W, b):
    r""":math:`Z = XW + \mathbf b` for a batch.

    Args:
        X: ``[m, n_in]``; W: ``[n_in, n_out]``; b: ``[n_out]``.
    Returns:
        Z: ``[m, n_out]``.
    Raises:
        ValueError/TypeError: wrong dimensions, mismatched shapes, NaN or inf.
    """
    X, W, b = _linear_args(X, W, b)
    return X @ W + b  # [m, n_out]


def linear_backward(X, W, G):
    r"""The gradients of :math:`Z = XW + \mathbf b`, given :math:`G = \partial L/\partial Z`.

    .. math::
        \frac{\partial L}{\partial X} = G W^\top,\quad
        \frac{\partial L}{\partial W} = X^\top G,\quad
        \frac{\partial L}{\partial \mathbf b} = \textstyle\sum_i G_{i,:}

    Args:
        X: the layer's input, ``[m, n_in]``; W: ``[n_in, n_out]``;
        G: the gradient arriving from above, ``[m, n_out]``.
    Returns:
        ``(dX, dW, db)`` of shapes ``[m, n_in]``, ``[n_in, n_out]``, ``[n_out]``.
    Raises:
        ValueError/TypeError: wrong dimensions, mismatched shapes, NaN or inf.
    """
    X, W, _ = _linear_args(X, W)
    G = as_array(G, "G", ndim=(2,))
    if G.shape != (X.shape[0], W.shape[1]):
        raise ValueError(f"G must have Z's shape [{X.shape[0]}, {W.shape[1]}], got {list(G.shape)}")
    return _linear_backward(X, W, G)


def _linear_backward(X, W, G):
    """Unchecked kernel of :func:`linear_backward`."""
    dX = G @ W.T  # [m, n_out] @ [n_out, n_in] -> [m, n_in]
    dW = X.T @ G  # [n_in, m] @ [m, n_out] -> [n_in, n_out]
    db = G.sum(axis=0)  # [n_out]
    return dX, dW, db


# (label, x, y) of each node of the graph in graph_figure, and its half-width
_HALF = {"X": 0.4, "W": 0.5, "b": 0.35, "Z": 0.5, "A": 0.45, "L": 0.3}
_NODES = {
    "X": ("$X$\n[m, n_in]", 0.0, 1.6),
    "W": ("$W$\n[n_in, n_out]", 0.0, 0.8),
    "b": (r"$\mathbf{b}$" + "\n[n_out]", 0.0, 0.0),
    "Z": (r"$Z = XW + \mathbf{b}$" + "\n[m, n_out]", 3.0, 0.8),
    "A": ("$A = f(Z)$\n[m, n_out]", 5.6, 0.8),
    "L": (r"$L(A, \mathbf{y})$" + "\nscalar", 7.8, 0.8),
}
# forward edges, and the gradient each carries back
_EDGES = [
    ("X", "Z", r"$\partial L/\partial X = GW^\top$"),
    ("W", "Z", r"$\partial L/\partial W = X^\top G$"),
    ("b", "Z", r"$\partial L/\partial \mathbf{b} = \sum_i G_{i,:}$"),
    ("Z", "A", r"$G = \partial L/\partial Z = \partial L/\partial A \odot f'(Z)$"),
    ("A", "L", r"$\partial L/\partial A$"),
]


def graph_figure():
    """The computational graph of one dense layer, its activation and the loss.

    Solid arrows carry values forward; dashed arrows, drawn under them, carry the
    gradients back, each labelled with the matrix formula of :func:`linear_backward`.

    Returns:
        a :class:`matplotlib.figure.Figure` with one axes.
    """
    fig, ax = plt.subplots(figsize=(10, 3.8))
    box = {"boxstyle": "round,pad=0.35", "fc": "#eef3fb", "ec": "#4060a0"}
    for label, x, y in _NODES.values():
        ax.text(x, y, label, ha="center", va="center", fontsize=9, bbox=box, zorder=3)
    for src, dst, grad in _EDGES:
        _, x0, y0 = _NODES[src]
        _, x1, y1 = _NODES[dst]
        a, c = x0 + _HALF[src] + 0.05, x1 - _HALF[dst] - 0.05
        ax.annotate(
            "",
            xy=(c, y1 + 0.06),
            xytext=(a, y0 + 0.06),
            arrowprops={"arrowstyle": "-|>", "color": "#4060a0", "lw": 1.4},
        )
        ax.annotate(
            "",
            xy=(a, y0 - 0.08),
            xytext=(c, y1 - 0.08),
            arrowprops={"arrowstyle": "-|>", "color": "#c04020", "lw": 1.2, "linestyle": "--"},
        )
        xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
        if src in ("X", "W", "b"):
            xm, ym = {"X": (1.2, 1.95), "W": (1.05, 0.6), "b": (1.2, -0.35)}[src]
        else:
            ym -= 0.42
        ax.text(xm, ym, grad, ha="center", va="center", fontsize=8.5, color="#c04020")
    ax.text(
        4.0,
        2.25,
        "forward: values (solid)   backward: gradients (dashed)",
        ha="center",
        fontsize=9,
        color="0.3",
    )
    ax.set_xlim(-0.8, 8.5)
    ax.set_ylim(-0.55, 2.4)
    ax.axis("off")
    fig.tight_layout()
    return fig
