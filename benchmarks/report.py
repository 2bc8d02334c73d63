"""Render benchmarks/results.json as the Markdown table the book includes."""

from __future__ import annotations

NOTEBOOK_SECONDS = 60
NOTEBOOK_AIM_SECONDS = 45  # the margin that survives a machine's ±20 % run-to-run noise
NOTEBOOK_MB = 3000
COURSE_COLD_SECONDS = 8 * 60
COURSE_WARM_SECONDS = 2 * 60
BOOK_SECONDS = 90
MAKE_TEST_SECONDS = 12 * 60
PARTS = ("kernel", "setup", "training", "encoding", "data", "loading", "other")


def verdict(ok: bool | None) -> str:
    if ok is None:
        return "reported"
    return "met" if ok else "**missed**"


def run_outcome(run: dict, target_seconds: float, failure: str) -> str:
    """A timed command's verdict against its target, or what its failure was."""
    if run["exit_code"] != 0:
        return f"**{failure}** (exit code {run['exit_code']})"
    return verdict(run["seconds"] <= target_seconds)


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# Benchmark results",
        "",
        "Produced by `make benchmarks` (`benchmarks/run.py`); do not edit by hand.",
        "",
        f"Measured on {m['date']}: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM; "
        f"Python {m['python']}, torch {m['torch']}, gensim {m['gensim']}; "
        f"load average {m['load_average_at_start']} when the run started.",
        "",
    ]
    notebooks = results.get("notebooks", {})
    if notebooks:
        lines += [
            "## Notebooks",
            "",
            f"Each notebook in a fresh kernel. *Isolated cold*: alone, empty cache, as a Colab "
            f"learner meets it (target ≤ {NOTEBOOK_SECONDS} s, aim ≤ {NOTEBOOK_AIM_SECONDS} s; "
            f"peak ≤ {NOTEBOOK_MB / 1000:g} GB). *Course cold*: in reading "
            "order, one cache that starts empty (as CI). *Warm*: again with the cache full.",
            "",
            "| notebook | isolated cold (s) | course cold (s) | warm (s) | peak MB | target |",
            "|---|---:|---:|---:|---:|---|",
        ]
        total_cold = total_warm = 0.0
        for name, r in notebooks.items():
            iso, cold, warm = r["isolated_cold"], r["course_cold"], r["warm"]
            peak = max(iso["peak_rss_mb"], cold["peak_rss_mb"], warm["peak_rss_mb"])
            total_cold += cold["seconds"]
            total_warm += warm["seconds"]
            ok = iso["seconds"] <= NOTEBOOK_SECONDS and peak <= NOTEBOOK_MB
            mark = verdict(ok)
            if ok and iso["seconds"] > NOTEBOOK_AIM_SECONDS:
                mark += f" (over the {NOTEBOOK_AIM_SECONDS} s aim)"
            lines.append(f"| `{name.removesuffix('.ipynb')}` | {iso['seconds']:.1f} | {cold['seconds']:.1f} | "
                         f"{warm['seconds']:.1f} | {peak} | {mark} |")
        lines += [
            "",
            f"Whole course from a cold cache: **{total_cold / 60:.1f} min** (target ≤ "
            f"{COURSE_COLD_SECONDS // 60} min: {verdict(total_cold <= COURSE_COLD_SECONDS)}); "
            f"warm: **{total_warm / 60:.1f} min** (target ≤ {COURSE_WARM_SECONDS // 60} min: "
            f"{verdict(total_warm <= COURSE_WARM_SECONDS)}).",
            "",
        ]
        lines += breakdown_lines(notebooks)
    make_test = results.get("make_test")
    if make_test:
        outcome = run_outcome(make_test, MAKE_TEST_SECONDS, "it failed")
        lines += [
            "## `make test` from a fresh clone",
            "",
            f"A fresh `git clone` of commit `{make_test['commit']}`, `make test` (new virtual "
            f"environment, pinned install, every test, an empty model cache): "
            f"**{make_test['seconds'] / 60:.1f} min** (target ≤ {MAKE_TEST_SECONDS // 60} min: "
            f"{outcome}).",
            "",
        ]
    book = results.get("book")
    if book:
        outcome = run_outcome(book, BOOK_SECONDS, "the build failed")
        lines += [
            "## Book build",
            "",
            f"`make book` with stored outputs, from scratch (`-W -n`): **{book['seconds']:.0f} s** "
            f"(target ≤ {BOOK_SECONDS} s: {outcome}).",
            "",
        ]
    quality = results.get("quality")
    if quality:
        lines += [
            "## Model quality",
            "",
            "Read from the values the chapters glue, which `make test` re-validates.",
            "",
            "| figure | chapter | value | baseline | target | |",
            "|---|---|---:|---|---|---|",
        ]
        for row in quality:
            if "value" not in row:
                lines.append(f"| {row['label']} | `{row['notebook']}` | — | — | — | {row['status']} |")
                continue
            baseline = f"{row['baseline']:.3g} ({row['baseline_label']})" if "baseline" in row else "—"
            lines.append(f"| {row['label']} | `{row['notebook']}` | {row['value']:.3g} | {baseline} | "
                         f"{row['goal']} | {verdict(row['met'])} |")
        lines.append("")
    scaling = results.get("scaling")
    if scaling:
        lines += ["## Scaling", ""]
        for name, series in scaling.items():
            lines += [
                f"**{series['title']}**: {series['summary']}",
                "",
                f"| {series['size_label']} | seconds | peak memory (MB) |",
                "|---:|---:|---:|",
            ]
            lines += [f"| {size:,} | {sec:.1f} | {mb} |" for size, sec, mb in
                      zip(series["sizes"], series["seconds"], series["peak_rss_mb"])]
            lines.append("")
    lines += selection_lines(results.get("word2vec_selection"))
    lines += portability_lines(results.get("portability"))
    return "\n".join(lines)


