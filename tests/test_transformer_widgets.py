"""The Part II explorers: frames and live values computed by the package, linked to their controls."""

import math

import numpy as np
import pytest

from llmbook import attention, gpt, plots, sampling, widgets
from llmbook.text import Vocabulary

PNG = b"\x89PNG"
LOGITS = np.log([0.5, 0.3, 0.15, 0.05])
TOKENS = ["国", "央", "心", "华"]


def test_next_token_and_attention_figures():
    q = np.array([0.1, 0.6, 0.3])
    fig = plots.next_token_figure(q, k=3)
    heights = [b.get_height() for b in fig.axes[0].patches]
    assert heights == [0.6, 0.3, 0.1]  # sorted, largest first
    fig2 = plots.attention_map_figure(np.eye(3))
    np.testing.assert_array_equal(fig2.axes[0].images[0].get_array(), np.eye(3))


def test_sampling_values_by_hand():
    # tau = 1 gives back p = (0.5, 0.3, 0.15, 0.05). Top-2 keeps 0.5 and 0.3, renormalised
    # by 0.8: (0.625, 0.375). Top-p 0.7 keeps the smallest prefix of mass >= 0.7, the same
    # two tokens. Entropy of (0.625, 0.375) = -(0.625 ln 0.625 + 0.375 ln 0.375).
    h2 = -(0.625 * math.log(0.625) + 0.375 * math.log(0.375))
    for kwargs in ({"top_k": 2}, {"top_p": 0.7}, {"top_k": 3, "top_p": 0.7}):
        r = widgets.sampling_values(LOGITS, temperature=1.0, **kwargs)
        np.testing.assert_allclose(r["q"], [0.625, 0.375, 0, 0], atol=1e-12)
        assert r["n_drawable"] == 2 and r["entropy"] == pytest.approx(h2, abs=1e-12)
    full = widgets.sampling_values(LOGITS)  # top_k 0 and top_p 1 are "off"
    np.testing.assert_allclose(full["q"], [0.5, 0.3, 0.15, 0.05], atol=1e-12)
    assert full["entropy"] == pytest.approx(-sum(p * math.log(p) for p in (0.5, 0.3, 0.15, 0.05)))
    # tau = 2 takes square roots before renormalising: q_i = sqrt(p_i) / sum_j sqrt(p_j)
    r = widgets.sampling_values(LOGITS, temperature=2.0)
    roots = np.sqrt([0.5, 0.3, 0.15, 0.05])
    np.testing.assert_allclose(r["q"], roots / roots.sum(), atol=1e-12)
    greedy = widgets.sampling_values(LOGITS, temperature=0.0)
    assert greedy["n_drawable"] == 1 and greedy["entropy"] == 0.0 and greedy["q"][0] == 1.0
    with pytest.raises(ValueError, match="temperature"):
        widgets.sampling_values(LOGITS, temperature=-1.0)
    with pytest.raises(ValueError, match="one distribution"):
        widgets.sampling_values(np.zeros((2, 4)))


def test_sampling_explorer_frames_follow_the_package():
    box = widgets.sampling_explorer(LOGITS, TOKENS, temperatures=(0.5, 1.0), top_k=2, top_p=0.7,
                                    k_shown=4).strip  # fmt: skip
    assert len(box.stacks) == 3 and all(len(s.children) == 2 for s in box.stacks)
    # the readout of the top-k frame at tau = 1 lists the package's probabilities
    readout = box.stacks[1].children[1].children[1].value
    q = sampling.next_token_distribution(LOGITS, temperature=1.0, top_k=2)
    assert f"{q[0]:.3f}" in readout and f"{q[1]:.3f}" in readout
    assert "tokens that can be drawn: 2" in readout
    image = box.stacks[0].children[0].children[0].value
    assert bytes(image).startswith(PNG)
    pairs = {(lk.source[0], lk.target[0]) for lk in box.links}
    assert all((box.slider, s) in pairs for s in box.stacks)


