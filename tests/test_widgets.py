"""The explorers, built headlessly: their controls set as a reader would, their numbers checked.

Each displayed number is compared with the package function that defines it (or with a
closed form derived by hand, written beside the check); extreme inputs must not crash and
a zero learning rate must be refused with a message that says why.
"""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from llmbook import activations, backprop, descent, losses, neuron, plots, widgets

PNG = b"\x89PNG\r\n\x1a\n"


def _marker(fig, row, col):
    """The (x, y) of the red marker in the activation panels at (row, col)."""
    key = "fp" if row == 0 else "gp"
    line = fig.llmbook_artists["cols"][col][key]
    return float(line.get_xdata()[0]), float(line.get_ydata()[0])


# --- the kernel-free helper ---------------------------------------------------------------


def _render(value):
    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1], [0, value])
    ax.set_ylim(-3, 3)
    plt.close(fig)
    return fig


def test_kernel_free_links_a_slider_to_a_stack_of_images():
    box = widgets.kernel_free(_render, [-2, 0, 2], description="v", initial=1, play=True)
    stack, slider = box.stack, box.slider
    assert len(stack.children) == 3
    assert stack.selected_index == 1 and slider.index == 1
    frames = [c.value for c in stack.children]
    assert all(bytes(f).startswith(PNG) for f in frames)
    assert len({bytes(f) for f in frames}) == 3  # each value draws a different picture
    pairs = {(lk.source[0], lk.source[1], lk.target[0], lk.target[1]) for lk in box.links}
    assert (slider, "index", stack, "selected_index") in pairs
    assert (box.play, "value", slider, "index") in pairs
    assert box.play.max == 2


def test_kernel_free_grid_of_two_controls():
    box = widgets.kernel_free(
        lambda v, sign: _render(v if sign == "+" else -v),
        [1, 2],
        description="v",
        options=["+", "-"],
    )
    assert len(box.stacks) == 2 and all(len(s.children) == 2 for s in box.stacks)
    assert box.stack.children == tuple(box.stacks)
    pairs = {(lk.source[0], lk.source[1], lk.target[0]) for lk in box.links}
    assert (box.toggle, "index", box.stack) in pairs
    assert all((box.slider, "index", s) in pairs for s in box.stacks)


def test_kernel_free_nests_one_stack_level_per_row_of_buttons():
    seen = []

    def render(v, sign, scale):
        seen.append((v, sign, scale))
        return _render((v if sign == "+" else -v) * scale)

    box = widgets.kernel_free(
        render, [1, 2], description="v", options={"sign": ["+", "-"], "scale": [0.5, 1, 1.5]},
        initial_options=[1, 2],
    )  # fmt: skip
    # 2 signs x 3 scales innermost stacks of 2 frames, built in the order of the product
    assert len(box.stacks) == 6 and all(len(s.children) == 2 for s in box.stacks)
    assert seen[:4] == [(1, "+", 0.5), (2, "+", 0.5), (1, "+", 1), (2, "+", 1)]
    assert [t.description for t in box.toggles] == ["sign", "scale"]
    assert box.toggle is box.toggles[0] and box.toggles[1].index == 2
    # the outer stack holds one stack per sign, each holding one stack per scale
    assert box.stack.selected_index == 1
    assert all(len(c.children) == 3 and c.selected_index == 2 for c in box.stack.children)
    assert box.stack.children[1].children[0] is box.stacks[3]
    pairs = {(lk.source[0], lk.target[0]) for lk in box.links}
    assert (box.toggles[0], box.stack) in pairs
    assert all((box.toggles[1], c) in pairs for c in box.stack.children)
    assert all((box.slider, s) in pairs for s in box.stacks)
    assert len(box.links) == 1 + 2 + 6


def test_kernel_free_refuses_bad_arguments():
    with pytest.raises(ValueError, match="values"):
        widgets.kernel_free(_render, [], description="v")
    with pytest.raises(ValueError, match="labels"):
        widgets.kernel_free(_render, [1, 2], description="v", labels=["a"])
    with pytest.raises(ValueError, match="initial"):
        widgets.kernel_free(_render, [1, 2], description="v", initial=2)
    with pytest.raises(ValueError, match="no choices"):
        widgets.kernel_free(_render, [1, 2], description="v", options={"a": []})
    with pytest.raises(ValueError, match="initial_options"):
        widgets.kernel_free(_render, [1], description="v", options=["a", "b"], initial_options=[2])
    with pytest.raises(ValueError, match="initial_options"):
        widgets.kernel_free(_render, [1], description="v", options=["a"], initial_options=[0, 0])


