r"""Fitting a long text into a model's context length: chunks and sliding windows.

A language model reads at most :math:`C` tokens at once (its context length). A longer
sequence of :math:`L` tokens must be cut. With windows of ``size`` :math:`C` that start
every ``stride`` :math:`s \le C` tokens, consecutive windows overlap by :math:`C - s`
tokens; :math:`s = C` gives separate chunks with no overlap. The last window is moved
back so that it ends exactly at the end of the sequence, so every window (except when
:math:`L < C`) holds exactly :math:`C` tokens.

To score every token exactly once (as when measuring the perplexity of a long text),
each window scores only the tokens no earlier window has covered, ``[first_new, stop)``,
and uses the tokens before them in the same window, ``[start, first_new)``, as context.
Every scored token :math:`t` then has at least :math:`\min(t, C - s)` tokens of context.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from ._checks import positive_int

__all__ = ["Window", "score_in_windows", "sliding_windows", "window_spans"]


class Window(NamedTuple):
    """One window over a sequence: tokens ``[start, stop)``; ``[first_new, stop)`` are the
    tokens no earlier window covered, ``[start, first_new)`` the overlap (context)."""

    start: int
    stop: int
    first_new: int


def window_spans(length: int, size: int, stride: int) -> list[Window]:
    r"""The windows of ``size`` tokens, every ``stride`` tokens, over ``length`` tokens.

    Starts are :math:`0, s, 2s, \dots` while the window fits, then one last window
    ``[L - C, L)`` if the end is not yet covered. For :math:`L \le C` there is one window
    ``[0, L)``. The number of windows is :math:`1 + \lceil (L - C)/s \rceil` for
    :math:`L > C`.

    Args:
        length: :math:`L \ge 1`, the number of tokens.
        size: :math:`C \ge 1`, the context length.
        stride: :math:`1 \le s \le C`, the step between window starts.
    Returns:
        list of :class:`Window`.
    Raises:
        TypeError: an argument is not an integer.
        ValueError: ``length``, ``size`` or ``stride`` < 1, or ``stride > size`` (the
            windows would leave tokens uncovered).
    """
    length = positive_int(length, "length")
    size = positive_int(size, "size")
    stride = positive_int(stride, "stride")
    if stride > size:
        raise ValueError(
            f"stride ({stride}) must not exceed size ({size}): tokens between windows "
            "would never be read"
        )
    if length <= size:
        return [Window(0, length, 0)]
    starts = list(range(0, length - size + 1, stride))
    if starts[-1] + size < length:
        starts.append(length - size)
    out, covered = [], 0
    for start in starts:
        stop = start + size
        out.append(Window(start, stop, covered))
        covered = stop
    return out


def sliding_windows(tokens: Sequence, size: int, stride: int) -> list[Sequence]:
    """The windows of :func:`window_spans` as slices of ``tokens`` (a string, list or array).

    Raises:
        ValueError: ``tokens`` is empty; as :func:`window_spans` otherwise.
    """
    if len(tokens) == 0:
        raise ValueError("tokens must not be empty")
    return [tokens[w.start : w.stop] for w in window_spans(len(tokens), size, stride)]


def score_in_windows(
    score: Callable[[Sequence, Sequence], np.ndarray], tokens: Sequence, size: int, stride: int
) -> np.ndarray:
    r"""Score every token of a long sequence once, window by window.

    For each window, ``score(new_tokens, context)`` must return one log-probability per
    token of ``new_tokens = tokens[first_new:stop]`` given ``context =
    tokens[start:first_new]`` (for example ``lambda seq, ctx:
    model.token_log_probs(seq, context=ctx, eos=False)`` with an
    :class:`llmbook.ngram.NGramModel`). With ``stride == size`` the windows are separate
    chunks and each chunk starts without context.

    Returns:
        array ``[len(tokens)]`` of log-probabilities, in the order of ``tokens``.
    Raises:
        ValueError: ``tokens`` empty, bad window arguments, or ``score`` returning the
            wrong number of values.
    """
    if len(tokens) == 0:
        raise ValueError("tokens must not be empty")
    out = np.empty(len(tokens))
    for w in window_spans(len(tokens), size, stride):
        new, ctx = tokens[w.first_new : w.stop], tokens[w.start : w.first_new]
        values = np.asarray(score(new, ctx), dtype=np.float64)
        if values.shape != (w.stop - w.first_new,):
            raise ValueError(
                f"score returned shape {values.shape} for {w.stop - w.first_new} tokens"
            )
        out[w.first_new : w.stop] = values
    return out
