"""Word vectors from co-occurrence counts: GloVe's pieces and training, PPMI + SVD."""

import numpy as np
import pytest
import torch

from labs import counts, data, text
from test_text import ANIMALS, TOY, within_minus_across


def test_cooccurrence_counts_weight_by_inverse_distance():
    matrix = counts.cooccurrence_counts([["a", "b", "x", "c"]], ["a", "b", "c"], window=2).toarray()
    # "x" is dropped first, so the sequence is a b c: a-b at 1, b-c at 1, a-c at 2.
    np.testing.assert_allclose(matrix, [[0, 1, 0.5], [1, 0, 1], [0.5, 1, 0]])


def test_cooccurrences_are_counted_once_and_loaded_in_the_same_order(cache_folder):
    vocabulary = sorted({w for doc in TOY for w in doc})
    counted = counts.cooccurrence_counts(TOY, vocabulary, window=3)
    first = counts.cached_cooccurrences(TOY, vocabulary, window=3)
    again = counts.cached_cooccurrences(TOY, vocabulary, window=3)
    for matrix in (first, again):
        assert matrix.shape == counted.shape
        assert np.array_equal(matrix.row, counted.row) and np.array_equal(matrix.col, counted.col)
        assert np.array_equal(matrix.data, counted.data)
    assert len(list(cache_folder.glob("cooccurrence-*.pt"))) == 1
    assert not np.array_equal(counts.cached_cooccurrences(TOY, vocabulary, window=2).toarray(),
                              counted.toarray())


def test_glove_loss_is_weighted_least_squares():
    w, c = torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 1.0]])
    loss = counts.glove_loss(w, c, torch.tensor([0.5]), torch.tensor([-0.5]), torch.tensor([4.0]), torch.tensor([0.25]))
    assert float(loss) == pytest.approx(0.25 * (5.0 - 4.0) ** 2)


def test_glove_step_equals_autograd_and_torch_adagrad():
    torch.manual_seed(0)
    n, d, lr = 7, 4, 0.1
    start = [torch.randn(n, d), torch.randn(n, d), torch.randn(n), torch.randn(n)]
    i, j = torch.tensor([0, 1, 1, 5, 6, 0]), torch.tensor([2, 3, 3, 0, 6, 4])
    log_x, weight = torch.rand(6), torch.rand(6)
    ours = [p.clone() for p in start]
    squares = [torch.zeros_like(p) for p in ours]
    reference = [p.clone().requires_grad_() for p in start]
    optimiser = torch.optim.Adagrad(reference, lr=lr)
    for _ in range(3):
        loss = counts.glove_step(ours, squares, i, j, log_x, weight, lr)
        w, c, bw, bc = reference
        expected = counts.glove_loss(w[i], c[j], bw[i], bc[j], log_x, weight)
        optimiser.zero_grad()
        expected.backward()
        optimiser.step()
        assert loss == pytest.approx(expected.item(), rel=1e-5)
    for mine, theirs in zip(ours, reference):
        torch.testing.assert_close(mine, theirs.detach())



@torch.no_grad()
def dense_glove_step(parameters, squares, i, j, log_x, weight, learning_rate):
    """The definition glove_step must match to the bit: the whole batch at once, gradients as
    full-size matrices (labs.counts before chunking)."""
    w, c, bw, bc = parameters
    wi, cj = w.index_select(0, i), c.index_select(0, j)
    residual = torch.einsum("bd,bd->b", wi, cj) + bw[i] + bc[j] - log_x
    loss = float((weight * residual**2).sum())
    r = 2 * weight * residual
    grads = [torch.zeros_like(w).index_add_(0, i, cj.mul_(r[:, None])),
             torch.zeros_like(c).index_add_(0, j, wi.mul_(r[:, None])),
             torch.zeros_like(bw).index_add_(0, i, r), torch.zeros_like(bc).index_add_(0, j, r)]
    for p, g, s in zip(parameters, grads, squares):
        s.addcmul_(g, g)
        p.addcdiv_(g, s.sqrt().add_(1e-10), value=-learning_rate)
    return loss


@pytest.mark.parametrize("chunk", [1, 7, 64, 4096])
def test_glove_step_in_chunks_is_the_whole_batch_step_to_the_bit(chunk):
    generator = torch.Generator().manual_seed(0)
    n, d, lr = 13, 6, 0.2
    start = [torch.randn(n, d, generator=generator) / d, torch.randn(n, d, generator=generator) / d,
             torch.zeros(n), torch.zeros(n)]
    ours, reference = [p.clone() for p in start], [p.clone() for p in start]
    our_squares = [torch.zeros_like(p) for p in start]
    reference_squares = [torch.zeros_like(p) for p in start]
    for size in (200, 200, 57, 200, 1):  # batches with many repeated rows; rows 11, 12 untouched
        i, j = (torch.randint(0, n - 2, (size,), generator=generator) for _ in range(2))
        log_x = torch.rand(size, generator=generator) * 3
        weight = torch.rand(size, generator=generator)
        loss = counts.glove_step(ours, our_squares, i, j, log_x, weight, lr, chunk=chunk)
        assert loss == dense_glove_step(reference, reference_squares, i, j, log_x, weight, lr)
        for mine, theirs in zip(ours + our_squares, reference + reference_squares):
            assert torch.equal(mine, theirs)
            assert torch.equal(torch.signbit(mine), torch.signbit(theirs))  # signed zeros too
    for mine, first in zip(ours, start):
        assert torch.equal(mine[-2:], first[-2:])

