"""The learned answer scorer: a logistic regression over named features, stored as JSON.

JSON rather than a pickle: the file is small, readable (one weight per named feature), loads
with numpy alone and cannot run code. `flanders-assistant train-answerer` rebuilds it from
the question sets (see `assistant/answerers/training.py`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from assistant.answerers.features import FEATURE_NAMES

MODEL_FILE = Path(__file__).with_name("answer_model.json")


@dataclass
class AnswerModel:
    """P(sentence answers the question) = sigmoid(coef · standardised features + intercept).

    `answer_threshold`: the best sentence must reach it, or the question is refused;
    `language_thresholds` replaces it for questions in another language ("nl"), whose
    probabilities the English-only embedding model leaves lower.
    `extra_threshold`: a further sentence is added when it reaches it.
    `report` records the figures they were chosen on (see training.py).
    """

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    answer_threshold: float
    extra_threshold: float
    report: dict = field(default_factory=dict)
    language_thresholds: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if tuple(self.features) != FEATURE_NAMES:
            raise ValueError(
                "The answer model was trained on other features; rebuild it with "
                "`flanders-assistant train-answerer`."
            )
        self._mean = np.asarray(self.mean, dtype=np.float32)
        self._scale = np.asarray(self.scale, dtype=np.float32)
        self._coef = np.asarray(self.coef, dtype=np.float32)

    def threshold(self, language: str) -> float:
        """The probability a question in `language` needs to be answered."""
        return self.language_thresholds.get(language, self.answer_threshold)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """One probability per row of features."""
        if not len(rows):
            return np.zeros(0, dtype=np.float32)
        logits = ((rows - self._mean) / self._scale) @ self._coef + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))

    def save(self, path: Path = MODEL_FILE) -> None:
        document = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
        path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def untrained(cls) -> AnswerModel:
        """A model of today's features that weighs none of them: what training starts from
        when the features changed since the shipped model was fitted."""
        width = len(FEATURE_NAMES)
        return cls(list(FEATURE_NAMES), [0.0] * width, [1.0] * width, [0.0] * width, 0.0, 0.5, 0.5)

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> AnswerModel:
        return cls(**json.loads(path.read_text(encoding="utf-8")))
