"""Figures of scale (chapter 8): published model sizes and their data per parameter."""

from __future__ import annotations

from ._base import new_figure

__all__ = ["model_sizes_figure", "tokens_per_parameter_figure"]


def model_sizes_figure(rows):
    """Parameters and training tokens of each model against its year, on a log scale.

    Args:
        rows: the models to plot, :class:`llmbook.model_sizes.ModelSize` rows (e.g. from
            :func:`llmbook.model_sizes.load`).
    Returns:
        a :class:`matplotlib.figure.Figure` with one axes; each model is labelled.
    """
    fig = new_figure((7.5, 4.6))
    ax = fig.subplots()
    years = [r.year for r in rows]
    ax.scatter(years, [r.parameters for r in rows], color="C0", label="parameters $N$", zorder=3)
    with_tokens = [r for r in rows if r.tokens is not None]
    ax.scatter(
        [r.year for r in with_tokens],
        [r.tokens for r in with_tokens],
        color="C1",
        marker="s",
        label="training tokens $D$",
        zorder=3,
    )
    # Models of the same year are spread along x so that their labels do not overlap.
    seen: dict[int, int] = {}
    for r in rows:
        k = seen.get(r.year, 0)
        seen[r.year] = k + 1
        ax.annotate(
            r.model,
            (r.year, r.parameters),
            xytext=(6, -10 + 9 * k),
            textcoords="offset points",
            fontsize=7.5,
        )
    ax.set_yscale("log")
    ax.set_xlim(min(years) - 0.5, max(years) + 1.2)  # room for the labels on the right
    ax.set_xticks(range(min(years), max(years) + 1))
    ax.set_xlabel("year first published")
    ax.set_ylabel("count (log scale)")
    ax.set_title("Published language models: parameters and training tokens")
    ax.grid(True, which="major", axis="y", color="0.9")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def tokens_per_parameter_figure(rows, rule: float = 20.0):
    r"""Training tokens per parameter, :math:`D/N`, of each model against its year.

    Args:
        rows: :class:`llmbook.model_sizes.ModelSize` rows; those without published tokens
            are skipped.
        rule: the compute-optimal ratio drawn as a horizontal line (default 20).
    Returns:
        a :class:`matplotlib.figure.Figure` with one axes, log scale on y.
    Raises:
        ValueError: ``rule`` not positive, or no row with published tokens.
    """
    if not rule > 0:
        raise ValueError(f"rule must be positive, got {rule}")
    known = [r for r in rows if r.tokens is not None]
    if not known:
        raise ValueError("rows must contain at least one model with published tokens")
    fig = new_figure((7.5, 4.0))
    ax = fig.subplots()
    ratios = [r.tokens / r.parameters for r in known]
    ax.scatter([r.year for r in known], ratios, color="C2", zorder=3)
    seen: dict[int, int] = {}
    for r, x in zip(known, ratios, strict=True):
        k = seen.get(r.year, 0)
        seen[r.year] = k + 1
        ax.annotate(
            r.model, (r.year, x), xytext=(6, -10 + 9 * k), textcoords="offset points", fontsize=7.5
        )
    ax.axhline(
        rule, color="C3", ls="--", lw=1, label=f"compute-optimal rule, {rule:g} tokens/parameter"
    )
    ax.set_yscale("log")
    years = [r.year for r in known]
    ax.set_xlim(min(years) - 0.5, max(years) + 1.2)  # room for the labels on the right
    ax.set_xticks(range(min(years), max(years) + 1))
    ax.set_xlabel("year first published")
    ax.set_ylabel("training tokens per parameter $D/N$")
    ax.set_title("How much data each parameter saw")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig
