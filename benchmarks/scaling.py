"""How training time and memory grow with the data: Word2Vec and the autoencoder.

Each point runs in a fresh Python process with an empty cache, so its peak memory (``ru_maxrss``)
and its time belong to that training alone. Word2Vec reads the course corpus repeated 1, 2, 4
and 8 times (with ``min_count`` scaled alike, so the vocabulary stays the same), once streamed
from a file on disk (``labs.text.TokenFile``) and once held in memory as a list; the autoencoder
trains on the digits' training set repeated likewise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

COPIES = (1, 2, 4, 8)
WORD2VEC_EPOCHS = 5  # the chapter trains longer; the growth with corpus size is what is measured
AUTOENCODER_EPOCHS = 5
# The digits' 1,347 training images take a fraction of a second per epoch, less than the fixed
# cost of setting up a training run; from 8 copies on, the time measures the training itself.
AUTOENCODER_BASE = 8

CHILD = r"""
import json, resource, sys, time
spec = json.loads(sys.argv[1])
from labs import data, text
if spec["model"] == "word2vec":
    corpus = text.TokenFile(spec["path"])
    if not spec["streamed"]:
        corpus = list(corpus)
    start = time.perf_counter()
    # min_count grows with the copies, so every size learns the same vocabulary.
    config = text.Word2VecConfig(epochs=spec["epochs"], min_count=5 * spec["copies"])
    result = text.train_word2vec(corpus, config, use_cache=False)
    size = result.tokens
else:
    import numpy as np
    from labs import autoencoder
    digits = data.load_digits()
    X_train = np.concatenate([digits.X_train] * spec["copies"])
    start = time.perf_counter()
    autoencoder.train_autoencoder((X_train, digits.X_test),
                                  autoencoder.AutoencoderConfig(epochs=spec["epochs"]))
    size = len(X_train)
