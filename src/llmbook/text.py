r"""From text to numbers: tokenisation, vocabularies, padding and bag-of-words features.

The steps of a text classifier's input pipeline, each small enough to read:

1. **Tokenise** (分词): :func:`whitespace_tokenize` splits at spaces (which Chinese does
   not have); :func:`char_tokenize` makes every non-space character a token;
   :func:`char_ngrams` adds runs of :math:`n` neighbouring characters.
2. **Drop stop words** (停用词) with :func:`remove_stopwords`.
3. **Number the tokens** with a :class:`Vocabulary`: id 0 is padding, id 1 stands for
   every token not in the vocabulary (out of vocabulary, OOV), the others are assigned
   by decreasing frequency.
4. **Pad or truncate** each id sequence to one length with :func:`pad_sequences`.
5. Or forget the order altogether: :func:`bag_of_words` counts each id per text, as a
   sparse :class:`BagOfWords` matrix :math:`X` with :math:`X_{d,i}` = count of token
   :math:`i` in text :math:`d`.

Empty texts are allowed and documented (they give empty token lists and all-padding
rows); wrong types raise ``TypeError``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from ._checks import integer, positive_int

__all__ = [
    "OOV",
    "PAD",
    "BagOfWords",
    "Vocabulary",
    "bag_of_words",
    "char_ngrams",
    "char_tokenize",
    "oov_rate",
    "pad_sequences",
    "plain_tokens",
    "remove_stopwords",
    "whitespace_tokenize",
]

#: The id of padding.
PAD = 0
#: The id of every out-of-vocabulary token.
OOV = 1


def _text(text, name="text") -> str:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")
    return text


def whitespace_tokenize(text: str) -> list[str]:
    """Split at runs of whitespace: ``"a  b c" -> ["a", "b", "c"]``.

    A Chinese sentence without spaces comes back as **one** token.
    Empty or blank text gives ``[]``. Raises ``TypeError`` if ``text`` is not a str.
    """
    return _text(text).split()


def char_tokenize(text: str) -> list[str]:
    """Every non-whitespace character is a token: ``"这是 书" -> ["这", "是", "书"]``.

    Empty text gives ``[]``. Raises ``TypeError`` if ``text`` is not a str.
    """
    return [c for c in _text(text) if not c.isspace()]


def char_ngrams(text: str, n_values: Iterable[int] = (1, 2), *, keep_spaces: bool = False):
    """The character n-grams of ``text`` for each ``n`` in ``n_values``, in order.

    ``char_ngrams("很好用", (1, 2)) -> ["很", "好", "用", "很好", "好用"]``.
    Whitespace is removed first unless ``keep_spaces`` (then ``"a b"`` has the bigrams
    ``"a "`` and ``" b"``). ``collections.Counter(char_ngrams(...))`` counts them.

    Raises:
        TypeError: ``text`` is not a str.
        ValueError: an ``n`` is not a positive integer.
    """
    chars = _text(text) if keep_spaces else "".join(char_tokenize(text))
    out = []
    for n in n_values:
        n = positive_int(n, "n_values must hold positive integers; n")
        out.extend(chars[i : i + n] for i in range(len(chars) - n + 1))
    return out


def remove_stopwords(tokens: Iterable[str], stopwords: Iterable[str]) -> list[str]:
    """The tokens that are not stop words, in order.

    Whole tokens are compared: with character tokens, only single-character stop words
    can ever match.
    """
    stop = set(stopwords)
    return [t for t in tokens if t not in stop]


def plain_tokens(tokens: Iterable[str]) -> list[str]:
    """The tokens as plain Python ``str``, e.g. ``[np.str_("题")] -> ["题"]``.

    Tokens that come out of numpy (an array of strings, or Keras's
    ``TextVectorization.get_vocabulary()``) are ``numpy.str_``, which numpy 2 prints as
    ``np.str_('题')``. Raises ``TypeError`` for a token that is not a string.
    """
    out = []
    for i, t in enumerate(tokens):
        if not isinstance(t, str):
            raise TypeError(f"token {i} is a {type(t).__name__}, not a str: {t!r}")
        out.append(str(t))
    return out


class Vocabulary:
    """A mapping between tokens and integer ids, with reserved ids for padding and the unknown.

    The reserved tokens come first: ``pad`` (id 0, :data:`PAD`) if there is one, then
    ``unk`` (id 1, :data:`OOV`, with padding), which stands for every token not in the
    vocabulary. The known tokens follow, by decreasing count (ties: first seen first) or,
    with ``order="sorted"``, in sorted order.

    The book uses two kinds: a classifier's vocabulary of words or characters, made from
    token lists, with padding (chapter 5); and a language model's vocabulary of
    characters, :meth:`of_characters`, without padding, whose :meth:`encode` takes a string
    and whose :meth:`decode` gives one back (chapters 11-15).

    Args:
        token_lists: the training texts, each a list of tokens.
        max_size: keep at most this many ids in total (reserved ids included).
        min_count: drop tokens seen fewer times.
        pad: the padding token, or None for no padding id.
        unk: the token of the unknown id.
        order: ``"frequency"`` or ``"sorted"``.
    Attributes:
        itos: the token of each id; ``stoi`` maps a token to its id; ``counts`` holds
            the training counts; ``unk_id`` is the id of unknown tokens.
    Raises:
        TypeError: a text is a plain string instead of a list of tokens.
        ValueError: ``max_size`` too small for one known token, ``min_count < 1``, bad ``order``.
    """

    def __init__(
        self,
        token_lists,
        max_size: int | None = None,
        min_count: int = 1,
        *,
        pad: str | None = "<pad>",
        unk: str = "<unk>",
        order: str = "frequency",
    ):
        reserved = [unk] if pad is None else [pad, unk]
        if max_size is not None:
            max_size = integer(max_size, "max_size (or None)", minimum=len(reserved) + 1)
        min_count = positive_int(min_count, "min_count")
        if order not in ("frequency", "sorted"):
            raise ValueError(f"order must be 'frequency' or 'sorted', got {order!r}")
        counts: Counter[str] = Counter()
        for i, tokens in enumerate(token_lists):
            if isinstance(tokens, str):
                raise TypeError(
                    f"token_lists[{i}] is a str; pass lists of tokens (tokenize the text first)"
                )
            counts.update(tokens)
        ranked = counts.most_common() if order == "frequency" else sorted(counts.items())
        kept = plain_tokens(t for t, c in ranked if c >= min_count and t not in reserved)
        if max_size is not None:
            kept = kept[: max_size - len(reserved)]
        self.itos = [*reserved, *kept]
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        self.counts = counts
        self.unk, self.unk_id = unk, self.stoi[unk]
        self.characters = False  # whether encode/decode work on strings of characters

    @classmethod
    def of_characters(cls, texts, min_count: int = 1, unk: str = "□") -> Vocabulary:
        """One id per character seen at least ``min_count`` times, in sorted order, after
        the unknown character ``unk`` (id 0); no padding. Every character counts, spaces
        and newlines included.

        Args:
            texts: the training text, a string or an iterable of strings.
        Raises:
            TypeError: a text is not a string. ValueError: ``unk`` not one character,
            ``min_count < 1``.
        """
        texts = [texts] if isinstance(texts, str) else list(texts)
        for t in texts:
            _text(t, "each text")
        if not isinstance(unk, str) or len(unk) != 1:
            raise ValueError(f"unk must be a single character, got {unk!r}")
        vocab = cls(
            [list(t) for t in texts], min_count=min_count, pad=None, unk=unk, order="sorted"
        )
        vocab.characters = True
        return vocab

    def __len__(self) -> int:
        return len(self.itos)

    @property
    def vocab_size(self) -> int:
        """The number of ids, reserved ids included (``len(vocab)``)."""
        return len(self.itos)

    def encode(self, tokens) -> np.ndarray:
        """The ids of ``tokens`` (unknown tokens -> ``unk_id``), int64 array ``[len(tokens)]``.

        A vocabulary of characters takes a string; another refuses one (tokenize first).
        """
        if isinstance(tokens, str) and not self.characters:
            raise TypeError("encode() takes a list of tokens, not a str; tokenize first")
        get, unk = self.stoi.get, self.unk_id
        return np.array([get(t, unk) for t in tokens], dtype=np.int64)

    def decode(self, ids):
        """The tokens of ``ids`` (a string for a vocabulary of characters).

        Raises ``ValueError`` for ids outside the vocabulary.
        """
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            bad = ids[(ids < 0) | (ids >= len(self))][0]
            raise ValueError(f"ids must lie in [0, {len(self) - 1}], got {bad}")
        tokens = [self.itos[i] for i in ids]
        return "".join(tokens) if self.characters else tokens

    def coverage(self, texts) -> float:
        """The fraction of the tokens of ``texts`` (for characters: a string or strings) that
        have their own id, ``1 - oov_rate``."""
        if self.characters:
            texts = [texts] if isinstance(texts, str) else list(texts)
        unknown, total = _unknown_and_total(self, texts)
        return (total - unknown) / total


def _unknown_and_total(vocab: Vocabulary, token_lists) -> tuple[int, int]:
    total = unknown = 0
    for tokens in token_lists:
        ids = vocab.encode(tokens)
        total += ids.size
        unknown += int(np.sum(ids == vocab.unk_id))
    return unknown, total


def oov_rate(vocab: Vocabulary, token_lists) -> float:
    """The fraction of tokens in ``token_lists`` that ``vocab`` does not know (0 if none)."""
    unknown, total = _unknown_and_total(vocab, token_lists)
    return unknown / total if total else 0.0


def pad_sequences(sequences, maxlen: int, padding: str = "post", truncating: str = "post"):
    """Stack id sequences into one ``[n, maxlen]`` int64 array, padded with :data:`PAD`.

    ``padding="post"`` puts the zeros after the ids, ``"pre"`` before;
    ``truncating="post"`` keeps the first ``maxlen`` ids of a longer sequence, ``"pre"``
    the last. (Keras's ``pad_sequences`` defaults to ``"pre"`` for both.)
    An empty sequence gives a row of padding.

    Raises:
        ValueError: ``maxlen`` not a positive integer, or a bad ``padding``/``truncating``.
    """
    maxlen = positive_int(maxlen, "maxlen")
    for name, value in (("padding", padding), ("truncating", truncating)):
        if value not in ("pre", "post"):
            raise ValueError(f"{name} must be 'pre' or 'post', got {value!r}")
    sequences = list(sequences)
    out = np.full((len(sequences), maxlen), PAD, dtype=np.int64)
    for i, seq in enumerate(sequences):
        seq = np.asarray(seq, dtype=np.int64).reshape(-1)
        seq = seq[:maxlen] if truncating == "post" else seq[max(len(seq) - maxlen, 0) :]
        if len(seq):
            if padding == "post":
                out[i, : len(seq)] = seq
            else:
                out[i, maxlen - len(seq) :] = seq
    return out


class BagOfWords:
    r"""A sparse document-by-token count matrix :math:`X` (``[n_docs, n_features]``).

    Stored row by row (compressed sparse rows): the features of document ``d`` are
    ``indices[indptr[d]:indptr[d+1]]`` with values ``values[...]``. The two products a
    linear model needs are computed without ever forming the dense matrix:
    :meth:`dot` gives :math:`X\mathbf w` and :meth:`rdot` gives :math:`X^\top\mathbf r`.
    """

    def __init__(self, indptr, indices, values, n_features: int):
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.indices = np.asarray(indices, dtype=np.int64)
        self.values = np.asarray(values, dtype=np.float64)
        self.n_features = int(n_features)
        self.shape = (len(self.indptr) - 1, self.n_features)
        self._rows = np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))

    def dot(self, w) -> np.ndarray:
        r""":math:`X\mathbf w` for ``w`` of shape ``[n_features]``; returns ``[n_docs]``."""
        w = np.asarray(w, dtype=np.float64)
        if w.shape != (self.n_features,):
            raise ValueError(f"w must have shape ({self.n_features},), got {w.shape}")
        return np.bincount(
            self._rows, weights=self.values * w[self.indices], minlength=self.shape[0]
        )

    def rdot(self, r) -> np.ndarray:
        r""":math:`X^\top\mathbf r` for ``r`` of shape ``[n_docs]``; returns ``[n_features]``."""
        r = np.asarray(r, dtype=np.float64)
        if r.shape != (self.shape[0],):
            raise ValueError(f"r must have shape ({self.shape[0]},), got {r.shape}")
        return np.bincount(
            self.indices, weights=self.values * r[self._rows], minlength=self.n_features
        )

    def rows(self, idx) -> BagOfWords:
        """The sub-matrix of the documents ``idx`` (an integer array)."""
        idx = np.asarray(idx, dtype=np.int64)
        starts, ends = self.indptr[idx], self.indptr[idx + 1]
        take = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)] or [[]])
        take = take.astype(np.int64)
        indptr = np.concatenate([[0], np.cumsum(ends - starts)])
        return BagOfWords(indptr, self.indices[take], self.values[take], self.n_features)

    def toarray(self) -> np.ndarray:
        """The dense ``[n_docs, n_features]`` array (for small examples)."""
        out = np.zeros(self.shape)
        np.add.at(out, (self._rows, self.indices), self.values)
        return out


def bag_of_words(id_lists, n_features: int, binary: bool = False, drop=(PAD,)) -> BagOfWords:
    """Count the ids of each text: :math:`X_{d,i}` = occurrences of id ``i`` in text ``d``.

    Args:
        id_lists: one id sequence per text (e.g. from :meth:`Vocabulary.encode`).
        n_features: the number of columns (``len(vocab)``).
        binary: record presence (1) instead of counts.
        drop: ids not to count (default: padding; add :data:`OOV` to ignore unknown tokens).
    Returns:
        a :class:`BagOfWords` of shape ``[len(id_lists), n_features]``.
    Raises:
        ValueError: an id outside ``[0, n_features)``.
    """
    indptr, indices, values = [0], [], []
    drop = set(drop)
    for d, ids in enumerate(id_lists):
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= n_features):
            raise ValueError(f"id_lists[{d}] holds ids outside [0, {n_features - 1}]")
        if drop:
            ids = ids[~np.isin(ids, list(drop))]
        uniq, counts = np.unique(ids, return_counts=True)
        indices.append(uniq)
        values.append(np.ones_like(counts) if binary else counts)
        indptr.append(indptr[-1] + len(uniq))
    return BagOfWords(indptr, _concat(indices), _concat(values), n_features)


def _concat(parts):
    return np.concatenate(parts) if parts else np.zeros(0)
