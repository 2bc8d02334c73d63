import numpy as np
import pytest
import torch
from torch import nn

from labs import category, taxonomy
from labs.autoencoder import AutoencoderConfig, AutoencoderResult, MLPAutoencoder
from labs.graph import NodeVectors
from labs.recsys import EmbeddingConfig, EmbeddingRecommender, EmbeddingResult, MFConfig, MFResult
from labs.taxonomy import EMBEDDING, LATENT, TaxonomyError
from labs.text import TrainedVectors, Word2VecConfig, WordVectors
from labs.transformer import Encoding


def low_rank(n=60, rank=3, d=20, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, rank)) @ rng.normal(size=(rank, d))


def test_the_documents_expansion_example_is_an_embedding_vector_only():
    torch.manual_seed(0)
    verdict = taxonomy.classify(nn.Embedding(10, 64))
    assert (verdict.input_dim, verdict.output_dim, verdict.n_vectors) == (10, 64, 10)
    assert verdict.compression_ratio == pytest.approx(10 / 64)
    assert verdict.rank == 10 and verdict.effective_dim <= 9  # 10 rows, 9 once centred
    assert not verdict.compresses and not verdict.learned_and_smaller
    assert verdict.kind == EMBEDDING and not verdict.is_latent
    assert "add no information" in " ".join(verdict.notes)
    assert "one of 10 ids (one-hot)" == verdict.input_description


def test_a_table_narrower_than_its_one_hot_code_is_a_latent_vector():
    torch.manual_seed(0)
    verdict = taxonomy.classify(nn.Embedding(1000, 16))
    assert verdict.compression_ratio == pytest.approx(62.5)
    assert verdict.kind == LATENT and verdict.learned_and_smaller and verdict.rank == 16


def test_plain_vectors_need_their_input_dimension_and_get_rank_measured():
    X = low_rank()  # 60 vectors of 20 numbers spanning 3 directions
    verdict = taxonomy.classify(X, input_dim=50, name="planted")
    assert verdict.rank == 3 and verdict.effective_dim <= 3
    assert verdict.kind == LATENT and verdict.name == "planted"
    same = taxonomy.classify([row for row in X], input_dim=50)  # a list of equal-length vectors
    assert same.rank == 3 and same.output_dim == 20
    random = taxonomy.classify(X, input_dim=50, learned=False)
    assert random.compresses and not random.learned_and_smaller and random.kind == EMBEDDING
    assert "no objective trained it" in " ".join(random.notes)


def test_an_autoencoder_is_measured_on_its_codes_and_its_inputs_rank_reported():
    torch.manual_seed(0)
    model = MLPAutoencoder(20, AutoencoderConfig(k=8, hidden=(16,)))
    inputs = low_rank(rank=5).astype(np.float32)  # 20 numbers that span only 5 directions
    result = AutoencoderResult(model, AutoencoderConfig(k=8, hidden=(16,)), history={}, metrics={})
    verdict = taxonomy.classify(result, inputs=inputs)
    assert (verdict.input_dim, verdict.output_dim, verdict.n_vectors) == (20, 8, 60)
    assert verdict.kind == LATENT and verdict.input_rank == 5
    assert "removes redundancy" in " ".join(verdict.notes)
    unmeasured = taxonomy.classify(model)  # dimensions from the model, no rank without inputs
    assert unmeasured.output_dim == 8 and unmeasured.rank is None and unmeasured.kind == LATENT


def test_any_module_with_inputs_and_any_of_its_layers():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
    inputs = torch.randn(200, 4)
    whole = taxonomy.classify(model, inputs=inputs)
    assert (whole.input_dim, whole.output_dim) == (4, 2) and whole.kind == LATENT
    linear = taxonomy.classify(model, inputs=inputs, layer="0")  # linear: rank <= 4 + 1
    assert linear.output_dim == 32 and linear.rank <= 5 and linear.kind == EMBEDDING
    assert "add no information" in " ".join(linear.notes)
    relu = taxonomy.classify(model, inputs=inputs, layer="1")  # nonlinear: more directions
    assert relu.rank > 5 and "nonlinear" in " ".join(relu.notes)


