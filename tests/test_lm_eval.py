"""One evaluation for every language model: against literal loops over the positions of a text."""

import math

import numpy as np
import pytest

from llmbook import gpt, lm_eval
from llmbook.ngram import NGramModel
from llmbook.text import Vocabulary

CFG = gpt.GPTConfig(n_vocab=11, n_ctx=8, d_model=8, n_head=2, n_layer=1)


def _params(rng):
    params = gpt.init_params(CFG, seed=3)
    for _, a in gpt.tree_leaves(params):
        a += rng.normal(scale=0.3, size=a.shape)
    return params


def _nll(params, context, target):
    """-ln p(target | context) from one forward pass over exactly ``context``."""
    logits, _ = gpt.forward(params, CFG, np.asarray(context)[None])
    z = logits[0, -1]
    return math.log(np.exp(z - z.max()).sum()) + z.max() - z[target]


def test_stride_one_is_the_literal_loop_with_all_the_context_the_model_reads(rng):
    """Every target t = 1..L-1 predicted from ids[max(0, t - n_ctx) : t], one forward pass each.

    L = 37 tokens give 1 + 36 - 8 = 29 windows; batches of 4 leave a final batch of 1, so a
    version that weighted each batch as if it were full would fail here.
    """
    params = _params(rng)
    ids = rng.integers(0, CFG.n_vocab, size=37)
    ref = [_nll(params, ids[max(0, t - CFG.n_ctx) : t], ids[t]) for t in range(1, ids.size)]
    got = lm_eval.gpt_token_losses(params, CFG, ids, stride=1, batch_size=4)
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    assert gpt.evaluate(params, CFG, ids, stride=1) == pytest.approx(np.mean(ref), rel=1e-12)


@pytest.mark.parametrize("batch_size", [1, 3, 64])
def test_stride_four_gives_each_target_its_window_context(rng, batch_size):
    """Windows of 9 tokens start at 0, 4, 8, ..., the last one moved to end at L.

    By hand: target t is first covered by the window starting at
    s(t) = max(0, 4 * ceil((t - 8) / 4)), or by the last window [L - 9, L) if that start
    does not fit; its context is ids[s(t) : t].
    """
    params = _params(rng)
    L = 30  # windows start at 0, 4, ..., 20, then 21 (= L - 9)
    ids = rng.integers(0, CFG.n_vocab, size=L)
    ref = []
    for t in range(1, L):
        s = max(0, 4 * math.ceil((t - 8) / 4))
        if s + 9 > L:
            s = L - 9
        ref.append(_nll(params, ids[s:t], ids[t]))
    got = lm_eval.gpt_token_losses(params, CFG, ids, stride=4, batch_size=batch_size)
    np.testing.assert_allclose(got, ref, rtol=1e-10)


def test_separate_chunks_lose_context_at_every_cut(rng):
    """stride = n_ctx: each chunk starts without context (the method chapter 9 warns about)."""
    params = _params(rng)
    ids = rng.integers(0, CFG.n_vocab, size=19)  # windows [0, 9), [8, 17), [10, 19)
    got = lm_eval.gpt_token_losses(params, CFG, ids, stride=8, batch_size=2)
    assert got[8] == pytest.approx(_nll(params, ids[8:9], ids[9]), rel=1e-10)  # t = 9: 1 token
    assert got[16] == pytest.approx(_nll(params, ids[10:17], ids[17]), rel=1e-10)


def test_ngram_text_is_scored_from_the_second_character_with_full_history():
    text_train, text = "abcabcabdab", "cabxab"
    m = NGramModel(3, smoothing="kneser-ney").fit([text_train])
    losses, unknown = lm_eval.ngram_token_losses(m, text)
    ref = [-math.log(m.prob(text[:t], text[t])) for t in range(1, len(text))]
    np.testing.assert_allclose(losses, ref, rtol=1e-12)
    assert unknown.tolist() == [False, False, True, False, False]  # x is unknown


def test_ngram_sentences_are_chapter_1s_cross_entropy():
    train = ["我爱北京", "我爱你", "北京很大"]
    valid = ["我爱大", "你很北京"]
    m = NGramModel(2, smoothing="kneser-ney").fit(train)
    s = lm_eval.evaluate(m, valid)
    assert s.loss == pytest.approx(m.cross_entropy(valid), rel=1e-12)
    assert s.perplexity == pytest.approx(m.perplexity(valid), rel=1e-12)
    assert s.n_tokens == 3 + 1 + 4 + 1  # each sentence's characters and its end marker


def test_score_by_hand():
    # losses 1, 2, 3, 6; the last target unknown: loss 3, known loss 2, bits 3 / ln 2
    s = lm_eval.score([1.0, 2.0, 3.0, 6.0], [False, False, False, True])
    assert (s.loss, s.n_tokens, s.n_unknown, s.known_loss) == (3.0, 4, 1, 2.0)
    assert s.unknown_share == 0.25
    assert s.perplexity == pytest.approx(math.exp(3.0))
    assert s.bits == pytest.approx(3.0 / math.log(2))
    with pytest.raises(ValueError):
        lm_eval.score([], [])
    with pytest.raises(ValueError, match="NaN"):
        lm_eval.score([np.nan], [False])


def test_gpt_and_ngram_score_the_same_targets(rng):
    text = "abcab□cabba\ncab"
    tok = Vocabulary.of_characters(text + "□", min_count=1)
    cfg = gpt.GPTConfig(n_vocab=tok.vocab_size, n_ctx=4, d_model=8, n_head=2, n_layer=1)
    params = gpt.init_params(cfg, seed=0)
    g = lm_eval.evaluate((params, cfg), text, tokenizer=tok)
    n = lm_eval.evaluate(NGramModel(2, smoothing="kneser-ney").fit([text]), text, tokenizer=tok)
    assert g.n_tokens == n.n_tokens == len(text) - 1
    assert g.n_unknown == n.n_unknown == 1
    with pytest.raises(TypeError, match="tokenizer"):
        lm_eval.evaluate((params, cfg), text)
    with pytest.raises(TypeError):
        lm_eval.evaluate("not a model", text)
    with pytest.raises(ValueError):
        lm_eval.gpt_token_losses(params, cfg, np.array([1]))


@pytest.mark.parametrize("batch_size", [1, 2, 32])
def test_position_losses_is_the_literal_loop_over_windows(rng, batch_size):
    """L = 30 tokens and T = 8 give K = floor(29 / 8) = 3 windows starting at 0, 8, 16; the
    target at position t of window k is ids[8k + t + 1], from ids[8k : 8k + t + 1]."""
    params = _params(rng)
    ids = rng.integers(0, CFG.n_vocab, size=30)
    ref = [np.mean([_nll(params, ids[8 * k : 8 * k + t + 1], ids[8 * k + t + 1]) for k in range(3)])
           for t in range(8)]  # fmt: skip
    got = lm_eval.position_losses(params, CFG, ids, batch_size=batch_size)
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    with pytest.raises(ValueError, match="longer than n_ctx"):
        lm_eval.position_losses(params, CFG, ids[:8])
