"""llmbook.ngram, checked against counts and probabilities derived by hand and against a
slow, literal implementation of the formulas (dictionaries and loops, written here)."""

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmbook.ngram import BOS, EOS, MIN_K, UNK, NGramModel, ngrams

TINY = ["abab", "ab"]
# Padded for a bigram model: <s> a b a b </s>  and  <s> a b </s>
# bigrams (one per predicted token, 5 + 3 = 8):
#   (<s>,a) x2, (a,b) x3, (b,a) x1, (b,</s>) x2
# vocabulary V = {a, b, </s>, <unk>}: |V| = 4


# ---------------------------------------------------------------- counting


def test_ngrams_helper_pads_and_slides():
    assert ngrams("ab", 2) == [(BOS, "a"), ("a", "b"), ("b", EOS)]
    assert ngrams("ab", 3) == [(BOS, BOS, "a"), (BOS, "a", "b"), ("a", "b", EOS)]
    assert ngrams("abc", 2, pad=False) == [("a", "b"), ("b", "c")]
    assert ngrams(["the", "cat"], 1) == [("the",), ("cat",), (EOS,)]
    assert ngrams("", 2) == [(BOS, EOS)]


def test_bigram_counts_by_hand():
    m = NGramModel(2).fit(TINY)
    assert m.vocabulary == ["a", "b", EOS, UNK]
    assert m.counts(2) == {(BOS, "a"): 2, ("a", "b"): 3, ("b", "a"): 1, ("b", EOS): 2}
    assert m.counts(1) == {("a",): 3, ("b",): 3, (EOS,): 2}
    assert m.num_ngrams() == 4 and m.num_ngrams(1) == 3


def test_trigram_counts_by_hand():
    # <s> <s> a b a b </s>: (<s>,<s>,a) (<s>,a,b) (a,b,a) (b,a,b) (a,b,</s>)
    # <s> <s> a b </s>:     (<s>,<s>,a) (<s>,a,b) (a,b,</s>)
    m = NGramModel(3).fit(TINY)
    assert m.counts() == {
        (BOS, BOS, "a"): 2,
        (BOS, "a", "b"): 2,
        ("a", "b", "a"): 1,
        ("b", "a", "b"): 1,
        ("a", "b", EOS): 2,
    }


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(alphabet="abcd", max_size=8), min_size=1, max_size=6).filter(lambda c: any(c)),
    st.integers(1, 4),
)
def test_counts_of_every_order_match_a_counter_of_padded_ngrams(corpus, n):
    m = NGramModel(n).fit(corpus)
    for order in range(1, n + 1):
        expected = Counter(g for s in corpus for g in ngrams(s, order))
        assert m.counts(order) == dict(expected)


# ---------------------------------------------------------------- add-k


def test_add_one_probabilities_by_hand():
    m = NGramModel(2, k=1.0).fit(TINY)
    # P(w | h) = (c(h w) + 1) / (c(h) + |V|), c(a) = 3, c(b) = 1 + 2 = 3, c(<s>) = 2
    assert m.prob("a", "b") == pytest.approx(4 / 7)
    assert m.prob("b", "a") == pytest.approx(2 / 7)
    assert m.prob("b", EOS) == pytest.approx(3 / 7)
    assert m.prob("b", "b") == pytest.approx(1 / 7)
    assert m.prob("", "a") == pytest.approx(3 / 6)  # start of a sequence: context <s>
    # an unknown token is <unk>, which was never seen: (0 + 1) / 7
    assert m.prob("a", "z") == pytest.approx(1 / 7) == m.prob("a", UNK)
    # an unknown context was never seen: (0 + 1) / (0 + 4) = uniform
    assert m.prob("z", "a") == pytest.approx(1 / 4)


def test_add_k_formula_with_k_one_half():
    m = NGramModel(2, k=0.5).fit(TINY)
    # (3 + 0.5) / (3 + 0.5 * 4) = 3.5 / 5
    assert m.prob("a", "b") == pytest.approx(0.7)
    # (0 + 0.5) / (3 + 2) = 0.1
    assert m.prob("a", "a") == pytest.approx(0.1)


