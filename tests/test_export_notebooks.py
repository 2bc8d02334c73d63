"""tools/export_notebooks.py: plain-Markdown copies of the notebooks, checked on a small one."""

import json
import sys

import nbformat
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
    # Code cells and their outputs are copied as they are.
    assert "".join(cells[1]["source"]) == "viz.glue(...)" and len(cells[1]["outputs"]) == 2

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
