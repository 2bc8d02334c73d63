"""Every "Used in: chapter N" line of a labs docstring matches the notebooks that use it.

A module's line names exactly the chapters whose notebook or solution imports it; a function's
or class's line names only chapters whose notebooks call it by name. A clause with "through"
(e.g. "chapters 1 and 2 reach it through ``text.WordVectors.nearest``") names chapters that use
it indirectly, and modules used by every chapter say "every chapter".
"""

import ast
import importlib
import json
import re

import pytest

from conftest import ROOT

MODULES = sorted(p.stem for p in (ROOT / "labs").glob("*.py") if p.stem != "__init__")


def chapter_of(notebook: str) -> str:
    """``05_1_nlp`` -> ``5.1``; ``01_embedding`` -> ``1``; ``appendix_interactive`` -> ``appendix A``."""
    if notebook.startswith("appendix"):
        return "appendix A"
    if notebook.startswith("00"):
        return "introduction"
    major, rest = notebook.split("_", 1)
    minor = rest.split("_", 1)[0]
    return f"{int(major)}.{minor}" if minor.isdigit() else str(int(major))


def notebook_code():
    """chapter -> list of parsed code cells, book and solutions together."""
    found = {}
    for path in sorted((ROOT / "book").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
            found.setdefault(chapter_of(path.stem), []).append(ast.parse(source))
    return found


CODE = notebook_code()


def uses(chapter_trees):
    """(modules imported, {module: names used as module.name}) for one chapter's cells."""
    modules, names, aliases = set(), {}, {}
    for tree in chapter_trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "labs":
                for alias in node.names:
                    modules.add(alias.name)
                    aliases[alias.asname or alias.name] = alias.name
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("labs."):
                module = node.module.split(".", 1)[1]
                modules.add(module)
                names.setdefault(module, set()).update(a.name for a in node.names)
    for tree in chapter_trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                names.setdefault(aliases[node.value.id], set()).add(node.attr)
    return modules, names


USES = {chapter: uses(trees) for chapter, trees in CODE.items()}


def named(docstring: str):
    """(direct, indirect) chapters named by the "Used in:" paragraph, or None for every chapter."""
    match = re.search(r"Used in:(.*?)(?:\n\s*\n|$)", docstring, re.S)
    if not match:
        return None
    text = " ".join(match.group(1).split())
    if text.startswith("every chapter"):
        return "every"
    direct, indirect = set(), set()
    for clause in text.split(";"):
        bare = clause
        while re.search(r"\([^()]*\)", bare):
            bare = re.sub(r"\([^()]*\)", "", bare)
        target = indirect if "through" in bare else direct
        for listed in re.findall(r"chapters?\s+((?:\d(?:\.\d)?(?:\s*,\s*|\s+and\s+|\s*)?)+)", bare):
            target.update(re.findall(r"\d(?:\.\d)?", listed))
        if "appendix A" in bare:
            target.add("appendix A")
        if "introduction" in bare:
            target.add("introduction")
    return direct, indirect


@pytest.mark.parametrize("module", MODULES)
def test_a_modules_used_in_line_names_the_chapters_that_import_it(module):
    found = named(importlib.import_module(f"labs.{module}").__doc__ or "")
    assert found is not None, f"labs/{module}.py's docstring has no 'Used in:' line"
    if found == "every":
        return
    direct, indirect = found
    importing = {chapter for chapter, (modules, _) in USES.items() if module in modules}
    assert importing - direct - indirect == set(), (
        f"labs/{module}.py: chapters {sorted(importing - direct - indirect)} import it; add them to 'Used in:'")
    assert direct - importing == set(), (
        f"labs/{module}.py names chapters {sorted(direct - importing)} that do not import it")


def test_a_functions_used_in_line_names_chapters_that_call_it():
    wrong = []
    for module in MODULES:
        tree = ast.parse((ROOT / "labs" / f"{module}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                continue
            found = named(ast.get_docstring(node) or "")
            if found is None or found == "every":
                continue
            for chapter in sorted(found[0]):
                used = USES.get(chapter, (set(), {}))[1].get(module, set())
                if node.name not in used:
                    wrong.append(f"{module}.{node.name} says chapter {chapter}, which never calls it")
    assert not wrong, "\n".join(wrong)