def test_log_prob_and_perplexity_by_hand():
    m = NGramModel(2, k=1.0).fit(TINY)
    # "ab": P(a|<s>) P(b|a) P(</s>|b) = 1/2 * 4/7 * 3/7
    expected = math.log(0.5) + math.log(4 / 7) + math.log(3 / 7)
    assert m.log_prob("ab") == pytest.approx(expected)
    np.testing.assert_allclose(
        m.token_log_probs("ab"), [math.log(0.5), math.log(4 / 7), math.log(3 / 7)]
    )
    assert m.cross_entropy(["ab"]) == pytest.approx(-expected / 3)
    assert m.perplexity(["ab"]) == pytest.approx(math.exp(-expected / 3))
    # two sequences: the mean is over all predicted tokens (3 + 2)
    e2 = math.log(1 / 6) + math.log(3 / 7)  # "b": P(b|<s>) = (0+1)/(2+4), P(</s>|b) = 3/7
    assert m.cross_entropy(["ab", "b"]) == pytest.approx(-(expected + e2) / 5)


def test_context_and_eos_options_of_token_log_probs():
    m = NGramModel(2, k=1.0).fit(TINY)
    # "b" after the context "a": only P(b|a) and P(</s>|b)
    np.testing.assert_allclose(m.token_log_probs("b", context="a"), np.log([4 / 7, 3 / 7]))
    np.testing.assert_allclose(m.token_log_probs("b", context="a", eos=False), np.log([4 / 7]))
    assert m.token_log_probs("", eos=False).shape == (0,)


def test_uniform_model_has_perplexity_equal_to_vocabulary_size():
    # With an enormous pseudo-count every probability is (c + k)/(c(h) + k|V|) -> 1/|V|.
    m = NGramModel(2, k=1e12).fit(["abcab", "bca", "cc"])
    assert m.vocab_size == 5
    assert m.perplexity(["abc", "ba", "zzz"]) == pytest.approx(5.0, rel=1e-9)


def test_unseen_context_is_uniform():
    m = NGramModel(3, k=1.0).fit(["abcab"])
    tokens, p = m.next_token_distribution("zz")  # context (<unk>, <unk>) never seen
    assert tokens == ["a", "b", "c", EOS, UNK]
    np.testing.assert_allclose(p, np.full(5, 1 / 5))
    assert math.exp(-m.log_prob("a", context="zz", eos=False)) == pytest.approx(5.0)


def test_unsmoothed_maximum_likelihood_gives_zero_and_infinite_perplexity():
    m = NGramModel(2, k=0.0).fit(TINY)
    assert m.prob("a", "b") == 1.0  # 3/3
    assert m.prob("b", "a") == pytest.approx(1 / 3)
    assert m.prob("a", "a") == 0.0
    lp = m.token_log_probs("aa")  # P(a|<s>) = 1, P(a|a) = 0
    assert lp[0] == 0.0 and lp[1] == -np.inf
    assert m.perplexity(["aa"]) == math.inf
    # "ab": P(a|<s>) = 2/2, P(b|a) = 3/3, P(</s>|b) = 2/3 -> PP = (3/2)^(1/3)
    assert m.perplexity(["ab"]) == pytest.approx(1.5 ** (1 / 3))


def test_limit_of_context_n_minus_one_tokens():
    """Two contexts that differ only more than n-1 tokens back get the same distribution."""
    m = NGramModel(3, smoothing="kneser-ney").fit(["xab", "yac", "zab", "abx"])
    _, p1 = m.next_token_distribution("xxxxab")
    _, p2 = m.next_token_distribution("yyyyab")
    np.testing.assert_array_equal(p1, p2)


# ---------------------------------------------------------------- Kneser-Ney


def test_ney_discount_estimate_by_hand():
    m = NGramModel(2, smoothing="kneser-ney").fit(TINY)
    # order 2 raw counts 2, 3, 1, 2: n1 = 1, n2 = 2 -> D = 1 / (1 + 2*2) = 0.2
    # order 1 continuation counts a:2 ({<s>, b}), b:1 ({a}), </s>:1 ({b}): n1 = 2, n2 = 1
    #   -> D = 2 / (2 + 2) = 0.5
    assert m.discounts == pytest.approx([0.5, 0.2])


def test_kneser_ney_bigram_by_hand():
    m = NGramModel(2, smoothing="kneser-ney", discount=0.5).fit(TINY)
    # Unigram level: continuation counts a:2, b:1, </s>:1, <unk>:0; total 4, 3 types.
    # P1(w) = max(N(.w) - 0.5, 0)/4 + 0.5 * 3/4 * 1/4
    p1 = {"a": 1.5 / 4 + 0.09375, "b": 0.5 / 4 + 0.09375, EOS: 0.5 / 4 + 0.09375, UNK: 0.09375}
    assert sum(p1.values()) == pytest.approx(1.0)
    # Context a: only (a,b) seen, 3 times, 1 type: (3 - 0.5)/3 + 0.5 * 1/3 * P1(b)
    assert m.prob("a", "b") == pytest.approx(2.5 / 3 + 0.5 / 3 * p1["b"])
    # Context b: (b,a) 1, (b,</s>) 2; total 3, 2 types
    assert m.prob("b", "a") == pytest.approx(0.5 / 3 + 0.5 * 2 / 3 * p1["a"])
    assert m.prob("b", EOS) == pytest.approx(1.5 / 3 + 0.5 * 2 / 3 * p1[EOS])
    assert m.prob("b", "q") == pytest.approx(0.5 * 2 / 3 * p1[UNK])
    # An unseen context skips to the unigram level.
    assert m.prob("q", "a") == pytest.approx(p1["a"])


