"""Figures of a training run: the losses of chapters 15 and 16, each curve labelled with what it measures."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ._base import new_figure

__all__ = ["loss_curves", "training_curves"]


def training_curves(result) -> dict[str, tuple[list, list]]:
    """The plotted series of a :class:`llmbook.gpt.TrainResult`, as ``{label: (steps, losses)}``.

    - ``"training batch"``: the loss of each step's random batch (noisy; a mean over the
      last 50 steps is drawn over it);
    - ``"training sample"``: :func:`llmbook.lm_eval.evaluate` on a fixed sample of the
      training text, if the run recorded it;
    - ``"validation"``: the same evaluation on the whole validation text, its last point the
      model's final validation loss.
    """
    out = {"training batch": (list(result.steps), list(result.train_loss))}
    if result.train_eval_loss:
        out["training sample"] = (list(result.val_steps), list(result.train_eval_loss))
    out["validation"] = (list(result.val_steps), list(result.val_loss))
    return out


def loss_curves(result, baselines=None, ylim=None, pyplot: bool = True) -> Figure:
    """Training and validation loss against steps, with n-gram baselines on the same measure.

    Args:
        result: a :class:`llmbook.gpt.TrainResult`.
        baselines: ``{name: Score}`` of :func:`llmbook.lm_eval.evaluate` on the validation text.
        ylim: the y range, or None for matplotlib's.
    """
    fig = new_figure((6.4, 3.8), pyplot=pyplot)
    ax = fig.subplots()
    c = training_curves(result)
    steps, batch = c["training batch"]
    ax.plot(steps, batch, color="0.8", lw=0.6, label="training batch (random windows)")
    if len(batch) >= 50:
        smooth = np.convolve(batch, np.ones(50) / 50, mode="valid")
        ax.plot(steps[49:], smooth, color="0.45", lw=1, label="training batch, mean of 50 steps")
    if "training sample" in c:
        ax.plot(*c["training sample"], "s-", color="C1", label="training text sample (evaluation)")
    ax.plot(*c["validation"], "o-", color="C0", label="validation text (evaluation)")
    for (name, score), color in zip(
        (baselines or {}).items(), "C3 C2 C4 C5 C6 C7".split(), strict=False
    ):
        ax.axhline(score.loss, color=color, ls="--", lw=1, label=f"{name}, validation")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats per character)")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig
