"""The tiny-Llama experiment of chapter 24: chapter 15's GPT, one part at a time turned into Llama's.

Every run trains a :class:`llmbook.llama.LlamaConfig` on chapter 15's data
(:func:`llmbook.tiny_gpt.prepare`) with chapter 15's shape and the training settings of one
of its runs (:data:`EXPERIMENTS`): its default, which clips the gradient at norm 1, or the
same without clipping (plain Adam, as chapter 16's scaling runs). Only the switches of the
model change:

- :data:`ABLATION`: the GPT-2 block, then RMSNorm, RoPE, SwiGLU, grouped-query attention
  (half as many key/value heads as query heads), and last no biases with an untied output
  layer, which is the tiny Llama; each row keeps the changes of the rows before it.
- :data:`POSITIONS`: the tiny Llama with learned positions, with sinusoids, and with RoPE.

``python -m llmbook.tiny_llama --record [--run RUN]`` trains every row with seeds 0, 1 and 2
and writes one JSON record per run into ``llmbook/data/tiny_llama/<run>/`` (:func:`record`),
which the chapter reads (:func:`recorded`, :func:`summary`); ``make tiny-llama-ablation``
runs both experiments. ``python -m llmbook.tiny_llama`` trains (or loads from the book's
cache) the tiny Llama at seed 0 with the default settings alone, as the chapter does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import pathlib
import sys
from importlib import resources

import numpy as np
from threadpoolctl import threadpool_limits

from . import gpt, llama, lm_eval, rope, sources, tiny_gpt, transformer

__all__ = [
    "ABLATION",
    "BEYOND",
    "EXPERIMENTS",
    "EXTEND_STEPS",
    "POSITIONS",
    "RECORD",
    "SEEDS",
    "THREADS",
    "beyond_context",
    "beyond_figure",
    "beyond_summary",
    "complete",
    "config",
    "difference",
    "effect_of_run",
    "experiment_settings",
    "extended",
    "figure",
    "folder_of",
    "main",
    "parameter_count",
    "record",
    "recorded",
    "runs",
    "steps",
    "summary",
    "table_rows",
    "trained",
]

#: The seeds every row is trained with.
SEEDS = (0, 1, 2)

#: BLAS threads used to train: one, so that a run beside other work on the machine does not
#: wait for a second thread at every matrix product (the result does not depend on it).
THREADS = 1

_GPT2 = {"norm": "layernorm", "positions": "learned", "mlp": "gelu", "bias": True, "tied": True}
_GQA = "half"  # n_kv_head = n_head / 2, filled in by :func:`config`

#: The ablation: each row's switches (cumulative), from chapter 15's GPT-2 block to the tiny Llama.
ABLATION = {
    "GPT-2 block": dict(_GPT2),
    "+ RMSNorm": {**_GPT2, "norm": "rmsnorm"},
    "+ RoPE": {**_GPT2, "norm": "rmsnorm", "positions": "rope"},
    "+ SwiGLU": {**_GPT2, "norm": "rmsnorm", "positions": "rope", "mlp": "swiglu"},
    "+ GQA": {**_GPT2, "norm": "rmsnorm", "positions": "rope", "mlp": "swiglu", "n_kv_head": _GQA},
    "tiny Llama": {"n_kv_head": _GQA},  # no biases, untied: LlamaConfig's defaults
}

#: The positions compared on the tiny Llama (``"RoPE"`` is the ablation's last row).
POSITIONS = {
    "learned": {"n_kv_head": _GQA, "positions": "learned"},
    "sinusoidal": {"n_kv_head": _GQA, "positions": "sinusoidal"},
    "RoPE": ABLATION["tiny Llama"],
}

#: How far past its training context :func:`beyond_context` reads: windows of ``BEYOND * n_ctx``.
BEYOND = 2

#: Steps of fine-tuning on windows of ``BEYOND * n_ctx`` (:func:`extended`), 5 % of the training's.
EXTEND_STEPS = 200

#: The experiments: chapter 15's runs (:data:`llmbook.tiny_gpt.RUNS`) whose settings they
#: train with, the first the chapter's main one.
EXPERIMENTS = ("default", "no clipping")

#: The positions table's rows that are rows of the ablation, by the name they have there.
_SAME_RUNS = {"RoPE": "tiny Llama"}


def _runs_of(name: str) -> str:
    """The row whose records a table row shows: the positions table's ``"RoPE"`` is the tiny Llama."""
    return _SAME_RUNS.get(name, name)


