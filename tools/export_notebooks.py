"""Plain-Markdown copies of the course's notebooks, for readers outside the HTML book.

    python tools/export_notebooks.py              # every notebook -> _build/notebooks/<same path>
    python tools/export_notebooks.py book/01_embedding.ipynb --out /tmp/nb

JupyterLab without jupyterlab-myst, Colab, Kaggle and VS Code show MyST raw: ``{glue:text}``
placeholders where the numbers should be, ``{term}``/``{ref}``/``{doc}``/``{cite}`` roles,
``(label)=`` lines and directive fences rendered as code. This writes copies whose markdown
cells are plain CommonMark, generated from the same sources and never edited by hand:

* ``{glue:text}`name:spec``` becomes the value glued in the notebook's own stored outputs
  (formatted with ``spec``), as the book shows it;
* ``{term}``, ``{ref}``, ``{doc}`` and ``{cite}`` become links to the published pages. The base
  URL is ``_config.yml``'s ``html.baseurl`` when set, else the GitHub Pages URL of
  ``repository.url`` (``https://OWNER.github.io/REPO/``, where the CI workflow publishes);
  citations read "(Author et al., year)" from ``book/references.bib`` and link the references page;
* ``(label)=`` lines are dropped; admonition, exercise and other directive fences become
  blockquotes with a bold title; an exercise ends with a link to its solution notebook
  (relative, so it opens in JupyterLab and beside the copies); ``solution-start`` becomes a bold
  "Worked answer" line and ``solution-end`` disappears.

Code cells and outputs are copied unchanged, so the setup cell and nbval's stored outputs stay.

Why not sphinx-tojupyter (QuantEcon's route): it converts through a full Sphinx build, so it
resolves every role exactly, but it is an extra Sphinx builder to keep compatible with Jupyter
Book 1's pinned Sphinx 7 and with sphinx-exercise and myst-nb's glue (which it does not know),
and it re-executes or re-renders whole documents; the course uses only six MyST constructs, so
this ~200-line converter, tested on a small notebook, is less to maintain.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import posixpath
import re
import sys
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIRS = ("book", "solutions")
ROLE = re.compile(r"\{(glue:text|glue|term|ref|doc|cite|cite:p|cite:t|numref)\}`([^`]+)`")
FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$")
LABEL_LINE = re.compile(r"^\(([^()\s]+)\)=\s*$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$", re.M)
# BibTeX accents (\v{r}, \'e, \"o, ...) as Unicode combining marks.
ACCENTS = {"v": "\u030c", "r": "\u030a", "'": "\u0301", "`": "\u0300", '"': "\u0308",
           "^": "\u0302", "~": "\u0303", "c": "\u0327", "=": "\u0304", ".": "\u0307",
           "u": "\u0306", "H": "\u030b"}
ACCENT = re.compile(r"""\\([vr'`"^~c=.uH])\s*\{?([A-Za-z])\}?""")


def unlatex(text: str) -> str:
    """``{\\v{R}}eh{\\r{u}}{\\v{r}}ek`` -> ``Řehůřek``."""
    text = ACCENT.sub(lambda m: m.group(2) + ACCENTS[m.group(1)], text)
    return unicodedata.normalize("NFC", text.replace("{", "").replace("}", ""))


def base_url(root: Path = ROOT) -> str:
    """Where the book is published: html.baseurl, else the repository's GitHub Pages URL."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    url = (config.get("html") or {}).get("baseurl")
    if url:
        return url.rstrip("/") + "/"
    repo = urlsplit(config["repository"]["url"].rstrip("/")).path.strip("/")
    owner, name = repo.split("/")
    return f"https://{owner.lower()}.github.io/{name}/"


def slug(text: str) -> str:
    """Sphinx's id for a term or heading: lower case ASCII, runs of anything else as '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def split_role(text: str) -> tuple[str | None, str]:
    """``title <target>`` -> (title, target); ``target`` -> (None, target)."""
    match = re.fullmatch(r"(.*?)\s*<([^<>]+)>", text, re.S)
    return (match.group(1), match.group(2)) if match else (None, text)


def source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


class Site:
    """What the links need from every page: labels (page, title), page titles, the bibliography."""

    def __init__(self, root: Path = ROOT):
        self.root = root
        self.base = base_url(root)
        self.labels: dict[str, tuple[str, str]] = {}
        self.titles: dict[str, str] = {}
        self.references = self._bibliography(root / "book" / "references.bib")
        pages = [p for d in NOTEBOOK_DIRS for p in sorted((root / d).glob("*.ipynb"))]
        pages += [p for d in NOTEBOOK_DIRS for p in sorted((root / d).glob("*.md"))]
        for path in pages:
            page = path.relative_to(root).with_suffix("").as_posix()
            if path.suffix == ".ipynb":
                notebook = json.loads(path.read_text(encoding="utf-8"))
                texts = [source(c) for c in notebook["cells"] if c["cell_type"] == "markdown"]
            else:
                texts = [path.read_text(encoding="utf-8")]
            self._scan(page, "\n\n".join(texts))

    def _scan(self, page: str, text: str) -> None:
        heading = HEADING.search(text)
        self.titles[page] = re.sub(r"[*_`]", "", heading.group(2)) if heading else page
        lines = text.splitlines()
        for number, line in enumerate(lines):
            label = LABEL_LINE.match(line)
            if label:
                after = next((h for h in lines[number + 1:] if h.strip()), "")
                title = HEADING.match(after)
                self.labels[label.group(1)] = (page, title.group(2) if title else label.group(1))
            fence = FENCE.match(line)
            if fence:
                options = lines[number + 1:number + 8]
                for option in options:
                    found = re.match(r"^:label:\s*(\S+)", option)
                    if found:
                        name = fence.group("name")
                        title = fence.group("arg").strip()
                        if name == "exercise":
                            title = f"Exercise: {title}" if title else "Exercise"
                        elif name.startswith("solution"):
                            exercise = self.labels.get(title, (None, title))[1]
                            title = f"Worked answer to {exercise}"
                        self.labels[found.group(1)] = (page, title or found.group(1))
                        break

    @staticmethod
    def _bibliography(path: Path) -> dict[str, str]:
        """key -> "Author et al., year" (author_year, as the book's bibtex_reference_style)."""
        cites = {}
        if not path.exists():
            return cites
        for entry in re.split(r"\n(?=@)", path.read_text(encoding="utf-8")):
            key = re.match(r"@\w+\{([^,\s]+),", entry.strip())
            if not key:
                continue
            author = re.search(r"author\s*=\s*\{(.+?)\},?\s*\n", entry, re.S)
            year = re.search(r"year\s*=\s*\{?(\d{4})", entry)
            names = [unlatex(a).strip() for a in author.group(1).split(" and ")] if author else []
            last = [n.split(",")[0].strip("{} ") if "," in n else n.split()[-1].strip("{}")
                    for n in names]
            who = (last[0] if len(last) == 1 else " and ".join(last) if len(last) == 2
                   else f"{last[0]} et al." if last else key.group(1))
            cites[key.group(1)] = f"{who}, {year.group(1) if year else 'n.d.'}"
        return cites

    def url(self, page: str, anchor: str = "") -> str:
        return f"{self.base}{page}.html" + (f"#{anchor}" if anchor else "")


def glued_values(notebook: dict) -> dict[str, object]:
    """name -> value of every ``glue`` call stored in the notebook's outputs."""
    values = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if not meta:
                continue
            data = output.get("data", {})
            text = data.get(meta.get("mime_prefix", "") + "text/plain", data.get("text/plain"))
            if text is None:
                continue
            text = "".join(text) if isinstance(text, list) else text
            try:
                values[meta["name"]] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                values[meta["name"]] = text
    return values


class Converter:
    def __init__(self, site: Site, page: str, glue: dict[str, object]):
        self.site, self.page, self.glue = site, page, glue
        self.folder = posixpath.dirname(page)

    def role(self, match: re.Match) -> str:
        kind, text = match.group(1), match.group(2)
        if kind.startswith("glue"):
            name, _, spec = text.partition(":")
            if name not in self.glue:
                raise KeyError(f"{self.page}: no glued value {name!r} in the stored outputs")
            value = self.glue[name]
            return format(value, spec) if spec and not isinstance(value, str) else str(value)
        title, target = split_role(text)
        if kind == "term":
            return f"[{title or target}]({self.site.url('book/glossary', 'term-' + slug(target))})"
        if kind in ("ref", "numref"):
            page, label_title = self.site.labels.get(target, (self.page, target))
            return f"[{title or label_title}]({self.site.url(page, target)})"
        if kind == "doc":
            page = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(self.folder, target))
            return f"[{title or self.site.titles.get(page, page)}]({self.site.url(page)})"
        # citations
        keys = [k.strip() for k in target.split(",")]
        refs = self.site.url("book/references")
        return "(" + "; ".join(f"[{self.site.references.get(k, k)}]({refs})" for k in keys) + ")"

    def inline(self, text: str) -> str:
        return ROLE.sub(self.role, text)

    def markdown(self, text: str) -> str:
        lines = text.splitlines()
        out, index = [], 0
        while index < len(lines):
            line = lines[index]
            fence = FENCE.match(line)
            if LABEL_LINE.match(line):
                index += 1
                continue
            if not fence:
                out.append(self.inline(line))
                index += 1
                continue
            marker = fence.group("fence")
            end = index + 1
            while end < len(lines) and not (lines[end].strip().startswith(marker[0] * len(marker))
                                            and set(lines[end].strip()) == {marker[0]}):
                end += 1
            body = lines[index + 1:end]
            options = {}
            while body and re.match(r"^:[\w-]+:", body[0]):
                key, _, value = body.pop(0)[1:].partition(":")
                options[key] = value.strip()
            out.extend(self.directive(fence.group("name"), fence.group("arg").strip(),
                                      options, "\n".join(body).strip("\n")))
            index = end + 1
        return "\n".join(out)

    def directive(self, name: str, arg: str, options: dict, body: str) -> list[str]:
        if name == "solution-end":
            return []
        if name == "solution-start":
            exercise = self.site.labels.get(arg)
            title = exercise[1].removeprefix("Exercise: ") if exercise else arg
            where = f" ([the exercise]({self.site.url(exercise[0], arg)}))" if exercise else ""
            return [f"**Worked answer: {self.inline(title)}**{where}"]
        if name in ("math", "code", "code-block"):
            return ([f"$$\n{body}\n$$"] if name == "math"
                    else [f"```{arg}", body, "```"])
        title = self.inline(arg) if arg else name.replace("-", " ").capitalize()
        if name == "exercise":
            title = f"Exercise: {title}"
        block = [f"**{title}**", ""] + self.markdown(body).splitlines()
        if name == "exercise":
            solution = Path("../solutions") / f"{Path(self.page).name}.ipynb"
            if (self.site.root / "solutions" / f"{Path(self.page).name}.ipynb").exists():
                block += ["", f"Solution notebook: [{solution.as_posix()}]({solution.as_posix()})"]
        return [f"> {line}".rstrip() for line in block]


def export(path: Path, out: Path, site: Site, root: Path = ROOT) -> Path:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    page = path.relative_to(root).with_suffix("").as_posix()
    converter = Converter(site, page, glued_values(notebook))
    result = copy.deepcopy(notebook)
    for cell in result["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = converter.markdown(source(cell))
    target = out / path.relative_to(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.from_dict(result), target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "notebooks")
    args = parser.parse_args(argv)
    site = Site()
    paths = [p.resolve() for p in args.paths] or [
        p for d in NOTEBOOK_DIRS for p in sorted((ROOT / d).glob("*.ipynb"))]
    for path in paths:
        print(f"wrote {export(path, args.out, site)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