def test_figure_png_is_a_small_palette_png():
    fig = _render(1.0)
    data = widgets.figure_png(fig)
    assert data.startswith(PNG)
    with pytest.raises(ValueError, match="colors"):
        widgets.figure_png(fig, colors=1)


def test_explorer_shows_strip_and_draws_live_part_only_when_opened():
    ex = widgets.neuron_explorer()
    assert len(ex.strip.stack.children) == 13
    assert ex.live.result is None and ex.live.image.value == b""
    ex.fold.selected_index = 0  # the reader opens "Every control"
    assert ex.live.result is not None and bytes(ex.live.image.value).startswith(PNG)


# --- neuron ---------------------------------------------------------------------------------


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_neuron_explorer_numbers_are_the_package_values(act):
    ex = widgets.neuron_explorer(kernel_free_strip=False)
    ex.live.set(x1=1.5, x2=-2.0, w1=0.7, w2=0.4, b=-0.3, activation=act)
    r = ex.live.result
    x, w = np.array([1.5, -2.0]), np.array([0.7, 0.4])
    z = neuron.weighted_sum(x, w, -0.3)
    assert r["z"] == z
    assert r["y"] == neuron.neuron_output(x, w, -0.3, act)
    assert r["dy_dz"] == float(activations.get(act)[1](z))
    assert f"{z:.4f}" in ex.live.readout.value and f"{r['y']:.4f}" in ex.live.readout.value
    assert _marker(ex.live.fig, 0, 0) == (z, float(activations.get(act)[0](z)))
    assert _marker(ex.live.fig, 1, 0) == (z, r["dy_dz"])


def test_neuron_explorer_survives_huge_weights():
    ex = widgets.neuron_explorer(kernel_free_strip=False)
    ex.live.set(x1=5.0, x2=5.0, w1=10.0, w2=10.0, b=10.0)  # the sliders' extremes: z = 110
    assert ex.live.result["z"] == 110.0 and ex.live.result["y"] == 1.0
    ex.live.refresh(w1=-1e6, w2=-1e6, x2=3.0)  # beyond the sliders: z = -8e6 + 10
    assert ex.live.error is None
    assert ex.live.result["y"] == 0.0 and ex.live.result["dy_dz"] == 0.0
    assert bytes(ex.live.image.value).startswith(PNG)


# --- activations ----------------------------------------------------------------------------


def test_activation_explorer_values_and_saturation():
    ex = widgets.activation_explorer(kernel_free_strip=False)
    ex.live.set(z=-5.0, threshold=0.01)
    r = ex.live.result
    for col, name in enumerate(["sigmoid", "tanh", "relu"]):
        f, g = activations.get(name)
        assert r[name]["f"] == float(f(-5.0)) and r[name]["grad"] == float(g(-5.0))
        assert _marker(ex.live.fig, 0, col) == (-5.0, float(f(-5.0)))
    # sigma'(-5) = e^-5/(1+e^-5)^2 = 0.00665 < 0.01; tanh'(-5) = 1 - tanh(5)^2 = 1.8e-4; ReLU'(-5) = 0.
    assert r["sigmoid"]["saturated"] and r["tanh"]["saturated"] and r["relu"]["saturated"]
    ex.live.set(z=2.0)
    # sigma'(2) = 0.105, tanh'(2) = 0.0707, ReLU'(2) = 1: none below 0.01.
    assert not any(ex.live.result[n]["saturated"] for n in ("sigmoid", "tanh", "relu"))
    ex.live.refresh(z=1e5)
    assert ex.live.error is None and ex.live.result["relu"]["f"] == 1e5


# --- losses ---------------------------------------------------------------------------------


@pytest.mark.parametrize("z, y", [(-4.0, 1.0), (0.5, 0.3), (3.0, 0.0)])
def test_loss_explorer_values(z, y):
    ex = widgets.loss_explorer(kernel_free_strip=False)
    ex.live.set(z=z, y_true=y)
    r = ex.live.result
    p = float(activations.sigmoid(z))
    se, dse = r["squared error (y − p)²"]
    ce, dce = r["cross-entropy"]
    assert r["p"] == p
    assert se == pytest.approx(losses.squared_error(y, p), rel=1e-12)
    # By the chain rule, d/dz (y - sigma(z))^2 = -2 (y - p) sigma'(z).
    assert dse == pytest.approx(-2 * (y - p) * float(activations.sigmoid_grad(z)), rel=1e-12)
    # Binary cross-entropy -[y ln p + (1 - y) ln(1 - p)], and d/dz of it = p - y.
    assert ce == pytest.approx(losses.binary_cross_entropy(y, p), rel=1e-9)
    assert dce == pytest.approx(p - y, rel=1e-9, abs=1e-15)
    assert f"{dce:.4g}" in ex.live.readout.value