def test_sampling_explorer_live_part_redraws_from_the_package():
    live = widgets.sampling_explorer(LOGITS, TOKENS, kernel_free_strip=False).live
    assert live.result is not None  # drawn at once when it is the only part
    live.set(temperature=0.5, top_k=3)
    q = sampling.next_token_distribution(LOGITS, temperature=0.5, top_k=3)
    np.testing.assert_allclose(live.result["q"], q)
    heights = [b.get_height() for b in live.fig.axes[0].patches]
    np.testing.assert_allclose(heights, np.sort(q)[::-1])
    assert "top-k 3" in live.fig.axes[0].get_title()
    assert bytes(live.image.value).startswith(PNG)
    live.refresh(temperature=-1.0)  # refused: the message says why, the figure stays
    assert live.error is not None and "temperature" in live.message.value
    np.testing.assert_allclose(live.result["q"], q)


# A second prompt's distribution, p = (0.1, 0.2, 0.3, 0.4): the most likely token is the last.
OTHER = np.log([0.1, 0.2, 0.3, 0.4])
TABLE = {"中": LOGITS, "经\n": OTHER}


def test_sampling_values_picks_the_prompts_logits():
    r = widgets.sampling_values(TABLE, temperature=1.0, prompt="经\n")
    np.testing.assert_allclose(r["q"], [0.1, 0.2, 0.3, 0.4], atol=1e-12)
    np.testing.assert_array_equal(r["logits"], OTHER)
    assert r["prompt"] == "经\n"
    # top-p 0.6 on (0.1, 0.2, 0.3, 0.4): 0.4 alone holds less than 0.6, 0.4 + 0.3 = 0.7 is
    # enough, so the nucleus is {0.4, 0.3}, renormalised by 0.7.
    r = widgets.sampling_values(TABLE, top_p=0.6, prompt="经\n")
    np.testing.assert_allclose(r["q"], [0, 0, 3 / 7, 4 / 7], atol=1e-12)
    assert r["n_drawable"] == 2
    first = widgets.sampling_values(TABLE, top_p=0.6, prompt="中")
    np.testing.assert_allclose(first["q"], [0.625, 0.375, 0, 0], atol=1e-12)  # 0.5 + 0.3 >= 0.6
    with pytest.raises(ValueError, match="prompt must be one of"):
        widgets.sampling_values(TABLE, prompt="人")
    with pytest.raises(ValueError, match="from a table"):
        widgets.sampling_values(LOGITS, prompt="中")


def test_sampling_explorer_with_prompts_shows_each_prompts_distribution():
    ex = widgets.sampling_explorer(TABLE, TOKENS, temperatures=(0.5, 1.0), top_k=2, top_p=0.6,
                                   k_shown=4, title="the model")  # fmt: skip
    box = ex.strip
    # one row of buttons per prompt, one per truncation: 2 x 3 innermost stacks of 2 frames
    assert [t.description for t in box.toggles] == ["prompt", "truncation"]
    assert list(box.toggles[0].options) == ["中", "经↵"]  # the newline made visible
    assert len(box.stacks) == 6 and all(len(s.children) == 2 for s in box.stacks)
    # stacks in the order (prompt, truncation): the 5th is the second prompt with top-k 2;
    # its frame at tau = 1 lists that prompt's top two, 0.4 and 0.3 renormalised by 0.7
    readout = box.stacks[4].children[1].children[1].value
    assert "0.571" in readout and "0.429" in readout and "tokens that can be drawn: 2" in readout
    # the top-p frame of the first prompt at tau = 1: 0.5 and 0.3 renormalised by 0.8
    readout = box.stacks[2].children[1].children[1].value
    assert "0.625" in readout and "0.375" in readout
    live = ex.live
    live.set(prompt="经\n", temperature=1.0)
    np.testing.assert_allclose(live.result["q"], [0.1, 0.2, 0.3, 0.4], atol=1e-12)
    ax = live.fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["华", "心", "央", "国"]
    assert ax.get_title().startswith("after 经↵:")
    live.set(prompt="中")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["国", "央", "心", "华"]
    np.testing.assert_allclose([b.get_height() for b in ax.patches], [0.5, 0.3, 0.15, 0.05])
    with pytest.raises(ValueError, match="one entry per token"):
        widgets.sampling_explorer({"a": LOGITS, "b": np.zeros(3)}, TOKENS)
    with pytest.raises(ValueError, match="at least one prompt"):
        widgets.sampling_explorer({}, TOKENS)


