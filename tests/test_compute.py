"""Training compute, GPU time and energy, checked against values derived by hand
and against the figures the papers publish."""

import math

import numpy as np
import pytest

from llmbook import compute


def test_gpt3_compute_by_hand():
    # GPT-3 (Brown et al. 2020): N = 175e9 parameters, D = 300e9 tokens.
    # 6 * 175e9 * 300e9 = 6 * 5.25e22 = 3.15e23 FLOPs.
    c = compute.training_flops(175e9, 300e9)
    assert c == pytest.approx(3.15e23, rel=1e-12)
    # The paper's Table D.1 gives 3.14e23: the rule is within 0.5 % of it.
    assert abs(c - 3.14e23) / 3.14e23 < 0.005


def test_pf_days_by_hand():
    # 3.14e23 / (1e15 FLOP/s * 86,400 s) = 3.14e23 / 8.64e19 = 3634.26 PF-days
    # (Brown et al. print 3,640, rounded).
    assert compute.pf_days(3.14e23) == pytest.approx(3634.259, abs=1e-3)
    assert compute.pf_days(8.64e19) == pytest.approx(1.0, rel=1e-12)


def test_gpu_time_for_gpt3_on_a100_by_hand():
    # One A100 at 40 % of 312e12 FLOP/s does 0.4 * 312e12 = 1.248e14 FLOP/s,
    # 1.248e14 * 3600 = 4.4928e17 FLOPs per GPU-hour.
    # 3.15e23 / 4.4928e17 = 701,121.79 GPU-hours; / 24 = 29,213.41 GPU-days.
    c = compute.training_flops(175e9, 300e9)
    assert compute.gpu_hours(c, 312e12, 0.4) == pytest.approx(701_121.79, abs=0.01)
    assert compute.gpu_days(c) == pytest.approx(29_213.41, abs=0.01)
    # Doubling the utilisation halves the time.
    assert compute.gpu_days(c, utilization=0.8) == pytest.approx(29_213.41 / 2, abs=0.01)


def test_implied_utilization_of_llama_65b_from_two_published_figures():
    # LLaMA-65B (Touvron et al. 2023): 65.2e9 parameters, 1.4e12 tokens,
    # C = 6 * 65.2e9 * 1.4e12 = 5.4768e23 FLOPs, trained in 1,022,362 A100 GPU-hours.
    # u = 5.4768e23 / (1,022,362 * 3600 * 312e12) = 5.4768e23 / 1.148317e24 = 0.47694.
    c = compute.training_flops(65.2e9, 1.4e12)
    assert c == pytest.approx(5.4768e23, rel=1e-12)
    u = compute.implied_utilization(c, 1_022_362)
    assert u == pytest.approx(0.47694, abs=1e-5)
    # The same paper's throughput, 380 tokens/s per GPU, gives
    # 6 * 65.2e9 * 380 = 1.48656e14 FLOP/s = 47.65 % of 312e12: the two figures agree.
    per_gpu = compute.throughput_flops(65.2e9, 380)
    assert per_gpu == pytest.approx(1.48656e14, rel=1e-12)
    assert per_gpu / compute.A100_BF16_DENSE_FLOPS == pytest.approx(0.47646, abs=1e-5)
    # And gpu_hours inverts implied_utilization.
    assert compute.gpu_hours(c, utilization=u) == pytest.approx(1_022_362, rel=1e-12)


def test_chinchilla_rule_by_hand():
    # 20 tokens per parameter: 70e9 -> 1.4e12, Chinchilla's published training set.
    assert compute.chinchilla_tokens(70e9) == pytest.approx(1.4e12, rel=1e-12)
    # C = 6 N (20 N) = 120 N^2. For C = 1.2e20: N = sqrt(1e18) = 1e9, D = 2e10.
    n, d = compute.chinchilla_optimal(1.2e20)
    assert n == pytest.approx(1e9, rel=1e-12)
    assert d == pytest.approx(2e10, rel=1e-12)
    # Gopher's budget, 5.76e23: N = sqrt(4.8e21) = 6.9282e10, D = 1.38564e12,
    # the 70B / 1.4T of Chinchilla.
    n, d = compute.chinchilla_optimal(5.76e23)
    assert n == pytest.approx(math.sqrt(48) * 1e10, rel=1e-12)
    assert d == pytest.approx(20 * math.sqrt(48) * 1e10, rel=1e-12)
    # The pair spends exactly the budget.
    assert compute.training_flops(n, d) == pytest.approx(5.76e23, rel=1e-12)


def test_energy_and_emissions_of_llama_65b_by_hand():
    # Touvron et al. (2023): MWh = GPU-h * GPU power * PUE, with 400 W and PUE 1.1;
    # tCO2e = MWh * 0.385. 1,022,362 * 0.4 kW * 1.1 = 449,839.28 kWh (the paper: 449 MWh);
    # 449,839.28 * 0.385 / 1000 = 173.188 t (the paper: 173 tCO2e).
    kwh = compute.energy_kwh(1_022_362, 400, pue=1.1)
    assert kwh == pytest.approx(449_839.28, abs=0.01)
    assert compute.emissions_tonnes(kwh, 0.385) == pytest.approx(173.188, abs=1e-3)
    assert compute.energy_kwh(1000, 1000) == pytest.approx(1000.0)


