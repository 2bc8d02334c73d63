"""MovieLens 100K (Harper and Konstan, 2015): the real ratings, read into a recommender table.

Used in: chapter 5.3.

:func:`read_movielens` reads its ``u.data`` file (tab-separated user, item, rating, time) into
a :class:`labs.recsys.Ratings` table, and :func:`write_ratings_file` writes one in the same
format, so the loading code is tested on a small local file. :func:`download_movielens_100k`
fetches the archive and checks its SHA-256; nothing in the course calls it, since it needs a
network.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from labs import cache, data
from labs.recsys import Ratings

ML100K_URL = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
# SHA-256 and size of ml-100k.zip as published by GroupLens (also recorded by TensorFlow
# Datasets in tensorflow_datasets/url_checksums/movielens.txt).
ML100K_SHA256 = "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229"
ML100K_BYTES = 4_924_029


# --------------------------------------------------------------------------------------------
# MovieLens 100K (optional, needs a network once)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MovieLensRatings:
    """A ratings file read by :func:`read_movielens`: indices in ``ratings``, raw ids beside them.

    ``user_ids[u]`` is the file's id of user index ``u`` (likewise ``item_ids``);
    ``timestamps`` are Unix seconds, one per rating.
    """

    ratings: Ratings
    user_ids: np.ndarray
    item_ids: np.ndarray
    timestamps: np.ndarray


def read_movielens(path) -> MovieLensRatings:
    """Read a MovieLens 100K ``u.data`` file: ``user id \\t item id \\t rating \\t timestamp`` lines.

    Raw ids are mapped to indices ``0..n-1`` in increasing id order. A line in another format
    (a CSV, a header, a missing field, a rating outside 1–5) raises ``ValueError`` naming the
    line; an empty file raises ``ValueError`` too.
    """
    path = Path(path)
    rows = []
    with path.open(encoding="latin-1") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != 4:
                raise ValueError(
                    f"{path.name}, line {number}: {len(fields)} tab-separated field(s), expected 4 "
                    f"(user id, item id, rating, timestamp) as in MovieLens 100K's u.data; got {line.strip()[:60]!r}"
                )
            try:
                user, item, rating, stamp = (int(f) for f in fields)
            except ValueError:
                raise ValueError(
                    f"{path.name}, line {number}: expected four integers, got {line.strip()[:60]!r}"
                ) from None
            if not 1 <= rating <= 5:
                raise ValueError(f"{path.name}, line {number}: rating {rating} is outside 1–5")
            rows.append((user, item, rating, stamp))
    if not rows:
        raise ValueError(f"{path.name} holds no ratings: the ratings table is empty")
    table = np.asarray(rows, dtype=np.int64)
    user_ids, users = np.unique(table[:, 0], return_inverse=True)
    item_ids, items = np.unique(table[:, 1], return_inverse=True)
    ratings = Ratings(users, items, table[:, 2].astype(float), len(user_ids), len(item_ids))
    return MovieLensRatings(ratings, user_ids, item_ids, table[:, 3])


def write_ratings_file(ratings: Ratings, path, *, round_to_stars: bool = True) -> Path:
    """Write ``ratings`` in the ``u.data`` format (1-based ids, timestamp 0), e.g. to test a reader.

    With ``round_to_stars`` the ratings are rounded and clipped to 1–5, as MovieLens stores them.
    """
    values = np.clip(np.rint(ratings.ratings), 1, 5).astype(int) if round_to_stars else ratings.ratings
    path = Path(path)
    lines = (f"{u + 1}\t{i + 1}\t{r}\t0" for u, i, r in zip(ratings.users, ratings.items, values))
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return path


def download_movielens_100k(folder=None, *, url: str = ML100K_URL, sha256: str = ML100K_SHA256) -> Path:
    """Download MovieLens 100K, check its SHA-256, unpack it; return the path of ``u.data``.

    Needs a network; no chapter calls it. ``folder`` defaults to ``movielens/`` in the course
    cache (``labs.cache.cache_dir()``). An archive whose SHA-256 differs from ``sha256`` is
    deleted and raises ``ValueError``; nothing of it is unpacked.
    """
    from urllib.request import urlopen

    folder = Path(folder) if folder is not None else cache.cache_dir() / "movielens"
    target = folder / "ml-100k" / "u.data"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".zip.partial", delete=False) as tmp:
        with urlopen(url, timeout=60) as response:  # noqa: S310 (a fixed https URL by default)
            shutil.copyfileobj(response, tmp)
    archive = Path(tmp.name)
    found = data.file_sha256(archive)
    if found != sha256:
        archive.unlink()
        raise ValueError(
            f"the file downloaded from {url} has SHA-256 {found}, expected {sha256}: it is not "
            "the MovieLens 100K archive the course was written for (or it was corrupted); nothing was kept"
        )
    with zipfile.ZipFile(archive) as zipped:
        zipped.extract("ml-100k/u.data", folder)
    archive.unlink()
    return target


def load_movielens_100k(folder=None, *, download: bool = False) -> MovieLensRatings:
    """MovieLens 100K from ``folder/ml-100k/u.data``; fetched first only if ``download=True``.

    Without the file and without ``download=True`` it raises ``FileNotFoundError`` saying how to
    get it; nothing touches the network by default.
    """
    folder = Path(folder) if folder is not None else cache.cache_dir() / "movielens"
    target = folder / "ml-100k" / "u.data"
    if not target.is_file():
        if not download:
            raise FileNotFoundError(
                f"{target} does not exist: call load_movielens_100k(download=True) once with a "
                f"network (it fetches {ML100K_URL} and checks its SHA-256), or unpack ml-100k.zip into {folder}"
            )
        download_movielens_100k(folder)
    return read_movielens(target)
