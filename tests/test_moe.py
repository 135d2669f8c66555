"""Mixture of experts: gating against tf.math.top_k, capacity and the balancing loss by hand,
the layer's value and every gradient against tf.GradientTape with the same routing decisions
(float64, 1e-10) and finite differences away from ties, and parameter counts of published
models."""

import numpy as np
import pytest

import llmbook  # noqa: F401  (silences TensorFlow before it is imported)
from llmbook import moe
from llmbook.gradcheck import check_gradient

TOL = 1e-10  # both sides float64; values of order 1, so summation order costs ~1e-15


def test_top_k_gating_by_hand():
    """logits [1, 3, 2], k = 2: experts 1 then 2; gates softmax([3, 2]) = [e, 1] / (e + 1)."""
    experts, gates = moe.top_k_gating([[1.0, 3.0, 2.0]], 2)
    np.testing.assert_array_equal(experts, [[1, 2]])
    np.testing.assert_allclose(gates, [[np.e / (np.e + 1), 1 / (np.e + 1)]], rtol=1e-15)
    experts, gates = moe.top_k_gating([[0.5, 0.5, -1.0]], 1)  # a tie goes to the lower index
    np.testing.assert_array_equal(experts, [[0]])
    np.testing.assert_array_equal(gates, [[1.0]])


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_gating_matches_tensorflow(tf, rng, k):
    logits = rng.normal(size=(20, 6))
    experts, gates = moe.top_k_gating(logits, k)
    values, indices = tf.math.top_k(logits, k=k)
    np.testing.assert_array_equal(experts, indices.numpy())
    np.testing.assert_allclose(gates, tf.nn.softmax(values).numpy(), atol=1e-15, rtol=0)


def test_capacity_by_hand():
    """N = 6 tokens, E = 3, k = 1, c = 1: C = floor(1 * 1 * 6 / 3) = 2. Expert 0 is chosen by
    tokens 0, 1, 2, 5: it keeps tokens 0 and 1 and drops 2 and 5."""
    assert moe.expert_capacity(6, 3, 1, 1.0) == 2
    assert moe.expert_capacity(6, 3, 2, 1.25) == 5  # floor(1.25 * 2 * 6 / 3) = floor(5.0)
    keep = moe.assign_capacity(np.array([[0], [0], [0], [1], [2], [0]]), 3, 2)
    np.testing.assert_array_equal(keep[:, 0], [True, True, False, True, True, False])


def test_first_choices_are_placed_before_second_choices():
    """E = 2, k = 2, N = 3, c = 0.5: C = floor(0.5 * 2 * 3 / 2) = 1. First choices: token 0 takes
    expert 0's slot, token 1's first choice (0) is full, token 2 takes expert 1's slot. Every
    second choice then finds its expert full. Token 1 keeps nothing: it passes through."""
    experts = np.array([[0, 1], [0, 1], [1, 0]])
    keep = moe.assign_capacity(experts, 2, moe.expert_capacity(3, 2, 2, 0.5))
    np.testing.assert_array_equal(keep, [[True, False], [False, False], [True, False]])


def test_load_balancing_loss_by_hand():
    """Uniform: f_i = P_i = 1/E, so E * sum_i (1/E)(1/E) = 1. All N tokens to expert 0 with the
    router's probabilities p = softmax([a, 0, 0, 0]) for every token: f = (1, 0, 0, 0), so the
    loss is E * p_0 = 4 e^a / (e^a + 3), which tends to E = 4 as a grows."""
    E = 4
    experts = np.arange(8)[:, None] % E
    assert moe.load_balancing_loss(np.zeros((8, E)), experts) == pytest.approx(1.0, rel=1e-15)
    a = 3.0
    logits = np.tile([a, 0.0, 0.0, 0.0], (5, 1))
    got = moe.load_balancing_loss(logits, np.zeros((5, 1), dtype=int))
    assert got == pytest.approx(4 * np.exp(a) / (np.exp(a) + 3), rel=1e-14)