def test_kneser_ney_trigram_by_hand():
    m = NGramModel(3, smoothing="kneser-ney", discount=0.5).fit(TINY)
    p1a, p1b = 1.5 / 4 + 0.09375, 0.5 / 4 + 0.09375  # as in the bigram test
    # Sequence start, context (<s>, <s>): (<s>,<s>,a) x2, total 2, 1 type.
    # Order 2, context <s>: (<s>,a) begins with <s>, so its raw count 2 is kept.
    p2a = 1.5 / 2 + 0.5 * 1 / 2 * p1a
    assert m.prob("", "a") == pytest.approx(1.5 / 2 + 0.25 * p2a)
    p2b = 0.5 * 1 / 2 * p1b
    assert m.prob("", "b") == pytest.approx(0.25 * p2b)
    # Context (a, b): (a,b,a) x1, (a,b,</s>) x2: total 3, 2 types.
    # Order 2, context b, continuation counts: N(. b a) = |{a}| = 1, N(. b </s>) = |{a}| = 1.
    p2_a_given_b = 0.5 / 2 + 0.5 * 2 / 2 * p1a
    assert m.prob("ab", "a") == pytest.approx(0.5 / 3 + 0.5 * 2 / 3 * p2_a_given_b)
    assert m.prob("ab", "a") == pytest.approx(0.328125)


def _reference_probability(train, n, vocab, smoothing, k, context, w):
    """P(w | context) straight from the formulas, with Counters and loops.

    The Kneser–Ney discounts are estimated here too, from the adjusted counts of every
    distinct m-gram: Ney's D_m = n1 / (n1 + 2 n2), clipped to [0.05, 0.95], or 0.75 when no
    adjusted count is 1 or 2.
    """
    grams = {m: Counter(g for s in train for g in ngrams(s, m)) for m in range(1, n + 1)}
    h = tuple(([BOS] * (n - 1) + list(context))[len(context) :]) if n > 1 else ()
    h = tuple(t if t in vocab or t == BOS else UNK for t in h)
    w = w if w in vocab else UNK
    V = len(vocab)
    if smoothing == "add-k":
        c_h = sum(c for g, c in grams[n].items() if g[:-1] == h)
        den = c_h + k * V
        return 1 / V if den == 0 else (grams[n].get((*h, w), 0) + k) / den

    def adjusted(m, g):
        if m == n or g[0] == BOS:
            return grams[m].get(g, 0)
        return len({g2[0] for g2 in grams[m + 1] if g2[1:] == g})

    def discount(m):
        a = [adjusted(m, g) for g in grams[m]]
        n1, n2 = a.count(1), a.count(2)
        d = n1 / (n1 + 2 * n2) if n1 + n2 > 0 else 0.75
        return min(max(d, 0.05), 0.95)

    p = 1 / V
    for m in range(1, n + 1):
        hm = h[len(h) - (m - 1) :] if m > 1 else ()
        row = {v: adjusted(m, (*hm, v)) for v in vocab}
        total = sum(row.values())
        if total == 0:
            continue
        types = sum(1 for a in row.values() if a > 0)
        d = discount(m)
        p = max(row[w] - d, 0) / total + d * types / total * p
    return p


corpora = st.lists(st.text(alphabet="abc", max_size=7), min_size=1, max_size=5).filter(
    lambda c: any(c)
)


@settings(max_examples=60, deadline=None)
@given(
    corpora,
    st.integers(1, 4),
    st.sampled_from(["add-k", "kneser-ney"]),
    st.sampled_from([0.0, 0.1, 1.0, 2.5]),
    st.text(alphabet="abcz", max_size=5),
)
def test_matches_the_literal_formulas(train, n, smoothing, k, context):
    m = NGramModel(n, k=k, smoothing=smoothing).fit(train)
    tokens, p = m.next_token_distribution(context)
    for w, pw in zip(tokens, p, strict=True):
        ref = _reference_probability(train, n, tokens, smoothing, k, list(context), w)
        assert pw == pytest.approx(ref, rel=1e-12, abs=1e-15)


