r"""What training a language model costs: operations, GPU time, energy.

The estimates rest on one rule. A dense Transformer with :math:`N` parameters,
trained on :math:`D` tokens, performs about

.. math:: C \approx 6\,N\,D

floating-point operations (FLOPs) (Kaplan et al., 2020). From :math:`C`, a
GPU's peak throughput and the fraction of it a training run achieves give GPU
time; GPU time, the power a GPU draws and the data centre's overhead give energy.
Each function takes plain numbers or NumPy arrays (element-wise) and rejects
non-positive or non-finite input with a ``ValueError`` naming the argument.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array

__all__ = [
    "A100_BF16_DENSE_FLOPS",
    "CHINCHILLA_TOKENS_PER_PARAM",
    "SECONDS_PER_DAY",
    "chinchilla_optimal",
    "chinchilla_tokens",
    "emissions_tonnes",
    "energy_kwh",
    "fit_power_law",
    "gpu_days",
    "gpu_hours",
    "implied_utilization",
    "pf_days",
    "power_law_crossing",
    "throughput_flops",
    "training_flops",
]

#: Peak dense BF16/FP16 Tensor Core throughput of one NVIDIA A100, in FLOP/s
#: (312 TFLOP/s; 624 with 2:4 structured sparsity), from NVIDIA's A100 whitepaper.
A100_BF16_DENSE_FLOPS = 312e12

#: Training tokens per parameter of a compute-optimal model, the rule of thumb read
#: from Hoffmann et al. (2022): 70 B parameters on 1.4 T tokens, 10 B on 205 B.
CHINCHILLA_TOKENS_PER_PARAM = 20.0

SECONDS_PER_DAY = 86_400.0


def _positive(value, name: str) -> np.ndarray:
    """``value`` as a finite float64 array whose entries are all > 0."""
    arr = as_array(value, name)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be positive, got a minimum of {arr.min()}")
    return arr


def _out(arr: np.ndarray):
    """A Python float for a 0-d result, the array otherwise."""
    return float(arr) if arr.ndim == 0 else arr


def _fraction(value, name: str) -> np.ndarray:
    arr = _positive(value, name)
    if np.any(arr > 1):
        raise ValueError(f"{name} must be a fraction in (0, 1], got a maximum of {arr.max()}")
    return arr


def training_flops(n_params, n_tokens):
    r"""Floating-point operations to train ``n_params`` parameters on ``n_tokens`` tokens.

    .. math:: C = 6\,N\,D

    Why 6. In the forward pass each parameter (a weight :math:`w` of a matrix
    product :math:`y = \sum_i w_i x_i`) is used once per token in one multiply and
    one add: **2 FLOPs per parameter per token**. The backward pass needs, for
    each weight, the gradient with respect to its input
    (:math:`\partial L/\partial x_i = w_i\,\partial L/\partial y`) and with
    respect to the weight itself (:math:`\partial L/\partial w_i = x_i\,\partial L/\partial y`):
    two products of the same size as the forward one, **4 FLOPs**. In total
    :math:`2 + 4 = 6` per parameter per token. The rule leaves out attention's
    score computation (small while the context is short compared with the model
    width), embeddings' lookups, normalisation and the optimizer step, so it
    slightly underestimates.

    Args:
        n_params: parameter count :math:`N`, scalar or array.
        n_tokens: training tokens :math:`D`, scalar or array (broadcast with ``n_params``).
    Returns:
        :math:`C` in FLOPs, a float for scalar input, else an array of the broadcast shape.
    Raises:
        ValueError: a non-positive, NaN or infinite argument (named in the message).
        TypeError: a non-numeric argument.
    """
    n = _positive(n_params, "n_params")
    d = _positive(n_tokens, "n_tokens")
    return _out(6.0 * n * d)


def pf_days(flops):
    r"""Compute in petaflop/s-days, the unit of Brown et al. (2020).

    .. math:: \text{PF-days} = \frac{C}{10^{15}\ \text{FLOP/s} \times 86\,400\ \text{s}}

    Raises ``ValueError`` for non-positive ``flops``.
    """
    c = _positive(flops, "flops")
    return _out(c / (1e15 * SECONDS_PER_DAY))


def gpu_hours(flops, peak_flops=A100_BF16_DENSE_FLOPS, utilization=0.4):
    r"""GPU-hours to perform ``flops`` operations.

    .. math:: T = \frac{C}{u \cdot P \cdot 3600}

    where :math:`P` is one GPU's peak throughput in FLOP/s and :math:`u` the
    fraction of it the run achieves (the *model FLOPs utilization*; 30–50 % is
    typical of large Transformer training runs).

    Args:
        flops: the compute :math:`C`, scalar or array.
        peak_flops: :math:`P` in FLOP/s (default: an A100, 312e12, dense BF16).
        utilization: :math:`u`, in (0, 1].
    Returns:
        GPU-hours, a float or an array.
    Raises:
        ValueError: non-positive ``flops`` or ``peak_flops``; ``utilization`` outside (0, 1].
    """
    c = _positive(flops, "flops")
    p = _positive(peak_flops, "peak_flops")
    u = _fraction(utilization, "utilization")
    return _out(c / (u * p * 3600.0))


def gpu_days(flops, peak_flops=A100_BF16_DENSE_FLOPS, utilization=0.4):
    r"""GPU-days to perform ``flops`` operations: :func:`gpu_hours` divided by 24.

    .. math:: T = \frac{C}{u \cdot P \cdot 86\,400}

    Same arguments and errors as :func:`gpu_hours`.
    """
    return _out(np.asarray(gpu_hours(flops, peak_flops, utilization)) / 24.0)


def implied_utilization(flops, gpu_hours_used, peak_flops=A100_BF16_DENSE_FLOPS):
    r"""The fraction of peak throughput a run achieved, from its compute and GPU-hours.

    .. math:: u = \frac{C}{T \cdot 3600 \cdot P}

    The inverse of :func:`gpu_hours`. A result above 1 means the inputs are
    inconsistent (more operations than the GPUs could have done); it is returned,
    not clipped, so that a reader sees it.

    Raises ``ValueError`` for non-positive arguments.
    """
    c = _positive(flops, "flops")
    t = _positive(gpu_hours_used, "gpu_hours_used")
    p = _positive(peak_flops, "peak_flops")
    return _out(c / (t * 3600.0 * p))


def throughput_flops(n_params, tokens_per_second):
    r"""FLOP/s achieved by one device that trains on ``tokens_per_second`` tokens.

    .. math:: \text{FLOP/s} = 6\,N \times \text{tokens/s}

    The same 6 FLOPs per parameter per token as :func:`training_flops`.
    Raises ``ValueError`` for non-positive arguments.
    """
    n = _positive(n_params, "n_params")
    r = _positive(tokens_per_second, "tokens_per_second")
    return _out(6.0 * n * r)


def chinchilla_tokens(n_params, tokens_per_param=CHINCHILLA_TOKENS_PER_PARAM):
    r"""Training tokens for a compute-optimal model of ``n_params`` parameters.

    .. math:: D_{\text{opt}} \approx 20\,N

    A rule of thumb from Hoffmann et al. (2022), whose fitted estimates give about
    20 tokens per parameter across the range they studied. Raises ``ValueError``
    for non-positive arguments.
    """
    n = _positive(n_params, "n_params")
    r = _positive(tokens_per_param, "tokens_per_param")
    return _out(r * n)


def chinchilla_optimal(flops, tokens_per_param=CHINCHILLA_TOKENS_PER_PARAM):
    r"""The compute-optimal model size and token count for a budget of ``flops``.

    With :math:`C = 6ND` and :math:`D = rN` (:math:`r \approx 20`),
    :math:`C = 6rN^2`, so

    .. math:: N_{\text{opt}} = \sqrt{\frac{C}{6r}}, \qquad D_{\text{opt}} = r\,N_{\text{opt}}.

    Args:
        flops: the budget :math:`C`, scalar or array.
        tokens_per_param: :math:`r`.
    Returns:
        ``(n_params, n_tokens)``, floats or arrays.
    Raises:
        ValueError: non-positive arguments.
    """
    c = _positive(flops, "flops")
    r = _positive(tokens_per_param, "tokens_per_param")
    n = np.sqrt(c / (6.0 * r))
    return _out(n), _out(r * n)


def energy_kwh(gpu_hours_used, watts_per_gpu, pue=1.0):
    r"""Electrical energy of a training run in kilowatt-hours.

    .. math:: E = T \times \frac{W}{1000} \times \mathrm{PUE}

    :math:`T` is GPU-hours, :math:`W` the power one GPU draws (its rated board
    power is an upper bound: 400 W for an A100 SXM), and the *power usage
    effectiveness* :math:`\mathrm{PUE} \ge 1` the data centre's total power per
    watt delivered to the computers (cooling, conversion losses). The formula of
    Touvron et al. (2023), who used a PUE of 1.1. CPUs, memory and network are
    left out unless folded into :math:`W`.

    Raises:
        ValueError: non-positive ``gpu_hours_used`` or ``watts_per_gpu``; ``pue`` below 1.
    """
    t = _positive(gpu_hours_used, "gpu_hours_used")
    w = _positive(watts_per_gpu, "watts_per_gpu")
    p = as_array(pue, "pue")
    if np.any(p < 1):
        raise ValueError(f"pue must be at least 1, got a minimum of {p.min()}")
    return _out(t * w / 1000.0 * p)


def emissions_tonnes(kwh, kg_co2e_per_kwh):
    r"""Emissions in tonnes of CO₂-equivalent for ``kwh`` of electricity.

    .. math:: \text{tCO}_2\text{e} = E \times \frac{\text{intensity}}{1000}

    The carbon intensity depends on where and when the electricity is made
    (Touvron et al. (2023) used the US average, 0.385 kg CO₂e/kWh).
    Raises ``ValueError`` for non-positive arguments.
    """
    e = _positive(kwh, "kwh")
    k = _positive(kg_co2e_per_kwh, "kg_co2e_per_kwh")
    return _out(e * k / 1000.0)


def fit_power_law(C, L):
    r"""Least-squares fit of :math:`L = a\,C^{-\alpha}` in log-log space.

    .. math::
        \ln L = \ln a - \alpha \ln C,

    a straight line fitted to the points :math:`(\ln C_i, \ln L_i)` by ordinary least
    squares (Kaplan et al. 2020 fit their compute curves this way, with an irreducible loss
    this small fit leaves out).

    Args:
        C: training compute of each run, ``[n]``, :math:`n \ge 2`, not all equal.
        L: its loss, ``[n]``, positive.
    Returns:
        ``(a, alpha)``.
    Raises:
        ValueError: fewer than two points, mismatched lengths, non-positive values, or
        equal computes.
    """
    C, L = _positive(C, "C"), _positive(L, "L")
    if C.ndim != 1 or C.shape != L.shape or C.size < 2:
        raise ValueError(f"C and L must be 1-D of the same length >= 2, got {C.shape}, {L.shape}")
    if np.ptp(np.log(C)) == 0:
        raise ValueError("C must hold at least two different values")
    x, y = np.log(C), np.log(L)
    xm, ym = x.mean(), y.mean()
    slope = float(np.sum((x - xm) * (y - ym)) / np.sum((x - xm) ** 2))
    return float(np.exp(ym - slope * xm)), -slope


def power_law_crossing(a, alpha, L):
    r"""The compute at which :math:`a\,C^{-\alpha}` reaches the loss ``L``: :math:`C = (a/L)^{1/\alpha}`.

    Raises:
        ValueError: non-positive ``a``, ``alpha`` or ``L``.
    """
    a, alpha, L = (float(_positive(v, n)) for v, n in ((a, "a"), (alpha, "alpha"), (L, "L")))
    return (a / L) ** (1.0 / alpha)
