"""The output comparison (tests/nbval_tolerance.py) passes last-digit changes and fails real ones."""

import os
import re
import subprocess
import sys

import nbformat
import pytest
import torch

from tests.nbval_tolerance import (Tolerance, compare_outputs, compare_text, load_sanitizer,
                                   parse_tolerance)
from conftest import ROOT


def training_report(seed: int = 0, lr: float = 0.1, nudge: float = 0.0) -> str:
    """What a chapter cell prints after a small training: a loss and a weight, rounded.

    ``nudge`` moves the starting weights by a last-bit-sized amount, as another CPU kernel does.
    """
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(64, 3, generator=generator)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.1 * torch.randn(64, generator=generator)
    weights = (torch.randn(3, generator=generator) + nudge).requires_grad_()
    for _ in range(20):
        loss = ((x @ weights - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            weights -= lr * weights.grad
            weights.grad.zero_()
    return f"loss after 20 steps: {loss.item():.3g}, first weight {weights[0].item():.3f}\n"


def test_a_last_bit_change_passes():
    stored, fresh = training_report(), training_report(nudge=1e-6)
    assert compare_text(stored, fresh).ok


def test_another_seed_fails():
    result = compare_text(training_report(seed=0), training_report(seed=1))
    assert not result.ok and "beyond the tolerance" in result.problem


def test_a_wrong_learning_rate_fails():
    assert not compare_text(training_report(lr=0.1), training_report(lr=0.05)).ok


def test_one_unit_in_the_last_digit_passes_two_fail():
    assert compare_text("WordSim-353: 0.238", "WordSim-353: 0.237").ok
    assert not compare_text("WordSim-353: 0.238", "WordSim-353: 0.236").ok
    assert compare_text("ratio 0.1", "ratio 0.0999").ok  # %.3g printed the same value two ways


def test_a_changed_word_fails():
    result = compare_text("nearest to king: queen 0.71\n", "nearest to king: prince 0.71\n")
    assert not result.ok and "text around the numbers" in result.problem


def test_a_changed_row_count_fails():
    assert not compare_text("200 sentences, 25 folds", "201 sentences, 25 folds").ok
    assert not compare_text("shape (1797, 64)", "shape (1797, 63)").ok


def test_an_extra_or_missing_line_fails():
    assert not compare_text("a 0.5\nb 0.6\n", "a 0.5\nb 0.6\nc 0.7\n").ok


def test_identifiers_and_versions_are_text():
    # digits inside names and versions are compared exactly, not as numbers
    assert not compare_text("all-MiniLM-L6-v2", "all-MiniLM-L7-v2").ok
    assert not compare_text("torch 2.13.0", "torch 2.13.1").ok
    assert not compare_text('data-labs-figure="b656bd7c8eb5"', 'data-labs-figure="b656bd7c8eb6"').ok


def test_signs_exponents_and_negative_zero():
    assert compare_text("-0.0", "0.0").ok
    assert compare_text("1.5e-3", "1.6e-3").ok
    assert not compare_text("1.5e-3", "1.5e-2").ok
    assert compare_text("\u22120.512", "\u22120.513").ok


def test_a_declared_tolerance_widens_only_as_far_as_declared():
    two_percent = Tolerance(rel=0.02, reason="test")
    assert compare_text("82.2 % confident", "81.4 % confident", two_percent).ok
    assert not compare_text("82.2 % confident", "78.0 % confident", two_percent).ok
    assert not compare_text("114 samples", "112 samples", two_percent).ok  # integers need units=
    assert compare_text("19 dims", "18 dims", Tolerance(units=1, reason="threshold")).ok
    assert not compare_text("19 dims", "17 dims", Tolerance(units=1, reason="threshold")).ok
    assert compare_text("0.962", "0.964", Tolerance(units=2, reason="two digits")).ok
    assert not compare_text("82.2 % confident", "81.4 % sure", two_percent).ok
    assert not compare_text("82.2 % confident", "81.4 % confident").ok  # not without it


def test_largest_deviation_is_reported():
    result = compare_text("0.964 and 0.5001", "0.963 and 0.5002")
    assert result.ok and result.numbers == 2 and len(result.deviations) == 2
    assert result.largest.stored == "0.964" and result.largest.units == pytest.approx(1.0)


@pytest.mark.parametrize("source, expected", [
    ("x = 1", Tolerance()),
    ("# NBVAL_TOLERANCE rel=0.02: GAN\nx = 1", Tolerance(rel=0.02, reason="GAN")),
    ("# NBVAL_TOLERANCE abs=0.005 rel=0.01: two reasons: fine",
     Tolerance(0.005, 0.01, reason="two reasons: fine")),
    ("# NBVAL_TOLERANCE units=1: a count on a threshold", Tolerance(units=1, reason="a count on a threshold")),
])
def test_declarations_parse(source, expected):
    assert parse_tolerance(source) == expected


@pytest.mark.parametrize("source, message", [
    ("# NBVAL_TOLERANCE rel=0.02", "needs a reason"),
    ("# NBVAL_TOLERANCE rel=0.02:   ", "needs a reason"),
    ("# NBVAL_TOLERANCE tol=0.02: why", "accepts abs=X, rel=X and units=N"),
    ("# NBVAL_TOLERANCE rel=two: why", "needs a number"),
    ("# NBVAL_TOLERANCE rel=-1: why", "positive number"),
    ("# NBVAL_TOLERANCE : why", "none of abs=, rel=, units="),
    ("# NBVAL_TOLERANCE rel=0.1: a\n# NBVAL_TOLERANCE rel=0.2: b", "twice"),
])
def test_bad_declarations_say_what_to_fix(source, message):
    with pytest.raises(ValueError, match=message):
        parse_tolerance(source)


def _stream(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def _result(data):
    return nbformat.v4.new_output("execute_result", data=data, execution_count=1)


def test_outputs_are_paired_by_kind_and_adopted_when_within_tolerance():
    stored = [_stream("probe 0.964\n"), _result({"text/plain": "0.5001", "image/png": "AAA"})]
    fresh = [_stream("probe 0.963\n"), _result({"text/plain": "0.5002", "image/png": "BBB"})]
    result = compare_outputs(stored, fresh, adopt=True)
    assert result.ok and result.numbers == 2
    assert fresh[0]["text"] == "probe 0.964\n" and fresh[1]["data"]["text/plain"] == "0.5001"


def test_plotly_json_numbers_are_compared_as_numbers():
    stored = [_result({"application/vnd.plotly.v1+json": {"data": [{"x": [0.1234, 2.0]}]}})]
    near = [_result({"application/vnd.plotly.v1+json": {"data": [{"x": [0.1235, 2.0]}]}})]
    far = [_result({"application/vnd.plotly.v1+json": {"data": [{"x": [0.1299, 2.0]}]}})]
    assert compare_outputs(stored, near).ok
    assert not compare_outputs(stored, far).ok


def test_a_missing_output_kind_fails():
    assert not compare_outputs([_stream("a\n")], [_result({"text/plain": "a"})]).ok
    assert not compare_outputs([_stream("a\n")], []).ok


def test_the_sanitizer_of_the_test_suite_is_applied():
    sanitize = load_sanitizer(ROOT / "tests" / "nbval_sanitize.cfg")
    stored = [_result({"text/plain": "<Figure size 640x480 with 1 Axes>"})]
    fresh = [_result({"text/plain": "<Figure size 700x480 with 2 Axes>"})]
    assert compare_outputs(stored, fresh, sanitize=sanitize).ok
    assert not compare_outputs(stored, fresh).ok


# --- through pytest and nbval, as `make test` runs them ------------------------------------


def _notebook(tmp_path, cells, name="check.ipynb"):
    """A notebook whose stored outputs are given: ``cells`` is a list of (source, printed text),
    the text None for a cell that prints nothing."""
    notebook = nbformat.v4.new_notebook()
    for count, (source, printed) in enumerate(cells, start=1):
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        cell.outputs = [] if printed is None else [_stream(printed)]
        notebook.cells.append(cell)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    path = tmp_path / name
    nbformat.write(notebook, path)
    return path


def _nbval(*paths, options=(), rootdir=ROOT):
    # Not this run's pytest-xdist worker identity: the inner pytest is a run of its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "--nbval", "--nbval-current-env",
         "-p", "no:cacheprovider", *options,
         "--rootdir", str(rootdir), "-c", str(ROOT / "pyproject.toml"), *map(str, paths)],
        capture_output=True, text=True, cwd=ROOT, timeout=240, env=env,
    )


def test_nbval_passes_last_digits_and_declared_tolerances_and_fails_the_rest(tmp_path):
    path = _notebook(tmp_path, [
        ("print(round(0.2374, 3))", "0.238\n"),  # one unit in the last digit: passes
        ("# NBVAL_TOLERANCE rel=0.02: checked here\nprint(81.4)", "82.2\n"),  # declared: passes
        ("print(81.4)", "82.2\n"),  # the same change undeclared: fails
        ("print('queen', 0.71)", "prince 0.71\n"),  # a changed word: fails
        ("print(201, 'rows')", "200 rows\n"),  # a changed count: fails
    ])
    run = _nbval(path)
    verdicts = dict(re.findall(r"::Cell (\d+) (PASSED|FAILED)", run.stdout))
    assert verdicts == {"0": "PASSED", "1": "PASSED", "2": "FAILED", "3": "FAILED",
                        "4": "FAILED"}, run.stdout[-3000:]
    assert "82.2" in run.stdout and "prince" in run.stdout  # nbval's own diff names the change


def test_nbval_reports_a_bad_declaration(tmp_path):
    path = _notebook(tmp_path, [("# NBVAL_TOLERANCE rel=0.02\nprint(1.0)", "1.0\n")])
    run = _nbval(path)
    assert "1 failed" in run.stdout and "needs a reason" in run.stdout, run.stdout[-3000:]


def test_on_xdist_workers_a_notebook_keeps_one_kernel_and_a_mismatch_names_its_cell(tmp_path):
    # As `make test` runs nbval: two pytest-xdist workers, --dist loadscope.
    good = _notebook(tmp_path, [("x = 40", None), ("print(x + 2)", "42\n")], "good.ipynb")
    bad = _notebook(tmp_path, [("y = 'queen'", None), ("print(y)", "prince\n")], "bad.ipynb")
    # tmp_path as the root: outside it both notebooks' cells would get the same test ids.
    run = _nbval(good, bad, options=["-n", "2", "--dist", "loadscope"], rootdir=tmp_path)
    out = run.stdout
    assert run.returncode == 1 and "2 workers" in out, out[-3000:]
    # x is defined in cell 0: cell 1 passes only in cell 0's kernel.
    assert re.search(r"PASSED \S*good\S*::Cell 1", out), out[-3000:]
    assert re.search(r"^FAILED \S*bad\.ipynb::Cell 1\b", out, re.M), out[-3000:]  # the summary
    assert "prince" in out and "queen" in out  # nbval's own diff, as without xdist
    assert "1 failed, 3 passed" in out, out[-3000:]


def test_a_distribution_that_would_split_a_notebook_is_refused(tmp_path):
    path = _notebook(tmp_path, [("print(1)", "1\n")])
    run = _nbval(path, options=["-n", "2", "--dist", "load"])
    assert run.returncode == 4 and "needs --dist loadscope" in run.stderr, run.stderr[-3000:]


def test_the_plugin_is_registered_for_every_pytest_run():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "-p tests.nbval_tolerance" in text
    assert "--nbval-lax" not in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_declarations_in_the_course_parse_and_give_a_reason():
    for path in sorted([*ROOT.glob("book/*.ipynb"), *ROOT.glob("solutions/*.ipynb")]):
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "code":
                try:
                    parse_tolerance(cell.source)
                except ValueError as error:  # pragma: no cover - the message is the point
                    pytest.fail(f"{path.relative_to(ROOT)} cell {index}: {error}")


def test_docs_explain_the_comparison():
    for name in ("README.md", "CONTRIBUTING.md"):
        assert "NBVAL_TOLERANCE" in (ROOT / name).read_text(encoding="utf-8"), name
