"""Tokenisation, vocabulary, padding and bag-of-words (hand-checked and against Keras),
and logistic regression (against tf.GradientTape, finite differences and a dense product)."""

import numpy as np
import pytest

from llmbook import text
from llmbook.gradcheck import check_gradient
from llmbook.logistic import LogisticRegression
from llmbook.optim import SGD, Adam

ARTICLE = [
    "这是一篇科技文章",
    "这是一篇经济文章",
    "这是一个机器学习问题",
    "这是一个自然语言处理问题",
]


def test_whitespace_tokenisation_of_chinese_gives_one_token_per_sentence():
    assert [text.whitespace_tokenize(s) for s in ARTICLE] == [[s] for s in ARTICLE]
    assert text.whitespace_tokenize("good  movie\tnice ") == ["good", "movie", "nice"]
    assert text.whitespace_tokenize("") == []


def test_char_tokenize_and_ngrams():
    assert text.char_tokenize("这是 书") == ["这", "是", "书"]
    assert text.char_tokenize("") == []
    assert text.char_ngrams("很好用", (1, 2)) == ["很", "好", "用", "很好", "好用"]
    assert text.char_ngrams("好", (2,)) == []
    with pytest.raises(ValueError, match="positive integers"):
        text.char_ngrams("abc", (0,))
    with pytest.raises(TypeError, match="must be a str"):
        text.char_tokenize(None)


def test_vocabulary_ids_by_frequency_with_pad_and_oov():
    """Counts in the article's four sentences, by character: 这 4, 是 4, 一 4, 篇 2, 个 2, ...
    So ids: <pad> 0, <unk> 1, then 这 2, 是 3, 一 4 (ties keep first-seen order), 篇 5."""
    vocab = text.Vocabulary([text.char_tokenize(s) for s in ARTICLE])
    assert vocab.itos[:6] == ["<pad>", "<unk>", "这", "是", "一", "篇"]
    np.testing.assert_array_equal(vocab.encode(["这", "是", "火"]), [2, 3, text.OOV])
    assert vocab.decode([2, 3, 0]) == ["这", "是", "<pad>"]
    with pytest.raises(ValueError, match="ids must lie"):
        vocab.decode([len(vocab)])
    with pytest.raises(TypeError, match="tokenize"):
        vocab.encode("这是")
    with pytest.raises(TypeError, match="lists of tokens"):
        text.Vocabulary(ARTICLE)
    small = text.Vocabulary([text.char_tokenize(s) for s in ARTICLE], max_size=4)
    assert len(small) == 4


def test_oov_rate_of_whitespace_tokens():
    vocab = text.Vocabulary([text.whitespace_tokenize(s) for s in ARTICLE])
    tests = ["这是一个科技问题", "这是一个经济问题"]
    assert text.oov_rate(vocab, [text.whitespace_tokenize(s) for s in tests]) == 1.0
    chars = text.Vocabulary([text.char_tokenize(s) for s in ARTICLE])
    assert text.oov_rate(chars, [text.char_tokenize(s) for s in tests]) == 0.0
    assert text.oov_rate(chars, [[]]) == 0.0


def test_pad_sequences_matches_keras(rng):
    from keras.utils import pad_sequences as keras_pad

    seqs = [list(rng.integers(1, 9, size=k)) for k in (0, 3, 7, 12)]
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            ours = text.pad_sequences(seqs, 8, padding=padding, truncating=truncating)
            ref = keras_pad(seqs, maxlen=8, padding=padding, truncating=truncating)
            np.testing.assert_array_equal(ours, ref)
    with pytest.raises(ValueError, match="maxlen"):
        text.pad_sequences(seqs, 0)
    with pytest.raises(ValueError, match="padding"):
        text.pad_sequences(seqs, 3, padding="middle")


def test_remove_stopwords():
    assert text.remove_stopwords(list("这是一篇文章"), ["这", "是", "一", "篇"]) == ["文", "章"]


def test_tokens_from_numpy_come_back_as_plain_str():
    # numpy 2 prints a numpy.str_ as np.str_('题'): the printed lists must show plain strings.
    from_numpy = list(np.array(["题", "问", "[UNK]"]))
    assert type(from_numpy[0]) is np.str_
    plain = text.plain_tokens(from_numpy)
    assert plain == ["题", "问", "[UNK]"] and {type(t) for t in plain} == {str}
    assert repr(plain) == "['题', '问', '[UNK]']"
    vocab = text.Vocabulary([from_numpy, list(np.array(["题"]))])
    assert vocab.itos == ["<pad>", "<unk>", "题", "问", "[UNK]"]
    assert {type(t) for t in vocab.itos} == {str} and "np.str_" not in repr(vocab.decode([2, 3]))
    with pytest.raises(TypeError, match="token 1 is a int"):
        text.plain_tokens(["a", 1])


