"""Rotary position embeddings: two layouts, real and complex forms, relative positions, interpolation."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmbook import positional, rope


@pytest.mark.parametrize("layout", rope.LAYOUTS)
def test_real_and_complex_forms_agree(layout, rng):
    x = rng.normal(size=(2, 3, 11, 16))  # [B, heads, T, d_head]
    pos = rng.uniform(0, 5000, size=11)
    a = rope.apply_rope(x, pos, layout=layout)
    b = rope.apply_rope_complex(x, pos, layout=layout)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_the_two_layouts_are_a_permutation_of_each_other(rng):
    """Interleaved pair i is (2i, 2i+1); half pair i is (i, i + d/2). Permuting the coordinates
    so that (2i, 2i+1) -> (i, i + d/2) turns one into the other, as a checkpoint converter does."""
    d = 8
    perm = np.concatenate([np.arange(0, d, 2), np.arange(1, d, 2)])  # [0, 2, 4, 6, 1, 3, 5, 7]
    x = rng.normal(size=(5, d))
    inter = rope.apply_rope(x, layout="interleaved")
    half = rope.apply_rope(x[:, perm], layout="half")
    np.testing.assert_allclose(half, inter[:, perm], atol=1e-14)


def test_by_hand():
    """d = 2, base irrelevant (theta_0 = 1): position 1 rotates (1, 0) by 1 radian to (cos 1, sin 1);
    position 0 leaves the vector unchanged."""
    y = rope.apply_rope(np.array([[1.0, 0.0], [1.0, 0.0]]))
    np.testing.assert_allclose(y, [[1.0, 0.0], [np.cos(1.0), np.sin(1.0)]], atol=1e-15)
    # d = 4, base 100: theta = (1, 100^(-1/2)) = (1, 0.1); position 2, half layout: pairs (x0, x2), (x1, x3)
    y = rope.apply_rope(np.array([[0, 0, 0, 0], [0, 0, 0, 0], [1.0, 1.0, 0.0, 0.0]]), base=100.0)
    np.testing.assert_allclose(
        y[2], [np.cos(2.0), np.cos(0.2), np.sin(2.0), np.sin(0.2)], atol=1e-15
    )


@given(
    m=st.integers(0, 10_000),
    n=st.integers(0, 10_000),
    shift=st.integers(0, 10_000),
    seed=st.integers(0, 2**32 - 1),
    layout=st.sampled_from(rope.LAYOUTS),
)
def test_score_depends_only_on_the_offset(m, n, shift, seed, layout):
    """q_m . k_n after rotation equals q_{m+s} . k_{n+s}: only m - n matters."""
    r = np.random.default_rng(seed)
    q, k = r.normal(size=(1, 8)), r.normal(size=(1, 8))

    def score(a, b):
        return float(
            rope.apply_rope(q, [a], layout=layout)[0] @ rope.apply_rope(k, [b], layout=layout)[0]
        )

    assert score(m, n) == pytest.approx(score(m + shift, n + shift), rel=1e-9, abs=1e-9)


def test_score_is_a_function_of_the_offset_only_by_formula(rng):
    """q_m . k_n = sum_i Re[z_q,i conj(z_k,i) e^{i (m - n) theta_i}] (interleaved pairs as complex numbers)."""
    q, k = rng.normal(size=16), rng.normal(size=16)
    theta = rope.rope_frequencies(16)
    zq, zk = q[0::2] + 1j * q[1::2], k[0::2] + 1j * k[1::2]
    for m, n in [(0, 0), (5, 2), (2, 5), (1000, 37)]:
        got = (
            rope.apply_rope(q[None], [m], layout="interleaved")[0]
            @ rope.apply_rope(k[None], [n], layout="interleaved")[0]
        )
        expected = np.sum((zq * np.conj(zk) * np.exp(1j * (m - n) * theta)).real)
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("layout", rope.LAYOUTS)
def test_norms_are_preserved(layout, rng):
    x = rng.normal(size=(4, 50, 32))
    y = rope.apply_rope(x, layout=layout)
    np.testing.assert_allclose(np.linalg.norm(y, axis=-1), np.linalg.norm(x, axis=-1), rtol=1e-13)


def test_frequencies_are_the_sinusoidal_encodings(rng):
    """cos/sin of RoPE's angles are the columns of Vaswani et al.'s encoding: same theta_i = omega_i."""
    pe = positional.sinusoidal_encoding(30, 16)
    angles = rope.rope_angles(np.arange(30), 16)
    np.testing.assert_allclose(np.sin(angles), pe[:, 0::2], atol=1e-12)
    np.testing.assert_allclose(np.cos(angles), pe[:, 1::2], atol=1e-12)
    np.testing.assert_allclose(rope.rope_frequencies(4, 10000.0), [1.0, 0.01])


def test_position_interpolation_maps_the_long_range_into_the_trained_one():
    L, L2 = 4096, 16384
    s = rope.interpolation_scale(L, L2)
    assert s == 0.25
    m = np.arange(L2 + 1)
    scaled = rope.rope_angles(m, 128, scale=s)
    trained = rope.rope_angles(np.arange(L + 1), 128)
    assert scaled.max(axis=0) == pytest.approx(trained.max(axis=0), rel=1e-12)
    assert np.all(scaled >= 0)
    # and with scale s, position m gives the angles of position s * m
    np.testing.assert_allclose(scaled[4 * 100], trained[100], rtol=1e-12)


def test_rotation_by_scaled_positions_in_apply(rng):
    x = rng.normal(size=(8, 16))
    a = rope.apply_rope(x, np.arange(8) * 4, scale=0.25)
    np.testing.assert_allclose(a, rope.apply_rope(x), atol=1e-12)


def test_turns_within():
    """theta_0 = 1: over 2*pi*100 positions the fastest pair turns exactly 100 times."""
    t = rope.turns_within(4096, 128)
    assert t[0] == pytest.approx(4096 / (2 * np.pi))
    assert np.all(np.diff(t) < 0)
    # slowest pair of Llama 2 (d_head 128, base 1e4): theta = 1e4^(-126/128) ~ 1.15e-4, 4096 * theta / 2pi ~ 0.075
    assert t[-1] == pytest.approx(4096 * 10000 ** (-126 / 128) / (2 * np.pi))
    assert t[-1] < 0.1


def test_float32_stays_float32(rng):
    x = rng.normal(size=(3, 8)).astype(np.float32)
    assert rope.apply_rope(x).dtype == np.float32


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(x=np.ones((3, 5))), "even"),
        (dict(x=np.ones(4)), "T, d_head"),
        (dict(x=np.ones((3, 4)), positions=[0, 1]), "length"),
        (dict(x=np.ones((3, 4)), positions=[0, -1, 2]), ">= 0"),
        (dict(x=np.ones((3, 4)), layout="rotate"), "layout"),
        (dict(x=np.ones((3, 4)), base=0.0), "base"),
        (dict(x=np.ones((3, 4)), scale=-1.0), "scale"),
        (dict(x=np.full((3, 4), np.nan)), "finite"),
    ],
)
def test_bad_input(kwargs, match):
    for f in (rope.apply_rope, rope.apply_rope_complex):
        with pytest.raises(ValueError, match=match):
            f(**kwargs)


def test_bad_lengths():
    with pytest.raises(ValueError):
        rope.interpolation_scale(4096, 2048)
    with pytest.raises(ValueError):
        rope.interpolation_scale(0, 10)
    with pytest.raises(ValueError):
        rope.turns_within(0, 8)
    with pytest.raises(ValueError):
        rope.rope_frequencies(7)
