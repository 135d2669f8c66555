"""The overfitting measurement on chapter 5's baseline."""

import math

import numpy as np
import pytest

from llmbook import overfitting
from llmbook.logistic import LogisticRegression
from llmbook.optim import Adam


def test_untrained_loss_is_ln2_and_curves_follow_logistic_regression():
    # With every weight 0 the model says p = 1/2 for every review: the loss is ln 2 exactly.
    c = overfitting.train_validation_curves(seed=1, l2=0.0, epochs=3, n=400)
    assert c["train_loss"][0] == pytest.approx(math.log(2), abs=1e-12)
    assert c["val_loss"][0] == pytest.approx(math.log(2), abs=1e-12)
    assert all(len(v) == 4 for v in c.values())
    # Reference: the same three Adam steps run directly; LogisticRegression computes its
    # loss from the logits (softplus), the curves from the probabilities.
    X, y, train, _, _ = overfitting.review_features(seed=1, n=400)
    m = LogisticRegression(X.n_features)
    hist = m.fit(X.rows(train), y[train], Adam(0.05), epochs=4)
    np.testing.assert_allclose(c["train_loss"], hist, rtol=1e-9)


def test_weight_decay_shrinks_the_weights_and_the_training_fit():
    free = overfitting.train_validation_curves(seed=0, l2=0.0, epochs=30, n=600)
    decayed = overfitting.train_validation_curves(seed=0, l2=1e-2, epochs=30, n=600)
    assert decayed["train_loss"][-1] > free["train_loss"][-1]


def test_review_features_rejects_bad_n():
    with pytest.raises(ValueError, match="n must"):
        overfitting.review_features(n=5)
