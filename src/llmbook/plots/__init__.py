"""Pure figure functions: data in, a matplotlib Figure out.

The chapters' static figures and the interactive explorers both call these, so a picture
is drawn by one piece of code wherever it appears. None of them computes mathematics of
its own: the values come from the tested modules, and the tests tie each figure's plotted
values to the numbers it is drawn from.

- :mod:`llmbook.plots.neuron` -- activations, losses, one neuron's training (chapters 2-4).
- :mod:`llmbook.plots.learning` -- gradient descent, the network playground (chapters 2-3).
- :mod:`llmbook.plots.transformer` -- next-token distributions, attention maps (Part II).

A chapter's figure is made through pyplot, so that the notebook shows it; an explorer's
figure (``pyplot=False``) is a standalone :class:`matplotlib.figure.Figure`
(:func:`llmbook.plots._base.new_figure`).
"""

from .learning import descent_figure, playground_figure, update_descent, update_playground
from .neuron import (
    activation_figure,
    activation_panels_figure,
    loss_comparison_figure,
    loss_curve_figure,
    training_figure,
    update_activation_panels,
    update_loss_comparison,
    update_training,
)
from .transformer import attention_map_figure, next_token_figure, update_attention_map

__all__ = [
    "activation_figure",
    "activation_panels_figure",
    "attention_map_figure",
    "descent_figure",
    "loss_comparison_figure",
    "loss_curve_figure",
    "next_token_figure",
    "playground_figure",
    "training_figure",
    "update_activation_panels",
    "update_attention_map",
    "update_descent",
    "update_loss_comparison",
    "update_playground",
    "update_training",
]
