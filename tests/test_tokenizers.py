"""Tokenizers: exact round trips on any Unicode string, and BPE merges derived by hand."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmbook import corpus
from llmbook.text import Vocabulary
from llmbook.tokenizers import BPETokenizer, apply_merges, pre_tokenize


@pytest.fixture(scope="module")
def bpe():
    """A small BPE trained on 300 lines of People's Daily and a little English."""
    texts = corpus.peoples_daily_sentences(limit=300) + ["the cat sat on the mat"] * 5
    return BPETokenizer.train(texts, vocab_size=400)


# Any string: Chinese characters, ASCII, emoji, combining marks, even lone surrogates.
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
ANY_TEXT = st.text(st.one_of(CJK, st.characters()), max_size=60)
ANY_TEXT_WITH_SURROGATES = st.text(st.characters(blacklist_categories=(), codec=None), max_size=30)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_bpe_round_trip_any_unicode(bpe, s):
    assert bpe.decode(bpe.encode(s)) == s


@settings(max_examples=100, deadline=None)
@given(ANY_TEXT_WITH_SURROGATES)
def test_bpe_round_trip_even_with_surrogates(bpe, s):
    assert bpe.decode(bpe.encode(s)) == s


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_pre_tokenize_covers_the_string(s):
    chunks = pre_tokenize(s)
    assert "".join(chunks) == s
    assert all(chunks)


def test_round_trip_on_held_out_news(bpe):
    for line in corpus.peoples_daily_sentences(limit=400)[300:]:
        assert bpe.decode(bpe.encode(line)) == line


def test_bpe_merges_by_hand():
    """Training on 'aaabdaaabac' (the classic example).

    Bytes: a=97, b=98, c=99, d=100. The text is one chunk (all word characters).
    Pair counts: aa 4, ab 2, bd 1, da 1, ba 1, ac 1 -> merge 1 is (a, a) = 256.
    Text becomes [256, a, b, d, 256, a, b, a, c]: pairs (256,a) 2, (a,b) 2, others 1;
    the tie is broken by the smaller pair: (97, 98) < (256, 97), so merge 2 is (a, b) = 257.
    Text becomes [256, 257, d, 256, 257, a, c]: (256, 257) 2 -> merge 3 is 258 = 'aaab'.
    Then every pair occurs once and training stops, even though vocab_size allows more.
    """
    tok = BPETokenizer.train("aaabdaaabac", vocab_size=300)
    assert tok.merges == [(97, 97), (97, 98), (256, 257)]
    assert tok.vocab[258] == b"aaab"
    assert tok.encode("aaabdaaabac") == [258, 100, 258, 97, 99]
    assert tok.vocab_size == 259


def _naive_bpe_merges(texts, vocab_size):
    """BPE as the textbook states it: recount every adjacent pair of every chunk, merge the
    most frequent (ties: the smallest pair), repeat. Slow, and independent of the
    incremental bookkeeping of BPETokenizer.train."""
    chunks = [list(c.encode("utf-8", "surrogatepass")) for t in texts for c in pre_tokenize(t)]
    merges = []
    while 256 + len(merges) < vocab_size:
        counts = {}
        for ids in chunks:
            for pair in itertools.pairwise(ids):
                counts[pair] = counts.get(pair, 0) + 1
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        if counts[best] < 2:
            break
        new_id = 256 + len(merges)
        merges.append(best)
        for k, ids in enumerate(chunks):
            out, i = [], 0
            while i < len(ids):
                if ids[i : i + 2] == list(best):
                    out.append(new_id)
                    i += 2
                else:
                    out.append(ids[i])
                    i += 1
            chunks[k] = out
    return merges


def test_training_matches_the_textbook_algorithm_on_news():
    texts = corpus.peoples_daily_sentences(limit=60) + ["the cat sat on the mat"] * 3
    assert BPETokenizer.train(texts, 400).merges == _naive_bpe_merges(texts, 400)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(st.sampled_from("aab cd中中国 "), min_size=1, max_size=30), min_size=1, max_size=4),
       st.integers(256, 290))  # fmt: skip
