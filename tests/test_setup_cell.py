"""The shared setup cell (tools/setup_cell.py): what it installs agrees with what the launch
buttons open, every notebook holds the generated cell, and the cell itself, run in a subprocess
with a fake ``google.colab`` and a fake pip, installs exactly once and says so."""

import ast
import json
import subprocess
import sys
import textwrap

import pytest
import yaml

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import export_notebooks  # noqa: E402
import setup_cell  # noqa: E402

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def assigned_strings(source):
    """The string constants the cell assigns to names (REPO, BRANCH), read with ast."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def test_install_line_and_launch_button_follow_the_same_repository_and_branch():
    repository = CONFIG["repository"]["url"].rstrip("/")
    branch = CONFIG["repository"]["branch"]
    names = assigned_strings(setup_cell.render())
    assert names["REPO"] == repository and names["BRANCH"] == branch
    assert setup_cell.install_spec() == f"embedding-course @ git+{repository}@{branch}"
    # The Colab button (checked on every built page by tests/test_links.py) opens the
    # plain-Markdown copy published from the very branch the cell installs `labs` from.
    owner_repo = repository.removeprefix("https://github.com/")
    assert export_notebooks.colab_url("book/01_embedding.ipynb") == (
        f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}-notebooks/"
        "book/01_embedding.ipynb"
    )
    assert "torch" not in setup_cell.install_spec()  # the installed torch stays as it is


def test_cell_fits_the_code_box_and_never_hides_pip_behind_quiet():
    text = setup_cell.render()
    assert max(map(len, text.splitlines())) <= 79, "the setup cell must fit the book's code box"
    assert "--quiet" not in text and " -q" not in text


def test_every_notebook_holds_the_generated_cell():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "setup_cell.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, (
        f"{result.stdout}{result.stderr}run `python tools/setup_cell.py --write`"
    )


def test_render_follows_the_config(tmp_path):
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(
        {"repository": {"url": "https://github.com/someone/fork/", "branch": "edition-2"}}))
    text = setup_cell.render(tmp_path)
    assert 'REPO = "https://github.com/someone/fork"' in text and 'BRANCH = "edition-2"' in text
    (tmp_path / "_config.yml").write_text(yaml.safe_dump({"repository": {"url": "https://x/y"}}))
    with pytest.raises(ValueError, match="branch"):
        setup_cell.render(tmp_path)


# Runs the cell twice in a Python without site-packages (-S), so that the real `labs` is not
# importable; subprocess.run is replaced by a fake pip that records the command and "installs" a
# stub `labs` into a folder on the path.
RUNNER = textwrap.dedent('''
    import io, contextlib, json, pathlib, subprocess, sys
    import google.colab  # the fake module, as Colab imports it before any cell
    site = pathlib.Path(sys.argv[2])
    calls = []

    def fake_pip(command, **kwargs):
        calls.append(command)
        (site / "labs").mkdir()
        (site / "labs" / "__init__.py").write_text("")
        (site / "labs" / "repro.py").write_text("def setup(seed):\\n    return seed\\n")
        (site / "labs" / "viz.py").write_text("def set_style():\\n    pass\\n")
        return subprocess.CompletedProcess(command, 0, "Successfully installed", "")

    subprocess.run = fake_pip
    source = pathlib.Path(sys.argv[1]).read_text()
    outputs = []
    for attempt in range(2):
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(source, "<setup cell>", "exec"), {"__name__": "__main__"})
        except Exception as error:
            printed.write(f"{type(error).__name__}: {error}")
        outputs.append(printed.getvalue())
    print(json.dumps({"calls": calls, "outputs": outputs, "python": sys.executable}))
''')


def run_cell(tmp_path, with_pip=True):
    fake = tmp_path / "fake"
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "__init__.py").write_text("")
    (fake / "google" / "colab" / "__init__.py").write_text("")
    if with_pip:
        (fake / "pip").mkdir()
        (fake / "pip" / "__init__.py").write_text("")
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "cell.py").write_text(setup_cell.render())
    (tmp_path / "runner.py").write_text(RUNNER)
    result = subprocess.run(
        [sys.executable, "-S", str(tmp_path / "runner.py"), str(tmp_path / "cell.py"), str(site)],
        capture_output=True, text=True, env={"PYTHONPATH": f"{fake}:{site}"}, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cell_installs_labs_once_with_the_configured_pip_command(tmp_path):
    run = run_cell(tmp_path)
    assert run["calls"] == [
        [run["python"], "-m", "pip", "install", setup_cell.install_spec()]
    ], "the cell must run exactly one pip install, of install_spec(), with the kernel's Python"
    first, second = run["outputs"]
    lines = first.splitlines()
    assert lines[0] == (
        f"Installing the course's labs package from {setup_cell.repository_url()}, "
        f"branch {setup_cell.branch()} (about 30 s) ..."
    )
    assert lines[1:] == ["done in 0 s"]
    # A second run (labs now importable) installs nothing and prints nothing, as in `make test`.
    assert second == ""


def test_cell_without_pip_says_exactly_what_to_run(tmp_path):
    run = run_cell(tmp_path, with_pip=False)
    assert run["calls"] == []
    message = run["outputs"][0]
    assert message.startswith("RuntimeError: labs is not installed and this Python has no pip.")
    assert f"{run['python']} -m ensurepip" in message
    assert f"{run['python']} -m pip install '{setup_cell.install_spec()}'" in message
