r"""Backpropagation through one neuron, every intermediate value kept.

For one sample :math:`\mathbf x` with target :math:`y_{true}`, a neuron with
weights :math:`\mathbf w`, bias :math:`b` and activation :math:`f` computes

.. math::
    z = \mathbf w^\top \mathbf x + b, \qquad y = f(z), \qquad L = \ell(y_{true}, y).

The chain rule gives the gradients (no minus sign anywhere: the minus belongs
to the update step, not to the derivative):

.. math::
    \frac{\partial L}{\partial z} = \frac{\partial L}{\partial y}\,\frac{\partial y}{\partial z},\qquad
    \frac{\partial L}{\partial w_i} = \frac{\partial L}{\partial z}\,x_i,\qquad
    \frac{\partial L}{\partial b} = \frac{\partial L}{\partial z},

and one step of gradient descent with learning rate :math:`\alpha` is

.. math::
    w_i \leftarrow w_i - \alpha \frac{\partial L}{\partial w_i},\qquad
    b \leftarrow b - \alpha \frac{\partial L}{\partial b}.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import activations, losses
from ._checks import as_array, as_scalar, positive, positive_int

__all__ = ["NeuronStep", "single_neuron_step", "train_single_neuron"]


@dataclass(frozen=True)
class NeuronStep:
    """The trace of one forward pass, backward pass and update of a single neuron.

    Inputs: ``x`` (n,), ``w`` (n,), ``b``, ``y_true``, ``lr``. Forward: ``z``, ``y``,
    ``loss``. Backward: ``dloss_dy`` (:math:`\\partial L/\\partial y`), ``dy_dz``
    (:math:`f'(z)`), ``dloss_dz``, ``grad_w`` (n,), ``grad_b``. Update: ``w_new`` (n,),
    ``b_new``.
    """

    x: np.ndarray
    w: np.ndarray
    b: float
    y_true: float
    lr: float
    z: float
    y: float
    loss: float
    dloss_dy: float
    dy_dz: float
    dloss_dz: float
    grad_w: np.ndarray
    grad_b: float
    w_new: np.ndarray
    b_new: float


def _check_step(x, w, b, y_true, lr):
    x = np.atleast_1d(as_array(x, "x", ndim=(0, 1)))
    w = np.atleast_1d(as_array(w, "w", ndim=(0, 1)))
    if x.shape != w.shape:
        raise ValueError(f"x and w must have the same shape (n,), got {x.shape} and {w.shape}")
    return x, w, as_scalar(b, "b"), as_scalar(y_true, "y_true"), positive(lr, "lr")


def single_neuron_step(x, w, b, y_true, lr, activation="sigmoid", loss="squared_error"):
    r"""One forward pass, backward pass and gradient-descent update of a single neuron.

    .. math::
        z = \mathbf w^\top\mathbf x + b,\quad y = f(z),\quad L = \ell(y_{true}, y),\\
        \frac{\partial L}{\partial w_i} = \frac{\partial L}{\partial y}\, f'(z)\, x_i,\quad
        w_i^{new} = w_i - \alpha\,\frac{\partial L}{\partial w_i},\quad
        b^{new} = b - \alpha\,\frac{\partial L}{\partial y}\, f'(z).

    ``loss="squared_error"`` is :math:`L = (y_{true} - y)^2`, the loss of the source
    article's example; ``"binary_cross_entropy"`` is also available
    (see :func:`llmbook.losses.get`).

    Args:
        x: one sample, a scalar or shape ``(n,)``.
        w: weights, the same shape as ``x``.
        b: bias, a scalar.
        y_true: the target, a scalar.
        lr: learning rate :math:`\alpha > 0`.
        activation: a name known to :func:`llmbook.activations.get`.
        loss: a name known to :func:`llmbook.losses.get`.
    Returns:
        :class:`NeuronStep` holding every intermediate value.
    Raises:
        TypeError, ValueError: non-numeric, non-finite or mismatched inputs,
            ``lr <= 0``, unknown activation or loss name.
    """
    x, w, b, y_true, lr = _check_step(x, w, b, y_true, lr)  # x, w: [n]
    f, f_grad = activations.get(activation)
    L, L_grad = losses.get(loss)
    # forward
    z = float(x @ w + b)
    y = float(f(z))
    # backward, by the chain rule: dL/dw_i = dL/dy * dy/dz * dz/dw_i, with dz/dw_i = x_i
    dL_dy = float(L_grad(y_true, y))
    dy_dz = float(f_grad(z))
    dL_dz = dL_dy * dy_dz
    grad_w, grad_b = dL_dz * x, dL_dz  # [n], and dz/db = 1
    # update
    w_new = w - lr * grad_w
    b_new = b - lr * grad_b
    return NeuronStep(
        x, w, b, y_true, lr, z, y, L(y_true, y), dL_dy, dy_dz, dL_dz, grad_w, grad_b, w_new, b_new
    )


def train_single_neuron(
    x, w, b, y_true, lr, steps=20, activation="sigmoid", loss="squared_error"
) -> list[NeuronStep]:
    """Repeat :func:`single_neuron_step` ``steps`` times, each starting from the last update.

    Arguments as in :func:`single_neuron_step`; ``steps`` is a positive integer.

    Returns:
        the list of ``steps`` :class:`NeuronStep` traces; ``history[k].loss`` is
        the loss before the ``k``-th update, ``history[-1].w_new`` the final weights.
    Raises:
        ValueError: ``steps`` not a positive integer, and as :func:`single_neuron_step`.
    """
    steps = positive_int(steps, "steps")
    history = []
    for _ in range(int(steps)):
        step = single_neuron_step(x, w, b, y_true, lr, activation=activation, loss=loss)
        history.append(step)
        w, b = step.w_new, step.b_new
    return history
