"""Plain-Markdown copies of the course's notebooks, for readers outside the HTML book.

    python tools/export_notebooks.py              # every notebook -> _build/notebooks/<same path>
    python tools/export_notebooks.py book/01_embedding.ipynb --out /tmp/nb

Where the copies go (README, "Reading the course outside the HTML book"):

* the book build (``book/_ext/notebook_copies.py``) writes them over the ``_sources/*.ipynb``
  that the download button serves, and points the Colab button at them on the generated branch
  ``copies_branch()`` (``<repository.branch>-notebooks``), where the CI workflow pushes them
  (``tools/publish_notebooks.py``);
* ``make lab`` writes them into ``_build/notebooks/`` with this script and opens JupyterLab on
  them; a copy the reader has changed since it was written is kept, never overwritten.

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

Code cells and their outputs are copied unchanged (the setup cell too, which installs ``labs``
from the branch the notebook was built from), except glue's own outputs: their numbers are in the
prose now, and JupyterLab would show them as "No renderer could be found" boxes.

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
import hashlib
import json
import posixpath
import re
import sys
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

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


COLAB = "https://colab.research.google.com"
COPIES_SUFFIX = "-notebooks"
MANIFEST = ".exported.json"  # in an --out folder: the digest of every copy as written


def config(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


def repository(root: Path = ROOT) -> tuple[str, str, str]:
    """(owner, name, branch) of ``_config.yml``'s repository; a clear error where one is missing."""
    found = config(root).get("repository") or {}
    url, branch = str(found.get("url") or "").rstrip("/"), found.get("branch")
    parts = urlsplit(url).path.strip("/").split("/")
    if urlsplit(url).hostname != "github.com" or len(parts) != 2 or not all(parts):
        raise ValueError(f"_config.yml: repository.url must be https://github.com/OWNER/REPO "
                         f"(Colab opens notebooks from GitHub), not {url!r}")
    if not branch:
        raise ValueError("_config.yml has no repository.branch: name the branch the book is "
                         "built from (Jupyter Book would otherwise assume `master`)")
    return parts[0], parts[1], str(branch)


def copies_branch(root: Path = ROOT) -> str:
    """The generated branch that holds the plain-Markdown copies of ``repository.branch``."""
    return repository(root)[2] + COPIES_SUFFIX


def colab_url(notebook: str, root: Path = ROOT) -> str:
    """What the book's Colab button opens for ``notebook`` (a path in the repository): its
    plain-Markdown copy on ``copies_branch()``, where the CI workflow publishes it."""
    owner, name, _ = repository(root)
    return f"{COLAB}/github/{owner}/{name}/blob/{copies_branch(root)}/{notebook}"


def base_url(root: Path = ROOT) -> str:
    """Where the book is published: html.baseurl, else the repository's GitHub Pages URL."""
    url = (config(root).get("html") or {}).get("baseurl")
    if url:
        return url.rstrip("/") + "/"
    owner, name, _ = repository(root)
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


def is_glue(output: dict) -> bool:
    """Whether ``output`` is what ``glue`` stores (myst-nb's scrapbook record)."""
    return bool(output.get("metadata", {}).get("scrapbook"))


def glue_value(output: dict) -> tuple[str, object] | None:
    """(name, value) of one glue output, or None where it holds no text."""
    meta = output["metadata"]["scrapbook"]
    data = output.get("data", {})
    text = data.get(meta.get("mime_prefix", "") + "text/plain", data.get("text/plain"))
    if text is None:
        return None
    text = "".join(text) if isinstance(text, list) else text
    try:
        return meta["name"], ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return meta["name"], text


def glued_values(notebook: dict) -> dict[str, object]:
    """name -> value of every ``glue`` call stored in the notebook's outputs."""
    found = (glue_value(o) for c in notebook["cells"] for o in c.get("outputs", []) if is_glue(o))
    return dict(pair for pair in found if pair)


def glue_file_values(path: Path) -> dict[str, object]:
    """name -> value from myst-nb's ``<page>.glue.json`` (what a built page shows)."""
    outputs = json.loads(path.read_text(encoding="utf-8"))
    found = (glue_value(o) for o in outputs.values() if is_glue(o))
    return dict(pair for pair in found if pair)


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


def convert(notebook: dict, page: str, site: Site, glue: dict[str, object] | None = None) -> dict:
    """The plain-Markdown copy of ``notebook`` (the page ``page``, e.g. "book/01_embedding").

    ``glue``: the glued values (default: those stored in the notebook's own outputs)."""
    converter = Converter(site, page, glued_values(notebook) if glue is None else glue)
    result = copy.deepcopy(notebook)
    for cell in result["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = converter.markdown(source(cell))
        elif cell.get("outputs"):
            cell["outputs"] = [o for o in cell["outputs"] if not is_glue(o)]
    result["metadata"]["labs_export"] = {
        "source": f"{page}.ipynb", "book_page": site.url(page),
        "note": "Generated by tools/export_notebooks.py from the source notebook; edit that one."}
    return result


def write(notebook: dict, target: Path) -> Path:
    import nbformat  # here, so that tools/publish_notebooks.py needs only PyYAML

    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.from_dict(notebook), target)
    return target


def export(path: Path, out: Path, site: Site, root: Path = ROOT) -> Path:
    """Write the copy of the notebook ``path`` (inside ``root``) to the same path under ``out``."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    page = path.relative_to(root).with_suffix("").as_posix()
    return write(convert(notebook, page, site), out / path.relative_to(root))


def digest(path: Path) -> str:
    """SHA-256 of a notebook's cells. Not of its metadata: JupyterLab rewrites the kernelspec's
    display name on opening ("Python 3 (ipykernel)"), which is no change of the reader's."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return hashlib.sha256(json.dumps(cells, sort_keys=True).encode()).hexdigest()


def refresh(paths: list[Path], out: Path, site: Site, root: Path = ROOT) -> list[str]:
    """Export ``paths`` into ``out``, except copies changed since they were written there (a
    reader's work in JupyterLab): those are kept. Returns one line per notebook."""
    manifest_path = out / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    lines = []
    for path in paths:
        name = path.relative_to(root).as_posix()
        target = out / name
        if target.exists() and manifest.get(name) != digest(target):
            lines.append(f"kept {target}: changed since it was exported (delete it, or rename "
                         "it to keep your work, to get the current version)")
            continue
        manifest[name] = digest(export(path, out, site, root))
        lines.append(f"wrote {target}")
    out.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return lines


def course_notebooks(root: Path = ROOT) -> list[Path]:
    return [p for d in NOTEBOOK_DIRS for p in sorted((root / d).glob("*.ipynb"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "notebooks")
    args = parser.parse_args(argv)
    site = Site()
    paths = [p.resolve() for p in args.paths] or course_notebooks()
    outside = [p for p in paths if not p.is_relative_to(ROOT) or p.suffix != ".ipynb"]
    if outside:
        parser.error(f"not notebooks of the course (under {ROOT}): {[str(p) for p in outside]}")
    missing = [p for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {[str(p) for p in missing]}")
    for line in refresh(paths, args.out.resolve(), site):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
