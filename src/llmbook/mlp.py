r"""A multi-layer perceptron (多层感知机): a stack of :class:`~llmbook.layers.Dense` layers.

.. math::
    A^{(0)} = X,\qquad A^{(l)} = f_l\big(A^{(l-1)} W^{(l)} + \mathbf b^{(l)}\big),\quad l = 1..L,
    \qquad \hat Y = A^{(L)},\qquad \mathcal L = \ell(Y, \hat Y).

Backpropagation runs the layers in reverse: the loss gives
:math:`\partial\mathcal L/\partial \hat Y`; each layer turns the gradient of its output
into the gradients of its ``W`` and ``b`` and the gradient of its input, which is the
gradient of the previous layer's output (see :meth:`llmbook.layers.Dense.backward`).

Losses (names as in :mod:`llmbook.losses`, averaged over the batch as Keras does):

- ``"mse"``: mean over all outputs of :math:`(y - \hat y)^2`.
- ``"binary_cross_entropy"``: with a sigmoid output. Its gradient at the
  pre-activation is computed in the simplified form :math:`(\hat y - y)/n`, which is
  exact and never divides by zero.
- ``"softmax_cross_entropy"``: the last layer outputs logits (linear); targets are
  integer class indices; :math:`\partial\mathcal L/\partial Z = (\mathrm{softmax}(Z) - Y)/m`.
"""

from __future__ import annotations

import numpy as np

from . import activations as _activations
from . import losses as _losses
from ._checks import as_array, positive_int
from .layers import Dense
from .optim import Optimizer

__all__ = ["LOSSES", "MLP"]

#: The losses an :class:`MLP` can be trained with.
LOSSES = ("mse", "binary_cross_entropy", "softmax_cross_entropy")

_DEFAULT_OUTPUT = {
    "mse": "linear",
    "binary_cross_entropy": "sigmoid",
    "softmax_cross_entropy": "linear",
}


