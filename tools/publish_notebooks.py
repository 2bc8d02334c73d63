"""Push the book's plain-Markdown notebooks to the generated branch the Colab button opens.

    python tools/publish_notebooks.py                      # _build/html/_sources -> origin
    python tools/publish_notebooks.py --html /tmp/b/_build/html --remote /tmp/bare.git

The book build (``book/_ext/notebook_copies.py``) replaces every ``_sources/<page>.ipynb`` of the
HTML (what the download button serves) with its plain-Markdown copy, and points the Colab button
at ``https://colab.research.google.com/github/OWNER/REPO/blob/<branch>-notebooks/<page>.ipynb``.
This script makes that address exist: it commits exactly those files, at their paths in the
repository (``repository.path_to_book`` first, if set), with a README saying where they come
from, as one commit with no parent, and force-pushes it to ``<repository.branch>-notebooks``
(``export_notebooks.copies_branch``). The branch is generated: its history is not kept, and
nothing in it is edited by hand.

It runs in a clone of the repository (the CI workflow's checkout, whose credentials push) and
leaves that clone's work tree, index and branches as they were: the commit is built with git's
plumbing in a temporary index. It refuses to publish copies built from another branch than
``repository.branch`` (``--built-from``, default ``$GITHUB_REF_NAME``), since their setup cell
installs ``labs`` from ``repository.branch``, and files that are not the build's copies.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import export_notebooks  # noqa: E402

ROOT = export_notebooks.ROOT
BOT = {"GIT_AUTHOR_NAME": "github-actions[bot]", "GIT_COMMITTER_NAME": "github-actions[bot]",
       "GIT_AUTHOR_EMAIL": "41898282+github-actions[bot]@users.noreply.github.com",
       "GIT_COMMITTER_EMAIL": "41898282+github-actions[bot]@users.noreply.github.com"}

README = """\
# Generated notebooks: do not edit

This branch is written by the CI workflow (`tools/publish_notebooks.py`) at every publication of
the book from `{branch}` (commit {commit}). It holds one plain-Markdown copy of every notebook of
the course, made by `tools/export_notebooks.py` from the notebooks on `{branch}`: the numbers the
prose cites are filled in, glossary terms, cross-references and citations are links to the book,
{book}, and each exercise links its solution notebook. The book's Colab button and its download
button open these copies. Their first cell installs the course's `labs` package from `{branch}`.

Edit the notebooks on `{branch}`, never here: the next publication replaces this branch.
"""


def copies(html: Path, root: Path = ROOT) -> dict[str, Path]:
    """Repository path -> file, for every notebook copy under ``html/_sources``."""
    sources = html / "_sources"
    if not sources.is_dir():
        raise SystemExit(f"{sources} is missing: build the book first (make book)")
    prefix = (export_notebooks.config(root).get("repository") or {}).get("path_to_book") or ""
    prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
    found = {prefix + p.relative_to(sources).as_posix(): p for p in sorted(sources.rglob("*.ipynb"))}
    if not found:
        raise SystemExit(f"no notebook under {sources}: was the book built from this repository?")
    raw = [path for path, file in found.items()
           if "labs_export" not in json.loads(file.read_text(encoding="utf-8")).get("metadata", {})]
    if raw:
        raise SystemExit("these are the source notebooks, not their plain-Markdown copies (was the "
                         f"book built with book/_ext/notebook_copies.py?): {raw}")
    return found


def git(repo: Path, *args: str, env: dict | None = None, data: bytes | None = None) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], input=data, capture_output=True,
                          env={**os.environ, **(env or {})})
    if done.returncode:
        raise SystemExit(f"git {' '.join(args)} failed:\n{done.stderr.decode(errors='replace')}")
    return done.stdout.decode().strip()


def commit(repo: Path, files: dict[str, Path], branch: str, root: Path = ROOT) -> str:
    """A parentless commit of ``files`` and the README in ``repo``'s object store; its hash."""
    source = git(repo, "rev-parse", "HEAD")
    readme = README.format(branch=branch, commit=source, book=export_notebooks.base_url(root))
    with tempfile.TemporaryDirectory() as folder:
        index = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
        entries = {"README.md": git(repo, "hash-object", "-w", "--stdin", data=readme.encode())}
        entries |= {path: git(repo, "hash-object", "-w", str(file)) for path, file in files.items()}
        listing = "".join(f"100644 {blob}\t{path}\n" for path, blob in sorted(entries.items()))
        git(repo, "update-index", "--add", "--index-info", env=index, data=listing.encode())
        tree = git(repo, "write-tree", env=index)
    message = f"Plain-Markdown notebooks of {branch} at {source}\n\nGenerated by tools/publish_notebooks.py."
    return git(repo, "commit-tree", tree, "-m", message, env=BOT)


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html",
                        help="the built book (default: _build/html)")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the clone to push from")
    parser.add_argument("--remote", default="origin", help="where to push (a remote or a URL)")
    parser.add_argument("--built-from", default=os.environ.get("GITHUB_REF_NAME"),
                        help="the branch the book was built from (default: $GITHUB_REF_NAME)")
    args = parser.parse_args(argv)
    _, _, branch = export_notebooks.repository(root)
    if args.built_from and args.built_from != branch:
        raise SystemExit(f"the book was built from {args.built_from!r}, but _config.yml's "
                         f"repository.branch is {branch!r}: the copies' setup cell would install "
                         "labs from another branch than theirs. Publish from that branch, or set "
                         "repository.branch and run tools/setup_cell.py --write there.")
    files = copies(args.html.resolve(), root)
    target = export_notebooks.copies_branch(root)
    sha = commit(args.repo, files, branch, root)
    git(args.repo, "push", "--force", args.remote, f"{sha}:refs/heads/{target}")
    print(f"pushed {len(files)} notebooks to {target} of {args.remote} ({sha[:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
