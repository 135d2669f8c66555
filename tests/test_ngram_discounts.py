"""Kneser–Ney's discounts pinned by hand: Ney's estimate, its clip to [0.05, 0.95] and the
fallback D = 0.75 when no n-gram has an adjusted count of 1 or 2.

For a unigram model (n = 1) the adjusted counts are the raw counts of the tokens and of
the end symbol ``</s>`` (one per sequence), so every case below can be counted by eye.
"""

import pytest

from llmbook.ngram import NGramModel


def _unigram_kn(corpus):
    return NGramModel(1, smoothing="kneser-ney").fit(corpus)


def test_fallback_discount_when_no_count_is_one_or_two():
    # "aaa" three times: c(a) = 9, c(</s>) = 3, so n1 = n2 = 0 and Ney's estimate
    # n1 / (n1 + 2 n2) is undefined: the model falls back to D = 0.75.
    m = _unigram_kn(["aaa"] * 3)
    assert m.discounts == [0.75]
    # With V = {a, </s>, <unk>} (|V| = 3), total 12 and 2 seen types:
    #   P(a)     = (9 - 0.75)/12 + 0.75 * 2/12 * 1/3 = 8.75/12
    #   P(</s>)  = (3 - 0.75)/12 + 0.5/12           = 2.75/12
    #   P(<unk>) = 0 + 0.5/12                        = 0.5/12
    assert m.prob((), "a") == pytest.approx(8.75 / 12, rel=1e-12)
    assert m.prob((), "</s>") == pytest.approx(2.75 / 12, rel=1e-12)
    assert m.prob((), "x") == pytest.approx(0.5 / 12, rel=1e-12)


def test_ney_estimate_between_the_clips():
    # "aab": c(a) = 2, c(b) = 1, c(</s>) = 1: n1 = 2, n2 = 1, D = 2 / (2 + 2) = 0.5.
    assert _unigram_kn(["aab"]).discounts == [pytest.approx(0.5, rel=1e-15)]


def test_estimate_clipped_to_0_95():
    # Every count is 1 ("abc" and </s>): n1 = 4, n2 = 0, estimate 1.0, clipped to 0.95.
    assert _unigram_kn(["abc"]).discounts == [pytest.approx(0.95, rel=1e-15)]


def test_estimate_clipped_to_0_05():
    # Twenty letters twice each and </s> once: n1 = 1, n2 = 20, estimate 1/41 = 0.024,
    # clipped to 0.05.
    text = "".join(c * 2 for c in "abcdefghijklmnopqrst")
    assert _unigram_kn([text]).discounts == [pytest.approx(0.05, rel=1e-15)]
