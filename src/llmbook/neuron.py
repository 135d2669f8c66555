r"""One artificial neuron: the weighted sum of its inputs plus a bias.

.. math:: z = \sum_{i=1}^{n} w_i x_i + b = \mathbf w^\top \mathbf x + b

The neuron's output is an activation of that sum, :math:`y = f(z)`
(see :mod:`llmbook.activations`).
"""

from __future__ import annotations

import numpy as np

from . import activations
from ._checks import as_array, as_scalar

__all__ = ["neuron_output", "weighted_sum"]


def weighted_sum(x, w, b):
    r"""The pre-activation of one neuron, :math:`z = \sum_i w_i x_i + b`.

    Args:
        x: inputs, shape ``(n,)`` for one sample or ``(m, n)`` for a batch of ``m``.
        w: weights, shape ``(n,)``.
        b: bias, a scalar.

    Returns:
        ``z``: a float for one sample, shape ``(m,)`` for a batch.

    Raises:
        TypeError: if an argument is not numeric.
        ValueError: if ``x`` and ``w`` disagree in ``n``, an array is empty,
            ``b`` is not a single number, or any value is NaN or infinite.
    """
    x, w, b = _check_neuron(x, w, b)  # x: [n] or [m, n], w: [n], b: a number
    z = x @ w + b  # [] or [m]: sum_i w_i x_i + b for each sample
    return float(z) if x.ndim == 1 else z


def _check_neuron(x, w, b):
    x = as_array(x, "x", ndim=(1, 2))
    w = as_array(w, "w", ndim=(1,))
    if x.shape[-1] != w.shape[0]:
        raise ValueError(
            f"x has {x.shape[-1]} inputs per sample but w has {w.shape[0]} weights; they must match"
        )
    return x, w, as_scalar(b, "b")


def neuron_output(x, w, b, activation: str = "sigmoid"):
    r"""The neuron's output :math:`y = f(z)` with :math:`z = \mathbf w^\top \mathbf x + b`.

    Shapes as in :func:`weighted_sum`; ``activation`` is a name known to
    :func:`llmbook.activations.get`.
    """
    f, _ = activations.get(activation)
    z = weighted_sum(x, w, b)
    y = f(z)
    return float(y) if np.ndim(y) == 0 else y