@settings(max_examples=80, deadline=None)
@given(
    corpora,
    st.integers(1, 5),
    st.sampled_from(["add-k", "kneser-ney"]),
    st.one_of(st.just(0.0), st.floats(MIN_K, 5.0)),
    st.text(alphabet="abcz", max_size=6),
)
def test_every_context_distribution_sums_to_one(train, n, smoothing, k, context):
    m = NGramModel(n, k=k, smoothing=smoothing).fit(train)
    tokens, p = m.next_token_distribution(context)
    assert len(tokens) == len(p) == m.vocab_size
    assert np.all(p >= 0)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    if smoothing == "kneser-ney" or k > 0:
        assert np.all(p > 0)
    # prob() agrees with the distribution, and only the last n-1 tokens matter
    for w, pw in zip(tokens, p, strict=True):
        assert m.prob(context, w) == pytest.approx(pw, rel=1e-12)
    _, p_long = m.next_token_distribution("zzzzzzz" + context)
    if len(context) >= n - 1:
        np.testing.assert_array_equal(p, p_long)


@settings(max_examples=30, deadline=None)
@given(corpora, corpora, st.integers(1, 4), st.sampled_from(["add-k", "kneser-ney"]))
def test_cross_entropy_is_the_mean_of_token_log_probs(train, test, n, smoothing):
    m = NGramModel(n, smoothing=smoothing).fit(train)
    logp = np.concatenate([m.token_log_probs(s) for s in test])
    assert m.cross_entropy(test) == pytest.approx(-logp.mean(), rel=1e-12)
    assert m.perplexity(test) == pytest.approx(math.exp(-logp.mean()), rel=1e-12)
    assert sum(m.log_prob(s) for s in test) == pytest.approx(logp.sum(), rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    corpora,
    st.integers(1, 4),
    st.sampled_from(["add-k", "kneser-ney"]),
    st.one_of(st.just(0.0), st.floats(MIN_K, 3.0)),
)
def test_with_smoothing_equals_a_fresh_fit(train, n, smoothing, k):
    base = NGramModel(n, k=0.5, smoothing="kneser-ney" if smoothing == "add-k" else "add-k")
    switched = base.fit(train).with_smoothing(smoothing, k=k)
    fresh = NGramModel(n, k=k, smoothing=smoothing).fit(train)
    assert switched.discounts == fresh.discounts
    np.testing.assert_array_equal(
        switched.next_token_distribution("ab")[1], fresh.next_token_distribution("ab")[1]
    )
    assert base.smoothing != smoothing  # the original is unchanged


def test_word_tokens_work_like_characters():
    words = [["the", "cat", "sat"], ["the", "dog", "sat"]]
    m = NGramModel(2, k=1.0).fit(words)
    # c(the) = 2, c(the cat) = 1, |V| = 4 words + </s> + <unk> = 6
    assert m.prob(["the"], "cat") == pytest.approx(2 / 8)
    assert m.prob(["the"], "bird") == pytest.approx(1 / 8)
    chars = NGramModel(2, k=1.0).fit(["ab", "ba"])
    listed = NGramModel(2, k=1.0).fit([["a", "b"], ["b", "a"]])
    assert chars.perplexity(["abba"]) == pytest.approx(listed.perplexity([list("abba")]))


def test_kneser_ney_beats_add_one_on_held_out_text():
    from llmbook import corpus

    lines = corpus.peoples_daily_sentences(limit=3000)
    train, valid = lines[:2500], lines[2500:]
    pp_add1 = NGramModel(3, k=1.0).fit(train).perplexity(valid)
    pp_kn = NGramModel(3, smoothing="kneser-ney").fit(train).perplexity(valid)
    assert pp_kn < pp_add1


# ---------------------------------------------------------------- sparsity


def test_unseen_rate_by_hand():
    m = NGramModel(2).fit(TINY)
    # "aab": (<s>,a) seen, (a,a) unseen, (a,b) seen, (b,</s>) seen -> 1/4
    assert m.unseen_rate(["aab"]) == pytest.approx(0.25)
    # unigrams a, a, b, </s> all seen
    assert m.unseen_rate(["aab"], order=1) == 0.0
    assert m.unseen_rate(["q"], order=1) == pytest.approx(0.5)  # <unk> unseen, </s> seen


# ---------------------------------------------------------------- sampling


