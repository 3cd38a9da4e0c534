"""Build the answer model from the question sets (`flanders-assistant train-answerer`).

Every question of the training sets goes through the real pipeline up to retrieval; each
sentence of its passages becomes one row of features, labelled 1 when it holds the expected
facts of an answerable question. A sign-constrained logistic regression is fitted on train;
the refusal threshold is then chosen on train and dev, the extra-sentence threshold on dev,
never on test.
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
# The refusal thresholds tried.
THRESHOLDS = np.arange(0.1, 0.51, 0.025)
# The share of answerable questions a threshold may refuse: the refusal gates' bound
# (tests/eval/thresholds.toml). Utility alone (-1 for a wrong answer) would trade many
# answers for a few more refusals of unanswerable questions.
FALSE_REFUSAL_BUDGET = 0.08
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


@dataclass
class Outcome:
    """What the visitors of one language got at one threshold."""

    utility: float = 0.0
    questions: int = 0
    answerable: int = 0
    false_refusals: int = 0

    @property
    def mean_utility(self) -> float:
        return self.utility / self.questions if self.questions else 0.0

    @property
    def false_refusal_rate(self) -> float:
        return self.false_refusals / self.answerable if self.answerable else 0.0


def outcomes(assistant, questions: list[QuestionRows]) -> dict[str, Outcome]:
    """Per question language, the mean of what the visitor gets: the share of expected facts
    for an answer, 1 for refusing an unanswerable question, 0 for refusing an answerable one,
    and -1 for a wrong answer (an unanswerable question answered, or an answer with none of
    the expected facts): a wrong answer is worse than no answer. Also the false refusals."""
    found: dict[str, Outcome] = {}
    for question in questions:
        item = question.item
        answer = assistant.answer(item.question, item.history)
        outcome = found.setdefault(item.language, Outcome())
        outcome.questions += 1
        if not item.answerable:
            outcome.utility += 1.0 if answer.refused else -1.0
            continue
        outcome.answerable += 1
        outcome.false_refusals += answer.refused
        if not answer.refused and item.must_include:
            share = len(found_terms(item.must_include, answer.text)) / len(item.must_include)
            outcome.utility += share if share else -1.0
    return found


def choose_threshold(sweep: dict[float, Outcome]) -> float:
    """The best-utility threshold among those that refuse at most FALSE_REFUSAL_BUDGET of the
    answerable questions (the lowest of equals: refuse no more than the data asks); the
    lowest threshold when none keeps to the budget."""
    allowed = {t: o for t, o in sweep.items() if o.false_refusal_rate <= FALSE_REFUSAL_BUDGET}
    if not allowed:
        return min(sweep)
    best = max(o.mean_utility for o in allowed.values())
    return min(t for t, o in allowed.items() if o.mean_utility >= best - 1e-9)


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
    sweeps: dict[str, dict[float, Outcome]] = {}
    try:
        # On train and dev together: dev alone (about 110 questions) leaves the utility
        # flat within a few questions over a wide range of thresholds.
        for threshold in THRESHOLDS:
            model.answer_threshold = round(float(threshold), 3)
            for language, outcome in outcomes(assistant, train_rows + dev_rows).items():
                sweeps.setdefault(language, {})[model.answer_threshold] = outcome
    finally:
        assistant.extractive.model = previous
    chosen = {language: choose_threshold(sweep) for language, sweep in sorted(sweeps.items())}
    model.answer_threshold = chosen.pop("en")
    model.language_thresholds = chosen
    model.report = {
        "train_questions": len(train_rows),
        "train_sentences": int(sum(len(q.labels) for q in train_rows)),
        "train_positive_share": round(
            float(np.mean(np.concatenate([q.labels for q in train_rows]))), 4
        ),
        "dev_questions": len(dev_rows),
        "train_dev_utility": {
            language: round(sweep[model.threshold(language)].mean_utility, 4)
            for language, sweep in sweeps.items()
        },
        "train_dev_false_refusals": {
            language: round(sweep[model.threshold(language)].false_refusal_rate, 4)
            for language, sweep in sweeps.items()
        },
        "threshold_sources": "answer thresholds, per question language: best utility on train "
        f"+ dev refusing at most {FALSE_REFUSAL_BUDGET:.0%} of the answerable questions; "
        f"extra_threshold: runner-up sentences on dev right at least {EXTRA_PRECISION:.0%} "
        "of the time",
    }
    model.save(out) if out else model.save()
    return model
