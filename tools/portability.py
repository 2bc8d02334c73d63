"""Re-execute every notebook with other numerical kernels and compare with the stored outputs.

    make portability                          # every variant, every notebook (~20 min, 2 cores)
    .venv/bin/python tools/portability.py --variant avx2-compatible --only 03

Why: the stored outputs are produced on one machine; a learner's laptop, a contributor's PC or
a CI runner of another CPU vendor picks other BLAS and ATen kernels and gets other last digits.
Each *variant* below forces kernels this machine would not pick by itself, executes every
notebook of book/ and solutions/ from an empty cache in a fresh kernel (``tools/execute.py``),
and compares each cell with the stored outputs through the same comparison as ``make test``
(``tests/nbval_tolerance.py``: text exactly, numbers within the default or declared tolerance).

The results go into ``benchmarks/results.json`` (key ``portability``) and the table of
``benchmarks/results.md`` that the book's performance page shows; the fresh notebooks stay in
``_build/portability/VARIANT/`` for inspection. Exit status 1 if any cell fails.

Run by hand, not in CI: it takes one cold course per variant. The OpenBLAS variables are
changed here only, for the child processes of one variant, never in tests or CI.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from setup_cell import notebooks  # noqa: E402
from run import RUN_ENV  # noqa: E402  (benchmarks/run.py: the environment of `make test`)
from tests.nbval_tolerance import compare_outputs, load_sanitizer, parse_tolerance  # noqa: E402

# name -> (what it emulates, variables set; None unsets). Both unset the OpenBLAS pair together
# or set the core type alone, as a machine of that kind would.
VARIANTS: dict[str, tuple[str, dict[str, str | None]]] = {
    "avx2-compatible": (
        "torch's AVX2 kernels, MKL's reproducible COMPATIBLE path, OpenBLAS choosing by CPU",
        {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "COMPATIBLE",
         "OPENBLAS_CORETYPE": None, "OPENBLAS_L2_SIZE": None}),
    "haswell": (
        "an AVX2-only machine (as AMD Zen runs OpenBLAS): OpenBLAS Haswell, torch and MKL AVX2",
        {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2", "OPENBLAS_CORETYPE": "Haswell",
         "OPENBLAS_L2_SIZE": None}),
}
SANITIZER = ROOT / "tests" / "nbval_sanitize.cfg"
RESULTS = ROOT / "benchmarks" / "results.json"


def variant_env(changes: dict[str, str | None]) -> dict[str, str]:
    env = {**os.environ, **RUN_ENV}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def kernels(env: dict[str, str]) -> str:
    """What the variant really runs: OpenBLAS's core and torch's CPU capability, as reported."""
    probe = ("import threadpoolctl, numpy, torch\n"
             "blas = [i for i in threadpoolctl.threadpool_info() if i['internal_api'] == 'openblas']\n"
             "core = blas[0].get('architecture') if blas else 'none'\n"
             "print(f'OpenBLAS {core}, torch {torch.backends.cpu.get_cpu_capability()}')")
    run = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    return run.stdout.strip() or run.stderr.strip()[-200:]


def execute_all(paths: list[Path], into: Path, env: dict[str, str]) -> None:
    """Copy each notebook under ``into`` and execute it there with ``env`` (one cold cache)."""
    with tempfile.TemporaryDirectory(prefix="labs-portability-cache-") as cache:
        for path in paths:
            target = into / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
            subprocess.run(
                [sys.executable, str(ROOT / "tools" / "execute.py"), str(target),
                 "--workdir", str(path.parent)],
                env={**env, "LABS_CACHE_DIR": cache}, check=True,
            )


def compare_notebook(stored_path: Path, fresh_path: Path, sanitize) -> dict:
    """Cell by cell, as nbval pairs them: cells compared, numbers, largest deviation, failures."""
    from nbval.plugin import coalesce_streams

    stored = nbformat.read(stored_path, as_version=4)
    fresh = nbformat.read(fresh_path, as_version=4)
    cells = numbers = 0
    failures: list[str] = []
    largest = None
    code = [(s, f) for s, f in zip(stored.cells, fresh.cells) if s.cell_type == "code"]
    for index, (s, f) in enumerate(code):
        cells += 1
        result = compare_outputs(coalesce_streams(s.outputs), coalesce_streams(f.outputs),
                                 parse_tolerance(s.source), sanitize=sanitize)
        numbers += result.numbers
        if not result.ok:
            failures.append(f"cell {index}: {result.problem}")
        worst = result.largest
        if worst and (largest is None or worst.relative > largest["relative"]):
            largest = {"cell": index, "stored": worst.stored, "fresh": worst.fresh,
                       "relative": worst.relative, "units": worst.units,
                       "declared": parse_tolerance(s.source).declared}
    return {"cells": cells, "numbers": numbers, "largest": largest, "failures": failures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", choices=sorted(VARIANTS), action="append",
                        help="run only these variants (default: all)")
    parser.add_argument("--only", help="only notebooks whose path contains this text")
    parser.add_argument("--compare-only", action="store_true",
                        help="compare notebooks already executed under _build/portability")
    args = parser.parse_args(argv)
    paths = [p for p in notebooks() if not args.only or args.only in str(p)]
    sanitize = load_sanitizer(SANITIZER)
    report: dict = {"date": datetime.date.today().isoformat(), "variants": {}}
    failed = False
    for name in args.variant or list(VARIANTS):
        description, changes = VARIANTS[name]
        env = variant_env(changes)
        into = ROOT / "_build" / "portability" / name
        if not args.compare_only:
            print(f"== {name}: {description}", flush=True)
            execute_all(paths, into, env)
        rows = {}
        for path in paths:
            key = str(path.relative_to(ROOT))
            rows[key] = compare_notebook(path, into / key, sanitize)
            failed = failed or bool(rows[key]["failures"])
            for failure in rows[key]["failures"]:
                print(f"FAIL {name} {key} {failure}", flush=True)
        report["variants"][name] = {"description": description, "kernels": kernels(env),
                                    "set": {k: v for k, v in changes.items()}, "notebooks": rows}
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    if args.only or args.variant:  # a partial run updates its own rows and keeps the others
        earlier = results.get("portability", {"variants": {}})
        for name, variant in report["variants"].items():
            rows = {**earlier["variants"].get(name, {}).get("notebooks", {}), **variant["notebooks"]}
            earlier["variants"][name] = {**variant, "notebooks": rows}
        report = {**earlier, "date": report["date"]}
    results["portability"] = report
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    import report as table  # benchmarks/report.py

    (ROOT / "benchmarks" / "results.md").write_text(table.render(results))
    print("wrote benchmarks/results.json and benchmarks/results.md")
    print("portability:", "FAILED" if failed else "every cell within tolerance")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
