r"""Optimizers: how a gradient becomes a change of the weights, with Keras 3's exact semantics.

Both optimizers update a list of numpy arrays **in place** from a list of gradients of
the same shapes; :meth:`Optimizer.apply` must be called with the same parameters, in
the same order, at every step (the state of Adam is kept per position).

**SGD** (Keras ``keras.optimizers.SGD``), learning rate :math:`\alpha`, momentum :math:`\mu`:

.. math::
    \mu = 0:\ \ w \leftarrow w - \alpha g; \qquad
    \mu > 0:\ \ m \leftarrow \mu m - \alpha g,\ \ w \leftarrow w + m
    \ \ (\text{Nesterov: } w \leftarrow w + \mu m - \alpha g).

**Adam** (Keras ``keras.optimizers.Adam``), at step :math:`t = 1, 2, \dots`:

.. math::
    m \leftarrow m + (1-\beta_1)(g - m),\quad
    v \leftarrow v + (1-\beta_2)(g^2 - v),\quad
    \hat\alpha_t = \alpha \frac{\sqrt{1-\beta_2^{\,t}}}{1-\beta_1^{\,t}},\quad
    w \leftarrow w - \hat\alpha_t \frac{m}{\sqrt v + \epsilon}.

Keras folds the bias corrections into the step size :math:`\hat\alpha_t` and adds
:math:`\epsilon` to :math:`\sqrt v` *uncorrected*; the paper (Kingma and Ba) adds it to
:math:`\sqrt{\hat v}`. The two differ by a factor of :math:`\sqrt{1-\beta_2^t}` on
:math:`\epsilon`, which is visible in the first steps when gradients are tiny. The
default :math:`\epsilon` is Keras's :math:`10^{-7}` (the paper's is :math:`10^{-8}`).

**Float32 hyperparameters.** Keras keeps the learning rate in a float32 variable even
when the weights are float64 (0.1 becomes 0.100000001490116), and converts SGD's
momentum and Adam's :math:`\beta_1, \beta_2` to float32 constants before using them in
the momentum update and the bias corrections (0.999 becomes 0.99900001287); the
factors :math:`1-\beta` of Adam's moment updates stay in double precision. With
``keras_float32=True`` the optimizers round the same numbers the same way, and a
float64 trajectory agrees with Keras's to the last bits; by default they use the
values exactly as given (the two differ by about :math:`10^{-6}` relative after a few
dozen Adam steps).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, as_scalar, positive

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """Base class. Subclasses implement :meth:`_update` for one parameter."""

    def __init__(self, learning_rate, keras_float32=False):
        self.keras_float32 = bool(keras_float32)
        self.learning_rate = self._f32(positive(learning_rate, "learning_rate"))
        self.iterations = 0
        self._state: list[dict] | None = None

    def apply(self, params, grads) -> None:
        """Update each array of ``params`` in place from the matching array of ``grads``.

        Args:
            params: list of float64 arrays (modified in place).
            grads: list of arrays of the same shapes.
        Raises:
            ValueError: lengths or shapes differ, non-finite gradients, or a different
                set of parameters than at the first call.
        """
        params, grads = list(params), list(grads)
        if len(params) != len(grads):
            raise ValueError(
                f"params and grads must have the same length, got {len(params)} and {len(grads)}"
            )
        checked = []
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if not isinstance(p, np.ndarray) or p.dtype != np.float64:
                raise TypeError(f"params[{i}] must be a float64 numpy array (updated in place)")
            g = as_array(g, f"grads[{i}]", allow_empty=True)
            if g.shape != p.shape:
                raise ValueError(f"grads[{i}] must have shape {p.shape}, got {g.shape}")
            checked.append(g)
        if self._state is None:
            self._state = [self._init_state(p) for p in params]
        elif len(self._state) != len(params) or any(
            s["shape"] != p.shape for s, p in zip(self._state, params, strict=True)
        ):
            raise ValueError("apply() must get the same parameters at every step")
        self.iterations += 1
        for p, g, s in zip(params, checked, self._state, strict=True):
            self._update(p, g, s)

    def _f32(self, x: float) -> float:
        """``x`` rounded to float32 if ``keras_float32``, else unchanged."""
        return float(np.float32(x)) if self.keras_float32 else x

    def _init_state(self, p):
        return {"shape": p.shape}

    def _update(self, p, g, state):  # pragma: no cover - abstract
        raise NotImplementedError


class SGD(Optimizer):
    r"""Stochastic gradient descent, :math:`w \leftarrow w - \alpha g`, optionally with momentum.

    Args:
        learning_rate: :math:`\alpha > 0` (Keras's default 0.01).
        momentum: :math:`\mu \in [0, 1)`.
        nesterov: use Nesterov momentum.
        keras_float32: round the learning rate and momentum to float32 as Keras does.
    Raises:
        ValueError: ``learning_rate <= 0`` or ``momentum`` outside [0, 1).
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, keras_float32=False):
        super().__init__(learning_rate, keras_float32)
        momentum = as_scalar(momentum, "momentum")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = self._f32(momentum)
        self.nesterov = bool(nesterov)

    def _init_state(self, p):
        return {"shape": p.shape, "m": np.zeros_like(p)}

    def _update(self, p, g, s):
        lr, mu = self.learning_rate, self.momentum
        if mu == 0:
            p -= lr * g
            return
        s["m"] = mu * s["m"] - lr * g
        if self.nesterov:
            p += mu * s["m"] - lr * g
        else:
            p += s["m"]


class Adam(Optimizer):
    r"""Adam with Keras 3's update (see the module docstring for the formula).

    Args:
        learning_rate: :math:`\alpha > 0` (default 0.001).
        beta_1, beta_2: decay rates of the first and second moments, in [0, 1).
        epsilon: :math:`\epsilon > 0` (default :math:`10^{-7}`, as Keras).
        keras_float32: round the learning rate, and the betas in the bias corrections,
            to float32 as Keras does.
    Raises:
        ValueError: a non-positive learning rate or epsilon, betas outside [0, 1).
    """

    def __init__(
        self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, keras_float32=False
    ):
        super().__init__(learning_rate, keras_float32)
        self.beta_1 = as_scalar(beta_1, "beta_1")
        self.beta_2 = as_scalar(beta_2, "beta_2")
        for name, beta in (("beta_1", self.beta_1), ("beta_2", self.beta_2)):
            if not 0 <= beta < 1:
                raise ValueError(f"{name} must be in [0, 1), got {beta}")
        self.epsilon = positive(epsilon, "epsilon")

    def _init_state(self, p):
        return {"shape": p.shape, "m": np.zeros_like(p), "v": np.zeros_like(p)}

    def _update(self, p, g, s):
        t = self.iterations
        b1_t, b2_t = self._f32(self.beta_1) ** t, self._f32(self.beta_2) ** t
        alpha = self.learning_rate * np.sqrt(1 - b2_t) / (1 - b1_t)
        s["m"] += (g - s["m"]) * (1 - self.beta_1)
        s["v"] += (g * g - s["v"]) * (1 - self.beta_2)
        p -= alpha * s["m"] / (np.sqrt(s["v"]) + self.epsilon)
