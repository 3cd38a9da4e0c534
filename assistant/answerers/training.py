"""Build the answer model from the question sets (`flanders-assistant train-answerer`).

Every question of the training sets goes through the real pipeline up to retrieval; each
sentence of its passages becomes one row of features, labelled 1 when it holds the expected
facts of an answerable question. A sign-constrained logistic regression is fitted on train;
the refusal threshold and the extra-sentence threshold are then chosen on dev, never on test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answerers.features import FEATURE_NAMES, FEATURE_SIGNS, SentenceContext
from assistant.answerers.model import AnswerModel
from assistant.evaluation.dataset import EvalItem, load_dataset
from assistant.evaluation.metrics import found_terms

EVAL = Path("tests/eval")
# (file, split): the sets written with the answerer, and the train split of the visitor set.
TRAIN_SETS = (
    ("questions.jsonl", None),
    ("generalisation.jsonl", None),
    ("visitors.jsonl", "train"),
)
DEV_SET = ("visitors.jsonl", "dev")
REGULARISATION = 1.0
# A further sentence is worth adding when it is more likely right than wrong.
EXTRA_PRECISION = 0.5


@dataclass
class QuestionRows:
    """One question's candidate sentences, their features and labels."""

    item: EvalItem
    sentences: list[SentenceContext]
    rows: np.ndarray
    labels: np.ndarray


def label(item: EvalItem, sentence: str) -> int:
    """1 when the sentence holds at least half of the expected facts (one of one, one of two)."""
    if not item.answerable or not item.must_include:
        return 0
    return int(
        len(found_terms(item.must_include, sentence)) >= math.ceil(len(item.must_include) / 2)
    )


def collect(assistant, items: list[EvalItem]) -> list[QuestionRows]:
    """Features and labels of every candidate sentence of every question."""
    collected = []
    for item in items:
        prepared = assistant.prepare(item.question, item.history)
        sentences, rows = assistant.extractive.features(
            prepared.profile, prepared.hits, prepared.answer_vector
        )
        if not sentences:
            continue
        labels = np.array([label(item, s.sentence) for s in sentences], dtype=np.int8)
        collected.append(QuestionRows(item, sentences, rows, labels))
    return collected


def fit(questions: list[QuestionRows]) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Standardise the features and fit an L2-regularised logistic regression whose weights
    keep the signs of FEATURE_SIGNS: (mean, scale, coef, intercept)."""
    from scipy.optimize import minimize

    rows = np.vstack([q.rows for q in questions]).astype(np.float64)
    labels = np.concatenate([q.labels for q in questions]).astype(np.float64)
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    standard = (rows - mean) / scale
    width = standard.shape[1]

    def loss(weights: np.ndarray) -> tuple[float, np.ndarray]:
        logits = standard @ weights[:width] + weights[width]
        error = 1.0 / (1.0 + np.exp(-logits)) - labels
        penalty = 0.5 / REGULARISATION * float(weights[:width] @ weights[:width])
        value = float(np.sum(np.logaddexp(0.0, logits) - labels * logits)) + penalty
        gradient = standard.T @ error + weights[:width] / REGULARISATION
        return value, np.append(gradient, error.sum())

    bounds = [(0, None) if s > 0 else (None, 0) if s < 0 else (None, None) for s in FEATURE_SIGNS]
    result = minimize(
        loss,
        np.zeros(width + 1),
        jac=True,
        method="L-BFGS-B",
        bounds=[*bounds, (None, None)],
        options={"maxiter": 5000},
    )
    return mean, scale, result.x[:width], float(result.x[width])


def extra_threshold(model: AnswerModel, questions: list[QuestionRows]) -> float:
    """The lowest probability at which runner-up sentences are right at least half the time."""
    pairs = []
    for question in questions:
        probabilities = model.probabilities(question.rows)
        order = np.argsort(-probabilities)[1:3]
        pairs += [(float(probabilities[i]), int(question.labels[i])) for i in order]
    for threshold in np.arange(0.05, 0.96, 0.05):
        chosen = [right for p, right in pairs if p >= threshold]
        if chosen and sum(chosen) / len(chosen) >= EXTRA_PRECISION:
            return round(float(threshold), 2)
    return 0.95


def answer_utility(assistant, questions: list[QuestionRows]) -> float:
    """Mean over questions of what the visitor gets: the share of expected facts for an
    answer, 1 for refusing an unanswerable question, 0 for refusing an answerable one, and
    -1 for a wrong answer (an unanswerable question answered, or an answer with none of the
    expected facts): a wrong answer is worse than no answer."""
    total = 0.0
    for question in questions:
        item = question.item
        answer = assistant.answer(item.question, item.history)
        if not item.answerable:
            total += 1.0 if answer.refused else -1.0
        elif not answer.refused and item.must_include:
            share = len(found_terms(item.must_include, answer.text)) / len(item.must_include)
            total += share if share else -1.0
    return total / len(questions)


def train(assistant, out: Path | None = None, root: Path = EVAL) -> AnswerModel:
    """Fit on the training sets, calibrate on dev and save the model (to `out`, or over the
    shipped model file); `assistant` keeps answering with the model it had."""
    train_items = [i for name, split in TRAIN_SETS for i in load_dataset(root / name, split)]
    dev_items = load_dataset(root / DEV_SET[0], DEV_SET[1])
    train_rows = collect(assistant, train_items)
    dev_rows = collect(assistant, dev_items)
    mean, scale, coef, intercept = fit(train_rows)
    model = AnswerModel(
        features=list(FEATURE_NAMES),
        mean=[round(float(v), 6) for v in mean],
        scale=[round(float(v), 6) for v in scale],
        coef=[round(float(v), 6) for v in coef],
        intercept=round(intercept, 6),
        answer_threshold=0.5,
        extra_threshold=0.5,
    )
    model.extra_threshold = extra_threshold(model, dev_rows)
    previous, assistant.extractive.model = assistant.extractive.model, model
    sweep = {}
    try:
        for threshold in np.arange(0.05, 0.81, 0.025):
            model.answer_threshold = round(float(threshold), 3)
            sweep[model.answer_threshold] = answer_utility(assistant, dev_rows)
    finally:
        assistant.extractive.model = previous
    best = max(sweep.values())
    # The lowest threshold within a hair of the best: refuse no more than the data asks.
    model.answer_threshold = min(t for t, u in sweep.items() if u >= best - 1e-9)
    model.report = {
        "train_questions": len(train_rows),
        "train_sentences": int(sum(len(q.labels) for q in train_rows)),
        "train_positive_share": round(
            float(np.mean(np.concatenate([q.labels for q in train_rows]))), 4
        ),
        "dev_questions": len(dev_rows),
        "dev_utility": round(best, 4),
        "threshold_sources": "answer_threshold: best dev utility; extra_threshold: runner-up "
        f"sentences on dev right at least {EXTRA_PRECISION:.0%} of the time",
    }
    model.save(out) if out else model.save()
    return model