def breakdown_lines(notebooks: dict) -> list[str]:
    """Where each notebook's seconds go, isolated cold and warm, so the next saving is visible."""
    rows = {name: r for name, r in notebooks.items()
            if "breakdown" in r["isolated_cold"] and "breakdown" in r["warm"]}
    if not rows:
        return []
    lines = [
        "### Where the time goes",
        "",
        "Seconds per part of each run: *start* (the kernel and the setup cell's imports), "
        "*training* and *encoding* (what the model cache built), *data* (corpora parsed and "
        "cache entries loaded), and *other* cells (evaluation, plots, printing). Isolated "
        "cold, then warm; "
        "the slowest cell of the cold run is named by its index in the notebook. Models trained "
        "side by side in two processes (chapters 1 and 3) each count their own seconds, so "
        "*training* can exceed the cells' wall time; *other* is then 0.",
        "",
        "| notebook | start | training | encoding | data | other | slowest cell |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in rows.items():
        cold, slow = r["isolated_cold"]["breakdown"], r["isolated_cold"]["slowest_cell"]
        columns = (cold["kernel"] + cold["setup"], cold["training"], cold["encoding"],
                   cold["data"] + cold["loading"], cold["other"])
        lines.append(f"| `{name.removesuffix('.ipynb')}` | "
                     + " | ".join(f"{c:.1f}" for c in columns)
                     + f" | {slow['index']}: {slow['seconds']:.1f} |")
    lines += ["", "Warm, the fixed costs that remain:", "",
              "| notebook | setup | loading | other | total |", "|---|---:|---:|---:|---:|"]
    for name, r in rows.items():
        warm = r["warm"]["breakdown"]
        lines.append(f"| `{name.removesuffix('.ipynb')}` | {warm['setup']:.1f} | "
                     f"{warm['loading']:.1f} | {warm['other']:.1f} | {r['warm']['seconds']:.1f} |")
    totals = {p: sum(r["isolated_cold"]["breakdown"][p] for r in rows.values()) for p in PARTS}
    lines += ["", "Sum over the notebooks, isolated cold: " + ", ".join(
        f"{p} {totals[p]:.0f} s" for p in PARTS) + ".", ""]
    return lines


def selection_lines(selection: dict | None) -> list[str]:
    """How Word2Vec's defaults were chosen: on WordSim-353's dev half, reported on its test half."""
    if not selection:
        return []
    names = list(selection["defaults"])
    lines = [
        "## Word2Vec settings",
        "",
        "`benchmarks/select_word2vec.py` trained Word2Vec with each setting below and scored it "
        "on the two fixed halves of WordSim-353 (`WordPairs.split(seed=0)`). Chapter 1 uses the "
        "setting with the best *dev* score and reports the *test* half, which played no part in "
        "the choice.",
        "",
        "| " + " | ".join(names) + " | dev | test | |",
        "|" + "---|" * len(names) + "---:|---:|---|",
    ]
    for row in selection["rows"]:
        marks = [m for m, hit in (("best on dev", {k: row[k] for k in names} == selection["best_on_dev"]),
                                  ("the defaults", {k: row[k] for k in names} == selection["defaults"]))
                 if hit]
        cells = ["skip-gram" if (k == "sg" and row[k]) else "CBOW" if k == "sg" else str(row[k])
                 for k in names]
        lines.append("| " + " | ".join(cells) + f" | {row['dev']:.3f} | {row['test']:.3f} | "
                     + ", ".join(marks) + " |")
    lines.append("")
    return lines


def _deviation(largest: dict | None) -> str:
    if not largest:
        return "none"
    units = ("integer" if largest["units"] == float("inf") else f"{largest['units']:.1f} units")
    where = "declared" if largest["declared"] else "default"
    return (f"{largest['stored']} → {largest['fresh']} (cell {largest['cell']}; "
            f"{100 * largest['relative']:.2g} %, {units}; {where} tolerance)")


def portability_lines(portability: dict | None) -> list[str]:
    """The table of `make portability`: each notebook re-executed with other kernels."""
    if not portability:
        return []
    lines = [
        "## Portability",
        "",
        f"`make portability` ({portability['date']}; `tools/portability.py`) re-executed every "
        "notebook from an empty cache with numerical kernels this machine would not pick by "
        "itself, and compared each cell with the stored outputs as `make test` does: text "
        "exactly, integers exactly, decimals within one unit of the last printed digit unless "
        "the cell declares a wider tolerance (`# NBVAL_TOLERANCE ...: reason`).",
        "",
    ]
    for name, variant in portability["variants"].items():
        settings = ", ".join(f"`{k}={v}`" if v is not None else f"`{k}` unset"
                             for k, v in variant["set"].items())
        rows = variant["notebooks"]
        passed = sum(not r["failures"] for r in rows.values())
        lines += [
            f"**{name}**: {variant['description']} ({settings}; ran {variant['kernels']}). "
            f"{passed} of {len(rows)} notebooks pass.",
            "",
            "| notebook | cells compared | numbers compared | largest deviation | pass |",
            "|---|---:|---:|---|---|",
        ]
        for key, r in rows.items():
            verdict_text = "yes" if not r["failures"] else "**no**: " + "; ".join(r["failures"])
            lines.append(f"| `{key.removesuffix('.ipynb')}` | {r['cells']} | {r['numbers']:,} | "
                         f"{_deviation(r['largest'])} | {verdict_text} |")
        lines.append("")
    return lines
