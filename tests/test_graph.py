"""labs.graph: node2vec's biased walks, the vectors Word2Vec learns from them, and their test."""

from collections import Counter

import networkx as nx
import numpy as np
import pytest
import torch

from labs import data, graph


def lollipop():
    """A triangle 0-1-2 with a tail 2-3-4: from 2 (arrived from 1), 0 is close, 3 is away."""
    return nx.Graph([(0, 1), (1, 2), (0, 2), (2, 3), (3, 4)])


def next_steps(p, q, n=3000):
    rng = np.random.default_rng(0)
    return Counter(graph.walk_step(lollipop(), 1, 2, p, q, rng) for _ in range(n))


def test_walk_step_follows_the_return_and_in_out_biases():
    # From node 2, having come from 1: back to 1 weighs 1/p, to 0 (next to 1) weighs 1, to 3 weighs 1/q.
    unbiased = next_steps(1, 1)
    assert all(abs(unbiased[node] / 3000 - 1 / 3) < 0.04 for node in (0, 1, 3))
    outward = next_steps(1, 0.1)  # small q: move away (depth-first-like)
    assert outward[3] / 3000 == pytest.approx(10 / 12, abs=0.03)
    back = next_steps(0.1, 1)  # small p: go back
    assert back[1] / 3000 == pytest.approx(10 / 12, abs=0.03)


def test_weighted_edges_are_followed_in_proportion():
    weighted = nx.Graph()
    weighted.add_edge("a", "b", weight=9.0)
    weighted.add_edge("a", "c", weight=1.0)
    rng = np.random.default_rng(0)
    steps = Counter(graph.walk_step(weighted, None, "a", 1, 1, rng) for _ in range(2000))
    assert steps["b"] / 2000 == pytest.approx(0.9, abs=0.03)


def test_random_walks_are_reproducible_and_only_follow_edges():
    karate = data.load_graph("karate")
    config = graph.Node2VecConfig(walk_length=10, walks_per_node=3)
    walks = graph.random_walks(karate, config, seed=5)
    assert walks == graph.random_walks(karate, config, seed=5)
    assert walks != graph.random_walks(karate, config, seed=6)
    assert len(walks) == 3 * 34 and all(len(walk) == 10 for walk in walks)
    for walk in walks:
        assert all(karate.has_edge(int(u), int(v)) for u, v in zip(walk, walk[1:]))
    assert Counter(walk[0] for walk in walks) == Counter({str(n): 3 for n in karate.nodes})


def test_graphs_that_walks_cannot_cover_are_refused():
    with pytest.raises(ValueError, match="no edges"):
        graph.check_graph(nx.empty_graph(5))
    with pytest.raises(ValueError, match="no edges"):
        graph.check_graph(nx.Graph())
    lonely = lollipop()
    lonely.add_node("alone")
    with pytest.raises(ValueError, match=r"1 isolated node\(s\) \['alone'\].*remove_nodes_from"):
        graph.train_node2vec(lonely)
    with pytest.raises(ValueError, match="to_undirected"):
        graph.check_graph(nx.DiGraph([(0, 1)]))


def test_nodes_whose_names_collide_are_refused(cache_folder):
    clash = nx.Graph([(1, "1"), ("1", 2), (2, 1)])
    with pytest.raises(ValueError, match=r"nodes \[1, '1'\] have the same name '1'.*share one vector; "
                                         r"relabel them first, e\.g\. .*networkx\.relabel_nodes"):
        graph.train_node2vec(clash)
    with pytest.raises(ValueError, match="same name"):
        graph.random_walks(clash)


def test_config_refuses_bad_values():
    with pytest.raises(ValueError, match="dimensions must be positive, got 0"):
        graph.Node2VecConfig(dimensions=0)
    with pytest.raises(ValueError, match="p and q must be positive"):
        graph.Node2VecConfig(q=0)


def test_node2vec_predicts_the_karate_club_split(cache_folder):
    """The chapter's claim: leave-one-out accuracy of the club split >= 0.9."""
    karate = data.load_graph("karate")
    first = graph.train_node2vec(karate, seed=0)
    again = graph.train_node2vec(karate, seed=0)
    assert not first.from_cache and again.from_cache
    assert torch.equal(first.matrix(), again.matrix())
    assert first.matrix().shape == (34, 16) and first.nodes == list(karate.nodes)
    accuracy = graph.leave_one_out_accuracy(first.matrix().numpy(), graph.node_labels(karate, "club"))
    assert accuracy >= 0.9


def test_node_vectors_keep_rows_in_node_order(cache_folder):
    misérables = data.load_graph("les_miserables")
    result = graph.train_node2vec(misérables, graph.Node2VecConfig(walks_per_node=2, epochs=1))
    matrix = result.matrix()
    assert torch.equal(matrix[result.nodes.index("Valjean")], result.vectors["Valjean"])


