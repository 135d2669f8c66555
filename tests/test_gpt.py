"""The numpy tiny GPT: gradients against tf.GradientTape (through Keras) and finite differences,
the Keras twin's logits, and cached against uncached generation."""

import numpy as np
import pytest

import llmbook  # noqa: F401
from llmbook import gpt
from llmbook.gradcheck import check_gradient

CFG = gpt.GPTConfig(n_vocab=13, n_ctx=6, d_model=8, n_head=2, n_layer=2)


def _random_params(rng, cfg=CFG):
    params = gpt.init_params(cfg, seed=1)
    for _, a in gpt.tree_leaves(params):
        a += rng.normal(scale=0.3, size=a.shape)
    return params


def test_logits_match_keras_twin(rng):
    from llmbook import keras_gpt

    params = _random_params(rng)
    model = keras_gpt.build(CFG, dtype="float64")
    keras_gpt.set_numpy_params(model, params, CFG)
    idx = rng.integers(0, CFG.n_vocab, size=(3, 5))
    ours, _ = gpt.forward(params, CFG, idx)
    np.testing.assert_allclose(ours, np.asarray(model(idx)), atol=1e-7, rtol=0)


def test_gradients_match_gradient_tape(tf, rng):
    """Every parameter's gradient of the mean cross-entropy equals tf.GradientTape's on the Keras twin."""
    from llmbook import keras_gpt

    params = _random_params(rng)
    model = keras_gpt.build(CFG, dtype="float64")
    keras_gpt.set_numpy_params(model, params, CFG)
    x = rng.integers(0, CFG.n_vocab, size=(2, 6))
    y = rng.integers(0, CFG.n_vocab, size=(2, 6))
    loss, grads = gpt.loss_and_grads(params, CFG, x, y)
    with tf.GradientTape() as tape:
        logits = model(x)
        ref = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        )
    assert loss == pytest.approx(float(ref), abs=1e-9)
    tg = dict(zip([v.path for v in model.trainable_variables],
                  tape.gradient(ref, model.trainable_variables), strict=True))  # fmt: skip
    emb = next(g for p, g in tg.items() if "embedding" in p)
    emb = tf.convert_to_tensor(emb).numpy()
    np.testing.assert_allclose(grads["wte"], emb, atol=1e-8)
    wpe = next(g for p, g in tg.items() if p.endswith("wpe"))
    np.testing.assert_allclose(grads["wpe"], wpe.numpy(), atol=1e-8)
    for i, blk in enumerate(model.blocks):
        gb = grads["blocks"][i]
        np.testing.assert_allclose(gb["ffn"]["W_1"], tg[blk.fc1.kernel.path].numpy(), atol=1e-8)
        np.testing.assert_allclose(gb["ln1"]["gamma"], tg[blk.ln1.gamma.path].numpy(), atol=1e-8)
        d, dh = CFG.d_model, CFG.d_model // CFG.n_head
        wq = tg[blk.attn._query_dense.kernel.path].numpy().reshape(d, d)
        np.testing.assert_allclose(gb["attn"]["W_q"], wq, atol=1e-8)
        assert dh * CFG.n_head == d


def test_gradients_against_finite_differences(rng):
    params = _random_params(rng)
    x = rng.integers(0, CFG.n_vocab, size=(2, 4))
    y = rng.integers(0, CFG.n_vocab, size=(2, 4))
    _, grads = gpt.loss_and_grads(params, CFG, x, y)
    flat = dict(gpt.tree_leaves(params))
    gflat = dict(gpt.tree_leaves(grads))
    for path in [
        "wte",
        "wpe",
        "ln_f.gamma",
        "blocks.0.attn.W_v",
        "blocks.1.ffn.W_2",
        "blocks.0.ln2.beta",
    ]:
        arr = flat[path]

        def f(v, arr=arr):
            old = arr.copy()
            arr[...] = v
            out = gpt.loss_and_grads(params, CFG, x, y)[0]
            arr[...] = old
            return out

        assert check_gradient(f, lambda v, g=gflat[path]: g, arr.copy()) < 1e-6, path


