"""Parameter counts, FLOPs and KV cache of today's blocks: by hand, against Keras layers, and
against the released checkpoints of open models."""

import itertools

import pytest

from llmbook import open_models
from llmbook import transformer as T


def _keras_count(n_layer, d, n_head, V, n_ctx, d_ff, tied, *, n_kv_head=None, norm="layernorm",
                 mlp="gelu", positions="learned", bias=True, n_expert=1, d_head=None):  # fmt: skip
    """Build every layer of the model in Keras and add up Keras's own parameter counts."""
    import keras

    d_head = d_head or d // n_head
    w_q, w_kv = n_head * d_head, (n_kv_head or n_head) * d_head
    layers = [(keras.layers.Embedding(V, d), (None,))]
    if positions == "learned":
        layers.append((keras.layers.Embedding(n_ctx, d), (None,)))

    def norm_layer():
        if norm == "rmsnorm":
            return keras.layers.RMSNormalization()
        return keras.layers.LayerNormalization(center=bias)

    for _ in range(n_layer):
        layers += [(norm_layer(), (None, d)), (norm_layer(), (None, d))]
        for width in (w_q, w_kv, w_kv):
            layers.append((keras.layers.Dense(width, use_bias=bias), (None, d)))
        layers.append((keras.layers.Dense(d, use_bias=bias), (None, w_q)))
        for _ in range(n_expert):
            for _ in range(1 if mlp == "gelu" else 2):  # up (and gate)
                layers.append((keras.layers.Dense(d_ff, use_bias=bias), (None, d)))
            layers.append((keras.layers.Dense(d, use_bias=bias), (None, d_ff)))
        if n_expert > 1:
            layers.append((keras.layers.Dense(n_expert, use_bias=False), (None, d)))
    layers.append((norm_layer(), (None, d)))
    if not tied:
        layers.append((keras.layers.Dense(V, use_bias=False), (None, d)))
    total = 0
    for layer, shape in layers:
        layer.build(shape)
        total += layer.count_params()
    return total


OPTIONS = list(
    itertools.product(
        ["layernorm", "rmsnorm"], ["gelu", "swiglu"], ["learned", "rope"], [True, False]
    )
)


@pytest.mark.parametrize("norm, mlp, positions, bias", OPTIONS)
def test_count_equals_keras_layers(norm, mlp, positions, bias, tf):
    kw = dict(norm=norm, mlp=mlp, positions=positions, bias=bias)
    for n_kv_head, n_expert, d_head, tied in [
        (None, 1, None, True),
        (2, 3, None, False),
        (1, 1, 5, False),
    ]:
        args = (2, 12, 4, 31, 9, 20, tied)
        extra = dict(n_kv_head=n_kv_head, n_expert=n_expert, d_head=d_head)
        assert T.parameter_count(*args, **kw, **extra) == _keras_count(*args, **kw, **extra)


def test_llama_2_7b_by_hand():
    """L = 32, d = 4096, d_ff = 11008, V = 32000, untied, RMSNorm, SwiGLU, RoPE, no biases.

    embeddings and output     2 * 32000 * 4096        =   262,144,000
    per block: q, k, v, o     4 * 4096^2              =    67,108,864
               SwiGLU         3 * 4096 * 11008        =   135,266,304
               2 RMSNorms     2 * 4096                =         8,192
               block                                  =   202,383,360
    32 blocks                                         = 6,476,267,520
    final RMSNorm                                     =         4,096
    total                                             = 6,738,415,616
    """
    assert 67_108_864 + 135_266_304 + 8_192 == 202_383_360
    assert 262_144_000 + 32 * 202_383_360 + 4_096 == 6_738_415_616
    cfg = dict(n_kv_head=32, norm="rmsnorm", mlp="swiglu", positions="rope", bias=False)
    assert (
        T.block_parameter_count(
            4096, 11008, n_head=32, **{k: v for k, v in cfg.items() if k != "positions"}
        )
        == 202_383_360
    )
    assert T.parameter_count(32, 4096, 32, 32000, 4096, 11008, False, **cfg) == 6_738_415_616


def test_grouped_query_attention_by_hand():
    """d = 8, 4 heads of width 2, 1 key/value head: q, o are 8x8, k, v are 8x2; biases 8 + 2 + 2 + 8."""
    full = T.block_parameter_count(8, 16, n_head=4)
    gqa = T.block_parameter_count(8, 16, n_head=4, n_kv_head=1)
    assert full - gqa == 2 * (8 * 8 - 8 * 2) + 2 * (8 - 2)


def test_experts_and_router_by_hand():
    """E = 4 experts of d = 6, d_ff = 10, SwiGLU, no bias: 4 * 3 * 60 = 720, router 6 * 4 = 24."""
    one = T.block_parameter_count(6, 10, n_head=2, mlp="swiglu", bias=False)
    four = T.block_parameter_count(6, 10, n_head=2, mlp="swiglu", bias=False, n_expert=4)
    assert four - one == 3 * 180 + 24


def test_gpt2_stays_the_default():
    assert T.parameter_count(12, 768, 12, 50257, 1024) == 124_439_808
    assert T.block_parameter_count(768) == 7_087_872


@pytest.mark.parametrize("row", open_models.count_table(), ids=lambda r: r[0])
def test_published_open_models(row):
    name, computed, published, diff = row
    assert computed == published, f"{name}: computed {computed:,}, released {published:,}"
    assert diff == 0


