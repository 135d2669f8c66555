"""Parameter counts, FLOPs and memory, derived by hand and checked against Keras models."""

import numpy as np
import pytest

import llmbook  # noqa: F401
from llmbook import gpt
from llmbook import transformer as T


def test_gpt2_small_by_hand():
    """GPT-2 small: L = 12, d = 768, V = 50257, n_ctx = 1024, d_ff = 3072, tied output.

    token embeddings        50257 * 768          = 38,597,376
    position embeddings      1024 * 768          =    786,432
    per block:
      ln_1, ln_2            2 * (768 + 768)      =      3,072
      q, k, v, o            4 * (768*768 + 768)  =  2,362,368
      feed-forward          768*3072 + 3072 + 3072*768 + 768 = 4,722,432
      block total                                =  7,087,872
    12 blocks                                    = 85,054,464
    final layer norm        768 + 768            =      1,536
    total              38,597,376 + 786,432 + 85,054,464 + 1,536 = 124,439,808
    """
    assert 3_072 + 2_362_368 + 4_722_432 == 7_087_872
    assert 38_597_376 + 786_432 + 12 * 7_087_872 + 1_536 == 124_439_808
    assert T.block_parameter_count(768) == 7_087_872
    assert T.parameter_count(12, 768, 12, 50257, 1024) == 124_439_808


@pytest.mark.parametrize("name", list(T.PUBLISHED))
def test_published_gpt2_sizes(name):
    assert T.parameter_count(**T.PUBLISHED[name]) == T.PUBLISHED_COUNTS[name]
    # The paper's rounded figures are close to, but not, the exact counts.
    assert (
        abs(T.PUBLISHED_COUNTS[name] / 1e6 - T.PAPER_MILLIONS[name]) < 0.1 * T.PAPER_MILLIONS[name]
    )


def test_untied_adds_one_output_matrix():
    tied = T.parameter_count(12, 768, 12, 50257, 1024)
    assert T.parameter_count(12, 768, 12, 50257, 1024, tied_embeddings=False) - tied == 768 * 50257


def test_count_matches_the_numpy_model_and_a_keras_model():
    """The numpy tiny GPT, built array by array, has exactly parameter_count numbers."""
    cfg = gpt.GPTConfig(n_vocab=97, n_ctx=16, d_model=24, n_head=3, n_layer=2, d_ff=40)
    params = gpt.init_params(cfg)
    assert gpt.n_params(params) == T.parameter_count(2, 24, 3, 97, 16, d_ff=40)
    from llmbook import keras_gpt

    model = keras_gpt.build(cfg)
    assert model.count_params() == T.parameter_count(2, 24, 3, 97, 16, d_ff=40)


def test_flops_by_hand():
    """L=1, d=2, n_ctx=3, V=5, d_ff=4: 8*4 + 4*3*2 + 4*2*4 = 32 + 24 + 32 = 88; logits 2*2*5 = 20."""
    assert T.flops_per_token(1, 2, 1, 5, 3, d_ff=4) == 108
    assert T.flops_per_token(1, 2, 1, 5, 3, d_ff=4, training=True) == 324


def test_flops_equal_kaplan_approximation_plus_logits():
    """Kaplan et al. (2020): C_forward = 2 N_nonembedding + 2 L n_ctx d, with N = 12 L d^2.

    Their 2 L n_ctx d counts the scores q.k; the weighted sum of the values costs as much again,
    and the logits cost 2 d V; flops_per_token counts both.
    """
    L, d, n_ctx, V = 12, 768, 1024, 50257
    n_nonemb = 12 * L * d * d
    kaplan = 2 * n_nonemb + 2 * L * n_ctx * d
    assert T.flops_per_token(L, d, 12, V, n_ctx) == kaplan + 2 * L * n_ctx * d + 2 * d * V


def test_flops_count_the_matrix_products_of_the_model(rng):
    """Count multiply-adds in the numpy model's products for one token, by shapes."""
    cfg = gpt.GPTConfig(n_vocab=11, n_ctx=5, d_model=8, n_head=2, n_layer=3)
    d, d_ff, n = cfg.d_model, cfg.d_ff, cfg.n_ctx
    per_layer = 4 * d * d + n * d + n * d + d * d_ff + d_ff * d  # projections, QK^T, AV, FFN
    macs = cfg.n_layer * per_layer + d * cfg.n_vocab
    assert T.flops_per_token(cfg.n_layer, d, cfg.n_head, cfg.n_vocab, n) == 2 * macs


