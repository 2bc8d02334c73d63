"""Sphinx extension: Korean text in the book carries ``lang="ko"``.

The pages are English (``<html lang="en">``), and the source document and the chapters quote
the Korean original. Screen readers pick their voice, and browsers their line breaking and
fonts, from ``lang``; CSS (``book/_static/labs.css``) keeps Korean words whole with
``word-break: keep-all`` on ``[lang="ko"]``.

A transform run on every parsed page (Markdown and notebooks alike, so no ``.ipynb`` is edited)
looks at each text with Hangul in it:

* a block of text (paragraph, heading, term, caption, …) that is mostly Korean words (more than half), such as a
  quotation of the source, gets ``lang="ko"`` itself, English terms inside it included;
* elsewhere each run of Korean, e.g. "latent vector (잠재 벡터)", is wrapped in
  ``<span lang="ko">``.

Code, maths and raw HTML outputs are left as they are. docutils' HTML writer turns a
``language-ko`` class into the ``lang`` attribute.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from docutils import nodes
from docutils.transforms import Transform

HANGUL = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff"
# A run of Korean: Hangul, with spaces, digits and punctuation allowed between Hangul letters.
RUN = re.compile(rf"[{HANGUL}]+(?:[\s\d.,:;!?·…~\-–—'\"“”‘’()]+[{HANGUL}]+)*")
HAS_HANGUL = re.compile(f"[{HANGUL}]")
WORD = re.compile(r"\w+")
KOREAN = "language-ko"  # docutils writes it as lang="ko"
# Text under these is not prose: left as written.
SKIPPED = (nodes.FixedTextElement, nodes.literal, nodes.math, nodes.raw, nodes.comment,
           nodes.target, nodes.substitution_definition)


def mostly_korean(text: str) -> bool:
    """Whether most of the words of ``text`` (more than half) contain Hangul."""
    words = [w for w in WORD.findall(text) if not w.isdigit()]
    korean = sum(1 for w in words if HAS_HANGUL.search(w))
    return korean * 2 > len(words)


def block_of(node: nodes.Node) -> nodes.Element | None:
    """The innermost block-level text element (paragraph, title, term, …) holding ``node``."""
    for parent in _ancestors(node):
        if isinstance(parent, nodes.TextElement) and not isinstance(parent, nodes.Inline):
            return parent
    return None


def _ancestors(node: nodes.Node):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def split_runs(text: str) -> list[nodes.Node]:
    """``text`` as Text nodes and ``language-ko`` inline nodes, one per run of Korean."""
    pieces, end = [], 0
    for match in RUN.finditer(text):
        if match.start() > end:
            pieces.append(nodes.Text(text[end:match.start()]))
        pieces.append(nodes.inline(match.group(), match.group(), classes=[KOREAN]))
        end = match.end()
    if end < len(text):
        pieces.append(nodes.Text(text[end:]))
    return pieces


class KoreanLang(Transform):
    """Mark Korean blocks and runs of Korean text with ``lang="ko"`` (see the module's doc)."""

    default_priority = 880  # after substitutions and MyST's own transforms

    def apply(self) -> None:
        for text in list(self.document.findall(nodes.Text)):
            if not HAS_HANGUL.search(text) or text.parent is None:
                continue
            ancestors = list(_ancestors(text))
            if any(isinstance(a, SKIPPED) or KOREAN in a.get("classes", ()) for a in ancestors
                   if isinstance(a, nodes.Element)):
                continue
            block = block_of(text)
            if block is not None and mostly_korean(block.astext()):
                block["classes"].append(KOREAN)
                continue
            text.parent.replace(text, split_runs(str(text)))


def setup(app) -> dict:
    app.add_transform(KoreanLang)
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return {"parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": int(source[:8], 16)}