def _encoding():
    # 5 and 7 word pieces; the tokenizer's [CLS] and [SEP] are not counted
    return Encoding(tokens=[["[CLS]", *["w"] * 5, "[SEP]"], ["[CLS]", *["w"] * 7, "[SEP]"]], token_vectors=[torch.zeros(7, 8), torch.zeros(9, 8)],
                    cls=torch.tensor(low_rank(2, 2, 8)), mean=torch.tensor(low_rank(2, 2, 8, 1)))


def test_course_result_types_are_recognised():
    words = WordVectors([f"w{i}" for i in range(50)], torch.tensor(low_rank(50, 4, 8)).float(), "toy")
    trained = TrainedVectors(words, Word2VecConfig(), seconds=0.0, tokens=0, from_cache=False)
    verdict = taxonomy.classify(trained)
    assert (verdict.input_dim, verdict.output_dim) == (50, 8) and "50 words" in verdict.input_description
    assert verdict.name == "toy" and taxonomy.classify(words).rank == 4
    node_words = WordVectors([str(i) for i in range(34)], torch.tensor(low_rank(34, 4, 16)).float(), "node2vec")
    nodes = NodeVectors(nodes=list(range(34)), vectors=node_words, seconds=0.0, from_cache=False)
    node_verdict = taxonomy.classify(nodes)  # NodeVectors holds WordVectors too: read as nodes
    assert node_verdict.input_dim == 34 and "34 nodes" in node_verdict.input_description
    encoding = _encoding()
    cls = taxonomy.classify(encoding, layer="cls", vocabulary=100)
    assert cls.input_dim == pytest.approx(6 * 100) and cls.output_dim == 8 and cls.name == "[CLS] vector"
    assert taxonomy.classify(encoding, layer="mean", vocabulary=100).name == "mean pooling"
    factors = low_rank(30, 4, 4)
    mf = MFResult(np.zeros((5, 4)), factors, np.zeros(5), np.zeros(30), 3.5, [], MFConfig())
    assert taxonomy.classify(mf, layer="item_factors").input_dim == 30
    recommender = EmbeddingRecommender(n_users=5, n_items=30, dim=8)
    assert taxonomy.classify(recommender, layer="item").input_dim == 30
    result = EmbeddingResult(recommender, history=[], config=EmbeddingConfig(dim=8))
    assert taxonomy.classify(result, layer="item").output_dim == 8  # a layer of the result's model
    assert taxonomy.classify(result, layer="item_vectors").input_dim == 30  # a table of the result


def test_a_sparse_overcomplete_code_is_flagged_as_contested():
    rng = np.random.default_rng(0)
    codes = np.zeros((100, 40))
    for row in codes:
        row[rng.choice(40, 3, replace=False)] = 1 + rng.random(3)
    verdict = taxonomy.classify(codes, input_dim=10)
    assert verdict.kind == EMBEDDING and verdict.active_units == pytest.approx(3)
    assert "contested" in " ".join(verdict.notes)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: taxonomy.classify(np.ones((5, 3))), "no input to compare them with"),
    (lambda: taxonomy.classify(torch.randn(5, 16)), "GAN's input noise"),
    (lambda: taxonomy.classify([np.ones(3), np.ones(4)], input_dim=10), r"mixed lengths \[3, 4\]"),
    (lambda: taxonomy.classify(nn.Conv2d(1, 4, 3)), "cannot measure the input dimension of Conv2d"),
    (lambda: taxonomy.classify(nn.Sequential()), "it has no layers"),
    (lambda: taxonomy.classify(np.ones((5, 3)), input_dim=0), "input_dim must be a positive number"),
    (lambda: taxonomy.classify(np.ones((5, 3)), input_dim=True), "input_dim must be a positive number"),
    (lambda: taxonomy.classify(np.array([[np.nan, 1.0]]), input_dim=4), "NaN"),
    (lambda: taxonomy.classify(np.zeros((0, 3)), input_dim=4), "non-empty"),
    (lambda: taxonomy.classify(nn.Linear(3, 2), layer="nope", inputs=torch.ones(2, 3)), "no layer 'nope'"),
    (lambda: taxonomy.classify(nn.Sequential(nn.Linear(3, 2)), layer="0"), "pass inputs="),
    (lambda: taxonomy.classify(_encoding(), vocabulary=100), "layer='cls' or layer='mean'"),
    (lambda: taxonomy.classify(_encoding(), layer="cls"), "pass vocabulary="),
    (lambda: taxonomy.classify(np.ones((5, 3)), inputs=np.ones((4, 6))), "4 inputs for 5 vectors"),
    (lambda: taxonomy.classify(nn.Embedding(4, 2), relation=(4, 0)), "two positive integers"),
    (lambda: taxonomy.from_sizes("x", 768, 0), "output_dim must be a positive integer"),
    (lambda: taxonomy.word_pieces(np.ones(3)), "takes a labs.transformer.Encoding"),
    (lambda: taxonomy.classify(np.ones((3, 3)), layer="item_factors"), "no attribute 'item_factors'"),
    (lambda: taxonomy.classify(MLPAutoencoder(20, AutoencoderConfig(k=8, hidden=(16,))),
                               inputs=np.zeros((4, 10))), "reads 20"),
    (lambda: taxonomy.classify(nn.Linear(3, 2), inputs=np.zeros(3)), "pass a batch"),
])
def test_what_cannot_be_judged_gets_a_clear_error(call, message):
    with pytest.raises(TaxonomyError, match=message):
        call()


