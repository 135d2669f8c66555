r"""A multinomial naive Bayes text classifier over character n-grams: classification by counting.

Each text :math:`x` is a bag of features: its character n-grams for :math:`n` in
``ngram_range`` (no padding; for Chinese, characters and character pairs stand in for
words). With :math:`x_f` the number of times feature :math:`f` occurs in the text, the
classifier picks

.. math::

    \hat c = \arg\max_c \Bigl[\ln \pi_c + \sum_f x_f \ln \theta_{c,f}\Bigr], \qquad
    \pi_c = \frac{N_c}{N}, \qquad
    \theta_{c,f} = \frac{T_{c,f} + \alpha}{\sum_{g} T_{c,g} + \alpha |F|},

where :math:`N_c` is the number of training texts of class :math:`c`, :math:`T_{c,f}`
the number of times feature :math:`f` occurs in them, :math:`F` the set of features
seen in training and :math:`\alpha > 0` the add-:math:`\alpha` smoothing of chapter 1
(McCallum & Nigam 1998). "Naive" is the assumption that features are independent given
the class, which is false for overlapping n-grams but works well in practice. Features
never seen in training are ignored at prediction time (they have no :math:`\theta`).
The posterior :math:`P(c \mid x)` is the softmax of the scores in the brackets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from . import _checks
from ._checks import positive
from .kernels import softmax
from .text import char_ngrams

__all__ = ["NaiveBayesClassifier"]


class NaiveBayesClassifier:
    r"""Multinomial naive Bayes over character n-grams (see the module documentation).

    Args:
        ngram_range: ``(min_n, max_n)``, the n-gram lengths used as features.
        alpha: the smoothing pseudo-count :math:`\alpha > 0`.
    Raises:
        TypeError, ValueError: bad ``ngram_range``; ``alpha`` not a positive number.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), alpha: float = 1.0):
        self.ngram_range = _checks.ngram_range(ngram_range)
        self.alpha = positive(alpha, "alpha")
        self._fitted = False

    def __repr__(self) -> str:
        return f"NaiveBayesClassifier(ngram_range={self.ngram_range}, alpha={self.alpha:g})"

    def _texts(self, texts, name="texts") -> list[str]:
        if isinstance(texts, str):
            raise TypeError(f"{name} must be a list of strings, got a single string")
        texts = list(texts)
        if not texts:
            raise ValueError(f"{name} must not be empty")
        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"{name} must hold strings, got {type(t).__name__}")
        return texts

    def fit(self, texts: Sequence[str], labels: Sequence) -> NaiveBayesClassifier:
        """Count the features of each class.

        Args:
            texts: list of strings, length N.
            labels: list of N hashable class labels (at least one text per class).
        Returns:
            ``self``.
        Raises:
            TypeError, ValueError: empty or non-string texts, lengths differ, no features.
        """
        texts = self._texts(texts)
        labels = list(labels)
        if len(labels) != len(texts):
            raise ValueError(
                f"texts and labels must have the same length, got {len(texts)} and {len(labels)}"
            )
        self.classes = sorted(set(labels), key=repr)
        class_index = {c: i for i, c in enumerate(self.classes)}
        lo, hi = self.ngram_range
        per_class = [Counter() for _ in self.classes]
        n_docs = np.zeros(len(self.classes))
        for text, label in zip(texts, labels, strict=True):
            i = class_index[label]
            per_class[i].update(char_ngrams(text, range(lo, hi + 1), keep_spaces=True))
            n_docs[i] += 1
        vocab = sorted(set().union(*per_class))
        if not vocab:
            raise ValueError(
                f"texts contain no character n-grams of the lengths {self.ngram_range}"
            )
        self._feature_index = {f: j for j, f in enumerate(vocab)}
        counts = np.zeros((len(self.classes), len(vocab)))  # [C, F]  T_{c,f}
        for i, counter in enumerate(per_class):
            if counter:
                idx = np.fromiter((self._feature_index[f] for f in counter), dtype=np.int64)
                counts[i, idx] = np.fromiter(counter.values(), dtype=np.float64)
        self.feature_counts = counts
        self.log_prior = np.log(n_docs / n_docs.sum())  # [C]  ln pi_c
        self._set_theta()
        self._fitted = True
        return self

    def _set_theta(self):
        smoothed = self.feature_counts + self.alpha
        self.log_theta = np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))  # [C, F]

    def with_alpha(self, alpha: float) -> NaiveBayesClassifier:
        """The same counts with another smoothing ``alpha``: a new classifier, no refitting.

        Raises:
            ValueError: ``alpha`` not positive; not fitted.
        """
        self._check_fitted()
        other = NaiveBayesClassifier(self.ngram_range, alpha)
        for name in ("classes", "_feature_index", "feature_counts", "log_prior", "_fitted"):
            setattr(other, name, getattr(self, name))
        other._set_theta()
        return other

    @property
    def n_features(self) -> int:
        """:math:`|F|`, the number of distinct features seen in training."""
        self._check_fitted()
        return self.log_theta.shape[1]

    def _check_fitted(self):
        if not self._fitted:
            raise ValueError("the classifier is not fitted; call fit(texts, labels) first")

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        r"""The unnormalised log-posteriors :math:`\ln \pi_c + \sum_f x_f \ln\theta_{c,f}`.

        Returns:
            array ``[N, C]`` (columns in the order of ``self.classes``).
        """
        self._check_fitted()
        texts = self._texts(texts)
        lo, hi = self.ngram_range
        get = self._feature_index.get
        rows, idx = [], []
        for r, text in enumerate(texts):
            ids = [get(g) for g in char_ngrams(text, range(lo, hi + 1), keep_spaces=True)]
            ids = [i for i in ids if i is not None]  # unseen features are ignored
            rows.extend([r] * len(ids))
            idx.extend(ids)
        rows_a = np.asarray(rows, dtype=np.int64)  # [occurrences]
        idx_a = np.asarray(idx, dtype=np.int64)  # [occurrences]
        out = np.empty((len(texts), len(self.classes)))  # [N, C]
        for c in range(len(self.classes)):
            out[:, c] = self.log_prior[c] + np.bincount(
                rows_a, weights=self.log_theta[c, idx_a], minlength=len(texts)
            )
        return out

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        r"""Posterior probabilities :math:`P(c \mid x)`, the softmax of :meth:`scores`.

        Returns:
            array ``[N, C]``, each row summing to 1.
        """
        return softmax(self.scores(texts), axis=1)

    def predict(self, texts: Sequence[str]) -> list:
        """The most probable class of each text (ties go to the first class)."""
        s = self.scores(texts)
        return [self.classes[i] for i in np.argmax(s, axis=1)]

    def accuracy(self, texts: Sequence[str], labels: Sequence) -> float:
        """The share of ``texts`` whose predicted class equals the label."""
        labels = list(labels)
        pred = self.predict(texts)
        if len(labels) != len(pred):
            raise ValueError(
                f"texts and labels must have the same length, got {len(pred)} and {len(labels)}"
            )
        return float(np.mean([p == y for p, y in zip(pred, labels, strict=True)]))

    def top_features(self, label, k: int = 10) -> list[tuple[str, float]]:
        r"""The ``k`` features that most favour class ``label`` over the others.

        Ranked by :math:`\ln\theta_{c,f} - \max_{c' \ne c}\ln\theta_{c',f}` (for two classes,
        the log-ratio of the two likelihoods), among features seen at least 5 times.

        Returns:
            list of ``(feature, log-ratio)``.
        Raises:
            ValueError: unknown label, or fewer than two classes.
        """
        self._check_fitted()
        if label not in self.classes:
            raise ValueError(f"label must be one of {self.classes}, got {label!r}")
        if len(self.classes) < 2:
            raise ValueError("top_features needs at least two classes")
        i = self.classes.index(label)
        others = np.delete(self.log_theta, i, axis=0).max(axis=0)
        ratio = self.log_theta[i] - others
        ratio = np.where(self.feature_counts.sum(axis=0) >= 5, ratio, -np.inf)
        best = np.argsort(-ratio)[:k]
        vocab = list(self._feature_index)
        return [(vocab[j], float(ratio[j])) for j in best]
