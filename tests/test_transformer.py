"""labs.transformer: the pretrained all-MiniLM-L6-v2 encoder, its token table and its weights check."""

import re
import shutil

import pytest
import torch
from torch import nn

from labs import data, text, transformer


@pytest.fixture(scope="module")
def minilm():
    return transformer.load_transformer()


def test_token_table_is_a_real_pretrained_embedding(minilm):
    assert isinstance(minilm.token_embedding, nn.Embedding)
    assert tuple(minilm.token_embedding.weight.shape) == (30522, 384)
    table = minilm.token_table()
    assert all(w.isascii() and w.isalpha() for w in table.words) and 20_000 < len(table) < 30_522
    assert torch.equal(table["king"], minilm.token_embedding.weight[minilm.tokenizer.vocab["king"]].detach())


def test_token_table_scores_on_the_benchmarks(minilm):
    table = minilm.token_table()
    assert text.evaluate_similarity(table, "wordsim353").spearman > 0.75
    assert text.evaluate_similarity(table, "simlex999").spearman > 0.45
    assert table.analogy("man", "king", "woman")[0][0] == "queen"


def test_contextual_vectors_cls_and_mean_pooling(minilm):
    sentences = ["The bank of the river was muddy.", "She paid the money into her bank account today."]
    encoded = minilm.encode(sentences)
    assert encoded.cls.shape == encoded.mean.shape == (2, 384)
    assert encoded.tokens[0][0] == "[CLS]" and encoded.tokens[0][-1] == "[SEP]"
    for k in range(2):
        assert torch.allclose(encoded.cls[k], encoded.token_vectors[k][0])
        assert torch.allclose(encoded.mean[k], encoded.token_vectors[k].mean(0), atol=1e-6)
    river, money = (minilm.word_vector(s, "bank") for s in sentences)
    assert torch.allclose(river, encoded.token_vectors[0][encoded.tokens[0].index("bank")], atol=1e-5)
    assert not torch.allclose(river, money, atol=1e-2)  # contextual: one word, two vectors
    assert torch.equal(minilm.static_vector("bank"), minilm.token_table()["bank"])
    with pytest.raises(ValueError, match="'loan' is not a word of the sentence"):
        minilm.word_vector(sentences[0], "loan")