def test_training_matches_the_textbook_algorithm_on_repetitive_text(texts, vocab_size):
    # few symbols, so runs like "aaaa" and "abab" (where merges overlap) are common
    assert BPETokenizer.train(texts, vocab_size).merges == _naive_bpe_merges(texts, vocab_size)


def test_encode_applies_merges_in_learned_order():
    """'aab' with merges [(a,b), (a,a)]: (a,b) ranks first, so 'aab' -> [a, 'ab'], not ['aa', b]."""
    tok = BPETokenizer([(97, 98), (97, 97)])
    assert tok.encode("aab") == [97, 256]
    tok2 = BPETokenizer([(97, 97), (97, 98)])
    assert tok2.encode("aab") == [256, 98]


def test_merges_do_not_cross_chunks():
    tok = BPETokenizer.train(["a b"] * 10, vocab_size=300)
    # chunks 'a', ' ', 'b': no chunk has two symbols, so no merge is possible
    assert tok.merges == []


def test_chinese_character_is_three_bytes_and_learned_words_compress(bpe):
    assert len(BPETokenizer().encode("中")) == 3
    line = corpus.peoples_daily_sentences(limit=1)[0]
    assert len(bpe.encode(line)) < len(line.encode("utf-8"))


def test_token_strings_show_partial_characters(bpe):
    ids = BPETokenizer().encode("中")
    assert BPETokenizer().token_strings(ids) == ["<e4>", "<b8>", "<ad>"]


def test_char_tokenizer_round_trip_and_unknown():
    tok = Vocabulary.of_characters(["abca", "ab"], min_count=2)
    # counts: a 3, b 2, c 1 -> c is unknown (id 0)
    assert tok.itos == ["□", "a", "b"]
    assert tok.encode("abc").tolist() == [1, 2, 0]
    assert tok.decode([1, 2, 0]) == "ab□"
    assert tok.coverage(["abc"]) == pytest.approx(2 / 3)
    full = Vocabulary.of_characters("你好，世界")
    assert full.decode(full.encode("世界你好")) == "世界你好"


def test_bad_input_is_rejected():
    with pytest.raises(TypeError, match="s must be a str"):
        BPETokenizer().encode(b"bytes")
    with pytest.raises(ValueError, match="vocab_size"):
        BPETokenizer.train("abc", vocab_size=10)
    with pytest.raises(ValueError, match="texts"):
        BPETokenizer.train([""], vocab_size=300)
    with pytest.raises(ValueError, match="ids must be in"):
        BPETokenizer().decode([256])
    with pytest.raises(ValueError, match="merge"):
        BPETokenizer([(0, 300)])
    with pytest.raises(ValueError, match="min_count"):
        Vocabulary.of_characters("abc", min_count=0)
    with pytest.raises(ValueError, match="ids must lie in"):
        Vocabulary.of_characters("abc").decode([7])


def test_apply_merges_by_hand_and_as_encode(bpe):
    """The merges of ``aaabdaaabac`` (a=97, b=98, c=99, d=100): aa -> 256, ab -> 257, (256, 257) -> 258.

    Rank 0 first: a a a b d a a a b a c -> 256 a b d 256 a b a c; rank 1: 256 257 d 256 257 a c;
    rank 2: 258 d 258 a c.
    """
    ranks = {(97, 97): 0, (97, 98): 1, (256, 257): 2}
    assert apply_merges(list(b"aaabdaaabac"), ranks) == [258, 100, 258, 97, 99]
    assert BPETokenizer([(97, 97), (97, 98), (256, 257)]).encode("aaabdaaabac") == [
        258,
        100,
        258,
        97,
        99,
    ]
    for chunk in pre_tokenize("迈向充满希望的新世纪 GPT-2"):
        assert apply_merges(list(chunk.encode()), bpe.ranks) == bpe.encode(chunk)