def test_settings_figure_bars_and_table_are_the_same_numbers():
    settings = [{}, {"temperature": 2.0}, {"top_k": 2}, {"top_p": 0.9}, {"temperature": 0.0}]
    fig, rows = widgets.settings_figure(LOGITS, TOKENS, settings, k_shown=3)
    # By hand, from p = (0.5, 0.3, 0.15, 0.05): tau = 2 gives sqrt(p) / sum sqrt(p); top-2
    # gives (0.625, 0.375); top-p 0.9 keeps 0.5 + 0.3 + 0.15 = 0.95 >= 0.9 (three tokens),
    # renormalised by 0.95; tau = 0 puts everything on the first.
    roots = np.sqrt([0.5, 0.3, 0.15, 0.05]) / np.sqrt([0.5, 0.3, 0.15, 0.05]).sum()
    expected = [[0.5, 0.3, 0.15], list(roots[:3]), [0.625, 0.375, 0.0],
                [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95], [1.0, 0.0, 0.0]]  # fmt: skip
    assert len(fig.axes) == len(settings) == len(rows)
    for ax, bars, row in zip(fig.axes, expected, rows, strict=True):
        np.testing.assert_allclose([b.get_height() for b in ax.patches], bars, atol=1e-12)
        assert [t.get_text() for t in ax.get_xticklabels()] == ["国", "央", "心"]
        assert ax.get_title() == row[0]
        assert row[1] == pytest.approx(bars[0])  # p of the most likely token = the first bar
    assert [r[2] for r in rows] == [4, 4, 2, 3, 1]
    h = [
        -sum(p * math.log(p) for p in q if p > 0)
        for q in (
            [0.5, 0.3, 0.15, 0.05],
            roots,
            [0.625, 0.375],
            [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95],
        )
    ]
    np.testing.assert_allclose([r[3] for r in rows], [*h, 0.0], atol=1e-12)
    assert [r[0] for r in rows] == [
        "τ = 1, no truncation",
        "τ = 2, no truncation",
        "τ = 1, top-k 2",
        "τ = 1, top-p 0.9",
        "τ = 0, no truncation",
    ]
    with pytest.raises(ValueError, match="at least one setting"):
        widgets.settings_figure(LOGITS, TOKENS, [])


def _model(seed=3):
    tok = Vocabulary.of_characters("人民日报新年好中国")
    cfg = gpt.GPTConfig(n_vocab=tok.vocab_size, n_ctx=8, d_model=8, n_head=2, n_layer=2)
    params = gpt.init_params(cfg, seed=seed)
    rng = np.random.default_rng(0)
    for _, a in gpt.tree_leaves(params):  # away from the near-uniform initial weights
        a += rng.normal(scale=0.3, size=a.shape)
    return tok, cfg, params


def test_attention_maps_are_the_weights_the_model_uses():
    _, cfg, params = _model()
    ids = np.array([1, 5, 2, 7, 3])
    _, cache = gpt.forward(params, cfg, ids)
    maps = widgets.attention_maps(params, cfg, ids)
    for layer, a in enumerate(maps):
        np.testing.assert_allclose(a, cache["blocks"][layer]["attn"]["A"][0], atol=1e-12)
    hot = widgets.attention_maps(params, cfg, ids, temperature=0.5)
    assert not np.allclose(hot[0], maps[0])
    with pytest.raises(ValueError, match="mask"):
        widgets.attention_maps(params, cfg, ids, mask="future")