def test_arrays_are_element_wise():
    c = compute.training_flops([1e9, 2e9], [1e10, 1e10])
    np.testing.assert_allclose(c, [6e19, 1.2e20], rtol=1e-12)
    n, d = compute.chinchilla_optimal(np.array([1.2e20, 4.8e20]))
    np.testing.assert_allclose(n, [1e9, 2e9], rtol=1e-12)
    np.testing.assert_allclose(d, [2e10, 4e10], rtol=1e-12)
    assert isinstance(compute.training_flops(1, 1), float)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: compute.training_flops(0, 1e9), "n_params"),
        (lambda: compute.training_flops(1e9, -5), "n_tokens"),
        (lambda: compute.training_flops([1e9, 0], 1e9), "n_params"),
        (lambda: compute.training_flops(float("nan"), 1e9), "n_params"),
        (lambda: compute.training_flops(1e9, float("inf")), "n_tokens"),
        (lambda: compute.pf_days(0), "flops"),
        (lambda: compute.gpu_hours(1e20, peak_flops=0), "peak_flops"),
        (lambda: compute.gpu_hours(1e20, utilization=0), "utilization"),
        (lambda: compute.gpu_days(1e20, utilization=1.5), "utilization"),
        (lambda: compute.implied_utilization(1e20, -1), "gpu_hours_used"),
        (lambda: compute.throughput_flops(1e9, 0), "tokens_per_second"),
        (lambda: compute.chinchilla_tokens(-1), "n_params"),
        (lambda: compute.chinchilla_optimal(1e20, tokens_per_param=0), "tokens_per_param"),
        (lambda: compute.energy_kwh(10, 0), "watts_per_gpu"),
        (lambda: compute.energy_kwh(10, 400, pue=0.9), "pue"),
        (lambda: compute.emissions_tonnes(100, 0), "kg_co2e_per_kwh"),
    ],
)
def test_bad_input_is_rejected_with_the_argument_named(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="n_params"):
        compute.training_flops("175B", 300e9)
    with pytest.raises(TypeError, match="flops"):
        compute.gpu_days(None)


def test_six_flops_per_parameter_per_token_as_tensorflow_counts_them(tf):
    """Independent reference: TensorFlow's profiler counts the FLOPs of the traced graph.

    One weight matrix W [d_in, d_out] (N = d_in * d_out parameters) applied to D tokens:
    forward  x @ W                      2 * D * d_in * d_out = 2ND
    backward dL/dx = g @ W^T, dL/dW = x^T @ g, each the same size: 4ND
    plus the loss reduce_sum over [D, d_out]: D * d_out - 1 additions.
    """
    tf.get_logger().setLevel("ERROR")
    d_tokens, d_in, d_out = 8, 5, 3
    w = tf.Variable(tf.random.stateless_normal([d_in, d_out], seed=[1, 2], dtype=tf.float64))
    spec = tf.TensorSpec([d_tokens, d_in], tf.float64)

    def flops(fn):
        graph = tf.function(fn).get_concrete_function(spec).graph
        options = {**tf.compat.v1.profiler.ProfileOptionBuilder.float_operation(), "output": "none"}
        return tf.compat.v1.profiler.profile(graph=graph, options=options).total_float_ops

    def forward(x):
        return x @ w

    def forward_backward(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(x @ w)
        return tape.gradient(loss, [x, w])

    n = d_in * d_out
    assert flops(forward) == 2 * n * d_tokens
    loss_sum = d_tokens * d_out - 1
    assert flops(forward_backward) == compute.training_flops(n, d_tokens) + loss_sum


def test_power_law_fit_recovers_a_law_derived_by_hand():
    """L = 12 C^-0.05 at C = 1e12, 1e13, 1e14: ln L falls by 0.05 ln 10 per decade, so the
    fit must return a = 12, alpha = 0.05, and L = 6 is reached at C = (12/6)^(1/0.05) = 2^20."""
    C = np.array([1e12, 1e13, 1e14])
    L = 12.0 * C**-0.05
    a, alpha = compute.fit_power_law(C, L)
    assert a == pytest.approx(12.0, rel=1e-9) and alpha == pytest.approx(0.05, rel=1e-9)
    assert compute.power_law_crossing(a, alpha, 6.0) == pytest.approx(2.0**20, rel=1e-6)


def test_power_law_fit_is_least_squares_in_log_space():
    """Three points off the line: the fitted slope is the OLS slope of ln L on ln C, worked
    out by hand for x = ln C = (0, 1, 2), y = ln L = (1, 0.4, 0.1): x mean 1, y mean 0.5,
    slope = ((-1)(0.5) + 0 + (1)(-0.4)) / 2 = -0.45, intercept 0.5 + 0.45 = 0.95."""
    C = np.exp([0.0, 1.0, 2.0])
    L = np.exp([1.0, 0.4, 0.1])
    a, alpha = compute.fit_power_law(C, L)
    assert alpha == pytest.approx(0.45) and a == pytest.approx(np.exp(0.95))


@pytest.mark.parametrize(
    "C, L",
    [
        ([1.0], [2.0]),
        ([1.0, 2.0], [2.0]),
        ([1.0, 1.0], [2.0, 3.0]),
        ([1.0, -2.0], [2.0, 3.0]),
        ([1.0, 2.0], [2.0, np.nan]),
    ],
)
def test_power_law_fit_refuses_bad_points(C, L):
    with pytest.raises(ValueError):
        compute.fit_power_law(C, L)
