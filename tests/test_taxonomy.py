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
    assert not verdict.compresses and not verdict.trained_to_compress
    assert verdict.kind == EMBEDDING and not verdict.is_latent
    assert "add no information" in " ".join(verdict.notes)
    assert "one of 10 ids (one-hot)" == verdict.input_description


def test_a_table_narrower_than_its_one_hot_code_is_a_latent_vector():
    torch.manual_seed(0)
    verdict = taxonomy.classify(nn.Embedding(1000, 16))
    assert verdict.compression_ratio == pytest.approx(62.5)
    assert verdict.kind == LATENT and verdict.trained_to_compress and verdict.rank == 16


def test_plain_vectors_need_their_input_dimension_and_get_rank_measured():
    X = low_rank()  # 60 vectors of 20 numbers spanning 3 directions
    verdict = taxonomy.classify(X, input_dim=50, name="planted")
    assert verdict.rank == 3 and verdict.effective_dim <= 3
    assert verdict.kind == LATENT and verdict.name == "planted"
    same = taxonomy.classify([row for row in X], input_dim=50)  # a list of equal-length vectors
    assert same.rank == 3 and same.output_dim == 20
    random = taxonomy.classify(X, input_dim=50, learned=False)
    assert random.compresses and not random.trained_to_compress and random.kind == EMBEDDING
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
    return Encoding(tokens=[["w"] * 5, ["w"] * 7], token_vectors=[torch.zeros(5, 8), torch.zeros(7, 8)],
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
    cls = taxonomy.classify(encoding, layer="cls")
    assert cls.input_dim == pytest.approx(6 * 8) and cls.output_dim == 8 and cls.name == "[CLS] vector"
    assert taxonomy.classify(encoding, layer="mean").name == "mean pooling"
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
    (lambda: taxonomy.classify(_encoding()), "layer='cls' or layer='mean'"),
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
    assert "=> embedding vector" in str(verdicts[0]) and "note:" in str(verdicts[0])


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
