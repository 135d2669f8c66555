r"""Neural-network layers in numpy, each with a hand-written backward pass.

Every layer keeps its parameters as named float64 arrays (the names of the text:
``W``, ``b``, ``U``, ``E``), computes its output with :meth:`forward`, and, given the
gradient of a scalar loss with respect to that output, returns the gradient with
respect to its input from :meth:`backward` and stores the gradients of its
parameters in ``grads`` (a dict with the same keys as ``params``).

==================  =====================================================================
layer               forward pass
==================  =====================================================================
:class:`Dense`      :math:`A = f(XW + \mathbf b)`
:class:`Embedding`  :math:`Y_{n t} = E_{x_{n t}}` (row :math:`x_{nt}` of :math:`E`)
:class:`SimpleRNN`  :math:`\mathbf h_t = \tanh(\mathbf x_t W + \mathbf h_{t-1} U + \mathbf b)`
:class:`Conv1D`     :math:`Y_{n t f} = f\big(\sum_{j,c} X_{n,\, st+j,\, c}\, W_{j c f} + b_f\big)`
==================  =====================================================================

The weight layouts are Keras 3's, so ``layer.set_weights(keras_layer.get_weights())``
makes the numpy layer compute what the Keras layer computes (the tests check this
to 1e-10 in float64, and every backward pass against ``tf.GradientTape`` and finite
differences).
"""

from __future__ import annotations

import numpy as np

from . import activations
from ._checks import as_array, positive_int

__all__ = ["Conv1D", "Dense", "Embedding", "Layer", "SimpleRNN", "glorot_uniform"]


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def glorot_uniform(shape, fan_in, fan_out, rng):
    r"""Glorot (Xavier) uniform initialisation, Keras's default for kernels.

    Draws from :math:`U(-\ell, \ell)` with :math:`\ell = \sqrt{6 / (\text{fan\_in} + \text{fan\_out})}`.
    """
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


