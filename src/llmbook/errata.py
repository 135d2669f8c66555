r"""Where the source article is wrong: its claim, the correct value, and why.

Each :class:`Erratum` records one error of the source article
("大规模语言模型从理论到实践：模型架构"). Numeric errata carry the correct value
(``value``, derived by hand in the test suite) and a ``recompute`` function
that obtains it from this package, so the table the book prints is checked
against the code that the chapters run. The chapters flag each erratum where
it occurs; the errata appendix prints them all with :func:`table`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import activations, backprop, losses

__all__ = ["ERRATA", "KINDS", "Erratum", "by_section", "count_rows", "counts", "get", "table"]

#: The kinds of error: a wrong number, a wrong formula, code that does not run
#: or does not do what it says, a wrong citation, or a wrong statement of fact.
KINDS = ("number", "formula", "code", "citation", "claim")


@dataclass(frozen=True)
class Erratum:
    """One error of the source article.

    Attributes:
        key: a short unique identifier, e.g. ``"s4-sigmoid"``.
        section: the article's section number, 1 to 10.
        kind: one of :data:`KINDS`.
        topic: what the claim is about, a few words.
        article: what the article says (its number, formula or claim).
        correct: the correct number, formula or statement, as the book prints it.
        reason: why, in one or two sentences.
        article_value: the article's number, for numeric errata.
        value: the correct number, for numeric errata.
        recompute: returns the correct number computed by this package.
        digits: the decimals to which ``value`` is stated.
        cite_keys: for citation errata, the keys in ``references.bib`` of the
            works the article meant (the test suite checks each key exists).
    """

    key: str
    section: int
    kind: str
    topic: str
    article: str
    correct: str
    reason: str
    article_value: float | None = None
    value: float | None = None
    recompute: Callable[[], float] | None = None
    digits: int = 4
    cite_keys: tuple[str, ...] = ()


def _article_step():
    """The article's single-neuron example: x=1, w=0.5, b=0.2, target 0.8, lr 0.1."""
    return backprop.single_neuron_step(x=1.0, w=0.5, b=0.2, y_true=0.8, lr=0.1)


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        key="s2-mermaid-arrow",
        section=2,
        kind="claim",
        topic="Architecture diagram: where backpropagation goes",
        article="An arrow from 'backpropagation' back to the input layer (H --> A).",
        correct="The gradients that backpropagation computes are used to update the weights "
        "(embedding, hidden and output layers); the input data are never changed.",
        reason="The gradient of the loss is used to adjust parameters. The input layer holds "
        "the data and has no parameters to update.",
    ),
    Erratum(
        key="s2-diagram-no-attention",
        section=2,
        kind="claim",
        topic="An architecture diagram without attention",
        article="The Mermaid diagram said to show the architecture of a large language model: "
        "input layer → embedding layer → hidden layers 1, 2, 3 → output layer.",
        correct="That is a plain feed-forward network. A large language model is a stack of "
        "Transformer blocks: each has a self-attention layer, which lets every position read "
        "the others, and a position-wise feed-forward network, each wrapped in a residual "
        "connection and layer normalisation; position information is added to the embeddings.",
        reason="Self-attention, the component that lets each token's representation depend on "
        "every other token in the context, is what makes the architecture a Transformer; the "
        "diagram leaves it out, with the residual connections and the normalisation. Vaswani et "
        "al. (2017), section 3; Part II of this book builds the block.",
        cite_keys=("vaswani2017attention",),
    ),
    Erratum(
        key="s2-deep-learning-form",
        section=2,
        kind="claim",
        topic="Deep vs shallow networks",
        article="Deep learning is 'a form of neural network' whose models simply have more hidden "
        "layers, and more layers automatically learn higher-level features.",
        correct="Deep learning is the training of many-layer networks; depth helps only when the "
        "network can be trained. In a deep sigmoid stack the activation's slope alone shrinks the "
        "gradient by a factor of at least 4 per layer; the whole layer multiplies it by "
        "Wᵀ·diag(σ'(z)), whose size depends on the weights as well.",
        reason="σ'(z) ≤ 1/4, so unless the weights are large, backpropagation through many sigmoid "
        "layers multiplies factors smaller than 1 (the vanishing gradient); ReLU, careful "
        "initialisation and residual connections are what made depth trainable.",
    ),
    Erratum(
        key="s2-speech-synthesis",
        section=2,
        kind="claim",
        topic="Speech synthesis listed as speech recognition",
        article="语音识别：如语音识别、语音合成 (speech recognition: e.g. speech recognition, "
        "speech synthesis), as an application area of deep learning.",
        correct="Speech recognition (ASR, 语音识别) turns audio into text; speech synthesis "
        "(text-to-speech, 语音合成) turns text into audio. They are two inverse tasks of speech "
        "processing, not one an instance of the other.",
        reason="The item names its own heading as its first example and then a task that runs "
        "the other way. Jurafsky and Martin's Speech and Language Processing treats speech "
        "synthesis and speech recognition in separate chapters.",
        cite_keys=("jurafsky2009speech",),
    ),
    Erratum(
        key="s3-learning-rate-overfitting",
        section=3,
        kind="claim",
        topic="What a too-large learning rate does",
        article="A learning rate that is too large may lead to overfitting (过度拟合).",
        correct="A too-large learning rate makes the loss oscillate or diverge; overfitting is "
        "a gap between training and validation loss and is unrelated to the step size.",
        reason="Gradient descent on L(w) = w² with step α multiplies w by (1 - 2α) each step: "
        "for α > 1 the factor exceeds 1 in size and the iterates grow without bound.",
    ),
    Erratum(
        key="s3-hyperparameters",
        section=3,
        kind="claim",
        topic="Hyperparameters called 'core parameters' (核心参数)",
        article="The '核心参数' (core parameters) of neural networks, deep learning and NLP: number "
        "of neurons, learning rate, activation function, number of layers, kernel size, "
        "vocabulary size, embedding dimension; and '隐藏层大小：用于表示隐藏层大小的参数' "
        "(hidden-layer size: the parameter that represents the hidden-layer size).",
        correct="These are hyperparameters (超参数), fixed before training. The parameters (参数) "
        "of a network are its weights and biases, which training learns; 'BERT-large has 340 "
        "million parameters' counts those. The article itself calls learning rate and hidden-layer "
        "size 超参数 a few lines later (调整超参数，如学习率、隐藏层大小等).",
        reason="Goodfellow et al. (2016, section 5.3): hyperparameters are settings that control "
        "the learning algorithm and are not adapted by it. The definition of hidden-layer size "
        "by itself is circular.",
        cite_keys=("goodfellow2016deep",),
    ),
    Erratum(
        key="s3-nlp-types",
        section=3,
        kind="claim",
        topic="Bag of words and embeddings as 'types' of NLP",
        article="Bag-of-words, word embeddings, RNNs and Transformers are listed as the main "
        "'types' of natural language processing.",
        correct="Bag-of-words and embeddings are ways to represent text as numbers; RNNs and "
        "Transformers are model architectures that consume those representations.",
        reason="The list mixes two different levels: input representation and network "
        "architecture. An RNN reads embeddings; a bag of words can feed any classifier.",
    ),
    Erratum(
        key="s3-transformer-seq2seq",
        section=3,
        kind="claim",
        topic="The Transformer reduced to sequence-to-sequence tasks",
        article="变换器（Transformer）：用于序列到序列的任务 (Transformer: used for "
        "sequence-to-sequence tasks); the one line the article gives the architecture of every "
        "model it names.",
        correct="The original Transformer is an encoder-decoder for translation, a "
        "sequence-to-sequence task. Its decoder alone is GPT (generation, language modelling) "
        "and its encoder alone is BERT (classification, tagging, retrieval): the models of "
        "section 1 are Transformers that are not sequence-to-sequence models.",
        reason="Vaswani et al. (2017) introduced the encoder-decoder; Radford et al. (2018) "
        "pre-trained a decoder-only Transformer as a language model, Devlin et al. (2019) an "
        "encoder-only one.",
        cite_keys=("vaswani2017attention", "radford2018improving", "devlin2019bert"),
    ),
    Erratum(
        key="s3-tune-on-test",
        section=3,
        kind="claim",
        topic="Adjusting hyperparameters on the test data",
        article="Evaluate the model on the test data and adjust the hyperparameters "
        "(模型评估：使用测试数据评估模型的性能，调整超参数).",
        correct="Adjust hyperparameters on a validation set split off the training data; "
        "evaluate on the test set once, at the end.",
        reason="A test score used to choose hyperparameters is biased upwards, because the "
        "choice fits that particular test set (the same error as in sections 6 and 9; "
        "chapter 6 measures the bias).",
    ),
    Erratum(
        key="s3-cnn-images-only",
        section=3,
        kind="claim",
        topic="Convolutional networks are 'mainly for images'",
        article="CNNs are described only as image models, in a section about language models.",
        correct="One-dimensional convolutions slide along a sequence of token vectors and are "
        "used for text classification and in speech models as well.",
        reason="A Conv1D filter over k neighbouring embeddings is an n-gram detector with "
        "learned weights; this chapter computes one and matches Keras's Conv1D.",
    ),
    Erratum(
        key="s3-stemming-chinese",
        section=3,
        kind="claim",
        topic="Stemming as a step for Chinese text and language models",
        article="具体操作步骤, step 2: 对文本数据进行分词、词性标注、词干提取等预处理操作 (segment "
        "the text, tag parts of speech, extract word stems), for the text a language model is "
        "trained on; every example text of the article is Chinese.",
        correct="Stemming strips inflectional endings (English 'connected', 'connecting' → "
        "'connect', Porter's suffix-stripping algorithm of 1980). Chinese is an isolating "
        "language with almost no inflection, so there is nothing to strip; and a language model "
        "is trained on unstemmed text, because it has to predict the exact next token.",
        reason="A model trained on stems could never produce 'connected' rather than 'connect'. "
        "Like stop-word removal (erratum s9-preprocessing), stemming throws away what the "
        "model must learn to generate.",
    ),
    Erratum(
        key="s4-sigmoid",
        section=4,
        kind="number",
        topic="Sigmoid at z = 1.3",
        article="σ(1.3) ≈ 0.865",
        correct="σ(1.3) = 1/(1 + e^(-1.3)) ≈ 0.7858",
        reason="e^(-1.3) ≈ 0.2725, so σ(1.3) = 1/1.2725 ≈ 0.7858. The article's 0.865 is "
        "σ(1.86), not σ(1.3).",
        article_value=0.865,
        value=0.7858,
        recompute=lambda: float(activations.sigmoid(1.3)),
    ),
    Erratum(
        key="s4-tanh",
        section=4,
        kind="number",
        topic="Tanh at z = 1.3",
        article="tanh(1.3) ≈ 0.841",
        correct="tanh(1.3) ≈ 0.8617",
        reason="tanh(1.3) = (e^1.3 - e^-1.3)/(e^1.3 + e^-1.3) = (3.6693 - 0.2725)/(3.6693 + 0.2725) "
        "≈ 0.8617.",
        article_value=0.841,
        value=0.8617,
        recompute=lambda: float(activations.tanh(1.3)),
    ),
    Erratum(
        key="s4-tanh-multiclass",
        section=4,
        kind="claim",
        topic="What tanh is used for",
        article="Tanh is commonly used for multi-class classification.",
        correct="Multi-class outputs use softmax; tanh is a hidden-layer activation "
        "(and the state update of classic RNNs).",
        reason="tanh maps each unit independently to (-1, 1); its outputs are not probabilities "
        "and do not sum to 1 over classes.",
    ),
    Erratum(
        key="s4-mse",
        section=4,
        kind="number",
        topic="MSE of the two-point example",
        article="MSE = ½[(2 - 2.5)² + (4 - 4.2)²] = ½[0.25 + 0.04] = 0.1425",
        correct="MSE = ½ × 0.29 = 0.145",
        reason="The article's own intermediate sum is right (0.25 + 0.04 = 0.29); halving it "
        "gives 0.145, not 0.1425.",
        article_value=0.1425,
        value=0.145,
        recompute=lambda: losses.mse([2.0, 4.0], [2.5, 4.2]),
    ),
    Erratum(
        key="s4-cross-entropy",
        section=4,
        kind="number",
        topic="Cross-entropy of the two-class example",
        article="CE = -(1·log 0.8 + 0·log 0.2) ≈ 0.3219",
        correct="CE = -ln 0.8 ≈ 0.2231 nats (0.3219 is the same quantity in bits, -log₂ 0.8)",
        reason="The formula writes log without a base; deep-learning libraries use the natural "
        "log. The article silently switched to base 2.",
        article_value=0.3219,
        value=0.2231,
        recompute=lambda: losses.cross_entropy([1.0, 0.0], [0.8, 0.2]),
    ),
    Erratum(
        key="s4-backprop-two-steps",
        section=4,
        kind="claim",
        topic="What backpropagation is",
        article="反向传播算法…通过不断调整权重和偏置项…分为两个步骤：前向传播和反向传播 (the "
        "backpropagation algorithm adjusts the weights and biases and has two steps: forward "
        "propagation and backpropagation); section 2 likewise updates the weights 'by "
        "backpropagation'.",
        correct="Backpropagation computes the gradient of the loss with respect to every weight, "
        "applying the chain rule from the output back to the input. Changing the weights is a "
        "separate step, the optimizer's: w ← w - α ∂L/∂w for gradient descent, or Adam's rule. "
        "A training step is a forward pass, a backward pass (backpropagation) and an update.",
        reason="Goodfellow et al. (2016, section 6.5): back-propagation refers only to the method "
        "for computing the gradient, while another algorithm, such as stochastic gradient "
        "descent, learns with it. Defining backpropagation by itself is circular. The book's "
        "package keeps the two apart: MLP.gradients computes, optim.SGD and optim.Adam update.",
        cite_keys=("goodfellow2016deep", "rumelhart1986learning"),
    ),
    Erratum(
        key="s4-gradient-sign",
        section=4,
        kind="formula",
        topic="Chain rule for a weight",
        article="∂L/∂wᵢ = -(∂L/∂y)(∂y/∂z)(∂z/∂wᵢ)",
        correct="∂L/∂wᵢ = (∂L/∂y)(∂y/∂z)(∂z/∂wᵢ)",
        reason="The chain rule has no minus sign. The minus belongs to the update "
        "wᵢ ← wᵢ - α ∂L/∂wᵢ, which the article also writes; with both, the step would go uphill.",
    ),
    Erratum(
        key="s4-sigmoid-0.7",
        section=4,
        kind="number",
        topic="Backpropagation example: neuron output",
        article="y = σ(0.7) ≈ 0.623",
        correct="y = σ(0.7) ≈ 0.6682",
        reason="e^(-0.7) ≈ 0.4966, so σ(0.7) = 1/1.4966 ≈ 0.6682.",
        article_value=0.623,
        value=0.6682,
        recompute=lambda: _article_step().y,
    ),
    Erratum(
        key="s4-loss",
        section=4,
        kind="number",
        topic="Backpropagation example: loss",
        article="L = (0.8 - 0.623)² = 0.0466",
        correct="L = (0.8 - 0.6682)² ≈ 0.01737",
        reason="Even with the article's own y = 0.623 the square is 0.177² ≈ 0.0313, not 0.0466; "
        "with the correct y it is 0.01737.",
        article_value=0.0466,
        value=0.01737,
        recompute=lambda: _article_step().loss,
        digits=5,
    ),
    Erratum(
        key="s4-dloss-dz",
        section=4,
        kind="formula",
        topic="Backpropagation example: gradient at z",
        article="∂L/∂z = 2(y_true - y) = 2 × (0.8 - 0.623) = 0.346",
        correct="∂L/∂z = -2(y_true - y) · σ'(z) = -0.2636 × 0.2217 ≈ -0.05845",
        reason="Three errors: the derivative of (y_true - y)² with respect to y is -2(y_true - y) "
        "(sign); the chain rule needs ∂y/∂z = σ(z)(1 - σ(z)) (missing factor); and "
        "2 × 0.177 is 0.354, not 0.346 (arithmetic).",
        article_value=0.346,
        value=-0.05845,
        recompute=lambda: _article_step().dloss_dz,
        digits=5,
    ),
    Erratum(
        key="s4-w-update",
        section=4,
        kind="number",
        topic="Backpropagation example: updated weight",
        article="w₁ ← 0.5 - 0.1 × 0.346 = 0.1534",
        correct="w₁ ← 0.5 - 0.1 × (-0.05845) ≈ 0.50584",
        reason="0.5 - 0.0346 is 0.4654, so even the article's arithmetic is wrong; with the "
        "correct gradient the weight grows slightly, pushing y up toward the target 0.8.",
        article_value=0.1534,
        value=0.50584,
        recompute=lambda: float(_article_step().w_new[0]),
        digits=5,
    ),
    Erratum(
        key="s4-b-update",
        section=4,
        kind="number",
        topic="Backpropagation example: updated bias",
        article="b ← 0.2 - 0.1 × 0.346 = 0.0536",
        correct="b ← 0.2 - 0.1 × (-0.05845) ≈ 0.20584",
        reason="0.2 - 0.0346 is 0.1654, not 0.0536; with the correct gradient the bias grows "
        "by the same 0.00584 as the weight (x = 1).",
        article_value=0.0536,
        value=0.20584,
        recompute=lambda: _article_step().b_new,
        digits=5,
    ),
    # --- Sections 7, 8 and 10: tools, trends, further reading --------------------------
    Erratum(
        key="s7-bahdanau-title",
        section=7,
        kind="citation",
        topic="Bahdanau et al.: the title of the attention paper",
        article="《A Neural Network for Machine Translation, with Attention》 (Bahdanau et al.)",
        correct="Bahdanau, Cho and Bengio, 'Neural Machine Translation by Jointly Learning to "
        "Align and Translate', ICLR 2015 (arXiv:1409.0473).",
        reason="No paper has the title the article gives. The description (the paper that "
        "introduced attention for machine translation) fits the ICLR 2015 paper.",
        cite_keys=("bahdanau2015neural",),
    ),
    Erratum(
        key="s7-vaswani-gpt",
        section=7,
        kind="citation",
        topic="Vaswani et al. credited with 'Generative Pre-trained Transformer'",
        article="《Generative Pre-trained Transformer》 (Vaswani et al.), which 'proposed the "
        "Transformer model'",
        correct="The Transformer was introduced by Vaswani et al., 'Attention Is All You Need', "
        "NIPS 2017. GPT, the generative pre-trained Transformer, is Radford, Narasimhan, Salimans "
        "and Sutskever, 'Improving Language Understanding by Generative Pre-Training', OpenAI 2018.",
        reason="The article joins the authors of one paper to the name of a different model. "
        "Vaswani et al. built an encoder-decoder for translation; GPT, a year later, pre-trained a "
        "Transformer decoder as a language model and fine-tuned it on tasks.",
        cite_keys=("vaswani2017attention", "radford2018improving"),
    ),
    Erratum(
        key="s7-nltk-authors",
        section=7,
        kind="citation",
        topic="The authors of the NLTK book",
        article="《Natural Language Processing with Python》 (Bird, Loper, AND Zelleke)",
        correct="Steven Bird, Ewan Klein and Edward Loper, O'Reilly Media, 2009.",
        reason="The book has three authors: Ewan Klein is missing and 'Zelleke' is not one of "
        "them; the capitalised 'AND' looks like BibTeX's author separator left in the text.",
        cite_keys=("bird2009nltk",),
    ),
    Erratum(
        key="s7-slp-same-book",
        section=7,
        kind="citation",
        topic="One book recommended twice under two titles",
        article="《自然语言处理综论》 (Jurafsky & Martin) in 7.1 and 《Speech and Language "
        "Processing》 (Jurafsky & Martin) in 7.3, as two recommendations",
        correct="《自然语言处理综论》 is the Chinese translation of Jurafsky and Martin's Speech "
        "and Language Processing: one book (second edition, Prentice Hall 2009; a third "
        "edition is drafted online).",
        reason="Listing the translation and the original as separate works doubles one "
        "recommendation; section 7.3 also repeats Goodfellow et al. from 7.1.",
        cite_keys=("jurafsky2009speech",),
    ),
    Erratum(
        key="s8-few-shot-data",
        section=8,
        kind="claim",
        topic="Few-shot learning and the need for data",
        article="Transfer learning and few-shot learning will reduce the dependence on "
        "large-scale data.",
        correct="They reduce the need for large labelled task-specific datasets. The pre-training "
        "that makes few-shot learning possible needs more unlabelled text than ever: GPT-3 read "
        "300 billion tokens, Llama 3.1 405B 15.6 trillion.",
        reason="Brown et al. (2020) found few-shot ability grows with model size and pre-training; "
        "the models that show it are the ones trained on the most data (see chapter 8's table).",
        cite_keys=("brown2020language", "dubey2024llama3"),
    ),
    Erratum(
        key="s10-bahdanau-title",
        section=10,
        kind="citation",
        topic="Bahdanau et al.: the wrong title again",
        article="《A Neural Network for Machine Translation, with Attention》 (Bahdanau et al.)",
        correct="'Neural Machine Translation by Jointly Learning to Align and Translate', "
        "ICLR 2015 (arXiv:1409.0473).",
        reason="Section 10 repeats the wrong title of section 7 (erratum s7-bahdanau-title).",
        cite_keys=("bahdanau2015neural",),
    ),
    Erratum(
        key="s10-vaswani-gpt",
        section=10,
        kind="citation",
        topic="Vaswani et al. and 'Generative Pre-trained Transformer' again",
        article="《Generative Pre-trained Transformer》 (Vaswani et al.)",
        correct="Vaswani et al., 'Attention Is All You Need' (2017) for the Transformer; "
        "Radford et al., 'Improving Language Understanding by Generative Pre-Training' (2018) "
        "for GPT.",
        reason="Section 10 repeats the misattribution of section 7 (erratum s7-vaswani-gpt).",
        cite_keys=("vaswani2017attention", "radford2018improving"),
    ),
    Erratum(
        key="s10-placeholder-author",
        section=10,
        kind="claim",
        topic="A byline that names no author",
        article="作者：AI天才研究员/AI Genius Institute & 禅与计算机程序设计艺术 /Zen And The Art "
        "of Computer Programming",
        correct="The byline names no person. 'AI天才研究员' (AI genius researcher) is a "
        "description, and 'Zen and the Art of Computer Programming' joins the titles of two "
        "books by other people: Pirsig's Zen and the Art of Motorcycle Maintenance (1974) and "
        "Knuth's The Art of Computer Programming (from 1968).",
        reason="A reader cannot ask anyone about the article's claims or sources, and the "
        "acknowledgement (文章贡献) thanks the same two names. The book therefore checks each "
        "claim against primary sources instead of relying on the author.",
    ),
    Erratum(
        key="s10-template-epilogue",
        section=10,
        kind="claim",
        topic="An epilogue that grades the article and cites its template",
        article="在撰写本文的过程中，我们严格遵守了文章结构模板 (in writing this article we strictly "
        "followed the article structure template); 本文作为一篇高质量的技术博客文章，不仅具有理论深度 "
        "(as a high-quality technical blog post, this article has theoretical depth).",
        correct="The closing paragraphs restate the instructions the text was written to (a "
        "structure template, 'high quality', 'theoretical depth') rather than conclusions about "
        "model architecture. Their claim that the article comprehensively analyses the "
        "architecture of large language models (全面解析了大规模语言模型的架构) is contradicted "
        "by the text: the Transformer, the architecture of every model it names, gets one line.",
        reason="The section headings keep the template's joins (数学模型和公式 & 详细讲解 & 举例说明), "
        "and the <|assistant|> marker before section 1 (erratum s1-chat-template-token) shows "
        "where the generated text begins.",
    ),
    # ---- Sections 1, 6 and 9: background, applications, FAQ ----
    Erratum(
        key="s1-chat-template-token",
        section=1,
        kind="claim",
        topic="A chat model's reply marker before section 1",
        article="<|assistant|>### 1. 背景介绍: the token <|assistant|> stands between the abstract "
        "and the first heading, glued to it.",
        correct="No article contains this token by design. <|assistant|> is the role marker with "
        "which chat templates (Zephyr's, for example) open a model's reply; the text from here "
        "on is a chat model's output pasted together with its marker.",
        reason="Chat templates wrap each turn of a conversation in markers such as <|user|> and "
        "<|assistant|> before the model reads it (Hugging Face Transformers documentation, "
        "'Chat templates'). Its presence means no step of editing removed it, so every "
        "statement of the article needs checking, which is what this book does.",
    ),
    Erratum(
        key="s1-statistical-limits",
        section=1,
        kind="claim",
        topic="Why statistical language models fall short",
        article="Statistical language models are limited because they depend on historical data, "
        "which cannot fully capture the nature of language.",
        correct="Every learned model depends on its training data. An n-gram model is limited "
        "because it sees only the last n-1 tokens, because the number of possible n-grams grows "
        "as |V|^n so that most of them are never seen (sparsity), and because counts give "
        "similar words nothing in common.",
        reason="Neural language models learn from the same kind of data; they do better because "
        "they share parameters across similar contexts and can condition on long contexts. "
        "Chapter 1 measures the three limits on the People's Daily corpus.",
    ),
    Erratum(
        key="s1-word2vec-glove",
        section=1,
        kind="claim",
        topic="Word2Vec and GloVe are not large language models",
        article="Word2Vec, GloVe, BERT and GPT are given as examples of large language models.",
        correct="Word2Vec (2013) and GloVe (2014) are word-embedding methods: they learn one fixed "
        "vector per word. They assign no probability to text and cannot generate it. BERT and "
        "GPT are pre-trained Transformers: GPT a language model, which gives the probability "
        "of a text; BERT a masked language model, which predicts hidden words from both sides "
        "and gives no such probability.",
        reason="Word2Vec trains a shallow log-linear model to predict nearby words and GloVe fits "
        "vectors to a matrix of co-occurrence counts; both keep only the vectors "
        "(Mikolov et al. 2013; Pennington et al. 2014).",
    ),
    Erratum(
        key="s1-siri-alexa",
        section=1,
        kind="claim",
        topic="Siri and Alexa as applications of large language models",
        article="Question answering with large language models, 'such as Siri and Alexa'.",
        correct="Siri (2011) and Alexa (2014) are voice assistants launched years before "
        "pre-trained language models (GPT and BERT, 2018). They were built from speech "
        "recognition, intent classification and hand-built or search back-ends. They are "
        "examples of question answering, not of large language models.",
        reason="The dates: Siri shipped with the iPhone 4S in October 2011, Alexa with the Amazon "
        "Echo in November 2014; the first GPT and BERT papers appeared in 2018.",
    ),
    Erratum(
        key="s6-gpt3-translation",
        section=6,
        kind="claim",
        topic="How GPT-3 learned to translate",
        article="Use a large language model such as GPT-3 for Chinese-English translation: trained "
        "on a large Chinese-English parallel corpus, it learns how the languages correspond.",
        correct="GPT-3 was trained only to predict the next token of web text, books and "
        "Wikipedia, about 93% of it English by word count; it was given no dedicated parallel "
        "corpus. Web text does contain incidental bilingual text (a sentence next to its "
        "translation, bilingual pages), and that matters: Briakou et al. (2023) found over 30 "
        "million such translation pairs in PaLM's training data and showed that they help its "
        "translation. GPT-3 translates from a few examples in its prompt, and its paper evaluates "
        "French, German and Romanian, not Chinese. Systems trained on parallel corpora are "
        "encoder-decoder Transformers.",
        reason="Brown et al. (2020), section 3.3 and the training-data description; Briakou, "
        "Cherry and Foster (2023) on incidental bilingualism (their ablations find the effect "
        "shrinks with model scale); the encoder-decoder Transformer was introduced for "
        "translation by Vaswani et al. (2017).",
        cite_keys=("brown2020language", "briakou2023searching", "vaswani2017attention"),
    ),
    Erratum(
        key="s6-preprocessing",
        section=6,
        kind="claim",
        topic="Preprocessing for pre-trained models",
        article="For every application: segment words and tag parts of speech to extract the "
        "key information, then train.",
        correct="A pre-trained Transformer reads raw text through its own tokenizer (WordPiece "
        "for BERT, which splits Chinese into single characters; byte-level BPE for GPT-2 and "
        "GPT-3). Part-of-speech tags are not part of its input.",
        reason="The pre-trained weights only make sense for the token ids of the model's own "
        "tokenizer; what part-of-speech tags would say is learned by the model itself.",
    ),
    Erratum(
        key="s6-tune-on-test",
        section=6,
        kind="claim",
        topic="Tuning hyperparameters on the test data",
        article="Evaluate the model on the test data and adjust the hyperparameters to reach "
        "the best result.",
        correct="Choose hyperparameters on a separate validation set (or by cross-validation); "
        "use the test set once, at the end, to report the result.",
        reason="A test score that was used to choose the hyperparameters is biased upwards: it "
        "partly measures how well the choice fits that particular test set. Chapter 6 shows "
        "the gap with a naive Bayes classifier.",
    ),
    Erratum(
        key="s6-train-gpt3",
        section=6,
        kind="claim",
        topic="Training GPT-3 for article generation",
        article="To generate articles, train a large language model such as GPT-3 on a large "
        "amount of related text.",
        correct="GPT-3's weights were never released: it is used through OpenAI's service, by "
        "prompting (or the service's fine-tuning). Training it took about 3.1e23 floating-point "
        "operations (175 billion parameters, 300 billion tokens). A reader adapts an open "
        "pre-trained model or prompts a hosted one.",
        reason="Brown et al. (2020) report 3.14e23 training FLOPs for the 175-billion-parameter "
        "model, which is 6 x 175e9 x 300e9 to three digits.",
    ),
    Erratum(
        key="s9-preprocessing",
        section=9,
        kind="claim",
        topic="Building an LLM: stop words and word vectors",
        article="Data preprocessing: segment the text, remove stop words, turn words into vectors.",
        correct="Pre-training keeps every token, stop words included (the model has to predict "
        "them); the text is cleaned, deduplicated and split by a subword tokenizer. The vectors "
        "(embeddings) are learned inside the model, not computed beforehand.",
        reason="A language model that never saw 的 or 是 cannot generate ordinary Chinese; "
        "chapter 9 counts how much of the People's Daily text stop-word removal would delete.",
    ),
    Erratum(
        key="s9-model-structure",
        section=9,
        kind="claim",
        topic="Transformer and BERT as alternative structures",
        article="Model construction: choose a suitable structure, such as Transformer or BERT.",
        correct="BERT is not an alternative to the Transformer: it is a pre-trained model whose "
        "architecture is the Transformer encoder. The structural choice is encoder-only (BERT), "
        "decoder-only (GPT) or encoder-decoder (the original Transformer).",
        reason="Devlin et al. (2019) describe BERT's architecture as a multi-layer bidirectional "
        "Transformer encoder.",
    ),
    Erratum(
        key="s9-tune-on-test",
        section=9,
        kind="claim",
        topic="Tuning hyperparameters on the test data (again)",
        article="Model evaluation: evaluate on the test data and adjust the hyperparameters.",
        correct="Tune on a validation set; keep the test set for the final, one-time evaluation.",
        reason="The same error as in section 6 (erratum s6-tune-on-test): a score used for "
        "choosing is no longer an unbiased estimate of performance on new data.",
    ),
    Erratum(
        key="s9-long-text",
        section=9,
        kind="claim",
        topic="How language models handle long texts",
        article="Split a long text into segments, encode each segment separately, and concatenate "
        "the encoded segments into the representation of the text.",
        correct="Segments encoded separately never see each other, so whatever links them is "
        "lost at every cut, and concatenating their encodings cannot restore it. Real systems "
        "use a context window long enough for the text, overlapping sliding windows (each "
        "token keeps at least the overlap as context), recurrence over segments "
        "(Transformer-XL), sparse attention (Longformer), or retrieval of the relevant passages.",
        reason="Chapter 9 measures the loss: with separate chunks the first tokens of each chunk "
        "are predicted without context and their cross-entropy rises; with overlapping windows "
        "it does not.",
    ),
    Erratum(
        key="s5-pins",
        section=5,
        kind="code",
        topic="Installation command",
        article="pip install python==3.8 tensorflow==2.5 numpy==1.19 scikit-learn==0.22",
        correct="Python is not installed with pip; pin ranges that install today, e.g. "
        "tensorflow~=2.20, keras~=3.12, numpy>=1.26 (the book's requirements.txt).",
        reason="'python' is not a pip package, so the command fails at once; TensorFlow 2.5, "
        "numpy 1.19 and scikit-learn 0.22 have no wheels for the Python versions supported "
        "today (3.10 and later).",
    ),
    Erratum(
        key="s5-sklearn-unused",
        section=5,
        kind="code",
        topic="scikit-learn requirement",
        article="scikit-learn ≥ 0.22 is listed as a requirement.",
        correct="The code never imports scikit-learn; it is not needed.",
        reason="No line of section 5 uses it: tokenising, padding, training and prediction are "
        "all Keras.",
    ),
    Erratum(
        key="s5-numpy-conflict",
        section=5,
        kind="code",
        topic="Pins that cannot be installed together",
        article="'TensorFlow：版本2.5及以上', 'Numpy：版本1.19及以上' (2.5 and above, 1.19 and "
        "above), then pip install … tensorflow==2.5 numpy==1.19 …",
        correct="Even on the Python 3.8 it names, the command fails: tensorflow 2.5.0 requires "
        "numpy~=1.19.2 (at least 1.19.2 and below 1.20), while numpy==1.19 means 1.19.0, and pip "
        "stops with ResolutionImpossible. The text says 'and above', the command pins exact "
        "versions.",
        reason="pip's resolver, asked for these pins for CPython 3.8: 'Cannot install "
        "numpy==1.19 and tensorflow==2.5.0 … tensorflow 2.5.0 depends on numpy~=1.19.2'. Under "
        "PEP 440, ~=1.19.2 means >=1.19.2, ==1.19.*, and ==1.19 is padded to 1.19.0.",
    ),
    Erratum(
        key="s5-language-model",
        section=5,
        kind="claim",
        topic="What the project builds",
        article="The project is said to build 'a simple language model' (语言模型).",
        correct="It builds a text classifier: it maps a sentence to one probability.",
        reason="A language model assigns probabilities to sequences of tokens, e.g. the next "
        "token given the previous ones; this model predicts a label.",
    ),
    Erratum(
        key="s5-whitespace-chinese",
        section=5,
        kind="code",
        topic="Tokenising Chinese at spaces",
        article="Tokenizer().fit_on_texts(texts) as the word-segmentation (分词) step.",
        correct="Split Chinese into characters (or segment it into words); e.g. "
        "TextVectorization(split='character') or llmbook.text.char_tokenize.",
        reason="The Tokenizer splits at spaces and Chinese has none: each training sentence is "
        "one 'word', both test sentences are 100 % out of vocabulary and become empty "
        "sequences, so the model receives two identical all-padding inputs.",
    ),
    Erratum(
        key="s5-tokenizer-filters",
        section=5,
        kind="code",
        topic="Stop words passed as Tokenizer(filters=...)",
        article="stop_words = ['的', '是', '这', '一', '篇']; Tokenizer(filters=stop_words)",
        correct="Remove stop words from the token list (llmbook.text.remove_stopwords); "
        "'filters' is a set of single characters to strip, not a stop-word list.",
        reason="filters replaces the default punctuation list: each listed character becomes a "
        "separator, punctuation is no longer removed, and a multi-character stop word raises "
        "ValueError in str.maketrans. The first Tokenizer is fitted and then discarded.",
    ),
    Erratum(
        key="s5-vocab-size",
        section=5,
        kind="code",
        topic="vocab_size typed instead of taken from the tokenizer",
        article="# 词向量化 (word vectorisation), over vocab_size = 1000, embedding_dim = 16, "
        "max_length = 10 and pad_sequences(...); then Embedding(vocab_size, embedding_dim, ...).",
        correct="The embedding table needs len(tokenizer.word_index) + 1 rows (the Tokenizer "
        "numbers words from 1; 0 is padding). The typed 1000 is unrelated to the data: here "
        "almost all of its 1000 × 16 rows are never used, and a corpus of more than 999 words "
        "would produce ids the layer cannot look up. Nothing under the comment vectorises words: "
        "pad_sequences pads, and the Embedding layer learns the vectors during training.",
        reason="Keras's Embedding(input_dim, output_dim) accepts ids 0 … input_dim - 1; on a CPU "
        "TensorFlow rejects a larger id with InvalidArgumentError (the test suite checks it). "
        "Chapter 5 counts the rows the article's tokenizer can reach.",
    ),
    Erratum(
        key="s5-labels",
        section=5,
        kind="code",
        topic="Labels vs their comment",
        article="labels = [0, 0, 1, 1]  # 科技文章为0，经济文章为1",
        correct="By the comment the economics article is 1 and the three technology texts 0; "
        "the labels as written separate 'article' (文章) from 'question' (问题).",
        reason="The second sentence (经济文章, an economics article) is labelled 0 like the "
        "technology article. Neither test sentence has a label, so nothing is evaluated.",
    ),
    Erratum(
        key="s5-keras3",
        section=5,
        kind="code",
        topic="Keras 3 arguments and modules",
        article="Embedding(vocab_size, embedding_dim, input_length=max_length); "
        "from tensorflow.keras.preprocessing.text import Tokenizer",
        correct="Omit input_length (Keras 3 warns 'Argument input_length is deprecated. Just "
        "remove it.' and ignores it); use keras.layers.TextVectorization.",
        reason="Keras 3 removed keras.preprocessing.text from its API; tf.keras still reaches a "
        "deprecated legacy copy of Tokenizer, which does not operate on tensors.",
    ),
    Erratum(
        key="s5-fit-list-labels",
        section=5,
        kind="code",
        topic="Labels passed to fit() as a Python list",
        article="labels = [0, 0, 1, 1]; model.fit(padded_sequences, labels, ...)",
        correct="Pass a numpy array: model.fit(padded_sequences, np.array(labels), ...)",
        reason="Keras 3's fit() does not accept a plain list here and stops with "
        "'ValueError: Unrecognized data type'; Keras 2 converted it silently.",
    ),
    Erratum(
        key="s5-padding-no-mask",
        section=5,
        kind="code",
        topic="Post-padding before a SimpleRNN without a mask",
        article="pad_sequences(..., padding='post') fed to Embedding → SimpleRNN without masking.",
        correct="Pad at the front, or set Embedding(mask_zero=True) so the RNN skips padding.",
        reason="With post-padding the RNN reads the real tokens first and then the padding "
        "steps; its final state, the only thing the classifier sees, is dominated by padding.",
    ),
    Erratum(
        key="s5-batch-size",
        section=5,
        kind="claim",
        topic="Training on four sentences",
        article="model.fit(padded_sequences, labels, epochs=10, batch_size=32)",
        correct="With 4 examples, batch_size=32 means one step per epoch: 10 Adam steps of "
        "size about 0.001, which leaves the model almost at its random start.",
        reason="Adam's step is at most about the learning rate per weight, so 10 steps move each "
        "weight by about 0.01, too little to fit even four sentences.",
    ),
    Erratum(
        key="s5-threshold",
        section=5,
        kind="claim",
        topic="The 0.5 threshold",
        article="Predicting 1 when p > 0.5 'balances precision and recall' (可以平衡准确率和召回率).",
        correct="0.5 is a convention; precision and recall change with the threshold and are "
        "equal only at a threshold that depends on the model and the data.",
        reason="Raising the threshold trades recall for precision; this chapter measures both "
        "at several thresholds on real reviews.",
    ),
    Erratum(
        key="s5-precision-term",
        section=5,
        kind="claim",
        topic="准确率 for precision: an ambiguous term",
        article="这种方法称为阈值分类，可以平衡准确率和召回率 (threshold classification 'balances "
        "准确率 and 召回率').",
        correct="In machine learning 准确率 is the usual name of accuracy, the fraction of all "
        "predictions that are right. The quantity that trades off against recall (召回率, "
        "查全率) is precision, unambiguously 精确率 or 查准率: the fraction of predicted "
        "positives that are positive. (Older information-retrieval writing uses 准确率 for "
        "precision, hence the ambiguity.)",
        reason="Zhou Zhihua's 《机器学习》 (section 2.3) pairs 查准率 with 查全率 and calls "
        "accuracy 精度; Li Hang's 《统计学习方法》 uses 准确率 for accuracy and 精确率 for "
        "precision. The two numbers differ: chapter 5 shows both for the same classifier at the "
        "same threshold.",
        cite_keys=("zhou2016machine",),
    ),
)


