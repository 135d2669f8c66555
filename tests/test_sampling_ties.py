"""The tie rule of the top-k and nucleus masks: among equal values, the lower index wins.

Both masks sort with a stable sort of the negated values, so equal logits (or probabilities)
keep their original order and the first ones are kept. Each case below is built so that the
rule decides which tokens survive; breaking ties the other way selects other tokens.
"""

import numpy as np
import pytest

from llmbook.sampling import top_k_mask, top_p_mask


def test_top_k_keeps_the_lower_index_among_ties():
    # Three logits tie at 2; k = 2 must keep the first two of them (indices 0 and 2),
    # not index 3.
    mask = top_k_mask(np.array([2.0, 1.0, 2.0, 2.0]), 2)
    np.testing.assert_array_equal(mask, [True, False, True, False])


def test_top_k_ties_rule_holds_per_row():
    logits = np.array([[0.0, 0.0, 0.0], [5.0, 7.0, 7.0]])
    np.testing.assert_array_equal(
        top_k_mask(logits, 1), [[True, False, False], [False, True, False]]
    )


@pytest.mark.parametrize(
    ("probs", "p", "kept"),
    [
        # Four equal probabilities: the masses before each token in rank order are
        # 0, 0.25, 0.5, 0.75; those below p = 0.5 are the first two ranks, which the tie
        # rule makes indices 0 and 1.
        ([0.25, 0.25, 0.25, 0.25], 0.5, [True, True, False, False]),
        # The largest, 0.4, ranks first; 0.3 ties at indices 1 and 3: masses before are
        # 0, 0.4, 0.7, so p = 0.6 keeps 0.4 and the first 0.3 (index 1), not index 3.
        ([0.4, 0.3, 0.0, 0.3], 0.6, [True, True, False, False]),
    ],
)
def test_top_p_keeps_the_lower_index_among_ties(probs, p, kept):
    np.testing.assert_array_equal(top_p_mask(np.array(probs), p), kept)
