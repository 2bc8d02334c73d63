"""Replay the Colab path here, without the internet beyond PyPI (``make colab-check``, by hand).

1. A fresh Python 3.12 virtual environment with Colab-like versions of the big packages
   (``COLAB_LIKE``: what Colab shipped when the course was reviewed, torch excepted:
   ``torch==2.13.0``, the version the course pins), plus ipykernel to run a kernel in it.
2. A fake ``google.colab`` module on the kernel's path, imported before any cell, as in Colab.
3. This commit (``HEAD``) pushed to a bare repository as the branch ``_config.yml`` names and
   served by ``git daemon`` on 127.0.0.1; that ``git://`` URL replaces the GitHub URL in the
   setup cell, which otherwise runs as written (so its ``pip install`` fetches only from PyPI
   and from 127.0.0.1).
4. In an empty working folder (Colab's ``/content``), with an empty cache and the Hugging Face
   hub offline, the first ``--cells`` code cells of every notebook of ``book/``, each notebook in
   a kernel of its own; the first notebook's setup cell is run a second time to show that it
   installs nothing then.

It prints a transcript (the install and its time, what pip changed, each cell green or red and
whether its text output equals the stored one) and writes it to ``--out``
(``benchmarks/colab_check.txt`` by default).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
import setup_cell  # noqa: E402

ROOT = setup_cell.ROOT
# Colab's preinstalled versions of the packages labs uses (Python 3.12, as reviewed in
# ../shared/reviews/reader-review.md); torch is the course's own pin, not Colab's 2.14.1.
COLAB_LIKE = [
    "torch==2.13.0", "numpy==2.0.2", "scipy==1.16.3", "scikit-learn==1.6.1",
    "matplotlib==3.10.0", "pandas==2.2.2", "transformers==4.57.1",
    "sentence-transformers==5.1.2", "huggingface-hub==0.36.0", "tqdm==4.67.1",
    "plotly==5.24.1", "networkx==3.5", "safetensors==0.6.2", "ipywidgets==7.7.1",
    "ipykernel",
]
KERNEL = "colab-check"


class Transcript:
    def __init__(self):
        self.lines: list[str] = []

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)


def find_python312(given: str | None) -> str:
    candidates = [given] if given else ["python3.12"] + sorted(
        glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12")))
    for candidate in candidates:
        path = shutil.which(candidate) or candidate
        with contextlib.suppress(OSError):
            if subprocess.run([path, "-c", "import sys; assert sys.version_info[:2] == (3, 12)"],
                              capture_output=True).returncode == 0:
                return path
    raise SystemExit("colab_check: no Python 3.12 found; pass --python /path/to/python3.12")


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode:
        raise SystemExit(f"colab_check: {' '.join(map(str, command))} failed:\n"
                         f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def freeze(python: Path) -> dict[str, str]:
    versions = {}
    for line in run([python, "-m", "pip", "freeze", "--all"]).splitlines():
        name, _, version = line.partition(" @ ") if " @ " in line else line.partition("==")
        versions[name.strip()] = version.strip()
    return versions


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def served_repository(work: Path, branch: str):
    """HEAD as ``branch`` of a bare repository served by git daemon on 127.0.0.1; yields its URL."""
    serve = work / "serve"
    bare = serve / "embeddings-latent-vectors.git"
    run(["git", "init", "--quiet", "--bare", bare])
    run(["git", "-C", ROOT, "push", "--quiet", bare, f"HEAD:refs/heads/{branch}"])
    run(["git", "-C", bare, "symbolic-ref", "HEAD", f"refs/heads/{branch}"])
    served = run(["git", "-C", bare, "rev-parse", "--short", branch]).strip()
    port = free_port()
    daemon = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", "--listen=127.0.0.1", f"--port={port}",
         f"--base-path={serve}", "--export-all", str(serve)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.1)
        else:
            raise SystemExit("colab_check: git daemon did not start")
        yield f"git://127.0.0.1:{port}/{bare.name}", served
    finally:
        daemon.terminate()
        daemon.wait(10)


def text_of(outputs) -> str:
    parts = []
    for output in outputs:
        if "text" in output:
            parts.append(output["text"] if isinstance(output["text"], str) else "".join(output["text"]))
        data = output.get("data", {})
        if "text/plain" in data and "image/png" not in data and "text/html" not in data:
            value = data["text/plain"]
            parts.append(value if isinstance(value, str) else "".join(value))
    return "".join(parts).strip()


def error_of(outputs) -> str | None:
    for output in outputs:
        if output.get("output_type") == "error":
            return f"{output['ename']}: {output['evalue']}"[:300]
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", help="the Python 3.12 to build the environment with")
    parser.add_argument("--cells", type=int, default=4, help="code cells per notebook (setup included)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "colab_check.txt")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    say = Transcript()
    notebooks = args.notebooks or sorted((ROOT / "book").glob("*.ipynb"))
    branch = setup_cell.branch()
    dirty = run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"]).strip()
    work = Path(tempfile.mkdtemp(prefix="colab-check-"))
    failures = 0
    try:
        say("# make colab-check: the Colab path replayed offline (tools/colab_check.py)")
        say(f"working tree {'with uncommitted changes (not served)' if dirty else 'clean'}; "
            f"host {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
            f"{time.strftime('%Y-%m-%d', time.gmtime())}")
        python = find_python312(args.python)
        venv = work / "venv"
        run([python, "-m", "venv", venv])
        vpython = venv / "bin" / "python"
        say(f"\n## Colab-like environment: {run([vpython, '-V']).strip()}, fresh venv")
        start = time.time()
        run([vpython, "-m", "pip", "install", "--quiet", *COLAB_LIKE])
        say(f"preinstalled {' '.join(COLAB_LIKE)} in {time.time() - start:.0f} s")
        before = freeze(vpython)
        fake = work / "fake-colab"
        (fake / "google" / "colab").mkdir(parents=True)
        (fake / "google" / "__init__.py").write_text("")
        (fake / "google" / "colab" / "__init__.py").write_text('"""A stand-in for Colab."""\n')
        kernels = work / "jupyter" / "kernels" / KERNEL
        kernels.mkdir(parents=True)
        (kernels / "kernel.json").write_text(json.dumps({
            "argv": [str(vpython), "-c", "import google.colab; from ipykernel import kernelapp; "
                     "kernelapp.launch_new_instance()", "-f", "{connection_file}"],
            "display_name": "Colab-like Python 3.12", "language": "python",
        }))
        os.environ["JUPYTER_PATH"] = str(work / "jupyter")
        content = work / "content"  # Colab's working folder: no repository files in it
        content.mkdir()
        env = {key: value for key, value in os.environ.items()
               if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "LABS_CACHE_DIR")}
        env.update(PYTHONPATH=str(fake), LABS_CACHE_DIR=str(work / "cache"),
                   PATH=f"{venv / 'bin'}:{env.get('PATH', '')}", HF_HUB_OFFLINE="1",
                   TRANSFORMERS_OFFLINE="1", LABS_PROGRESS="0", MPLBACKEND="agg")
        with served_repository(work, branch) as (url, commit):
            say(f"repository: {setup_cell.repository_url()} -> {url} (git daemon, 127.0.0.1), "
                f"branch {branch} = {commit}")
            say("kernel: fake google.colab imported first; cwd an empty folder; empty "
                "LABS_CACHE_DIR; HF_HUB_OFFLINE=1")
            summary = []
            for number, path in enumerate(notebooks):
                red = check_notebook(path, url, args.cells, env, content, say, again=number == 0)
                failures += red
                summary.append(f"  {path.relative_to(ROOT)}: "
                               + ("green" if not red else f"{red} red"))
                if number == 0:
                    after = freeze(vpython)
                    changed = [f"{name} {before.get(name, '-')} -> {after.get(name) or '-'}"
                               for name in sorted(set(before) | set(after))
                               if before.get(name) != after.get(name)]
                    say(f"  pip changed: {'; '.join(changed) or 'nothing'}")
        installs = [line.strip() for line in say.lines if line.strip().startswith("done in ")]
        say(f"\n## Result: {'all green' if not failures else f'{failures} red cell(s)'}")
        say(f"setup cell's install of labs (pip, from 127.0.0.1 and PyPI): "
            f"{installs[0] if installs else 'did not happen'}")
        say(f"first {args.cells} code cells (the setup cell included) of each notebook:")
        for line in summary:
            say(line)
    finally:
        args.out.write_text("\n".join(say.lines) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
        if args.keep:
            print(f"kept {work}")
        else:  # a few GB of virtual environment: this takes a minute
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


def check_notebook(path, url, cells, env, content, say, again=False) -> int:
    """Run the first ``cells`` code cells of ``path``; return how many were red."""
    stored = nbformat.read(path, as_version=4)
    code = [cell for cell in stored.cells if cell.cell_type == "code"][:cells]
    assert code[0].source == setup_cell.render(), f"{path}: the setup cell is not the generated one"
    plan = [(f"code cell {number}", cell) for number, cell in enumerate(code, 1)]
    if again:
        plan.insert(1, ("setup cell, run again", code[0]))
    notebook = nbformat.v4.new_notebook(metadata=stored.metadata)
    for _, cell in plan:
        copy = nbformat.v4.new_code_cell(cell.source)
        if cell is code[0]:
            copy.source = copy.source.replace(setup_cell.repository_url(), url)
        notebook.cells.append(copy)
    say(f"\n## {path.relative_to(ROOT)}")
    client = NotebookClient(notebook, kernel_name=KERNEL, timeout=900, allow_errors=True,
                            resources={"metadata": {"path": str(content)}})
    red = 0
    with client.setup_kernel(env=env):
        for index, ((label, reference), cell) in enumerate(zip(plan, notebook.cells)):
            start = time.time()
            client.execute_cell(cell, index)
            seconds = time.time() - start
            error = error_of(cell.outputs)
            got = text_of(cell.outputs)
            if error:
                red += 1
                say(f"  RED   {label} ({seconds:.0f} s): {error}")
            elif label == "setup cell, run again":
                say(f"  GREEN {label} ({seconds:.1f} s): "
                    + ("printed nothing, installed nothing" if not got else f"printed: {got}"))
            elif index == 0 and got:
                say(f"  GREEN {label} ({seconds:.0f} s), printed:")
                for line in got.splitlines():
                    say(f"          {line}")
            else:
                same = got == text_of(reference.outputs)
                say(f"  GREEN {label} ({seconds:.0f} s): "
                    + ("output as stored" if same else "text output differs from the stored one"))
    return red


if __name__ == "__main__":
    sys.exit(main())
