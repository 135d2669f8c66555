"""The explorers' figures are standalone; the attention and next-token figures draw the given numbers."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from llmbook import plots, widgets


def test_explorers_leave_no_figure_with_pyplot():
    plt.close("all")
    ex = widgets.neuron_explorer()
    ex.live.refresh()
    widgets.learning_rate_explorer(kernel_free_strip=False)
    assert plt.get_fignums() == []
    assert isinstance(ex.live.fig, Figure)


def test_frames_draw_every_frame_on_one_figure():
    made = []

    def draw(fig, r):
        if fig is None:
            fig = Figure()
            made.append(fig)
        fig.value = r
        return fig

    render = widgets.frames(lambda a, b=0: a + b, draw, readout=lambda r: f"<p>{r}</p>")
    fig1, text1 = render(1, b=2)
    fig2, text2 = render(5)
    assert fig1 is fig2 and len(made) == 1 and fig2.value == 5
    assert (text1, text2) == ("<p>3</p>", "<p>5</p>")


def test_attention_maps_side_by_side_with_token_labels():
    rng = np.random.default_rng(0)
    A = rng.dirichlet(np.ones(4), size=(3, 4))  # [3 maps, 4 queries, 4 keys]
    fig = plots.attention_map_figure(A, titles=["a", "b", "c"], labels=list("wxyz"),
                                     cmap=["Greys", "viridis", "viridis"])  # fmt: skip
    assert len(fig.axes) == 3
    for ax, a, title in zip(fig.axes, A, "abc", strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), a)
        assert ax.get_title() == title
        assert [t.get_text() for t in ax.get_xticklabels()] == list("wxyz")
    assert fig.axes[0].images[0].get_cmap().name == "Greys"
    assert fig.axes[0].get_ylabel() == "query position" and fig.axes[1].get_ylabel() == ""
    with pytest.raises(ValueError, match="labels"):
        plots.attention_map_figure(A[0], labels=["w"])
    with pytest.raises(ValueError, match="titles"):
        plots.attention_map_figure(A, titles=["a"])
    plt.close("all")


def test_update_attention_map_takes_a_new_size_and_labels():
    fig = plots.attention_map_figure(np.eye(3), pyplot=False)
    new = np.full((2, 2), 0.5)
    plots.update_attention_map(fig, new, "t", labels=["p", "q"])
    image = fig.axes[0].images[0]
    np.testing.assert_array_equal(image.get_array(), new)
    assert image.get_extent() == [-0.5, 1.5, 1.5, -0.5]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["p", "q"]


def test_next_token_panels_each_sorted():
    q = np.array([[0.1, 0.6, 0.3], [0.5, 0.0, 0.5]])
    fig = plots.next_token_figure(q, k=2, title=["one", "two"], pyplot=False)
    heights = [[b.get_height() for b in ax.patches] for ax in fig.axes]
    assert heights == [[0.6, 0.3], [0.5, 0.5]]
    assert [ax.get_title() for ax in fig.axes] == ["one", "two"]