def test_summary_table_and_figures():
    import matplotlib.pyplot as plt

    torch.manual_seed(0)
    verdicts = [taxonomy.classify(nn.Embedding(10, 64), name="expand"),
                taxonomy.classify(low_rank(), input_dim=1000, name="squeeze")]
    table = taxonomy.summary_table(verdicts, extra={"source": ["a", "b"]})
    assert list(table["verdict"]) == [EMBEDDING, LATENT] and list(table["source"]) == ["a", "b"]
    assert list(table["output dim"]) == ["64", "20"] and list(table["input dim"]) == ["10", "1,000"]
    assert list(table["ratio in/out"]) == ["0.156", "50"] and list(table["rank"]) == ["10", "3"]
    assert list(table.index) == [1, 2] and list(table["in → out"]) == ["10 → 64", "1,000 → 20"]
    picked = taxonomy.summary_table(verdicts, extra={"source": ["a", "b"]}, columns=["source", "verdict"])
    assert list(picked.columns) == ["source", "verdict"]
    with pytest.raises(ValueError, match=r"no column \['nope'\]"):
        taxonomy.summary_table(verdicts, columns=["nope"])
    assert taxonomy.venn_radius(verdicts[0]) > 1 > taxonomy.venn_radius(verdicts[1]) > 0
    ax = taxonomy.plot_venn(verdicts, title="t")
    texts = {t.get_text() for t in ax.texts}
    assert texts >= {"1", "2", "latent vectors", "embedding vectors", " 1  expand\n 2  squeeze"}
    ax = taxonomy.plot_dimensions(verdicts)
    assert ax.get_xscale() == "log" and {t.get_text() for t in ax.texts} >= {"1", "2"}
    plt.close("all")
    with pytest.raises(ValueError, match="has 1 values for 2 rows"):
        taxonomy.summary_table(verdicts, extra={"source": ["a"]})
    for empty in (taxonomy.summary_table, taxonomy.plot_dimensions):
        with pytest.raises(ValueError, match="at least one"):
            empty([])
    assert {t.get_text() for t in taxonomy.plot_venn([]).texts} == {"latent vectors", "embedding vectors"}
    plt.close("all")
    assert "applying the rule gives embedding vector" in str(verdicts[0]) and "note:" in str(verdicts[0])


def test_a_category_table_wider_than_its_one_hot_code_reaches_only_the_one_hot_optimum(cache_folder):
    from labs.data import load_digits

    digits = load_digits()
    best_train, best_test = category.class_means_mse(digits)
    wide = category.train_category_embedding(digits, category.CategoryConfig(dim=16))
    narrow = category.train_category_embedding(digits, category.CategoryConfig(dim=2))
    assert wide.train_mse == pytest.approx(best_train, rel=0.01)  # no better than one-hot, and as good
    assert wide.test_mse == pytest.approx(best_test, rel=0.01)
    assert narrow.train_mse > 1.2 * best_train  # 2 numbers cannot hold 10 class means
    verdict = taxonomy.classify(wide.model.embedding)
    assert verdict.rank == 10 and verdict.kind == EMBEDDING
    again = category.train_category_embedding(digits, category.CategoryConfig(dim=16))
    assert not wide.from_cache and again.from_cache
    assert again.test_mse == wide.test_mse
    with pytest.raises(ValueError, match="dim must be positive, got 0"):
        category.CategoryConfig(dim=0)
    with pytest.raises(ValueError, match="head must be 'linear' or 'mlp'"):
        category.CategoryConfig(head="conv")
    with pytest.raises(ValueError, match="hidden must be a positive integer"):
        category.CategoryConfig(hidden=2.5)


