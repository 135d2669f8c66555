"""Beam search against a brute-force search over every continuation, cached against uncached
beams, and the repetition measures on hand-counted texts."""

import itertools

import numpy as np
import pytest

import llmbook  # noqa: F401
from llmbook import decoding, gpt, sampling
from llmbook.kernels import log_softmax

CFG = gpt.GPTConfig(n_vocab=3, n_ctx=6, d_model=8, n_head=2, n_layer=2)


def _random_params(rng, cfg=CFG):
    params = gpt.init_params(cfg, seed=1)
    for _, a in gpt.tree_leaves(params):
        a += rng.normal(scale=0.5, size=a.shape)
    return params


def _log_prob(params, prompt, cont):
    """S(y) = sum_t log p(y_t | x, y_<t), each term from a separate full forward pass."""
    seq = list(prompt)
    total = 0.0
    for tok in cont:
        logits, _ = gpt.forward(params, CFG, np.array([seq]))
        total += float(log_softmax(logits[0, -1])[tok])
        seq.append(tok)
    return total


def test_wide_beam_equals_brute_force(rng):
    # With K >= V^(n-1) no partial continuation is ever dropped, so the K beams must be the
    # K most probable of all V^n = 27 continuations, in that order.
    params = _random_params(rng)
    prompt = np.array([0, 2])
    n, K = 3, 9
    every = {c: _log_prob(params, prompt, c) for c in itertools.product(range(3), repeat=n)}
    best = sorted(every, key=lambda c: -every[c])[:K]
    beams = decoding.beam_search(params, CFG, prompt, n, beam_width=K)
    assert [tuple(b.ids[2:]) for b in beams] == best
    np.testing.assert_allclose([b.log_prob for b in beams], [every[c] for c in best], atol=1e-10)
    np.testing.assert_array_equal(beams[0].ids[:2], prompt)


def test_wide_beam_with_end_token_and_length_normalisation_equals_brute_force(rng):
    # Token 2 ends a continuation. Every candidate: [2], [a, 2], [a, b, c] with a, b in
    # {0, 1} and c in {0, 1, 2}: 1 + 2 + 12 = 15 of them, ranked by S / len^alpha. At most
    # 4 x 3 = 12 extensions exist at any step, so a beam of 16 drops none.
    params = _random_params(rng)
    prompt = np.array([1])
    eos, n = 2, 3
    cands = [(2,)] + [(a, 2) for a in (0, 1)]
    cands += [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1, 2)]
    assert len(cands) == 15
    for alpha in (0.0, 1.0):
        score = {c: _log_prob(params, prompt, c) / len(c) ** alpha for c in cands}
        best = sorted(cands, key=lambda c: -score[c])[:4]
        beams = decoding.beam_search(
            params, CFG, prompt, n, beam_width=16, length_alpha=alpha, eos=eos
        )[:4]
        assert [tuple(b.ids[1:]) for b in beams] == best
        np.testing.assert_allclose([b.score for b in beams], [score[c] for c in best], atol=1e-10)


def test_raw_sum_prefers_the_shortest_ending():
    # alpha = 0 with an end token: S only falls with length. With a flat model (all logits
    # equal: zero weights) every token has log-probability -log 3, so [eos] alone scores
    # -log 3 and beats every longer continuation; alpha = 1 makes all lengths tie at -log 3.
    params = gpt.init_params(CFG, seed=0)
    for _, a in gpt.tree_leaves(params):
        a[...] = 0.0
    beams = decoding.beam_search(params, CFG, np.array([0]), 3, beam_width=3, eos=2)
    assert tuple(beams[0].ids[1:]) == (2,)
    assert beams[0].log_prob == pytest.approx(-np.log(3))
    normed = decoding.beam_search(params, CFG, np.array([0]), 3, 3, eos=2, length_alpha=1.0)
    np.testing.assert_allclose([b.score for b in normed], -np.log(3))


