"""llmbook.windows: exact coverage properties of sliding windows, checked with hypothesis."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmbook.ngram import NGramModel
from llmbook.windows import Window, score_in_windows, sliding_windows, window_spans


@st.composite
def lengths_sizes_strides(draw):
    size = draw(st.integers(1, 40))
    stride = draw(st.integers(1, size))
    length = draw(st.integers(1, 300))
    return length, size, stride


@given(lengths_sizes_strides())
def test_coverage_properties(args):
    length, size, stride = args
    spans = window_spans(length, size, stride)
    # every window lies inside the sequence and holds exactly min(size, length) tokens
    for w in spans:
        assert 0 <= w.start <= w.first_new <= w.stop <= length
        assert w.stop - w.start == min(size, length)
    # starts increase; regular windows are exactly `stride` apart, the last at most that
    starts = [w.start for w in spans]
    gaps = np.diff(starts)
    assert np.all(gaps >= 1) and np.all(gaps <= stride)
    assert np.all(gaps[:-1] == stride)
    # the union of the windows is the whole sequence
    covered = np.zeros(length, dtype=int)
    for w in spans:
        covered[w.start : w.stop] += 1
    assert covered.min() >= 1
    # the new parts [first_new, stop) partition [0, length): each token scored once
    new = np.zeros(length, dtype=int)
    for w in spans:
        new[w.first_new : w.stop] += 1
    assert np.all(new == 1)
    assert spans[0].first_new == 0 and spans[-1].stop == length
    # each scored token t keeps at least min(t, size - stride) tokens of context
    for w in spans:
        for t in range(w.first_new, w.stop):
            assert t - w.start >= min(t, size - stride)
    # the number of windows
    expected = 1 if length <= size else 1 + math.ceil((length - size) / stride)
    assert len(spans) == expected


@given(st.integers(1, 200), st.integers(1, 30))
def test_stride_equal_to_size_gives_separate_chunks(length, size):
    spans = window_spans(length, size, size)
    if length % size == 0 or length < size:
        # exact chunks: no overlap at all
        assert all(w.first_new == w.start for w in spans)
    assert all(w.start == k * size for k, w in enumerate(spans[:-1]))


def test_small_example_by_hand():
    # 10 tokens, windows of 4 every 3: [0,4) [3,7) [6,10); new parts [0,4) [4,7) [7,10)
    assert window_spans(10, 4, 3) == [Window(0, 4, 0), Window(3, 7, 4), Window(6, 10, 7)]
    # 11 tokens: the regular starts 0, 3, 6 end at 10, so a last window [7, 11) is added
    assert window_spans(11, 4, 3)[-1] == Window(7, 11, 10)
    assert sliding_windows("abcdefghij", 4, 3) == ["abcd", "defg", "ghij"]
    assert sliding_windows([1, 2], 4, 1) == [[1, 2]]


def test_scoring_in_overlapping_windows_equals_full_context_for_an_ngram_model():
    text = "人民日报社论指出人民群众的利益高于一切人民日报"
    model = NGramModel(3, smoothing="kneser-ney").fit(
        ["人民日报社论", "人民群众的利益", "高于一切"]
    )

    def score(seq, ctx):
        return model.token_log_probs(seq, context=ctx, eos=False)

    full = score(text, "")
    # overlap size - stride = 2 >= n - 1 = 2: every token keeps its full n-gram context
    np.testing.assert_allclose(score_in_windows(score, text, 6, 4), full, rtol=1e-12)
    # separate chunks: only the first two tokens of each chunk differ
    chunks = score_in_windows(score, text, 6, 6)
    differs = ~np.isclose(chunks, full, rtol=1e-12)
    positions = np.flatnonzero(differs)
    assert set(positions % 6) <= {0, 1} and 0 not in positions


def test_errors():
    with pytest.raises(ValueError, match="stride"):
        window_spans(10, 4, 5)
    with pytest.raises(ValueError, match="size"):
        window_spans(10, 0, 1)
    with pytest.raises(ValueError, match="length"):
        window_spans(0, 4, 1)
    with pytest.raises(TypeError, match="stride"):
        window_spans(10, 4, 2.0)
    with pytest.raises(ValueError, match="empty"):
        sliding_windows([], 4, 2)
    with pytest.raises(ValueError, match="shape"):
        score_in_windows(lambda seq, ctx: np.zeros(1), "abcdef", 3, 3)
