"""Figures about tokens label their axes with the tokens, and draw them without a warning.

Each test reads the tick labels back from the Figure and compares them with the tokens it
was given (in the order of the plotted values), then draws the figure with the Agg
renderer under ``warnings.simplefilter("error")``: a character missing from every font
("Glyph ... missing from font(s)") would fail the test.
"""

import warnings

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from llmbook import gpt, plots, widgets
from llmbook.text import Vocabulary


def _draw_without_warning(fig):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FigureCanvasAgg(fig).draw()


def _ticks(labels):
    return [t.get_text() for t in labels]


def test_token_label_makes_whitespace_visible():
    assert [plots.token_label(t) for t in ["国", " ", "\n", "\t", "□", "中国", ""]] == [
        "国", "␣", "↵", "⇥", "□", "中国", "∅",
    ]  # fmt: skip
    label = plots.token_label(np.str_("人"))
    assert label == "人" and type(label) is str


def test_next_token_bars_are_labelled_with_their_tokens():
    tokens = ["国", "央", " ", "\n", "心"]
    q = np.array([0.1, 0.4, 0.05, 0.3, 0.15])
    fig = plots.next_token_figure(q, k=4, tokens=tokens, pyplot=False)
    ax = fig.axes[0]
    # by hand: q sorted down is 0.4 (央), 0.3 (newline), 0.15 (心), 0.1 (国)
    assert [b.get_height() for b in ax.patches] == [0.4, 0.3, 0.15, 0.1]
    assert _ticks(ax.get_xticklabels()) == ["央", "↵", "心", "国"]
    _draw_without_warning(fig)
    plots.update_next_token(fig, [0.5, 0.1, 0.2, 0.05, 0.15], "t", tokens=tokens)
    assert _ticks(ax.get_xticklabels()) == ["国", "␣", "心", "央"]
    assert [b.get_height() for b in ax.patches] == [0.5, 0.2, 0.15, 0.1]
    _draw_without_warning(fig)
    # q reversed is (0.15, 0.3, 0.05, 0.4, 0.1): its two largest are 0.4 (index 3, newline)
    # and 0.3 (index 1, 央)
    panels = plots.next_token_figure(np.array([q, q[::-1]]), k=2, tokens=tokens, pyplot=False)
    assert [_ticks(a.get_xticklabels()) for a in panels.axes] == [["央", "↵"], ["↵", "央"]]
    _draw_without_warning(panels)
    with pytest.raises(ValueError, match="tokens"):
        plots.next_token_figure(q, tokens=tokens[:2])


def test_attention_map_axes_are_the_tokens():
    tokens = ["人", "民", " ", "日", "\n", "□"]
    A = np.tril(np.ones((6, 6)))
    A /= A.sum(1, keepdims=True)
    fig = plots.attention_map_figure(np.array([A, A]), labels=tokens, pyplot=False)
    for ax in fig.axes:
        assert _ticks(ax.get_xticklabels()) == ["人", "民", "␣", "日", "↵", "□"]
        assert _ticks(ax.get_yticklabels()) == ["人", "民", "␣", "日", "↵", "□"]
    _draw_without_warning(fig)


def _tiny_gpt():
    tok = Vocabulary.of_characters("人民日报中国经济 \n")
    cfg = gpt.GPTConfig(n_vocab=len(tok), n_ctx=16, d_model=16, n_head=2, n_layer=2)
    return gpt.init_params(cfg, seed=0), cfg, tok


def test_attention_explorer_labels_live_and_precomputed_maps_with_characters():
    params, cfg, tok = _tiny_gpt()
    ex = widgets.attention_explorer(params, cfg, tok, ["人民日报"], temperatures=(1.0,),
                                    masks=("causal",), kernel_free_strip=False)  # fmt: skip
    ax = ex.live.fig.axes[0]
    assert _ticks(ax.get_xticklabels()) == list("人民日报")
    _draw_without_warning(ex.live.fig)
    ex.live.set(sentence="中国 经济\n")
    assert _ticks(ax.get_xticklabels()) == ["中", "国", "␣", "经", "济", "↵"]
    assert _ticks(ax.get_yticklabels()) == ["中", "国", "␣", "经", "济", "↵"]
    _draw_without_warning(ex.live.fig)
    # the strip's frames are drawn by the same function, from the same values
    r = widgets.attention_values(params, cfg, tok, "人民日报", block=2, head=1)
    fig = widgets.attention._attention_draw(None, r)
    assert _ticks(fig.axes[0].get_xticklabels()) == list("人民日报")


def test_sampling_explorer_bars_are_the_tokens():
    tokens = ["国", "央", "心", "华", "\n"]
    logits = np.log([0.1, 0.3, 0.15, 0.05, 0.4])
    ex = widgets.sampling_explorer(logits, tokens, k_shown=3, kernel_free_strip=False)
    ax = ex.live.fig.axes[0]
    assert _ticks(ax.get_xticklabels()) == ["↵", "央", "心"]
    _draw_without_warning(ex.live.fig)
    ex.live.set(temperature=0.0)  # greedy: only the newline keeps its mass; the rest tie at 0
    assert [b.get_height() for b in ax.patches] == [1.0, 0.0, 0.0]
    # the tokens set to 0 stay in the order of their logits (0.3 央, then 0.15 心)
    assert _ticks(ax.get_xticklabels()) == ["↵", "央", "心"]
    assert ex.live.readout.value.index("央") < ex.live.readout.value.index("心")
    _draw_without_warning(ex.live.fig)
    ex.live.set(temperature=1.0, top_k=1)
    assert _ticks(ax.get_xticklabels()) == ["↵", "央", "心"]


def test_rank_tokens_breaks_ties_by_the_given_scores():
    q = np.array([0.0, 0.5, 0.0, 0.5, 0.0])
    np.testing.assert_array_equal(plots.rank_tokens(q), [1, 3, 0, 2, 4])  # ties by index
    np.testing.assert_array_equal(plots.rank_tokens(q, [1, 0, 3, 2, 2]), [3, 1, 2, 4, 0])