class Layer:
    """Base class: named parameters, their gradients, and Keras-style weight loading.

    Subclasses set ``params`` (name -> array, in Keras's ``get_weights()`` order; each is
    also an attribute, ``layer.W``), call :meth:`_reset`, and implement :meth:`forward` and :meth:`backward`.
    """

    params: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the parameters, in Keras's ``get_weights()`` order."""
        return [p.copy() for p in self.params.values()]

    def set_weights(self, weights) -> None:
        """Load parameters from a list in Keras's ``get_weights()`` order.

        Raises:
            ValueError: wrong number of arrays, a wrong shape, or non-finite values.
        """
        weights = list(weights)
        if len(weights) != len(self.params):
            raise ValueError(
                f"weights must hold {len(self.params)} arrays ({', '.join(self.params)}), "
                f"got {len(weights)}"
            )
        for (name, p), w in zip(self.params.items(), weights, strict=True):
            w = as_array(w, f"weights[{name}]")
            if w.shape != p.shape:
                raise ValueError(f"weights[{name}] must have shape {p.shape}, got {w.shape}")
            p[...] = w

    def _reset(self):
        """Zero gradients of every parameter, and no forward pass yet."""
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._cache = None

    def __getattr__(self, name):
        """``layer.W`` is ``layer.params["W"]``, and so for every parameter."""
        params = self.__dict__.get("params", {})
        if name in params:
            return params[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _need_cache(self):
        if getattr(self, "_cache", None) is None:
            raise RuntimeError("call forward() before backward()")
        return self._cache

    def __call__(self, x):
        return self.forward(x)


class Dense(Layer):
    r"""A fully connected layer (全连接层): :math:`A = f(XW + \mathbf b)`.

    Backward pass, with :math:`G = \partial L/\partial A` and :math:`Z = XW + \mathbf b`:

    .. math::
        \frac{\partial L}{\partial Z} = G \odot f'(Z),\quad
        \frac{\partial L}{\partial W} = X^\top \frac{\partial L}{\partial Z},\quad
        \frac{\partial L}{\partial \mathbf b} = \sum_n \frac{\partial L}{\partial Z_n},\quad
        \frac{\partial L}{\partial X} = \frac{\partial L}{\partial Z} W^\top .

    Args:
        n_in: input features.
        n_out: output units.
        activation: a name known to :func:`llmbook.activations.get` (default ``"linear"``).
        seed: an integer or ``np.random.Generator`` for the Glorot-uniform initial ``W``
            (``b`` starts at 0, as in Keras).
    Parameters:
        ``W`` ``[n_in, n_out]`` and ``b`` ``[n_out]`` (Keras's ``kernel`` and ``bias``).
    Raises:
        ValueError: sizes not positive integers, unknown activation.
    """

    def __init__(self, n_in, n_out, activation="linear", seed=None):
        self.n_in, self.n_out = positive_int(n_in, "n_in"), positive_int(n_out, "n_out")
        self.activation = activation
        self.f, self.f_grad = activations.get(activation)
        rng = _rng(seed)
        self.params = {
            "W": glorot_uniform(
                (self.n_in, self.n_out), self.n_in, self.n_out, rng
            ),  # [n_in, n_out]
            "b": np.zeros(self.n_out),  # [n_out]
        }
        self._reset()

    def forward(self, X):
        r"""Compute :math:`A = f(XW + \mathbf b)`.

        Args:
            X: ``[..., n_in]`` (usually ``[batch, n_in]``).
        Returns:
            ``A``: ``[..., n_out]``.
        Raises:
            ValueError: last dimension is not ``n_in``, empty or non-finite input.
        """
        X = as_array(X, "X")
        if X.ndim == 0 or X.shape[-1] != self.n_in:
            raise ValueError(f"X must have shape [..., {self.n_in}], got {X.shape}")
        Z = X @ self.W + self.b  # [..., n_out]
        self._cache = (X, Z)
        return self.f(Z)

    def backward(self, dA):
        r"""Given :math:`\partial L/\partial A` (``[..., n_out]``), return :math:`\partial L/\partial X`.

        Stores ``grads["W"]`` ``[n_in, n_out]`` and ``grads["b"]`` ``[n_out]``.
        """
        X, Z = self._need_cache()
        dA = as_array(dA, "dA")
        if dA.shape != Z.shape:
            raise ValueError(f"dA must have the output's shape {Z.shape}, got {dA.shape}")
        dZ = dA * self.f_grad(Z)  # [..., n_out]
        X2, dZ2 = X.reshape(-1, self.n_in), dZ.reshape(-1, self.n_out)
        self.grads["W"] = X2.T @ dZ2  # [n_in, n_out]
        self.grads["b"] = dZ2.sum(axis=0)  # [n_out]
        return dZ @ self.W.T  # [..., n_in]


class Embedding(Layer):
    r"""An embedding table (嵌入层): token id :math:`i` is mapped to row :math:`E_i`.

    The lookup is the same as multiplying a one-hot vector by :math:`E`, so the
    gradient of row :math:`i` is the sum of the output gradients at every position
    where token :math:`i` occurs; rows of tokens not in the batch get zero gradient.
    The integer input has no gradient.

    Args:
        vocab_size: number of rows (ids ``0 .. vocab_size-1``).
        dim: the embedding dimension.
        seed: for the initial ``E``, uniform in [-0.05, 0.05] as in Keras.
    Parameters:
        ``E`` ``[vocab_size, dim]`` (Keras's ``embeddings``).
    """

    def __init__(self, vocab_size, dim, seed=None):
        self.vocab_size, self.dim = positive_int(vocab_size, "vocab_size"), positive_int(dim, "dim")
        self.params = {"E": _rng(seed).uniform(-0.05, 0.05, (self.vocab_size, self.dim))}
        self._reset()

    def forward(self, ids):
        """Look up each id.

        Args:
            ids: integer array of any shape, e.g. ``[batch, seq]``.
        Returns:
            ``[*ids.shape, dim]``.
        Raises:
            TypeError: ids are not integers.
            ValueError: an id outside ``[0, vocab_size)``, or no ids.
        """
        ids = np.asarray(ids)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"ids must be integers, got dtype {ids.dtype}")
        if ids.size == 0:
            raise ValueError("ids must not be empty")
        if ids.min() < 0 or ids.max() >= self.vocab_size:
            raise ValueError(
                f"ids must lie in [0, {self.vocab_size - 1}], got {ids.min()}..{ids.max()}"
            )
        self._cache = ids
        return self.E[ids]

    def backward(self, dY):
        r""":math:`\partial L/\partial E_i = \sum_{(n,t): x_{nt}=i} \partial L/\partial Y_{nt}`; returns ``None``."""
        ids = self._need_cache()
        dY = as_array(dY, "dY")
        if dY.shape != (*ids.shape, self.dim):
            raise ValueError(f"dY must have shape {(*ids.shape, self.dim)}, got {dY.shape}")
        dE = np.zeros_like(self.E)
        np.add.at(dE, ids.reshape(-1), dY.reshape(-1, self.dim))
        self.grads["E"] = dE
        return None


def _orthogonal(n, rng):
    q, r = np.linalg.qr(rng.normal(size=(n, n)))
    return q * np.sign(np.diag(r))


