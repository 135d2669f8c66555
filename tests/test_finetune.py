"""Fine-tuning (llmbook.finetune): the classifier head's and the body's gradients and the
answer-masked language-model loss against tf.GradientTape on the Keras twin of the GPT,
freezing (frozen weights bit-identical after training steps), chapter 5's split, and bad
input."""

import dataclasses

import numpy as np
import pytest

import llmbook  # noqa: F401
from llmbook import finetune, gpt, sentiment
from llmbook.text import Vocabulary

CFG = gpt.GPTConfig(n_vocab=13, n_ctx=6, d_model=8, n_head=2, n_layer=2)


def _random_model(rng, cfg=CFG):
    body = gpt.init_params(cfg, seed=1)
    for _, a in gpt.tree_leaves(body):
        a += rng.normal(scale=0.3, size=a.shape)
    head = {"W": rng.normal(scale=0.5, size=(cfg.d_model, 2)), "b": rng.normal(size=2)}
    return {"body": body, "head": head}


def _batch(rng, cfg=CFG):
    ids = rng.integers(0, cfg.n_vocab, size=(3, 6))
    lengths = np.array([6, 2, 4])  # last real positions 5, 1, 3
    return ids, lengths, np.array([1, 0, 1])


def _twin(tf, body, cfg=CFG):
    from llmbook import keras_gpt

    model = keras_gpt.build(cfg, dtype="float64")
    keras_gpt.set_numpy_params(model, body, cfg)
    return model


def _twin_hf(model, ids):
    """The Keras twin's final-norm output [B, T, d], layer by layer (its call gives logits)."""
    x = model.wte(ids) + model.wpe[: ids.shape[1]]
    for blk in model.blocks:
        x = blk(x)
    return model.ln_f(x)


def _tf_grads(tape, loss, model):
    variables = model.trainable_variables
    grads = tape.gradient(loss, variables)
    return {v.path: g for v, g in zip(variables, grads, strict=True)}


def test_classifier_gradients_match_gradient_tape(tf, rng):
    """Loss, head gradient, the gradient reaching h_f, and every body gradient equal the tape's."""
    m = _random_model(rng)
    ids, lengths, y = _batch(rng)
    loss, grads = finetune.classify_loss_and_grads(m, CFG, ids, lengths, y, mode="all")
    model = _twin(tf, m["body"])
    W, b = tf.Variable(m["head"]["W"]), tf.Variable(m["head"]["b"])
    with tf.GradientTape(persistent=True) as tape:
        hf = _twin_hf(model, ids)
        h = tf.gather_nd(hf, np.stack([np.arange(3), lengths - 1], axis=1))  # [B, d]
        z = h @ W + b
        ref = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=z))
    assert loss == pytest.approx(float(ref), abs=1e-9)
    np.testing.assert_allclose(grads["head"]["W"], tape.gradient(ref, W).numpy(), atol=1e-9)
    np.testing.assert_allclose(grads["head"]["b"], tape.gradient(ref, b).numpy(), atol=1e-9)
    # the gradient on h_f: nonzero only at each review's last position
    _, cache = gpt.forward(m["body"], CFG, ids, logits=False)
    _, _, dh = finetune.head_loss_and_grads(cache["hf"][np.arange(3), lengths - 1], m["head"], y)
    d_hf = np.zeros_like(cache["hf"])
    d_hf[np.arange(3), lengths - 1] = dh
    np.testing.assert_allclose(d_hf, tape.gradient(ref, hf).numpy(), atol=1e-9)
    tg = _tf_grads(tape, ref, model)
    g = grads["body"]
    emb = tf.convert_to_tensor(next(v for p, v in tg.items() if "embedding" in p)).numpy()
    np.testing.assert_allclose(g["wte"], emb, atol=1e-8)
    wpe = next(v for p, v in tg.items() if p.endswith("wpe")).numpy()
    np.testing.assert_allclose(g["wpe"], wpe, atol=1e-8)
    np.testing.assert_array_equal(g["wpe"][6:], 0.0)
    np.testing.assert_allclose(g["ln_f"]["gamma"], tg[model.ln_f.gamma.path].numpy(), atol=1e-8)
    d = CFG.d_model
    for i, blk in enumerate(model.blocks):
        gb = g["blocks"][i]
        np.testing.assert_allclose(gb["ffn"]["W_1"], tg[blk.fc1.kernel.path].numpy(), atol=1e-8)
        np.testing.assert_allclose(gb["ln2"]["beta"], tg[blk.ln2.beta.path].numpy(), atol=1e-8)
        wq = tg[blk.attn._query_dense.kernel.path].numpy().reshape(d, d)
        np.testing.assert_allclose(gb["attn"]["W_q"], wq, atol=1e-8)