#: The rows of the positions table as rows of the experiment.
_POSITION_ROWS = tuple(_runs_of(n) for n in POSITIONS)

#: Where :func:`record` writes one JSON file per run, in a folder per experiment.
RECORD = resources.files("llmbook") / "data" / "tiny_llama"


def folder_of(run: str = "default") -> pathlib.Path:
    """The folder of experiment ``run``'s records: ``RECORD / "no_clipping"`` for ``"no clipping"``."""
    if run not in EXPERIMENTS:
        raise ValueError(f"run must be one of {EXPERIMENTS}, got {run!r}")
    return pathlib.Path(str(RECORD)) / run.replace(" ", "_")


def _flags(name):
    if name in ABLATION:
        return ABLATION[name]
    if name in POSITIONS:
        return POSITIONS[name]
    raise ValueError(f"unknown row {name!r}; rows: {list(ABLATION) + list(POSITIONS)}")


def config(name: str, n_vocab: int, settings=None) -> llama.LlamaConfig:
    """The :class:`llmbook.llama.LlamaConfig` of row ``name`` at the shape of ``settings``.

    Args:
        name: a key of :data:`ABLATION` or :data:`POSITIONS`.
        n_vocab: the vocabulary size.
        settings: a :class:`llmbook.tiny_gpt.Settings` (default :data:`llmbook.tiny_gpt.DEFAULTS`).
    Raises:
        ValueError: an unknown row.
    """
    s = tiny_gpt.DEFAULTS if settings is None else settings
    flags = dict(_flags(name))
    if flags.get("n_kv_head") == _GQA:
        flags["n_kv_head"] = s.n_head // 2
    return llama.LlamaConfig(n_vocab=n_vocab, n_ctx=s.n_ctx, d_model=s.d_model,
                             n_head=s.n_head, n_layer=s.n_layer, **flags)  # fmt: skip


def parameter_count(cfg: llama.LlamaConfig) -> int:
    """The parameters of ``cfg`` by the closed formula :func:`llmbook.transformer.parameter_count`."""
    return transformer.parameter_count(
        cfg.n_layer, cfg.d_model, cfg.n_head, cfg.n_vocab, cfg.n_ctx, cfg.d_ff, cfg.tied,
        n_kv_head=cfg.n_kv_head, norm=cfg.norm, mlp=cfg.mlp, positions=cfg.positions,
        bias=cfg.bias,
    )  # fmt: skip


def _source_hash() -> str:
    """A hash of the model's and the training loop's code (:mod:`llmbook.llama` and what it imports)."""
    return sources.fingerprint("import llmbook.llama", data=())


def experiment_settings(base="default"):
    """The experiment's settings: ``base``, evaluated once, at the end.

    ``base`` is a :class:`llmbook.tiny_gpt.Settings` or the name of one of chapter 15's runs,
    by default ``"default"``, the settings chapter 15's GPT is trained with (clipped at
    norm 1); ``"no clipping"`` is the same with plain Adam. The validation loss does not
    depend on how often it is measured (evaluating draws no random numbers), so the final one
    is chapter 15's; evaluating only at the end saves three passes over the validation text
    per run.
    """
    s = tiny_gpt.settings_of(base) if isinstance(base, str) else base
    return dataclasses.replace(s, eval_every=s.steps)


def trained(data, name: str = "tiny Llama", seed: int = 0, settings=None, cache=True):
    """Train (or load from the cache) row ``name`` with ``seed``, as chapter 15 trains its GPT.

    The training is :func:`llmbook.gpt.train` in float32 with the steps, batch size,
    learning-rate schedule, weight decay, clipping and evaluation of ``settings`` (default
    :func:`experiment_settings`), on :data:`THREADS` BLAS threads. ``seed`` replaces the settings'
    seed (the initial weights and the batches). ``cache`` as in
    :func:`llmbook.tiny_gpt.trained`; the key hashes the settings, the row, the seed, the
    data and the source of the model.

    Returns:
        ``(cfg, result)``: the :class:`llmbook.llama.LlamaConfig` and the
        :class:`llmbook.gpt.TrainResult`.
    """
    s = dataclasses.replace(experiment_settings() if settings is None else settings, seed=seed)
    cfg = config(name, data.tokenizer.vocab_size, s)
    folder = tiny_gpt.cache_dir() if cache is True else (pathlib.Path(cache) if cache else None)
    blob = [dataclasses.asdict(s), dataclasses.asdict(cfg), int(data.train_ids.sum()),
            int(data.val_ids.sum()), _source_hash()]  # fmt: skip
    key = hashlib.sha256(json.dumps(blob).encode()).hexdigest()[:16]
    path = folder / f"tiny_llama_{key}.npz" if folder else None
    if path is not None and path.is_file():
        return cfg, gpt.load_result(path)
    with threadpool_limits(limits=THREADS, user_api="blas"):
        res = gpt.train(
            cfg, data.train_ids, data.val_ids, steps=s.steps, batch_size=s.batch_size,
            lr=s.lr, warmup=s.warmup, final_lr=s.final_lr, weight_decay=s.weight_decay,
            clip_norm=s.clip_norm, seed=s.seed, eval_every=s.eval_every, dtype=np.float32,
        )  # fmt: skip
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        gpt.save_result(path, res)
    return cfg, res


