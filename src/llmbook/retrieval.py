r"""Question answering by retrieval: TF-IDF vectors of character n-grams and cosine similarity.

Each document :math:`d` (and each query) becomes a vector over the character n-grams
:math:`t` seen in the documents:

.. math::

    v_{d,t} = \mathrm{tf}(t, d)\,\mathrm{idf}(t), \qquad
    \mathrm{idf}(t) = \ln\frac{1 + D}{1 + \mathrm{df}(t)} + 1,

with :math:`\mathrm{tf}(t, d)` the count of :math:`t` in :math:`d`, :math:`D` the number
of documents and :math:`\mathrm{df}(t)` the number of documents containing :math:`t`
(the "smoothed" idf, as in scikit-learn: every term keeps a weight of at least 1). The
score of a document for a query :math:`q` is the cosine similarity

.. math:: \cos(q, d) = \frac{v_q^\top v_d}{\lVert v_q\rVert\,\lVert v_d\rVert} \in [0, 1].

A query that shares no n-gram with any document has the zero vector; its scores are
all 0 (not NaN). This is the "bag of words" (here, of characters) idea of Manning et al.
(2008): it matches surface forms and knows nothing of meaning.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from importlib import resources

import numpy as np

from . import _checks
from .text import char_ngrams

__all__ = ["TfidfRetriever", "load_faq"]


class TfidfRetriever:
    """Rank documents by the cosine similarity of TF-IDF vectors of character n-grams.

    Args:
        ngram_range: ``(min_n, max_n)`` character n-gram lengths (default unigrams and
            bigrams).
    Raises:
        TypeError, ValueError: bad ``ngram_range``.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 2)):
        self.ngram_range = _checks.ngram_range(ngram_range)
        self._fitted = False

    def fit(self, documents: Sequence[str]) -> TfidfRetriever:
        """Compute idf and the normalised document vectors.

        Raises:
            TypeError: ``documents`` is a single string or holds non-strings.
            ValueError: no documents, or no document has any character.
        """
        if isinstance(documents, str):
            raise TypeError("documents must be a list of strings, got a single string")
        docs = list(documents)
        if not docs:
            raise ValueError("documents must not be empty")
        for d in docs:
            if not isinstance(d, str):
                raise TypeError(f"documents must hold strings, got {type(d).__name__}")
        bags = [self._bag(d) for d in docs]
        vocab = sorted(set().union(*bags))
        if not vocab:
            raise ValueError("documents contain no characters")
        self.vocabulary = {t: j for j, t in enumerate(vocab)}
        tf = np.zeros((len(docs), len(vocab)))  # [D, T]
        for i, bag in enumerate(bags):
            for t, c in bag.items():
                tf[i, self.vocabulary[t]] = c
        df = np.count_nonzero(tf, axis=0)  # [T]
        self.idf = np.log((1 + len(docs)) / (1 + df)) + 1.0  # [T]
        self.doc_vectors = self._normalise(tf * self.idf)  # [D, T]
        self.documents = docs
        self._fitted = True
        return self

    def _bag(self, text: str) -> Counter:
        lo, hi = self.ngram_range
        return Counter(char_ngrams(text, range(lo, hi + 1), keep_spaces=True))

    @staticmethod
    def _normalise(v: np.ndarray) -> np.ndarray:
        norm = np.linalg.norm(v, axis=-1, keepdims=True)
        return np.divide(v, norm, out=np.zeros_like(v), where=norm > 0)

    def vector(self, text: str) -> np.ndarray:
        """The unit-length TF-IDF vector ``[T]`` of ``text`` (zeros if it shares no n-gram)."""
        if not self._fitted:
            raise ValueError("the retriever is not fitted; call fit(documents) first")
        v = np.zeros(len(self.vocabulary))
        for t, c in self._bag(text).items():
            j = self.vocabulary.get(t)
            if j is not None:
                v[j] = c
        return self._normalise(v * self.idf)

    def scores(self, query: str) -> np.ndarray:
        """Cosine similarity of ``query`` with every document, array ``[D]`` in [0, 1]."""
        v = self.vector(query)  # checks that the retriever is fitted
        return self.doc_vectors @ v

    def search(self, query: str, k: int = 3) -> list[tuple[int, float]]:
        """The ``k`` best documents as ``(index, score)``, best first (ties: lower index).

        Raises:
            ValueError: ``k`` < 1; not fitted.
        """
        k = _checks.positive_int(k, "k")
        s = self.scores(query)
        order = np.argsort(-s, kind="stable")[:k]
        return [(int(i), float(s[i])) for i in order]


def load_faq() -> list[dict[str, str]]:
    """The book's small question-answer knowledge base (``llmbook/data/faq_zh.json``).

    Written for this book: about thirty questions in Chinese on the topics of Part I, each
    with a short answer in Chinese and an English gloss of the question.

    Returns:
        list of dicts with keys ``question``, ``answer``, ``question_en``.
    """
    text = (resources.files("llmbook") / "data" / "faq_zh.json").read_text(encoding="utf-8")
    return json.loads(text)
