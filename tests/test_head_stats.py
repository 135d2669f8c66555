"""Per-head attention statistics, against attention patterns whose statistics are known by hand."""

import math

import numpy as np
import pytest

from llmbook import gpt, head_stats


def _rows(T, kind):
    A = np.zeros((T, T))
    for i in range(T):
        if kind == "self":
            A[i, i] = 1
        elif kind == "previous":
            A[i, max(i - 1, 0)] = 1
        else:
            A[i, : i + 1] = 1 / (i + 1)
    return A


def test_statistics_of_known_patterns():
    T = 5
    A = np.stack([_rows(T, k) for k in ("self", "previous", "uniform")])[None]  # [1, 3, T, T]
    st = head_stats.attention_statistics(A)
    np.testing.assert_allclose(st["self"], [1, 0, np.mean([1 / 2, 1 / 3, 1 / 4, 1 / 5])])
    np.testing.assert_allclose(st["previous"], [0, 1, np.mean([1 / 2, 1 / 3, 1 / 4, 1 / 5])])
    # entropy of a uniform row over i + 1 keys is ln(i + 1): mean of ln 2 .. ln 5
    ref = np.mean([math.log(k) for k in (2, 3, 4, 5)])
    np.testing.assert_allclose(st["entropy"], [0, 0, ref], atol=1e-12)
    u = head_stats.uniform_statistics(T)
    assert u["entropy"] == pytest.approx(ref) and u["previous"] == pytest.approx(st["self"][2])
    with pytest.raises(ValueError):
        head_stats.attention_statistics(np.ones((1, 1, 3, 3)))


def test_head_statistics_reads_the_models_attention():
    cfg = gpt.GPTConfig(n_vocab=7, n_ctx=6, d_model=8, n_head=2, n_layer=2)
    params = gpt.init_params(cfg, seed=0)
    ids = np.arange(30) % 7
    rows = head_stats.head_statistics(params, cfg, ids, n_windows=4)
    assert [(r["block"], r["head"]) for r in rows] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    _, cache = gpt.forward(params, cfg, ids[:24].reshape(4, 6))
    A = cache["blocks"][1]["attn"]["A"]  # [4, 2, 6, 6]
    assert rows[3]["previous"] == pytest.approx(np.mean(A[:, 1, np.arange(1, 6), np.arange(5)]))
