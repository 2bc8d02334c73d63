"""labs.documents (chapter 5.1): averaged word vectors, TF-IDF, the Lee document-similarity
benchmark, and MiniLM sentence embeddings of documents."""

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from labs import data, documents, metrics, text, transformer


def toy_vectors():
    words = ["good", "great", "bad", "awful", "film"]
    vectors = torch.tensor([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [-1.0, 0.0, 0.0], [-0.9, 0.0, 0.1],
                            [0.0, 0.0, 1.0]])
    return text.WordVectors(words, vectors, "toy")


# --- averaged word vectors ------------------------------------------------------------------------


def test_tokenize_words_lowercases_and_keeps_alphabetic_words():
    assert documents.tokenize_words("A GOOD film, 10/10 -- it's great!") == ["good", "film", "it", "great"]


def test_average_word_vectors_is_the_mean_of_the_known_words():
    wv = toy_vectors()
    averaged = documents.average_word_vectors(wv, ["A good FILM!", "great unknownword bad"])
    assert averaged.shape == (2, 3)
    assert torch.allclose(averaged[0], (wv["good"] + wv["film"]) / 2)
    assert torch.allclose(averaged[1], (wv["great"] + wv["bad"]) / 2)  # unknown words skipped
    from_tokens = documents.average_word_vectors(wv, [["good", "film"], ["great", "unknownword", "bad"]])
    assert torch.equal(from_tokens, averaged)
    assert documents.vocabulary_coverage(wv, ["good film", "great unknownword bad"]) == pytest.approx(4 / 5)


def test_a_text_without_a_known_word_is_named_in_the_error():
    wv = toy_vectors()
    with pytest.raises(ValueError, match=r"text 1 \('quite splendid'\) has no word in the vocabulary of toy"):
        documents.average_word_vectors(wv, ["good film", "quite splendid"])
    with pytest.raises(ValueError, match="has no word in the vocabulary"):
        documents.average_word_vectors(wv, ["..."])  # no word at all after tokenisation


def test_average_word_vectors_refuses_a_single_string_or_nothing():
    wv = toy_vectors()
    with pytest.raises(TypeError, match="single string"):
        documents.average_word_vectors(wv, "good film")
    with pytest.raises(ValueError, match="empty"):
        documents.average_word_vectors(wv, [])
    with pytest.raises(ValueError, match="no words at all"):
        documents.vocabulary_coverage(wv, ["!!", "42"])


# --- TF-IDF -------------------------------------------------------------------------------------


def test_tfidf_vectors_are_unit_length_and_only_see_shared_words():
    tfidf = documents.fit_tfidf(["the cat sat", "the dog sat", "a car drove"])
    assert tfidf.dim == len(tfidf.vocabulary) == 6 and "cat" in tfidf.vocabulary  # "a" is too short
    X = tfidf.encode(["the cat sat", "a feline rested", "the car"])
    assert X.shape == (3, 6) and X.dtype == torch.float32
    assert torch.allclose(X[0].norm(), torch.tensor(1.0))
    assert torch.count_nonzero(X[1]) == 0  # no shared word: a synonym is invisible to TF-IDF
    assert X[2, tfidf.vocabulary.index("car")] > X[2, tfidf.vocabulary.index("the")]  # rarer word weighs more
    assert "TfidfEncoder(6 words)" == repr(tfidf)


def test_fit_tfidf_refuses_what_it_cannot_fit():
    with pytest.raises(ValueError, match="no word occurs in 3 or more of the 2 texts"):
        documents.fit_tfidf(["the cat", "a dog"], min_df=3)
    with pytest.raises(ValueError, match="min_df must be a positive integer"):
        documents.fit_tfidf(["the cat"], min_df=0.5)
    with pytest.raises(ValueError, match="no word occurs"):
        documents.fit_tfidf(["!!", "??"])
    with pytest.raises(TypeError, match="single string"):
        documents.fit_tfidf("the cat sat")


# --- search -------------------------------------------------------------------------------------


# --- the Lee document-similarity benchmark ----------------------------------------------------------


def test_lee_similarity_has_fifty_documents_and_a_symmetric_rating_matrix():
    lee = data.load_lee_similarity()
    assert len(lee) == 50 and lee.texts[0].startswith("The national executive of the strife-torn Democrats")
    S = lee.similarity
    assert S.shape == (50, 50) and np.array_equal(S, S.T) and np.all(np.diag(S) == 1)
    assert 0 <= S.min() and S.max() <= 1
    assert not set(lee.texts) & {" ".join(doc) for doc in data.load_lee_corpus()}  # not the background corpus


