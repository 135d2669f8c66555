r"""Optimizers: how a gradient becomes a change of the weights, with Keras 3's exact semantics
(and the Adam paper's placement of epsilon as an option).

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
:math:`\epsilon` to :math:`\sqrt v` *uncorrected* (the paper's :math:`\hat\epsilon`); the
paper's algorithm 1 (Kingma and Ba) adds it to :math:`\sqrt{\hat v}`, and
``Adam(epsilon_hat=False)`` does that (the tiny GPT of chapter 15 trains so). The two
differ by a factor of :math:`\sqrt{1-\beta_2^t}` on :math:`\epsilon`, which is visible in
the first steps when gradients are tiny. The default :math:`\epsilon` is Keras's
:math:`10^{-7}` (the paper's is :math:`10^{-8}`). Both optimizers keep the dtype of the
weights (float64, or float32 for fast training) and take a learning rate per step
(``apply(..., learning_rate=...)``) for a schedule.

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

from ._checks import as_float, in_interval, nonneg, positive

__all__ = ["SGD", "Adam", "Optimizer", "clip_by_global_norm"]


class Optimizer:
    """Base class. Subclasses implement :meth:`_update` for one parameter."""

    def __init__(self, learning_rate, keras_float32=False):
        self.keras_float32 = bool(keras_float32)
        self.learning_rate = self._f32(positive(learning_rate, "learning_rate"))
        self.iterations = 0
        self._state: list[dict] | None = None

    def apply(self, params, grads, learning_rate=None, decay=None) -> None:
        """Update each array of ``params`` in place from the matching array of ``grads``.

        Args:
            params: list of float64 (or float32) arrays, modified in place; each keeps
                its dtype.
            grads: list of arrays of the same shapes.
            learning_rate: this step's :math:`\alpha > 0` (a schedule's value); by
                default the one given at construction.
            decay: one bool per parameter, whether weight decay applies to it (default:
                all); used by optimizers with a ``weight_decay``.
        Raises:
            ValueError: lengths or shapes differ, non-finite gradients, a non-positive
                ``learning_rate``, or a different set of parameters than at the first call.
        """
        params, grads = list(params), list(grads)
        if len(params) != len(grads):
            raise ValueError(
                f"params and grads must have the same length, got {len(params)} and {len(grads)}"
            )
        checked = []
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if not isinstance(p, np.ndarray) or p.dtype not in (np.float64, np.float32):
                raise TypeError(
                    f"params[{i}] must be a float64 numpy array (or float32; updated in place)"
                )
            g = as_float(g, f"grads[{i}]", allow_empty=True)
            if g.shape != p.shape:
                raise ValueError(f"grads[{i}] must have shape {p.shape}, got {g.shape}")
            checked.append(g)
        if self._state is None:
            self._state = [self._init_state(p) for p in params]
        elif len(self._state) != len(params) or any(
            s["shape"] != p.shape for s, p in zip(self._state, params, strict=True)
        ):
            raise ValueError("apply() must get the same parameters at every step")
        lr = (
            self.learning_rate
            if learning_rate is None
            else self._f32(positive(learning_rate, "learning_rate"))
        )
        decay = [True] * len(params) if decay is None else [bool(d) for d in decay]
        if len(decay) != len(params):
            raise ValueError(f"decay must have one entry per parameter ({len(params)})")
        self.iterations += 1
        for p, g, s, d in zip(params, checked, self._state, decay, strict=True):
            if d and getattr(self, "weight_decay", 0.0):
                p -= p * self.weight_decay * lr  # decoupled weight decay (AdamW), before the step
            self._update(p, g, s, lr)

    def _f32(self, x: float) -> float:
        """``x`` rounded to float32 if ``keras_float32``, else unchanged."""
        return float(np.float32(x)) if self.keras_float32 else x

    def _init_state(self, p):
        return {"shape": p.shape}

    def _update(self, w, g, state, lr):  # pragma: no cover - abstract
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
        momentum = in_interval(momentum, "momentum", 0.0, 1.0, closed="left")
        self.momentum = self._f32(momentum)
        self.nesterov = bool(nesterov)

    def _init_state(self, p):
        return {"shape": p.shape, "m": np.zeros_like(p)}

    def _update(self, w, g, s, lr):
        r"""One step for the weights ``w`` with gradient ``g`` (both of one shape)."""
        mu = self.momentum
        if mu == 0:
            w -= lr * g  # w <- w - alpha g
            return
        s["m"] = mu * s["m"] - lr * g  # m <- mu m - alpha g
        if self.nesterov:
            w += mu * s["m"] - lr * g  # w <- w + mu m - alpha g
        else:
            w += s["m"]  # w <- w + m


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015), with Keras 3's update or the paper's.

    Both keep the moments :math:`m \leftarrow \beta_1 m + (1-\beta_1) g` and
    :math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2` and correct their bias at step :math:`t`;
    they differ in where :math:`\epsilon` goes:

    - ``epsilon_hat=True`` (Keras, the default): the corrections are folded into the step
      size and :math:`\hat\epsilon` is added to the uncorrected :math:`\sqrt v`,
      :math:`w \leftarrow w - \alpha\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\frac{m}{\sqrt v + \hat\epsilon}`
      (the paper's "more efficient" form, section 2);
    - ``epsilon_hat=False`` (the paper's algorithm 1):
      :math:`w \leftarrow w - \alpha\frac{\hat m}{\sqrt{\hat v} + \epsilon}` with
      :math:`\hat m = m/(1-\beta_1^t)`, :math:`\hat v = v/(1-\beta_2^t)`.

    Each form is computed in the order its source computes it (Keras updates
    :math:`m \mathrel{+}= (g - m)(1-\beta_1)`), so a trajectory agrees with Keras's, or with
    the paper's formula, to the last bits.

    Args:
        learning_rate: :math:`\alpha > 0` (default 0.001).
        beta_1, beta_2: decay rates of the first and second moments, in [0, 1).
        epsilon: :math:`\epsilon > 0` (default :math:`10^{-7}`, as Keras; the paper's is
            :math:`10^{-8}`).
        epsilon_hat: Keras's placement of :math:`\epsilon` (True) or the paper's (False).
        weight_decay: :math:`\lambda \ge 0`. With :math:`\lambda > 0` this is AdamW
            (Loshchilov & Hutter 2019, as ``keras.optimizers.AdamW``): before each step
            the weights shrink, :math:`w \leftarrow w - \alpha_t \lambda w`, apart from
            the gradient and its moments (*decoupled* from them, unlike an L2 penalty
            added to the loss, which Adam's division by :math:`\sqrt v` would rescale).
        keras_float32: round the learning rate, and the betas in the bias corrections,
            to float32 as Keras does.
    Raises:
        ValueError: a non-positive learning rate or epsilon, betas outside [0, 1).
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        keras_float32=False,
        epsilon_hat=True,
        weight_decay=0.0,
    ):
        super().__init__(learning_rate, keras_float32)
        self.weight_decay = nonneg(weight_decay, "weight_decay")
        self.beta_1 = in_interval(beta_1, "beta_1", 0.0, 1.0, closed="left")
        self.beta_2 = in_interval(beta_2, "beta_2", 0.0, 1.0, closed="left")
        self.epsilon = positive(epsilon, "epsilon")
        self.epsilon_hat = bool(epsilon_hat)

    def _init_state(self, p):
        return {"shape": p.shape, "m": np.zeros_like(p), "v": np.zeros_like(p)}

    def _update(self, w, g, s, lr):
        r"""One step for the weights ``w`` with gradient ``g``, moments ``s["m"]``, ``s["v"]``."""
        b1, b2, eps, t = self.beta_1, self.beta_2, self.epsilon, self.iterations
        m, v = s["m"], s["v"]
        if self.epsilon_hat:  # Keras
            m += (g - m) * (1 - b1)
            v += (g * g - v) * (1 - b2)
            alpha_t = lr * np.sqrt(1 - self._f32(b2) ** t) / (1 - self._f32(b1) ** t)
            w -= alpha_t * m / (np.sqrt(v) + eps)
        else:  # the paper
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            m_hat, v_hat = m / (1 - self._f32(b1) ** t), v / (1 - self._f32(b2) ** t)
            w -= lr * m_hat / (np.sqrt(v_hat) + eps)


def clip_by_global_norm(grads, clip_norm):
    r"""Scale all gradients by one factor so that their global norm is at most ``clip_norm``.

    .. math::
        \lVert g \rVert = \sqrt{\textstyle\sum_i \lVert g_i \rVert^2},\qquad
        g_i \leftarrow g_i \cdot \frac{c}{\max(\lVert g \rVert, c)}

    as ``tf.clip_by_global_norm``: the direction of the whole update is kept, only its
    length is capped.

    Args:
        grads: list of arrays.
        clip_norm: :math:`c > 0`, or None to measure the norm only (the gradients are
            returned unchanged).
    Returns:
        ``(clipped, norm)``: the arrays (same dtypes) and the global norm before clipping.
    Raises:
        ValueError: ``clip_norm <= 0`` or non-finite gradients.
    """
    c = None if clip_norm is None else positive(clip_norm, "clip_norm")
    grads = [np.asarray(g) for g in grads]
    for i, g in enumerate(grads):
        if not np.all(np.isfinite(g)):
            raise ValueError(f"grads[{i}] contains NaN or inf")
    norm = float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads)))
    if c is None or norm <= c:
        return grads, norm
    return [(g * (c / norm)).astype(g.dtype, copy=False) for g in grads], norm
