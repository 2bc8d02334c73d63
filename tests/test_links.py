"""The built HTML book, read as files: no broken internal link, the launch/download/repository/
issue buttons point at the repository of _config.yml, every image has alt text, exercises and
solutions link both ways, each chapter links the glossary from the first use of its key terms;
and the publishing side (Binder environment, CI workflow).

Known gaps in pages owned by others are listed in KNOWN_GAPS as strict xfails: the test still
runs, and fails loudly as soon as the page is fixed, so that the entry is removed then."""

import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import ROOT, toc_entries

pytestmark = pytest.mark.book

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPOSITORY = CONFIG["repository"]["url"].rstrip("/")
BRANCH = CONFIG["repository"]["branch"]
PATH_TO_BOOK = (CONFIG["repository"].get("path_to_book") or "").strip("/")
OWNER_REPO = urlsplit(REPOSITORY).path.strip("/")
PAGES = toc_entries()
NOTEBOOK_PAGES = [p for p in PAGES if (ROOT / f"{p}.ipynb").exists()]
# Chapters and appendices: the pages that teach, where the glossary convention applies.
CHAPTER_PAGES = [p for p in PAGES if re.match(r"book/(\d\d_|appendix_)", p)]
GLOSSARY_TERMS = ("embedding vector", "latent vector")

KNOWN_GAPS: dict[tuple[str, str], str] = {}


def params(kind, pages):
    """One pytest param per page, a strict xfail where KNOWN_GAPS lists the page for ``kind``."""
    return [
        pytest.param(page, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[(kind, page)]))
        if (kind, page) in KNOWN_GAPS else page
        for page in pages
    ]


def repo_path(entry: str) -> str:
    return f"{PATH_TO_BOOK}/{entry}" if PATH_TO_BOOK else entry


@cache
def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page(built_book, entry: str) -> BeautifulSoup:
    return soup(built_book / f"{entry}.html")


def html_files(built_book):
    return sorted(p for p in built_book.rglob("*.html")
                  if p.relative_to(built_book).parts[0] not in ("_static", "_sources"))


# ---------------------------------------------------------------- links


@cache
def anchors(path: Path) -> frozenset[str]:
    document = soup(path)
    return frozenset(str(tag.get("id") or tag.get("name")) for tag in document.find_all(
        lambda t: t.has_attr("id") or (t.name == "a" and t.has_attr("name"))))


def test_no_broken_internal_link(built_book):
    broken = []
    for path in html_files(built_book):
        for tag in soup(path).find_all(["a", "link", "img", "script", "source", "iframe"]):
            target = tag.get("href") or tag.get("src")
            if not target or re.match(r"^[a-z][a-z0-9+.-]*:|^//", target, re.I):
                continue  # external, mailto:, javascript:, data:
            url, fragment = urldefrag(target)
            url = unquote(urlsplit(url).path)
            resolved = (path.parent / url).resolve() if url else path
            if resolved.is_dir():
                resolved = resolved / "index.html"
            where = f"{path.relative_to(built_book)}: {target}"
            if not resolved.exists():
                broken.append(f"{where} (no such file)")
            elif fragment and resolved.suffix == ".html" and fragment not in anchors(resolved):
                broken.append(f"{where} (no #{fragment} there)")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


# ---------------------------------------------------------------- buttons


@pytest.mark.parametrize("entry", PAGES)
def test_repository_and_issue_buttons_point_at_the_configured_repository(built_book, entry):
    document = page(built_book, entry)
    repository = [a["href"] for a in document.select("a.btn-source-repository-button")]
    issues = [a["href"] for a in document.select("a.btn-source-issues-button")]
    assert repository == [REPOSITORY]
    assert len(issues) == 1 and issues[0].startswith(f"{REPOSITORY}/issues/new?")
    downloads = [a["href"] for a in document.select("a.btn-download-source-button")]
    suffix = ".ipynb" if entry in NOTEBOOK_PAGES else ".md"
    assert len(downloads) == 1 and downloads[0].endswith(f"_sources/{entry}{suffix}")


@pytest.mark.parametrize("entry", NOTEBOOK_PAGES)
def test_launch_buttons_open_this_notebook_from_the_configured_repository(built_book, entry):
    links = {a["href"] for a in page(built_book, entry).select("a.dropdown-item")}
    notebook = f"{repo_path(entry)}.ipynb"
    # Colab opens the plain-Markdown copy, on the branch the CI workflow publishes the copies
    # to (tools/publish_notebooks.py); Binder the repository's own branch.
    colab = (f"https://colab.research.google.com/github/{OWNER_REPO}/blob/{BRANCH}-notebooks/"
             f"{notebook}")
    binder = f"https://mybinder.org/v2/gh/{OWNER_REPO}/{BRANCH}?urlpath=lab/tree/{notebook}"
    assert colab in links, f"no Colab button to {colab}"
    assert binder in links, f"no Binder button to {binder}"