class SimpleRNN(Layer):
    r"""The Elman recurrent layer of Keras's ``SimpleRNN`` (循环层), with tanh.

    .. math:: \mathbf h_t = \tanh(\mathbf x_t W + \mathbf h_{t-1} U + \mathbf b), \qquad \mathbf h_0 = \mathbf 0.

    Backward pass (backpropagation through time), with :math:`\mathbf g_t` the total
    gradient reaching :math:`\mathbf h_t` (from the output at :math:`t` and from
    :math:`\mathbf h_{t+1}`):

    .. math::
        \boldsymbol\delta_t = \mathbf g_t \odot (1 - \mathbf h_t^2),\quad
        \frac{\partial L}{\partial W} = \sum_t \mathbf x_t^\top \boldsymbol\delta_t,\quad
        \frac{\partial L}{\partial U} = \sum_t \mathbf h_{t-1}^\top \boldsymbol\delta_t,\quad
        \frac{\partial L}{\partial \mathbf b} = \sum_t \boldsymbol\delta_t,\quad
        \frac{\partial L}{\partial \mathbf x_t} = \boldsymbol\delta_t W^\top,\quad
        \mathbf g_{t-1} \mathrel{+}= \boldsymbol\delta_t U^\top .

    Args:
        n_in: input features per time step.
        units: size of the hidden state.
        return_sequences: return every :math:`\mathbf h_t` (``[batch, T, units]``) or
            only the last (``[batch, units]``, Keras's default).
        seed: for the initial weights (Glorot-uniform ``W``, orthogonal ``U``, zero ``b``).
    Parameters:
        ``W`` ``[n_in, units]``, ``U`` ``[units, units]``, ``b`` ``[units]``
        (Keras's ``kernel``, ``recurrent_kernel``, ``bias``).
    """

    def __init__(self, n_in, units, return_sequences=False, seed=None):
        self.n_in, self.units = positive_int(n_in, "n_in"), positive_int(units, "units")
        self.return_sequences = bool(return_sequences)
        rng = _rng(seed)
        self.params = {
            "W": glorot_uniform(
                (self.n_in, self.units), self.n_in, self.units, rng
            ),  # [n_in, units]
            "U": _orthogonal(self.units, rng),  # [units, units]
            "b": np.zeros(self.units),  # [units]
        }
        self._reset()

    def forward(self, X):
        """Run the recurrence over the sequence.

        Args:
            X: ``[batch, T, n_in]``.
        Returns:
            ``[batch, T, units]`` if ``return_sequences`` else ``[batch, units]``.
        Raises:
            ValueError: wrong shape, empty or non-finite input.
        """
        X = as_array(X, "X", ndim=(3,))
        if X.shape[-1] != self.n_in:
            raise ValueError(f"X must have shape [batch, T, {self.n_in}], got {X.shape}")
        batch, T, _ = X.shape
        H = np.zeros((batch, T + 1, self.units))  # [batch, T+1, units]; H[:, 0] = h_0 = 0
        XW = X @ self.W + self.b  # [batch, T, units]
        for t in range(T):
            H[:, t + 1] = np.tanh(XW[:, t] + H[:, t] @ self.U)
        self._cache = (X, H)
        return H[:, 1:].copy() if self.return_sequences else H[:, -1].copy()

    def backward(self, dOut):
        r"""Backpropagation through time; returns :math:`\partial L/\partial X` ``[batch, T, n_in]``."""
        X, H = self._need_cache()
        batch, T, _ = X.shape
        dOut = as_array(dOut, "dOut")
        expected = (batch, T, self.units) if self.return_sequences else (batch, self.units)
        if dOut.shape != expected:
            raise ValueError(f"dOut must have shape {expected}, got {dOut.shape}")
        dX = np.zeros_like(X)
        dW, dU, db = np.zeros_like(self.W), np.zeros_like(self.U), np.zeros_like(self.b)
        g = np.zeros((batch, self.units))  # gradient reaching h_t from h_{t+1}
        for t in range(T - 1, -1, -1):
            if self.return_sequences:
                g = g + dOut[:, t]
            elif t == T - 1:
                g = g + dOut
            delta = g * (1.0 - H[:, t + 1] ** 2)  # [batch, units]
            dW += X[:, t].T @ delta
            dU += H[:, t].T @ delta
            db += delta.sum(axis=0)
            dX[:, t] = delta @ self.W.T
            g = delta @ self.U.T
        self.grads = {"W": dW, "U": dU, "b": db}
        return dX


