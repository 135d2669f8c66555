r"""The attention maps of a trained GPT (chapters 13 and 15): :func:`attention_explorer`.

The weights come from :func:`llmbook.gpt.attention_weights` (the model's own forward
pass), the picture from :func:`llmbook.plots.attention_map_figure`.
"""

from __future__ import annotations

import functools
import html

import ipywidgets as w
import numpy as np

from .. import gpt, plots
from .core import Explorer, LiveExplorer, kernel_free, slider

__all__ = [
    "ATTENTION_MASKS",
    "attention_explorer",
    "attention_maps",
    "attention_values",
]

#: The masks the attention explorer offers: name -> whether the causal mask applies.
ATTENTION_MASKS = {"causal": True, "none": False}


def attention_maps(params, cfg, ids, temperature: float = 1.0, mask: str = "causal") -> list:
    r"""The attention weights of every block of a :mod:`llmbook.gpt` model for ``ids``.

    :func:`llmbook.gpt.attention_weights`: the queries and keys of the model's forward pass
    (always causal, as the model was trained), the scores divided by ``temperature``, with
    the given ``mask``: ``"causal"`` (at temperature 1, the weights the model uses) or
    ``"none"``, every position attending to every other, the future included, which is
    what the causal mask prevents.

    Returns:
        list of ``n_layer`` arrays ``[n_head, T, T]``.
    Raises:
        ValueError: an unknown mask, a non-positive temperature, bad ids.
    """
    if mask not in ATTENTION_MASKS:
        raise ValueError(f"mask must be one of {sorted(ATTENTION_MASKS)}, got {mask!r}")
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids must be one sequence [T], got shape {ids.shape}")
    A = gpt.attention_weights(
        params, cfg, ids, temperature=temperature, causal=ATTENTION_MASKS[mask]
    )
    return list(A)  # n_layer arrays [n_head, T, T]


def attention_values(params, cfg, tokenizer, sentence: str, block=1, head=1, temperature=1.0,
                     mask="causal", maps=None) -> dict:  # fmt: skip
    r"""The numbers the attention explorer shows: one head's weights for one sentence.

    ``block`` and ``head`` count from 1. The map is :func:`attention_maps` of the
    sentence's token ids; ``maps(ids, temperature, mask)``, when given, computes those
    instead (the explorer passes a cached :func:`attention_maps`, so that stepping through
    the heads of one sentence runs the model once).

    Returns:
        dict with ``A`` (``[T, T]``, rows summing to 1), ``tokens`` (the sentence's tokens as
        the model reads them), ``block``, ``head``, ``temperature``, ``mask``.
    Raises:
        ValueError: an empty sentence or one longer than ``cfg.n_ctx`` tokens, a block or
        head out of range, a bad temperature or mask.
    """
    ids = tokenizer.encode(sentence)
    if len(ids) == 0:
        raise ValueError("type a sentence: it is empty")
    if len(ids) > cfg.n_ctx:
        raise ValueError(f"the sentence has {len(ids)} tokens; the model reads at most {cfg.n_ctx}")
    if not (1 <= block <= cfg.n_layer and 1 <= head <= cfg.n_head):
        raise ValueError(
            f"block must be in [1, {cfg.n_layer}] and head in [1, {cfg.n_head}], got {block}, {head}"
        )
    if maps is None:
        A = attention_maps(params, cfg, ids, temperature=temperature, mask=mask)
    else:
        A = maps(tuple(int(i) for i in ids), float(temperature), mask)
    A = A[block - 1][head - 1]
    tokens = [tokenizer.decode([i]) for i in ids]
    return {"A": A, "tokens": tokens, "block": block, "head": head,
            "temperature": float(temperature), "mask": mask}  # fmt: skip


def _attention_title(r) -> str:
    return f"block {r['block']}, head {r['head']}, τ = {r['temperature']:g}, {r['mask']} mask"


