"""gpt.attention_weights: the weights of the model's own forward pass, per block and head."""

import numpy as np
import pytest

from llmbook import gpt


def _model(n_layer=2, seed=1):
    cfg = gpt.GPTConfig(n_vocab=11, n_ctx=8, d_model=8, n_head=2, n_layer=n_layer)
    params = gpt.init_params(cfg, seed=seed)
    rng = np.random.default_rng(seed)
    for _, a in gpt.tree_leaves(params):  # away from the initial gamma = 1, beta = 0, b = 0
        a += rng.normal(scale=0.3, size=a.shape)
    return cfg, params


def _by_hand(params, cfg, ids, temperature=1.0, causal=True):
    """Block 1's weights written out: x = E[ids] + P, LN_1, Q = uW_q + b_q, K = uW_k + b_k,
    per head j softmax_k(q_j . k_j / (sqrt(d_h) tau)), the future masked to -inf."""
    p = params["blocks"][0]
    x = params["wte"][ids] + params["wpe"][: len(ids)]  # [T, d]
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    u = p["ln1"]["gamma"] * (x - mu) / np.sqrt(var + 1e-5) + p["ln1"]["beta"]
    q = u @ p["attn"]["W_q"] + p["attn"]["b_q"]
    k = u @ p["attn"]["W_k"] + p["attn"]["b_k"]
    d_h = cfg.d_model // cfg.n_head
    T = len(ids)
    out = np.zeros((cfg.n_head, T, T))
    for j in range(cfg.n_head):
        cols = slice(j * d_h, (j + 1) * d_h)
        s = q[:, cols] @ k[:, cols].T / (np.sqrt(d_h) * temperature)  # [T, T]
        if causal:
            s = np.where(np.tril(np.ones((T, T), bool)), s, -np.inf)
        e = np.exp(s - s.max(-1, keepdims=True))
        out[j] = e / e.sum(-1, keepdims=True)
    return out


def test_first_block_matches_the_formula_written_out():
    cfg, params = _model()
    ids = np.array([3, 1, 4, 1, 5, 9])
    for tau, causal in ((1.0, True), (0.5, True), (2.0, False)):
        A = gpt.attention_weights(params, cfg, ids, temperature=tau, causal=causal)
        assert A.shape == (cfg.n_layer, cfg.n_head, 6, 6)
        np.testing.assert_allclose(A[0], _by_hand(params, cfg, ids, tau, causal), atol=1e-12)
        np.testing.assert_allclose(A.sum(-1), 1.0, atol=1e-12)


def test_every_block_is_what_the_forward_pass_used():
    cfg, params = _model(n_layer=3)
    ids = np.array([[2, 7, 1, 8], [2, 8, 1, 8]])
    _, cache = gpt.forward(params, cfg, ids)
    A = gpt.attention_weights(params, cfg, ids)
    assert A.shape == (3, 2, cfg.n_head, 4, 4)
    for layer in range(3):
        np.testing.assert_array_equal(A[layer], cache["blocks"][layer]["attn"]["A"])
    # a later block's weights depend on the earlier blocks: not the first block's formula
    # applied to the embeddings again
    assert not np.allclose(A[1, 0], _by_hand(params, cfg, ids[0]))
    assert np.all(np.triu(A[:, :, :, :, :], k=1) == 0)  # causal: no weight on the future


def test_bad_input_is_refused():
    cfg, params = _model()
    with pytest.raises(ValueError, match="temperature"):
        gpt.attention_weights(params, cfg, np.array([1, 2]), temperature=0.0)
    with pytest.raises(ValueError):
        gpt.attention_weights(params, cfg, np.array([1, 99]))