def test_padding_after_the_last_character_changes_nothing(rng):
    """Causal attention: the ids after position lengths-1 cannot reach the classifier."""
    m = _random_model(rng)
    ids, lengths, y = _batch(rng)
    other = ids.copy()
    for i, n in enumerate(lengths):
        other[i, n:] = rng.integers(0, CFG.n_vocab, size=6 - n)
    la, ga = finetune.classify_loss_and_grads(m, CFG, ids, lengths, y)
    lb, gb = finetune.classify_loss_and_grads(m, CFG, other, lengths, y)
    assert la == pytest.approx(lb, abs=1e-13)
    np.testing.assert_allclose(ga["head"]["W"], gb["head"]["W"], atol=1e-13)
    np.testing.assert_allclose(ga["body"]["wpe"], gb["body"]["wpe"], atol=1e-13)


def test_partial_backward_gives_the_same_gradients_for_what_it_reaches(rng):
    m = _random_model(rng)
    ids, lengths, y = _batch(rng)
    _, full = finetune.classify_loss_and_grads(m, CFG, ids, lengths, y, mode="all")
    _, last = finetune.classify_loss_and_grads(m, CFG, ids, lengths, y, mode="last_block")
    _, head = finetune.classify_loss_and_grads(m, CFG, ids, lengths, y, mode="head")
    assert last["body"]["wte"] is None and last["body"]["blocks"][0] is None
    assert head["body"] is None
    f, lb = dict(gpt.tree_leaves(full)), dict(gpt.tree_leaves(last))
    for p in ("body.blocks.1.attn.W_k", "body.blocks.1.ffn.b_2", "body.ln_f.gamma", "head.W"):
        np.testing.assert_array_equal(f[p], lb[p])
    np.testing.assert_array_equal(full["head"]["b"], head["head"]["b"])


@pytest.mark.parametrize("mode", finetune.MODES)
def test_frozen_weights_are_bit_identical_after_training_steps(rng, mode):
    m = _random_model(rng)
    before = {p: a.copy() for p, a in gpt.tree_leaves(m)}
    train = {p for p, _ in finetune.trainable(m, mode)}
    opt = gpt.optim.Adam(0.01)
    for _ in range(3):
        ids, lengths, y = _batch(rng)
        finetune.train_step(m, CFG, opt, ids, lengths, y, mode, 0.01, clip_norm=1.0)
    after = dict(gpt.tree_leaves(m))
    expected = {
        "head": {"head.W", "head.b"},
        "last_block": {"head.W", "head.b", "body.ln_f.gamma", "body.ln_f.beta"}
        | {p for p in before if p.startswith("body.blocks.1.")},
        "all": set(before),
    }[mode]
    assert train == expected
    for p in before:
        if p in train:
            assert not np.array_equal(before[p], after[p]), p
        else:
            assert before[p].tobytes() == after[p].tobytes(), p


def test_head_steps_on_precomputed_features_equal_train_step(rng):
    """fine_tune's shortcut for a frozen body: the head's update is train_step's."""
    m = _random_model(rng)
    ids, lengths, y = _batch(rng)
    a = {"body": m["body"], "head": {k: v.copy() for k, v in m["head"].items()}}
    opt_a, opt_b = gpt.optim.Adam(0.01), gpt.optim.Adam(0.01)
    finetune.train_step(a, CFG, opt_a, ids, lengths, y, "head", 0.01)
    H = finetune.features(m["body"], CFG, ids, lengths)
    _, g, _ = finetune.head_loss_and_grads(H, m["head"], y)
    opt_b.apply([m["head"]["W"], m["head"]["b"]], [g["W"], g["b"]], learning_rate=0.01)
    np.testing.assert_allclose(a["head"]["W"], m["head"]["W"], atol=1e-14)
    np.testing.assert_allclose(a["head"]["b"], m["head"]["b"], atol=1e-14)


