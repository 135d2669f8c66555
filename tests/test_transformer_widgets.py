"""The Part II explorers: frames computed by the package, linked to their controls."""

import numpy as np

from llmbook import gpt, plots, sampling, widgets
from llmbook.tokenizers import CharTokenizer

PNG = b"\x89PNG"


def test_next_token_and_attention_figures():
    q = np.array([0.1, 0.6, 0.3])
    fig = plots.next_token_figure(q, k=3)
    heights = [b.get_height() for b in fig.axes[0].patches]
    assert heights == [0.6, 0.3, 0.1]  # sorted, largest first
    fig2 = plots.attention_map_figure(np.eye(3))
    np.testing.assert_array_equal(fig2.axes[0].images[0].get_array(), np.eye(3))


def test_sampling_explorer_frames_follow_the_package():
    logits = np.log([0.5, 0.3, 0.15, 0.05])
    tokens = ["国", "央", "心", "华"]
    box = widgets.sampling_explorer(logits, tokens, temperatures=(0.5, 1.0), top_k=2, top_p=0.7,
                                    k_shown=4)  # fmt: skip
    assert len(box.stacks) == 3 and all(len(s.children) == 2 for s in box.stacks)
    # the readout of the top-k frame at tau = 1 lists the package's probabilities
    readout = box.stacks[1].children[1].children[1].value
    q = sampling.next_token_distribution(logits, temperature=1.0, top_k=2)
    assert f"{q[0]:.3f}" in readout and f"{q[1]:.3f}" in readout
    assert "tokens that can be drawn: 2" in readout
    image = box.stacks[0].children[0].children[0].value
    assert bytes(image).startswith(PNG)
    pairs = {(lk.source[0], lk.target[0]) for lk in box.links}
    assert all((box.slider, s) in pairs for s in box.stacks)


def test_attention_explorer_has_one_frame_per_head():
    tok = CharTokenizer("人民日报新年")
    cfg = gpt.GPTConfig(n_vocab=tok.vocab_size, n_ctx=8, d_model=8, n_head=2, n_layer=2)
    params = gpt.init_params(cfg, seed=0)
    box = widgets.attention_explorer(params, cfg, tok, ["人民日报", "新年"], temperatures=(1.0,))
    assert len(box.stacks) == 2
    assert all(len(s.children) == cfg.n_layer * cfg.n_head for s in box.stacks)
    assert "0:人" in box.stacks[0].children[0].children[1].value


def test_attention_maps_are_the_weights_the_model_uses():
    cfg = gpt.GPTConfig(n_vocab=11, n_ctx=6, d_model=8, n_head=2, n_layer=2)
    params = gpt.init_params(cfg, seed=3)
    for _, a in gpt.tree_leaves(params):
        a += np.random.default_rng(0).normal(scale=0.3, size=a.shape)
    ids = np.array([1, 5, 2, 7, 3])
    _, cache = gpt.forward(params, cfg, ids)
    maps = widgets.attention_maps(params, cfg, ids)
    for layer, a in enumerate(maps):
        np.testing.assert_allclose(a, cache["blocks"][layer]["attn"]["A"][0], atol=1e-12)
    hot = widgets.attention_maps(params, cfg, ids, temperature=0.5)
    assert not np.allclose(hot[0], maps[0])