def test_a_tampered_model_folder_is_refused(tmp_path):
    source = data.minilm_path()
    folder = tmp_path / "minilm"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("model.safetensors"))
    with pytest.raises(FileNotFoundError, match="no model.safetensors"):
        transformer.verify_weights(folder)
    weights = bytearray((source / "model.safetensors").read_bytes())
    weights[len(weights) // 2] ^= 0xFF  # one flipped byte in the middle of the weights
    (folder / "model.safetensors").write_bytes(bytes(weights))
    with pytest.raises(transformer.ModelIntegrityError, match="corrupt or was changed.*force-reinstall"):
        transformer.load_transformer(folder, sha256=transformer.MINILM_SHA256)


@pytest.mark.parametrize("source", ["./no/such/model", "~/no-such-model-folder", "a/b/c", "models\\minilm"])
def test_a_missing_local_model_folder_says_what_belongs_there(tmp_path, source):
    with pytest.raises(FileNotFoundError, match=rf"no model folder at {re.escape(repr(source))}.*"
                                                r"config\.json.*model\.safetensors.*Hugging Face model name"):
        transformer.load_transformer(source)
    with pytest.raises(FileNotFoundError, match="no model folder at"):
        transformer.load_transformer(tmp_path / "missing")


def test_hugging_face_names_are_not_taken_for_paths():
    assert not transformer._looks_like_path("roberta-base")
    assert not transformer._looks_like_path("sentence-transformers/all-MiniLM-L6-v2")


def test_a_local_folder_with_the_right_hash_loads(tmp_path):
    folder = tmp_path / "minilm"
    shutil.copytree(data.minilm_path(), folder)
    encoder = transformer.load_transformer(folder, sha256=transformer.MINILM_SHA256)
    assert encoder.name == "minilm" and encoder.tokenize("Embeddings!") == ["[CLS]", "em", "##bed", "##ding", "##s", "!", "[SEP]"]


def test_a_hugging_face_name_is_passed_to_transformers(monkeypatch, minilm):
    """Online use, tested offline: the name goes to transformers unchanged, no hash is checked."""
    import transformers

    asked = []

    def fake(kind, value):
        def from_pretrained(source, *args, **kwargs):
            asked.append((kind, source))
            return value
        return from_pretrained

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", fake("tokenizer", minilm.tokenizer))
    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", fake("model", minilm.model))
    encoder = transformer.load_transformer("roberta-base", device="cpu")
    assert asked == [("tokenizer", "roberta-base"), ("model", "roberta-base")]
    assert encoder.name == "roberta-base"


def test_long_text_is_truncated_where_the_model_was_trained(minilm):
    assert minilm.max_length == 256  # MiniLM's sentence_bert_config.json, as sentence-transformers
    encoded = minilm.encode(["word " * 600])
    assert len(encoded.tokens[0]) == 256


def test_encodings_of_the_verified_model_are_cached_and_equal(minilm, cache_folder, tmp_path,
                                                              monkeypatch):
    log = tmp_path / "timings.jsonl"
    monkeypatch.setenv("LABS_TIMINGS", str(log))
    sentences = ["A river bank.", "A bank account."]
    first = minilm.encode(sentences)
    again = minilm.encode(sentences)
    assert torch.equal(first.mean, again.mean) and torch.equal(first.cls, again.cls)
    assert first.tokens == again.tokens
    assert all(torch.equal(a, b) for a, b in zip(first.token_vectors, again.token_vectors))
    built = [line for line in log.read_text().splitlines() if '"encoding"' in line]
    assert len(built) == 2 and '"built": true' in built[0] and '"built": false' in built[1]


def test_encodings_of_an_unverified_model_are_not_cached(minilm, cache_folder):
    unverified = transformer.TransformerEncoder("unverified", minilm.tokenizer, minilm.model)
    unverified.encode(["A river bank."])
    assert not list(cache_folder.glob("encoding-*.pt"))


def test_the_network_is_loaded_only_when_needed(cache_folder):
    lazy = transformer.load_transformer()
    assert not lazy.model_loaded
    table, embedding = lazy.token_table(), lazy.token_embedding
    lazy.static_vector("bank")
    assert not lazy.model_loaded  # the static table is read from the weights file alone
    sentences = ["A river bank."]
    first = lazy.encode(sentences)  # not cached yet: needs the network
    assert lazy.model_loaded
    network = lazy.model.get_input_embeddings()
    assert lazy.token_embedding is network
    assert repr(embedding) == repr(network) == "Embedding(30522, 384, padding_idx=0)"
    assert embedding.weight.requires_grad == network.weight.requires_grad
    assert torch.equal(embedding.weight, network.weight)
    assert torch.equal(table.vectors, lazy.token_table().vectors)
    fresh = transformer.load_transformer()
    again = fresh.encode(sentences)  # cached: loaded without the network
    assert not fresh.model_loaded and torch.equal(first.mean, again.mean)


def test_an_encoder_needs_a_model_or_a_loader(minilm):
    with pytest.raises(ValueError, match="load_model"):
        transformer.TransformerEncoder("none", minilm.tokenizer)


def test_weights_are_hashed_once_per_process_until_the_file_changes(tmp_path, monkeypatch):
    import hashlib
    import os

    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"weights")
    expected = hashlib.sha256(b"weights").hexdigest()
    hashed = []
    real = data.file_sha256
    monkeypatch.setattr(data, "file_sha256", lambda path: hashed.append(path) or real(path))
    assert transformer.verify_weights(tmp_path, expected) == weights
    assert transformer.verify_weights(tmp_path, expected) == weights
    assert len(hashed) == 1  # the second check trusts the first: same path, size and mtime
    weights.write_bytes(b"tampered")  # a new size: hashed again, and refused
    with pytest.raises(transformer.ModelIntegrityError):
        transformer.verify_weights(tmp_path, expected)
    weights.write_bytes(b"Weights")  # same size; a new mtime is enough to hash it again
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    with pytest.raises(transformer.ModelIntegrityError):
        transformer.verify_weights(tmp_path, expected)
    assert len(hashed) == 3


def test_word_and_layer_vectors_are_cached_and_equal_to_the_network(minilm, cache_folder):
    sentence = "We sat on the grassy bank of the river."
    direct = minilm._word_vector(sentence, "bank")
    assert torch.equal(minilm.word_vector(sentence, "bank"), direct)
    sentences = ["A river bank.", "The bank approved the loan for the new house."]
    batch = minilm.tokenizer(sentences, padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        hidden = minilm.model(**batch, output_hidden_states=True).hidden_states
    mask = batch["attention_mask"][..., None].float()
    layers = minilm.layer_vectors(sentences)
    assert layers.cls.shape == layers.mean.shape == (len(hidden), 2, 384)
    for depth, states in enumerate(hidden):
        assert torch.allclose(layers.cls[depth], states[:, 0], atol=1e-5)
        assert torch.allclose(layers.mean[depth], (states * mask).sum(1) / mask.sum(1), atol=1e-5)
    fresh = transformer.load_transformer()  # a re-run: both loaded, the network never built
    assert torch.equal(fresh.word_vector(sentence, "bank"), direct)
    again = fresh.layer_vectors(sentences)
    assert torch.equal(again.cls, layers.cls) and torch.equal(again.mean, layers.mean)
    assert not fresh.model_loaded
    assert len(list(cache_folder.glob("word-vector-*.pt"))) == 1
    with pytest.raises(ValueError, match="sentences is empty"):
        minilm.layer_vectors([])


def test_word_and_layer_vectors_of_an_unverified_model_are_not_cached(minilm, cache_folder):
    unverified = transformer.TransformerEncoder("unverified", minilm.tokenizer, minilm.model)
    unverified.word_vector("A river bank.", "bank")
    unverified.layer_vectors(["A river bank."])
    assert not cache_folder.exists() or not list(cache_folder.glob("*.pt"))


def test_the_config_is_read_without_building_the_network(cache_folder):
    lazy = transformer.load_transformer()
    config = lazy.config
    assert not lazy.model_loaded
    assert (config.num_hidden_layers, config.hidden_size, config.vocab_size) == (6, 384, 30522)
    built = lazy.model.config  # once the network is loaded, its own config
    assert lazy.config is built and built.hidden_size == config.hidden_size
