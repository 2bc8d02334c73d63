"""`labs`: the machinery behind the course "Embeddings, Embedding Vectors and Latent Vectors".

The chapters import what they need explicitly, e.g. ``from labs import repro, cache, data``.
Nothing is imported, seeded or downloaded when ``labs`` itself is imported.

Vocabulary used in every name and docstring of this package:

* **embedding**: the process, a learned map from data to a vector space;
* **embedding vector**: the output of an embedding, larger or smaller than its input;
* **latent vector**: an embedding vector that *compresses* its input to its essential factors.
"""

__version__ = "0.1.0"