def test_load_balancing_grad_matches_gradient_tape(tf, rng):
    logits = rng.normal(size=(10, 5))
    experts, _ = moe.top_k_gating(logits, 2)
    E = logits.shape[1]
    f = np.bincount(experts.ravel(), minlength=E) / experts.size  # held fixed, as in training
    z = tf.Variable(logits)
    with tf.GradientTape() as tape:
        loss = E * tf.reduce_sum(f * tf.reduce_mean(tf.nn.softmax(z), axis=0))
    np.testing.assert_allclose(moe.load_balancing_loss(logits, experts), loss.numpy(), rtol=1e-14)
    np.testing.assert_allclose(
        moe.load_balancing_loss_grad(logits, experts), tape.gradient(loss, z).numpy(), atol=1e-15
    )


def _tf_gelu_tanh(tf, a):
    """GPT-2's tanh GELU written out in float64. (tf.nn.gelu(approximate=True) rounds its
    constant sqrt(2/pi) through float32, which alone moves outputs by about 1e-9.)"""
    c = np.sqrt(2.0 / np.pi)
    return 0.5 * a * (1.0 + tf.tanh(c * (a + 0.044715 * a**3)))


def _tf_moe(tf, x, params, routing, dy, aux_weight):
    """The same layer in TensorFlow, with the routing decisions (experts, kept) fixed from
    ours: logits, gates (softmax over the chosen k), experts with tanh-GELU, balancing loss."""
    E = len(params["experts"])
    xv = tf.Variable(x)
    Wr = tf.Variable(params["W_r"])
    ev = [{n: tf.Variable(v) for n, v in e.items()} for e in params["experts"]]
    f = np.bincount(routing.experts.ravel(), minlength=E) / routing.experts.size
    with tf.GradientTape() as tape:
        logits = xv @ Wr
        gates = tf.nn.softmax(tf.gather(logits, routing.experts, batch_dims=1))  # [N, k]
        y = tf.zeros_like(xv)
        for e in range(E):
            chosen = tf.constant(((routing.experts == e) & routing.keep).astype(np.float64))
            w = tf.reduce_sum(gates * chosen, axis=1, keepdims=True)  # [N, 1]
            hidden = _tf_gelu_tanh(tf, xv @ ev[e]["W_1"] + ev[e]["b_1"])
            y = y + w * (hidden @ ev[e]["W_2"] + ev[e]["b_2"])
        aux = E * tf.reduce_sum(f * tf.reduce_mean(tf.nn.softmax(logits), axis=0))
        loss = tf.reduce_sum(y * dy) + aux_weight * aux
    flat = [xv, Wr] + [e[n] for e in ev for n in ("W_1", "b_1", "W_2", "b_2")]
    grads = tape.gradient(loss, flat)
    return y.numpy(), aux.numpy(), grads


@pytest.mark.parametrize(
    ("k", "capacity_factor", "aux_weight"),
    [(1, None, 0.0), (2, None, 0.0), (2, 1.0, 0.0), (2, 0.5, 0.1), (1, 0.75, 0.01), (3, 1.0, 0.0)],
)
def test_moe_layer_and_gradients_match_gradient_tape(tf, rng, k, capacity_factor, aux_weight):
    N, d, d_ff, E = 24, 6, 10, 4
    params = moe.init_moe_params(d, d_ff, E, rng, scale=0.5)
    for e in params["experts"]:
        e["b_1"], e["b_2"] = rng.normal(size=d_ff), rng.normal(size=d)
    x, dy = rng.normal(size=(N, d)), rng.normal(size=(N, d))
    y, aux, cache = moe.moe_forward(x, params, k, capacity_factor)
    if capacity_factor is not None and capacity_factor < 1:
        assert not cache["routing"].keep.all()  # the case drops tokens
    dx, grads = moe.moe_backward(dy, cache, aux_weight)
    y_tf, aux_tf, g_tf = _tf_moe(tf, x, params, cache["routing"], dy, aux_weight)
    np.testing.assert_allclose(y, y_tf, atol=TOL, rtol=0)
    assert aux == pytest.approx(float(aux_tf), rel=1e-13)
    np.testing.assert_allclose(dx, g_tf[0].numpy(), atol=TOL, rtol=0)
    np.testing.assert_allclose(grads["W_r"], g_tf[1].numpy(), atol=TOL, rtol=0)
    ours = [g[n] for g in grads["experts"] for n in ("W_1", "b_1", "W_2", "b_2")]
    for a, b in zip(ours, g_tf[2:], strict=True):
        ref = np.zeros_like(a) if b is None else b.numpy()  # an expert nobody reached
        np.testing.assert_allclose(a, ref, atol=TOL, rtol=0)