def beyond_context(cfg: llama.LlamaConfig, params, val_ids, factor: int = BEYOND) -> dict:
    r"""The validation loss at each position of windows ``factor`` times the training context.

    :func:`llmbook.lm_eval.position_losses` with :math:`T = f\,n_{ctx}`, the model unchanged
    but for its context:

    - ``"as trained"``: positions :math:`0, \dots, T-1` as they are; past :math:`n_{ctx}`
      sinusoids and rotations take values the model never saw in training;
    - ``"interpolated"`` (RoPE only): every position scaled by :math:`s = 1/f`
      (``rope_scale``), so that every angle falls inside the range seen in training
      (position interpolation, :func:`llmbook.rope.interpolation_scale`).

    Learned positions have no vector past :math:`n_{ctx}`: the result is then empty.

    Returns:
        ``{name: [T] losses as a list}``.
    """
    if cfg.positions == "learned":
        return {}
    long = dataclasses.replace(cfg, n_ctx=factor * cfg.n_ctx)
    out = {"as trained": lm_eval.position_losses(params, long, val_ids)}
    if cfg.positions == "rope":
        scaled = dataclasses.replace(
            long, rope_scale=rope.interpolation_scale(cfg.n_ctx, long.n_ctx)
        )
        out["interpolated"] = lm_eval.position_losses(params, scaled, val_ids)
    return {k: [float(v) for v in a] for k, a in out.items()}


def extended(cfg: llama.LlamaConfig, params, data, settings, interpolate: bool,
             steps: int = EXTEND_STEPS, factor: int = BEYOND):  # fmt: skip
    r"""A copy of a RoPE model fine-tuned on windows ``factor`` times its training context.

    :func:`llmbook.gpt.train` for ``steps`` steps on windows of :math:`f\,n_{ctx}` characters,
    with the batch size, clipping and seed of ``settings`` and a constant learning rate, the
    one training ended with (``lr * final_lr``); the positions as they are, or interpolated
    (``rope_scale`` :math:`= 1/f`), as Chen et al. fine-tune after interpolating. ``params``
    is left unchanged.

    Returns:
        ``(cfg, result)``: the model's config at the longer context and the
        :class:`llmbook.gpt.TrainResult`, whose last validation loss is the sliding-window
        loss at that context.
    Raises:
        ValueError: a model without RoPE.
    """
    if cfg.positions != "rope":
        raise ValueError(f"extended fine-tunes RoPE models, got positions={cfg.positions!r}")
    long = dataclasses.replace(cfg, n_ctx=factor * cfg.n_ctx,
                               rope_scale=1.0 / factor if interpolate else 1.0)  # fmt: skip
    copy = gpt.tree_from_leaves({k: np.array(a, np.float32) for k, a in gpt.tree_leaves(params)})
    res = gpt.train(long, data.train_ids, data.val_ids, steps=steps, batch_size=settings.batch_size,
                    lr=settings.lr * settings.final_lr, warmup=0, final_lr=1.0,
                    clip_norm=settings.clip_norm, seed=settings.seed, eval_every=steps,
                    params=copy, dtype=np.float32)  # fmt: skip
    return long, res


def _file(name, seed):
    slug = name.replace("+ ", "").replace(" ", "_").replace("-", "").lower()
    return f"{slug}_seed{seed}.json"


