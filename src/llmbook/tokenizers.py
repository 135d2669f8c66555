r"""Byte-pair encoding (BPE) over UTF-8 bytes.

A tokenizer maps a string to a list of integer ids and back. The simplest gives one id
per character, :meth:`llmbook.text.Vocabulary.of_characters` (characters seen fewer than
``min_count`` times share one "unknown" id). Here is the one GPT-2 uses:

- :class:`BPETokenizer`: byte-level byte-pair encoding (Sennrich et al. 2016; the
  byte-level variant of GPT-2). The base vocabulary is the 256 byte values, so *every*
  Unicode string can be encoded, and ``decode(encode(s)) == s`` exactly. Training
  repeatedly merges the most frequent adjacent pair of tokens into a new token:

  .. math::
      (a, b)^\star = \arg\max_{(a,b)} \operatorname{count}(a\,b), \qquad
      \text{vocabulary} \leftarrow \text{vocabulary} \cup \{a^\star b^\star\}.

Before counting, text is split into chunks (runs of word characters, runs of
whitespace, runs of other symbols, see :func:`pre_tokenize`) and merges never cross a
chunk boundary. Chinese characters are word characters, so a run of Chinese text is one
chunk and BPE can learn multi-character words such as 中国 or 经济.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from ._checks import integer

__all__ = ["BPETokenizer", "apply_merges", "pre_tokenize"]

_CHUNK = re.compile(r"\s+|\w+|[^\w\s]+")


def _check_text(s, name="text") -> str:
    if not isinstance(s, str):
        raise TypeError(f"{name} must be a str, got {type(s).__name__}")
    return s


def _check_texts(texts, name="texts") -> list[str]:
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, Iterable):
        raise TypeError(f"{name} must be a string or an iterable of strings")
    out = [_check_text(t, f"each element of {name}") for t in texts]
    if not any(out):
        raise ValueError(f"{name} must contain at least one non-empty string")
    return out


def pre_tokenize(s: str) -> list[str]:
    r"""Split ``s`` into chunks: runs of whitespace, of word characters, or of other symbols.

    The regular expression is ``\s+|\w+|[^\w\s]+``; every character belongs to exactly one
    of the three classes, so ``"".join(pre_tokenize(s)) == s``.

    Args:
        s: any string.
    Returns:
        list of non-empty strings.
    Raises:
        TypeError: ``s`` is not a string.
    """
    return _CHUNK.findall(_check_text(s, "s"))


class BPETokenizer:
    """Byte-level byte-pair encoding.

    Ids 0-255 are the bytes; id ``256 + r`` is the token created by merge number ``r``.
    ``decode(encode(s)) == s`` for every string ``s`` (strings with lone surrogates
    included: they are encoded with UTF-8's ``surrogatepass``).

    Args:
        merges: the learned merges in order, each a pair of ids ``(a, b)``; usually
            created by :meth:`train`.
    Raises:
        ValueError: a merge refers to an id that does not exist yet.
    """

    def __init__(self, merges: Sequence[tuple[int, int]] = ()):
        self.merges: list[tuple[int, int]] = []
        self.vocab: list[bytes] = [bytes([i]) for i in range(256)]
        self.ranks: dict[tuple[int, int], int] = {}
        for a, b in merges:
            self._add_merge(int(a), int(b))
        self._cache: dict[str, list[int]] = {}

    def _add_merge(self, a: int, b: int) -> int:
        """Learn the merge ``(a, b)``: vocabulary <- vocabulary + {ab}; returns its id."""
        n = len(self.vocab)  # the new token's id
        if not (0 <= a < n and 0 <= b < n):
            raise ValueError(f"merge ({a}, {b}) refers to an id outside [0, {n - 1}]")
        self.ranks[(a, b)] = len(self.merges)  # its rank: when it was learned
        self.merges.append((a, b))
        self.vocab.append(self.vocab[a] + self.vocab[b])  # bytes of a, then of b
        return n

    @property
    def vocab_size(self) -> int:
        """256 bytes plus one id per merge."""
        return len(self.vocab)

    @classmethod
    def train(cls, texts, vocab_size: int) -> BPETokenizer:
        """Learn ``vocab_size - 256`` merges from ``texts``.

        Each step merges the most frequent adjacent pair (ties broken by the smaller pair
        of ids, so training is deterministic) inside every chunk of :func:`pre_tokenize`.
        Identical chunks are counted once, with their frequency. After a merge only the
        pairs next to each merged occurrence change, in the chunks that held the pair, so
        a step costs the occurrences it merges rather than a recount of the corpus.
        Training stops early if no pair occurs twice.

        Args:
            texts: a string or an iterable of strings.
            vocab_size: the final vocabulary size, an integer >= 256.
        Returns:
            a trained :class:`BPETokenizer`.
        Raises:
            TypeError, ValueError: bad ``texts`` or ``vocab_size``.
        """
        texts = _check_texts(texts)
        vocab_size = integer(vocab_size, "vocab_size", minimum=256)
        tok = cls()
        chunk_counts = Counter()
        for t in texts:
            chunk_counts.update(pre_tokenize(t))
        words = [list(c.encode("utf-8", "surrogatepass")) for c in chunk_counts]
        freqs = list(chunk_counts.values())
        pair_counts: dict[tuple[int, int], int] = defaultdict(int)
        where: dict[tuple[int, int], set[int]] = defaultdict(set)
        for w, (word, f) in enumerate(zip(words, freqs, strict=True)):
            for pair in itertools.pairwise(word):
                pair_counts[pair] += f
                where[pair].add(w)
        # A max-heap of (-count, a, b) with lazy deletion: stale entries are skipped.
        heap = [(-c, a, b) for (a, b), c in pair_counts.items()]
        heapq.heapify(heap)
        while tok.vocab_size < vocab_size and heap:
            neg, a, b = heapq.heappop(heap)
            pair = (a, b)
            if pair_counts.get(pair, 0) != -neg:
                continue  # stale
            if -neg < 2:
                break
            new_id = tok._add_merge(*pair)
            touched = set()
            for w in where.pop(pair, ()):
                new_word, deltas = _merge(words[w], pair, new_id)
                if not deltas:
                    continue  # the pair left this chunk in an earlier merge
                words[w], f = new_word, freqs[w]
                for p, d in deltas.items():
                    if d:
                        pair_counts[p] += d * f
                        touched.add(p)
                        if d > 0:
                            where[p].add(w)
            pair_counts.pop(pair, None)
            touched.discard(pair)
            for p in touched:
                c = pair_counts.get(p, 0)
                if c <= 0:
                    pair_counts.pop(p, None)
                    where.pop(p, None)
                else:
                    heapq.heappush(heap, (-c, p[0], p[1]))
        return tok

    def _encode_chunk(self, chunk: str) -> list[int]:
        cached = self._cache.get(chunk)
        if cached is not None:
            return cached
        ids = apply_merges(list(chunk.encode("utf-8", "surrogatepass")), self.ranks)
        if len(self._cache) < 100_000:
            self._cache[chunk] = ids
        return ids

    def encode(self, s: str) -> list[int]:
        """The ids of ``s``: its UTF-8 bytes, merged in the order the merges were learned.

        Raises:
            TypeError: ``s`` is not a string.
        """
        out: list[int] = []
        for chunk in pre_tokenize(s):
            out.extend(self._encode_chunk(chunk))
        return out

    def decode(self, ids: Sequence[int]) -> str:
        """The string whose encoding is ``ids``.

        Raises:
            ValueError: an id outside ``[0, vocab_size)``, or bytes that are not UTF-8.
        """
        return self.decode_bytes(ids).decode("utf-8", "surrogatepass")

    def decode_bytes(self, ids: Sequence[int]) -> bytes:
        """The bytes of ``ids`` concatenated (a single token may be part of a character)."""
        n = len(self.vocab)
        parts = []
        for i in ids:
            i = int(i)
            if not 0 <= i < n:
                raise ValueError(f"ids must be in [0, {n - 1}], got {i}")
            parts.append(self.vocab[i])
        return b"".join(parts)

    def token_strings(self, ids: Sequence[int]) -> list[str]:
        """Each token shown as text; a token that is only part of a UTF-8 character shows as ``<xx>`` hex bytes."""
        out = []
        for i in ids:
            b = self.decode_bytes([i])
            try:
                out.append(b.decode("utf-8"))
            except UnicodeDecodeError:
                out.append("".join(f"<{x:02x}>" for x in b))
        return out


def apply_merges(ids: list[int], ranks: dict[tuple[int, int], int]) -> list[int]:
    """Encode one chunk's bytes ``ids`` by replaying the merges, earliest first.

    ``ranks[(a, b)] = r`` when ``(a, b)`` was merge number ``r``, which made id
    ``256 + r``.
    """
    while len(ids) > 1:
        # the adjacent pair learned earliest (rank inf: never learned)
        pair = min(itertools.pairwise(ids), key=lambda ab: ranks.get(ab, math.inf))
        if pair not in ranks:
            return ids  # no adjacent pair was ever merged: done
        ids = _merge(ids, pair, 256 + ranks[pair])[0]  # every (a, b) -> new id
    return ids


def _merge(ids: list[int], pair: tuple[int, int], new_id: int):
    """Replace every non-overlapping occurrence of ``pair`` (left to right) by ``new_id``,
    and say how the count of each adjacent pair changes.

    The sequence is rewritten left to right; at each occurrence of ``(a, b)``, with ``l``
    the token now on its left and ``r`` the one on its right, the pairs ``(l, a)``,
    ``(a, b)``, ``(b, r)`` disappear and ``(l, new)``, ``(new, r)`` appear. Because ``l``
    is read from the rewritten part, back-to-back occurrences (``a b a b``) come out right:
    ``(new, a)`` is added by the first and removed by the second, which adds ``(new, new)``.

    Returns:
        ``(new_ids, deltas)``: ``deltas`` maps pairs to changes of their count (empty when
        ``pair`` does not occur).
    """
    a, b = pair
    n = len(ids)
    out: list[int] = []
    deltas: dict[tuple[int, int], int] = defaultdict(int)
    i = 0
    while i < n:
        try:
            j = ids.index(a, i)
        except ValueError:
            break
        if j + 1 < n and ids[j + 1] == b:
            out.extend(ids[i:j])
            deltas[pair] -= 1
            if out:
                left = out[-1]
                deltas[(left, a)] -= 1
                deltas[(left, new_id)] += 1
            if j + 2 < n:
                right = ids[j + 2]
                deltas[(b, right)] -= 1
                deltas[(new_id, right)] += 1
            out.append(new_id)
            i = j + 2
        else:
            out.extend(ids[i : j + 1])
            i = j + 1
    if not deltas:
        return ids, deltas
    out.extend(ids[i:])
    return out, deltas
