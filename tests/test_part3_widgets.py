"""The Part III explorers: rotary positions (chapter 20) and expert routing (chapter 22).

The values are compared with closed forms derived by hand (written beside each check) and
with the package functions they come from; the strips must hold one frame per combination
of their controls.
"""

import cmath
import math

import numpy as np
import pytest

from llmbook import moe, plots, widgets

PNG = b"\x89PNG"


# --- RoPE -----------------------------------------------------------------------------------


def _score_by_hand(q, k, m, n, base=10000.0, pairs=None):
    """(R_m q) . (R_n k) from complex numbers, independently of llmbook.rope.

    In the "half" layout pair i is (x_i, x_{i+d/2}); write it z = x_i + i x_{i+d/2}. Rotating
    by a multiplies z by e^{ia}, and the dot product of two 2-vectors is Re(z_a conj(z_b)).
    So the pair contributes Re(z_q e^{i m th} conj(z_k e^{i n th})) =
    Re(z_q conj(z_k) e^{i (m - n) th}), with th_i = base^(-2i/d).
    """
    d = len(q)
    h = d // 2
    total = 0.0
    for i in range(h) if pairs is None else pairs:
        th = base ** (-2 * i / d)
        zq, zk = complex(q[i], q[i + h]), complex(k[i], k[i + h])
        total += (zq * zk.conjugate() * cmath.exp(1j * (m - n) * th)).real
    return total


def test_rope_values_match_the_hand_derived_score():
    rng = np.random.default_rng(3)
    q, k = rng.normal(size=8), rng.normal(size=8)
    for m, n, pair in [(0, 0, 0), (5, 2, 1), (2, 7, 3), (9, 9, 2)]:
        r = widgets.rope_values(q, k, m, n, pair=pair, positions=10)
        assert r["score"] == pytest.approx(_score_by_hand(q, k, m, n), abs=1e-12)
        assert r["pair_score"] == pytest.approx(_score_by_hand(q, k, m, n, pairs=[pair]), abs=1e-12)
        theta = 10000.0 ** (-2 * pair / 8)
        assert r["theta"] == pytest.approx(theta) and r["angle"] == pytest.approx((m - n) * theta)
        # the drawn pair is q's (q_i, q_{i+4}) turned by m * theta: same length, angle + m theta
        zq, zq_m = complex(*r["q_pair"]), complex(*r["q_pair_m"])
        assert zq == complex(q[pair], q[pair + 4])
        assert zq_m == pytest.approx(zq * cmath.exp(1j * m * theta), abs=1e-12)
        zk_n = complex(*r["k_pair_n"])
        assert zk_n == pytest.approx(complex(k[pair], k[pair + 4]) * cmath.exp(1j * n * theta))


def test_rope_score_depends_only_on_the_distance():
    rng = np.random.default_rng(4)
    q, k = rng.normal(size=16), rng.normal(size=16)
    r = widgets.rope_values(q, k, 3, 1, positions=12)
    S, D = r["grid_scores"], r["grid_offsets"]
    assert S.shape == D.shape == (12, 12)
    assert D[7, 2] == 5 and D[2, 7] == -5  # row m', column n': m' - n'
    for offset in range(-11, 12):
        along = S[D == offset]
        assert np.ptp(along) < 1e-12  # one value per distance
        assert along[0] == pytest.approx(_score_by_hand(q, k, offset, 0), abs=1e-12)
    # the same distance from different (m, n), far from the grid too
    for shift in (1, 4, 1000):
        moved = widgets.rope_values(q, k, 3 + shift, 1 + shift, positions=2)
        assert moved["score"] == pytest.approx(r["score"], abs=1e-9)
    assert widgets.rope_values(q, k, 4, 1, positions=2)["score"] != pytest.approx(r["score"])


def test_rope_values_refuse_bad_input():
    q = np.ones(8)
    with pytest.raises(ValueError, match="pair"):
        widgets.rope_values(q, q, 1, 1, pair=4)
    with pytest.raises(ValueError, match="m must be"):
        widgets.rope_values(q, q, -1, 1)
    with pytest.raises(ValueError, match="one width"):
        widgets.rope_values(q, np.ones(6), 1, 1)
    with pytest.raises(ValueError, match="even"):
        widgets.rope_values(np.ones(7), np.ones(7), 1, 1)


