"""Speed of the byte-level BPE of chapter 11: training on growing slices of the corpus, and encoding.

Run: .venv/bin/python bench/tokenizers.py [--quick]

Training: ``BPETokenizer.train`` on the first N lines of the People's Daily corpus, for two
vocabulary sizes (pure Python; wall-clock on this machine, printed, never asserted).
Encoding: characters per second of ``encode`` on 1,000 held-out lines, with the
tokenizer's chunk cache cleared before each run (a cold cache) and kept (a warm one).
Target: the chapter's tokenizer (4,000 lines, 2,048 tokens) trains in under 15 s.
"""

import sys
import time

from llmbook import corpus
from llmbook.tokenizers import BPETokenizer


def main(quick=False):
    lines = corpus.peoples_daily_sentences()
    sizes = [300, 1000] if quick else [300, 1000, 4000, 8000]
    print(f"{'lines':>6} {'characters':>11} {'vocab':>6} {'train (s)':>10}")
    trained = None
    for n in sizes:
        chars = sum(len(s) for s in lines[:n])
        for vocab in (512, 2048):
            t0 = time.perf_counter()
            tok = BPETokenizer.train(lines[:n], vocab)
            print(f"{n:6d} {chars:11,d} {vocab:6d} {time.perf_counter() - t0:10.2f}", flush=True)
            trained = tok
    held = lines[-1000:]
    n_chars = sum(len(s) for s in held)
    print(f"\nencoding {n_chars:,} held-out characters with the last tokenizer")
    for label, clear in (("cold cache", True), ("warm cache", False)):
        if clear:
            trained._cache.clear()
        t0 = time.perf_counter()
        n_tokens = sum(len(trained.encode(s)) for s in held)
        dt = time.perf_counter() - t0
        print(f"  {label}: {n_chars / dt:,.0f} characters/s ({n_tokens / n_chars:.2f} tokens/char)")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
