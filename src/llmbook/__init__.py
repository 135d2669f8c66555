"""llmbook: the tested helper package of the book *The architecture of large language models*.

Every formula the book shows lives here, in a small module named after its idea:

- :mod:`llmbook.neuron` -- the weighted sum of one neuron.
- :mod:`llmbook.activations` -- sigmoid, tanh, ReLU, softmax and their derivatives.
- :mod:`llmbook.losses` -- squared error, MSE, cross-entropy and their gradients.
- :mod:`llmbook.backprop` -- one neuron trained by gradient descent, every value traced.
- :mod:`llmbook.gradcheck` -- central finite differences to check any gradient.
- :mod:`llmbook.layers` -- Dense, Embedding, SimpleRNN and Conv1D layers with backward passes.
- :mod:`llmbook.optim` -- SGD and Adam with Keras 3's update rules.
- :mod:`llmbook.mlp` -- a multi-layer perceptron: forward, backward, train step.
- :mod:`llmbook.text` -- tokenisation, vocabulary, padding, bag-of-words features.
- :mod:`llmbook.logistic` -- logistic regression on (sparse) features by gradient descent.
- :mod:`llmbook.errata` -- where the source article is wrong, and the right values.

Importing the package sets ``TF_CPP_MIN_LOG_LEVEL=3`` and ``TF_ENABLE_ONEDNN_OPTS=0``
(unless already set) so that a later ``import tensorflow`` prints no log lines;
the package itself never imports TensorFlow.
"""

import os as _os

_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

__version__ = "0.1.0"
