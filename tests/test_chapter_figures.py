"""The chapters' figures draw exactly the numbers they are given (llmbook.plots)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from llmbook import plots, positional


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_line_figure_plots_each_series_and_reference_line():
    x = np.array([1, 2, 4])
    fig = plots.line_figure(
        {"a": (x, [3.0, 2.0, 1.0]), "b": [5.0, 6.0]},
        hlines={"ref": (1.5, {"color": "C3", "ls": "--"})},
        styles={"a": "o-", "b": {"fmt": "s-", "ms": 3}},
        yscale="log",
        ylim=(0.5, 10),
        xticks=x,
    )
    (ax,) = fig.axes
    a, b, ref = ax.lines
    np.testing.assert_array_equal(a.get_xdata(), x)
    np.testing.assert_array_equal(a.get_ydata(), [3.0, 2.0, 1.0])
    np.testing.assert_array_equal(b.get_xdata(), [0, 1])  # plotted against 0, 1, ...
    assert a.get_marker() == "o" and b.get_marker() == "s" and b.get_markersize() == 3
    assert list(ref.get_ydata()) == [1.5, 1.5] and ref.get_linestyle() == "--"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "ref"]
    assert ax.get_yscale() == "log" and ax.get_ylim() == (0.5, 10)
    with pytest.raises(ValueError, match="one length"):
        plots.line_figure({"a": ([1, 2], [1.0])})
    with pytest.raises(ValueError, match="at least one"):
        plots.line_figure({})


def test_bar_and_histogram_figures():
    values = np.array([0.5, 0.25, 0.0, 0.125])
    fig = plots.bar_figure(values, xlabel="position")
    heights = [p.get_height() for p in fig.axes[0].patches]
    np.testing.assert_array_equal(heights, values)
    data = np.array([1.0, 2.0, 2.0, 7.0])  # mean (1 + 2 + 2 + 7) / 4 = 3
    fig = plots.histogram_figure(data, bins=3, mean_label="mean {mean:.1f} points")
    ax = fig.axes[0]
    assert sum(p.get_height() for p in ax.patches) == 4  # every value counted once
    assert list(ax.lines[0].get_xdata()) == [3.0, 3.0]
    assert ax.get_legend().get_texts()[0].get_text() == "mean 3.0 points"
    with pytest.raises(ValueError, match="finite"):
        plots.histogram_figure([1.0, np.nan])


def test_ngram_sparsity_figure():
    orders = np.arange(1, 4)
    fig = plots.ngram_sparsity_figure(orders, [0.0, 0.1, 0.5], [10, 60, 90], 10, 100)
    left, right = fig.axes
    np.testing.assert_array_equal(left.lines[0].get_ydata(), [0.0, 10.0, 50.0])  # percent
    np.testing.assert_array_equal(right.lines[0].get_ydata(), [10, 60, 90])
    np.testing.assert_array_equal(right.lines[1].get_ydata(), [10, 100, 1000])  # |V|^n
    assert list(right.lines[2].get_ydata()) == [100, 100]
    with pytest.raises(ValueError, match="fractions"):
        plots.ngram_sparsity_figure(orders, [0.0, 2.0, 0.5], [1, 2, 3], 10, 100)


def test_training_and_decision_figure():
    g = np.linspace(-1, 1, 5)
    prob = np.outer(np.ones(5), np.linspace(0, 1, 5))  # [5, 5]
    points, labels = np.array([[0.0, 0.5], [0.5, -0.5]]), np.array([0, 1])
    fig = plots.training_and_decision_figure([1.0, 0.5, 0.25], g, prob, points, labels)
    left, right = fig.axes[:2]
    np.testing.assert_array_equal(left.lines[0].get_ydata(), [1.0, 0.5, 0.25])
    np.testing.assert_array_equal(right.collections[-1].get_offsets(), points)
    with pytest.raises(ValueError, match="prob"):
        plots.training_and_decision_figure([1.0], g, prob[:4], points, labels)


def test_keras_history_and_twin_curves():
    h = {
        "loss": [0.7, 0.5],
        "val_loss": [0.8, 0.6],
        "accuracy": [0.5, 0.8],
        "val_accuracy": [0.4, 0.7],
    }
    loss_ax, acc_ax = plots.keras_history_figure(h).axes
    np.testing.assert_array_equal(loss_ax.lines[0].get_xdata(), [1, 2])  # epochs from 1
    np.testing.assert_array_equal(loss_ax.lines[1].get_ydata(), h["val_loss"])
    np.testing.assert_array_equal(acc_ax.lines[0].get_ydata(), h["accuracy"])
    fig = plots.twin_curves_figure({"SGD": ([1.0, 0.5], [1.0, 0.4])})
    keras, ours = fig.axes[0].lines
    np.testing.assert_array_equal(keras.get_ydata(), [1.0, 0.4])
    np.testing.assert_array_equal(ours.get_ydata(), [1.0, 0.5])


def test_positional_encoding_figure_shows_positions_along_x():
    pe = positional.sinusoidal_encoding(16, 8)  # [16, 8]
    fig = plots.positional_encoding_figure(pe, title="PE")
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), pe.T)
    assert len(fig.axes) == 2  # the map and its colour bar
    with pytest.raises(ValueError, match="T, d"):
        plots.positional_encoding_figure(pe[0])


def test_line_figure_notes_and_unlabelled_reference_line():
    fig = plots.line_figure({"a": [1.0, 2.0]}, hlines={"_turn": (6.0, {"color": "grey"})},
                            texts=[(1, 7.0, "one full turn", {"color": "grey"})])  # fmt: skip
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a"]  # "_" hides a label
    (note,) = ax.texts
    assert note.get_text() == "one full turn" and note.get_position() == (1, 7.0)
    assert list(ax.lines[1].get_ydata()) == [6.0, 6.0]


def test_line_panels_figure_one_panel_per_title():
    panels = {"λ = 0": {"training": [3.0, 2.0], "validation": [3.5, 3.0]},
              "λ = 0.001": {"training": ([0, 2], [1.0, 0.5])}}  # fmt: skip
    fig = plots.line_panels_figure(panels, xlabel="epoch", ylabel="loss")
    left, right = fig.axes
    assert [left.get_title(), right.get_title()] == ["λ = 0", "λ = 0.001"]
    np.testing.assert_array_equal(left.lines[1].get_ydata(), [3.5, 3.0])
    np.testing.assert_array_equal(right.lines[0].get_xdata(), [0, 2])
    assert left.get_ylabel() == "loss" and right.get_xlabel() == "epoch"
    with pytest.raises(ValueError, match="at least one"):
        plots.line_panels_figure({"empty": {}})


def test_heatmaps_figure_shows_each_matrix():
    mask = np.tril(np.ones((4, 4)))
    scores = np.arange(16.0).reshape(4, 4)
    fig = plots.heatmaps_figure({"mask": mask, "": scores}, ticks=[0, 2], colorbar_label="score")
    a, b = fig.axes[:2]
    np.testing.assert_array_equal(a.images[0].get_array(), mask)
    np.testing.assert_array_equal(b.images[0].get_array(), scores)
    assert list(a.get_xticks()) == [0, 2] and a.get_title() == "mask" and b.get_title() == ""
    assert len(fig.axes) == 4  # two colour bars
    with pytest.raises(ValueError, match="2-D"):
        plots.heatmaps_figure({"x": np.zeros(3)})


def test_barh_figure_first_label_on_top():
    fig = plots.barh_figure(["a", "b", "c"], [3.0, 1.0, 2.0], xlabel="KiB")
    ax = fig.axes[0]
    assert [p.get_width() for p in ax.patches] == [3.0, 1.0, 2.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert ax.yaxis_inverted()
    with pytest.raises(ValueError, match="one number per label"):
        plots.barh_figure(["a"], [1.0, 2.0])