class Conv1D(Layer):
    r"""A one-dimensional convolution (卷积层) as in Keras's ``Conv1D`` (a cross-correlation).

    .. math:: Y_{n t f} = f\Big(\sum_{j=0}^{k-1} \sum_{c} \tilde X_{n,\, s t + j,\, c}\, W_{j c f} + b_f\Big)

    where :math:`\tilde X` is the input padded as Keras pads it: not at all for
    ``"valid"``; for ``"same"`` with :math:`\lceil T/s \rceil` outputs, a total of
    :math:`\max((\lceil T/s\rceil - 1)s + k - T, 0)` zeros, the smaller half on the left.

    Backward pass, with :math:`D = \partial L/\partial Z`:
    :math:`\partial L/\partial W_{jcf} = \sum_{n,t} \tilde X_{n, st+j, c} D_{ntf}`,
    :math:`\partial L/\partial b_f = \sum_{n,t} D_{ntf}`, and each input position
    collects :math:`\sum_{f} D_{ntf} W_{jcf}` from every output window it falls in.

    Args:
        n_in: input channels.
        filters: output channels (the number of filters, 滤波器数量).
        kernel_size: the window length :math:`k` (卷积核大小).
        strides: the step :math:`s` between windows.
        padding: ``"valid"`` or ``"same"``.
        activation: a name known to :func:`llmbook.activations.get`.
        seed: for the Glorot-uniform initial ``W``.
    Parameters:
        ``W`` ``[kernel_size, n_in, filters]``, ``b`` ``[filters]``.
    """

    def __init__(
        self, n_in, filters, kernel_size, strides=1, padding="valid", activation="linear", seed=None
    ):
        self.n_in, self.filters = positive_int(n_in, "n_in"), positive_int(filters, "filters")
        self.k, self.s = positive_int(kernel_size, "kernel_size"), positive_int(strides, "strides")
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding
        self.f, self.f_grad = activations.get(activation)
        self.activation = activation
        rng = _rng(seed)
        fan_in, fan_out = self.k * self.n_in, self.k * self.filters
        self.params = {
            "W": glorot_uniform((self.k, self.n_in, self.filters), fan_in, fan_out, rng),
            "b": np.zeros(self.filters),  # [filters]
        }
        self._reset()

    def _pads(self, T):
        if self.padding == "valid":
            if T < self.k:
                raise ValueError(
                    f"X has {T} time steps, fewer than kernel_size={self.k} ('valid' padding)"
                )
            return 0, 0, (T - self.k) // self.s + 1
        out = -(-T // self.s)
        total = max((out - 1) * self.s + self.k - T, 0)
        return total // 2, total - total // 2, out

    def forward(self, X):
        """Slide the filters over the sequence.

        Args:
            X: ``[batch, T, n_in]``.
        Returns:
            ``[batch, T_out, filters]``.
        Raises:
            ValueError: wrong shape, too short for ``"valid"``, empty or non-finite input.
        """
        X = as_array(X, "X", ndim=(3,))
        if X.shape[-1] != self.n_in:
            raise ValueError(f"X must have shape [batch, T, {self.n_in}], got {X.shape}")
        left, right, T_out = self._pads(X.shape[1])
        Xp = np.pad(X, ((0, 0), (left, right), (0, 0)))  # [batch, T + pads, n_in]
        span = (T_out - 1) * self.s + 1
        # windows[n, t, j, c] = Xp[n, s*t + j, c]
        windows = np.stack([Xp[:, j : j + span : self.s] for j in range(self.k)], axis=2)
        Z = np.einsum("ntjc,jcf->ntf", windows, self.W) + self.b  # [batch, T_out, filters]
        self._cache = (X.shape, Xp.shape, left, windows, Z)
        return self.f(Z)

    def backward(self, dY):
        r"""Given :math:`\partial L/\partial Y` ``[batch, T_out, filters]``, return :math:`\partial L/\partial X`."""
        x_shape, xp_shape, left, windows, Z = self._need_cache()
        dY = as_array(dY, "dY")
        if dY.shape != Z.shape:
            raise ValueError(f"dY must have shape {Z.shape}, got {dY.shape}")
        D = dY * self.f_grad(Z)  # [batch, T_out, filters]
        self.grads = {
            "W": np.einsum("ntjc,ntf->jcf", windows, D),
            "b": D.sum(axis=(0, 1)),
        }
        dXp = np.zeros(xp_shape)
        span = (Z.shape[1] - 1) * self.s + 1
        dwin = np.einsum("ntf,jcf->ntjc", D, self.W)  # [batch, T_out, k, n_in]
        for j in range(self.k):
            dXp[:, j : j + span : self.s] += dwin[:, :, j]
        return dXp[:, left : left + x_shape[1]]
