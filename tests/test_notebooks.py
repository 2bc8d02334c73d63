"""Static checks of the notebooks themselves, read as JSON (no kernel): what makes the published
book or nbval untrustworthy fails here with a message that says how to fix it."""

import json
import re
import sys

import pytest

from conftest import ROOT, toc_entries

sys.path.insert(0, str(ROOT / "tools"))
import setup_cell  # noqa: E402

NOTEBOOKS = setup_cell.notebooks()
CHAPTERS = sorted(p for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb") if not p.name.startswith("00_"))
NBVAL_MARKERS = ("NBVAL_SKIP", "NBVAL_IGNORE_OUTPUT", "NBVAL_RAISES_EXCEPTION", "NBVAL_CHECK_OUTPUT")
MAX_MARKED_SHARE = 0.25
MAX_NOTEBOOK_BYTES = 3_000_000


def ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(notebook):
    return [c for c in notebook["cells"] if c["cell_type"] == "code" and setup_cell.cell_source(c).strip()]


def output_texts(cell):
    for output in cell.get("outputs", []):
        if "text" in output:
            yield "".join(output["text"]) if isinstance(output["text"], list) else output["text"]
        for mime, value in output.get("data", {}).items():
            if mime.startswith("text/"):
                yield "".join(value) if isinstance(value, list) else value


def test_there_are_notebooks():
    assert (ROOT / "book" / "00_introduction.ipynb") in NOTEBOOKS


def test_toc_lists_every_notebook_and_only_existing_files():
    listed = toc_entries()
    for entry in listed:
        assert any((ROOT / f"{entry}{suffix}").exists() for suffix in (".ipynb", ".md")), (
            f"_toc.yml lists {entry}, which does not exist"
        )
    for path in NOTEBOOKS:
        name = str(path.relative_to(ROOT).with_suffix(""))
        assert name in listed, f"{name}.ipynb is not listed in _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_executed_top_to_bottom_without_errors(path):
    cells = code_cells(load(path))
    counts = [c.get("execution_count") for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"execution counts {counts} are not 1..{len(cells)}: run `make notebooks NB={path.relative_to(ROOT)}`"
    )
    for number, cell in enumerate(cells, 1):
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"code cell {number} stores an error"
            if output.get("name") == "stderr":
                text = "".join(output["text"])
                assert "Warning" not in text, f"code cell {number} stores a warning: {text[:300]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_starts_with_the_shared_setup_cell(path):
    first = setup_cell.first_code_cell(load(path))
    assert first is not None and setup_cell.cell_source(first) == setup_cell.render(), (
        "the first code cell is not the shared setup cell: run `python tools/setup_cell.py --write`"
    )


# What the setup cell installs, and that it agrees with the launch buttons: tests/test_setup_cell.py.


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_nbval_markers_are_rare_and_explained(path):
    cells = code_cells(load(path))
    marked = 0
    for cell in cells:
        lines = setup_cell.cell_source(cell).splitlines()
        for number, line in enumerate(lines):
            marker = next((m for m in NBVAL_MARKERS if m in line), None)
            if marker is None:
                continue
            marked += 1
            # nbval honours a marker only when the comment is exactly "# MARKER"; anything else
            # on the line silently turns it off, so the reason goes on the comment line above.
            assert line.strip() == f"# {marker}", f"'{line.strip()}' must read exactly '# {marker}'"
            above = lines[number - 1].strip() if number else ""
            assert above.startswith("#") and len(above.strip("# ")) >= 10, (
                f"'# {marker}' needs a one-line reason in a comment on the line above it"
            )
    assert marked <= MAX_MARKED_SHARE * len(cells), f"{marked} of {len(cells)} cells escape nbval"
    assert "NBVAL_SKIP" not in path.read_text(encoding="utf-8"), "skipped cells are never checked"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_outputs_are_portable(path):
    """Outputs must not depend on the machine: nbval on a fresh clone would differ."""
    home = str(ROOT.home())
    for number, cell in enumerate(code_cells(load(path)), 1):
        for text in output_texts(cell):
            assert str(ROOT) not in text and home not in text, f"cell {number} prints a local path"
            assert not re.search(r" at 0x[0-9a-f]{6,}", text), (
                f"cell {number} prints a memory address; end the line with ';' or print a value"
            )
    assert path.stat().st_size < MAX_NOTEBOOK_BYTES, "the notebook is too large for the repository"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_no_cell_relies_on_a_trailing_semicolon(path):
    """nbval runs cells with store_history=False, so IPython never sees the ';' that hides a
    value: the value is shown under nbval and not in the stored output, and the test fails."""
    for number, cell in enumerate(code_cells(load(path)), 1):
        lines = [line for line in setup_cell.cell_source(cell).rstrip().splitlines()
                 if line.strip() and not line.strip().startswith("#")]
        assert not lines or not lines[-1].rstrip().endswith(";"), (
            f"cell {number} ends with ';': end it with plt.show() or assign the value instead"
        )


CODE_COLUMNS = 88  # what a code cell of the book shows without scrolling (book/_static/labs.css)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_code_fits_the_book_code_box(path):
    for number, cell in enumerate(code_cells(load(path)), 1):
        for line in setup_cell.cell_source(cell).splitlines():
            assert len(line) <= CODE_COLUMNS, (
                f"cell {number} has a line of {len(line)} characters (the book shows "
                f"{CODE_COLUMNS}): wrap it inside brackets or name a part of it\n{line}"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_runs_in_colab_without_book_tooling(path):
    """Colab has no myst-nb or threadpoolctl settings of ours: notebooks glue through labs.book
    and leave thread limits to labs.repro.one_thread inside the functions that need them."""
    for number, cell in enumerate(code_cells(load(path)), 1):
        source = setup_cell.cell_source(cell)
        assert "myst_nb" not in source, f"cell {number} imports myst_nb: use book.glue"
        assert "threadpool" not in source, f"cell {number} sets thread pools: labs does that"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_kernel_is_python3(path):
    assert load(path)["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_chapter_has_goals_exercises_and_solutions(path):
    text = "\n".join(
        setup_cell.cell_source(c) for c in load(path)["cells"] if c["cell_type"] == "markdown"
    )
    assert re.search(r"^#+ *Learning goals", text, re.M), "no 'Learning goals' heading"
    assert re.search(r"^#+ *Exercises", text, re.M), "no 'Exercises' heading"
    assert (ROOT / "solutions" / path.name).exists(), f"no solutions/{path.name}"


def test_every_solution_belongs_to_a_chapter():
    for path in (ROOT / "solutions").glob("*.ipynb"):
        assert (ROOT / "book" / path.name).exists(), f"solutions/{path.name} has no chapter"


def test_nbval_runs_strict():
    for name in ("Makefile", ".ci/run", "pyproject.toml", "README.md"):
        path = ROOT / name
        assert "nbval-lax" not in path.read_text(encoding="utf-8"), f"{name} uses --nbval-lax"
    assert "--nbval " in (ROOT / "Makefile").read_text(encoding="utf-8")