def test_width_one_is_greedy(rng):
    params = _random_params(rng)
    prompt = np.array([2, 1])
    beam = decoding.beam_search(params, CFG, prompt, 4, beam_width=1)
    np.testing.assert_array_equal(beam[0].ids, gpt.generate(params, CFG, prompt, 4, temperature=0))


@pytest.mark.parametrize("kw", [dict(beam_width=3), dict(beam_width=5, eos=1, length_alpha=0.7)])
def test_kv_cache_gives_identical_beams(rng, kw):
    params = _random_params(rng)
    prompt = np.array([0, 1])
    # 2 + 7 = 9 tokens: past n_ctx = 6, so the fallback beyond the context is exercised too
    a = decoding.beam_search(params, CFG, prompt, 7, use_cache=True, **kw)
    b = decoding.beam_search(params, CFG, prompt, 7, use_cache=False, **kw)
    assert len(a) == len(b) > 0
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.ids, y.ids)
        assert x.log_prob == pytest.approx(y.log_prob, abs=1e-10)


def test_kv_cache_gives_identical_beams_in_float32_past_the_context(rng):
    # The trained model of chapter 15 runs in float32 with a vocabulary of thousands: a
    # float32 model with more tokens than the beams, cached against uncached, beyond n_ctx.
    cfg = gpt.GPTConfig(n_vocab=40, n_ctx=8, d_model=16, n_head=2, n_layer=2)
    params = gpt.init_params(cfg, seed=2, dtype=np.float32)
    for _, a in gpt.tree_leaves(params):
        a += rng.normal(scale=0.3, size=a.shape).astype(np.float32)
    prompt = np.array([3, 17, 5])
    a = decoding.beam_search(params, cfg, prompt, 12, beam_width=4, use_cache=True)
    b = decoding.beam_search(params, cfg, prompt, 12, beam_width=4, use_cache=False)
    assert len(a) == len(b) == 4
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.ids, y.ids)
        assert x.log_prob == pytest.approx(y.log_prob, abs=1e-4)


def test_next_token_logits_are_what_generate_draws_from(rng):
    params = _random_params(rng)
    prompt = np.array([2, 0, 1])
    z = decoding.next_token_logits(params, CFG, prompt)
    assert z.shape == (CFG.n_vocab,) and z.dtype == np.float64
    # the same logits through the other path: the KV cache, filled by the whole prompt
    kvs = [{} for _ in params["blocks"]]
    np.testing.assert_allclose(z, gpt.logits_with_cache(params, CFG, prompt[None], kvs, 0)[0],
                               atol=1e-12)  # fmt: skip
    # greedy decoding's first token is their argmax; a sampled first token is the draw, with
    # the same seed, from next_token_distribution of these logits
    assert gpt.generate(params, CFG, prompt, 1, temperature=0)[-1] == np.argmax(z)
    for seed in range(5):
        q = sampling.next_token_distribution(z, temperature=0.8, top_k=2)
        mine = sampling.sample(q, np.random.default_rng(seed))
        theirs = gpt.generate(params, CFG, prompt, 1, temperature=0.8, top_k=2, seed=seed)[-1]
        assert mine == theirs
    with pytest.raises(ValueError, match="one sequence"):
        decoding.next_token_logits(params, CFG, np.array([[0, 1]]))
    with pytest.raises(ValueError, match="token ids"):
        decoding.next_token_logits(params, CFG, np.array([0, 7]))
    with pytest.raises(ValueError, match="at most 6"):
        decoding.next_token_logits(params, CFG, np.zeros(7, dtype=int))