def test_training_lowers_the_loss_on_a_pattern():
    """A repeating sequence 0 1 2 ... 12 is learned quickly: loss far below ln 13."""
    cfg = gpt.GPTConfig(n_vocab=13, n_ctx=8, d_model=16, n_head=2, n_layer=1)
    data = np.tile(np.arange(13), 40)
    res = gpt.train(cfg, data, data, steps=150, batch_size=8, lr=1e-2, eval_every=50, seed=0)
    assert res.val_loss[0] < np.log(13)
    assert res.val_loss[-1] < 0.2


def test_training_depends_on_the_settings_and_seed_only():
    """No time limit: two runs with the same settings give the same parameters and record."""
    cfg = gpt.GPTConfig(n_vocab=13, n_ctx=8, d_model=16, n_head=2, n_layer=1)
    data = np.tile(np.arange(13), 40)
    a, b = (gpt.train(cfg, data, data, steps=6, batch_size=4, eval_every=3) for _ in range(2))
    assert a.val_steps == b.val_steps == [3, 6] and a.train_loss == b.train_loss
    for (_, x), (_, y) in zip(gpt.tree_leaves(a.params), gpt.tree_leaves(b.params), strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(
        gpt.train(cfg, data, data, steps=6, batch_size=4, seed=1).params["wte"], a.params["wte"]
    )


@pytest.mark.parametrize(
    "settings",
    [dict(temperature=0), dict(temperature=1.0), dict(temperature=0.8, top_k=5), dict(top_p=0.9)],
)
def test_kv_cache_gives_identical_tokens(rng, settings):
    params = _random_params(rng)
    prompt = rng.integers(0, CFG.n_vocab, size=(2, 2))
    # 2 + 9 = 11 tokens: past n_ctx = 6, so the fallback beyond the context is exercised too
    a = gpt.generate(params, CFG, prompt, 9, seed=3, use_cache=True, **settings)
    b = gpt.generate(params, CFG, prompt, 9, seed=3, use_cache=False, **settings)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (2, 11)


def test_kv_cache_logits_equal_full_forward(rng):
    params = _random_params(rng)
    seq = rng.integers(0, CFG.n_vocab, size=(1, 6))
    kvs = [{} for _ in params["blocks"]]
    first = gpt.logits_with_cache(params, CFG, seq[:, :3], kvs, 0)
    full, _ = gpt.forward(params, CFG, seq)
    np.testing.assert_allclose(first, full[:, 2], atol=1e-12)
    for t in range(3, 6):
        step = gpt.logits_with_cache(params, CFG, seq[:, t : t + 1], kvs, t)
        np.testing.assert_allclose(step, full[:, t], atol=1e-12)
    assert kvs[0]["k"].shape == (1, CFG.n_head, 6, CFG.d_model // CFG.n_head)


def test_float32_training_keeps_float32():
    cfg = gpt.GPTConfig(n_vocab=5, n_ctx=4, d_model=8, n_head=2, n_layer=1)
    params = gpt.init_params(cfg, dtype=np.float32)
    _, grads = gpt.loss_and_grads(params, cfg, np.array([[0, 1, 2, 3]]), np.array([[1, 2, 3, 4]]))
    assert all(g.dtype == np.float32 for _, g in gpt.tree_leaves(grads))


def test_bad_input_is_rejected(rng):
    params = gpt.init_params(CFG)
    with pytest.raises(ValueError, match="at most 6"):
        gpt.forward(params, CFG, np.zeros((1, 7), dtype=int))
    with pytest.raises(ValueError, match="token ids in"):
        gpt.forward(params, CFG, np.array([[13]]))
    with pytest.raises(TypeError, match="integer token ids"):
        gpt.forward(params, CFG, np.array([[0.5]]))
    with pytest.raises(ValueError, match="divisible"):
        gpt.GPTConfig(n_vocab=5, n_ctx=4, d_model=6, n_head=4, n_layer=1)
    with pytest.raises(ValueError, match="n_new"):
        gpt.generate(params, CFG, [1], -1)
    with pytest.raises(ValueError, match="lr"):
        gpt.train(CFG, np.arange(20) % 13, np.arange(20) % 13, steps=1, lr=0)


def test_learning_rate_schedule_matches_keras_cosine_decay():
    # Keras' CosineDecay with a linear warm-up from 0 to lr over W steps, then a cosine to
    # alpha * lr over the remaining n - W steps, is the same schedule (Keras counts from 0,
    # our step t is Keras' step t).
    from keras.optimizers.schedules import CosineDecay

    lr, W, n, f = 3e-3, 50, 400, 0.1
    ref = CosineDecay(0.0, decay_steps=n - W, alpha=f, warmup_target=lr, warmup_steps=W)
    for t in (1, 25, 50, 51, 100, 225, 399, 400):
        assert gpt.learning_rate(t, n, lr, W, f) == pytest.approx(float(ref(t)), rel=1e-6)
    # by hand: half-way through the warm-up, at its end, half-way down, at the end
    assert gpt.learning_rate(25, n, lr, W, f) == pytest.approx(lr / 2)
    assert gpt.learning_rate(50, n, lr, W, f) == pytest.approx(lr)
    assert gpt.learning_rate(225, n, lr, W, f) == pytest.approx(lr * (f + (1 - f) / 2))
    assert gpt.learning_rate(400, n, lr, W, f) == pytest.approx(f * lr)
    for bad in ({"lr": 0.0}, {"final_lr": 0.0}, {"final_lr": 1.5}, {"step": 401}, {"step": 0}):
        args = {"step": 10, "steps": n, "lr": lr, "warmup": W, "final_lr": f, **bad}
        with pytest.raises(ValueError):
            gpt.learning_rate(**args)


def test_embed_is_one_hot_times_table_plus_positions(rng):
    """x_t = e_{w_t}^T E + P_{start + t}, with the one-hot product computed directly."""
    E, P = rng.normal(size=(13, 8)), rng.normal(size=(6, 8))
    ids = np.array([[3, 0, 12], [5, 5, 1]])
    one_hot = np.eye(13)[ids]  # [B, T, V]
    np.testing.assert_allclose(gpt.embed(E, P, ids, 2), one_hot @ E + P[2:5], rtol=1e-15)
    params = _random_params(rng)
    _, cache = gpt.forward(params, CFG, ids)
    x0 = gpt.embed(params["wte"], params["wpe"], ids)
    # the first block's first layer norm sees exactly the embeddings
    np.testing.assert_allclose(cache["blocks"][0]["ln1"]["xhat"].mean(-1), 0.0, atol=1e-12)
    xc = x0 - x0.mean(-1, keepdims=True)
    np.testing.assert_allclose(
        cache["blocks"][0]["ln1"]["xhat"], xc / np.sqrt((xc**2).mean(-1, keepdims=True) + 1e-5)
    )


def test_the_chapters_training_loop_is_train(rng):
    """The loop chapter 15 writes out (batch, schedule, forward/backward, clip, AdamW step)
    leaves the same parameters as gpt.train after a few steps."""
    from llmbook import optim

    data = rng.integers(0, CFG.n_vocab, size=200)
    kw = dict(steps=4, batch_size=3, lr=1e-2, warmup=2, final_lr=0.1)
    res = gpt.train(CFG, data, data, **kw, weight_decay=0.1, clip_norm=0.5, seed=7, eval_every=4)

    params = gpt.init_params(CFG, seed=7)
    batch_rng = np.random.default_rng(7)
    opt = optim.Adam(kw["lr"], beta_1=0.9, beta_2=0.99, epsilon=1e-8, epsilon_hat=False,
                     weight_decay=0.1)  # fmt: skip
    for step in range(1, kw["steps"] + 1):
        x, y = gpt.batches(data, kw["batch_size"], CFG.n_ctx, batch_rng)
        loss, grads = gpt.loss_and_grads(params, CFG, x, y)
        paths, leaves = zip(*gpt.tree_leaves(params), strict=True)
        g, _ = optim.clip_by_global_norm([a for _, a in gpt.tree_leaves(grads)], 0.5)
        lr_t = gpt.learning_rate(step, kw["steps"], kw["lr"], kw["warmup"], kw["final_lr"])
        opt.apply(leaves, g, learning_rate=lr_t, decay=[gpt.decayed(p) for p in paths])
        assert loss == res.train_loss[step - 1]
        assert np.sqrt(sum(np.sum(a**2) for _, a in gpt.tree_leaves(grads))) == pytest.approx(
            res.grad_norm[step - 1], rel=1e-12
        )
    for (p1, a1), (p2, a2) in zip(
        gpt.tree_leaves(params), gpt.tree_leaves(res.params), strict=True
    ):
        assert p1 == p2
        np.testing.assert_array_equal(a1, a2)


def test_weight_decay_reaches_matrices_only():
    decayed = {p for p, _ in gpt.tree_leaves(gpt.init_params(CFG)) if gpt.decayed(p)}
    assert "wte" in decayed and "blocks.0.attn.W_q" in decayed and "blocks.1.ffn.W_2" in decayed
    assert not any(p.endswith(("gamma", "beta")) or ".b_" in p for p in decayed)


def test_body_backward_stops_after_n_blocks(rng):
    """Reaching only the last block gives that block the full pass's gradient, and nothing below."""
    params = _random_params(rng)
    x = rng.integers(0, CFG.n_vocab, size=(2, 6))
    _, cache = gpt.forward(params, CFG, x, logits=False)
    d_hf = rng.normal(size=cache["hf"].shape)
    full = gpt.body_backward(params, cache, d_hf)
    top = gpt.body_backward(params, cache, d_hf, n_blocks=1)
    assert top["wte"] is None and top["wpe"] is None and top["blocks"][0] is None
    for (p, a), (q, b) in zip(gpt.tree_leaves(top["blocks"][1]),
                              gpt.tree_leaves(full["blocks"][1]), strict=True):  # fmt: skip
        assert p == q
        np.testing.assert_array_equal(a, b)
    # dE: the lookup's gradient is added to the one given (here the tied output layer's)
    dE0 = rng.normal(size=params["wte"].shape)
    with_dE = gpt.body_backward(params, cache, d_hf, dE=dE0.copy())
    np.testing.assert_allclose(with_dE["wte"], dE0 + full["wte"], atol=1e-12)


def test_a_saved_result_loads_equal(tmp_path, rng):
    res = gpt.TrainResult(
        _random_params(rng), [1, 2], [3.0, 2.5], [2], [2.7], 0.5, [2.6], [1.1, 0.9]
    )
    gpt.save_result(tmp_path / "r.npz", res)
    back = gpt.load_result(tmp_path / "r.npz")
    assert [p for p, _ in gpt.tree_leaves(back.params)] == [
        p for p, _ in gpt.tree_leaves(res.params)
    ]
    for (_, a), (_, b) in zip(
        gpt.tree_leaves(back.params), gpt.tree_leaves(res.params), strict=True
    ):
        np.testing.assert_array_equal(a, b)
    assert isinstance(back.params["blocks"], list)
    for k in (
        "steps",
        "train_loss",
        "val_steps",
        "val_loss",
        "seconds",
        "train_eval_loss",
        "grad_norm",
    ):
        assert getattr(back, k) == getattr(res, k)
    assert not list(tmp_path.glob("*.tmp*"))
