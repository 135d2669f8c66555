"""The tiny Llama: against chapter 15's GPT, a float64 TensorFlow model written from the
formulas (tf.GradientTape), finite differences, literal loops and the closed parameter count."""

import dataclasses
import json

import numpy as np
import pytest

from llmbook import glu, gpt, llama, lm_eval, tiny_gpt, tiny_llama, transformer

SHAPE = dict(n_vocab=11, n_ctx=6, d_model=8, n_head=4, n_layer=2)
GPT2 = dict(norm="layernorm", positions="learned", mlp="gelu", bias=True, tied=True)

#: Each switch alone on the GPT-2 block, and the full tiny Llama (grouped and multi-query).
VARIANTS = {
    "gpt2": GPT2,
    "rmsnorm": {**GPT2, "norm": "rmsnorm"},
    "rope": {**GPT2, "positions": "rope"},
    "sinusoidal": {**GPT2, "positions": "sinusoidal"},
    "swiglu": {**GPT2, "mlp": "swiglu"},
    "gqa": {**GPT2, "n_kv_head": 2},
    "no bias": {**GPT2, "bias": False},
    "untied": {**GPT2, "tied": False},
    "llama": {"n_kv_head": 2},
    "llama mqa": {"n_kv_head": 1},
    "llama interpolated": {"n_kv_head": 2, "rope_scale": 0.5},
}


def _generic(params, rng, scale=0.3):
    """Perturb every parameter (gains away from 1, biases away from 0), in place."""
    for _, a in gpt.tree_leaves(params):
        a += rng.normal(0.0, scale, a.shape)
    return params


def _ids(rng, B=2, T=5, V=11):
    return rng.integers(0, V, (B, T)), rng.integers(0, V, (B, T))


# --- the GPT-2 flags are chapter 15's GPT --------------------------------------------------


def test_gpt2_flags_give_chapter_15s_loss_and_gradients(rng):
    """Same weights (renamed), same loss and every gradient as gpt.loss_and_grads, to rounding."""
    gcfg, lcfg = gpt.GPTConfig(**SHAPE), llama.gpt2_flags(**SHAPE)
    gp = _generic(gpt.init_params(gcfg, seed=3), rng)
    rename = {"ln1": "norm_1", "ln2": "norm_2", "attn": "attn", "ffn": "ffn"}
    lp = {"wte": gp["wte"], "wpe": gp["wpe"], "norm_f": gp["ln_f"],
          "blocks": [{rename[k]: v for k, v in b.items()} for b in gp["blocks"]]}  # fmt: skip
    x, y = _ids(rng)
    l_gpt, g_gpt = gpt.loss_and_grads(gp, gcfg, x, y)
    l_llama, g_llama = llama.loss_and_grads(lp, lcfg, x, y)
    assert l_llama == pytest.approx(l_gpt, rel=1e-13)
    g_gpt = {"wte": g_gpt["wte"], "wpe": g_gpt["wpe"], "norm_f": g_gpt["ln_f"],
             "blocks": [{rename[k]: v for k, v in b.items()} for b in g_gpt["blocks"]]}  # fmt: skip
    a, b = gpt.tree_leaves(g_gpt), gpt.tree_leaves(g_llama)
    assert [p for p, _ in a] == [p for p, _ in b]
    for (path, ga), (_, gb) in zip(a, b, strict=True):
        np.testing.assert_allclose(gb, ga, rtol=1e-10, atol=1e-14, err_msg=path)


# --- an independent float64 model in TensorFlow ---------------------------------------------


