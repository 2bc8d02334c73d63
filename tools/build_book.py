"""Build the HTML book into _build/html with warnings as errors (`-W -n --keep-going`).

    python tools/build_book.py            # pages show the outputs stored in the notebooks
    python tools/build_book.py --execute  # re-execute every notebook during the build
    python tools/build_book.py --output /tmp/mine  # build into /tmp/mine/_build/html

`make book` runs this. The build also makes the download button serve, and the Colab button open,
the plain-Markdown copy of each notebook (book/_ext/notebook_copies.py). With --execute the build reads a copy of _config.yml whose only change is
`execute_notebooks: force`, so the notebooks in the repository are left untouched.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def build(execute: bool = False, output: Path = ROOT) -> int:
    """Run jupyter-book; return its exit status. The HTML lands in ``output/_build/html``."""
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT),
               "--path-output", str(output), "-W", "-n", "--keep-going"]
    # Sphinx 7.4 never overwrites a static file already in the output, so an edited
    # book/_static/labs.css would not reach an existing build: write the HTML afresh (the
    # parsed pages in _build/.doctrees are still reused; about 10 s).
    shutil.rmtree(output / "_build" / "html", ignore_errors=True)
    if execute:
        config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
        config["execute"]["execute_notebooks"] = "force"
        # jupyter-book reads local extension folders relative to the config file: this copy
        # lives in _build/, so name them from the repository root instead.
        extensions = config["sphinx"].get("local_extensions") or {}
        config["sphinx"]["local_extensions"] = {name: str(ROOT / folder)
                                                for name, folder in extensions.items()}
        executed = ROOT / "_build" / "_config.execute.yml"
        executed.parent.mkdir(parents=True, exist_ok=True)
        executed.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        command += ["--config", str(executed)]
    return subprocess.run(command, cwd=ROOT).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--execute", action="store_true", help="re-execute every notebook")
    parser.add_argument("--output", type=Path, default=ROOT,
                        help="folder that receives _build/ (default: the repository)")
    args = parser.parse_args(argv)
    return build(args.execute, args.output.resolve())


if __name__ == "__main__":
    sys.exit(main())
