"""Graph embedding with node2vec: biased random walks, read by Word2Vec as if they were sentences.

Used in: chapter 1 (node2vec on Zachary's karate club and Les Misérables) and chapter 6 (the
summary table).

node2vec = walks + word2vec. :func:`random_walks` turns a graph into "sentences" of node names;
:func:`train_node2vec` hands them to gensim's Word2Vec (skip-gram, one worker, so the vectors are
the same on every run). The return parameter ``p`` and the in-out parameter ``q`` bias each step
(:func:`walk_step`): a small ``q`` sends walks outward (like depth-first search), a large ``q``
keeps them near where they came from (like breadth-first search).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from labs import cache, repro
from labs.text import WordVectors


@dataclass(frozen=True)
class Node2VecConfig:
    """node2vec settings: walks (``walks_per_node`` × ``walk_length``, biased by ``p``, ``q``)
    and the skip-gram Word2Vec that reads them."""

    dimensions: int = 16
    walk_length: int = 20
    walks_per_node: int = 20
    p: float = 1.0
    q: float = 1.0
    window: int = 5
    epochs: int = 5
    negative: int = 5

    def __post_init__(self):
        repro.check_positive(self, "dimensions", "walk_length", "walks_per_node", "window", "epochs")
        if self.p <= 0 or self.q <= 0:
            raise ValueError(f"p and q must be positive, got p={self.p}, q={self.q}")


def check_graph(graph) -> None:
    """Refuse graphs a random walk cannot cover: no edges, or nodes without any edge."""
    if graph.number_of_nodes() == 0 or graph.number_of_edges() == 0:
        raise ValueError(
            f"the graph has {graph.number_of_nodes()} nodes and no edges: random walks need edges"
        )
    isolated = [node for node in graph.nodes if graph.degree(node) == 0]
    if isolated:
        raise ValueError(
            f"the graph has {len(isolated)} isolated node(s) {isolated[:5]}: a walk cannot reach "
            "them, so they would get no vector; remove them first: "
            "graph.remove_nodes_from(list(networkx.isolates(graph)))"
        )
    if graph.is_directed():
        raise ValueError("node2vec here takes undirected graphs; pass graph.to_undirected()")
    # Walks and vectors name nodes by str(node), so 1 and "1" would silently share one vector.
    by_name: dict[str, list] = {}
    for node in graph.nodes:
        by_name.setdefault(str(node), []).append(node)
    clashes = [nodes for nodes in by_name.values() if len(nodes) > 1]
    if clashes:
        raise ValueError(
            f"nodes {clashes[0]!r} have the same name {str(clashes[0][0])!r} ({len(clashes)} such "
            "group(s)): node2vec names nodes by str(node), so they would share one vector; "
            "relabel them first, e.g. graph = networkx.relabel_nodes(graph, {'1': 'one'}) or "
            "networkx.convert_node_labels_to_integers(graph)"
        )


def walk_step(graph, previous, current, p: float, q: float, rng: np.random.Generator):
    """One step of a node2vec walk from ``current``, having arrived from ``previous``.

    Each neighbour ``x`` gets weight w(current, x) times 1/p if ``x`` is ``previous`` (go back),
    1 if ``x`` is also a neighbour of ``previous`` (stay close), 1/q otherwise (move away).
    """
    neighbours = list(graph.neighbors(current))
    weights = np.array([graph[current][x].get("weight", 1.0) for x in neighbours], dtype=float)
    if previous is not None:
        bias = [1 / p if x == previous else 1.0 if graph.has_edge(x, previous) else 1 / q
                for x in neighbours]
        weights *= bias
    cumulative = np.cumsum(weights)  # draw x with probability weight / total
    return neighbours[int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))]


def random_walks(graph, config: Node2VecConfig = Node2VecConfig(), seed: int = 0) -> list[list[str]]:
    """``walks_per_node`` walks of ``walk_length`` nodes from every node, as lists of node names."""
    check_graph(graph)
    rng = np.random.default_rng(seed)
    nodes = list(graph.nodes)
    walks = []
    for _ in range(config.walks_per_node):
        for start in rng.permutation(len(nodes)):
            walk, previous = [nodes[start]], None
            while len(walk) < config.walk_length:
                step = walk_step(graph, previous, walk[-1], config.p, config.q, rng)
                previous = walk[-1]
                walk.append(step)
            walks.append([str(node) for node in walk])
    return walks


def graph_fingerprint(graph) -> str:
    """SHA-256 of a graph's nodes and weighted edges (in the graph's own order)."""
    edges = [[str(u), str(v), float(w.get("weight", 1.0))] for u, v, w in graph.edges(data=True)]
    return cache.fingerprint([str(node) for node in graph.nodes], edges)


@dataclass(frozen=True)
class NodeVectors:
    """node2vec's result: one embedding vector per node, rows in the graph's node order."""

    nodes: list
    vectors: WordVectors  # keys are str(node)
    seconds: float
    from_cache: bool
    config: Node2VecConfig = Node2VecConfig()

    def matrix(self) -> torch.Tensor:
        """``(n_nodes, dimensions)`` tensor, row ``k`` for ``nodes[k]``."""
        return self.vectors.vectors[[self.vectors.index(str(node)) for node in self.nodes]]


def train_node2vec(graph, config: Node2VecConfig | None = None, *, seed: int = 0,
                   device: str = "auto") -> NodeVectors:
    """node2vec: :func:`random_walks`, then skip-gram Word2Vec on them (one worker); cached.

    ``device`` is accepted for the course's one calling convention; gensim trains on the CPU.
    """
    config = config or Node2VecConfig()
    check_graph(graph)

    def build() -> dict:
        from gensim.models import Word2Vec  # imported only to train: loading needs no gensim

        start = time.perf_counter()
        walks = random_walks(graph, config, seed)
        model = Word2Vec(walks, vector_size=config.dimensions, window=config.window, min_count=1,
                         sg=1, negative=config.negative, epochs=config.epochs, workers=1, seed=seed)
        return {"words": list(model.wv.index_to_key), "vectors": torch.from_numpy(model.wv.vectors.copy()),
                "seconds": time.perf_counter() - start}

    entry = cache.train_or_load("node2vec", config, build, seed=seed, data=graph_fingerprint(graph))
    vectors = WordVectors(entry.payload["words"], entry.payload["vectors"], "node2vec")
    return NodeVectors(list(graph.nodes), vectors, entry.payload["seconds"], entry.from_cache, config)


def node_labels(graph, attribute: str) -> np.ndarray:
    """The value of node ``attribute`` for every node, in node order (e.g. ``"club"``)."""
    missing = [n for n in graph.nodes if attribute not in graph.nodes[n]]
    if missing:
        raise ValueError(f"nodes {missing[:5]} have no {attribute!r} attribute")
    return np.array([graph.nodes[n][attribute] for n in graph.nodes])


def leave_one_out_accuracy(features, labels, seed: int = 0) -> float:
    """Accuracy of a logistic regression predicting each node's label from all the others'.

    ``features``: ``(n_nodes, d)``; ``labels``: ``(n_nodes,)``. Each node is held out once
    (:func:`leave_one_out_predictions` says which ones it gets wrong).
    """
    predicted = leave_one_out_predictions(features, labels, seed=seed)
    return float((predicted == np.asarray(labels)).mean())


# --------------------------------------------------------------------------------------------
# Baselines that read the graph's structure directly, with no embedding
# --------------------------------------------------------------------------------------------

def _check_structure(graph) -> None:
    if graph.is_directed():
        raise ValueError("the Laplacian baselines take undirected graphs; pass graph.to_undirected()")
    if graph.number_of_nodes() < 2 or graph.number_of_edges() == 0:
        raise ValueError(
            f"the graph has {graph.number_of_nodes()} node(s) and {graph.number_of_edges()} "
            "edge(s): a bisection needs at least two linked nodes"
        )


def adjacency_rows(graph) -> np.ndarray:
    """The weighted adjacency matrix, ``(n_nodes, n_nodes)``, rows and columns in node order.

    Row ``k`` says whom node ``k`` is linked to (edge weight, 1 if unweighted): the raw structure
    a classifier can read without any embedding. Used in: chapter 1 (the baseline beside
    node2vec on the karate club).
    """
    _check_structure(graph)
    nodes = list(graph.nodes)
    index = {node: k for k, node in enumerate(nodes)}
    matrix = np.zeros((len(nodes), len(nodes)))
    for u, v, attributes in graph.edges(data=True):
        weight = float(attributes.get("weight", 1.0))
        matrix[index[u], index[v]] = matrix[index[v], index[u]] = weight
    return matrix


def fiedler_vector(graph) -> np.ndarray:
    """The Fiedler vector: the eigenvector of the graph Laplacian ``L = D − A`` with the second
    smallest eigenvalue, one number per node in node order.

    Its sign splits the graph in two with few edges cut (spectral bisection, Fiedler 1973). The
    sign of an eigenvector is arbitrary; it is fixed here so that the first clearly non-zero
    entry (the first node's, as a rule) is positive, so the result is the same on every run. A disconnected graph is refused: its
    second eigenvalue is 0 and the vector only names a component. Used in: chapter 1.
    """
    adjacency = adjacency_rows(graph)
    import networkx

    if not networkx.is_connected(graph):
        parts = networkx.number_connected_components(graph)
        raise ValueError(
            f"the graph has {parts} connected components: it is split already, and the Fiedler "
            "vector is not unique; bisect each component, e.g. "
            "graph.subgraph(max(networkx.connected_components(graph), key=len))"
        )
    laplacian = np.diag(adjacency.sum(axis=1)) - adjacency
    _, vectors = np.linalg.eigh(laplacian)
    vector = vectors[:, 1]
    first = np.flatnonzero(np.abs(vector) > 1e-9 * np.abs(vector).max())[0]
    return vector * np.sign(vector[first])


def spectral_bisection(graph) -> np.ndarray:
    """Split the graph in two by the sign of :func:`fiedler_vector`: ``True`` for one side.

    No training and no labels: only the graph's Laplacian. Used in: chapter 1 (the karate
    club's split, beside node2vec).
    """
    return fiedler_vector(graph) > 0


def leave_one_out_predictions(features, labels, seed: int = 0) -> np.ndarray:
    """Each node's label as predicted with that node held out: the predictions behind
    :func:`leave_one_out_accuracy` (the same scaled logistic regression), so that one can see
    *which* nodes a representation gets wrong. Used in: chapter 1.

    Cached (``labs.cache``, keyed by the features, labels, seed and scikit-learn's version) for
    number or string labels: a notebook run again skips the n fits, which cost seconds.
    """
    from importlib.metadata import version

    features = np.asarray(features, dtype=np.float64)
    labels = np.asarray(labels)
    if features.ndim != 2:
        raise ValueError(f"features must be (n_nodes, d), got shape {features.shape}; "
                         "a single column x is x[:, None]")
    if len(features) != len(labels):
        raise ValueError(f"{len(features)} feature rows but {len(labels)} labels")
    if labels.dtype.kind not in "biuU":  # objects have no content fingerprint: fit every time
        return _leave_one_out_fits(features, labels, seed)

    def build() -> dict:
        predicted = _leave_one_out_fits(features, labels, seed)
        return {"predicted": predicted.tolist(), "dtype": predicted.dtype.str}

    settings = {"seed": seed, "sklearn": version("scikit-learn")}
    payload = cache.cached("leave-one-out", settings, build, data=[features, labels]).payload
    return np.array(payload["predicted"], dtype=payload["dtype"])


def _leave_one_out_fits(features: np.ndarray, labels: np.ndarray, seed: int) -> np.ndarray:
    """The fits behind :func:`leave_one_out_predictions`: one scaled logistic regression per
    held-out node."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import LeaveOneOut, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=seed))
    with repro.one_thread():
        return cross_val_predict(model, features, labels, cv=LeaveOneOut())