# Keep the table in the article's order: by section, and within a section as listed above.
ERRATA = tuple(sorted(ERRATA, key=lambda e: e.section))


def get(key: str) -> Erratum:
    """The erratum with this ``key``; ``KeyError`` listing the keys if there is none."""
    for e in ERRATA:
        if e.key == key:
            return e
    raise KeyError(f"no erratum {key!r}; known keys: {', '.join(e.key for e in ERRATA)}")


def by_section(section: int) -> tuple[Erratum, ...]:
    """The errata of one article section (1 to 10), in the order they occur."""
    if not 1 <= int(section) <= 10:
        raise ValueError(f"section must be 1..10, got {section}")
    return tuple(e for e in ERRATA if e.section == section)


def table(section: int | None = None, computed: bool = True) -> list[dict[str, str]]:
    """Rows for a table of errata (all, or one section), ready for display.

    Each row has ``section``, ``topic``, ``kind``, ``article``, ``correct``,
    ``reason`` and, when ``computed`` and the erratum is numeric, ``computed``:
    the value as this package computes it now.
    """
    rows = []
    for e in ERRATA if section is None else by_section(section):
        row = {
            "section": str(e.section),
            "topic": e.topic,
            "kind": e.kind,
            "article": e.article,
            "correct": e.correct,
            "reason": e.reason,
        }
        if computed:
            row["computed"] = "" if e.recompute is None else f"{e.recompute():.{e.digits}f}"
        rows.append(row)
    return rows


