"""llmbook.retrieval: TF-IDF and cosine similarity derived by hand; the shipped FAQ data."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmbook.retrieval import TfidfRetriever, load_faq


def test_tfidf_by_hand():
    # Unigrams; documents "ab", "ac": D = 2. df(a) = 2, df(b) = df(c) = 1.
    # idf(a) = ln(3/3) + 1 = 1, idf(b) = idf(c) = ln(3/2) + 1.
    r = TfidfRetriever((1, 1)).fit(["ab", "ac"])
    i = math.log(1.5) + 1
    np.testing.assert_allclose(r.idf, [1.0, i, i])  # vocabulary order a, b, c
    # query "b": vector (0, 1, 0); doc "ab" = (1, i, 0)/sqrt(1 + i^2)
    np.testing.assert_allclose(r.scores("b"), [i / math.sqrt(1 + i * i), 0.0])
    # query "ab" is document 0 itself: cosine 1
    assert r.scores("ab")[0] == pytest.approx(1.0)
    assert r.search("ab", k=1) == [(0, pytest.approx(1.0))]


def test_query_with_no_shared_ngram_scores_zero_not_nan():
    r = TfidfRetriever().fit(["人民日报", "新华社"])
    s = r.scores("xyz")
    assert np.all(s == 0.0)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(alphabet="abcde", min_size=1, max_size=8), min_size=1, max_size=6),
    st.text(alphabet="abcdef", max_size=8),
)
def test_scores_are_cosines_in_unit_interval(docs, query):
    r = TfidfRetriever((1, 2)).fit(docs)
    s = r.scores(query)
    assert s.shape == (len(docs),)
    assert np.all(s >= -1e-12) and np.all(s <= 1 + 1e-12)
    # each document retrieves itself with cosine 1
    for j, d in enumerate(docs):
        assert r.scores(d)[j] == pytest.approx(1.0)
    # cosine = dot product of the two unit vectors, computed independently
    q = r.vector(query)
    for j in range(len(docs)):
        v = r.vector(docs[j])
        assert s[j] == pytest.approx(float(q @ v), abs=1e-12)


def test_faq_data_is_complete():
    faq = load_faq()
    assert len(faq) >= 25
    for item in faq:
        assert set(item) == {"question", "answer", "question_en"}
        assert all(item.values())
    assert len({item["question"] for item in faq}) == len(faq)


def test_errors():
    with pytest.raises(ValueError, match="empty"):
        TfidfRetriever().fit([])
    with pytest.raises(TypeError, match="single string"):
        TfidfRetriever().fit("abc")
    with pytest.raises(ValueError, match="no characters"):
        TfidfRetriever().fit(["", ""])
    with pytest.raises(ValueError, match="not fitted"):
        TfidfRetriever().scores("a")
    with pytest.raises(ValueError, match="k must"):
        TfidfRetriever().fit(["a"]).search("a", k=0)