class MLP:
    r"""A fully connected network of ``len(sizes) - 1`` Dense layers.

    Args:
        sizes: layer widths ``[n_in, h_1, ..., n_out]`` (at least two entries).
        activation: the hidden layers' activation, one name or a list of one name per
            hidden layer (names of :func:`llmbook.activations.get`).
        loss: one of :data:`LOSSES`.
        output_activation: the last layer's activation; by default ``"linear"`` for
            ``"mse"`` and ``"softmax_cross_entropy"`` (logits), ``"sigmoid"`` for
            ``"binary_cross_entropy"`` (which requires it).
        seed: integer or ``np.random.Generator`` for the initial weights (Glorot uniform,
            zero biases, as Keras).
    Raises:
        ValueError: bad sizes, unknown activation or loss, a binary cross-entropy
            network whose output is not sigmoid, or a softmax one whose output is not linear.

    Attributes:
        layers: the list of :class:`~llmbook.layers.Dense` layers.
        grads: after :meth:`backward`, one dict ``{"W": ..., "b": ...}`` per layer.
    """

    def __init__(self, sizes, activation="relu", loss="mse", output_activation=None, seed=None):
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least [n_in, n_out], got {sizes}")
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; expected one of {', '.join(LOSSES)}")
        n_hidden = len(sizes) - 2
        hidden = [activation] * n_hidden if isinstance(activation, str) else list(activation)
        if len(hidden) != n_hidden:
            raise ValueError(
                f"activation must be one name or {n_hidden} names (one per hidden layer), "
                f"got {len(hidden)}"
            )
        out = _DEFAULT_OUTPUT[loss] if output_activation is None else output_activation
        _activations.get(out)
        if loss == "binary_cross_entropy" and out != "sigmoid":
            raise ValueError("binary_cross_entropy needs output_activation='sigmoid'")
        if loss == "softmax_cross_entropy" and out != "linear":
            raise ValueError("softmax_cross_entropy needs a linear output (logits)")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        acts = [*hidden, out]
        self.sizes, self.activations, self.loss_name = sizes, acts, loss
        self.layers = [
            Dense(sizes[i], sizes[i + 1], activation=acts[i], seed=rng) for i in range(len(acts))
        ]
        self.grads: list[dict[str, np.ndarray]] | None = None
        self._out = None

    # ----- parameters -------------------------------------------------------------
    @property
    def params(self) -> list[np.ndarray]:
        """The parameter arrays in Keras's order ``[W1, b1, W2, b2, ...]`` (views, not copies)."""
        return [p for layer in self.layers for p in layer.params.values()]

    @property
    def n_params(self) -> int:
        """The number of trainable numbers."""
        return int(sum(p.size for p in self.params))

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the parameters, in the order of Keras's ``model.get_weights()``."""
        return [p.copy() for p in self.params]

    def set_weights(self, weights) -> None:
        """Load ``[W1, b1, W2, b2, ...]`` (e.g. a Keras model's ``get_weights()``).

        Raises:
            ValueError: wrong number of arrays or a wrong shape.
        """
        weights = list(weights)
        if len(weights) != 2 * len(self.layers):
            raise ValueError(
                f"weights must hold {2 * len(self.layers)} arrays (W and b per layer), "
                f"got {len(weights)}"
            )
        for i, layer in enumerate(self.layers):
            layer.set_weights(weights[2 * i : 2 * i + 2])

    # ----- forward, loss, backward -----------------------------------------------
    def forward(self, X):
        """The network's output for a batch.

        Args:
            X: ``[batch, n_in]``.
        Returns:
            ``[batch, n_out]`` (probabilities for a sigmoid output, logits for softmax).
        Raises:
            ValueError: wrong shape, empty or non-finite input.
        """
        A = as_array(X, "X", ndim=(2,))
        if A.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape [batch, {self.sizes[0]}], got {A.shape}")
        activations_ = [A]
        for layer in self.layers:
            A = layer.forward(A)  # [batch, n_l]
            activations_.append(A)
        self._out = A
        self.layer_outputs = activations_
        return A

    def predict(self, X):
        """Same as :meth:`forward`; for softmax networks, class probabilities instead of logits."""
        out = self.forward(X)
        if self.loss_name == "softmax_cross_entropy":
            return _activations.softmax(out)
        return out

    def _targets(self, y, out):
        if self.loss_name == "softmax_cross_entropy":
            y = np.asarray(y)
            if y.dtype.kind not in "iu":
                raise TypeError(f"y must hold integer class indices, got dtype {y.dtype}")
            if y.shape != (out.shape[0],):
                raise ValueError(
                    f"y must have shape [{out.shape[0]}] (one label per row of X), got {y.shape}"
                )
            return y
        y = as_array(y, "y")
        if y.ndim == 1 and out.shape[1] == 1:
            y = y[:, None]
        if y.shape != out.shape:
            raise ValueError(
                f"y must have the output's shape {out.shape} (one target per row of X), "
                f"got {y.shape}"
            )
        return y

    def _loss_and_grad(self, y, out):
        """The loss and its gradient with respect to the last layer's pre-activation or output."""
        if self.loss_name == "mse":
            return _losses.mse(y, out), _losses.mse_grad(y, out), False
        if self.loss_name == "softmax_cross_entropy":
            return (
                _losses.softmax_cross_entropy(y, out),
                _losses.softmax_cross_entropy_grad(y, out),
                False,
            )
        # Sigmoid + binary cross-entropy: dL/dz = (p - y) / n, computed without dividing by p.
        return _losses.binary_cross_entropy(y, out), (out - y) / y.size, True

    def loss(self, X, y) -> float:
        """The loss of the network on ``(X, y)`` (runs :meth:`forward`)."""
        out = self.forward(X)
        return self._loss_and_grad(self._targets(y, out), out)[0]

    def backward(self, y) -> list[dict[str, np.ndarray]]:
        """Backpropagate the loss of the last :meth:`forward` against targets ``y``.

        Args:
            y: targets: ``[batch, n_out]`` (or ``[batch]`` when ``n_out == 1``) for
                ``"mse"`` and ``"binary_cross_entropy"``; integer ``[batch]`` for softmax.
        Returns:
            one dict per layer, ``{"W": [n_in, n_out], "b": [n_out]}``, also kept in ``grads``.
        Raises:
            RuntimeError: no forward pass yet. ValueError/TypeError: bad targets.
        """
        if self._out is None:
            raise RuntimeError("call forward() before backward()")
        out = self._out
        y = self._targets(y, out)
        self.last_loss, grad, at_z = self._loss_and_grad(y, out)
        remaining = len(self.layers)
        if at_z:
            # The gradient is already with respect to Z of the last layer: undo its f'.
            last = self.layers[-1]
            X_last, _ = last._cache
            last.grads["W"] = X_last.T @ grad
            last.grads["b"] = grad.sum(axis=0)
            grad = grad @ last.W.T
            remaining -= 1
        for layer in reversed(self.layers[:remaining]):
            grad = layer.backward(grad)
        self.grads = [dict(layer.grads) for layer in self.layers]
        return self.grads

    def gradients(self, X, y):
        """``(loss, grads)`` for a batch: :meth:`forward` then :meth:`backward`."""
        self.forward(X)
        grads = self.backward(y)
        return self.last_loss, grads

    def gradient_norms(self, param: str = "W") -> np.ndarray:
        r"""The Frobenius norm :math:`\lVert \partial\mathcal L/\partial W^{(l)}\rVert` of each layer, first to last.

        Call after :meth:`backward` (or :meth:`gradients`). ``param`` is ``"W"`` or ``"b"``.
        Returns an array of shape ``[n_layers]``.
        """
        if self.grads is None:
            raise RuntimeError("call backward() or gradients() first")
        if param not in ("W", "b"):
            raise ValueError(f"param must be 'W' or 'b', got {param!r}")
        return np.array([np.linalg.norm(g[param]) for g in self.grads])

    # ----- training ----------------------------------------------------------------
    def train_step(self, X, y, optimizer: Optimizer) -> float:
        """One step: forward, backward, ``optimizer.apply``. Returns the loss *before* the update.

        That is the value Keras's ``model.train_on_batch`` returns.
        """
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"optimizer must be an llmbook.optim optimizer, got {type(optimizer).__name__}"
            )
        loss, grads = self.gradients(X, y)
        optimizer.apply(self.params, [g for d in grads for g in d.values()])
        return loss

    def fit(self, X, y, optimizer: Optimizer, epochs: int = 1, batch_size=None, seed=None):
        """Train for ``epochs`` passes over the data in mini-batches.

        Args:
            X, y: the data, as in :meth:`backward`.
            optimizer: an :mod:`llmbook.optim` optimizer.
            epochs: positive integer.
            batch_size: rows per step (default: the whole batch).
            seed: if given, the rows are shuffled each epoch with this seed; if ``None``
                they are taken in order.
        Returns:
            list of the losses of every step, before each update.
        """
        X = as_array(X, "X", ndim=(2,))
        n = X.shape[0]
        if len(y) != n:
            raise ValueError(f"X and y must have the same number of rows, got {n} and {len(y)}")
        epochs = positive_int(epochs, "epochs")
        batch_size = n if batch_size is None else batch_size
        batch_size = positive_int(batch_size, "batch_size")
        y = np.asarray(y)
        rng = None if seed is None else np.random.default_rng(seed)
        history = []
        for _ in range(int(epochs)):
            order = np.arange(n) if rng is None else rng.permutation(n)
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                history.append(self.train_step(X[idx], y[idx], optimizer))
        return history
