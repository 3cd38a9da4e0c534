"""The answer-quality gate's thresholds (tests/eval/thresholds.toml), checked for the report.

Each question set has a table named after its file ("questions" for questions.jsonl). A
threshold is a lower bound, except for the metrics in UPPER_BOUNDS.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

THRESHOLDS_FILE = Path("tests/eval/thresholds.toml")
UPPER_BOUNDS = frozenset({"false_refusal_rate"})


@dataclass(frozen=True)
class GateCheck:
    """One metric against its threshold."""

    metric: str
    value: float | None
    bound: float
    upper: bool

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        return self.value <= self.bound if self.upper else self.value >= self.bound


def load_thresholds(path: Path, dataset: Path) -> dict[str, float]:
    """The numeric thresholds for `dataset` (empty when the file or its table is missing)."""
    if not path.is_file():
        return {}
    table = tomllib.loads(path.read_text(encoding="utf-8")).get(dataset.stem, {})
    return {k: float(v) for k, v in table.items() if isinstance(v, int | float)}


def check_gate(summary: dict, thresholds: dict[str, float]) -> list[GateCheck]:
    return [
        GateCheck(metric, summary.get(metric), bound, metric in UPPER_BOUNDS)
        for metric, bound in thresholds.items()
    ]
