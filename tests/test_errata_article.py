"""Facts behind the errata that are not numbers of the article: each checked here against an
independent reference (pip's version rules, Keras, the activation's slope)."""

import numpy as np
import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from llmbook import activations, errata


def test_the_article_pins_conflict():
    """tensorflow 2.5.0 declares numpy~=1.19.2 (pip: 'tensorflow 2.5.0 depends on numpy~=1.19.2').

    PEP 440: ~=1.19.2 means >=1.19.2 and ==1.19.*; the pin ==1.19 is the release 1.19.0."""
    tf_2_5_needs = SpecifierSet("~=1.19.2")
    assert Version("1.19") == Version("1.19.0")
    assert Version("1.19") not in tf_2_5_needs
    assert Version("1.19.2") in tf_2_5_needs and Version("1.19.5") in tf_2_5_needs
    assert Version("1.20.0") not in tf_2_5_needs
    assert "numpy~=1.19.2" in errata.get("s5-numpy-conflict").correct.replace(" ", "")


def test_embedding_rejects_ids_beyond_its_table():
    """Embedding(input_dim=1000) looks up ids 0..999; id 1000 is an error on a CPU."""
    import keras
    import tensorflow as tf

    emb = keras.layers.Embedding(1000, 16)
    assert tuple(emb(np.array([[0, 999]])).shape) == (1, 2, 16)
    with pytest.raises(tf.errors.InvalidArgumentError, match="1000 is not in"):
        emb(np.array([[1000]]))


def test_sigmoid_slope_bounds_the_shrink_factor_from_below():
    """max σ'(z) = σ(0)(1 - σ(0)) = 1/4, so the activation alone divides the gradient by >= 4."""
    z = np.linspace(-10.0, 10.0, 20001)
    slope = activations.sigmoid_grad(z)
    assert slope.max() == pytest.approx(0.25, abs=1e-12)
    assert np.all(slope <= 0.25)
    text = errata.get("s2-deep-learning-form").correct
    assert "at least 4" in text and "up to 4" not in text


def test_translation_erratum_names_the_incidental_bilingualism_study():
    e = errata.get("s6-gpt3-translation")
    assert "briakou2023searching" in e.cite_keys
    assert "no dedicated parallel corpus" in e.correct
