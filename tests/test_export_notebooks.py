"""tools/export_notebooks.py: plain-Markdown copies of the notebooks, checked on a small one."""

import json
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import export_notebooks  # noqa: E402

BASE = "https://someone.github.io/course/"

CHAPTER = '''\
(claim-one)=
## A claim

The vocabulary has {glue:text}`n_words` words and a score of {glue:text}`score:.2f`, an
{term}`embedding vector` each ({term}`vectors <latent vector>`); see {ref}`claim-one`,
{doc}`glossary`, {doc}`the answers <../solutions/01_x>` and {cite}`rehurek2010gensim,knuth1993`.

```{admonition} What the experiment shows
:class: note

It holds {cite}`knuth1993`.
```

```{exercise} Narrow the window
:label: ex-01-window

Train it. {ref}`Worked answer <sol-01-window>`.
```'''

SOLUTION = '''\
```{solution-start} ex-01-window
:label: sol-01-window
```

Train the same model.

```{solution-end}
```'''


def notebook(markdown, glue=()):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown)]
    code = nbformat.v4.new_code_cell("viz.glue(...)")
    code.outputs = [nbformat.v4.new_output(
        "display_data", data={"application/papermill.record/text/plain": value},
        metadata={"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}})
        for name, value in glue]
    nb.cells.append(code)
    return nb


def make_course(root):
    (root / "_config.yml").write_text(yaml.safe_dump(
        {"repository": {"url": "https://github.com/Someone/course", "branch": "main"}}))
    (root / "book").mkdir()
    (root / "solutions").mkdir()
    (root / "book" / "glossary.md").write_text("# Glossary (용어집)\n")
    (root / "book" / "references.bib").write_text(
        "@misc{rehurek2010gensim,\n  author = {{\\v{R}}eh{\\r{u}}{\\v{r}}ek, Radim and Sojka, Petr},"
        "\n  year = {2010}\n}\n\n@book{knuth1993,\n  author = {Knuth, Donald E.},\n  year = {1993}\n}\n")
    nbformat.write(notebook(CHAPTER, [("n_words", "'9,733'"), ("score", "0.5444")]),
                   root / "book" / "01_x.ipynb")
    nbformat.write(notebook("# Solutions · 1\n\n" + SOLUTION), root / "solutions" / "01_x.ipynb")


def test_exported_markdown_is_plain_and_links_the_published_pages(tmp_path):
    make_course(tmp_path)
    site = export_notebooks.Site(tmp_path)
    assert site.base == BASE  # GitHub Pages of repository.url, no html.baseurl in _config.yml
    out = tmp_path / "out"
    chapter = export_notebooks.export(tmp_path / "book" / "01_x.ipynb", out, site, tmp_path)
    cells = json.loads(chapter.read_text())["cells"]
    refs = f"{BASE}book/references.html"
    assert "".join(cells[0]["source"]) == f'''\
## A claim

The vocabulary has 9,733 words and a score of 0.54, an
[embedding vector]({BASE}book/glossary.html#term-embedding-vector) each \
([vectors]({BASE}book/glossary.html#term-latent-vector)); see [A claim]({BASE}book/01_x.html#claim-one),
[Glossary (용어집)]({BASE}book/glossary.html), [the answers]({BASE}solutions/01_x.html) and \
([Řehůřek and Sojka, 2010]({refs}); [Knuth, 1993]({refs})).

> **What the experiment shows**
>
> It holds ([Knuth, 1993]({refs})).

> **Exercise: Narrow the window**
>
> Train it. [Worked answer]({BASE}solutions/01_x.html#sol-01-window).
>
> Solution notebook: [../solutions/01_x.ipynb](../solutions/01_x.ipynb)'''
    # Code cells are copied as they are; glue's own outputs go (their numbers are in the prose).
    assert "".join(cells[1]["source"]) == "viz.glue(...)" and cells[1]["outputs"] == []
    assert json.loads(chapter.read_text())["metadata"]["labs_export"]["source"] == "book/01_x.ipynb"

    solution = export_notebooks.export(tmp_path / "solutions" / "01_x.ipynb", out, site, tmp_path)
    text = "".join(json.loads(solution.read_text())["cells"][0]["source"])
    assert text == (f"# Solutions · 1\n\n**Worked answer: Narrow the window** "
                    f"([the exercise]({BASE}book/01_x.html#ex-01-window))\n\n"
                    "Train the same model.\n")


def test_every_course_notebook_exports_without_myst_left(tmp_path):
    site = export_notebooks.Site()
    for path in [p for d in ("book", "solutions") for p in sorted((ROOT / d).glob("*.ipynb"))]:
        exported = export_notebooks.export(path, tmp_path, site)
        for cell in json.loads(exported.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                text = "".join(cell["source"])
                for raw in ("{glue", "{term}", "{ref}", "{doc}", "{cite}", "```{", ")=\n"):
                    assert raw not in text, f"{path.name}: {raw} left in\n{text[:400]}"


def test_copies_live_on_the_generated_branch_of_the_configured_repository(tmp_path):
    make_course(tmp_path)
    assert export_notebooks.copies_branch(tmp_path) == "main-notebooks"
    assert export_notebooks.colab_url("book/01_x.ipynb", tmp_path) == (
        "https://colab.research.google.com/github/Someone/course/blob/main-notebooks/book/01_x.ipynb")


@pytest.mark.parametrize(("repository", "error"), [
    ({"url": "https://gitlab.com/someone/course", "branch": "main"}, "github.com/OWNER/REPO"),
    ({"url": "https://github.com/someone", "branch": "main"}, "github.com/OWNER/REPO"),
    ({"url": "https://github.com/someone/course"}, "no repository.branch"),
])
def test_a_repository_colab_cannot_open_is_a_clear_error(tmp_path, repository, error):
    (tmp_path / "_config.yml").write_text(yaml.safe_dump({"repository": repository}))
    with pytest.raises(ValueError, match=error):
        export_notebooks.colab_url("book/01_x.ipynb", tmp_path)


def test_refresh_keeps_a_copy_the_reader_changed(tmp_path):
    make_course(tmp_path)
    site, out = export_notebooks.Site(tmp_path), tmp_path / "out"
    paths = export_notebooks.course_notebooks(tmp_path)
    assert [line.split()[0] for line in export_notebooks.refresh(paths, out, site, tmp_path)] == [
        "wrote", "wrote"]
    chapter = out / "book" / "01_x.ipynb"
    opened = json.loads(chapter.read_text())
    opened["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)"}
    chapter.write_text(json.dumps(opened))  # what JupyterLab writes on opening: not a change
    assert export_notebooks.refresh(paths, out, site, tmp_path)[0] == f"wrote {chapter}"
    chapter.write_text(chapter.read_text().replace("A claim", "My notes"))  # the reader's work
    (out / "solutions" / "01_x.ipynb").unlink()
    lines = export_notebooks.refresh(paths, out, site, tmp_path)
    assert lines[0].startswith(f"kept {chapter}: changed since it was exported")
    assert lines[1] == f"wrote {out / 'solutions' / '01_x.ipynb'}"
    assert "My notes" in chapter.read_text()
    chapter.unlink()  # deleting a copy gets the current one back
    assert export_notebooks.refresh(paths, out, site, tmp_path)[0] == f"wrote {chapter}"


def test_the_command_line_names_what_is_not_a_course_notebook(tmp_path, capsys):
    with pytest.raises(SystemExit):
        export_notebooks.main([str(tmp_path / "elsewhere.ipynb"), "--out", str(tmp_path)])
    assert "not notebooks of the course" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        export_notebooks.main([str(ROOT / "book" / "99_missing.ipynb"), "--out", str(tmp_path)])
    assert "no such notebook" in capsys.readouterr().err


# ---------------------------------------------------------------- the route, on a small book

SMALL_CHAPTER = '''\
# 1 · A chapter

(claim-one)=
## A claim

The vocabulary has {glue:text}`n_words` words and a score of {glue:text}`score:.2f`; see
{ref}`claim-one` and {doc}`the answers <../solutions/01_x>`.

```{admonition} What the experiment shows
:class: note

It holds.
```

```{exercise} Narrow the window
:label: ex-01-window

Train it. {ref}`Worked answer <sol-01-window>`.
```'''


def build_small_book(root):
    """A two-page book with the course's notebook_copies extension, built like make book."""
    import subprocess

    make_course(root)
    config = yaml.safe_load((root / "_config.yml").read_text())
    config |= {"title": "Small", "only_build_toc_files": True, "execute": {"execute_notebooks": "off"},
               "launch_buttons": {"colab_url": "https://colab.research.google.com"},
               "html": {"use_download_button": True},
               "sphinx": {"extra_extensions": ["sphinx_exercise"],
                          "local_extensions": {"notebook_copies": str(ROOT / "book" / "_ext")}}}
    (root / "_config.yml").write_text(yaml.safe_dump(config))
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/01_x\nchapters:\n- file: solutions/01_x\n")
    for name, text, glue in (("book", SMALL_CHAPTER, [("n_words", "'9,733'"), ("score", "0.5444")]),
                             ("solutions", "# Solutions · 1\n\n" + SOLUTION, [])):
        nb = notebook(text, glue)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells[1].source = "import sys"
        nbformat.write(nb, root / name / "01_x.ipynb")
    done = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(root),
                           "-W", "-n", "--keep-going"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return root / "_build" / "html"


@pytest.mark.book
def test_download_and_colab_buttons_open_the_plain_copy_where_the_workflow_publishes(tmp_path):
    import subprocess

    from bs4 import BeautifulSoup

    import publish_notebooks

    root = tmp_path / "course"
    root.mkdir()
    html = build_small_book(root)
    page = BeautifulSoup((html / "book" / "01_x.html").read_text(), "html.parser")
    # The download button serves _sources/book/01_x.ipynb: the plain copy, glued numbers in it.
    download = [a["href"] for a in page.select("a.btn-download-source-button")]
    assert download == ["../_sources/book/01_x.ipynb"]
    served = html / "_sources" / "book" / "01_x.ipynb"
    copy = json.loads(served.read_text())
    text = "".join(copy["cells"][0]["source"])
    assert "9,733 words and a score of 0.54" in text
    for raw in ("{glue", "{ref}", "{doc}", "```{", ")=\n"):
        assert raw not in text, f"{raw} left in the downloaded notebook:\n{text}"
    assert f"[A claim]({BASE}book/01_x.html#claim-one)" in text
    assert copy["cells"][1]["outputs"] == []  # glue's record, not shown to readers
    # The Colab button opens the same file on the generated branch.
    colab = [a["href"] for a in page.select("a.dropdown-item") if "colab" in a["href"]]
    assert colab == [export_notebooks.colab_url("book/01_x.ipynb", root)]
    branch, path = colab[0].split("/github/Someone/course/blob/", 1)[1].split("/", 1)
    assert (branch, path) == ("main-notebooks", "book/01_x.ipynb")

    # What the workflow runs, pushing to a bare repository in place of GitHub.
    def git(*args, cwd=root):
        return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True).stdout
    git("init", "-q", "-b", "main")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "course")
    status = git("status", "--porcelain")
    remote = tmp_path / "github.git"
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    assert publish_notebooks.main(["--html", str(html), "--repo", str(root), "--remote", str(remote),
                                   "--built-from", "main"], root) == 0
    published = git("--git-dir", str(remote), "show", f"{branch}:{path}", cwd=tmp_path)
    assert published == served.read_bytes()
    listed = git("--git-dir", str(remote), "ls-tree", "-r", "--name-only", branch, cwd=tmp_path)
    assert listed.decode().split() == ["README.md", "book/01_x.ipynb", "solutions/01_x.ipynb"]
    # The exercise's link to its solution notebook resolves inside the branch.
    assert "[../solutions/01_x.ipynb](../solutions/01_x.ipynb)" in json.dumps(copy)
    assert git("status", "--porcelain") == status  # the clone it pushed from is left as it was
    assert git("branch", "--list") == b"* main\n"

    # Copies built from another branch, or files that are not copies, are refused.
    with pytest.raises(SystemExit, match="built from 'edition-2'"):
        publish_notebooks.main(["--html", str(html), "--repo", str(root), "--remote", str(remote),
                                "--built-from", "edition-2"], root)
    nbformat.write(nbformat.v4.new_notebook(), served)
    with pytest.raises(SystemExit, match="not their plain-Markdown copies"):
        publish_notebooks.main(["--html", str(html), "--repo", str(root), "--remote", str(remote)], root)
