"""labs.similarity: cosine similarities and nearest neighbours, one rule for every chapter."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from labs import similarity


def test_cosine_similarities_match_their_definition_and_accept_sparse_input():
    rng = np.random.default_rng(0)
    Q, D = rng.normal(size=(3, 5)), rng.normal(size=(4, 5))
    expected = (Q / np.linalg.norm(Q, axis=1, keepdims=True)) @ (D / np.linalg.norm(D, axis=1, keepdims=True)).T
    scores = similarity.cosine_similarities(Q, D)
    assert scores.shape == (3, 4) and np.allclose(scores.numpy(), expected, atol=1e-6)
    assert np.allclose(similarity.cosine_similarities(sp.csr_matrix(Q), D).numpy(), expected, atol=1e-6)
    assert similarity.cosine_similarities(Q[0], D).shape == (1, 4)  # one query as a 1-D vector


def test_search_refuses_vectors_of_two_embeddings_and_zero_vectors():
    with pytest.raises(ValueError, match="queries are 300-d but documents are 384-d: encode both with the same embedding"):
        similarity.cosine_similarities(torch.ones(2, 300), torch.ones(5, 384))
    with pytest.raises(ValueError, match=r"queries row\(s\) \[1\] are the zero vector.*TF-IDF"):
        similarity.semantic_search(torch.tensor([[1.0, 0.0], [0.0, 0.0]]), torch.eye(2))
    with pytest.raises(ValueError, match="documents must be a non-empty"):
        similarity.semantic_search(torch.ones(1, 2), torch.ones(0, 2))
    with pytest.raises(ValueError, match="NaN"):
        similarity.semantic_search(torch.ones(1, 2), torch.tensor([[1.0, float("nan")]]))


def test_semantic_search_ranks_by_cosine_and_breaks_ties_by_index():
    documents = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [1.0, 1.0]])
    hits = similarity.semantic_search(torch.tensor([[1.0, 0.1], [0.0, 1.0]]), documents, k=3)
    assert [h.index for h in hits[0]] == [0, 2, 3]  # 0 and 2 tie (same direction): lower index first
    assert hits[0][0].score == pytest.approx(hits[0][1].score) and hits[0][0].score > hits[0][2].score
    assert [h.index for h in hits[1]] == [1, 3, 0]
    with pytest.raises(ValueError, match=r"k must be between 1 and 4 \(the number of documents\), got 5"):
        similarity.semantic_search(torch.ones(1, 2), documents, k=5)


def test_retrieval_precision_and_nearest_neighbours_on_a_toy_set():
    features = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9], [0.2, 1.0]])
    labels = np.array([0, 0, 1, 1, 1])
    assert similarity.retrieval_precision(features, labels, k=1) == 1.0
    # with k=2, the two 0s each find one 0 and one 1; the 1s find only 1s
    assert similarity.retrieval_precision(features, labels, k=2) == pytest.approx((0.5 * 2 + 1.0 * 3) / 5)
    assert list(similarity.nearest(features, 0, k=1)) == [1]
    assert similarity.neighbour_table(features, k=2).tolist()[0] == [1, 4]
    with pytest.raises(ValueError, match=r"k must be between 1 and 4 \(the other vectors: 5 less the one itself\)"):
        similarity.retrieval_precision(features, labels, k=5)
    with pytest.raises(ValueError, match="unknown row 7: there are rows 0 to 4"):
        similarity.nearest(features, 7)


@pytest.mark.parametrize("k", [-1, 0, 5])
def test_nearest_neighbours_refuses_k_outside_the_other_rows(k):
    features = np.eye(5)
    with pytest.raises(ValueError, match=rf"k must be between 1 and 4 \(the other rows: 5 less the row itself\), got {k}"):
        similarity.nearest(features, 0, k=k)


@pytest.mark.parametrize("k", [-1, 0, 3])
def test_nearest_items_refuses_k_outside_the_other_items(k):
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    assert similarity.nearest(vectors, 0, k=2, noun="item").tolist() == [1, 2]
    with pytest.raises(ValueError, match="unknown item 3"):
        similarity.nearest(vectors, 3, noun="item")
    with pytest.raises(ValueError, match=rf"k must be between 1 and 2 \(the other items: 3 less the item itself\), got {k}"):
        similarity.nearest(vectors, 0, k=k, noun="item")