def test_gradients_match_finite_differences_away_from_ties(rng):
    """Routing is piecewise constant: finite differences are valid where no logit gap between
    the k-th and (k+1)-th expert is within the step. We check that the routing does not
    change over the perturbations, then compare."""
    N, d, d_ff, E, k, alpha = 10, 4, 6, 4, 2, 0.3
    params = moe.init_moe_params(d, d_ff, E, rng, scale=0.7)
    x, dy = rng.normal(size=(N, d)), rng.normal(size=(N, d))
    logits = np.sort(x @ params["W_r"], axis=1)
    assert np.min(logits[:, -k] - logits[:, -k - 1]) > 1e-4  # far from a tie at step 1e-6

    def loss(v, which):
        xx, p = (v, params) if which == "x" else (x, dict(params, W_r=v))
        y, aux, c = moe.moe_forward(xx, p, k, capacity_factor=1.0)
        assert np.array_equal(c["routing"].experts, base.experts)  # same decisions
        return float(np.sum(y * dy) + alpha * aux)

    _, _, cache = moe.moe_forward(x, params, k, capacity_factor=1.0)
    base = cache["routing"]
    dx, grads = moe.moe_backward(dy, cache, alpha)
    assert check_gradient(lambda v: loss(v, "x"), lambda _v: dx, x) < 1e-7
    assert check_gradient(lambda v: loss(v, "W_r"), lambda _v: grads["W_r"], params["W_r"]) < 1e-7


def test_a_token_with_every_assignment_dropped_passes_through(rng):
    N, d, E = 12, 4, 3
    params = moe.init_moe_params(d, 5, E, rng, scale=0.5)
    x = rng.normal(size=(N, d))
    y, _, cache = moe.moe_forward(x, params, 1, capacity_factor=0.25)
    r = cache["routing"]
    assert r.capacity == 1  # floor(0.25 * 12 / 3)
    gone = ~r.keep.any(axis=1)
    assert gone.sum() == moe.routing_loads(r)["passed_through"] == N - E * 1 > 0
    np.testing.assert_array_equal(y[gone], 0.0)  # the block's residual x + y = x: unchanged
    dx, _ = moe.moe_backward(np.ones((N, d)), cache)
    np.testing.assert_array_equal(dx[gone], 0.0)


def test_routing_loads_by_hand():
    """Capacity 1, experts [[0], [0], [1]]: expert 0 gets 2 (keeps 1, drops 1), expert 1 gets 1."""
    experts = np.array([[0], [0], [1]])
    keep = moe.assign_capacity(experts, 3, 1)
    r = moe.Routing(np.zeros((3, 3)), experts, np.ones((3, 1)), keep, 1)
    loads = moe.routing_loads(r)
    np.testing.assert_array_equal(loads["routed"], [2, 1, 0])
    np.testing.assert_array_equal(loads["kept"], [1, 1, 0])
    np.testing.assert_array_equal(loads["dropped"], [1, 0, 0])
    assert loads["passed_through"] == 1


def test_mixtral_total_and_active_parameters():
    """Mixtral 8x7B (config.json: d 4096, d_ff 14336, L 32, 32 heads, 8 KV heads of width 128,
    8 experts, 2 per token, V 32000, untied). Per layer: attention 2*4096^2 + 2*4096*1024
    = 41,943,040; one expert 3*4096*14336 = 176,160,768; router 4096*8 = 32,768; norms 8,192.
    Total = 2*32000*4096 + 4096 + 32*(41,943,040 + 8*176,160,768 + 32,768 + 8,192)
          = 262,144,000 + 4,096 + 32*1,451,270,144 = 46,702,792,704;
    active = total - 32*6*176,160,768 = 12,879,925,248. Mistral AI's release announcement
    gives 46.7B total and 12.9B active; Jiang et al. (2024) round them to 47B and 13B."""
    c = moe.parameter_counts(**moe.MIXTRAL_8X7B)
    assert c["total"] == 46_702_792_704
    assert c["active"] == 12_879_925_248
    assert round(c["total"] / 1e9, 1) == 46.7 and round(c["active"] / 1e9, 1) == 12.9