def runs() -> list[tuple[str, str, int]]:
    """Every run of the experiment as ``(table, row, seed)``, most telling first.

    The two ends of the ablation come first (the tiny Llama, which the chapter trains again, first of all), then the steps between, then the positions
    (RoPE's row is the tiny Llama, already run): a record cut short still compares rows.
    """
    rows = [("ablation", "tiny Llama"), ("ablation", "GPT-2 block")]
    rows += [("ablation", n) for n in ABLATION if n not in ("GPT-2 block", "tiny Llama")]
    rows += [("positions", n) for n in POSITIONS if n != "RoPE"]
    return [(t, n, s) for t, n in rows for s in SEEDS]


def record(name: str, seed: int, data=None, run="default", folder=None, cache=True) -> dict:
    """Train row ``name`` with ``seed`` (or load it from the cache) and write its record.

    ``run`` is one of :data:`EXPERIMENTS` or a :class:`llmbook.tiny_gpt.Settings`
    (:func:`experiment_settings`). The record (``folder``, default :func:`folder_of` ``run``) holds the row, its switches and
    configuration, the seed, the training settings, the parameter count (counted in the
    weights), the validation loss at every evaluation (:func:`llmbook.gpt.evaluate`, the
    sliding-window evaluation of chapter 15) and the training time per step in
    milliseconds (wall time of the training steps, evaluations excluded); for the rows of
    :data:`POSITIONS`, also the loss by position past the training context
    (:func:`beyond_context`) and, for RoPE, after :data:`EXTEND_STEPS` steps of fine-tuning
    on the longer windows with and without interpolation (:func:`extended`; ``"extended"``
    holds their validation losses in sliding windows of the longer context, and that of the
    same steps on windows of the training context).

    Returns:
        the record.
    """
    data = tiny_gpt.prepare() if data is None else data
    s = experiment_settings(run)
    cfg, res = trained(data, name, seed, s, cache=cache)
    cfg_dict = dataclasses.asdict(cfg)
    rec = {
        "row": name,
        "flags": {k: cfg_dict[k] for k in ("norm", "positions", "mlp", "bias", "tied")},
        "config": cfg_dict,
        "seed": seed,
        "settings": {**dataclasses.asdict(s), "seed": seed},
        "params": gpt.n_params(res.params),
        "eval_steps": res.val_steps,
        "validation": res.val_loss,
        "ms_per_step": 1000.0 * res.seconds / res.steps[-1],
        "threads": THREADS,
    }
    if name in _POSITION_ROWS and cfg.positions != "learned":
        with threadpool_limits(limits=THREADS, user_api="blas"):
            rec["beyond"] = beyond_context(cfg, res.params, data.val_ids)
            if cfg.positions == "rope":
                rec["extended"] = _extended_record(cfg, res.params, data, s, rec["beyond"])
    folder = folder_of(run) if folder is None else pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / _file(name, seed)).write_text(json.dumps(rec, indent=1) + "\n")
    return rec


def _extended_record(cfg, params, data, s, beyond) -> dict:
    """Fine-tune with and without interpolation (:func:`extended`); add the loss by position of
    each to ``beyond`` and return their sliding-window validation losses, and, as a control,
    that of the same steps of training on windows of the training context (``"continued"``)."""
    out = {}
    for name, interpolate in (("as trained", False), ("interpolated", True)):
        long, ext = extended(cfg, params, data, s, interpolate)
        losses = lm_eval.position_losses(ext.params, long, data.val_ids)
        beyond[f"{name}, fine-tuned"] = [float(v) for v in losses]
        out[name] = float(ext.val_loss[-1])
    _, ext = extended(cfg, params, data, s, interpolate=False, factor=1)  # the control
    out["continued"] = float(ext.val_loss[-1])
    return out


def recorded(run: str = "default", folder=None) -> list[dict]:
    """Every record :func:`record` wrote for experiment ``run`` (or into ``folder``), in the
    order of :data:`ABLATION` then :data:`POSITIONS`, by seed."""
    folder = folder_of(run) if folder is None else pathlib.Path(folder)
    out = []
    for name in dict.fromkeys([*ABLATION, *_POSITION_ROWS]):  # "RoPE" is the tiny Llama
        for seed in SEEDS:
            f = folder / _file(name, seed)
            if f.is_file():
                out.append(json.loads(f.read_text()))
    return out


def complete(records) -> list[dict]:
    """The records of the rows recorded with every seed of :data:`SEEDS` (a row is shown whole or not at all)."""
    seeds = {}
    for r in records:
        seeds.setdefault(r["row"], set()).add(r["seed"])
    return [r for r in records if seeds[r["row"]] >= set(SEEDS)]