def test_glove_trains_deterministically_and_learns_the_topics(cache_folder):
    config = counts.GloveConfig(vector_size=8, window=3, min_count=2, epochs=20, batch_size=256, learning_rate=0.1)
    first = counts.train_glove(TOY, config, seed=0)
    again = counts.train_glove(TOY, config, seed=0)
    assert again.from_cache and torch.equal(first.vectors.vectors, again.vectors.vectors)
    assert torch.equal(counts.train_glove(TOY, config, seed=0, use_cache=False).vectors.vectors, first.vectors.vectors)
    assert within_minus_across(first.vectors) > 0.2
    assert len(first.history) == 20 and first.history[-1] < first.history[0]
    with pytest.raises(ValueError, match="window must be positive"):
        counts.GloveConfig(window=0)


def test_glove_learning_curve_scores_every_epoch_of_the_same_training(cache_folder):
    config = counts.GloveConfig(vector_size=8, window=3, min_count=2, epochs=4, batch_size=256, learning_rate=0.1)
    words = sorted({w for doc in TOY for w in doc} - {"the"})
    pairs = [(a, b) for a in words for b in words if a < b]
    same_topic = data.WordPairs("toy", pairs, np.array([float((a in ANIMALS) == (b in ANIMALS)) for a, b in pairs]))
    first, second = same_topic.split(seed=0)
    curve = counts.glove_learning_curve(TOY, [first, second], config, seed=0)
    assert curve.epochs == [1, 2, 3, 4] and len(curve.loss) == 4 and not curve.from_cache
    trained = counts.train_glove(TOY, config, seed=0)
    assert curve.loss == pytest.approx(trained.history)
    final = text.evaluate_similarity(trained.vectors, second).spearman
    assert curve.scores["toy-test"][-1] == pytest.approx(final)
    assert curve.best_epoch("toy-dev") in curve.epochs
    assert counts.glove_learning_curve(TOY, [first, second], config, seed=0).from_cache
    with pytest.raises(KeyError, match="no scores for 'wordsim353'"):
        curve.best_epoch("wordsim353")
    with pytest.raises(ValueError, match="benchmarks is empty"):
        counts.glove_learning_curve(TOY, [], config)
    with pytest.raises(ValueError, match="names must differ"):
        counts.glove_learning_curve(TOY, [first, first], config)


# --- PPMI + SVD, the count-based baseline -----------------------------------------------------


def test_ppmi_matrix_matches_its_definition():
    import scipy.sparse as sp

    cooc = sp.csr_matrix(np.array([[0.0, 6.0, 1.0], [6.0, 0.0, 1.0], [1.0, 1.0, 4.0]]))
    ppmi = counts.ppmi_matrix(cooc, context_power=1.0).toarray()
    dense = cooc.toarray()
    total, rows, cols = dense.sum(), dense.sum(1), dense.sum(0)
    with np.errstate(divide="ignore"):
        expected = np.maximum(np.log(dense * total / np.outer(rows, cols)), 0)
    assert np.allclose(ppmi, np.nan_to_num(expected, neginf=0.0))
    assert ppmi[0, 1] > 0 and ppmi[0, 2] == 0  # 0 and 1 co-occur more than chance, 0 and 2 less
    with pytest.raises(ValueError, match="co-occurrence matrix is empty"):
        counts.ppmi_matrix(sp.csr_matrix((3, 3)))


def test_ppmi_svd_separates_topics_is_deterministic_and_cached(cache_folder):
    config = counts.PPMIConfig(vector_size=4, window=3, min_count=1)
    first = counts.train_ppmi_svd(TOY, config, seed=0)
    again = counts.train_ppmi_svd(TOY, config, seed=0)
    assert not first.from_cache and again.from_cache
    assert torch.equal(first.vectors.vectors, again.vectors.vectors)
    fresh = counts.train_ppmi_svd(TOY, config, seed=0, use_cache=False)
    assert torch.allclose(fresh.vectors.vectors, first.vectors.vectors, atol=1e-5)
    assert first.vectors.dim == 4 and first.vectors.name == "PPMI-SVD"
    assert within_minus_across(first.vectors) > 0.2


def test_ppmi_svd_refuses_a_width_the_vocabulary_cannot_fill(cache_folder):
    with pytest.raises(ValueError, match="vector_size must be smaller than the vocabulary"):
        counts.train_ppmi_svd(TOY, counts.PPMIConfig(vector_size=50, min_count=1), use_cache=False)
    with pytest.raises(ValueError, match="eigen_power must be between 0 and 1"):
        counts.PPMIConfig(eigen_power=2)
    with pytest.raises(ValueError, match="window must be positive"):
        counts.PPMIConfig(window=0)
