"""The package's public surface: the names the chapters use exist, every module says what it
exports (``__all__``), and every third-party import is declared in ``pyproject.toml``.

``CHAPTER_NAMES`` lists what ``chapters/*.ipynb`` import or call from each module, and the
functions the chapters show with ``literalinclude``; a rename that would break a chapter
breaks this test first.
"""

import ast
import importlib
import pathlib
import pkgutil
import re
import sys

import pytest

import llmbook

CHAPTER_NAMES = {
    "activations": ["relu", "relu_grad", "sigmoid", "sigmoid_grad", "softmax", "tanh", "tanh_grad"],
    "attention": [
        "causal_mask",
        "init_attention_params",
        "multi_head_attention",
        "scaled_dot_product_attention",
    ],
    "attention_steps": [
        "causal_attention",
        "causal_multi_head_attention",
        "causal_multi_head_attention_dropout",
        "dot_product_attention",
        "projected_attention",
        "scaled_attention",
    ],
    "backprop": ["single_neuron_step", "train_single_neuron"],
    "block": [
        "block_backward",
        "block_forward",
        "init_block_params",
        "layer_norm",
        "layer_norm_backward",
    ],
    "compute": [
        "A100_BF16_DENSE_FLOPS",
        "chinchilla_optimal",
        "emissions_tonnes",
        "energy_kwh",
        "gpu_days",
        "gpu_hours",
        "implied_utilization",
        "pf_days",
        "throughput_flops",
        "training_flops",
    ],
    "corpus": ["peoples_daily_sentences", "peoples_daily_words", "sentiment_reviews", "stopwords"],
    "decoding": ["beam_search", "compare_decoders", "distinct_n", "repeated_ngram_share"],
    "descent": ["regime"],
    "display": ["Table", "errata_table", "erratum", "trace_table"],
    "errata": ["ERRATA", "KINDS", "by_section", "count_rows"],
    "errata_index": ["index"],
    "evaluation": ["accuracy", "confusion_matrix", "precision_recall", "split_indices"],
    "gpt": [
        "GPTConfig",
        "batches",
        "evaluate",
        "forward",
        "generate",
        "init_params",
        "learning_rate",
        "n_params",
        "train",
        "train_step",
        "tree_leaves",
    ],
    "head_stats": ["head_statistics", "uniform_statistics"],
    "lm_eval": ["evaluate", "gpt_token_losses"],
    "gradcheck": ["check_gradient"],
    "keras_gpt": ["build", "set_numpy_params"],
    "keras_twin": ["loss_curves"],
    "layers": ["Conv1D", "Dense", "Embedding", "SimpleRNN"],
    "logistic": ["LogisticRegression"],
    "losses": ["cross_entropy", "mse", "softmax_cross_entropy", "squared_error"],
    "mlp": ["MLP"],
    "model_sizes": ["figure", "human_count", "load", "ratio_figure"],
    "naive_bayes": ["NaiveBayesClassifier"],
    "neuron": ["weighted_sum"],
    "ngram": ["NGramModel", "ngrams"],
    "optim": ["Adam", "SGD", "clip_by_global_norm"],
    "plots": ["activation_figure", "loss_curve_figure"],
    "positional": ["learned_positions", "rotation_for_offset", "sinusoidal_encoding"],
    "retrieval": ["TfidfRetriever", "load_faq"],
    "sampling": ["next_token_distribution", "top_p_mask"],
    "sentiment": [
        "compare",
        "mean_std",
        "prepare",
        "seed_figure",
        "summary_rows",
        "train_logistic",
        "train_recurrent",
    ],
    "splits": ["selection_optimism", "train_test_split"],
    "text": [
        "OOV",
        "PAD",
        "Vocabulary",
        "bag_of_words",
        "char_ngrams",
        "char_tokenize",
        "oov_rate",
        "pad_sequences",
        "remove_stopwords",
        "whitespace_tokenize",
    ],
    "tiny_gpt": ["DEFAULTS", "RUNS", "baselines", "prepare", "record", "recorded", "trained"],
    "tokenizers": ["BPETokenizer", "pre_tokenize"],
    "transformer": [
        "PAPER_MILLIONS",
        "PUBLISHED",
        "PUBLISHED_COUNTS",
        "block_parameter_count",
        "flops_per_token",
        "kv_cache_bytes",
        "parameter_count",
        "training_memory_bytes",
        "weight_bytes",
    ],
    "translation": ["load_dictionary", "segment", "translate_word_by_word"],
    "widgets": [
        "activation_explorer",
        "attention_explorer",
        "backprop_explorer",
        "learning_rate_explorer",
        "loss_explorer",
        "loss_values",
        "moe_explorer",
        "neuron_explorer",
        "playground_explorer",
        "rope_explorer",
        "sampling_explorer",
    ],
    "windows": ["score_in_windows", "sliding_windows", "window_spans"],
}

SRC = pathlib.Path(llmbook.__file__).parent
MODULES = sorted(m.name for m in pkgutil.iter_modules([str(SRC)]))


@pytest.mark.parametrize("module", sorted(CHAPTER_NAMES))
def test_the_names_the_chapters_use_exist(module):
    mod = importlib.import_module(f"llmbook.{module}")
    missing = [n for n in CHAPTER_NAMES[module] if not hasattr(mod, n)]
    assert not missing, f"llmbook.{module} lacks {missing}"


def test_the_formulas_the_book_shows_are_public():
    from llmbook import activations, backprop, gradcheck, losses, neuron, transformer

    assert callable(neuron.weighted_sum)
    assert callable(backprop.single_neuron_step) and callable(backprop.train_single_neuron)
    assert callable(transformer.parameter_count) and callable(transformer.flops_per_token)
    for mod in (activations, losses, gradcheck):
        assert mod.__all__, mod.__name__


@pytest.mark.parametrize("module", MODULES)
def test_every_module_declares_all_and_its_names_exist(module):
    mod = importlib.import_module(f"llmbook.{module}" if module != "__init__" else "llmbook")
    assert isinstance(getattr(mod, "__all__", None), list | tuple), f"{module} has no __all__"
    missing = [n for n in mod.__all__ if not hasattr(mod, n)]
    assert not missing, f"llmbook.{module}.__all__ names missing objects: {missing}"
    assert not [n for n in mod.__all__ if n.startswith("_") and n != "__version__"]


def _third_party_imports():
    """Top-level names of every module the package imports that is neither stdlib nor itself."""
    names = set()
    for path in SRC.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "llmbook"}


DISTRIBUTION = {"PIL": "pillow", "yaml": "pyyaml", "tensorflow": "tensorflow", "keras": "keras"}


def test_every_third_party_import_is_declared():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        declared += extra
    declared = {re.split(r"[<>=~!; \[]", d, maxsplit=1)[0].lower() for d in declared}
    undeclared = {DISTRIBUTION.get(n, n) for n in _third_party_imports()} - declared
    assert not undeclared, f"imported but not in pyproject.toml: {sorted(undeclared)}"