def test_the_causal_map_is_the_unmasked_map_renormalised_over_the_past():
    # Masking sets the scores of keys j > i to -inf, so the causal weights of row i are the
    # unmasked weights exp(s_ij) / sum_j' exp(s_ij'), kept for j <= i and divided by their sum.
    _, cfg, params = _model()
    ids = np.array([2, 4, 1, 6, 3, 5])
    for tau in (0.5, 1.0):
        full = widgets.attention_maps(params, cfg, ids, temperature=tau, mask="none")
        causal = widgets.attention_maps(params, cfg, ids, temperature=tau, mask="causal")
        lower = attention.causal_mask(ids.size)
        for f, c in zip(full, causal, strict=True):
            np.testing.assert_allclose(f.sum(-1), 1.0, atol=1e-12)
            assert np.all(f[:, ~lower] > 0)  # without the mask the future gets weight
            assert np.all(c[:, ~lower] == 0)
            kept = np.where(lower, f, 0.0)
            np.testing.assert_allclose(c, kept / kept.sum(-1, keepdims=True), atol=1e-12)


def test_attention_values_and_their_errors():
    tok, cfg, params = _model()
    r = widgets.attention_values(params, cfg, tok, "人民日报", block=2, head=1, mask="none")
    assert r["tokens"] == list("人民日报") and r["A"].shape == (4, 4)
    ids = tok.encode("人民日报")
    np.testing.assert_array_equal(
        r["A"], widgets.attention_maps(params, cfg, ids, mask="none")[1][0]
    )
    assert widgets.attention_values(params, cfg, tok, "人x")["tokens"] == ["人", tok.unk]
    with pytest.raises(ValueError, match="empty"):
        widgets.attention_values(params, cfg, tok, "")
    with pytest.raises(ValueError, match="at most 8"):
        widgets.attention_values(params, cfg, tok, "人民日报新年好中国")
    with pytest.raises(ValueError, match="head"):
        widgets.attention_values(params, cfg, tok, "人民", head=3)


def test_attention_explorer_strip_has_a_frame_per_head_mask_and_temperature():
    tok, cfg, params = _model()
    box = widgets.attention_explorer(params, cfg, tok, ["人民日报", "新年"],
                                     temperatures=(0.5, 1.0)).strip  # fmt: skip
    assert [t.description for t in box.toggles] == ["sentence", "mask", "softmax τ"]
    assert list(box.toggles[1].options) == ["causal", "none"]
    assert box.toggles[2].index == 1  # opens at the model's own temperature
    assert len(box.stacks) == 2 * 2 * 2
    assert all(len(s.children) == cfg.n_layer * cfg.n_head for s in box.stacks)
    assert "0:人" in box.stacks[0].children[0].children[1].value
    # sentence 1, mask "none", tau 1: a different picture from the causal one
    causal, none = box.stacks[1].children[0], box.stacks[3].children[0]
    assert bytes(causal.children[0].value) != bytes(none.children[0].value)


def test_attention_explorer_live_part_takes_any_sentence():
    tok, cfg, params = _model()
    live = widgets.attention_explorer(params, cfg, tok, ["人民日报"], kernel_free_strip=False).live
    live.set(sentence="新年好中国", block=2, head=2, mask="none")
    expected = widgets.attention_maps(params, cfg, tok.encode("新年好中国"), mask="none")[1][1]
    np.testing.assert_array_equal(live.result["A"], expected)
    image = live.fig.axes[0].images[0]
    np.testing.assert_array_equal(image.get_array(), expected)
    assert image.get_extent() == [-0.5, 4.5, 4.5, -0.5]
    assert "4:国" in live.readout.value and "none mask" in live.fig.axes[0].get_title()
    live.set(sentence="")
    assert "empty" in live.message.value
    np.testing.assert_array_equal(live.result["A"], expected)