def counts(items: tuple[Erratum, ...] | None = None) -> dict[int, dict[str, int]]:
    """How many errata each article section has, by kind.

    Args:
        items: the errata to count (default: all of :data:`ERRATA`).
    Returns:
        ``{section: {kind: n}}`` for every section 1 to 10 and every kind of
        :data:`KINDS`, zeros included, so that the counts of a section sum to its
        number of errata and all the counts sum to ``len(items)``.
    Raises:
        ValueError: an erratum with a section outside 1..10 or a kind not in :data:`KINDS`.
    """
    items = ERRATA if items is None else tuple(items)
    out = {s: dict.fromkeys(KINDS, 0) for s in range(1, 11)}
    for e in items:
        if e.section not in out:
            raise ValueError(f"erratum {e.key!r} has section {e.section}; expected 1..10")
        if e.kind not in KINDS:
            raise ValueError(f"erratum {e.key!r} has kind {e.kind!r}; expected one of {KINDS}")
        out[e.section][e.kind] += 1
    return out


def count_rows(items: tuple[Erratum, ...] | None = None) -> list[dict[str, int | str]]:
    """Rows of a table of :func:`counts`: one per section, then a row of totals.

    Each row maps ``"section"`` (``1`` … ``10``, then ``"all"``), each kind of
    :data:`KINDS` and ``"total"`` to a count.
    """
    table_counts = counts(items)
    rows: list[dict[str, int | str]] = []
    for section, by_kind in table_counts.items():
        rows.append({"section": section, **by_kind, "total": sum(by_kind.values())})
    totals = {k: sum(c[k] for c in table_counts.values()) for k in KINDS}
    rows.append({"section": "all", **totals, "total": sum(totals.values())})
    return rows