def test_cross_entropy_keeps_learning_where_squared_error_stalls():
    r = widgets.loss_values(-8.0, 1.0)
    # sigma(-8) = 3.35e-4: squared error's gradient is -2 (1 - p) p (1 - p) ~ -6.7e-4,
    # cross-entropy's is p - 1 ~ -0.9997.
    assert abs(r["squared error (y − p)²"][1]) < 1e-3
    assert r["cross-entropy"][1] < -0.999


def test_loss_explorer_extremes_and_bad_target():
    r = widgets.loss_values(-1000.0, 1.0)  # p underflows to 0; from the logit the loss is 1000
    assert r["cross-entropy"][0] == pytest.approx(1000.0) and r["cross-entropy"][1] == -1.0
    ex = widgets.loss_explorer(kernel_free_strip=False)
    ex.live.refresh(z=-1000.0)
    assert ex.live.error is None
    ex.live.refresh(y_true=1.5)
    assert "y_true must be in [0, 1]" in ex.live.message.value


# --- backpropagation --------------------------------------------------------------------------


def test_backprop_explorer_first_step_is_the_package_step():
    ex = widgets.backprop_explorer(kernel_free_strip=False)
    ex.live.set(x=1.0, w=0.5, b=0.2, y_true=0.8, lr=0.1, k=0)
    step = ex.live.result["step"]
    ref = backprop.single_neuron_step(1.0, 0.5, 0.2, 0.8, 0.1)
    for name in ("z", "y", "loss", "dloss_dy", "dy_dz", "dloss_dz", "grad_b", "b_new"):
        assert getattr(step, name) == getattr(ref, name), name
    np.testing.assert_array_equal(step.w_new, ref.w_new)
    assert f"{ref.y:.6f}" in ex.live.readout.value  # the trace table shows six decimals


def test_backprop_explorer_steps_through_iterations():
    ex = widgets.backprop_explorer(kernel_free_strip=False)
    ex.live.set(x=2.0, w=-1.0, b=0.5, y_true=0.3, lr=0.5, activation="tanh", steps=50)
    history = backprop.train_single_neuron(2.0, -1.0, 0.5, 0.3, 0.5, steps=50, activation="tanh")
    for _ in range(3):
        ex.live.step_button.click()
    assert ex.live.controls["k"].value == 3
    assert ex.live.result["step"].loss == history[3].loss
    np.testing.assert_array_equal(ex.live.result["losses"], [s.loss for s in history])
    marker = ex.live.fig.llmbook_artists["loss_k"]
    assert float(marker.get_ydata()[0]) == history[3].loss
    ex.live.reset_button.click()
    assert ex.live.result["k"] == 0
    ex.live.set(steps=2)  # fewer steps than the iteration shown: the iteration is clamped
    assert ex.live.controls["k"].max == 1 and ex.live.error is None


def test_zero_learning_rate_is_refused_with_a_clear_message():
    for make in (widgets.backprop_explorer, widgets.learning_rate_explorer):
        ex = make(kernel_free_strip=False)
        before = ex.live.image.value
        ex.live.set(lr=0.0)
        assert isinstance(ex.live.error, ValueError)
        assert "lr must be positive, got 0.0" in ex.live.message.value
        assert ex.live.image.value == before  # the last valid figure stays


def test_backprop_explorer_survives_extremes():
    ex = widgets.backprop_explorer(kernel_free_strip=False)
    ex.live.set(w=10.0, b=10.0, x=5.0, lr=5.0, steps=1000, k=999)
    assert ex.live.error is None and math.isfinite(ex.live.result["step"].loss)
    ex.live.refresh(w=1e8, activation="relu")
    assert ex.live.error is None