def test_with_a_nonlinear_head_one_number_per_category_reaches_the_optimum(cache_folder):
    from labs.data import load_digits

    digits = load_digits()
    best_train, _ = category.class_means_mse(digits)
    config = category.CategoryConfig(dim=1, head="mlp", steps=1000, lr=0.01)
    one = category.train_category_embedding(digits, config)
    linear = category.train_category_embedding(digits, category.CategoryConfig(dim=1))
    assert one.train_mse == pytest.approx(best_train, rel=0.005)  # 10 distinct scalars suffice
    assert linear.train_mse > 1.4 * best_train  # a linear head reads one direction only
    assert len(set(np.round(one.model.embedding.weight.detach().numpy().ravel(), 4))) == 10


# --------------------------------------------------------------------------------------------
# Chapter 6's claim ledger: every claim of the source document listed once, every link resolving
# --------------------------------------------------------------------------------------------

def _markdown(path):
    import json

    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def test_the_claim_ledger_lists_every_claim_and_its_links_resolve():
    import re

    from conftest import ROOT

    claims = sorted(set(re.findall(r"\bC\d\.\d\b", (ROOT / "book" / "source_document.md").read_text(encoding="utf-8"))))
    assert len(claims) >= 19, claims
    ledger = next(cell for cell in _markdown(ROOT / "book" / "06_conclusion.ipynb") if "## The claim ledger" in cell)
    rows = re.findall(r"^\| (C\d\.\d) \|", ledger, re.M)
    assert sorted(rows) == claims, "the ledger must list every claim of the source document exactly once"
    targets = {}
    for notebook in sorted((ROOT / "book").glob("*.ipynb")):
        for cell in _markdown(notebook):
            for label in re.findall(r"^\((claim-c\d-\d)\)=$", cell, re.M):
                assert label not in targets, f"{label} is placed twice ({targets.get(label)} and {notebook.name})"
                assert cell.startswith(f"({label})="), f"{label} must open its markdown cell in {notebook.name}"
                targets[label] = notebook.name
    for claim, label in re.findall(r"^\| (C\d\.\d) \|.*<(claim-c\d-\d)>`", ledger, re.M):
        assert label == "claim-" + claim.lower().replace(".", "-"), f"{claim} links to {label}"
        assert label in targets, f"{label} is linked from the ledger but placed in no chapter"


# --- the yardsticks, each on data with a known answer ---------------------------------------

