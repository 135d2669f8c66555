"""The chapter-15 experiment: data split, baselines, and the on-disk cache of a trained model."""

import dataclasses
import json

import numpy as np
import pytest

import llmbook.corpus
import llmbook.splits
from llmbook import gpt, tiny_gpt


def test_prepare_splits_without_overlap():
    data = tiny_gpt.prepare(n_train_lines=50, n_val_lines=20, min_count=2)
    assert data.train_text.count("\n") == 49 and data.val_text.count("\n") == 19
    lines = llmbook.corpus.peoples_daily_sentences()
    train, valid = llmbook.splits.train_test_split(lines, test_fraction=0.1, seed=0)
    # chapter 1's split; rare characters read as the unknown character
    tok = data.tokenizer
    assert data.train_text.split("\n")[0] == tok.decode(tok.encode(train[0]))
    assert data.val_text.split("\n")[0] == tok.decode(tok.encode(valid[0]))
    assert data.tokenizer.decode(data.train_ids) == data.train_text
    assert data.val_ids.max() < data.tokenizer.vocab_size


def test_baselines_order():
    data = tiny_gpt.prepare(n_train_lines=300, n_val_lines=50, min_count=2)
    b = tiny_gpt.baselines(data)
    # a bigram model uses one character of context, so it must beat the unigram model,
    # and both must beat a uniform guess over the vocabulary
    assert b["bigram"].loss < b["unigram"].loss < np.log(data.tokenizer.vocab_size + 2)


def test_cache_round_trip(tmp_path):
    data = tiny_gpt.prepare(n_train_lines=40, n_val_lines=10, min_count=3)
    small = dict(steps=3, d_model=8, n_head=2, n_layer=1, n_ctx=8, eval_every=2)
    cfg, res = tiny_gpt.trained(data, small, cache=tmp_path)
    files = list(tmp_path.glob("tiny_gpt_*.npz"))
    assert len(files) == 1
    cfg2, res2 = tiny_gpt.trained(data, small, cache=tmp_path)
    assert cfg2 == cfg and res2.val_loss == res.val_loss and res2.seconds == res.seconds
    for (p1, a1), (p2, a2) in zip(
        gpt.tree_leaves(res.params), gpt.tree_leaves(res2.params), strict=True
    ):
        assert p1 == p2
        np.testing.assert_array_equal(a1, a2)


def test_cache_dir_finds_the_book(tmp_path):
    (tmp_path / "_toc.yml").write_text("root: x\n")
    (tmp_path / "chapters").mkdir()
    assert tiny_gpt.cache_dir(tmp_path / "chapters") == tmp_path / "_build" / "llmbook-cache"


def test_settings_are_typed_and_a_mistyped_name_is_refused(tmp_path):
    s = dataclasses.replace(tiny_gpt.DEFAULTS, steps=300)
    assert s.steps == 300 and s.d_model == tiny_gpt.DEFAULTS.d_model
    with pytest.raises(TypeError, match="stpes"):
        dataclasses.replace(tiny_gpt.DEFAULTS, stpes=300)
    data = tiny_gpt.prepare(n_train_lines=40, n_val_lines=10, min_count=3)
    with pytest.raises(TypeError, match="d_modle"):
        tiny_gpt.trained(data, {"d_modle": 8}, cache=tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        tiny_gpt.DEFAULTS.steps = 1  # type: ignore[misc]
    with pytest.raises(ValueError, match="steps"):
        tiny_gpt.Settings(steps=0)
    with pytest.raises(ValueError, match="final_lr"):
        tiny_gpt.Settings(final_lr=0.0)


def test_the_plotted_validation_curve_ends_at_the_tables_figure(tmp_path):
    """The last point of the figure's validation curve is lm_eval.evaluate on the whole
    validation text with the final weights: the number in the chapter's table."""
    from llmbook import lm_eval, plots

    data = tiny_gpt.prepare(n_train_lines=40, n_val_lines=10, min_count=3)
    small = dict(steps=5, d_model=8, n_head=2, n_layer=1, n_ctx=8, eval_every=2)
    cfg, res = tiny_gpt.trained(data, small, cache=tmp_path)
    steps, val = plots.training_curves(res)["validation"]
    table = lm_eval.evaluate((res.params, cfg), data.val_text, tokenizer=data.tokenizer)
    assert steps[-1] == 5 and steps == [2, 4, 5]
    assert round(val[-1], 3) == round(table.loss, 3)
    assert len(plots.training_curves(res)["training sample"][1]) == 3
    fig = plots.loss_curves(res, {"bigram": table}, pyplot=False)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "validation text (evaluation)" in labels and "bigram, validation" in labels


def test_a_record_is_written_and_read_back(tmp_path, monkeypatch):
    small = dict(n_train_lines=40, n_val_lines=10, min_count=3, steps=4, d_model=8, n_head=2,
                 n_layer=1, n_ctx=8, eval_every=2)  # fmt: skip
    monkeypatch.setitem(tiny_gpt.RUNS, "tiny", small)
    rec = tiny_gpt.record("tiny", folder=tmp_path, cache=tmp_path)
    assert (tmp_path / "tiny.json").is_file()
    assert tiny_gpt.recorded(tmp_path) == {"tiny": rec}
    data = tiny_gpt.prepare(n_train_lines=40, n_val_lines=10, min_count=3)
    _, res = tiny_gpt.trained(data, tiny_gpt.settings_of("tiny"), cache=tmp_path)
    assert rec["eval_steps"] == [2, 4] and rec["validation"] == res.val_loss
    assert rec["first_losses"] == res.train_loss[: tiny_gpt.N_FIRST]
    assert rec["n_params"] == gpt.n_params(res.params)
    with pytest.raises(KeyError, match="unknown run"):
        tiny_gpt.settings_of("nope")


def _recorded_shapes():
    """The shipped records, one per distinct start of training (data, model, seed, optimiser)."""
    seen, out = set(), []
    for name, rec in tiny_gpt.recorded().items():
        s = dict(rec["settings"])
        key = json.dumps({k: v for k, v in s.items() if k not in ("steps", "eval_every")})
        if key not in seen:
            seen.add(key)
            out.append(pytest.param(rec, id=name))
    return out


@pytest.mark.parametrize("rec", _recorded_shapes())
def test_a_short_retrain_follows_the_recorded_losses(rec):
    """Each shipped record comes from this code: retraining its first steps gives its first
    batch losses. During the warm-up the learning rate, lr * t / warmup, does not depend on
    the total number of steps, so a run of N_FIRST steps matches the long run's start."""
    s = tiny_gpt.Settings(**rec["settings"])
    assert s.warmup >= tiny_gpt.N_FIRST
    data = tiny_gpt.prepare(s.n_train_lines, s.n_val_lines, s.min_count)
    assert len(data.train_ids) == rec["train_chars"]
    short = dataclasses.replace(s, steps=tiny_gpt.N_FIRST, eval_every=tiny_gpt.N_FIRST,
                                n_val_lines=1)  # fmt: skip
    data_short = tiny_gpt.prepare(s.n_train_lines, 1, s.min_count)
    _, res = tiny_gpt.trained(data_short, short, cache=False)
    np.testing.assert_allclose(res.train_loss, rec["first_losses"], rtol=2e-4)
    assert rec["n_params"] == gpt.n_params(res.params)
