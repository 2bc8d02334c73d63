"""Time, memory and model quality of the whole course, measured; results go to benchmarks/.

    make benchmarks                              # everything (about 45 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --only 03 # notebooks whose path contains "03"
    .venv/bin/python benchmarks/run.py --skip notebooks scaling make_test

Writes ``benchmarks/results.json`` (machine-readable) and ``benchmarks/results.md`` (the table
the book's "Reproducibility and performance" page shows), and ``benchmarks/scaling.png``.
Parts that are not re-run keep their previous results.

Passes over the notebooks of book/ and solutions/, each notebook in a fresh kernel, under the
same environment as ``make test``:

* *isolated cold*: each notebook alone with an empty cache, as a reader who opens one chapter
  in Colab (target: ≤ 60 s and ≤ 3 GB peak kernel memory per notebook);
* *course cold*: all notebooks in reading order sharing one cache that starts empty, as CI
  (target: ≤ 8 minutes in all);
* *warm*: all again with that cache full (target: ≤ 2 minutes in all);

and ``make test`` in a fresh clone of HEAD, as CI runs it (target: ≤ 12 minutes).

Peak memory is the kernel's resident-set high-water mark (``VmHWM`` in ``/proc``). Each run also
says where its time went: starting the kernel, the setup cell (imports), training and encoding
(what ``labs.cache`` built, read from its ``$LABS_TIMINGS`` log), loading cache entries, and the
rest of the cells (evaluation, plots), with the slowest cell named.
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
PARTS = ("notebooks", "book", "quality", "scaling", "make_test")
# Cache entries that are encodings or parsed data rather than trained models.
ENCODING_ENTRIES = {"encoding"}
DATA_ENTRIES = {"wikipedia-tokens"}


def peak_rss_mb(pid: int) -> float:
    """Resident-set high-water mark of process ``pid`` in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def breakdown(timings: list[dict], cell_seconds: list[float], kernel_seconds: float) -> dict:
    """Split a run's seconds into kernel start, setup cell, training, encoding, data, loading
    and the rest, from the cells' durations and the cache's timing log (one dict per entry)."""
    def built(names=None, exclude=()):
        return sum(t["seconds"] for t in timings if t["built"]
                   and (names is None or t["name"] in names) and t["name"] not in exclude)

    parts = {
        "kernel": kernel_seconds,
        "setup": cell_seconds[0] if cell_seconds else 0.0,
        "training": built(exclude=ENCODING_ENTRIES | DATA_ENTRIES),
        "encoding": built(ENCODING_ENTRIES),
        "data": built(DATA_ENTRIES),
        "loading": sum(t["seconds"] for t in timings if not t["built"]),
    }
    parts["other"] = max(0.0, sum(cell_seconds[1:]) - sum(parts[k] for k in
                                                          ("training", "encoding", "data",
                                                           "loading")))
    return {k: round(v, 1) for k, v in parts.items()}


def run_notebook(path: Path, cache: Path) -> dict:
    """Execute ``path`` in a fresh kernel with ``cache`` as LABS_CACHE_DIR; time, memory and
    where the time went (see :func:`breakdown`)."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as log:
        os.environ.update(RUN_ENV, LABS_CACHE_DIR=str(cache), LABS_TIMINGS=log.name)
        client = NotebookClient(notebook, timeout=1200, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        peak = [0.0]
        cells: list[tuple[int, float]] = []  # (cell index, seconds) of each code cell
        clock = {"first": None, "cell": 0.0}  # when the first cell started; the current one

        def cell_start(cell, **_):
            clock["cell"] = time.perf_counter()
            if clock["first"] is None:
                clock["first"] = clock["cell"]  # the kernel is up

        def after_cell(cell_index, **_):
            cells.append((cell_index, time.perf_counter() - clock["cell"]))
            peak[0] = max(peak[0], peak_rss_mb(client.km.provisioner.pid))

        client.on_cell_start = cell_start
        client.on_cell_executed = after_cell
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
        timings = [json.loads(line) for line in Path(log.name).read_text().splitlines()]
    kernel = (clock["first"] or start) - start
    slowest = max(cells, key=lambda c: c[1], default=(None, 0.0))
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(peak[0]),
            "breakdown": breakdown(timings, [c[1] for c in cells], kernel),
            "slowest_cell": {"index": slowest[0], "seconds": round(slowest[1], 1)}}


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


def measure_make_test() -> dict:
    """Minutes of the README's `make test` in a fresh clone of HEAD (new venv, empty cache), as CI
    runs it; about 12 minutes on 2 cores."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as scratch:
        clone = Path(scratch) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LABS_", "VIRTUAL_ENV"))}
        env.update(CI="1", LABS_CACHE_DIR=str(Path(scratch) / "cache"))
        start = time.perf_counter()
        code = subprocess.run(["make", "test"], cwd=clone, env=env).returncode
        return {"seconds": round(time.perf_counter() - start), "exit_code": code,
                "commit": commit}


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
    parser.add_argument("--skip", nargs="*", action="extend", default=[], choices=PARTS,
                        help="parts not to re-run (may be given more than once)")
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
    if "make_test" not in args.skip:
        results["make_test"] = measure_make_test()
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
