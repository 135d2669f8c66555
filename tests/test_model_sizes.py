"""The table of published model sizes: it loads, its numbers are sane, and the 6ND rule
reproduces the total compute that three papers publish."""

import pytest

from llmbook import compute, model_sizes

ROWS = model_sizes.load()
BY_NAME = {r.model: r for r in ROWS}


def test_table_loads_with_sources_and_positive_numbers():
    assert len(ROWS) >= 10
    for r in ROWS:
        assert r.parameters > 0 and r.sources, r.model
        assert 2017 <= r.year <= 2026, r.model
        assert r.tokens is None or r.tokens > 0, r.model
    years = [r.year for r in ROWS]
    assert years == sorted(years), "rows are ordered by year"


def test_rows_hold_the_papers_figures():
    # Transcribed from the papers (Brown et al. 2020, Table D.1; Hoffmann et al. 2022, sec. 4).
    assert (BY_NAME["GPT-3"].parameters, BY_NAME["GPT-3"].tokens) == (175e9, 300e9)
    assert (BY_NAME["Chinchilla"].parameters, BY_NAME["Chinchilla"].tokens) == (70e9, 1.4e12)


@pytest.mark.parametrize(
    "row", [r for r in ROWS if r.published_flops and r.tokens], ids=lambda r: r.model
)
def test_six_n_d_is_close_to_the_published_compute(row):
    """GPT-3: 3.15e23 vs 3.14e23; Llama 3.1: 3.79e23 vs 3.8e25; Gopher: 5.04e23 vs 5.76e23.

    Gopher's published budget counts attention and the output layer in detail
    (Hoffmann et al. 2022, appendix F), hence the larger gap (12.5 %)."""
    estimate = compute.training_flops(row.parameters, row.tokens)
    assert abs(estimate - row.published_flops) / row.published_flops < 0.15


def test_token_counts_derived_from_the_training_schedules():
    """Steps x sequences per batch x tokens per sequence, as each paper states them.

    BERT (Devlin et al. 2019, appendix A.2): 1,000,000 steps of 256 sequences, 90 % of the
    steps at length 128 and the last 10 % at 512: 256e6 x (115.2 + 51.2) = 42,598,400,000.
    Megatron-LM (Shoeybi et al. 2019, section 5): 300,000 iterations of 512 sequences of
    1,024 tokens = 157,286,400,000."""
    bert = 900_000 * 256 * 128 + 100_000 * 256 * 512
    assert bert == 42_598_400_000
    assert BY_NAME["BERT-large"].tokens == bert
    megatron = 300_000 * 512 * 1024
    assert megatron == 157_286_400_000
    assert BY_NAME["Megatron-LM"].tokens == megatron
    # Both read many more tokens per parameter than the 100B+ models of 2020-2022.
    assert BY_NAME["BERT-large"].tokens / BY_NAME["BERT-large"].parameters == pytest.approx(
        125.29, abs=0.01
    )  # 42,598.4 / 340
    assert BY_NAME["Megatron-LM"].tokens / BY_NAME["Megatron-LM"].parameters == pytest.approx(
        18.95, abs=0.01
    )  # 157,286.4 / 8,300


def test_chinchilla_follows_its_own_rule():
    r = BY_NAME["Chinchilla"]
    assert r.tokens / r.parameters == pytest.approx(20.0)


def test_bad_tables_are_rejected():
    header = "model,year,organization,parameters,tokens,published_flops,source,note\n"
    with pytest.raises(ValueError, match="source"):
        model_sizes.load(header + "X,2020,Y,1e9,,,,no source\n")
    with pytest.raises(ValueError, match="parameters"):
        model_sizes.load(header + "X,2020,Y,-1,,,k,negative\n")
    with pytest.raises(ValueError, match="column"):
        model_sizes.load("model,year\nX,2020\n")


def test_figure_has_one_point_per_model():
    import matplotlib.pyplot as plt

    fig = model_sizes.figure()
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    offsets = [c.get_offsets() for c in ax.collections]
    assert len(offsets[0]) == len(ROWS)
    assert len(offsets[1]) == sum(r.tokens is not None for r in ROWS)
    plt.close(fig)


def test_ratio_figure_plots_d_over_n_and_the_rule():
    import matplotlib.pyplot as plt

    fig = model_sizes.ratio_figure()
    ax = fig.axes[0]
    known = [r for r in ROWS if r.tokens is not None]
    ys = ax.collections[0].get_offsets()[:, 1]
    assert list(ys) == pytest.approx([r.tokens / r.parameters for r in known])
    assert ax.lines[0].get_ydata()[0] == 20.0
    plt.close(fig)
    with pytest.raises(ValueError, match="rule"):
        model_sizes.ratio_figure(rule=0)
    with pytest.raises(ValueError, match="published tokens"):
        model_sizes.ratio_figure(rows=tuple(r for r in ROWS if r.tokens is None))


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (117e6, "117 M"),
        (1542e6, "1.54 B"),
        (15.6e12, "15.6 T"),
        (340e6, "340 M"),
        (999.0, "999"),
        (1000, "1 K"),
        (999_999_999, "1 B"),
        (0, "0"),
    ],
)
def test_human_count_by_hand(x, text):
    assert model_sizes.human_count(x) == text


def test_human_count_rejects_bad_input():
    with pytest.raises(ValueError, match="x"):
        model_sizes.human_count(-1)
    with pytest.raises(ValueError, match="x"):
        model_sizes.human_count(float("nan"))
    with pytest.raises(TypeError, match="x"):
        model_sizes.human_count("1e9")