def test_bad_batches_raise(rng):
    m = _random_model(rng)
    ids, lengths, y = _batch(rng)
    f = finetune.classify_loss_and_grads
    with pytest.raises(ValueError, match="non-empty"):
        f(m, CFG, np.zeros((0, 6), dtype=int), np.zeros(0, dtype=int), np.zeros(0, dtype=int))
    with pytest.raises(ValueError, match="0 or 1"):
        f(m, CFG, ids, lengths, np.array([1, 2, 0]))
    with pytest.raises(ValueError, match="0 or 1"):
        f(m, CFG, ids, lengths, np.array([1.0, 0.5, 0.0]))
    with pytest.raises(ValueError, match="token ids"):
        f(m, CFG, np.where(ids == 0, CFG.n_vocab, ids), lengths, y)
    with pytest.raises(ValueError, match="token ids"):
        f(m, CFG, ids - 20, lengths, y)
    with pytest.raises(ValueError, match="lengths"):
        f(m, CFG, ids, np.array([6, 0, 4]), y)
    with pytest.raises(ValueError, match="lengths"):
        f(m, CFG, ids, np.array([7, 2, 4]), y)
    with pytest.raises(ValueError, match="mode"):
        f(m, CFG, ids, lengths, y, mode="body")
    with pytest.raises(ValueError, match="mode"):
        finetune.Method("everything")
    with pytest.raises(ValueError, match="lr"):
        finetune.Method("all", lr=0.0)


def test_masked_lm_gradients_match_gradient_tape(tf, rng):
    body = _random_model(rng)["body"]
    x = rng.integers(0, CFG.n_vocab, size=(2, 6))
    t = rng.integers(0, CFG.n_vocab, size=(2, 6))
    mask = np.zeros((2, 6), dtype=bool)
    mask[0, 3:5], mask[1, 1] = True, True  # three scored positions
    loss, grads = finetune.masked_lm_loss_and_grads(body, CFG, x, t, mask)
    model = _twin(tf, body)
    with tf.GradientTape() as tape:
        ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=t, logits=model(x))  # [2, 6]
        ref = tf.reduce_sum(tf.where(mask, ce, 0.0)) / 3.0
    assert loss == pytest.approx(float(ref), abs=1e-9)
    tg = _tf_grads(tape, ref, model)
    emb = tf.convert_to_tensor(next(v for p, v in tg.items() if "embedding" in p)).numpy()
    np.testing.assert_allclose(grads["wte"], emb, atol=1e-8)
    blk = model.blocks[0]
    np.testing.assert_allclose(
        grads["blocks"][0]["ffn"]["W_2"], tg[blk.fc2.kernel.path].numpy(), atol=1e-10
    )
    with pytest.raises(ValueError, match="no position"):
        finetune.masked_lm_loss_and_grads(body, CFG, x, t, np.zeros((2, 6), dtype=bool))
    with pytest.raises(ValueError, match="shape"):
        finetune.masked_lm_loss_and_grads(body, CFG, x, t, mask[:, :5])


def test_instruction_pairs_mask_exactly_the_answer():
    tok = Vocabulary.of_characters("好差评问还是答：？\n不错太了")
    cfg = gpt.GPTConfig(n_vocab=tok.vocab_size, n_ctx=24, d_model=8, n_head=2, n_layer=1)
    x, t, mask, plen = finetune.instruction_pairs(tok, cfg, ["不错", "太差了"], [1, 0])
    # "不错" + "\n问：好评还是差评？\n答：" is 2 + 13 = 15 characters; then "好评\n"
    assert list(plen) == [15, 16]
    assert tok.decode(t[0][mask[0]]) == "好评\n" and tok.decode(t[1][mask[1]]) == "差评\n"
    assert tok.decode(x[1][: plen[1]]) == "太差了\n问：好评还是差评？\n答："
    np.testing.assert_array_equal(x[0, 1:17], t[0, :16])  # targets are the inputs shifted
    # a long review keeps its last characters: 25 - 13 - 3 = 9 of them fit
    _, _, _, plen = finetune.instruction_pairs(tok, cfg, ["好" * 30], [1])
    assert plen[0] == 9 + 13
    with pytest.raises(ValueError, match="0 or 1"):
        finetune.instruction_pairs(tok, cfg, ["不错"], [2])
    with pytest.raises(ValueError, match="label"):
        finetune.instruction_pairs(tok, cfg, [], [])


@pytest.fixture(scope="module")
def reviews():
    tok = Vocabulary.of_characters("的了是不好很差", min_count=1)
    return tok, finetune.encode_reviews(tok, 16)


