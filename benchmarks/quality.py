"""Model-quality figures of the course, each beside its baseline and its target.

The figures are read from the outputs stored in the chapter notebooks (values the chapters
`glue`), which `make test` re-validates by re-executing every notebook with strict nbval: the
table therefore shows exactly what the book shows, and cannot drift from it.
"""

from __future__ import annotations

import ast
import json
import operator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPARE = {">=": operator.ge, "<=": operator.le}


@dataclass(frozen=True)
class Target:
    """One quality figure: where it is glued, what it is compared with, and the goal."""

    label: str
    notebook: str
    glue: str
    comparison: str  # ">=" or "<=", or "" for a figure reported without a target
    goal: float
    baseline_label: str = ""
    baseline_glue: str = ""
    issue: int = 0


# Each entry names a value the chapter glues; the goals are those of the chapter issues.
TARGETS: list[Target] = [
    Target("CNN held-out accuracy", "book/05_2_vision.ipynb", "vision_cnn_accuracy", ">=", 0.98,
           issue=6),
    Target("Linear probe on CNN penultimate features", "book/05_2_vision.ipynb",
           "vision_probe_penultimate", ">=", 0.97, "raw pixels", "vision_probe_pixels", issue=6),
    Target("Matrix factorisation test RMSE ÷ noise level", "book/05_3_recommenders.ipynb",
           "rec_rmse_mf_ratio", "<=", 1.1, issue=6),
    Target("Matrix factorisation test RMSE (noise level 0.5)", "book/05_3_recommenders.ipynb",
           "rec_rmse_mf", "<=", 0.55, "user mean", "rec_rmse_user", issue=6),
    Target("5-NN retrieval precision on CNN penultimate features", "book/05_2_vision.ipynb",
           "vision_retrieval_penultimate", "", 0, "raw pixels", "vision_retrieval_pixels",
           issue=6),
    Target("Mean canonical correlation, learned vs planted item factors",
           "book/05_3_recommenders.ipynb", "rec_cca_mf", ">=", 0.9, issue=6),
]


def glued_values(notebook: Path) -> dict[str, object]:
    """Every value a notebook stored with myst-nb's ``glue``, by name."""
    values = {}
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is None:
                continue
            text = output["data"].get("application/papermill.record/text/plain", "")
            try:
                values[name] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                values[name] = text
    return values


def _number(value) -> float:
    return float(str(value).rstrip("%")) / (100 if str(value).endswith("%") else 1)


def collect(targets: list[Target] | None = None) -> list[dict]:
    """One row per target: value, baseline, goal and whether it is met."""
    rows = []
    cache: dict[str, dict] = {}
    for target in TARGETS if targets is None else targets:
        path = ROOT / target.notebook
        if not path.exists():
            rows.append({"label": target.label, "notebook": target.notebook, "status": "chapter missing"})
            continue
        values = cache.setdefault(target.notebook, glued_values(path))
        if target.glue not in values:
            raise KeyError(f"{target.notebook} glues no value named {target.glue!r}")
        value = _number(values[target.glue])
        row = {
            "label": target.label, "notebook": target.notebook, "issue": target.issue,
            "value": value,
            "goal": f"{target.comparison} {target.goal:g}" if target.comparison else "—",
            "met": bool(COMPARE[target.comparison](value, target.goal)) if target.comparison else None,
        }
        if target.baseline_glue:
            row["baseline_label"] = target.baseline_label
            row["baseline"] = _number(values[target.baseline_glue])
        rows.append(row)
    return rows
