"""Chapter 5's experiment: a split without shared reviews, comparable inputs, repeatable
seeded runs, per-seed results and their cache."""

import dataclasses
import json

import numpy as np
import pytest

import llmbook  # noqa: F401
from llmbook import sentiment

SMALL = dataclasses.replace(sentiment.DEFAULTS, n_reviews=300, epochs=1, units=4,
                            embedding_dim=4, lr_epochs=5)  # fmt: skip


@pytest.fixture(scope="module")
def data():
    return sentiment.prepare(SMALL)


def test_no_review_is_in_two_parts(data):
    parts = [set(data.train), set(data.val), set(data.test)]
    assert sum(map(len, parts)) == SMALL.n_reviews == len(set().union(*parts))
    texts = [{data.reviews[i] for i in p} for p in parts]
    assert not (texts[0] & texts[1]) and not (texts[0] & texts[2]) and not (texts[1] & texts[2])
    # 70 / 15 / 15 of 300
    assert [len(p) for p in parts] == [210, 45, 45]


def test_prepare_is_seeded_and_matches_the_chapter():
    a, b = sentiment.prepare(SMALL), sentiment.prepare(SMALL)
    assert a.reviews == b.reviews and np.array_equal(a.test, b.test)
    c = sentiment.prepare(dataclasses.replace(SMALL, split_seed=1))
    assert c.reviews == a.reviews and not np.array_equal(c.test, a.test)
    # the vocabulary knows only training characters
    train_chars = {ch for i in a.train for ch in a.tokens[i]}
    assert set(a.vocab.itos[2:]) <= train_chars
    with pytest.raises(ValueError, match="n_reviews"):
        sentiment.prepare(dataclasses.replace(SMALL, n_reviews=10**7))


def test_last_n_by_hand():
    assert sentiment.last_n(["abcdef", "xy"], 3) == ["def", "xy"]
    assert sentiment.last_n(["abcdef"], None) == ["abcdef"]
    np.testing.assert_array_equal(sentiment.last_n([np.arange(5)], 2)[0], [3, 4])
    with pytest.raises(ValueError):
        sentiment.last_n(["ab"], 0)


def test_mean_std_by_hand():
    # 0.6, 0.7, 0.8: mean 0.7, deviations -0.1, 0, 0.1, sample variance 0.02 / 2 = 0.01
    m, s = sentiment.mean_std([0.6, 0.7, 0.8])
    assert m == pytest.approx(0.7) and s == pytest.approx(0.1)
    assert sentiment.mean_std([0.5]) == (0.5, 0.0)
    with pytest.raises(ValueError):
        sentiment.mean_std([])
    with pytest.raises(ValueError):
        sentiment.mean_std([0.5, np.nan])


def test_recurrent_run_is_repeatable_for_a_seed(data):
    a = sentiment.train_recurrent(data, "GRU", 12, seed=3)
    b = sentiment.train_recurrent(data, "GRU", 12, seed=3)
    c = sentiment.train_recurrent(data, "GRU", 12, seed=4)
    np.testing.assert_array_equal(a["p_test"], b["p_test"])
    assert not np.array_equal(a["p_test"], c["p_test"])
    assert len(a["p_test"]) == len(data.test) and a["epochs"] == 1
    assert a["accuracy"] == pytest.approx(
        np.mean((np.array(a["p_test"]) > 0.5) == data.y[data.test])
    )


def test_logistic_sees_only_the_last_characters(data):
    whole = sentiment.train_logistic(data, None)
    last2 = sentiment.train_logistic(data, 2)
    # from the last 2 characters there are at most 2 unigrams and 1 bigram per review
    assert np.diff(last2["features"].indptr).max() <= 3
    assert len(whole["vocab"]) > len(last2["vocab"])


def test_seed_results_per_seed_and_cached(data, tmp_path):
    first = sentiment.seed_results(data, "SimpleRNN", 8, [0, 1], cache=tmp_path)
    assert [r["seed"] for r in first] == [0, 1]
    files = sorted(tmp_path.glob("sentiment_*.json"))
    assert len(files) == 2
    # the cache is read back: tamper with one file and the tampered value comes back
    saved = json.loads(files[0].read_text())
    saved["accuracy"] = -1.0
    files[0].write_text(json.dumps(saved))
    again = sentiment.seed_results(data, "SimpleRNN", 8, [0, 1], cache=tmp_path)
    assert sorted(r["accuracy"] for r in again)[0] == -1.0
    # another input length is another key
    sentiment.seed_results(data, "SimpleRNN", 9, [0], cache=tmp_path)
    assert len(list(tmp_path.glob("sentiment_*.json"))) == 3
    with pytest.raises(ValueError, match="maxlen"):
        sentiment.seed_results(data, "GRU", None, [0], cache=False)
    with pytest.raises(ValueError, match="model"):
        sentiment.seed_results(data, "LSTM", 8, [0], cache=False)
    with pytest.raises(ValueError, match="seed"):
        sentiment.seed_results(data, "GRU", 8, [], cache=False)


def test_summary_rows_and_figure_by_hand():
    # two seeds at 0.6 and 0.8: mean 0.7, sample std sqrt(2 * 0.1^2 / 1) = 0.1414...
    study = {"a": [{"accuracy": 0.6}, {"accuracy": 0.8}], "b": [{"accuracy": 0.75}]}
    rows = sentiment.summary_rows(study)
    assert rows[0][:2] == ("a", 2) and rows[0][2] == pytest.approx(0.7)
    assert rows[0][3] == pytest.approx(np.sqrt(0.02)) and rows[0][4:] == (0.6, 0.8)
    assert rows[1] == ("b", 1, 0.75, 0.0, 0.75, 0.75)
    fig = sentiment.seed_figure(study)
    assert len(fig.axes) == 1 and len(fig.axes[0].get_yticks()) == 2


def test_compare_runs_logistic_once_and_recurrent_per_seed(data, tmp_path):
    study = sentiment.compare(data, {"lr": ("logistic", None), "rnn": ("SimpleRNN", 6)},
                              seeds=[0, 1], cache=tmp_path)  # fmt: skip
    assert list(study) == ["lr", "rnn"]
    assert [r["seed"] for r in study["lr"]] == [0] and [r["seed"] for r in study["rnn"]] == [0, 1]


def test_n90_is_the_training_reviews_90th_percentile_rounded_up():
    """Training lengths 1..10: numpy's linear percentile sits at rank 0.9 * 9 = 8.1 between
    the sorted lengths 9 and 10, so 9.1, rounded up to 10. The test reviews (length 50) do
    not count."""
    from types import SimpleNamespace

    tokens = [["x"] * n for n in range(1, 11)] + [["y"] * 50] * 5
    data = SimpleNamespace(tokens=tokens, train=np.arange(10), test=np.arange(10, 15))
    assert sentiment.n90(data) == 10
    data.train = np.arange(9)  # lengths 1..9: rank 7.2, 8.2, rounded up to 9
    assert sentiment.n90(data) == 9
    configs = sentiment.comparison_configs(7)
    assert configs["GRU, last 7"] == ("GRU", 7)
    assert configs["logistic regression, whole review"] == ("logistic", None)