def summary(records, table: str = "ablation") -> list[dict]:
    """One line per row of ``table`` (``"ablation"`` or ``"positions"``) that has records.

    Each line: ``row``, ``flags``, ``seeds`` (the seeds recorded), ``losses`` (the final
    validation loss of each seed, in nats per character), ``mean`` and ``std`` (the sample
    standard deviation, ``ddof=1``, over the seeds), ``params`` and ``ms_per_step`` (the
    mean over seeds). The positions table's ``"RoPE"`` line is the tiny Llama's records.

    Raises:
        ValueError: an unknown table, or records of one row with different parameter counts.
    """
    rows = {"ablation": ABLATION, "positions": POSITIONS}
    if table not in rows:
        raise ValueError(f"table must be 'ablation' or 'positions', got {table!r}")
    out = []
    for name in rows[table]:
        source = _runs_of(name)
        recs = [r for r in records if r["row"] == source]
        if not recs:
            continue
        losses = [r["validation"][-1] for r in recs]
        if len({r["params"] for r in recs}) != 1:
            raise ValueError(f"the records of {name!r} disagree on the parameter count")
        out.append({
            "row": name,
            "flags": recs[0]["flags"],
            "seeds": [r["seed"] for r in recs],
            "losses": losses,
            "mean": float(np.mean(losses)),
            "std": float(np.std(losses, ddof=1)) if len(losses) > 1 else float("nan"),
            "params": recs[0]["params"],
            "ms_per_step": float(np.mean([r["ms_per_step"] for r in recs])),
        })  # fmt: skip
    return out


def difference(records, row: str, base: str, table: str = "ablation") -> dict:
    r"""How far row ``row``'s mean validation loss is from row ``base``'s, against the seed noise.

    With means :math:`\bar a, \bar b`, sample standard deviations :math:`s_a, s_b` over
    :math:`n_a, n_b` seeds, the difference is :math:`\Delta = \bar a - \bar b` and its
    standard error :math:`\mathrm{se} = \sqrt{s_a^2/n_a + s_b^2/n_b}`. The difference is
    called ``"lower"`` or ``"higher"`` only when :math:`|\Delta| > 2\,\mathrm{se}`, else
    ``"within the seed spread"`` (with three seeds a rough screen, not a significance test).

    Returns:
        ``{"diff", "se", "ratio", "words"}`` (``ratio`` is :math:`|\Delta| / \mathrm{se}`).
    Raises:
        ValueError: a row without records, or with fewer than two seeds.
    """
    lines = {ln["row"]: ln for ln in summary(records, table)}
    for name in (row, base):
        if name not in lines:
            raise ValueError(f"no records of {name!r} in the {table} table")
        if len(lines[name]["losses"]) < 2:
            raise ValueError(f"{name!r} needs at least two seeds for a spread")
    a, b = lines[row], lines[base]
    diff = a["mean"] - b["mean"]
    se = float(np.sqrt(a["std"] ** 2 / len(a["losses"]) + b["std"] ** 2 / len(b["losses"])))
    if abs(diff) > 2 * se:
        words = "lower" if diff < 0 else "higher"
    else:
        words = "within the seed spread"
    return {"diff": diff, "se": se, "ratio": abs(diff) / se if se > 0 else np.inf, "words": words}


def steps(records, table: str = "ablation") -> list[dict]:
    """Each line of :func:`summary` against the line above it, by :func:`difference`.

    Returns:
        one dict per step: ``step`` (``"row above → row"``), ``row``, ``base`` and
        :func:`difference`'s ``diff``, ``se``, ``ratio`` and ``words``.
    """
    lines = summary(records, table)
    return [{"step": f"{a['row']} → {b['row']}", "row": b["row"], "base": a["row"],
             **difference(records, b["row"], a["row"], table)}
            for a, b in itertools.pairwise(lines)]  # fmt: skip


