"""The HTML book builds with warnings as errors, and every page of _toc.yml is in it."""

import pytest

from conftest import toc_entries

pytestmark = pytest.mark.book


def test_every_page_is_built(built_book):
    for entry in toc_entries():
        page = built_book / f"{entry}.html"
        assert page.exists(), f"{entry} was not built"
        html = page.read_text(encoding="utf-8")
        assert "<h1>" in html or "<h1 " in html, f"{entry}.html has no title"
        assert "Traceback" not in html, f"{entry}.html shows a traceback"


def test_introduction_credits_the_source_under_cc_by(built_book):
    html = (built_book / "book" / "00_introduction.html").read_text(encoding="utf-8")
    assert "creativecommons.org/licenses/by/4.0" in html
    assert "Embedding과 Latent Vector" in html
