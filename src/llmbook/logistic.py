r"""Logistic regression (逻辑回归) trained by the package's own gradient descent.

A single sigmoid neuron on a feature vector :math:`\mathbf x_d` (e.g. a bag of words):

.. math::
    p_d = \sigma(\mathbf x_d^\top \mathbf w + b),\qquad
    L = \frac1n\sum_d -\big[y_d \ln p_d + (1-y_d)\ln(1-p_d)\big] + \frac{\lambda}{2}\lVert\mathbf w\rVert^2,

    \frac{\partial L}{\partial \mathbf w} = \frac1n X^\top(\mathbf p - \mathbf y) + \lambda \mathbf w,\qquad
    \frac{\partial L}{\partial b} = \frac1n \sum_d (p_d - y_d).

It is the one-layer case of :class:`llmbook.mlp.MLP`; this module exists because it
accepts sparse :class:`llmbook.text.BagOfWords` features, whose dense form would not
fit in memory, and because the loss is computed from the logits
(:math:`-\ln\sigma(z) = \ln(1+e^{-z})`), which stays finite for any weights.
"""

from __future__ import annotations

import numpy as np

from . import activations
from ._checks import as_array, nonneg, positive_int
from .optim import Optimizer
from .text import BagOfWords

__all__ = ["LogisticRegression"]


def _softplus(z):
    r""":math:`\ln(1 + e^{z})` without overflow."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


class LogisticRegression:
    """Binary logistic regression on dense ``[n, n_features]`` arrays or :class:`BagOfWords`.

    Args:
        n_features: the number of features.
        l2: the weight-decay strength :math:`\\lambda \\ge 0`.
    Attributes:
        w: ``[n_features]`` weights (start at 0); b: the bias (a 1-element array).
    """

    def __init__(self, n_features: int, l2: float = 0.0):
        n_features = positive_int(n_features, "n_features")
        self.l2 = nonneg(l2, "l2")
        self.w = np.zeros(n_features)  # [n_features]
        self.b = np.zeros(1)  # [1]

    def _X(self, X):
        if isinstance(X, BagOfWords):
            if X.n_features != self.w.size:
                raise ValueError(f"X must have {self.w.size} features, got {X.n_features}")
            return X
        X = as_array(X, "X", ndim=(2,))
        if X.shape[1] != self.w.size:
            raise ValueError(f"X must have shape [n, {self.w.size}], got {X.shape}")
        return X

    def logits(self, X) -> np.ndarray:
        r""":math:`z_d = \mathbf x_d^\top\mathbf w + b`, shape ``[n]``."""
        X = self._X(X)
        return (X.dot(self.w) if isinstance(X, BagOfWords) else X @ self.w) + self.b[0]

    def predict_proba(self, X) -> np.ndarray:
        """:math:`p_d = \\sigma(z_d)`, the probability of class 1, shape ``[n]``."""
        return activations.sigmoid(self.logits(X))

    def _y(self, y, n):
        y = as_array(y, "y", ndim=(1,))
        if y.shape != (n,):
            raise ValueError(f"y must have one label per row of X ({n}), got {y.shape[0]}")
        if np.any((y != 0) & (y != 1)):
            raise ValueError("y must hold labels 0 and 1")
        return y

    def loss_and_grads(self, X, y):
        """``(L, dL/dw, dL/db)`` for the data, with the formula of the module docstring."""
        X = self._X(X)
        z = self.logits(X)
        y = self._y(y, z.shape[0])
        n = z.shape[0]
        # -[y ln s(z) + (1-y) ln(1-s(z))] = softplus(z) - y z
        loss = float(np.mean(_softplus(z) - y * z)) + 0.5 * self.l2 * float(self.w @ self.w)
        r = (activations.sigmoid(z) - y) / n  # [n]
        gw = (X.rdot(r) if isinstance(X, BagOfWords) else X.T @ r) + self.l2 * self.w
        return loss, gw, np.array([r.sum()])

    def fit(self, X, y, optimizer: Optimizer, epochs: int = 100, batch_size=None, seed=0):
        """Gradient descent with an :mod:`llmbook.optim` optimizer.

        Args:
            X, y: features and 0/1 labels.
            optimizer: e.g. ``Adam(0.05)``.
            epochs: passes over the data.
            batch_size: rows per step (default: all rows, full-batch gradient descent).
            seed: shuffles the rows each epoch when ``batch_size`` is set.
        Returns:
            the list of training losses, one per step (before each update).
        """
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be an llmbook.optim optimizer, got {optimizer!r}")
        X = self._X(X)
        n = X.shape[0]
        y = self._y(y, n)
        rng = np.random.default_rng(seed)
        history = []
        for _ in range(int(epochs)):
            if batch_size is None:
                batches = [None]
            else:
                order = rng.permutation(n)
                batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
            for idx in batches:
                Xb = X if idx is None else (X.rows(idx) if isinstance(X, BagOfWords) else X[idx])
                yb = y if idx is None else y[idx]
                loss, gw, gb = self.loss_and_grads(Xb, yb)
                optimizer.apply([self.w, self.b], [gw, gb])
                history.append(loss)
        return history
