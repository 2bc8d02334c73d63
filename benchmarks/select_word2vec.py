"""Choose Word2Vec's settings on one half of WordSim-353, report them on the other half.

    .venv/bin/python benchmarks/select_word2vec.py     # ~15 min on 2 cores; writes the table below

Chapter 1 trains Word2Vec with ``text.Word2VecConfig()``'s defaults and reports WordSim-353.
Settings tuned on the benchmark that is then reported would flatter the model, so the
defaults are chosen here on the *dev* half (``WordPairs.split(seed=0)``) only; the chapter
reports the *test* half. Declared before the run:

- the grid: ``GRID`` (CBOW or skip-gram, a window of 2, 5 or 8 words, 10 or 25 epochs), every
  other setting at its default;
- the score of a setting: its mean dev-half Spearman over the seeds ``SEEDS``;
- a budget: a setting is eligible only if one training costs at most the CPU time of the
  settings it would replace (``REFERENCE``: CBOW, window 8, 25 epochs), measured in the same
  run, because chapter 1 trains three seeds of it and was already at its 60 s budget. Settings
  over the budget are measured and reported all the same;
- the rule: the eligible setting with the highest score becomes the defaults.

The run of 2026-12-01 (a loaded 2-core machine) kept the defaults: CBOW, window 8, 25 epochs
(dev 0.589, test 0.493). Without the budget skip-gram, window 8, 10 epochs would have won on
dev (0.614) and scores lower on test (0.449).

The results go into ``benchmarks/results.json`` (key ``word2vec_selection``; each row holds the
mean and spread over seeds and the CPU time) and the "Word2Vec settings" table of
``benchmarks/results.md`` (means over seeds).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import report  # noqa: E402
from labs import data, repro, text  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results.json"
GRID = {"sg": (False, True), "window": (2, 5, 8), "epochs": (10, 25)}
SEEDS = (0, 1, 2)
REFERENCE = {"sg": False, "window": 8, "epochs": 25}  # the defaults before this selection


def measure(corpus, values: dict, dev, test) -> dict:
    """Dev and test Spearman (mean, spread over ``SEEDS``) and CPU seconds of one setting."""
    config = dataclasses.replace(text.Word2VecConfig(), **values)
    dev_scores, test_scores, seconds = [], [], []
    for seed in SEEDS:
        start = time.process_time()  # CPU time: steadier than wall time on a shared machine
        vectors = text.train_word2vec(corpus, config, seed=seed, use_cache=False).vectors
        seconds.append(time.process_time() - start)
        dev_scores.append(text.evaluate_similarity(vectors, dev).spearman)
        test_scores.append(text.evaluate_similarity(vectors, test).spearman)
    return {**values,
            "dev": round(statistics.mean(dev_scores), 4),
            "dev_sd": round(statistics.stdev(dev_scores), 4),
            "test": round(statistics.mean(test_scores), 4),
            "test_sd": round(statistics.stdev(test_scores), 4),
            "cpu_seconds": round(statistics.mean(seconds), 2)}


def record(rows: list[dict]) -> dict:
    """Apply the budget and the rule to measured ``rows``; write results.json and results.md.

    The table's columns are the keys of ``defaults``: the grid's, then each setting's CPU
    seconds and whether it is within the budget, so that the table shows why a setting with
    a higher dev score was not chosen.
    """
    budget = next(row["cpu_seconds"] for row in rows
                  if all(row[k] == v for k, v in REFERENCE.items()))
    for row in rows:
        row["CPU s"] = f"{row['cpu_seconds']:.1f}"
        row["within budget"] = "yes" if row["cpu_seconds"] <= budget else "no"
    columns = [*GRID, "CPU s", "within budget"]
    best = max((row for row in rows if row["within budget"] == "yes"), key=lambda r: r["dev"])
    default = text.Word2VecConfig()
    chosen = next(row for row in rows if all(row[k] == getattr(default, k) for k in GRID))
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["word2vec_selection"] = {
        "rows": rows, "best_on_dev": {k: best[k] for k in columns},
        "defaults": {k: chosen[k] for k in columns}, "seeds": list(SEEDS),
        "budget_cpu_seconds": budget, "reference": REFERENCE,
        "best_on_dev_any_budget": {k: max(rows, key=lambda r: r["dev"])[k] for k in GRID}}
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (ROOT / "benchmarks" / "results.md").write_text(report.render(results))
    return results["word2vec_selection"]


def main() -> int:
    repro.setup(seed=0)
    corpus = data.load_word_corpus()
    dev, test = data.load_word_pairs("wordsim353").split(seed=0)
    rows = []
    for values in repro.progress(list(itertools.product(*GRID.values())), desc="settings"):
        rows.append(measure(corpus, dict(zip(GRID, values)), dev, test))
        print(rows[-1], flush=True)
    selection = record(rows)
    print("best on dev within the budget:", selection["best_on_dev"],
          "defaults:", selection["defaults"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