MYST_LEFT = ("{glue", "{term}", "{ref}", "{doc}", "{cite", "{numref}", "```{", ":::{")


@pytest.mark.parametrize("entry", NOTEBOOK_PAGES)
def test_downloaded_notebook_is_the_plain_markdown_copy(built_book, entry):
    """The download button's _sources/<page>.ipynb (also what publish_notebooks.py pushes for
    Colab): MyST resolved, numbers in place of glue, the setup cell as in the source."""
    import json

    copy = json.loads((built_book / "_sources" / f"{entry}.ipynb").read_text(encoding="utf-8"))
    source = json.loads((ROOT / f"{entry}.ipynb").read_text(encoding="utf-8"))
    assert copy["metadata"]["labs_export"]["source"] == f"{entry}.ipynb"
    left = [f"cell {i}: {raw}" for i, cell in enumerate(copy["cells"]) if cell["cell_type"] == "markdown"
            for raw in MYST_LEFT if raw in "".join(cell["source"])]
    assert not left, f"MyST left in the downloaded notebook: {left}"
    assert len(copy["cells"]) == len(source["cells"])
    code = [c for c in source["cells"] if c["cell_type"] == "code"]
    assert [c["source"] for c in copy["cells"] if c["cell_type"] == "code"] == [c["source"] for c in code]
    # so its setup cell installs labs from the branch the book was built from
    assert f'BRANCH = "{BRANCH}"' in "".join(code[0]["source"])


def test_binder_installs_the_tested_versions_and_labs():
    requirements = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8")
    assert "-r ../requirements.txt" in requirements
    assert "download.pytorch.org/whl/cpu" in requirements  # no CUDA build on Binder
    post_build = ROOT / "binder" / "postBuild"
    assert "pip install --no-deps -e ." in post_build.read_text(encoding="utf-8")
    assert post_build.stat().st_mode & 0o111, "binder/postBuild must be executable"


# ---------------------------------------------------------------- images and figures


def missing_alt(img) -> bool:
    alt = (img.get("alt") or "").strip()
    src = img.get("src") or ""
    return not alt or alt == src or Path(src).name in alt or re.search(r"\.(png|jpe?g|svg|gif)$", alt)


@pytest.mark.parametrize("entry", params("alt", PAGES))
def test_every_image_has_alt_text(built_book, entry):
    images = page(built_book, entry).find_all("img")
    bad = [img.get("src") for img in images if missing_alt(img)]
    assert not bad, f"images without alt text (set mystnb.image.alt in the cell metadata): {bad}"


def test_interactive_figures_have_alt_text_and_plotly_js_is_shipped(built_book):
    figures = [(path, div) for path in html_files(built_book)
               for div in soup(path).select("div.labs-interactive .labs-plot")]
    assert figures, "no page shows an interactive figure"
    for path, div in figures:
        # a labelled group, not role="img": it holds focusable controls (axe)
        assert div.get("role") == "group" and len(div.get("aria-label", "")) > 20, path
    from conftest import plotly_static

    extension = plotly_static()
    shipped = built_book / "_static" / extension.PLOTLY_JS
    assert shipped.read_bytes() == extension.plotly_js_path().read_bytes()


# ---------------------------------------------------------------- exercises and solutions


def test_every_exercise_links_its_solution_and_back(built_book):
    exercises = {}
    for entry in CHAPTER_PAGES:
        for box in page(built_book, entry).select("div.exercise"):
            exercises[box["id"]] = (entry, box)
    solutions = {}
    for entry in (p for p in PAGES if p.startswith("solutions/")):
        for box in page(built_book, entry).select("div.solution"):
            solutions[box["id"]] = (entry, box)
    problems = []
    for label, (entry, box) in exercises.items():
        name = entry.split("/", 1)[1]
        links = [a["href"] for a in box.select("a[href*='#sol-']")]
        if not any(h.split("#")[0].endswith(f"solutions/{name}.html") for h in links):
            problems.append(f"{entry}#{label} links no solution in solutions/{name}")
    for label, (entry, box) in solutions.items():
        back = [a["href"].split("#") for a in box.select("a[href*='#ex-']")]
        if not any(target in exercises for _, target in back):
            problems.append(f"{entry}#{label} does not link back to its exercise")
    assert exercises, "no exercise found in the chapters"
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- the glossary

# Quotations of the source document (blockquotes) keep its words as written, unlinked.
SKIPPED = ("h1", "h2", "h3", "h4", "h5", "h6", "pre", "code", "script", "style", "title",
           "blockquote")