def test_keras_vocabulary_prints_as_plain_strings(tf):
    import keras

    layer = keras.layers.TextVectorization(split="character", standardize=None)
    layer.adapt(["题问题"])
    assert "np.str_" not in repr(text.plain_tokens(layer.get_vocabulary()))
    assert text.plain_tokens(layer.get_vocabulary()) == ["", "[UNK]", "题", "问"]


def test_bag_of_words_by_hand_and_products(rng):
    """Texts [2, 3, 2] and [4, 0, 0] (0 = padding): X = [[0, 0, 2, 1, 0], [0, 0, 0, 0, 1]]."""
    bow = text.bag_of_words([[2, 3, 2], [4, 0, 0]], 5)
    np.testing.assert_array_equal(bow.toarray(), [[0, 0, 2, 1, 0], [0, 0, 0, 0, 1]])
    np.testing.assert_array_equal(
        text.bag_of_words([[2, 3, 2]], 5, binary=True).toarray(), [[0, 0, 1, 1, 0]]
    )
    ids = [rng.integers(0, 30, size=k) for k in rng.integers(0, 20, size=12)]
    bow = text.bag_of_words(ids, 30)
    dense = bow.toarray()
    w, r = rng.normal(size=30), rng.normal(size=12)
    np.testing.assert_allclose(bow.dot(w), dense @ w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bow.rdot(r), dense.T @ r, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(bow.rows(np.array([3, 0])).toarray(), dense[[3, 0]])
    with pytest.raises(ValueError, match="outside"):
        text.bag_of_words([[5]], 5)


def test_logistic_gradient_matches_gradient_tape_sparse_and_dense(tf, rng):
    ids = [rng.integers(0, 20, size=k) for k in rng.integers(1, 15, size=16)]
    bow = text.bag_of_words(ids, 20)
    X = bow.toarray()
    y = rng.integers(0, 2, size=16).astype(float)
    model = LogisticRegression(20, l2=0.01)
    model.w[:] = rng.normal(size=20)
    model.b[:] = 0.3
    loss_s, gw_s, gb_s = model.loss_and_grads(bow, y)
    loss_d, gw_d, gb_d = model.loss_and_grads(X, y)
    w = tf.Variable(model.w)
    b = tf.Variable(0.3, dtype=tf.float64)
    with tf.GradientTape() as tape:
        z = tf.linalg.matvec(tf.constant(X), w) + b
        ref = tf.reduce_mean(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(y), logits=z)
        ) + 0.005 * tf.reduce_sum(w * w)
    rw, rb = tape.gradient(ref, [w, b])
    for loss, gw, gb in ((loss_s, gw_s, gb_s), (loss_d, gw_d, gb_d)):
        assert loss == pytest.approx(float(ref), rel=1e-12)
        np.testing.assert_allclose(gw, rw.numpy(), rtol=1e-10, atol=1e-14)
        assert gb[0] == pytest.approx(float(rb), rel=1e-10)

    def f(wv):
        saved = model.w.copy()
        model.w[:] = wv
        value = model.loss_and_grads(bow, y)[0]
        model.w[:] = saved
        return value

    assert check_gradient(f, lambda wv: model.loss_and_grads(bow, y)[1], model.w.copy()) < 1e-7


def test_logistic_regression_learns_a_separable_problem(rng):
    X = rng.normal(size=(200, 3))
    y = (X @ np.array([2.0, -1.0, 0.5]) > 0).astype(float)
    model = LogisticRegression(3)
    history = model.fit(X, y, Adam(0.1), epochs=200)
    assert history[-1] < 0.2 * history[0]  # from ln 2 = 0.693 at w = 0
    assert np.mean((model.predict_proba(X) > 0.5) == y) > 0.97
    mb = LogisticRegression(3).fit(X, y, SGD(0.5), epochs=5, batch_size=50)
    assert len(mb) == 20


def test_logistic_is_stable_for_huge_logits():
    model = LogisticRegression(1)
    model.w[:] = 1e4
    loss, gw, _ = model.loss_and_grads(np.array([[1.0], [-1.0]]), np.array([0.0, 1.0]))
    assert loss == pytest.approx(1e4)  # each wrong by a margin of 1e4: softplus(1e4) = 1e4
    assert np.all(np.isfinite(gw))


def test_logistic_errors():
    with pytest.raises(ValueError, match="n_features"):
        LogisticRegression(0)
    with pytest.raises(ValueError, match="l2"):
        LogisticRegression(3, l2=-1)
    model = LogisticRegression(3)
    with pytest.raises(ValueError, match="one label per row"):
        model.loss_and_grads(np.ones((4, 3)), np.ones(3))
    with pytest.raises(ValueError, match="labels 0 and 1"):
        model.loss_and_grads(np.ones((2, 3)), np.array([0.0, 2.0]))
    with pytest.raises(ValueError, match=r"\[n, 3\]"):
        model.logits(np.ones((2, 4)))
    with pytest.raises(TypeError, match="optimizer"):
        model.fit(np.ones((2, 3)), np.ones(2), "adam")
