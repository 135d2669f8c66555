"""Display objects and figure functions show exactly the package's numbers."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from llmbook import activations, display, errata, plots


def test_table_renders_rows_in_column_order():
    t = display.Table([{"b": 2, "a": 0.5}, {"a": 1.25, "b": 3}], ["a", "b"], digits=2)
    assert t.cells == [["0.50", "2"], ["1.25", "3"]]
    assert "<th>a</th><th>b</th>" in t._repr_html_()
    assert t._repr_markdown_().splitlines()[2] == "| 0.50 | 2 |"


def test_table_escapes_html_and_checks_row_length():
    t = display.Table([["<b>", "x|y"]], ["p", "q"])
    assert "&lt;b&gt;" in t._repr_html_()
    assert "x\\|y" in t._repr_markdown_()
    with pytest.raises(ValueError, match="row 0"):
        display.Table([[1, 2, 3]], ["p", "q"])
    with pytest.raises(ValueError, match="columns"):
        display.Table([], [])


def test_erratum_box_shows_the_computed_value():
    box = display.erratum("s4-sigmoid")
    html = box._repr_html_()
    assert "0.865" in html  # the article's value
    assert f"{float(activations.sigmoid(1.3)):.4f}" in html  # the package's value
    assert "erratum-s4-sigmoid" in html


def test_errata_table_has_one_row_per_erratum():
    assert len(display.errata_table().cells) == len(errata.ERRATA)
    assert len(display.errata_table(4).cells) == len(errata.by_section(4))


def test_activation_figure_plots_the_package_values():
    z = np.linspace(-3, 3, 31)
    fig = plots.activation_figure(("sigmoid", "relu"), z=z, marks={"sigmoid": 1.3})
    top, bottom = fig.axes[0], fig.axes[2]  # first column: sigmoid and its derivative
    np.testing.assert_array_equal(top.lines[0].get_ydata(), activations.sigmoid(z))
    np.testing.assert_array_equal(bottom.lines[0].get_ydata(), activations.sigmoid_grad(z))
    assert top.lines[1].get_ydata()[0] == activations.sigmoid(1.3)
    plt.close(fig)


def test_loss_curve_figure():
    fig = plots.loss_curve_figure([3.0, 2.0, 1.0], log=True)
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), [3.0, 2.0, 1.0])
    assert fig.axes[0].get_yscale() == "log"
    plt.close(fig)


def test_trace_table_lists_every_value_of_the_step():
    from llmbook.backprop import single_neuron_step

    step = single_neuron_step([1.0, 2.0], [0.5, -0.25], 0.1, 0.8, 0.1)
    t = display.trace_table(step)
    values = {row[0]: row[2] for row in t.cells}
    assert values["z"] == f"{step.z:.6f}"
    assert values["grad_w"] == ", ".join(f"{g:.6f}" for g in step.grad_w)
    assert len(t.cells) == 10