def test_rope_explorer_strip_has_a_frame_per_position_key_and_pair():
    ex = widgets.rope_explorer(positions=5, key_positions=(0, 3), pairs=(0, 2), seed=1)
    box = ex.strip
    assert [t.description for t in box.toggles] == ["key position n", "pair i"]
    assert len(box.stacks) == 4 and all(len(s.children) == 5 for s in box.stacks)
    # stacks in the order of the product: (n=0, pair 0), (0, 2), (3, 0), (3, 2); frame m
    rng = np.random.default_rng(1)
    q, k = rng.normal(size=8), rng.normal(size=8)
    frame = box.stacks[2].children[4]  # n = 3, pair 0, m = 4
    assert bytes(frame.value).startswith(PNG)  # the figure alone: its titles give the numbers
    score = _score_by_hand(q, k, 4, 3)
    render = widgets.rope_values(q, k, 4, 3, pair=0, positions=5)
    assert render["score"] == pytest.approx(score, abs=1e-12)
    fig = plots.rope_rotation_figure(render)
    assert f"score {score:.3f} at m − n = 1" in fig.axes[1].get_title()
    pairs = {(lk.source[0], lk.target[0]) for lk in box.links}
    assert all((box.slider, s) in pairs for s in box.stacks)


def test_rope_explorer_live_part_moves_the_point_along_the_distance():
    live = widgets.rope_explorer(kernel_free_strip=False).live
    live.set(m=6, n=2, pair=1)
    first = live.result["score"]
    now = live.fig.llmbook_artists["now"]
    assert now.get_xdata()[0] == 4 and now.get_ydata()[0] == first
    live.set(m=5, n=1)
    assert live.result["score"] == pytest.approx(first, abs=1e-12)
    ringed = live.fig.llmbook_artists["same"].get_xdata()
    assert set(ringed) == {4} and len(ringed) == 4  # (4,0), (5,1), (6,2), (7,3) in 0..7
    assert live.error is None and bytes(live.image.value).startswith(PNG)


# --- MoE ------------------------------------------------------------------------------------


def test_moe_values_on_a_batch_routed_by_hand():
    # Router W_r = I on 2-D tokens: token (1, 0) prefers expert 0, (0, 1) expert 1.
    # Tokens 0, 1, 2 -> expert 0, token 3 -> expert 1; k = 1, c = 1: C = floor(1 * 1 * 4 / 2) = 2.
    # Expert 0 keeps tokens 0 and 1 (token order) and drops token 2, which has no other
    # assignment, so it passes through. Balancing loss: f = (3/4, 1/4); the softmax of (1, 0)
    # is (e, 1)/(e + 1), of (0, 1) is (1, e)/(e + 1), so P_0 = (3e + 1)/(4(e + 1)),
    # P_1 = (3 + e)/(4(e + 1)), and E sum f P = 2 (3/4 P_0 + 1/4 P_1).
    x = np.array([[1.0, 0], [1, 0], [1, 0], [0, 1]])
    r = widgets.moe_values(x, np.eye(2), k=1, capacity_factor=1.0)
    e = math.e
    P0, P1 = (3 * e + 1) / (4 * (e + 1)), (3 + e) / (4 * (e + 1))
    assert r["capacity"] == 2 and r["n_assignments"] == 4
    assert r["kept"].tolist() == [2, 1] and r["dropped"].tolist() == [1, 0]
    assert r["n_dropped"] == 1 and r["passed_through"] == 1
    assert r["dropped_at"].tolist() == [[2, 0]]
    assert r["aux"] == pytest.approx(2 * (0.75 * P0 + 0.25 * P1), abs=1e-12)
    G = r["gate_matrix"]  # [E, N]; k = 1: each kept gate is 1
    assert G[0, :2].tolist() == [1.0, 1.0] and G[1, 3] == 1.0
    assert np.isnan(G[0, 2]) and np.isnan(G[1, :3]).all()


