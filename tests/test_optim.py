"""SGD and Adam against Keras 3's optimizers: the same gradients give the same trajectory.

Keras keeps the learning rate in a float32 variable even for float64 weights (0.1 becomes
0.100000001490116), and turns Python floats such as momentum and Adam's betas into
float32 constants before casting them (0.999 becomes 0.99900001287). The exact
comparisons therefore use hyperparameters that float32 represents exactly (sums of
powers of two); separate tests show that with Keras's defaults the float32 rounding is
the only difference, well below 1e-6.
"""

import numpy as np
import pytest

from llmbook.optim import SGD, Adam


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def _keras_trajectory(tf, opt, start, grads):
    """Apply each gradient in ``grads`` to copies of ``start`` with a Keras optimizer."""
    vs = [tf.Variable(s.copy(), dtype=tf.float64) for s in start]
    out = []
    for step in grads:
        opt.apply_gradients([(tf.constant(g), v) for g, v in zip(step, vs, strict=True)])
        out.append([v.numpy().copy() for v in vs])
    return out


def _our_trajectory(opt, start, grads):
    params = [s.copy() for s in start]
    out = []
    for step in grads:
        opt.apply(params, step)
        out.append([p.copy() for p in params])
    return out


def _inputs(rng, steps=25, scale=1.0):
    start = [rng.normal(size=(3, 4)), rng.normal(size=4)]
    grads = [[scale * rng.normal(size=(3, 4)), scale * rng.normal(size=4)] for _ in range(steps)]
    return start, grads


@pytest.mark.parametrize(
    "kwargs",
    [
        {"learning_rate": 0.125},
        {"learning_rate": 0.0625, "momentum": 0.75},
        {"learning_rate": 0.0625, "momentum": 0.5, "nesterov": True},
    ],
)
def test_sgd_matches_keras(tf, keras, rng, kwargs):
    start, grads = _inputs(rng)
    ours = _our_trajectory(SGD(**kwargs), start, grads)
    ref = _keras_trajectory(tf, keras.optimizers.SGD(**kwargs), start, grads)
    for a, b in zip(ours, ref, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("scale", [1.0, 1e-6])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"learning_rate": 2**-10, "beta_1": 0.875, "beta_2": 1 - 2**-10, "epsilon": 2**-23},
        {"learning_rate": 2**-7, "beta_1": 0.5, "beta_2": 0.75, "epsilon": 2**-10},
    ],
)
def test_adam_matches_keras(tf, keras, rng, kwargs, scale):
    """Gradients of size 1e-6 make the epsilon placement visible: the paper's placement
    (epsilon added to the bias-corrected sqrt(v_hat)) would differ by several percent."""
    start, grads = _inputs(rng, scale=scale)
    ours = _our_trajectory(Adam(**kwargs), start, grads)
    ref = _keras_trajectory(tf, keras.optimizers.Adam(**kwargs), start, grads)
    for a, b in zip(ours, ref, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-11, atol=1e-14)


def test_adam_with_keras_defaults_agrees_to_float32_rounding(tf, keras, rng):
    start, grads = _inputs(rng)
    ours = _our_trajectory(Adam(), start, grads)
    ref = _keras_trajectory(tf, keras.optimizers.Adam(), start, grads)
    for a, b in zip(ours, ref, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-9)


def test_adam_epsilon_placement_is_keras_not_the_paper(tf, keras, rng):
    """With tiny gradients, epsilon added to sqrt(v_hat) (the paper) moves the weights
    visibly differently from epsilon added to sqrt(v) (Keras); ours follows Keras."""
    start, grads = _inputs(rng, scale=1e-7)
    kw = {"learning_rate": 2**-10, "beta_1": 0.875, "beta_2": 1 - 2**-10, "epsilon": 2**-23}
    ref = _keras_trajectory(tf, keras.optimizers.Adam(**kw), start, grads)
    ours = _our_trajectory(Adam(**kw), start, grads)
    w, m, v = start[1].copy(), 0.0, 0.0
    for t, (_, g) in enumerate(grads, start=1):
        m = 0.875 * m + 0.125 * g
        v = (1 - 2**-10) * v + 2**-10 * g * g
        m_hat, v_hat = m / (1 - 0.875**t), v / (1 - (1 - 2**-10) ** t)
        w = w - 2**-10 * m_hat / (np.sqrt(v_hat) + 2**-23)
    np.testing.assert_allclose(ours[-1][1], ref[-1][1], rtol=1e-11)
    assert np.max(np.abs(w - ref[-1][1]) / np.abs(ref[-1][1] - start[1])) > 1e-3


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda: Adam(keras_float32=True), lambda k: k.optimizers.Adam()),
        (
            lambda: Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-5, keras_float32=True),
            lambda k: k.optimizers.Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-5),
        ),
        (
            lambda: SGD(0.1, momentum=0.9, keras_float32=True),
            lambda k: k.optimizers.SGD(0.1, momentum=0.9),
        ),
    ],
    ids=["adam-defaults", "adam-custom", "sgd-momentum"],
)
def test_keras_float32_option_reproduces_keras_exactly(tf, keras, rng, ours, theirs):
    start, grads = _inputs(rng, steps=60)
    a = _our_trajectory(ours(), start, grads)
    b = _keras_trajectory(tf, theirs(keras), start, grads)
    for x, y in zip(a[-1], b[-1], strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-15)