def test_document_similarity_of_the_ratings_themselves_is_perfect():
    ratings = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.2], [0.1, 0.2, 1.0]])
    benchmark = data.DocumentSimilarities(["a", "b", "c"], ratings)
    # Vectors whose cosine similarities order the pairs as the ratings do.
    vectors = torch.tensor([[1.0, 0.05, 0.0], [1.0, 0.15, 0.0], [0.1, 1.0, 0.0]])
    score = documents.evaluate_document_similarity(vectors, benchmark)
    assert score.pairs == 3 and score.spearman == pytest.approx(1.0) and score.top1_agreement == 1.0
    reversed_score = documents.evaluate_document_similarity(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.8, 0.6]]), benchmark)
    assert reversed_score.top1_agreement < 1.0 and reversed_score.pearson < 0
    with pytest.raises(ValueError, match="vectors has 2 rows but the benchmark has 3 documents"):
        documents.evaluate_document_similarity(vectors[:2], benchmark)


def test_tfidf_agrees_with_humans_on_the_lee_documents():
    lee = data.load_lee_similarity()
    score = documents.evaluate_document_similarity(documents.fit_tfidf(lee.texts).encode(lee.texts))
    assert score.pairs == 1225
    assert 0.3 < score.pearson < 0.7  # word overlap already tracks human judgements somewhat


# --- MiniLM sentence embeddings -----------------------------------------------------------------


@pytest.fixture(scope="module")
def minilm():
    return transformer.load_transformer()


def test_mean_pooling_is_what_sentence_transformers_computes(minilm):
    from sentence_transformers import SentenceTransformer

    sentences = ["simplistic , silly and tedious .", "great", "The dog bit the man."]
    reference = SentenceTransformer(str(data.minilm_path()), device="cpu").encode(sentences, convert_to_tensor=True)
    ours = F.normalize(minilm.encode(sentences).mean, dim=1)  # the package adds a Normalize layer
    assert torch.allclose(ours, reference.cpu(), atol=1e-5)


def test_averaged_token_table_and_sentence_vectors_on_polarity(minilm):
    polarity = data.load_polarity()
    sentences = polarity.texts[:40] + polarity.texts[-40:]
    labels = np.r_[polarity.labels[:40], polarity.labels[-40:]]
    averaged = documents.average_word_vectors(minilm.token_table(), sentences)
    assert averaged.shape == (80, 384)
    sentence = minilm.encode(sentences).mean
    score = metrics.cross_val_probe_accuracy(sentence, labels, folds=4)
    assert score.mean > 0.6  # well above chance even with 60 training sentences


# --- SIF-weighted averages ----------------------------------------------------------------------


def test_sif_weights_each_word_by_a_over_a_plus_its_frequency():
    wv = toy_vectors()
    counts = {"good": 900, "film": 100}  # p(good) = 0.9, p(film) = 0.1; "bad" unseen: p = 0
    a = 0.1
    sif = documents.sif_embeddings(wv, ["good film", "bad film"], counts, a=a, remove_component=False)
    w_good, w_film, w_bad = a / (a + 0.9), a / (a + 0.1), 1.0
    assert torch.allclose(sif[0], (w_good * wv["good"] + w_film * wv["film"]) / 2)
    assert torch.allclose(sif[1], (w_bad * wv["bad"] + w_film * wv["film"]) / 2)
    # the frequent word counts less than in the plain average
    plain = documents.average_word_vectors(wv, ["good film"])[0]
    assert F.cosine_similarity(sif[0], wv["film"], dim=0) > F.cosine_similarity(plain, wv["film"], dim=0)


def test_sif_removes_the_first_principal_direction_shared_by_the_texts():
    wv = toy_vectors()
    texts = ["good film", "bad film", "great awful", "film film good"]
    counts = {"good": 5, "film": 3, "bad": 1}
    kept = documents.sif_embeddings(wv, texts, counts, remove_component=False).double()
    removed = documents.sif_embeddings(wv, texts, counts).double()
    u = torch.linalg.svd(kept, full_matrices=False).Vh[0]
    assert torch.allclose(removed @ u, torch.zeros(len(texts), dtype=torch.float64), atol=1e-6)
    assert torch.allclose(removed, kept - (kept @ u)[:, None] * u, atol=1e-6)


@pytest.mark.parametrize("texts, counts, kwargs, error, message", [
    ("good film", {"good": 1}, {}, TypeError, "single string"),
    ([], {"good": 1}, {}, ValueError, "texts is empty"),
    (["good", "bad"], {"good": 1}, {"a": 0}, ValueError, "a must be a positive number"),
    (["good", "bad"], {}, {}, ValueError, "positive total"),
    (["good", "bad"], {"good": -2}, {}, ValueError, "non-negative counts"),
    (["good"], {"good": 1}, {}, ValueError, "needs two or more texts"),
    (["good", "quite splendid"], {"good": 1}, {}, ValueError, r"text 1 \('quite splendid'\)"),
])
def test_sif_names_bad_input(texts, counts, kwargs, error, message):
    with pytest.raises(error, match=message):
        documents.sif_embeddings(toy_vectors(), texts, counts, **kwargs)