def test_beam_search_rejects_bad_input(rng):
    params = _random_params(rng)
    with pytest.raises(ValueError, match="one sequence"):
        decoding.beam_search(params, CFG, np.array([[0, 1]]), 2)
    with pytest.raises(ValueError, match="beam_width"):
        decoding.beam_search(params, CFG, np.array([0]), 2, beam_width=0)
    with pytest.raises(ValueError, match="n_new"):
        decoding.beam_search(params, CFG, np.array([0]), 0)
    with pytest.raises(ValueError, match="length_alpha"):
        decoding.beam_search(params, CFG, np.array([0]), 2, length_alpha=-1)
    with pytest.raises(ValueError, match="eos"):
        decoding.beam_search(params, CFG, np.array([0]), 2, eos=3)
    with pytest.raises(ValueError, match="token ids"):
        decoding.beam_search(params, CFG, np.array([5]), 2)


def test_repetition_measures_by_hand():
    # "abcabcabc": 7 trigrams abc bca cab abc bca cab abc, 3 different -> distinct 3/7,
    # and the 4 from position 3 on repeat earlier ones -> repeated share 4/7.
    assert decoding.distinct_n("abcabcabc", 3) == pytest.approx(3 / 7)
    assert decoding.repeated_ngram_share("abcabcabc", 3) == pytest.approx(4 / 7)
    # "aaaaaa": 5 bigrams, all "aa".
    assert decoding.distinct_n("aaaaaa", 2) == pytest.approx(1 / 5)
    # One 4-gram: nothing repeats.
    assert decoding.repeated_ngram_share("abcd", 4) == 0.0
    # Chapter 15's loop: a cycle of 6 characters twice, 12 characters, 9 four-grams; the
    # first 6 (one per offset in the cycle) are new, the last 3 repeat -> 3/9.
    assert decoding.repeated_ngram_share("一个人民族的一个人民族的", 4) == pytest.approx(1 / 3)
    # Token ids work as well as characters.
    assert decoding.distinct_n(np.array([5, 6, 5, 6]), 2) == pytest.approx(2 / 3)
    assert decoding.ngrams([1, 2, 3], 2) == [(1, 2), (2, 3)]


def test_repetition_measures_reject_bad_input():
    with pytest.raises(ValueError, match="no 4-grams"):
        decoding.distinct_n("abc", 4)
    with pytest.raises(ValueError, match="n"):
        decoding.ngrams("abc", 0)


def test_compare_decoders_counts_runs_and_measures_each(rng):
    params = _random_params(rng)
    prompts = [np.array([0]), np.array([1, 2])]
    methods = {
        "greedy": dict(temperature=0),
        "top-k": dict(temperature=1.0, top_k=2),
        "beam": dict(beam_width=2),
    }
    rows, texts = decoding.compare_decoders(params, CFG, prompts, 4, methods, seeds=[0, 1, 2])
    assert [r.method for r in rows] == list(methods)
    assert [r.runs for r in rows] == [2, 6, 2]  # deterministic: once per prompt
    # The greedy row from the measures of gpt.generate's own output:
    greedy = [gpt.generate(params, CFG, p, 4, temperature=0) for p in prompts]
    rep = [decoding.repeated_ngram_share(g[-4:], 4) for g in greedy]
    assert rows[0].repeated_4gram_mean == pytest.approx(np.mean(rep))
    dis = [decoding.distinct_n(g[-4:], 2) for g in greedy]
    assert rows[0].distinct_2_std == pytest.approx(np.std(dis))
    lp = [_log_prob(params, g[:-4], g[-4:]) / 4 for g in greedy]
    assert rows[0].mean_log_prob == pytest.approx(np.mean(lp), abs=1e-10)
    # the sampled runs: one per prompt and seed, reproducible
    again, texts2 = decoding.compare_decoders(params, CFG, prompts, 4, methods, seeds=[0, 1, 2])
    assert again == rows
    assert all(np.array_equal(a, b) for a, b in zip(texts["top-k"], texts2["top-k"], strict=True))
    with pytest.raises(ValueError, match="fit in n_ctx"):
        decoding.compare_decoders(params, CFG, prompts, 5, methods)
    with pytest.raises(ValueError, match="at least 4"):
        decoding.compare_decoders(params, CFG, prompts, 3, methods)
