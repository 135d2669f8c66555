"""llmbook.naive_bayes: hand-derived probabilities and a literal implementation of Bayes' rule."""

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from llmbook import text
from llmbook.naive_bayes import NaiveBayesClassifier


def char_ngrams(t, ngram_range):
    """The n-gram counts naive Bayes uses: spaces kept, every n from min_n to max_n."""
    lo, hi = ngram_range
    return Counter(text.char_ngrams(t, range(lo, hi + 1), keep_spaces=True))


def test_char_ngrams():
    assert char_ngrams("好书", (1, 2)) == Counter({"好": 1, "书": 1, "好书": 1})
    assert char_ngrams("aaa", (2, 2)) == Counter({"aa": 2})
    assert char_ngrams("", (1, 3)) == Counter()


def test_probabilities_by_hand():
    # Unigram features, alpha = 1. Class 1: "ab", "a" -> T = {a: 2, b: 1}, total 3.
    # Class 0: "c" -> T = {c: 1}, total 1. Features F = {a, b, c}: |F| = 3.
    # theta_1 = (a: 3/6, b: 2/6, c: 1/6); theta_0 = (a: 1/4, b: 1/4, c: 2/4)
    # prior: pi_1 = 2/3, pi_0 = 1/3.
    nb = NaiveBayesClassifier((1, 1), alpha=1.0).fit(["ab", "a", "c"], [1, 1, 0])
    assert nb.classes == [0, 1]
    np.testing.assert_allclose(np.exp(nb.log_theta), [[1 / 4, 1 / 4, 2 / 4], [3 / 6, 2 / 6, 1 / 6]])
    # "ac": score_1 = ln(2/3) + ln(1/2) + ln(1/6), score_0 = ln(1/3) + ln(1/4) + ln(1/2)
    s1 = math.log(2 / 3) + math.log(1 / 2) + math.log(1 / 6)
    s0 = math.log(1 / 3) + math.log(1 / 4) + math.log(1 / 2)
    np.testing.assert_allclose(nb.scores(["ac"])[0], [s0, s1])
    p1 = math.exp(s1) / (math.exp(s0) + math.exp(s1))  # = (1/18) / (1/24 + 1/18) = 4/7
    assert p1 == pytest.approx(4 / 7)
    np.testing.assert_allclose(nb.predict_proba(["ac"])[0], [3 / 7, 4 / 7])
    assert nb.predict(["ac", "cc"]) == [1, 0]
    # unseen features are ignored: "zz" scores only the prior
    np.testing.assert_allclose(nb.predict_proba(["zz"])[0], [1 / 3, 2 / 3])


def _literal_posterior(texts, labels, ngram_range, alpha, query):
    """P(c | query) by Bayes' rule with plain loops and dictionaries."""
    classes = sorted(set(labels))
    feats = [char_ngrams(t, ngram_range) for t in texts]
    vocab = set().union(*feats)
    joint = {}
    for c in classes:
        T = Counter()
        for f, y in zip(feats, labels, strict=True):
            if y == c:
                T.update(f)
        total = sum(T.values())
        logp = math.log(labels.count(c) / len(labels))
        for f, x in char_ngrams(query, ngram_range).items():
            if f in vocab:
                logp += x * math.log((T[f] + alpha) / (total + alpha * len(vocab)))
        joint[c] = logp
    m = max(joint.values())
    z = sum(math.exp(v - m) for v in joint.values())
    return [math.exp(joint[c] - m) / z for c in classes]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abcd", min_size=0, max_size=6), st.sampled_from(["x", "y", "z"])
        ),
        min_size=1,
        max_size=8,
    ),
    st.text(alphabet="abcde", max_size=6),
    st.sampled_from([(1, 1), (1, 2), (2, 3)]),
    st.floats(0.01, 5.0),
)
def test_matches_a_literal_bayes_rule(data, query, ngram_range, alpha):
    texts, labels = [d[0] for d in data], [d[1] for d in data]
    assume(any(len(t) >= ngram_range[0] for t in texts))  # else fit refuses: no features
    nb = NaiveBayesClassifier(ngram_range, alpha).fit(texts, labels)
    p = nb.predict_proba([query])[0]
    assert p.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(p, _literal_posterior(texts, labels, ngram_range, alpha, query))


def test_with_alpha_equals_a_fresh_fit():
    texts, labels = ["ab", "a", "c", "bc"], [1, 1, 0, 0]
    base = NaiveBayesClassifier((1, 2), alpha=1.0).fit(texts, labels)
    fresh = NaiveBayesClassifier((1, 2), alpha=0.3).fit(texts, labels)
    np.testing.assert_array_equal(base.with_alpha(0.3).log_theta, fresh.log_theta)
    assert base.alpha == 1.0


def test_learns_a_separable_toy_problem_and_reports_top_features():
    texts = ["很好", "非常好", "好看", "很差", "太差了", "差评"] * 3
    labels = [1, 1, 1, 0, 0, 0] * 3
    nb = NaiveBayesClassifier((1, 2)).fit(texts, labels)
    assert nb.accuracy(["好", "差"], [1, 0]) == 1.0
    top = [f for f, _ in nb.top_features(1, k=3)]
    assert "好" in top
    assert nb.n_features == len({f for t in texts for f in char_ngrams(t, (1, 2))})


def test_errors():
    with pytest.raises(ValueError, match="alpha"):
        NaiveBayesClassifier(alpha=0)
    with pytest.raises(ValueError, match="ngram_range"):
        NaiveBayesClassifier((2, 1))
    with pytest.raises(TypeError, match="ngram_range"):
        NaiveBayesClassifier(3)
    with pytest.raises(ValueError, match="empty"):
        NaiveBayesClassifier().fit([], [])
    with pytest.raises(ValueError, match="same length"):
        NaiveBayesClassifier().fit(["a", "b"], [1])
    with pytest.raises(ValueError, match="no character n-grams"):
        NaiveBayesClassifier((3, 3)).fit(["ab", ""], [1, 0])
    with pytest.raises(TypeError, match="single string"):
        NaiveBayesClassifier().fit("ab", [1, 0])
    with pytest.raises(ValueError, match="not fitted"):
        NaiveBayesClassifier().predict(["a"])
    nb = NaiveBayesClassifier().fit(["a", "b"], [0, 1])
    with pytest.raises(ValueError, match="label"):
        nb.top_features(2)
