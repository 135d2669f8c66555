r"""Regularisation (正则化): dropout, the L2 penalty (weight decay) and early stopping.

**Dropout** (inverted, as Keras's ``Dropout``): during training each unit is kept with
probability :math:`1 - p` and scaled by :math:`1/(1-p)`, so its expected value is unchanged;
at inference nothing is dropped.

.. math::
    \operatorname{dropout}(A) = \frac{M \odot A}{1 - p},\quad M_{ij} \sim \text{Bernoulli}(1-p),
    \qquad \frac{\partial L}{\partial A} = \frac{M \odot G}{1 - p}.

**L2 penalty** on the weights, added to the loss, and its gradient:

.. math::
    R(W) = \frac{\lambda}{2}\sum_l \lVert W^{(l)}\rVert^2, \qquad
    \frac{\partial R}{\partial W^{(l)}} = \lambda W^{(l)}.

With plain gradient descent the penalty is exactly *weight decay*: each step first shrinks
every weight by the factor :math:`1 - \alpha\lambda`. (With Adam the two differ; AdamW
applies the decay outside the adaptive step.)

**Early stopping** watches the validation loss after each epoch and stops once it has
not improved for ``patience`` epochs, keeping the best epoch's weights.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, as_scalar

__all__ = [
    "dropout",
    "dropout_backward",
    "dropout_mask",
    "early_stopping",
    "l2_penalty",
    "l2_penalty_grad",
]


def _rate(p) -> float:
    p = as_scalar(p, "rate")
    if not 0.0 <= p < 1.0:
        raise ValueError(f"rate must be in [0, 1), got {p}")
    return p


def dropout_mask(shape, rate, seed=0):
    r"""A keep-mask :math:`M` of ``shape``: each entry is 1 with probability ``1 - rate``.

    Raises:
        ValueError: ``rate`` outside [0, 1).
    """
    rate = _rate(rate)
    return (np.random.default_rng(seed).uniform(size=shape) >= rate).astype(np.float64)


def _mask_args(A, M, rate):
    A = as_array(A, "A")
    M = as_array(M, "mask")
    if M.shape != A.shape:
        raise ValueError(f"mask must have the shape of its input {A.shape}, got {M.shape}")
    if np.any((M != 0) & (M != 1)):
        raise ValueError("mask must hold only 0 and 1")
    return A, M, _rate(rate)


def dropout(A, mask, rate):
    r"""Inverted dropout in training, :math:`M \odot A / (1 - p)`, with a given mask.

    Args:
        A: activations, any shape; mask: 0/1 array of the same shape (:func:`dropout_mask`);
        rate: the drop probability :math:`p \in [0, 1)`.
    Returns:
        an array of ``A``'s shape.
    Raises:
        ValueError: shapes differ, a mask entry other than 0 or 1, ``rate`` outside [0, 1).
    """
    A, M, p = _mask_args(A, mask, rate)
    return M * A / (1.0 - p)


def dropout_backward(G, mask, rate):
    r""":math:`\partial L/\partial A = M \odot G / (1 - p)`: the dropped units pass no gradient.

    Args and errors as :func:`dropout`, with ``G`` the gradient of the output.
    """
    G, M, p = _mask_args(G, mask, rate)
    return M * G / (1.0 - p)


def _weights(weights):
    return [as_array(W, f"weights[{i}]") for i, W in enumerate(weights)]


def _strength(lam) -> float:
    lam = as_scalar(lam, "lam")
    if lam < 0:
        raise ValueError(f"lam must be >= 0, got {lam}")
    return lam


def l2_penalty(weights, lam):
    r""":math:`R = \frac{\lambda}{2}\sum_l \lVert W^{(l)}\rVert^2` over a list of weight arrays.

    Raises:
        ValueError: ``lam < 0``, or a weight with NaN or inf.
    """
    lam = _strength(lam)
    return 0.5 * lam * sum(float(np.sum(W * W)) for W in _weights(weights))


def l2_penalty_grad(weights, lam):
    r""":math:`\partial R/\partial W^{(l)} = \lambda W^{(l)}`, one array per weight."""
    lam = _strength(lam)
    return [lam * W for W in _weights(weights)]


def early_stopping(val_losses, patience=2, min_delta=0.0):
    r"""Where training with early stopping stops, given the validation loss of each epoch.

    An epoch *improves* if its loss is below the best so far by more than ``min_delta``.
    Training stops after ``patience`` epochs in a row without improvement.

    Args:
        val_losses: the validation loss after epochs 0, 1, 2, ... (1-D, not empty).
        patience: a positive integer.
        min_delta: the smallest decrease that counts, :math:`\ge 0`.
    Returns:
        ``(best, stop)``: the index of the best epoch (whose weights are kept) and the index
        of the last epoch that runs (``len(val_losses) - 1`` if it never stops early).
    Raises:
        ValueError: empty or non-finite losses, ``patience < 1``, ``min_delta < 0``.
    """
    losses = as_array(val_losses, "val_losses", ndim=(1,))
    if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 1:
        raise ValueError(f"patience must be a positive integer, got {patience!r}")
    min_delta = as_scalar(min_delta, "min_delta")
    if min_delta < 0:
        raise ValueError(f"min_delta must be >= 0, got {min_delta}")
    best, wait = 0, 0
    for epoch in range(1, len(losses)):
        if losses[epoch] < losses[best] - min_delta:
            best, wait = epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best, epoch
    return best, len(losses) - 1