seconds = time.perf_counter() - start
print(json.dumps({"size": size, "seconds": seconds,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(spec: dict, cache: Path, env: dict) -> dict:
    env = {**os.environ, **env, "LABS_CACHE_DIR": str(cache)}
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _slope(sizes, seconds) -> float:
    """Exponent b of seconds ∝ size^b (least squares in log-log)."""
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def _series(title: str, size_label: str, points: list[dict]) -> dict:
    sizes = [int(p["size"]) for p in points]
    seconds = [round(p["seconds"], 1) for p in points]
    memory = [round(p["peak_rss_mb"]) for p in points]
    slope = _slope(sizes, [p["seconds"] for p in points])
    growth = memory[-1] / memory[0]
    growth_kind = ("about linear" if 0.8 <= slope <= 1.2 else "faster than linear" if slope > 1.2
                   else "slower than linear: fixed costs per run still weigh at these sizes")
    summary = (f"time grows as size^{slope:.2f} ({growth_kind}); "
               f"peak memory x{growth:.2f} from the smallest to the largest size "
               f"({'flat' if growth <= 1.25 else 'growing'})")
    return {"title": title, "size_label": size_label, "sizes": sizes, "seconds": seconds,
            "peak_rss_mb": memory, "slope": round(slope, 2), "memory_growth": round(growth, 2),
            "summary": summary}


def measure(progress=lambda items, **_: items, env: dict | None = None) -> dict:
    """Run every point; return the series that results.json stores under ``scaling``.

    ``progress`` wraps the list of runs (a progress bar); ``env`` is added to each child's
    environment (the benchmark passes the environment of ``make test``).
    """
    from labs import data, text

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        corpus = data.load_word_corpus()
        files = {n: text.write_token_file(corpus, scratch / f"corpus-{n}x.txt", copies=n) for n in COPIES}
        runs = [("word2vec_streamed", {"model": "word2vec", "streamed": True}),
                ("word2vec_in_memory", {"model": "word2vec", "streamed": False}),
                ("autoencoder", {"model": "autoencoder"})]
        points: dict[str, list[dict]] = {name: [] for name, _ in runs}
        jobs = [(name, spec, n) for name, spec in runs for n in COPIES]
        for name, spec, n in progress(jobs, desc="scaling", unit="run"):
            if spec["model"] == "word2vec":
                spec = {**spec, "path": str(files[n].path), "epochs": WORD2VEC_EPOCHS, "copies": n}
            else:
                spec = {**spec, "copies": AUTOENCODER_BASE * n, "epochs": AUTOENCODER_EPOCHS}
            points[name].append(_run(spec, scratch / f"cache-{name}-{n}", env or {}))
    return {
        "word2vec_streamed": _series(
            f"Word2Vec, corpus streamed from disk ({WORD2VEC_EPOCHS} epochs)", "corpus tokens",
            points["word2vec_streamed"]),
        "word2vec_in_memory": _series(
            f"Word2Vec, corpus held in memory ({WORD2VEC_EPOCHS} epochs)", "corpus tokens",
            points["word2vec_in_memory"]),
        "autoencoder": _series(
            f"Autoencoder 64→16→64 on the digits' training set repeated {AUTOENCODER_BASE}× and more "
            f"({AUTOENCODER_EPOCHS} epochs)", "training images",
            points["autoencoder"]),
    }


# The figure is shown at the book's column width (672 px at a 1280 px window, measured by
# tests/test_browser.py): 8 inches wide, it is drawn at 84 px per inch there, so its smallest
# text (9 pt, the legend) shows at 10.5 px and its ticks (11 pt) at 12.8 px
# (tests/test_figures.py checks every text of it against 10 px).
FIGSIZE = (8, 5)
LEGEND_FONTSIZE = 9


def figure(scaling: dict):
    """Log-log time and memory against data size (relative to each series' smallest run), one line
    per series, side by side, with one legend below both; returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    from labs import viz

    viz.set_style()
    fig, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=FIGSIZE, layout="constrained")
    for series in scaling.values():
        relative = np.asarray(series["sizes"]) / series["sizes"][0]
        time_ax.loglog(relative, series["seconds"], "o-", label=series["title"])
        memory_ax.semilogx(relative, series["peak_rss_mb"], "o-", label=series["title"])
    ideal = np.asarray(COPIES, dtype=float)
    first = next(iter(scaling.values()))["seconds"][0]
    time_ax.loglog(ideal, first * ideal, "k:", label="linear (slope 1)")
    time_ax.set(xlabel="data size (× the smallest run)", ylabel="training time (s)",
                title="Training time")
    memory_ax.set(xlabel="data size (× the smallest run)", ylabel="peak memory (MB)",
                  title="Peak memory of the process")
    memory_ax.set_ylim(bottom=0)
    for ax in (time_ax, memory_ax):
        ax.set_xticks(COPIES, [f"{n}×" for n in COPIES])
        ax.minorticks_off()
    # A log axis over one decade labels only 10^1: label 1-2-5 steps in plain seconds instead.
    low, high = time_ax.get_ylim()
    steps = [v * 10.0 ** e for e in range(-2, 5) for v in (1, 2, 5) if low <= v * 10.0 ** e <= high]
    time_ax.set_yticks(steps, [f"{v:g}" for v in steps])
    handles, labels = time_ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", fontsize=LEGEND_FONTSIZE)
    return fig


def plot(scaling: dict, path: Path) -> None:
    """:func:`figure`, saved to ``path`` (a PNG without the matplotlib version in its metadata)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = figure(scaling)
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


if __name__ == "__main__":
    # Redraw benchmarks/scaling.png from the measurements stored in benchmarks/results.json
    # (make benchmarks measures them again and redraws it too).
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    stored = json.loads((root / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    plot(stored["scaling"], root / "benchmarks" / "scaling.png")
    print(f"wrote {root / 'benchmarks' / 'scaling.png'}")