def effect_of_run(records_a, records_b, table: str = "ablation") -> list[dict]:
    r"""Row by row, how experiment ``b`` changes the validation loss of experiment ``a``.

    For each row both experiments recorded (:func:`summary`), the seeds both have are paired:
    :math:`\delta_s = \ell^b_s - \ell^a_s`. Each line: ``row``, ``a`` and ``b`` (the two
    means over all their seeds), ``diff`` (the mean of :math:`\delta_s`), ``std`` (its sample
    standard deviation) and ``seeds`` (the paired seeds).

    Raises:
        ValueError: a row recorded in both with no seed in common.
    """
    lines_b = {ln["row"]: ln for ln in summary(records_b, table)}
    out = []
    for la in summary(records_a, table):
        lb = lines_b.get(la["row"])
        if lb is None:
            continue
        a, b = (
            dict(zip(la["seeds"], la["losses"], strict=True)),
            dict(zip(lb["seeds"], lb["losses"], strict=True)),
        )
        seeds = sorted(set(a) & set(b))
        if not seeds:
            raise ValueError(f"{la['row']!r}: no seed recorded in both experiments")
        delta = [b[s] - a[s] for s in seeds]
        std = float(np.std(delta, ddof=1)) if len(delta) > 1 else float("nan")
        out.append({"row": la["row"], "a": la["mean"], "b": lb["mean"],
                    "diff": float(np.mean(delta)), "std": std, "seeds": seeds})  # fmt: skip
    return out


def table_rows(
    records, table: str = "ablation", baseline: str | None = "GPT-2 block"
) -> list[dict]:
    """:func:`summary`'s lines as table rows: switches, parameters, loss mean ± std, per seed.

    Columns: ``row``, ``norm``, ``positions``, ``mlp``, ``kv heads``, ``biases``, ``output``,
    ``parameters``, ``seeds``, ``validation (mean ± std)``, ``per seed``, ``vs first row``
    (the difference of means to the table's first line) and ``ms/step``.
    """
    lines = summary(records, table)
    kv = {r["row"]: r["config"]["n_kv_head"] for r in records}
    heads = {r["row"]: r["config"]["n_head"] for r in records}
    out = []
    for ln in lines:
        f = ln["flags"]
        source = _runs_of(ln["row"])
        out.append({
            "row": ln["row"],
            "norm": f["norm"],
            "positions": f["positions"],
            "mlp": f["mlp"],
            "kv heads": f"{kv[source]} of {heads[source]}",
            "biases": "yes" if f["bias"] else "no",
            "output": "tied" if f["tied"] else "untied",
            "parameters": ln["params"],
            "seeds": len(ln["seeds"]),
            "validation (mean ± std)": f"{ln['mean']:.4f} ± {ln['std']:.4f}",
            "per seed": ", ".join(f"{v:.4f}" for v in ln["losses"]),
            "vs first row": f"{ln['mean'] - lines[0]['mean']:+.4f}",
            "ms/step": f"{ln['ms_per_step']:.0f}",
        })  # fmt: skip
    return out


def beyond_summary(records) -> list[dict]:
    """The records' :func:`beyond_context` losses, one line per row and way of reading positions.

    Each line: ``row``, ``variant`` (``"as trained"``, ``"interpolated"``, or either
    ``", fine-tuned"``), ``label``,
    ``seeds``, ``curve`` (the mean over seeds of the loss at each position, ``[T]``, with
    :math:`T` = :data:`BEYOND` :math:`n_{ctx}`), ``n_ctx``, and for the positions inside the
    training context (``inside``, :math:`t < n_{ctx}`) and past it (``past``): the mean loss
    of each seed over those positions, their ``*_mean`` and sample ``*_std``.
    """
    out = []
    names = {_runs_of(n): n for n in POSITIONS}  # row of the experiment -> name in the table
    for row in _POSITION_ROWS:
        recs = [r for r in records if r["row"] == row and r.get("beyond")]
        for variant in dict.fromkeys(v for r in recs for v in r["beyond"]):
            have = [r for r in recs if variant in r["beyond"]]
            curves = np.array([r["beyond"][variant] for r in have])  # [seeds, T]
            n = have[0]["config"]["n_ctx"]
            line = {"row": row, "variant": variant,
                    "label": f"{names[row]}, {variant}",
                    "seeds": [r["seed"] for r in have], "curve": curves.mean(axis=0).tolist(),
                    "n_ctx": n}  # fmt: skip
            for part, cols in (("inside", slice(0, n)), ("past", slice(n, None))):
                per_seed = curves[:, cols].mean(axis=1)
                line[part] = per_seed.tolist()
                line[f"{part}_mean"] = float(per_seed.mean())
                line[f"{part}_std"] = (
                    float(per_seed.std(ddof=1)) if len(per_seed) > 1 else float("nan")
                )
            out.append(line)
    return out