def _linear_manifold(n=400, dim=3, coordinates=50, seed=0):
    """``n`` points of a ``dim``-dimensional Gaussian written in ``coordinates`` numbers."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, dim)) @ rng.normal(size=(dim, coordinates))


def test_the_data_yardstick_sees_through_the_coordinates():
    X = _linear_manifold()  # 50 numbers per point, 3 directions
    codes = X @ np.random.default_rng(1).normal(size=(50, 8))
    wide = taxonomy.classify(codes, inputs=X, name="8-number code of 3-d data")
    assert (wide.input_dim, wide.output_dim) == (50, 8) and wide.input_description == "50 input values"
    assert wide.input_rank == 3 and wide.input_effective_dim == 3
    assert wide.input_intrinsic_dim == pytest.approx(3, rel=0.15)
    kinds = wide.by_yardstick()
    assert kinds == {"numbers": LATENT, "data": EMBEDDING, "relation": None, "rate": None}
    assert wide.yardstick_changes_verdict
    narrow = taxonomy.classify(codes[:, :2], inputs=X)  # 2 numbers for 3 directions
    assert narrow.by_yardstick()["data"] == LATENT and not narrow.yardstick_changes_verdict
    assert "must lose information" in " ".join(narrow.notes)


def test_the_relation_yardstick_counts_a_factorisation_against_its_matrix():
    torch.manual_seed(0)
    # 10 ids x 64 pixels: 640 cells; a 64-wide factorisation needs 64 x 74 = 4,736 numbers
    wide = taxonomy.classify(nn.Embedding(10, 64), relation=(10, 64))
    assert wide.factor_numbers == 64 * 74
    assert wide.by_yardstick()["relation"] == EMBEDDING and wide.kind == EMBEDDING
    # 1,000 items x 500 users: 500,000 cells; 16 x 1,500 = 24,000 numbers
    narrow = taxonomy.classify(nn.Embedding(1000, 16), relation=(1000, 500))
    assert narrow.by_yardstick()["relation"] == LATENT
    # 10 ids, one-hot 10 -> 9 numbers, but 9 x 74 = 666 > 640 cells: the yardsticks disagree
    nine = taxonomy.classify(nn.Embedding(10, 9), relation=(10, 64))
    assert nine.kind == LATENT and nine.by_yardstick()["relation"] == EMBEDDING
    row = nine.yardstick_row()
    assert row["relation cells → factor numbers"] == "640 → 666" and row["yardstick changes it?"] == "yes"
    assert row["by data"] == "–" and row["by numbers"] == "latent"


def test_the_rate_yardstick_reads_a_vaes_kl_against_log_n():
    from labs.autoencoder import VAE, VAEConfig

    torch.manual_seed(0)
    inputs = np.random.default_rng(0).random((100, 20)).astype(np.float32)
    silent = VAE(20, VAEConfig(k=4, hidden=(16,)))
    for layer in (silent.mean, silent.log_var):  # every code N(0, I): the code says nothing
        nn.init.zeros_(layer.weight)
        nn.init.zeros_(layer.bias)
    verdict = taxonomy.classify(silent, inputs=inputs)
    assert verdict.rate == pytest.approx(0, abs=1e-6) and verdict.n_inputs == 100
    assert verdict.by_yardstick()["rate"] == LATENT
    loud = VAE(20, VAEConfig(k=4, hidden=(16,)))
    nn.init.constant_(loud.log_var.bias, -12.0)  # codes far sharper than the prior: many nats
    nn.init.normal_(loud.mean.weight, std=5.0)
    assert taxonomy.classify(loud, inputs=inputs).rate > np.log(100)
    assert taxonomy.classify(loud, inputs=inputs).by_yardstick()["rate"] == EMBEDDING
    assert taxonomy.classify(nn.Linear(20, 4), inputs=inputs).rate is None  # not a VAE


def test_one_counting_rule_for_sequences():
    encoding = _encoding()
    assert list(taxonomy.word_pieces(encoding)) == [5, 7]
    verdict = taxonomy.classify(encoding, layer="mean", vocabulary=100)
    assert verdict.input_dim == pytest.approx(600)  # 6 word pieces on average, each one-hot of 100
    assert "[CLS] and [SEP] not counted" in verdict.input_description
    one_word = Encoding(tokens=[["[CLS]", "great", "[SEP]"]], token_vectors=[torch.zeros(3, 8)],
                        cls=torch.ones(1, 8), mean=torch.ones(1, 8))
    single = taxonomy.classify(one_word, layer="cls", vocabulary=100)
    # one word in: exactly the table's own ratio, vocabulary / width
    assert single.input_dim == 100 and single.compression_ratio == pytest.approx(100 / 8)


def test_published_configurations_by_their_sizes():
    small = taxonomy.from_sizes("ViT-S/16", 768, 384, input_description="16x16x3 patch")
    base = taxonomy.from_sizes("ViT-B/16", 768, 768)
    assert small.kind == LATENT and base.kind == EMBEDDING and small.rank is None
    assert small.by_yardstick() == {"numbers": LATENT, "data": None, "relation": None, "rate": None}
    table = taxonomy.yardstick_table([small, base])
    assert list(table["by numbers"]) == ["latent", "embedding"]
    assert list(table["yardstick changes it?"]) == ["no", "no"]
    with pytest.raises(ValueError, match="at least one"):
        taxonomy.yardstick_table([])