def test_sampling_is_deterministic_under_a_seed():
    m = NGramModel(2, smoothing="kneser-ney").fit(["abcabc", "cab", "bca"])
    a = m.sample(np.random.default_rng(7), max_len=30)
    b = m.sample(np.random.default_rng(7), max_len=30)
    assert a == b
    assert len(a) <= 30 and set(a) <= {"a", "b", "c"}
    assert UNK not in a and EOS not in a


def test_sampling_follows_the_model_distribution():
    m = NGramModel(2, k=1.0).fit(TINY)
    rng = np.random.default_rng(0)
    draws = Counter(
        (m.sample(rng, max_len=1, context="b", allow_unknown=True) or [EOS])[0]
        for _ in range(20000)
    )
    # P(. | b) = a: 2/7, b: 1/7, </s>: 3/7, <unk>: 1/7; standard error <= 0.0035
    for token, p in {"a": 2 / 7, "b": 1 / 7, EOS: 3 / 7, UNK: 1 / 7}.items():
        assert draws[token] / 20000 == pytest.approx(p, abs=0.015)


def test_sampling_stops_at_max_len_and_continues_a_context():
    m = NGramModel(2, k=0.0).fit(["abababababab"])
    # with k = 0, after "a" comes "b" with probability 1 and after "b" comes "a" or </s>
    out = m.sample(np.random.default_rng(1), max_len=5, context="a")
    assert out[0] == "b"
    assert len(out) <= 5


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("n", [0, -1])
def test_n_must_be_at_least_one(n):
    with pytest.raises(ValueError, match="n must be"):
        NGramModel(n)


@pytest.mark.parametrize("n", [1.5, "2", True, None])
def test_n_must_be_an_integer(n):
    with pytest.raises(TypeError, match="n must be"):
        NGramModel(n)


@pytest.mark.parametrize("k", [-1.0, -1e-9])
def test_k_must_not_be_negative(k):
    with pytest.raises(ValueError, match="k must be >= 0"):
        NGramModel(2, k=k)


def test_a_subnormal_pseudo_count_is_rejected():
    # Found by hypothesis: with k = 5e-324 (the smallest float) an unseen token's
    # probability k / (c(h) + k|V|) underflows to exactly 0 although k > 0.
    with pytest.raises(ValueError, match="k must be 0 or at least"):
        NGramModel(2, k=5e-324)


def test_the_smallest_pseudo_count_keeps_unseen_tokens_possible():
    # k = MIN_K after a context seen 10^6 times: P = 1e-12 / (10^6 + 3e-12), a normal float.
    m = NGramModel(1, k=MIN_K).fit(["a" * 999_999])
    tokens, p = m.next_token_distribution()
    assert p[tokens.index("<unk>")] == pytest.approx(1e-18, rel=1e-9)
    assert np.all(p > 0)


def test_k_must_be_finite_and_other_settings_valid():
    with pytest.raises(ValueError, match="k"):
        NGramModel(2, k=float("nan"))
    with pytest.raises(ValueError, match="smoothing"):
        NGramModel(2, smoothing="witten-bell")
    with pytest.raises(ValueError, match="discount"):
        NGramModel(2, smoothing="kneser-ney", discount=0.0)


def test_empty_input_is_refused():
    with pytest.raises(ValueError, match="sequences must not be empty"):
        NGramModel(2).fit([])
    with pytest.raises(ValueError, match="at least one token"):
        NGramModel(2).fit(["", ""])
    m = NGramModel(2).fit(TINY)
    with pytest.raises(ValueError, match="sequences must not be empty"):
        m.perplexity([])


def test_a_bare_string_is_not_a_list_of_sequences():
    with pytest.raises(TypeError, match="wrap it in a list"):
        NGramModel(2).fit("abab")
    with pytest.raises(TypeError, match="sequences"):
        NGramModel(2).fit(12)


def test_reserved_symbols_in_data_are_refused():
    with pytest.raises(ValueError, match="reserved"):
        NGramModel(2).fit([["a", "</s>"]])


def test_using_a_model_before_fit_is_refused():
    m = NGramModel(2)
    with pytest.raises(ValueError, match="not fitted"):
        m.prob("a", "b")
    with pytest.raises(ValueError, match="not fitted"):
        m.perplexity(["ab"])


def test_sampling_and_lookup_argument_errors():
    m = NGramModel(2).fit(TINY)
    with pytest.raises(TypeError, match="rng"):
        m.sample(42)
    with pytest.raises(ValueError, match="max_len"):
        m.sample(np.random.default_rng(0), max_len=0)
    with pytest.raises(ValueError, match="never predicted"):
        m.prob("a", BOS)
    with pytest.raises(ValueError, match="order"):
        m.counts(3)