def first_mention(article, term):
    """The first text node of the article's prose that contains ``term`` (skipping headings,
    code, quotations of the source and cell outputs), or None."""
    pattern = re.compile(rf"\b{re.escape(term)}", re.I)
    for text in article.find_all(string=pattern):
        parents = list(text.parents)
        if any(p.name in SKIPPED for p in parents):
            continue
        if any({"cell_output", "output", "cell_input"} & set(p.get("class") or []) for p in parents):
            continue
        return text
    return None


@pytest.mark.parametrize("entry", params("glossary", CHAPTER_PAGES))
def test_first_use_of_each_key_term_links_the_glossary(built_book, entry):
    article = page(built_book, entry).select_one("article.bd-article")
    unlinked = []
    for term in GLOSSARY_TERMS:
        text = first_mention(article, term)
        if text is None:
            continue
        link = text.find_parent("a")
        if link is None or "glossary.html#term-" not in (link.get("href") or ""):
            unlinked.append(f"{term!r} first appears unlinked in: …{text.strip()[:80]}…")
    assert not unlinked, (
        "link the first use of each term to the glossary with {term}`...`:\n" + "\n".join(unlinked))


# ---------------------------------------------------------------- publishing


def test_ci_workflow_tests_then_builds_then_publishes_the_html():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text(encoding="utf-8"))
    jobs = workflow["jobs"]
    steps = [s.get("run", "") or s.get("uses", "") for s in jobs["test-and-build"]["steps"]]
    test = next(i for i, s in enumerate(steps) if ".ci/run" in s or "make test" in s)
    book = next(i for i, s in enumerate(steps) if "make book" in s)
    upload = next(i for i, s in enumerate(steps) if s.startswith("actions/upload-pages-artifact"))
    assert test < book < upload
    upload_step = jobs["test-and-build"]["steps"][upload]
    assert upload_step["with"]["path"] == "_build/html"
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    publish = jobs["publish"]
    # Pages go up once the notebooks their Colab buttons open are on the generated branch.
    assert publish["needs"] == ["test-and-build", "publish-notebooks"]
    copies = jobs["publish-notebooks"]
    assert copies["needs"] == "test-and-build" and copies["if"] == publish["if"]
    assert copies["permissions"] == {"contents": "write"}
    runs = " ".join(s.get("run", "") for s in copies["steps"])
    assert "tools/publish_notebooks.py" in runs and "--built-from" in runs
    kept = next(s for s in jobs["test-and-build"]["steps"]
                if s.get("uses", "").startswith("actions/upload-artifact") and s["with"]["name"] == "notebooks")
    fetched = next(s for s in copies["steps"] if s.get("uses", "").startswith("actions/download-artifact"))
    assert kept["with"]["path"].rstrip("/") == fetched["with"]["path"] == "_build/html/_sources"
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in publish["steps"])
    assert "debian" in jobs["test-and-build"]["container"] or "bookworm" in jobs["test-and-build"]["container"]


# ---------------------------------------------------------------- offline maths and Korean

MATHJAX_CDN = re.compile(r"(cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|unpkg\.com)/[^\"'\s]*mathjax"
                         r"|cdn\.mathjax\.org|mathjax\.rstudio\.com", re.I)


def test_no_page_loads_mathjax_from_a_cdn(built_book):
    """MathJax comes with the book (book/_ext/offline_mathjax.py): formulas render offline."""
    cdn = [f"{p.relative_to(built_book)}: {m.group()}" for p in html_files(built_book)
           for m in MATHJAX_CDN.finditer(p.read_text(encoding="utf-8"))]
    assert not cdn, "pages that load MathJax from a CDN:\n" + "\n".join(cdn)
    maths = [p for p in html_files(built_book) if 'class="math' in p.read_text(encoding="utf-8")]
    assert maths, "no page has a formula"
    for path in maths:
        sources = [s["src"] for s in soup(path).find_all("script", src=True) if "mathjax" in s["src"].lower()]
        assert sources, f"{path.relative_to(built_book)} has formulas but loads no MathJax"
        for src in sources:
            assert not re.match(r"^[a-z]+:|^//", src), f"{path.relative_to(built_book)}: {src}"
            assert (path.parent / urlsplit(src).path).resolve().is_file(), src


def test_korean_quotations_of_the_source_carry_lang_ko(built_book):
    """Every blockquote in Korean (quotations of the source document, in the chapters and on
    the source document page) is inside lang="ko" (book/_ext/korean_lang.py)."""
    hangul = re.compile("[\uac00-\ud7a3]")
    unmarked = []
    for entry in PAGES:
        for quote in page(built_book, entry).select("article.bd-article blockquote"):
            for text in quote.find_all(string=hangul):
                if text.parent.name in ("code", "pre") or text.find_parent(attrs={"lang": "ko"}):
                    continue
                unmarked.append(f"{entry}: {text.strip()[:60]}")
    assert not unmarked, "Korean quotations without lang=\"ko\":\n" + "\n".join(unmarked)