def test_memory_by_hand():
    n = T.parameter_count(12, 768, 12, 50257, 1024)
    assert T.weight_bytes(n, 2) == 2 * 124_439_808
    assert T.training_memory_bytes(n, 4) == 16 * 124_439_808
    assert T.training_memory_bytes(n, mixed_precision=True) == 16 * 124_439_808
    # GPT-2 small, 1024 positions, float16: 2 * 12 * 1024 * 768 * 2 bytes = 37,748,736 = 36 MiB
    assert T.kv_cache_bytes(12, 768, 1024, 1, 2) == 37_748_736 == 36 * 2**20


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="n_layer"):
        T.parameter_count(0, 768, 12, 50257, 1024)
    with pytest.raises(ValueError, match="divisible"):
        T.parameter_count(12, 768, 7, 50257, 1024)
    with pytest.raises(ValueError, match="d_ff"):
        T.parameter_count(12, 768, 12, 50257, 1024, d_ff=1.5)
    with pytest.raises(ValueError, match="bytes_per_value"):
        T.weight_bytes(10, 0)
    with pytest.raises(ValueError, match="batch"):
        T.kv_cache_bytes(1, 8, 8, batch=0)
    assert np.isfinite(T.flops_per_token(1, 8, 2, 10, 4))


def test_kv_cache_with_grouped_query_heads_by_hand():
    """Llama 2 70B: L = 80, d = 8192, 64 query heads of width 8192/64 = 128, 8 KV heads.

    Per position and layer a key and a value of width 8 * 128 = 1024 instead of 8192, so
    4096 tokens in float16 take 2 * 80 * 4096 * 1024 * 2 = 1,342,177,280 bytes = 1.25 GiB
    (multi-head: 8 times as much, 10 GiB); one KV head (multi-query) takes 128 / 8192 of MHA.
    """
    gqa = T.kv_cache_bytes(80, 8192, 4096, 1, 2, n_head=64, n_kv_head=8)
    assert gqa == 1_342_177_280 == 1.25 * 2**30
    assert T.kv_cache_bytes(80, 8192, 4096, 1, 2, n_head=64, n_kv_head=64) == 10 * 2**30
    assert T.kv_cache_bytes(80, 8192, 4096, 1, 2) == 10 * 2**30
    assert T.kv_cache_bytes(80, 8192, 4096, 1, 2, n_head=64, n_kv_head=1) == 10 * 2**30 / 64
    # batch and bytes per value multiply: 3 sequences in float32 = 6 times the float16 cache
    assert T.kv_cache_bytes(80, 8192, 4096, 3, 4, n_head=64, n_kv_head=8) == 6 * gqa


def test_kv_cache_rejects_inconsistent_heads():
    with pytest.raises(ValueError, match="needs n_head"):
        T.kv_cache_bytes(1, 8, 8, n_kv_head=2)
    with pytest.raises(ValueError, match="divisible by n_kv_head"):
        T.kv_cache_bytes(1, 12, 8, n_head=6, n_kv_head=4)
    with pytest.raises(ValueError, match="divisible by n_head"):
        T.kv_cache_bytes(1, 10, 8, n_head=4, n_kv_head=2)
    with pytest.raises(ValueError, match="n_kv_head"):
        T.kv_cache_bytes(1, 8, 8, n_head=4, n_kv_head=0)


def test_kernels_equal_the_checked_functions():
    """``_parameters``, ``_block_parameters`` and ``_forward_flops`` are the checked functions' values."""
    for L, d, h, V, n_ctx, d_ff in ((12, 768, 12, 50257, 1024, None), (2, 64, 4, 100, 32, 96)):
        f = 4 * d if d_ff is None else d_ff
        for tied in (True, False):
            block = T._block_parameters(d, f)
            assert T._parameters(L, d, V, n_ctx, block, 2 * d, tied) == T.parameter_count(
                L, d, h, V, n_ctx, d_ff, tied_embeddings=tied
            )
        assert T._block_parameters(d, f) == T.block_parameter_count(d, d_ff)
        assert T._forward_flops(L, d, V, n_ctx, f) == T.flops_per_token(L, d, h, V, n_ctx, d_ff)