@pytest.mark.parametrize("k, c", [(1, 0.5), (2, 1.0), (2, 1.25), (1, 2.0), (2, 4.0)])
def test_moe_values_agree_with_the_package(k, c):
    x, W_r = widgets.moe_batch(1)
    r = widgets.moe_values(x, W_r, k=k, capacity_factor=c)
    N, E = 32, 8
    assert r["capacity"] == math.floor(c * k * N / E)  # e.g. floor(1.25 * 2 * 32 / 8) = 10
    routing = moe.route(x, W_r, k, capacity_factor=c)
    np.testing.assert_array_equal(r["routing"].keep, routing.keep)
    assert np.all(r["kept"] <= r["capacity"])
    assert np.array_equal(r["kept"] + r["dropped"], r["routed"]) and r["routed"].sum() == k * N
    assert r["n_dropped"] == int((~routing.keep).sum()) == len(r["dropped_at"])
    assert r["passed_through"] == int((~routing.keep.any(axis=1)).sum())
    assert np.count_nonzero(~np.isnan(r["gate_matrix"])) == r["kept"].sum()
    assert r["aux"] == pytest.approx(moe.load_balancing_loss(routing.logits, routing.experts))
    if c == E / k:  # C = N and a token picks an expert at most once: nothing can be dropped
        assert r["n_dropped"] == 0
    if k == 1:  # a token's only assignment dropped: it passes through
        assert r["passed_through"] == r["n_dropped"]
    # the balancing loss scores the router's choices, before the capacity
    assert r["aux"] == widgets.moe_values(x, W_r, k=k, capacity_factor=None)["aux"]


def test_moe_values_without_capacity_and_bad_input():
    x, W_r = widgets.moe_batch(0)
    r = widgets.moe_values(x, W_r, k=2, capacity_factor=None)
    assert r["capacity"] is None and r["n_dropped"] == 0 and r["passed_through"] == 0
    with pytest.raises(ValueError, match="capacity_factor"):
        widgets.moe_values(x, W_r, k=2, capacity_factor=0.0)
    with pytest.raises(ValueError, match="k"):
        widgets.moe_values(x, W_r, k=9)


def test_moe_explorer_strip_has_a_frame_per_capacity_k_and_batch():
    box = widgets.moe_explorer(capacity_factors=(0.5, 1.0), top_ks=(1, 2), seeds=(0, 3)).strip
    assert [t.description for t in box.toggles] == ["top-k", "batch"]
    assert len(box.stacks) == 4 and all(len(s.children) == 2 for s in box.stacks)
    assert box.slider.index == 1 and box.toggles[0].index == 1  # c = 1, k = 2 shown first
    # stacks in the order of the product: (k=1, batch 1), (1, 2), (2, 1), (2, 2); frame c
    frame = box.stacks[3].children[0]  # k = 2, seed 3, c = 0.5
    r = widgets.moe_values(*widgets.moe_batch(3), k=2, capacity_factor=0.5)
    readout = frame.children[1].value
    assert f"<td>dropped assignments</td><td><code>{r['n_dropped']}</code>" in readout
    assert f"<code>{r['passed_through']}</code>" in readout
    assert bytes(frame.children[0].value).startswith(PNG)


def test_moe_explorer_live_part_draws_the_package_loads():
    live = widgets.moe_explorer(kernel_free_strip=False).live
    live.set(k=2, capacity_factor=0.5, seed=4)
    r = live.result
    art = live.fig.llmbook_artists
    assert [b.get_height() for b in art["kept_bars"]] == r["kept"].tolist()
    assert [b.get_height() for b in art["drop_bars"]] == r["dropped"].tolist()
    assert art["cap"].get_ydata()[0] == r["capacity"] == 4  # floor(0.5 * 2 * 32 / 8)
    assert len(art["drops"].get_xdata()) == r["n_dropped"] > 0
    live.set(limit=False)
    assert live.result["n_dropped"] == 0 and not art["cap"].get_visible()
    live.set(n_tokens=10)  # another batch size: a new figure of the new shape
    assert live.fig.llmbook_artists["image"].get_array().shape == (8, 10)
    live.refresh(capacity_factor=0.0, limit=True)
    assert "capacity_factor must be positive" in live.message.value
