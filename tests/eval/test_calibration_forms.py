"""Per-form thresholds of the calibration (bench/calibrate.py): a question typed in English or
without diacritics gets its own cut, written as the weight of its form's feature, so that one
form's scores do not decide how often another abstains or is labelled "answered"; so do fact
questions (a person, a date, a place, a count), and each source of questions is held to the bar."""

from __future__ import annotations

import sys

import numpy as np
from hypothesis import given, settings, strategies as st

from qa.answer.calibration import Logistic
from tests.conftest import REPO_ROOT

sys.path.append(str(REPO_ROOT / "bench"))

from calibrate import NEVER, form_abstention_weights, form_answered_weights, form_rows, logits  # noqa: E402

FEATURES = ("score", "english", "no_diacritics")


def _questions(rng: np.random.Generator, n: int, shift: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of (score, english, no_diacritics) for n questions of each form; answerable ones score
    higher, and each form's scores are moved by ``shift``."""
    rows, present = [], []
    for form, marks in (("", (0, 0)), ("english", (1, 0)), ("no_diacritics", (0, 1))):
        answerable = rng.random(n) < 0.5
        score = rng.normal(np.where(answerable, 1.5, -1.5), 1.0) + shift.get(form, 0.0)
        rows.append(np.column_stack([score, np.full(n, marks[0]), np.full(n, marks[1])]))
        present.append(answerable.astype(float))
    return np.vstack(rows), np.concatenate(present)


def _below(model: Logistic, x: np.ndarray) -> np.ndarray:
    return logits(model, x, FEATURES) < np.log(model.threshold / (1 - model.threshold))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(-3, 3), st.floats(-3, 3), st.sampled_from([0.05, 0.1, 0.2]))
def test_each_form_abstains_on_at_most_its_share_of_answerable_questions(seed, english_shift, bare_shift, share):
    x, present = _questions(np.random.default_rng(seed), 400, {"english": english_shift, "no_diacritics": bare_shift})
    start = Logistic(weights={"score": 1.0, "english": 0.0, "no_diacritics": 0.0}, bias=0.0, threshold=0.5)
    fitted = form_abstention_weights(start, x, present, FEATURES, max_wrongly_abstained=share)
    assert fitted.weights["score"] == 1.0 and fitted.threshold == 0.5 and fitted.bias == 0.0
    below = _below(fitted, x)
    for name, rows in form_rows(x, FEATURES).items():
        answerable = rows & (present == 1)
        if name:  # at most the share, and not far below it
            assert share - 0.02 <= np.mean(below[answerable]) <= share
    assert fitted.weights["english"] != 0.0 or english_shift == 0.0


def test_a_form_whose_answers_are_never_right_enough_is_never_labelled_answered():
    rng = np.random.default_rng(3)
    x, _ = _questions(rng, 300, {})
    rows = form_rows(x, FEATURES)
    right = np.where(rows["english"], 0.0, (x[:, 0] > 0).astype(float))  # English answers: always wrong
    model = Logistic(weights={"score": 1.0, "english": 0.0, "no_diacritics": 0.0}, bias=0.0, threshold=0.6)
    fitted = form_answered_weights(model, x, right, np.ones(len(x), dtype=bool), FEATURES, target=0.9)
    assert fitted.weights["english"] == NEVER
    labelled = ~_below(fitted, x)
    assert not labelled[rows["english"]].any()
    bare = labelled & rows["no_diacritics"]
    assert bare.any() and right[bare].mean() >= 0.9


def test_each_source_and_kind_of_question_abstains_on_at_most_its_share_of_answerable_ones():
    """Two sources, one whose answerable questions score low; fact questions that score high
    whether answerable or not. Each (source, kind) keeps its answerable questions, and the fact
    questions get a cut of their own, above the one the low source needs."""
    from calibrate import abstention_cuts

    rng = np.random.default_rng(7)
    features = ("score", "english", "no_diacritics", "asks_fact")
    blocks, present, sources = [], [], []
    for source, fact, answerable_mean, unanswerable_mean in (("hard", 0, 0.0, -2.0), ("easy", 0, 2.0, -2.0), ("easy", 1, 5.0, 2.0)):
        answerable = rng.random(500) < 0.5
        score = rng.normal(np.where(answerable, answerable_mean, unanswerable_mean), 1.0)
        blocks.append(np.column_stack([score, np.zeros(500), np.zeros(500), np.full(500, fact)]))
        present.append(answerable.astype(float))
        sources.append(np.full(500, source))
    x, present, sources = np.vstack(blocks), np.concatenate(present), np.concatenate(sources)
    start = Logistic(weights={"score": 1.0, "english": 0.0, "no_diacritics": 0.0, "asks_fact": 0.0}, bias=0.0, threshold=0.5)
    fitted = abstention_cuts(start, 1 / (1 + np.exp(-logits(start, x, features))), x, present, features, sources=sources,
                             max_wrongly_abstained=0.1)
    below = logits(fitted, x, features) < np.log(fitted.threshold / (1 - fitted.threshold))
    fact = x[:, 3] == 1
    for rows in (sources == "hard", (sources == "easy") & ~fact, fact):
        assert np.mean(below[rows & (present == 1)]) <= 0.1
    assert np.mean(below[(sources == "hard") & (present == 1)]) >= 0.05  # the hard source sets the shared cut
    assert np.mean(below[fact & (present == 0)]) > 0.6  # with the shared cut alone, almost none