def test_labels_and_leave_one_out_check_their_input():
    with pytest.raises(ValueError, match="have no 'club' attribute"):
        graph.node_labels(lollipop(), "club")
    with pytest.raises(ValueError, match="3 feature rows but 2 labels"):
        graph.leave_one_out_accuracy(np.zeros((3, 2)), [0, 1])


# ---- baselines that read the structure directly ----------------------------------------------

def two_cliques():
    """Two 4-cliques (0-3 and 4-7) joined by the single edge 3-4."""
    graph = nx.union(nx.complete_graph(4), nx.relabel_nodes(nx.complete_graph(4), lambda n: n + 4))
    graph.add_edge(3, 4)
    return graph


def test_spectral_bisection_cuts_the_single_bridge():
    sides = graph.spectral_bisection(two_cliques())
    assert sides.tolist() == [True] * 4 + [False] * 4  # node 0's side is True


def test_fiedler_vector_is_the_second_laplacian_eigenvector():
    path = nx.path_graph(6)  # known answer: cos(pi (2k + 1) / 12), up to scale and sign
    expected = np.cos(np.pi * (2 * np.arange(6) + 1) / 12)
    found = graph.fiedler_vector(path)
    assert np.allclose(np.abs(found @ expected) / np.linalg.norm(expected), 1)
    assert np.allclose(found, expected / np.linalg.norm(expected))  # sign: first entry positive
    cliques = two_cliques()
    laplacian = nx.laplacian_matrix(cliques).toarray()
    vector = graph.fiedler_vector(cliques)
    assert np.allclose(laplacian @ vector, nx.algebraic_connectivity(cliques) * vector, atol=1e-8)


def test_adjacency_rows_follow_node_order_and_weights():
    weighted = nx.Graph()
    weighted.add_nodes_from(["c", "a", "b"])
    weighted.add_edge("a", "b", weight=2.5)
    weighted.add_edge("c", "a")
    assert np.array_equal(graph.adjacency_rows(weighted),
                          [[0, 1, 0], [1, 0, 2.5], [0, 2.5, 0]])


def test_structure_baselines_refuse_graphs_they_cannot_split():
    with pytest.raises(ValueError, match="connected components"):
        graph.fiedler_vector(nx.Graph([(0, 1), (2, 3)]))
    with pytest.raises(ValueError, match="undirected"):
        graph.adjacency_rows(nx.DiGraph([(0, 1)]))
    empty = nx.Graph()
    empty.add_nodes_from([0, 1])
    with pytest.raises(ValueError, match="at least two linked nodes"):
        graph.spectral_bisection(empty)


def test_leave_one_out_predictions_name_the_misses():
    rng = np.random.default_rng(0)
    labels = np.array(["a"] * 10 + ["b"] * 10)
    features = np.r_[rng.normal(-3, 0.5, 10), rng.normal(3, 0.5, 10)][:, None]
    features[4] = 3.0  # an "a" that sits among the "b"s: the only one held out wrongly
    predicted = graph.leave_one_out_predictions(features, labels)
    assert np.flatnonzero(predicted != labels).tolist() == [4]
    assert np.mean(predicted == labels) == graph.leave_one_out_accuracy(features, labels)
    with pytest.raises(ValueError, match=r"x\[:, None\]"):
        graph.leave_one_out_predictions(features[:, 0], labels)
    with pytest.raises(ValueError, match="20 feature rows but 19 labels"):
        graph.leave_one_out_predictions(features, labels[:-1])


def test_leave_one_out_predictions_are_cached_with_their_labels_type(cache_folder):
    rng = np.random.default_rng(1)
    features = rng.normal(size=(12, 3))
    for labels in (np.array(["Mr. Hi", "Officer"] * 6), np.arange(12) % 3):
        fitted = graph._leave_one_out_fits(features, labels, 0)
        first = graph.leave_one_out_predictions(features, labels)  # fitted, then stored
        again = graph.leave_one_out_predictions(features, labels)  # loaded
        assert first.dtype == again.dtype == fitted.dtype
        assert np.array_equal(first, fitted) and np.array_equal(again, fitted)
    assert len(list(cache_folder.glob("leave-one-out-*.pt"))) == 2
    objects = np.array(["a", "b"] * 6, dtype=object)  # no content fingerprint: not cached
    assert np.array_equal(graph.leave_one_out_predictions(features, objects),
                          graph._leave_one_out_fits(features, objects, 0))
    assert len(list(cache_folder.glob("leave-one-out-*.pt"))) == 2