def test_the_only_difference_at_lr_0_1_is_float32_rounding(tf, keras, rng):
    start, grads = _inputs(rng)
    ref = _keras_trajectory(tf, keras.optimizers.SGD(learning_rate=0.1), start, grads)
    exact = _our_trajectory(SGD(learning_rate=0.1), start, grads)
    rounded = _our_trajectory(SGD(learning_rate=float(np.float32(0.1))), start, grads)
    np.testing.assert_allclose(rounded[-1][0], ref[-1][0], rtol=1e-13)
    np.testing.assert_allclose(exact[-1][0], ref[-1][0], rtol=1e-6)
    assert np.max(np.abs(exact[-1][0] - ref[-1][0])) > 1e-10


def test_adam_first_step_by_hand():
    """Step 1 with g = 2, lr = 0.1, beta_1 = 0.9, beta_2 = 0.999, eps = 1e-7:
    m = 0.1 * 2 = 0.2, v = 0.001 * 4 = 0.004,
    alpha_1 = 0.1 * sqrt(1 - 0.999) / (1 - 0.9) = 0.1 * 0.0316228 / 0.1 = 0.0316228,
    step = 0.0316228 * 0.2 / (sqrt(0.004) + 1e-7) = 0.0316228 * 0.2 / 0.0632457 = 0.1 (minus 1.6e-7).
    So Adam's first step is (almost exactly) lr * sign(g), whatever the size of g."""
    w = np.array([1.0])
    Adam(learning_rate=0.1).apply([w], [np.array([2.0])])
    assert w[0] == pytest.approx(0.9, abs=1e-6)


def test_sgd_step_by_hand():
    """w = 0.5, g = -0.05845, lr = 0.1: w - lr g = 0.505845 (chapter 4's neuron)."""
    w = np.array([0.5])
    SGD(learning_rate=0.1).apply([w], [np.array([-0.05845])])
    assert w[0] == pytest.approx(0.505845, abs=1e-12)


@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan")])
@pytest.mark.parametrize("cls", [SGD, Adam])
def test_non_positive_learning_rate_refused(cls, lr):
    with pytest.raises(ValueError, match="learning_rate"):
        cls(learning_rate=lr)


def test_optimizer_errors():
    with pytest.raises(ValueError, match="momentum"):
        SGD(momentum=1.0)
    with pytest.raises(ValueError, match="beta_1"):
        Adam(beta_1=1.0)
    with pytest.raises(ValueError, match="epsilon"):
        Adam(epsilon=0)
    opt = SGD()
    with pytest.raises(ValueError, match="same length"):
        opt.apply([np.zeros(2)], [])
    with pytest.raises(ValueError, match=r"grads\[0\] must have shape"):
        opt.apply([np.zeros(2)], [np.zeros(3)])
    with pytest.raises(ValueError, match="finite"):
        opt.apply([np.zeros(2)], [np.array([np.nan, 0.0])])
    with pytest.raises(TypeError, match="float64 numpy array"):
        opt.apply([[0.0, 0.0]], [np.zeros(2)])
    adam = Adam()
    adam.apply([np.zeros(2)], [np.ones(2)])
    with pytest.raises(ValueError, match="same parameters"):
        adam.apply([np.zeros(3)], [np.ones(3)])


