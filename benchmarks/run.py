"""Time, memory and model quality of the whole course, measured; results go to benchmarks/.

    make benchmarks                              # everything (about half an hour on 2 cores)
    .venv/bin/python benchmarks/run.py --only 03 # notebooks whose path contains "03"
    .venv/bin/python benchmarks/run.py --skip notebooks scaling

Writes ``benchmarks/results.json`` (machine-readable) and ``benchmarks/results.md`` (the table
the book's "Reproducibility and performance" page shows), and ``benchmarks/scaling.png``.
Parts that are not re-run keep their previous results.

Passes over the notebooks of book/ and solutions/, each notebook in a fresh kernel, under the
same environment as ``make test``:

* *isolated cold*: each notebook alone with an empty cache, as a reader who opens one chapter
  in Colab (target: ≤ 60 s and ≤ 3 GB peak kernel memory per notebook);
* *course cold*: all notebooks in reading order sharing one cache that starts empty, as CI
  (target: ≤ 8 minutes in all);
* *warm*: all again with that cache full (target: ≤ 3 minutes in all).

Peak memory is the kernel's resident-set high-water mark (``VmHWM`` in ``/proc``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from setup_cell import notebooks  # noqa: E402

import report  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results.json"
# The environment of `make test` (Makefile RUN_ENV), so timings describe what CI runs.
RUN_ENV = {
    "LABS_PROGRESS": "0", "LABS_THREADS": "2", "PYTHONHASHSEED": "0", "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
}
PARTS = ("notebooks", "book", "quality", "scaling")


def peak_rss_mb(pid: int) -> float:
    """Resident-set high-water mark of process ``pid`` in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def run_notebook(path: Path, cache: Path) -> dict:
    """Execute ``path`` in a fresh kernel with ``cache`` as LABS_CACHE_DIR; time and memory."""
    import nbformat
    from nbclient import NotebookClient

    os.environ.update(RUN_ENV, LABS_CACHE_DIR=str(cache))
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=1200, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    peak = [0.0]

    def after_cell(**_):
        peak[0] = max(peak[0], peak_rss_mb(client.km.provisioner.pid))

    client.on_cell_executed = after_cell
    start = time.perf_counter()
    client.execute()
    return {"seconds": round(time.perf_counter() - start, 1), "peak_rss_mb": round(peak[0])}


def progress(items, **kwargs):
    """The runner's own progress bar: shown to people, hidden under CI (the kernels it starts
    always run with LABS_PROGRESS=0, like `make test`)."""
    from tqdm.auto import tqdm

    return tqdm(items, disable=bool(os.environ.get("CI")), **kwargs)


def measure_notebooks(paths: list[Path]) -> dict:
    results = {str(p.relative_to(ROOT)): {} for p in paths}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for path in progress(paths, desc="isolated cold", unit="notebook"):
            isolated = scratch / f"isolated-{path.stem}-{path.parent.name}"
            results[str(path.relative_to(ROOT))]["isolated_cold"] = run_notebook(path, isolated)
        shared = scratch / "course"
        for label in ("course_cold", "warm"):
            for path in progress(paths, desc=label.replace("_", " "), unit="notebook"):
                results[str(path.relative_to(ROOT))][label] = run_notebook(path, shared)
    return results


def measure_book() -> dict:
    """Seconds for a from-scratch `make book` build with stored outputs (-W -n)."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        code = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"),
                               "--output", out], capture_output=True).returncode
        return {"seconds": round(time.perf_counter() - start, 1), "exit_code": code}


def machine() -> dict:
    import gensim
    import torch

    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
                 platform.processor() or "unknown")
    return {
        "date": datetime.date.today().isoformat(),
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "gensim": gensim.__version__,
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="measure only notebooks whose path contains this text")
    parser.add_argument("--skip", nargs="*", default=[], choices=PARTS, help="parts not to re-run")
    args = parser.parse_args(argv)

    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if "notebooks" not in args.skip or "machine" not in results:
        results["machine"] = machine()  # the machine and load of the notebook timings
    if "notebooks" not in args.skip:
        paths = [p for p in notebooks() if not args.only or args.only in str(p)]
        measured = measure_notebooks(paths)
        results["notebooks"] = {**results.get("notebooks", {}), **measured} if args.only else measured
    if "book" not in args.skip:
        results["book"] = measure_book()
    if "quality" not in args.skip:
        import quality

        results["quality"] = quality.collect()
    if "scaling" not in args.skip:
        import scaling

        results["scaling"] = scaling.measure(progress, RUN_ENV)
        scaling.plot(results["scaling"], ROOT / "benchmarks" / "scaling.png")
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (ROOT / "benchmarks" / "results.md").write_text(report.render(results))
    print((ROOT / "benchmarks" / "results.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
