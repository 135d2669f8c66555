r"""Word-by-word dictionary translation, written to show why real translation needs a model.

Two steps, both rule-based:

1. **Segmentation by forward maximum matching** (正向最大匹配): from the left, take the
   longest dictionary word that starts here (up to ``max_len`` characters); if none,
   take one character. It is greedy, so ``研究生命起源`` ("study the origin of life")
   becomes 研究生 / 命 / 起源 ("graduate student / life / origin").
2. **Lookup**: each word is replaced by its one English gloss from the book's small
   dictionary (``llmbook/data/zh_en_dictionary.json``, written for this book). Words not
   in the dictionary are kept as they are; particles without an English counterpart
   have the empty gloss and disappear.

Nothing reorders the words, chooses between senses, or adds articles and tenses: the
failures this produces are the point. Real systems learn all of that from parallel text
(encoder–decoder Transformers) or from very large monolingual text (large language models).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib import resources

from ._checks import positive_int

__all__ = ["load_dictionary", "segment", "translate_word_by_word"]


def segment(text: str, vocabulary: Iterable[str], max_len: int | None = None) -> list[str]:
    """Split ``text`` into words by forward maximum matching against ``vocabulary``.

    Args:
        text: the text (any string; may be empty).
        vocabulary: the known words.
        max_len: the longest word to try (default: the longest word of ``vocabulary``).
    Returns:
        list of words whose concatenation is ``text``; each is a vocabulary word or a
        single character.
    Raises:
        TypeError: ``text`` is not a string.
        ValueError: ``max_len`` < 1.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    vocab = vocabulary if isinstance(vocabulary, (set, frozenset, Mapping)) else set(vocabulary)
    if max_len is None:
        max_len = max((len(w) for w in vocab), default=1)
    max_len = positive_int(max_len, "max_len")
    words, i = [], 0
    while i < len(text):
        for length in range(min(max_len, len(text) - i), 0, -1):
            piece = text[i : i + length]
            if length == 1 or piece in vocab:
                words.append(piece)
                i += length
                break
    return words


def translate_word_by_word(text: str, dictionary: Mapping[str, str]) -> list[tuple[str, str]]:
    """Segment ``text`` with :func:`segment` and gloss each word with ``dictionary``.

    Returns:
        list of ``(word, gloss)``; a word missing from the dictionary is its own gloss,
        a particle with the empty gloss ``""`` has no English counterpart.
    Raises:
        TypeError: ``text`` not a string.
    """
    return [(w, dictionary.get(w, w)) for w in segment(text, dictionary)]


def load_dictionary() -> dict[str, str]:
    """The book's small Chinese-English dictionary (one gloss per word, written for the book)."""
    path = resources.files("llmbook") / "data" / "zh_en_dictionary.json"
    return json.loads(path.read_text(encoding="utf-8"))
