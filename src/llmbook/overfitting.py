r"""Overfitting, measured: chapter 5's review classifier, its training and validation loss.

The model is chapter 5's baseline, logistic regression on a bag of character 1- and
2-grams (:class:`llmbook.logistic.LogisticRegression`), trained full-batch with Adam on a
seeded subsample of the product reviews of :func:`llmbook.corpus.sentiment_reviews`,
split 70 / 15 / 15. :func:`train_validation_curves` records, after every epoch, the
binary cross-entropy (without the penalty) and the accuracy on the training and the
validation set, so the *generalisation gap* (validation minus training) can be read off
with and without regularisation.
"""

from __future__ import annotations

import numpy as np

from . import corpus, evaluation, losses, text
from .logistic import LogisticRegression
from .optim import Adam

__all__ = ["review_features", "train_validation_curves"]


def review_features(seed=0, n=6000):
    """Chapter 5's data: ``n`` reviews drawn with ``seed``, split 70/15/15 with ``seed``.

    Returns:
        ``(X, y, train, val, test)``: a sparse binary bag of character 1- and 2-grams
        (vocabulary from the training part, at least 2 occurrences, at most 20,000),
        the 0/1 labels ``[n]``, and three index arrays.
    Raises:
        ValueError: ``n`` not a positive integer or larger than the corpus.
    """
    texts, labels = corpus.sentiment_reviews()
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 20 <= n <= len(texts):
        raise ValueError(f"n must be an integer in [20, {len(texts)}], got {n!r}")
    subset = np.random.default_rng(seed).permutation(len(texts))[:n]
    reviews = [texts[i] for i in subset]
    y = np.asarray(labels)[subset].astype(np.float64)
    train, val, test = evaluation.split_indices(n, (0.7, 0.15, 0.15), seed=seed)
    grams = [text.char_ngrams(r, (1, 2)) for r in reviews]
    vocab = text.Vocabulary([grams[i] for i in train], max_size=20000, min_count=2)
    X = text.bag_of_words(
        [vocab.encode(g) for g in grams], len(vocab), binary=True, drop=(text.PAD, text.OOV)
    )
    return X, y, train, val, test


def train_validation_curves(seed=0, l2=0.0, epochs=60, lr=0.05, n=6000):
    r"""Train chapter 5's baseline and record both losses before training and after each epoch.

    Args:
        seed: the subsample and split (:func:`review_features`).
        l2: the L2 strength :math:`\lambda` (weight decay) of the model.
        epochs: full-batch Adam steps.
        lr: Adam's learning rate.
        n: reviews in the subsample.
    Returns:
        dict of ``[epochs + 1]`` arrays: ``train_loss``, ``val_loss`` (binary cross-entropy,
        no penalty), ``train_acc``, ``val_acc``; entry 0 is the untrained model (all weights 0).
    """
    X, y, train, val, _ = review_features(seed, n)
    model = LogisticRegression(X.n_features, l2=l2)
    opt = Adam(lr)
    out = {k: [] for k in ("train_loss", "val_loss", "train_acc", "val_acc")}
    for epoch in range(int(epochs) + 1):
        if epoch:
            model.fit(X.rows(train), y[train], opt, epochs=1)
        for part, idx in (("train", train), ("val", val)):
            p = model.predict_proba(X.rows(idx))  # [len(idx)]
            out[f"{part}_loss"].append(losses.binary_cross_entropy(y[idx], p))
            out[f"{part}_acc"].append(
                evaluation.accuracy(y[idx].astype(int), (p > 0.5).astype(int))
            )
    return {k: np.array(v) for k, v in out.items()}