def _attention_draw(fig, r, token_labels=True):
    labels = r["tokens"] if token_labels else None
    if fig is None:
        return plots.attention_map_figure(
            r["A"], titles=_attention_title(r), labels=labels, pyplot=False
        )
    return plots.update_attention_map(fig, r["A"], _attention_title(r), labels=labels)


def _attention_readout(r) -> str:
    chars = " ".join(f"{i}:{html.escape(plots.token_label(c))}" for i, c in enumerate(r["tokens"]))
    return f"<p style='max-width:22em'>{chars}</p>"


def attention_explorer(params, cfg, tokenizer, sentences, temperatures=(0.5, 1.0, 2.0),
                       masks=("causal", "none"), token_labels: bool = True,
                       kernel_free_strip: bool = True) -> Explorer:  # fmt: skip
    r"""The attention maps of a trained :mod:`llmbook.gpt` model.

    The kernel-free strip: toggle buttons pick a sentence, a mask and a softmax
    temperature; a slider steps through every (block, head) pair. Each frame is the head's
    attention weights (:func:`attention_maps`, from :func:`llmbook.gpt.attention_weights`),
    with the scores divided by the temperature, its axes labelled with the sentence's
    tokens; the readout lists the characters by position. The live part takes any sentence the reader types (:func:`attention_values`).

    Args:
        params, cfg: the model (:func:`llmbook.gpt.init_params`, :class:`llmbook.gpt.GPTConfig`).
        tokenizer: with ``encode`` and ``decode``.
        sentences: strings of at most ``cfg.n_ctx`` characters.
        temperatures: softmax temperatures offered (1 is the model's own).
        masks: names from :data:`ATTENTION_MASKS` offered.
        token_labels: write each token on the maps' axes (spaces and line breaks shown
            as ``␣`` and ``↵``, :func:`llmbook.plots.token_label`); False numbers the positions.
        kernel_free_strip: build the precomputed strip (False: the live part alone).
    Returns:
        an :class:`Explorer`.
    """
    sentences = list(sentences)
    if not sentences:
        raise ValueError("give at least one sentence")
    controls = {
        "sentence": w.Text(value=sentences[0], description="sentence", continuous_update=False),
        "block": w.IntSlider(value=1, min=1, max=cfg.n_layer, description="block"),
        "head": w.IntSlider(value=1, min=1, max=cfg.n_head, description="head"),
        "temperature": slider("softmax τ", 1.0, 0.1, 3.0, 0.1),
        "mask": w.ToggleButtons(
            options=list(ATTENTION_MASKS),
            value="causal",
            description="mask",
            style={"button_width": "auto"},
        ),
    }
    draw = functools.partial(_attention_draw, token_labels=token_labels)

    @functools.lru_cache(maxsize=32)
    def maps(ids: tuple, temperature: float, mask: str) -> list:
        return attention_maps(params, cfg, np.array(ids), temperature=temperature, mask=mask)

    values = functools.partial(attention_values, params, cfg, tokenizer, maps=maps)
    live = LiveExplorer(controls, values, draw, _attention_readout)
    strip = None
    if kernel_free_strip:
        taus = list(temperatures)
        pairs = [(b, h) for b in range(1, cfg.n_layer + 1) for h in range(1, cfg.n_head + 1)]
        names = {f"{i + 1}. {s[:10]}…" if len(s) > 10 else f"{i + 1}. {s}": s
                 for i, s in enumerate(sentences)}  # fmt: skip

        def render(pair, name, m, tau):
            # A new figure for each frame: the sentences differ in length.
            r = values(names[name], *pair, temperature=tau, mask=m)
            return draw(None, r), _attention_readout(r)

        strip = kernel_free(render, pairs, description="block.head",
                            labels=[f"{b}.{h}" for b, h in pairs],
                            options={"sentence": list(names), "mask": list(masks),
                                     "softmax τ": taus},
                            initial_options=[0, 0, taus.index(1.0) if 1.0 in taus else 0])  # fmt: skip
    return Explorer("Attention maps of the tiny GPT", live, strip)
