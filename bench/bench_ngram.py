"""Time fitting and scoring n-gram models on the People's Daily corpus (prints a table).

Run: .venv/bin/python bench/bench_ngram.py
"""

import time

from llmbook import corpus
from llmbook.ngram import NGramModel
from llmbook.splits import train_test_split


def main():
    lines = corpus.peoples_daily_sentences()
    train, valid = train_test_split(lines, test_fraction=0.1, seed=0)
    n_chars = sum(map(len, train))
    print(f"train: {len(train):,} lines, {n_chars:,} characters; valid: {len(valid):,} lines")
    print(
        f"{'n':>2} {'smoothing':>11} {'fit s':>7} {'score s':>8} {'perplexity':>11} {'n-grams':>10}"
    )
    for n in range(1, 6):
        for smoothing in ("add-k", "kneser-ney"):
            t0 = time.perf_counter()
            model = NGramModel(n, k=1.0, smoothing=smoothing).fit(train)
            t1 = time.perf_counter()
            pp = model.perplexity(valid)
            t2 = time.perf_counter()
            print(
                f"{n:>2} {smoothing:>11} {t1 - t0:>7.2f} {t2 - t1:>8.2f} {pp:>11.1f}"
                f" {model.num_ngrams():>10,}"
            )


if __name__ == "__main__":
    main()
