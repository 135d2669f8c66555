"""llmbook.translation: forward maximum matching by hand and as a property."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmbook.translation import load_dictionary, segment, translate_word_by_word


def test_forward_maximum_matching_by_hand():
    vocab = {"研究", "研究生", "生命", "命", "起源"}
    # greedy: the longest word at position 0 is 研究生, leaving 命 / 起源
    assert segment("研究生命起源", vocab) == ["研究生", "命", "起源"]
    assert segment("生命起源", vocab) == ["生命", "起源"]
    assert segment("abc", vocab) == ["a", "b", "c"]
    assert segment("", vocab) == []


@given(
    st.text(alphabet="abc", max_size=30),
    st.sets(st.text(alphabet="abc", min_size=1, max_size=4), max_size=10),
)
def test_segments_concatenate_to_the_text_and_are_longest_matches(text, vocab):
    words = segment(text, vocab)
    assert "".join(words) == text
    max_len = max((len(w) for w in vocab), default=1)
    i = 0
    for w in words:
        assert w in vocab or len(w) == 1
        # no longer vocabulary word starts at this position
        for length in range(len(w) + 1, max_len + 1):
            assert text[i : i + length] not in vocab or i + length > len(text)
        i += len(w)


def test_word_by_word_translation_of_the_book_dictionary():
    d = load_dictionary()
    pairs = translate_word_by_word("我昨天在北京看见了他。", d)
    assert [w for w, _ in pairs] == ["我", "昨天", "在", "北京", "看见", "了", "他", "。"]
    assert [g for _, g in pairs] == ["I", "yesterday", "at", "Beijing", "see", "", "he", "."]
    # unknown words are kept as they are
    assert translate_word_by_word("猫", d) == [("猫", "猫")]


def test_errors():
    with pytest.raises(TypeError, match="text"):
        segment(123, {"a"})
    with pytest.raises(ValueError, match="max_len"):
        segment("abc", {"a"}, max_len=0)