def _tf_model(tf, params, cfg, x, y):
    """The loss, written from the formulas in TensorFlow (nothing shared with llmbook)."""
    d, h, g, T = cfg.d_model, cfg.n_head, cfg.n_kv_head, x.shape[1]
    d_h, eps = d // h, 1e-5

    def norm(z, p):
        if cfg.norm == "rmsnorm":
            return p["gamma"] * z / tf.sqrt(tf.reduce_mean(z * z, -1, keepdims=True) + eps)
        mu, var = tf.nn.moments(z, axes=[-1], keepdims=True)
        return p["gamma"] * (z - mu) / tf.sqrt(var + eps) + p.get("beta", 0.0)

    def lin(z, p, n):
        return tf.einsum("btd,de->bte", z, p[f"W_{n}"]) + p.get(f"b_{n}", 0.0)

    def heads(z, n):  # [B, T, n d_h] -> [B, n, T, d_h]
        return tf.transpose(tf.reshape(z, (z.shape[0], T, n, d_h)), (0, 2, 1, 3))

    # RoPE, "rotate half" form: x cos + rotate_half(x) sin with the angles repeated twice.
    theta = cfg.rope_base ** (-np.arange(0, d_h, 2) / d_h)
    ang = (cfg.rope_scale * np.arange(T))[:, None] * theta  # [T, d_h/2]: angle s m theta_i
    cos = tf.constant(np.cos(np.concatenate([ang, ang], -1)))
    sin = tf.constant(np.sin(np.concatenate([ang, ang], -1)))

    def rot(z):
        z1, z2 = z[..., : d_h // 2], z[..., d_h // 2 :]
        return z * cos + tf.concat([-z2, z1], -1) * sin

    z = tf.gather(params["wte"], x)
    if cfg.positions == "sinusoidal":
        z = z * np.sqrt(d)  # Vaswani et al. scale the embeddings by sqrt(d_model)
    if cfg.positions == "learned":
        z = z + params["wpe"][:T]
    elif cfg.positions == "sinusoidal":
        t, i = np.arange(T)[:, None], np.arange(d)[None, :]
        w = 10000.0 ** (-(i - i % 2) / d)  # PE[t, 2i] = sin, PE[t, 2i+1] = cos
        z = z + tf.constant(np.where(i % 2 == 0, np.sin(t * w), np.cos(t * w)))
    causal = tf.constant(np.tril(np.ones((T, T), bool)))
    for p in params["blocks"]:
        a = p["attn"]
        u = norm(z, p["norm_1"])
        q, k, v = heads(lin(u, a, "q"), h), heads(lin(u, a, "k"), g), heads(lin(u, a, "v"), g)
        if cfg.positions == "rope":
            q, k = rot(q), rot(k)
        k, v = tf.repeat(k, h // g, axis=1), tf.repeat(v, h // g, axis=1)  # head j reads j // r
        s = tf.einsum("bhqe,bhke->bhqk", q, k) / np.sqrt(d_h)
        att = tf.nn.softmax(tf.where(causal, s, -np.inf), axis=-1)
        o = tf.reshape(tf.transpose(att @ v, (0, 2, 1, 3)), (x.shape[0], T, d))
        z = z + lin(o, a, "o")
        f, w = norm(z, p["norm_2"]), p["ffn"]
        if cfg.mlp == "swiglu":
            m = tf.nn.silu(lin(f, w, "1")) * lin(f, w, "3")
        else:
            a = lin(f, w, "1")  # GELU, tanh form (tf.nn.gelu rounds sqrt(2/pi) to ~1e-9)
            m = 0.5 * a * (1.0 + tf.tanh(np.sqrt(2.0 / np.pi) * (a + 0.044715 * a**3)))
        z = z + lin(m, w, "2")
    hf = norm(z, params["norm_f"])
    W_out = tf.transpose(params["wte"]) if cfg.tied else params["W_out"]
    logits = tf.einsum("btd,dv->btv", hf, W_out)
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    return tf.reduce_mean(ce)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_loss_and_gradients_match_gradient_tape(tf, rng, name):
    """Float64: the loss and every gradient equal tf.GradientTape's on the TensorFlow model."""
    cfg = llama.LlamaConfig(**SHAPE, **VARIANTS[name])
    params = _generic(llama.init_params(cfg, seed=1), rng)
    x, y = _ids(rng)
    loss, grads = llama.loss_and_grads(params, cfg, x, y)
    paths, leaves = zip(*gpt.tree_leaves(params), strict=True)
    tf_leaves = [tf.Variable(a) for a in leaves]
    tree = gpt.tree_from_leaves(dict(zip(paths, tf_leaves, strict=True)))
    with tf.GradientTape() as tape:
        ref = _tf_model(tf, tree, cfg, x, y)
    tf_grads = tape.gradient(ref, tf_leaves)
    assert loss == pytest.approx(float(ref), rel=1e-12)
    for path, (_, g), tg in zip(paths, gpt.tree_leaves(grads), tf_grads, strict=True):
        tg = tf.convert_to_tensor(tg).numpy()  # the embedding's gradient is an IndexedSlices
        np.testing.assert_allclose(g, tg, rtol=1e-8, atol=1e-12, err_msg=f"{name}: {path}")


def test_gradients_against_finite_differences(rng):
    """Central differences on the full tiny Llama, a few entries of every parameter."""
    cfg = llama.LlamaConfig(**SHAPE, n_kv_head=2)
    params = _generic(llama.init_params(cfg, seed=2), rng)
    x, y = _ids(rng)
    _, grads = llama.loss_and_grads(params, cfg, x, y)
    eps = 1e-6
    for (path, a), (_, g) in zip(gpt.tree_leaves(params), gpt.tree_leaves(grads), strict=True):
        for _ in range(2):
            i = tuple(int(rng.integers(0, s)) for s in a.shape)
            old = a[i]
            a[i] = old + eps
            up = llama.loss_and_grads(params, cfg, x, y)[0]
            a[i] = old - eps
            down = llama.loss_and_grads(params, cfg, x, y)[0]
            a[i] = old
            fd = (up - down) / (2 * eps)
            assert g[i] == pytest.approx(fd, rel=1e-5, abs=1e-9), path


def test_swiglu_is_the_glu_modules_swiglu(rng):
    """Without biases, swiglu and its backward pass equal llmbook.glu's (float64)."""
    v = rng.normal(size=(2, 3, 8))
    p = {"W_1": rng.normal(size=(8, 12)), "W_3": rng.normal(size=(8, 12)),
         "W_2": rng.normal(size=(12, 8))}  # fmt: skip
    y, c = llama.swiglu(v, p)
    y_ref, c_ref = glu.glu_ffn(v, p["W_1"], p["W_3"], p["W_2"], "swiglu")
    np.testing.assert_allclose(y, y_ref, rtol=1e-12)
    dy = rng.normal(size=y.shape)
    dv, g = llama._swiglu_backward(dy, c, p)
    dv_ref, g_ref = glu.glu_ffn_backward(dy, c_ref)
    np.testing.assert_allclose(dv, dv_ref, rtol=1e-12)
    for mine, ref in (("W_1", "W"), ("W_3", "V"), ("W_2", "W_2")):
        np.testing.assert_allclose(g[mine], g_ref[ref], rtol=1e-12)


def test_swiglu_does_not_overflow_at_extreme_inputs():
    v = np.full((1, 8), 1e4)
    p = {"W_1": np.full((8, 4), 50.0), "W_3": np.ones((8, 4)), "W_2": np.ones((4, 8))}
    with np.errstate(all="raise"):
        y, _ = llama.swiglu(v, p)
        y_neg, _ = llama.swiglu(-v, p)
    assert np.isfinite(y).all() and np.isfinite(y_neg).all()


def test_rope_model_sees_only_relative_positions(rng):
    """With RoPE and no other position signal, the first block's attention weights of a
    window shifted by k positions (keys and queries rotated by m + k) are unchanged."""
    cfg = llama.LlamaConfig(**SHAPE)
    p = _generic(llama.init_params(cfg, seed=4), rng)["blocks"][0]["attn"]
    u = rng.normal(size=(1, 5, 8))
    _, c = llama.self_attention(u, p, cfg, np.tril(np.ones((5, 5), bool)))
    # the same window placed at positions k..k+4 inside a longer sequence with 0 rows before it
    k = 3
    longer = np.concatenate([np.zeros((1, k, 8)), u], axis=1)
    _, c2 = llama.self_attention(longer, p, cfg, np.tril(np.ones((8, 8), bool)))
    A, A2 = c["A"][0], c2["A"][0][..., k:, k:]  # [g, r, 5, 5]
    # zero rows have zero keys (no biases): their scores are 0, so renormalise over the window
    A2 = A2 / A2.sum(-1, keepdims=True)
    np.testing.assert_allclose(A, A2, rtol=1e-10, atol=1e-14)


# --- the training loop and the evaluation serve the Llama -----------------------------------


def test_gpt_train_trains_a_llama_and_keeps_float32():
    cfg = llama.LlamaConfig(n_vocab=5, n_ctx=8, d_model=8, n_head=2, n_layer=1, n_kv_head=1)
    data = np.tile(np.arange(5), 60)  # 0 1 2 3 4 0 1 ...: the next token is always known
    res = gpt.train(cfg, data, data, steps=60, batch_size=8, lr=1e-2, warmup=5,
                    eval_every=60, dtype=np.float32)  # fmt: skip
    assert res.train_loss[-1] < 0.25 * res.train_loss[0]
    assert res.val_loss[-1] < 0.5
    assert all(a.dtype == np.float32 for _, a in gpt.tree_leaves(res.params))


def test_token_losses_are_the_literal_loop_for_a_llama(rng):
    """Stride 1: target t is scored from the ids before it, at most n_ctx of them."""
    cfg = llama.LlamaConfig(**SHAPE, n_kv_head=2)
    params = _generic(llama.init_params(cfg, seed=5), rng, scale=0.1)
    ids = rng.integers(0, 11, 17)
    got = lm_eval.gpt_token_losses(params, cfg, ids, stride=1, batch_size=3)
    ref = []
    for t in range(1, ids.size):
        ctx = ids[max(0, t - cfg.n_ctx) : t]
        z, _ = llama.forward(params, cfg, ctx)
        z = z[0, -1]
        ref.append(np.log(np.sum(np.exp(z - z.max()))) + z.max() - z[ids[t]])
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    assert gpt.evaluate(params, cfg, ids, stride=1) == pytest.approx(np.mean(ref), rel=1e-10)


# --- parameter counts ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(VARIANTS))
def test_parameter_count_is_transformers_formula(name):
    cfg = llama.LlamaConfig(**SHAPE, **VARIANTS[name])
    n = llama.n_params(llama.init_params(cfg))
    assert n == tiny_llama.parameter_count(cfg)
    assert n == transformer.parameter_count(
        cfg.n_layer, cfg.d_model, cfg.n_head, cfg.n_vocab, cfg.n_ctx, cfg.d_ff, cfg.tied,
        n_kv_head=cfg.n_kv_head, norm=cfg.norm, mlp=cfg.mlp, positions=cfg.positions,
        bias=cfg.bias,
    )  # fmt: skip


def test_every_row_of_the_experiment_counts_as_transformers_formula():
    for name in [*tiny_llama.ABLATION, *tiny_llama.POSITIONS]:
        cfg = tiny_llama.config(name, n_vocab=50)
        assert llama.n_params(llama.init_params(cfg)) == tiny_llama.parameter_count(cfg), name


def test_default_widths():
    """SwiGLU: 2/3 of 4d rounded up to a multiple of 8 (d = 96: 256 = 8/3 * 96 exactly); GELU: 4d."""
    assert llama.LlamaConfig(**{**SHAPE, "d_model": 96}).d_ff == 256
    # d = 100: int(2/3 * 400) = 266, rounded up to a multiple of 8: 272
    assert llama.LlamaConfig(**{**SHAPE, "d_model": 100, "n_head": 2}).d_ff == 272
    assert llama.gpt2_flags(**SHAPE).d_ff == 32
    assert llama.LlamaConfig(**SHAPE).n_kv_head == 4


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("over", "error", "match"),
    [
        ({"d_model": 10, "n_head": 4}, ValueError, "divisible by n_head"),
        ({"n_kv_head": 3}, ValueError, "divisible by n_kv_head"),
        ({"n_kv_head": 0}, ValueError, "n_kv_head"),
        ({"norm": "batchnorm"}, ValueError, "norm must be one of"),
        ({"positions": "alibi"}, ValueError, "positions must be one of"),
        ({"mlp": "relu"}, ValueError, "mlp must be one of"),
        ({"d_model": 12, "n_head": 4}, ValueError, "head width"),  # d_h = 3 with RoPE
        ({"d_model": 9, "n_head": 3, "positions": "sinusoidal"}, ValueError, "must be even"),
        ({"bias": "yes"}, TypeError, "bias"),
        ({"tied": 1}, TypeError, "tied"),
        ({"rope_base": 0.0}, ValueError, "rope_base"),
        ({"rope_scale": -1.0}, ValueError, "rope_scale"),
        ({"d_ff": 0}, ValueError, "d_ff"),
        ({"n_layer": 0}, ValueError, "n_layer"),
        ({"n_vocab": 2.5}, ValueError, "n_vocab"),
    ],
)
def test_bad_configs_raise(over, error, match):
    with pytest.raises(error, match=match):
        llama.LlamaConfig(**{**SHAPE, **over})


def test_bad_ids_and_dtypes_raise(rng):
    cfg = llama.LlamaConfig(**SHAPE)
    params = llama.init_params(cfg)
    with pytest.raises(ValueError, match=r"at most"):
        llama.forward(params, cfg, np.zeros((1, 7), int))
    with pytest.raises(ValueError, match="token ids"):
        llama.forward(params, cfg, np.array([[11]]))
    with pytest.raises(TypeError, match="integer"):
        llama.forward(params, cfg, np.array([[0.5]]))
    with pytest.raises(ValueError, match="shape"):
        llama.loss_and_grads(params, cfg, np.zeros((2, 3), int), np.zeros((2, 4), int))
    with pytest.raises(ValueError, match="dtype"):
        llama.init_params(cfg, dtype=np.float16)
    with pytest.raises(TypeError, match="LlamaConfig"):
        llama.init_params(gpt.GPTConfig(**SHAPE))
    with pytest.raises(ValueError, match="unknown row"):
        tiny_llama.config("+ ALiBi", 10)


# --- the experiment's records -----------------------------------------------------------------


def _fake_record(row, seed, loss, params=100, ms=10.0):
    flags = {"norm": "rmsnorm", "positions": "rope", "mlp": "swiglu", "bias": False, "tied": False}
    return {"row": row, "seed": seed, "validation": [9.0, loss], "params": params,
            "ms_per_step": ms, "flags": flags, "config": {"n_head": 4, "n_kv_head": 2}}  # fmt: skip


def test_runs_cover_every_row_once_per_seed():
    runs = tiny_llama.runs()
    assert runs[:3] == [("ablation", "tiny Llama", s) for s in (0, 1, 2)]
    rows = {name for _, name, _ in runs}
    assert rows == set(tiny_llama.ABLATION) | {"learned", "sinusoidal"}
    assert len(runs) == 3 * len(rows) == len(set(runs))


def test_summary_is_mean_and_sample_std_over_seeds():
    recs = [
        _fake_record("GPT-2 block", s, v) for s, v in zip((0, 1, 2), (2.0, 2.2, 2.6), strict=True)
    ]
    recs += [_fake_record("tiny Llama", 0, 1.5, params=7)]
    (gpt2, llama_line) = tiny_llama.summary(recs)
    # mean (2.0 + 2.2 + 2.6) / 3 = 2.2667; deviations -0.2667, -0.0667, 0.3333:
    # squares 0.07111 + 0.00444 + 0.11111 = 0.18667, / (3 - 1) = 0.09333, sqrt = 0.30551
    assert gpt2["mean"] == pytest.approx(2.266667, abs=1e-6)
    assert gpt2["std"] == pytest.approx(0.305505, abs=1e-6)
    assert gpt2["losses"] == [2.0, 2.2, 2.6] and gpt2["seeds"] == [0, 1, 2]
    assert llama_line["params"] == 7 and np.isnan(llama_line["std"])
    (rope_line,) = tiny_llama.summary(recs, "positions")
    assert rope_line["row"] == "RoPE" and rope_line["losses"] == [1.5]
    with pytest.raises(ValueError, match="table"):
        tiny_llama.summary(recs, "norms")
    with pytest.raises(ValueError, match="parameter count"):
        tiny_llama.summary([*recs, _fake_record("tiny Llama", 1, 1.6, params=8)])


def test_complete_keeps_rows_with_every_seed():
    recs = [_fake_record("GPT-2 block", s, 2.0) for s in (0, 1, 2)]
    recs += [_fake_record("+ RoPE", s, 2.0) for s in (0, 2)]
    assert tiny_llama.complete(recs) == recs[:3]


def test_difference_against_the_seed_spread():
    recs = [
        _fake_record("GPT-2 block", s, v) for s, v in zip((0, 1, 2), (2.0, 2.2, 2.6), strict=True)
    ]
    recs += [
        _fake_record("tiny Llama", s, v) for s, v in zip((0, 1, 2), (1.9, 2.0, 2.1), strict=True)
    ]
    d = tiny_llama.difference(recs, "tiny Llama", "GPT-2 block")
    # means 2.0 and 2.26667; stds 0.1 and 0.305505 (see above):
    # se = sqrt(0.01 / 3 + 0.093333 / 3) = sqrt(0.034444) = 0.185592; |diff| 0.26667 < 2 se
    assert d["diff"] == pytest.approx(-0.266667, abs=1e-6)
    assert d["se"] == pytest.approx(0.185592, abs=1e-6)
    assert d["words"] == "within the seed spread"
    recs = [r | {"validation": [9.0, r["validation"][-1] - 1.0]} if r["row"] == "tiny Llama" else r
            for r in recs]  # fmt: skip
    assert tiny_llama.difference(recs, "tiny Llama", "GPT-2 block")["words"] == "lower"
    assert tiny_llama.difference(recs, "GPT-2 block", "tiny Llama")["words"] == "higher"
    with pytest.raises(ValueError, match="no records"):
        tiny_llama.difference(recs, "+ RoPE", "GPT-2 block")
    with pytest.raises(ValueError, match="two seeds"):
        tiny_llama.difference([*recs[:3], recs[3]], "tiny Llama", "GPT-2 block")


def test_figure_plots_the_tables_numbers():
    recs = [_fake_record(r, s, 2.0 + 0.1 * i + 0.01 * s)
            for i, r in enumerate(tiny_llama.ABLATION) for s in (0, 1, 2)]  # fmt: skip
    recs += [
        _fake_record(r, s, 2.5 + 0.01 * s) for r in ("learned", "sinusoidal") for s in (0, 1, 2)
    ]
    fig = tiny_llama.figure(recs)
    for ax, table in zip(fig.axes, ("ablation", "positions"), strict=True):
        lines = tiny_llama.summary(recs, table)
        means = [ln["mean"] for ln in lines]
        stds = [ln["std"] for ln in lines]
        bars = ax.containers[0]  # the error bars: (data line, caps, bar lines)
        x, _ = bars.lines[0].get_data()
        np.testing.assert_allclose(np.asarray(x, dtype=float), means)
        segments = bars.lines[2][0].get_segments()
        np.testing.assert_allclose([s[1, 0] - s[0, 0] for s in segments], 2 * np.array(stds))
        seeds = np.concatenate(
            [np.asarray(ln.get_xdata(), float) for ln in ax.lines if ln.get_gid() == "seeds"]
        )
        np.testing.assert_allclose(
            np.sort(seeds), np.sort([v for ln in lines for v in ln["losses"]])
        )
        assert [t.get_text() for t in ax.get_yticklabels()] == [ln["row"] for ln in lines]
        shown = [r["validation (mean ± std)"] for r in tiny_llama.table_rows(recs, table)]
        assert shown == [f"{m:.4f} ± {sd:.4f}" for m, sd in zip(x, stds, strict=True)]
    import matplotlib.pyplot as plt

    plt.close(fig)


@pytest.mark.parametrize("run", tiny_llama.EXPERIMENTS)
def test_committed_records_match_the_code(run):
    """Every committed record was made with its experiment's current settings, and its parameter count is the formula's."""
    recs = tiny_llama.recorded(run)
    current = {**dataclasses.asdict(tiny_llama.experiment_settings(run)), "seed": 0}
    assert (current["clip_norm"] is None) == (run == "no clipping")
    for r in recs:
        assert {**r["settings"], "seed": 0} == current, (r["row"], r["seed"])
        cfg = llama.LlamaConfig(**r["config"])
        assert cfg == tiny_llama.config(r["row"], cfg.n_vocab)
        assert r["params"] == tiny_llama.parameter_count(cfg)
        assert json.dumps(r)  # plain JSON


def test_effect_of_run_pairs_seeds():
    """Row 'GPT-2 block': a has 2.0, 2.2, 2.6 on seeds 0-2, b has 2.1, 2.1, 2.9 on seeds 0, 1, 3;
    the paired seeds are 0 and 1, with deltas +0.1 and -0.1: mean 0, sample std sqrt(0.02)."""
    a = [_fake_record("GPT-2 block", s, v) for s, v in zip((0, 1, 2), (2.0, 2.2, 2.6), strict=True)]
    b = [_fake_record("GPT-2 block", s, v) for s, v in zip((0, 1, 3), (2.1, 2.1, 2.9), strict=True)]
    b += [_fake_record("+ RoPE", 0, 1.0)]  # only in b: no line
    (line,) = tiny_llama.effect_of_run(a, b)
    assert line["row"] == "GPT-2 block" and line["seeds"] == [0, 1]
    assert line["diff"] == pytest.approx(0.0, abs=1e-12)
    assert line["std"] == pytest.approx(np.sqrt(0.02))
    assert line["a"] == pytest.approx(6.8 / 3) and line["b"] == pytest.approx(7.1 / 3)
    with pytest.raises(ValueError, match="no seed"):
        tiny_llama.effect_of_run(a, [_fake_record("GPT-2 block", 5, 2.0)])
    with pytest.raises(ValueError, match="run must be"):
        tiny_llama.folder_of("clipped")


def test_steps_compare_each_row_with_the_one_above():
    """GPT-2 block 2.0, 2.2, 2.6 (mean 2.2667); + RMSNorm 1.9, 2.0, 2.1 (mean 2.0): the step
    is -0.2667, se sqrt(0.09333/3 + 0.01/3) = 0.1856, so within the spread."""
    recs = [
        _fake_record("GPT-2 block", s, v) for s, v in zip((0, 1, 2), (2.0, 2.2, 2.6), strict=True)
    ]
    recs += [
        _fake_record("+ RMSNorm", s, v) for s, v in zip((0, 1, 2), (1.9, 2.0, 2.1), strict=True)
    ]
    (step,) = tiny_llama.steps(recs)
    assert step["step"] == "GPT-2 block → + RMSNorm"
    assert step["diff"] == pytest.approx(2.0 - 6.8 / 3)
    assert step["se"] == pytest.approx(np.sqrt((0.28 / 3) / 3 + 0.01 / 3))
    assert step["words"] == "within the seed spread"


def test_beyond_summary_and_figure_agree():
    """Two seeds of the tiny Llama with n_ctx 2 and windows of 4: curves [1, 2, 3, 5] and
    [3, 2, 5, 3]; inside (t < 2) the seeds' means are 1.5 and 2.5, past it 4 and 4."""
    recs = []
    for seed, plain in ((0, [1.0, 2.0, 3.0, 5.0]), (1, [3.0, 2.0, 5.0, 3.0])):
        r = _fake_record("tiny Llama", seed, 2.0)
        r["config"]["n_ctx"] = 2
        r["beyond"] = {"as trained": plain, "interpolated": [2.0] * 4}
        recs.append(r)
    recs.append(_fake_record("learned", 0, 2.0))  # no "beyond": no line
    lines = tiny_llama.beyond_summary(recs)
    assert [ln["label"] for ln in lines] == ["RoPE, as trained", "RoPE, interpolated"]
    a = lines[0]
    assert a["curve"] == [2.0, 2.0, 4.0, 4.0]
    assert a["inside"] == [1.5, 2.5] and a["past"] == [4.0, 4.0]
    assert a["inside_mean"] == 2.0 and a["inside_std"] == pytest.approx(np.sqrt(0.5))
    assert a["past_std"] == 0.0
    fig = tiny_llama.beyond_figure(recs, pyplot=False)
    plotted = {ln.get_gid(): ln.get_ydata() for ln in fig.axes[0].lines if ln.get_gid()}
    for ln in lines:
        np.testing.assert_array_equal(plotted[ln["label"]], ln["curve"])


def test_beyond_context_reads_twice_the_context(rng):
    """The loss past the context is lm_eval.position_losses on the model with twice n_ctx,
    and, interpolated, with RoPE's positions scaled by 1/2; learned positions cannot."""
    from llmbook import lm_eval

    cfg = llama.LlamaConfig(**{**SHAPE, "n_ctx": 4}, n_kv_head=2)
    params = _generic(llama.init_params(cfg, seed=2), rng, 0.1)
    ids = rng.integers(0, SHAPE["n_vocab"], 41)
    got = tiny_llama.beyond_context(cfg, params, ids)
    assert set(got) == {"as trained", "interpolated"} and len(got["as trained"]) == 8
    long = dataclasses.replace(cfg, n_ctx=8)
    np.testing.assert_allclose(
        got["as trained"], lm_eval.position_losses(params, long, ids), rtol=1e-12
    )
    half = dataclasses.replace(long, rope_scale=0.5)
    np.testing.assert_allclose(
        got["interpolated"], lm_eval.position_losses(params, half, ids), rtol=1e-12
    )
    assert not np.allclose(got["interpolated"], got["as trained"])
    learned = llama.LlamaConfig(**{**SHAPE, "n_ctx": 4}, positions="learned")
    assert tiny_llama.beyond_context(learned, llama.init_params(learned, seed=0), ids) == {}


def test_recorded_reads_each_run_once(tmp_path):
    """The positions table's "RoPE" is the tiny Llama, and "+ RoPE" a row of the ablation: a
    record file is read once, whatever table names it."""
    for row in ("+ RoPE", "tiny Llama"):
        for seed in (0, 1, 2):
            r = _fake_record(row, seed, 2.0 + seed)
            (tmp_path / tiny_llama._file(row, seed)).write_text(json.dumps(r))
    recs = tiny_llama.recorded(folder=tmp_path)
    assert sorted((r["row"], r["seed"]) for r in recs) == sorted(
        (row, s) for row in ("+ RoPE", "tiny Llama") for s in (0, 1, 2)
    )
    assert [ln["seeds"] for ln in tiny_llama.summary(recs)] == [[0, 1, 2], [0, 1, 2]]


@pytest.mark.parametrize("run", tiny_llama.EXPERIMENTS)
def test_committed_records_are_complete(run):
    """Every run of the experiment is recorded once; the default experiment's position rows
    that can read past their context (sinusoids, RoPE) carry that measurement too."""
    recs = tiny_llama.recorded(run)
    assert sorted((r["row"], r["seed"]) for r in recs) == sorted(
        (name, seed) for _, name, seed in tiny_llama.runs()
    )
    if run == "default":
        for r in recs:
            beyond = r.get("beyond", {})
            rope = {
                "as trained",
                "interpolated",
                "as trained, fine-tuned",
                "interpolated, fine-tuned",
            }
            expected = {"sinusoidal": {"as trained"}, "tiny Llama": rope}
            assert set(beyond) == expected.get(r["row"], set()), (r["row"], r["seed"])
            if r["row"] == "tiny Llama":
                assert set(r["extended"]) == {"as trained", "interpolated", "continued"}
            n = tiny_llama.BEYOND * r["config"]["n_ctx"]
            assert all(len(v) == n and np.all(np.isfinite(v)) for v in beyond.values())


def test_extended_fine_tunes_a_copy_at_the_longer_context(rng):
    """Three steps on windows of 2 n_ctx: the original weights stay as they were, the copy
    moves, the config doubles n_ctx and interpolates (rope_scale 1/2) only when asked."""
    cfg = llama.LlamaConfig(**{**SHAPE, "n_ctx": 4}, n_kv_head=2)
    params = llama.init_params(cfg, seed=2, dtype=np.float32)
    before = {k: a.copy() for k, a in gpt.tree_leaves(params)}
    ids = rng.integers(0, SHAPE["n_vocab"], 200)
    data = type("Data", (), {"train_ids": ids[:150], "val_ids": ids[150:]})
    s = tiny_gpt.Settings(steps=3, batch_size=2, clip_norm=1.0)
    for interpolate, scale in ((False, 1.0), (True, 0.5)):
        long, res = tiny_llama.extended(cfg, params, data, s, interpolate, steps=3)
        assert (long.n_ctx, long.rope_scale) == (8, scale)
        assert res.steps == [1, 2, 3] and len(res.val_loss) == 1
        moved = [not np.array_equal(a, before[k]) for k, a in gpt.tree_leaves(res.params)]
        assert all(moved)
    for k, a in gpt.tree_leaves(params):
        np.testing.assert_array_equal(a, before[k])
    learned = llama.LlamaConfig(**SHAPE, positions="learned")
    with pytest.raises(ValueError, match="RoPE"):
        tiny_llama.extended(learned, llama.init_params(learned), data, s, True)