@pytest.mark.parametrize(
    ("cfg", "published"),
    [
        # Llama 2 7B (Touvron et al. 2023): 32 layers, d 4096, d_ff 11008, MHA; 6,738,415,616
        (
            dict(n_layer=32, d_model=4096, n_head=32, n_kv_head=32, d_ff=11008, n_vocab=32000),
            6_738_415_616,
        ),
        # Llama 2 70B: 80 layers, d 8192, 64 heads, 8 KV heads, d_ff 28672; 68,976,648,192
        (
            dict(n_layer=80, d_model=8192, n_head=64, n_kv_head=8, d_ff=28672, n_vocab=32000),
            68_976_648_192,
        ),
        # Mistral 7B (Jiang et al. 2023): as Mixtral with one expert of width 14336; 7,241,732,096
        (
            dict(n_layer=32, d_model=4096, n_head=32, n_kv_head=8, d_ff=14336, n_vocab=32000),
            7_241_732_096,
        ),
    ],
)
def test_dense_models_match_their_released_sizes(cfg, published):
    c = moe.parameter_counts(**cfg)
    assert c["total"] == c["active"] == published


def test_flops_by_hand():
    """Mixtral at n_ctx = 4096: 2 * (12,879,925,248 - 32000*4096) + 4*32*4096*4096
    = 25,497,706,496 + 2,147,483,648 = 27,645,190,144. With all 8 experts active (a dense
    model of the total size) the expert term grows by 2 * 32 * 6 * 176,160,768."""
    f = moe.forward_flops_per_token(4096, **moe.MIXTRAL_8X7B)
    assert f == 27_645_190_144
    dense = moe.forward_flops_per_token(4096, **dict(moe.MIXTRAL_8X7B, top_k=8))
    assert dense - f == 2 * 32 * 6 * 176_160_768


def test_routing_figure_shows_the_loads(rng):
    import matplotlib.pyplot as plt

    x = rng.normal(size=(16, 4))
    r = moe.route(x, rng.normal(size=(4, 4)), 2, capacity_factor=0.75)
    loads = moe.routing_loads(r)
    fig = moe.routing_figure(r)
    bars = fig.axes[1].patches
    E = 4
    np.testing.assert_array_equal([b.get_height() for b in bars[:E]], loads["kept"])
    np.testing.assert_array_equal([b.get_height() for b in bars[E:]], loads["dropped"])
    assert fig.axes[1].get_lines()[0].get_ydata()[0] == r.capacity
    plt.close(fig)


def test_bad_input_is_rejected(rng):
    with pytest.raises(ValueError, match="at most the number of experts"):
        moe.top_k_gating(np.zeros((2, 3)), 4)
    with pytest.raises(ValueError, match="finite"):
        moe.top_k_gating(np.array([[np.nan, 0.0]]), 1)
    with pytest.raises(ValueError, match="capacity_factor"):
        moe.expert_capacity(10, 2, 1, 0.0)
    with pytest.raises(ValueError, match="lie in"):
        moe.assign_capacity(np.array([[3]]), 3, 1)
    params = moe.init_moe_params(4, 6, 3, rng)
    with pytest.raises(ValueError, match="W_r must be"):
        moe.moe_forward(rng.normal(size=(5, 3)), params, 1)
    with pytest.raises(ValueError, match="top_k"):
        moe.parameter_counts(**dict(moe.MIXTRAL_8X7B, top_k=9))
    _, _, cache = moe.moe_forward(rng.normal(size=(5, 4)), params, 1)
    with pytest.raises(ValueError, match="aux_weight"):
        moe.moe_backward(np.zeros((5, 4)), cache, aux_weight=-1.0)
    with pytest.raises(ValueError, match="output's shape"):
        moe.moe_backward(np.zeros((4, 4)), cache)