def test_reviews_keep_chapter_5s_split_and_their_last_characters(reviews):
    tok, rv = reviews
    src = rv.source
    parts = [set(rv.train), set(rv.val), set(rv.test)]
    assert sum(map(len, parts)) == len(rv.y) == len(set().union(*parts))
    texts = [{src.reviews[i] for i in p} for p in parts]
    assert not (texts[0] & texts[1] or texts[0] & texts[2] or texts[1] & texts[2])
    ref = sentiment.prepare()  # the split chapter 5 uses
    for a, b in zip((rv.train, rv.val, rv.test), (ref.train, ref.val, ref.test), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(rv.y, ref.y)
    for i in (0, 1, 2, 100):
        r = src.reviews[i]
        assert rv.lengths[i] == min(len(r), 16) and rv.full_lengths[i] == len(r)
        kept = tok.decode(rv.ids[i, : rv.lengths[i]])
        assert kept == "".join(c if c in tok.stoi else "□" for c in r[-16:])
    assert rv.n_cut == int(sum(len(r) > 16 for r in src.reviews))
    assert np.all(rv.cut_chars() == rv.full_lengths[rv.full_lengths > 16] - 16)


def test_figure_draws_the_table():
    """Chapter 18's figure (sentiment.seed_figure) and its table (sentiment.summary_rows) of
    one study: each bar is centred on its row's mean and spans its row's std, in percent."""
    study = {
        "logistic": [{"accuracy": 0.85}],
        "GPT, all weights": [{"accuracy": 0.6}, {"accuracy": 0.8}, {"accuracy": 0.7}],
    }
    rows = sentiment.summary_rows(study)
    assert rows[1][2] == pytest.approx(0.7) and rows[1][3] == pytest.approx(0.1)  # by hand
    fig = sentiment.seed_figure(study)
    bars = fig.axes[0].containers
    assert len(bars) == len(rows)
    for row, (bar, (_, _, mean, std, _, _)) in enumerate(zip(bars, rows, strict=True)):
        assert bar.lines[0].get_xdata()[0] == pytest.approx(100 * mean)
        (segment,) = bar.lines[2][0].get_segments()  # the horizontal error bar
        np.testing.assert_allclose(segment[:, 0], [100 * (mean - std), 100 * (mean + std)])
        np.testing.assert_allclose(segment[:, 1], [row, row])


def _toy_reviews(rng, n=60, T=6):
    """Reviews whose label is whether their last character's id is even: learnable."""
    ids = rng.integers(0, CFG.n_vocab, size=(n, T))
    lengths = rng.integers(1, T + 1, size=n)
    y = (ids[np.arange(n), lengths - 1] % 2 == 0).astype(np.int64)
    idx = np.arange(n)
    return finetune.Reviews(ids, lengths, y, idx[:40], idx[40:50], idx[50:], lengths, 0.0, None)


@pytest.mark.parametrize("name", list(finetune.METHODS))
def test_fine_tune_leaves_the_pretrained_body_alone_and_caches_its_runs(rng, tmp_path, name):
    body = _random_model(rng)["body"]
    before = {p: a.copy() for p, a in gpt.tree_leaves(body)}
    rv = _toy_reviews(rng)
    method = dataclasses.replace(finetune.METHODS[name], steps=30, batch_size=8, warmup=3)
    (first,) = finetune.run(body, CFG, rv, method, [0], cache=tmp_path)
    assert all(before[p].tobytes() == a.tobytes() for p, a in gpt.tree_leaves(body))
    assert 0.0 <= first["accuracy"] <= 1.0 and len(first["train_loss"]) == 30
    (again,) = finetune.run(body, CFG, rv, method, [0], cache=tmp_path)  # from the cache
    assert "model" not in again and again["accuracy"] == first["accuracy"]
    assert again["train_loss"] == first["train_loss"]


def test_fine_tuning_all_weights_learns_a_learnable_task(rng):
    """The label is a function of the last character: training must beat chance on training data."""
    body = _random_model(rng)["body"]
    rv = _toy_reviews(rng, n=200)
    rv.train, rv.test = np.arange(160), np.arange(160)  # scored on its own training set
    m = finetune.Method("all", steps=200, batch_size=16, lr=3e-3, warmup=10)
    res = finetune.fine_tune(body, CFG, rv, m, seed=0)
    assert res["accuracy"] > 0.9
    assert np.mean(res["train_loss"][-20:]) < 0.5 * np.mean(res["train_loss"][:20])
