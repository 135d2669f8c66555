r"""Interactive explorers: move a control, watch the mathematics change.

Each explorer is one call from a notebook, e.g. ``llmbook.widgets.neuron_explorer()``.
The explorers hold controls and layout only: every number comes from the tested modules
and every picture from :mod:`llmbook.plots`.

- :mod:`llmbook.widgets.core` -- the framework: :func:`kernel_free` (precomputed frames
  switched in the browser, no kernel needed), :class:`LiveExplorer` (every control,
  recomputed on each change), :class:`Explorer` (both, the live part folded),
  :func:`frames` and :func:`figure_png`. Its docstring explains why every explorer shows both.
- :mod:`llmbook.widgets.neuron` -- :func:`neuron_explorer`, :func:`activation_explorer`.
- :mod:`llmbook.widgets.learning` -- :func:`loss_explorer`, :func:`backprop_explorer`,
  :func:`learning_rate_explorer`.
- :mod:`llmbook.widgets.playground` -- :func:`playground_explorer`, a small network on 2-D data.
- :mod:`llmbook.widgets.sampling` -- :func:`sampling_explorer`: temperature, top-k, top-p;
  :func:`settings_figure`: several settings side by side, with their table.
- :mod:`llmbook.widgets.attention` -- :func:`attention_explorer`: a trained GPT's attention maps.
- :mod:`llmbook.widgets.rope` -- :func:`rope_explorer`: rotary positions, the score against
  :math:`m - n`.
- :mod:`llmbook.widgets.moe` -- :func:`moe_explorer`: mixture-of-experts routing, load and
  capacity.

A new explorer is a new module here: three functions (values, draw, readout) and the
controls, as in :mod:`llmbook.widgets.core`'s docstring.
"""

from .attention import ATTENTION_MASKS, attention_explorer, attention_maps, attention_values
from .core import (
    KERNEL_FREE_CAPTION,
    Explorer,
    LiveExplorer,
    figure_png,
    frames,
    kernel_free,
    readout_table,
    slider,
)
from .learning import (
    SURFACE_1D,
    SURFACE_2D,
    backprop_explorer,
    backprop_values,
    learning_rate_explorer,
    learning_rate_values,
    loss_explorer,
    loss_values,
)
from .moe import moe_batch, moe_explorer, moe_values
from .neuron import activation_explorer, activation_values, neuron_explorer, neuron_values
from .playground import playground_explorer, playground_values
from .rope import rope_explorer, rope_values
from .sampling import sampling_explorer, sampling_values, settings_figure

__all__ = [
    "ATTENTION_MASKS",
    "KERNEL_FREE_CAPTION",
    "SURFACE_1D",
    "SURFACE_2D",
    "Explorer",
    "LiveExplorer",
    "activation_explorer",
    "activation_values",
    "attention_explorer",
    "attention_maps",
    "attention_values",
    "backprop_explorer",
    "backprop_values",
    "figure_png",
    "frames",
    "kernel_free",
    "learning_rate_explorer",
    "learning_rate_values",
    "loss_explorer",
    "loss_values",
    "moe_batch",
    "moe_explorer",
    "moe_values",
    "neuron_explorer",
    "neuron_values",
    "playground_explorer",
    "playground_values",
    "readout_table",
    "rope_explorer",
    "rope_values",
    "sampling_explorer",
    "sampling_values",
    "settings_figure",
    "slider",
]
