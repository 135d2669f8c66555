"""Layer norm, GELU, feed-forward and the decoder block: Keras layers, tf.GradientTape, finite differences."""

import numpy as np
import pytest

import llmbook  # noqa: F401
from llmbook import activations as A
from llmbook import attention as att
from llmbook import block
from llmbook.gradcheck import check_gradient


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def _randomise(params, rng, scale=0.3):
    """Replace every array of a parameter tree by random numbers (so biases and gammas matter)."""
    if isinstance(params, dict):
        return {k: _randomise(v, rng, scale) for k, v in params.items()}
    return rng.normal(scale=scale, size=params.shape) + (1.0 if params.ndim == 1 else 0.0)


# --- GELU -------------------------------------------------------------------------------


def test_gelu_matches_tensorflow(tf, rng):
    z = rng.normal(scale=3.0, size=(4, 5))
    zt = tf.Variable(z)
    with tf.GradientTape() as tape:
        y = tf.nn.gelu(zt, approximate=True)
        total = tf.reduce_sum(y)
    # TensorFlow's float64 kernels for this expression agree with numpy's to about 1e-9
    # (not to the last bit); a wrong constant or a missing term would be off by far more.
    np.testing.assert_allclose(A.gelu(z), y.numpy(), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(
        A.gelu_grad(z), tape.gradient(total, zt).numpy(), rtol=1e-7, atol=1e-8
    )


def test_gelu_is_close_to_the_exact_erf_form(tf, rng):
    """The tanh form differs from z * Phi(z) by less than 1e-3 everywhere."""
    z = np.linspace(-8, 8, 2001)
    exact = tf.nn.gelu(z, approximate=False).numpy()
    assert np.max(np.abs(A.gelu(z) - exact)) < 1e-3


def test_gelu_by_hand_and_extremes():
    # GELU(0) = 0, GELU'(0) = 1/2 (tanh 0 = 0, the second term has a factor z = 0)
    assert A.gelu(0.0) == 0.0 and A.gelu_grad(0.0) == 0.5
    z = np.array([-1e6, -50.0, 50.0, 1e6])
    np.testing.assert_array_equal(A.gelu(z), [0.0, 0.0, 50.0, 1e6])
    np.testing.assert_array_equal(A.gelu_grad(z), [0.0, 0.0, 1.0, 1.0])
    assert A.get("GELU") == (A.gelu, A.gelu_grad)
    z = np.linspace(-4, 4, 9) + 0.1
    assert check_gradient(lambda v: A.gelu(v).sum(), A.gelu_grad, z) < 1e-8


# --- layer norm ---------------------------------------------------------------------------


def test_layer_norm_matches_keras(keras, rng):
    x = rng.normal(loc=3.0, scale=2.0, size=(2, 5, 8))
    gamma, beta = rng.normal(size=8), rng.normal(size=8)
    layer = keras.layers.LayerNormalization(epsilon=1e-5, dtype="float64")
    layer.build(x.shape)
    layer.set_weights([gamma, beta])
    y, _ = block.layer_norm(x, gamma, beta)
    np.testing.assert_allclose(y, np.asarray(layer(x)), atol=1e-12)


def test_layer_norm_by_hand():
    """x = [1, 2, 3]: mean 2, variance 2/3, so x_hat = [-1, 0, 1] / sqrt(2/3 + eps)."""
    y, _ = block.layer_norm(np.array([1.0, 2.0, 3.0]), np.ones(3), np.zeros(3), eps=1e-5)
    np.testing.assert_allclose(y, np.array([-1.0, 0.0, 1.0]) / np.sqrt(2 / 3 + 1e-5), rtol=1e-14)


def test_layer_norm_backward_finite_differences(rng):
    x, gamma, beta = rng.normal(size=(3, 6)), rng.normal(size=6), rng.normal(size=6)
    G = rng.normal(size=(3, 6))
    _, cache = block.layer_norm(x, gamma, beta)
    dx, g = block.layer_norm_backward(G, cache)
    assert (
        check_gradient(lambda v: np.sum(block.layer_norm(v, gamma, beta)[0] * G), lambda v: dx, x)
        < 1e-7
    )
    assert (
        check_gradient(
            lambda v: np.sum(block.layer_norm(x, v, beta)[0] * G), lambda v: g["gamma"], gamma
        )
        < 1e-7
    )
    assert (
        check_gradient(
            lambda v: np.sum(block.layer_norm(x, gamma, v)[0] * G), lambda v: g["beta"], beta
        )
        < 1e-7
    )


# --- the decoder block ----------------------------------------------------------------------


class KerasBlock:
    """The same decoder block built from Keras layers (the independent reference)."""

    def __init__(self, keras, p, d, h, norm):
        self.norm, self.keras = norm, keras
        f64 = {"dtype": "float64"}
        self.ln1 = keras.layers.LayerNormalization(epsilon=1e-5, **f64)
        self.ln2 = keras.layers.LayerNormalization(epsilon=1e-5, **f64)
        self.mha = keras.layers.MultiHeadAttention(num_heads=h, key_dim=d // h, **f64)
        self.fc1 = keras.layers.Dense(p["ffn"]["W_1"].shape[1], **f64)
        self.fc2 = keras.layers.Dense(d, **f64)
        z = np.zeros((1, 3, d))
        self.ln1.build(z.shape)
        self.ln2.build(z.shape)
        self.mha(z, z)
        self.fc1.build(z.shape)
        self.fc2.build((1, 3, p["ffn"]["W_1"].shape[1]))
        dh = d // h
        a = p["attn"]
        self.ln1.set_weights([p["ln1"]["gamma"], p["ln1"]["beta"]])
        self.ln2.set_weights([p["ln2"]["gamma"], p["ln2"]["beta"]])
        self.mha.set_weights(
            [a["W_q"].reshape(d, h, dh), a["b_q"].reshape(h, dh),
             a["W_k"].reshape(d, h, dh), a["b_k"].reshape(h, dh),
             a["W_v"].reshape(d, h, dh), a["b_v"].reshape(h, dh),
             a["W_o"].reshape(h, dh, d), a["b_o"]]
        )  # fmt: skip
        self.fc1.set_weights([p["ffn"]["W_1"], p["ffn"]["b_1"]])
        self.fc2.set_weights([p["ffn"]["W_2"], p["ffn"]["b_2"]])

    def ffn(self, x):
        return self.fc2(self.keras.activations.gelu(self.fc1(x), approximate=True))

    def __call__(self, x):
        if self.norm == "pre":
            u = self.ln1(x)
            h = x + self.mha(u, u, use_causal_mask=True)
            return h + self.ffn(self.ln2(h))
        h = self.ln1(x + self.mha(x, x, use_causal_mask=True))
        return self.ln2(h + self.ffn(h))

    def variables_by_name(self):
        """Our parameter names -> the Keras variables (kernels reshaped as in set_weights)."""
        m = self.mha
        return {
            ("ln1", "gamma"): self.ln1.gamma, ("ln1", "beta"): self.ln1.beta,
            ("ln2", "gamma"): self.ln2.gamma, ("ln2", "beta"): self.ln2.beta,
            ("attn", "W_q"): m._query_dense.kernel, ("attn", "b_q"): m._query_dense.bias,
            ("attn", "W_k"): m._key_dense.kernel, ("attn", "b_k"): m._key_dense.bias,
            ("attn", "W_v"): m._value_dense.kernel, ("attn", "b_v"): m._value_dense.bias,
            ("attn", "W_o"): m._output_dense.kernel, ("attn", "b_o"): m._output_dense.bias,
            ("ffn", "W_1"): self.fc1.kernel, ("ffn", "b_1"): self.fc1.bias,
            ("ffn", "W_2"): self.fc2.kernel, ("ffn", "b_2"): self.fc2.bias,
        }  # fmt: skip


@pytest.mark.parametrize("norm", ["pre", "post"])
def test_block_forward_and_backward_match_keras_and_gradient_tape(keras, tf, rng, norm):
    d, h, d_ff, B, T = 8, 2, 12, 2, 5
    p = _randomise(block.init_block_params(d, d_ff, rng), rng)
    x = rng.normal(size=(B, T, d))
    G = rng.normal(size=(B, T, d))  # the loss is sum(y * G), so dL/dy = G
    y, cache = block.block_forward(x, p, h, norm=norm)
    dx, grads = block.block_backward(G, cache)

    ref = KerasBlock(keras, p, d, h, norm)
    xt = tf.Variable(x)
    variables = ref.variables_by_name()
    with tf.GradientTape() as tape:
        yt = ref(xt)
        loss = tf.reduce_sum(yt * G)
    keys = list(variables)
    tape_grads = tape.gradient(loss, [xt] + [variables[k].value for k in keys])
    # Tolerance 1e-7: TensorFlow's float64 GELU itself differs from the formula by ~1e-9.
    np.testing.assert_allclose(y, yt.numpy(), atol=1e-7, rtol=0)
    np.testing.assert_allclose(dx, tape_grads[0].numpy(), atol=1e-7, rtol=0)
    for (group, name), g_ref in zip(keys, tape_grads[1:], strict=True):
        ours = grads[group][name]
        g_ref = np.zeros_like(ours) if g_ref is None else g_ref.numpy().reshape(ours.shape)
        np.testing.assert_allclose(ours, g_ref, atol=1e-7, rtol=0, err_msg=f"{group}.{name}")


@pytest.mark.parametrize("norm", ["pre", "post"])
def test_block_backward_against_finite_differences(rng, norm):
    d, h, d_ff, T = 4, 2, 6, 3
    p = _randomise(block.init_block_params(d, d_ff, rng), rng)
    x = rng.normal(size=(T, d))
    G = rng.normal(size=(T, d))
    _, cache = block.block_forward(x, p, h, norm=norm)
    dx, grads = block.block_backward(G, cache)

    def loss(xv, q=p):
        return float(np.sum(block.block_forward(xv, q, h, norm=norm)[0] * G))

    assert check_gradient(loss, lambda v: dx, x) < 1e-6
    for group in ("ln1", "attn", "ln2", "ffn"):
        for name, value in p[group].items():
            if (group, name) == ("attn", "b_k"):
                continue  # its gradient is exactly 0 (see test_attention)

            def f(v, group=group, name=name):
                q = {k: dict(vv) for k, vv in p.items()}
                q[group][name] = v
                return loss(x, q)

            r = check_gradient(f, lambda v, g=grads[group][name]: g, value)
            assert r < 1e-6, f"{group}.{name}: {r}"


def test_wrong_gradient_is_caught(rng):
    """A block gradient with the residual path dropped fails the same check (the test can fail)."""
    d, h, T = 4, 2, 3
    p = _randomise(block.init_block_params(d, 6, rng), rng)
    x, G = rng.normal(size=(T, d)), rng.normal(size=(T, d))
    _, cache = block.block_forward(x, p, h)
    dx, _ = block.block_backward(G, cache)
    wrong = dx - G  # what the gradient would be without the identity of the first residual
    assert (
        check_gradient(lambda v: np.sum(block.block_forward(v, p, h)[0] * G), lambda v: wrong, x)
        > 0.05
    )


def test_float32_is_kept(rng):
    p = block.init_block_params(8, rng=rng)
    p32 = {k: {n: a.astype(np.float32) for n, a in v.items()} for k, v in p.items()}
    y, _ = block.block_forward(rng.normal(size=(4, 8)).astype(np.float32), p32, 2)
    assert y.dtype == np.float32


def test_bad_input_is_rejected(rng):
    p = block.init_block_params(8, rng=rng)
    with pytest.raises(ValueError, match="norm must be"):
        block.block_forward(rng.normal(size=(3, 8)), p, 2, norm="middle")
    with pytest.raises(ValueError, match="x must have"):
        block.block_forward(rng.normal(size=8), p, 2)
    with pytest.raises(ValueError, match="gamma and beta"):
        block.layer_norm(rng.normal(size=(3, 8)), np.ones(7), np.zeros(7))
    with pytest.raises(ValueError, match="eps"):
        block.layer_norm(rng.normal(size=(3, 8)), np.ones(8), np.zeros(8), eps=0)
    with pytest.raises(ValueError, match="x must hold only finite"):
        block.block_forward(np.full((3, 8), np.inf), p, 2)
    assert att.causal_mask(2).dtype == bool


def test_kernels_equal_the_checked_functions(rng):
    """``ln``, ``ffn`` and ``decoder_block`` are what the checked functions compute on valid input."""
    d = 8
    x = rng.normal(size=(2, 5, d))
    gamma, beta = rng.normal(size=d), rng.normal(size=d)
    np.testing.assert_array_equal(block.ln(x, gamma, beta)[0], block.layer_norm(x, gamma, beta)[0])
    p = _randomise(block.init_block_params(d, rng=0), rng)
    np.testing.assert_array_equal(block.ffn(x, p["ffn"])[0], block.feed_forward(x, p["ffn"])[0])
    for norm in ("pre", "post"):
        y, _ = block.block_forward(x, p, 2, norm=norm)
        y2, _ = block.decoder_block(x, p, 2, norm, att.causal_mask(5))
        np.testing.assert_array_equal(y2, y)
