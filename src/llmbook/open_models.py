r"""Published configurations of open models, their exact parameter counts and KV-cache sizes.

The data (``data/open_models.json``) lists, for each model, the keyword arguments of
:func:`llmbook.transformer.parameter_count` read from the checkpoint's ``config.json``, the
number of weights in the released checkpoint, and the source of each. :func:`count_table`
puts the computed and the published counts side by side; the tests require them to be equal.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from . import transformer

__all__ = ["count_table", "gpt3_readings", "kv_bytes_per_token", "left_out", "load"]


@cache
def _data() -> dict:
    text = resources.files("llmbook.data").joinpath("open_models.json").read_text(encoding="utf-8")
    return json.loads(text)


def load() -> tuple[dict, ...]:
    """The models: dicts with ``model``, ``config``, ``params``, ``cite``, ``config_source``, ``params_source``."""
    return tuple(_data()["models"])


def left_out() -> tuple[dict, ...]:
    """Models this counting cannot express, each with the reason."""
    return tuple(_data()["left_out"])


def count_table() -> list[tuple[str, int, int, int]]:
    """Rows ``(model, computed, published, computed - published)``."""
    rows = []
    for m in load():
        n = transformer.parameter_count(**m["config"])
        rows.append((m["model"], n, m["params"], n - m["params"]))
    return rows


def kv_bytes_per_token(config: dict, bytes_per_value: float = 2) -> float:
    r"""KV-cache bytes per token of one sequence: :math:`2 L\, n_{kv} d_{head}\, b`.

    Calls :func:`llmbook.transformer.kv_cache_bytes` with one position; the width passed as
    ``d_model`` is the attention's query width :math:`n_{head} d_{head}` (equal to
    :math:`d` unless the configuration gives ``d_head``, as Gemma's does).
    """
    n_head = config["n_head"]
    width = n_head * config["d_head"] if "d_head" in config else config["d_model"]
    return transformer.kv_cache_bytes(
        config["n_layer"], width, 1, 1, bytes_per_value,
        n_head=n_head, n_kv_head=config.get("n_kv_head", n_head),
    )  # fmt: skip


def gpt3_readings() -> list[tuple[str, float, int, int]]:
    r"""GPT-3's Table 2.1 counted two ways: ``(model, printed, with d_head, with width d_model)``.

    *With d_head*: the attention's query, key, value and output width is
    :math:`n_{heads} \times d_{head}` as printed. *With width d_model*: the heads split
    :math:`d_{model}`, whatever the printed :math:`d_{head}` (the count does not depend on how
    the width is split, so one head of width :math:`d_{model}` gives the same number).
    The two differ only where :math:`n_{heads} d_{head} \ne d_{model}` (XL and 13B).
    """
    g = _data()["gpt3"]
    rows = []
    for m in g["models"]:
        shape = (m["n_layer"], m["d_model"])
        printed_heads = transformer.parameter_count(
            *shape, m["n_head"], g["n_vocab"], g["n_ctx"], d_head=m["d_head"]
        )
        split = transformer.parameter_count(*shape, 1, g["n_vocab"], g["n_ctx"])
        rows.append((m["model"], m["params_printed"], printed_heads, split))
    return rows