def _paper_adam(w, grads, lrs, b1, b2, eps):
    """Algorithm 1 of Kingma & Ba (2015), written out with plain loops over the steps."""
    m, v, out = np.zeros_like(w), np.zeros_like(w), []
    for t, (g, lr) in enumerate(zip(grads, lrs, strict=True), start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(w)
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam_paper_epsilon_follows_algorithm_1_with_a_learning_rate_per_step(rng, dtype):
    """epsilon_hat=False puts epsilon on sqrt(v_hat), as the paper's algorithm 1; the
    learning rate may change at every step (a schedule); float32 weights stay float32."""
    w0 = rng.normal(size=5)
    grads = [1e-3 * rng.normal(size=5) for _ in range(12)]  # tiny: epsilon matters
    lrs = [0.01 * (k + 1) for k in range(12)]
    ref = _paper_adam(w0, grads, lrs, 0.9, 0.99, 1e-3)
    w = w0.astype(dtype)
    opt = Adam(0.5, beta_2=0.99, epsilon=1e-3, epsilon_hat=False)
    for g, lr, r in zip(grads, lrs, ref, strict=True):
        opt.apply([w], [g.astype(dtype)], learning_rate=lr)
        assert w.dtype == dtype
        np.testing.assert_allclose(w, r, rtol=1e-12 if dtype == np.float64 else 1e-5, atol=0)


def test_adam_epsilon_conventions_differ_by_sqrt_of_the_bias_correction(rng):
    """At step 1 with gradient g: m = (1-b1) g, v = (1-b2) g^2, so the paper's step is
    lr g / (|g| + eps) and Keras's is lr g / (|g| + eps / sqrt(1 - b2)) (epsilon_hat)."""
    g, lr, b2, eps = np.array([1e-4]), 0.1, 0.999, 1e-4
    paper, keras_ = np.zeros(1), np.zeros(1)
    Adam(lr, beta_2=b2, epsilon=eps, epsilon_hat=False).apply([paper], [g])
    Adam(lr, beta_2=b2, epsilon=eps).apply([keras_], [g])
    np.testing.assert_allclose(-paper, lr * g / (g + eps), rtol=1e-12)
    np.testing.assert_allclose(-keras_, lr * g / (g + eps / np.sqrt(1 - b2)), rtol=1e-12)


def test_per_step_learning_rate_is_checked():
    with pytest.raises(ValueError, match="learning_rate"):
        Adam().apply([np.zeros(2)], [np.ones(2)], learning_rate=0.0)


@pytest.mark.parametrize("wd", [0.25, 2**-8])  # exact in float32, as Keras keeps it
def test_adamw_matches_keras_step_by_step(tf, keras, rng, wd):
    """Adam(weight_decay=wd) is keras.optimizers.AdamW: the decay w <- w - lr * wd * w comes
    before the Adam step and does not enter the moments."""
    kw = {"learning_rate": 2**-7, "beta_1": 0.875, "beta_2": 1 - 2**-10, "epsilon": 2**-23}
    start, grads = _inputs(rng)
    ours = _our_trajectory(Adam(**kw, weight_decay=wd), start, grads)
    ref = _keras_trajectory(tf, keras.optimizers.AdamW(**kw, weight_decay=wd), start, grads)
    plain = _our_trajectory(Adam(**kw), start, grads)
    assert not np.allclose(ours[-1][0], plain[-1][0])  # the decay changes the trajectory
    for a, b in zip(ours, ref, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-11, atol=1e-14)


def test_weight_decay_skips_parameters_marked_not_decayed(rng):
    start, grads = _inputs(rng, steps=3)
    a = [s.copy() for s in start]
    b = [s.copy() for s in start]
    opt_a, opt_b = Adam(0.01, weight_decay=0.5), Adam(0.01)
    for g in grads:
        opt_a.apply(a, g, decay=[True, False])
        opt_b.apply(b, g)
    assert not np.allclose(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="weight_decay"):
        Adam(weight_decay=-1.0)
    with pytest.raises(ValueError, match="decay"):
        Adam().apply(a, grads[0], decay=[True])


@pytest.mark.parametrize("clip", [0.5, 3.0, 100.0])
def test_clip_by_global_norm_matches_tensorflow(tf, rng, clip):
    from llmbook.optim import clip_by_global_norm

    grads = [rng.normal(size=(3, 4)), rng.normal(size=5), rng.normal(size=())]
    ours, norm = clip_by_global_norm(grads, clip)
    theirs, tf_norm = tf.clip_by_global_norm([tf.constant(g) for g in grads], clip)
    assert norm == pytest.approx(float(tf_norm), rel=1e-12)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-12, atol=0)
    # by hand: the norm of [3, 4] is 5; clipped to 1 it becomes [0.6, 0.8]
    (g,), n = clip_by_global_norm([np.array([3.0, 4.0])], 1.0)
    assert n == 5.0 and np.allclose(g, [0.6, 0.8])
    with pytest.raises(ValueError):
        clip_by_global_norm(grads, 0.0)
    with pytest.raises(ValueError, match="NaN"):
        clip_by_global_norm([np.array([np.nan])], 1.0)


def test_clip_by_global_norm_none_measures_only():
    from llmbook.optim import clip_by_global_norm

    g = [np.array([3.0, 4.0]), np.array([[12.0]])]  # norm sqrt(9 + 16 + 144) = 13
    out, n = clip_by_global_norm(g, None)
    assert n == 13.0 and all(np.array_equal(a, b) for a, b in zip(out, g, strict=True))
    with pytest.raises(ValueError, match="NaN"):
        clip_by_global_norm([np.array([np.inf])], None)