def test_every_model_has_sources():
    for m in open_models.load():
        assert m["config_source"].startswith("https://huggingface.co/"), m["model"]
        assert m["params_source"] and m["cite"], m["model"]
    assert all(r["reason"] for r in open_models.left_out())


def test_gpt3_readings():
    """Table 2.1 of Brown et al. (2020). XL: 24 heads x 128 = 3072 != d_model 2048; 13B: 40 x 128 = 5120 != 5140.

    XL with width d_model: 12 * 24 * 2048^2 + 13 * 24 * 2048 + 50257 * 2048 + 2048 * 2048 + 2 * 2048
    = 1,207,959,552 + 638,976 + 102,926,336 + 4,194,304 + 4,096 = 1,315,723,264, which rounds to the
    printed 1.3B; with the printed d_head it would be 1.52B.
    """
    rows = {r[0]: r for r in open_models.gpt3_readings()}
    assert rows["GPT-3 XL"][3] == 1_207_959_552 + 638_976 + 102_926_336 + 4_194_304 + 4_096
    assert round(rows["GPT-3 XL"][3] / 1e8) == 13 and round(rows["GPT-3 XL"][2] / 1e8) == 15
    for name, printed, with_d_head, with_d_model in rows.values():
        if name not in ("GPT-3 XL", "GPT-3 13B"):
            assert with_d_head == with_d_model
        assert abs(with_d_model / printed - 1) < 0.025, name


def test_d_head_lets_heads_be_wider_than_d_model_split():
    with pytest.raises(ValueError, match="divisible"):
        T.parameter_count(24, 2048, 24, 50257, 2048)
    assert T.parameter_count(24, 2048, 24, 50257, 2048, d_head=128) > T.parameter_count(
        24, 2048, 16, 50257, 2048
    )


def test_flops_of_a_modern_block_by_hand():
    """L=1, d=4, 2 heads (w_q = 4), 1 kv head (w_kv = 2), n_ctx=3, V=5, d_ff=6, SwiGLU, 4 experts, 2 per token.

    projections 2 * (2*4*4 + 2*4*2) = 2 * 48 = 96; scores and values 4 * 3 * 4 = 48;
    experts 2 * (2 * 3 * 4 * 6) = 288; router 2 * 4 * 4 = 32; logits 2 * 4 * 5 = 40. Total 504.
    """
    f = T.flops_per_token(
        1, 4, 2, 5, 3, d_ff=6, n_kv_head=1, mlp="swiglu", n_expert=4, experts_per_token=2
    )
    assert f == 96 + 48 + 288 + 32 + 40
    assert T.flops_per_token(12, 768, 12, 50257, 1024) == T.flops_per_token(
        12, 768, 12, 50257, 1024, n_kv_head=12, mlp="gelu", n_expert=1
    )


def test_kv_cache_by_hand():
    """Llama 2 70B: 2 * 80 layers * 8 kv heads * 128 * 2 bytes = 327,680 bytes per token."""
    assert T.kv_cache_bytes(80, 8192, 1, n_head=64, n_kv_head=8) == 2 * 80 * 8 * 128 * 2 == 327_680
    assert T.kv_cache_bytes(80, 8192, 1) == 2 * 80 * 8192 * 2
    assert T.kv_cache_bytes(2, 16, 10, 3, 4, n_head=4) == T.kv_cache_bytes(2, 16, 10, 3, 4)


def test_kv_cache_of_the_table():
    per_token = {
        m["model"]: open_models.kv_bytes_per_token(m["config"]) for m in open_models.load()
    }
    assert per_token["Llama 2 7B"] == 2 * 32 * 4096 * 2  # no GQA: 512 KiB
    assert per_token["Mistral 7B"] == 2 * 32 * 8 * 128 * 2
    assert per_token["Gemma 2B"] == 2 * 18 * 1 * 256 * 2  # one kv head of width 256


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_kv_head=3), "divisible by n_kv_head"),
        (dict(n_kv_head=0), "n_kv_head"),
        (dict(norm="batchnorm"), "norm"),
        (dict(mlp="relu"), "mlp"),
        (dict(positions="alibi"), "positions"),
        (dict(n_expert=0), "n_expert"),
        (dict(d_head=0), "d_head"),
    ],
)
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        T.parameter_count(2, 16, 4, 10, 8, **kwargs)


def test_bad_flops_and_kv_options():
    with pytest.raises(ValueError, match="experts_per_token"):
        T.flops_per_token(2, 16, 4, 10, 8, n_expert=2, experts_per_token=3)
    with pytest.raises(ValueError, match="needs n_head"):
        T.kv_cache_bytes(2, 16, 8, n_kv_head=2)
    with pytest.raises(ValueError, match="divisible"):
        T.kv_cache_bytes(2, 16, 8, n_head=4, n_kv_head=3)


def test_open_model_citations_are_in_the_bibliography():
    import pathlib
    import re

    bib = (pathlib.Path(__file__).resolve().parents[1] / "references.bib").read_text(
        encoding="utf-8"
    )
    keys = set(re.findall(r"^@\w+\s*\{\s*([^,\s]+)\s*,", bib, flags=re.MULTILINE))
    for m in open_models.load():
        assert set(m["cite"]) <= keys, m["model"]
