"""MovieLens 100K: reading and writing its format, and a download that checks its SHA-256."""

import hashlib
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from labs import data, movielens, recsys

SAMPLE = Path(__file__).parent / "data" / "ml100k_sample.data"
SMALL = recsys.SyntheticConfig(n_users=120, n_items=80, rank=3, density=0.5)


@pytest.fixture(scope="module")
def synthetic():
    return recsys.make_synthetic_ratings(SMALL, seed=0)


# ---- MovieLens format -------------------------------------------------------------------------

def test_read_movielens_sample_maps_raw_ids_to_indices():
    loaded = movielens.read_movielens(SAMPLE)
    lines = [line.split("\t") for line in SAMPLE.read_text().splitlines()]
    assert len(loaded.ratings) == len(lines) == 40
    assert loaded.user_ids.tolist() == sorted({int(f[0]) for f in lines})
    assert loaded.item_ids.tolist() == sorted({int(f[1]) for f in lines})
    first = lines[0]
    u, i = loaded.ratings.users[0], loaded.ratings.items[0]
    assert (loaded.user_ids[u], loaded.item_ids[i]) == (int(first[0]), int(first[1]))
    assert loaded.ratings.ratings[0] == int(first[2]) and loaded.timestamps[0] == int(first[3])


def test_write_then_read_round_trip(tmp_path, synthetic):
    small = synthetic.ratings.subset(np.arange(50))
    path = movielens.write_ratings_file(small, tmp_path / "u.data")
    back = movielens.read_movielens(path)
    assert len(back.ratings) == 50
    assert np.array_equal(back.user_ids[back.ratings.users], small.users + 1)
    assert set(back.ratings.ratings) <= {1.0, 2.0, 3.0, 4.0, 5.0}


@pytest.mark.parametrize(("text", "message"), [
    ("userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n", r"line 1: 1 tab-separated field\(s\), expected 4"),
    ("196\t242\t3\n", r"line 1: 3 tab-separated"),
    ("196\t242\t3\t881250949\n186\t302\tthree\t891717742\n", "line 2: expected four integers"),
    ("196\t242\t9\t881250949\n", "rating 9 is outside 1–5"),
    ("\n\n", "holds no ratings: the ratings table is empty"),
])
def test_files_in_the_wrong_format_are_refused(tmp_path, text, message):
    path = tmp_path / "u.data"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        movielens.read_movielens(path)


def test_load_movielens_never_downloads_by_default(tmp_path):
    with pytest.raises(FileNotFoundError, match="download=True"):
        movielens.load_movielens_100k(tmp_path)


def make_archive(tmp_path) -> Path:
    archive = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(SAMPLE, "ml-100k/u.data")
    return archive


def test_download_checks_sha256_then_unpacks(tmp_path):
    archive = make_archive(tmp_path)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert data.file_sha256(archive) == digest
    target = movielens.download_movielens_100k(tmp_path / "out", url=archive.as_uri(), sha256=digest)
    assert target.read_bytes() == SAMPLE.read_bytes()
    assert list((tmp_path / "out").glob("*.zip*")) == []  # the archive is not kept
    assert len(movielens.load_movielens_100k(tmp_path / "out").ratings) == 40


def test_download_with_wrong_sha256_keeps_nothing(tmp_path):
    archive = make_archive(tmp_path)
    with pytest.raises(ValueError, match="has SHA-256 .* expected 0{64}"):
        movielens.download_movielens_100k(tmp_path / "out", url=archive.as_uri(), sha256="0" * 64)
    assert list((tmp_path / "out").iterdir()) == []


def test_download_keeps_only_an_archive_with_the_expected_checksum(tmp_path):
    import zipfile

    from labs import data

    assert re.fullmatch(r"[0-9a-f]{64}", movielens.ML100K_SHA256)  # a SHA-256, as file_sha256 writes it
    archive = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("ml-100k/u.data", "1\t31\t3\t881250949\n")
    url = archive.as_uri()  # file://: the download code path without a network
    with pytest.raises(ValueError, match="nothing was kept"):
        movielens.download_movielens_100k(tmp_path / "wrong", url=url, sha256="0" * 64)
    assert not list((tmp_path / "wrong").iterdir())  # the mismatching archive was deleted
    path = movielens.download_movielens_100k(tmp_path / "right", url=url, sha256=data.file_sha256(archive))
    assert path.read_text() == "1\t31\t3\t881250949\n"