# --- learning rate ----------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0.01, 0.1, 0.45, 0.55])
def test_learning_rate_explorer_matches_descent(lr):
    ex = widgets.learning_rate_explorer(kernel_free_strip=False)
    ex.live.set(lr=lr, steps=20)
    r = ex.live.result
    traj = descent.gradient_descent(widgets.SURFACE_1D, 2.0, lr, steps=20)
    np.testing.assert_array_equal(r["path_1d"].points, traj.points)
    # Hand check on f(x) = 2x^2: x_k = (1 - 4 lr)^k * 2.
    np.testing.assert_allclose(r["path_1d"].points[:, 0], (1 - 4 * lr) ** np.arange(21) * 2)
    assert r["regime_1d"] == descent.regime(lr, 4.0)
    assert r["regime_2d"] == descent.regime(lr, [1.0, 4.0])
    assert r["regime_2d"] in ex.live.fig.llmbook_artists["a2"].get_title()
    line = ex.live.fig.llmbook_artists["l2"]
    np.testing.assert_array_equal(line.get_ydata(), r["path_2d"].values)


def test_learning_rate_explorer_huge_rate_stops_cleanly():
    ex = widgets.learning_rate_explorer(kernel_free_strip=False)
    ex.live.refresh(lr=1e6, steps=100)
    assert ex.live.error is None
    assert ex.live.result["path_1d"].diverged and ex.live.result["regime_1d"] == "diverging"
    assert "diverged" in ex.live.readout.value


def test_unknown_control_is_refused():
    ex = widgets.activation_explorer(kernel_free_strip=False)
    with pytest.raises(ValueError, match="unknown controls"):
        ex.live.set(nonsense=1)


def test_update_functions_refuse_foreign_figures():
    fig, _ = plt.subplots()
    plt.close(fig)
    with pytest.raises(ValueError, match=r"llmbook\.plots"):
        plots.update_activation_panels(fig, 0.0)


# --- network playground -----------------------------------------------------------------------


def test_playground_values_are_the_mlp_run():
    from llmbook import mlp, optim, toydata

    r = widgets.playground_values("xor", depth=2, units=4, activation="tanh", lr=0.3, steps=5)
    X, y = toydata.xor(200, noise=0.08, seed=0)
    net = mlp.MLP([2, 4, 4, 1], activation="tanh", loss="binary_cross_entropy", seed=0)
    opt = optim.SGD(learning_rate=0.3)
    for t in range(5):
        assert r["losses"][t] == net.train_step(X, y, opt)
        np.testing.assert_array_equal(r["grad_norms"][t], net.gradient_norms())
    p = net.forward(X)[:, 0]
    assert r["accuracy"] == np.mean((p > 0.5) == y)
    assert r["prob"].shape == (48, 48) and r["hidden"].shape == (4, 48, 48)


def test_playground_run_continued_is_the_run_from_scratch():
    # Moving the steps slider up continues the cached run; the numbers must be those of one
    # uninterrupted MLP run (reference: the MLP trained directly, as above).
    from llmbook import mlp, optim, toydata

    kwargs = dict(depth=1, units=3, activation="relu", lr=0.2, seed=3)
    short = widgets.playground_values("moons", steps=4, **kwargs)
    longer = widgets.playground_values("moons", steps=9, checkpoints=(2, 4), **kwargs)
    again = widgets.playground_values("moons", steps=6, **kwargs)  # below the run: a new one
    X, y = toydata.moons(200, noise=0.08, seed=3)
    net = mlp.MLP([2, 3, 1], activation="relu", loss="binary_cross_entropy", seed=3)
    opt = optim.SGD(learning_rate=0.2)
    expected = [net.train_step(X, y, opt) for _ in range(9)]
    assert list(longer["losses"]) == expected
    assert list(short["losses"]) == expected[:4] and list(again["losses"]) == expected[:6]
    assert longer["accuracy"] == np.mean((net.forward(X)[:, 0] > 0.5) == y)
    np.testing.assert_array_equal(
        widgets.playground_values("moons", steps=9, k=4, **kwargs)["prob"], short["prob"]
    )


def test_playground_shows_vanishing_gradients_in_a_deep_sigmoid_stack():
    r = widgets.playground_values("circles", depth=6, activation="sigmoid", steps=1, k=0)
    first, last = r["grad_norms"][0, 0], r["grad_norms"][0, -1]
    assert first < last / 100  # sigma' <= 1/4 per layer: six layers shrink it by far more


def test_playground_explorer_controls_and_refusals():
    ex = widgets.playground_explorer(kernel_free_strip=False)
    ex.live.set(dataset="moons", depth=3, units=8, activation="relu", steps=51)
    assert ex.live.error is None and ex.live.result["grad_norms"].shape == (51, 4)
    ex.live.set(lr=0.0)
    assert "lr must be positive" in ex.live.message.value
    ex.live.refresh(lr=1e6, steps=5)  # absurd rate: trains (possibly badly) without crashing
    assert ex.live.error is None or isinstance(ex.live.error, ValueError)
