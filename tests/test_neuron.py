"""The weighted sum of one neuron, against a Keras Dense layer and the article's example."""

import numpy as np
import pytest

from llmbook.neuron import neuron_output, weighted_sum


def test_article_example_by_hand():
    """z = 0.5*1 + 0.3*2 + 0.2 = 0.5 + 0.6 + 0.2 = 1.3."""
    assert weighted_sum([1.0, 2.0], [0.5, 0.3], 0.2) == pytest.approx(1.3, abs=1e-15)


def test_batch_matches_a_keras_dense_unit(tf, rng):
    import keras

    x = rng.normal(size=(6, 4))
    w = rng.normal(size=4)
    b = 0.3
    layer = keras.layers.Dense(1, dtype="float64")
    layer.build((None, 4))
    layer.set_weights([w.reshape(4, 1), np.array([b])])
    np.testing.assert_allclose(weighted_sum(x, w, b), np.asarray(layer(x))[:, 0], rtol=1e-12)
    assert weighted_sum(x[0], w, b) == pytest.approx(float(np.asarray(layer(x[:1]))[0, 0]))


def test_neuron_output_applies_the_activation():
    # relu(-(1*1) + 0) = 0; sigmoid(0) = 0.5
    assert neuron_output([1.0], [-1.0], 0.0, "relu") == 0.0
    assert neuron_output([1.0], [-1.0], 1.0, "sigmoid") == 0.5


@pytest.mark.parametrize(
    ("args", "exc", "word"),
    [
        (([1.0, 2.0], [1.0], 0.0), ValueError, "w"),
        (([], [], 0.0), ValueError, "x"),
        (([1.0], [np.inf], 0.0), ValueError, "w"),
        (([1.0], [1.0], [0.0, 1.0]), ValueError, "b"),
        (([1.0], [1.0], "b"), TypeError, "b"),
        ((np.ones((2, 2, 2)), [1.0, 1.0], 0.0), ValueError, "x"),
    ],
)
def test_bad_input_raises_a_clear_error(args, exc, word):
    with pytest.raises(exc, match=word):
        weighted_sum(*args)
