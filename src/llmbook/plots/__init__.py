"""Pure figure functions: data in, a matplotlib Figure out.

The chapters' static figures and the interactive explorers both call these, so a picture
is drawn by one piece of code wherever it appears. None of them computes mathematics of
its own: the values come from the tested modules, and the tests tie each figure's plotted
values to the numbers it is drawn from.

- :mod:`llmbook.plots.charts` -- lines, panels of lines, bars, heat maps, a histogram of
  computed numbers.
- :mod:`llmbook.plots.language` -- n-gram counts (chapter 1).
- :mod:`llmbook.plots.neuron` -- activations, losses, one neuron's training (chapters 2-4).
- :mod:`llmbook.plots.learning` -- gradient descent, the network playground, training runs
  (chapters 2, 3 and 5).
- :mod:`llmbook.plots.scale` -- published model sizes (chapter 8).
- :mod:`llmbook.plots.training` -- a training run's losses against n-gram baselines
  (chapters 15 and 16).
- :mod:`llmbook.plots.transformer` -- positional encodings, next-token distributions,
  attention maps (Part II).
- :mod:`llmbook.plots.part3` -- a rotary pair turning with the position, expert routing
  (Part III's explorers).

A chapter's figure is made through pyplot, so that the notebook shows it; an explorer's
figure (``pyplot=False``) is a standalone :class:`matplotlib.figure.Figure`.
"""

from .charts import (
    bar_figure,
    barh_figure,
    heatmaps_figure,
    histogram_figure,
    line_figure,
    line_panels_figure,
)
from .language import ngram_sparsity_figure
from .learning import (
    descent_figure,
    keras_history_figure,
    playground_figure,
    training_and_decision_figure,
    twin_curves_figure,
    update_descent,
    update_playground,
)
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
from .part3 import (
    moe_routing_figure,
    rope_rotation_figure,
    update_moe_routing,
    update_rope_rotation,
)
from .scale import model_sizes_figure, tokens_per_parameter_figure
from .training import loss_curves, training_curves
from .transformer import (
    attention_map_figure,
    next_token_figure,
    positional_encoding_figure,
    rank_tokens,
    token_label,
    update_attention_map,
    update_next_token,
)

__all__ = [
    "activation_figure",
    "activation_panels_figure",
    "attention_map_figure",
    "bar_figure",
    "barh_figure",
    "descent_figure",
    "heatmaps_figure",
    "histogram_figure",
    "keras_history_figure",
    "line_figure",
    "line_panels_figure",
    "loss_comparison_figure",
    "loss_curve_figure",
    "loss_curves",
    "model_sizes_figure",
    "moe_routing_figure",
    "next_token_figure",
    "ngram_sparsity_figure",
    "playground_figure",
    "positional_encoding_figure",
    "rank_tokens",
    "rope_rotation_figure",
    "token_label",
    "tokens_per_parameter_figure",
    "training_and_decision_figure",
    "training_curves",
    "training_figure",
    "twin_curves_figure",
    "update_activation_panels",
    "update_attention_map",
    "update_descent",
    "update_loss_comparison",
    "update_moe_routing",
    "update_next_token",
    "update_playground",
    "update_rope_rotation",
    "update_training",
]