def beyond_figure(records, pyplot: bool = True):
    """The loss at each position of windows past the training context (:func:`beyond_summary`'s
    curves, the mean over seeds), with the training context marked."""
    from .plots._base import new_figure

    fig = new_figure((10, 3.8), pyplot=pyplot)
    ax = fig.subplots()
    lines = beyond_summary(records)
    for i, ln in enumerate(lines):
        t = np.arange(1, len(ln["curve"]) + 1)  # characters of context
        style = "--" if "fine-tuned" in ln["variant"] else "-"
        ax.plot(t, ln["curve"], style, color=f"C{i}", lw=1.2, label=ln["label"], gid=ln["label"])
    if lines:
        n = lines[0]["n_ctx"]
        ax.axvline(n + 0.5, color="0.4", ls="--", lw=1)
        ax.annotate(f"training context: {n}", (n + 0.5, 0.98), xycoords=("data", "axes fraction"),
                    ha="right", va="top", fontsize="small", color="0.3", xytext=(-4, 0),
                    textcoords="offset points")  # fmt: skip
    ax.set_xlabel("characters of context (position in the window + 1)")
    ax.set_ylabel("validation loss (nats per character)")
    ax.set_title("reading past the training context (mean over seeds)")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def figure(records, pyplot: bool = True):
    """Validation loss of every row: each seed a dot, the mean with ± one standard deviation.

    Two panels, the ablation (:data:`ABLATION`) and the positions (:data:`POSITIONS`), rows
    top to bottom in the tables' order; the plotted means and deviations are :func:`summary`'s.

    Returns:
        the figure.
    """
    from .plots._base import new_figure

    fig = new_figure((9, 4.2), pyplot=pyplot)
    tables = ("ablation", "positions")
    axes = fig.subplots(1, 2, sharex=True, gridspec_kw={"width_ratios": [1, 1]})
    for ax, table in zip(axes, tables, strict=True):
        lines = summary(records, table)
        y = np.arange(len(lines))
        means = [ln["mean"] for ln in lines]
        stds = [0.0 if np.isnan(ln["std"]) else ln["std"] for ln in lines]
        ax.errorbar(means, y, xerr=stds, fmt="o", color="C0", capsize=4, label="mean ± std")
        for yi, ln in zip(y, lines, strict=True):
            ax.plot(ln["losses"], [yi] * len(ln["losses"]), "x", color="C1", alpha=0.8, gid="seeds")
        ax.set_yticks(y, [ln["row"] for ln in lines])
        ax.set_ylim(len(lines) - 0.5, -0.5)  # the first row on top
        ax.set_xlabel("validation loss (nats per character)")
        ax.set_title({"ablation": "from the GPT-2 block to the tiny Llama",
                      "positions": "positions in the tiny Llama"}[table])  # fmt: skip
        ax.grid(axis="x", alpha=0.3)
    axes[0].plot([], [], "x", color="C1", label="one seed")
    axes[0].legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def main(argv=None) -> None:
    """``--record [--run RUN] [ROW ...]``: train and record rows of experiment ``RUN`` (default
    ``default``; every run of :func:`runs` unless rows are named), skipping runs already
    recorded with the current settings; no argument: the tiny Llama at seed 0 into the book's
    cache."""
    argv = sys.argv[1:] if argv is None else argv
    data = tiny_gpt.prepare()
    if not argv or argv[0] != "--record":
        _, res = trained(data, cache=True)
        print(f"tiny Llama: {res.steps[-1]} steps, {res.seconds:.1f} s, "
              f"validation {res.val_loss[-1]:.4f}, {gpt.n_params(res.params)} parameters")  # fmt: skip
        return
    argv, run = argv[1:], "default"
    if argv[:1] == ["--run"]:
        run, argv = argv[1], argv[2:]
    wanted = set(argv)
    folder = folder_of(run)
    current = {**dataclasses.asdict(experiment_settings(run)), "seed": 0}
    for _, name, seed in runs():
        if wanted and name not in wanted:
            continue
        f = folder / _file(name, seed)
        if f.is_file() and {**json.loads(f.read_text())["settings"], "seed": 0} == current:
            continue
        rec = record(name, seed, data, run)
        print(f"{run}: {name} seed {seed}: validation {rec['validation'][-1]:.4f}, "
              f"{rec['params']} parameters, {rec['ms_per_step']:.1f} ms/step", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
