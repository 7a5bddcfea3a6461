"""The news questions of the calibration (bench/calibrate.py) and of the events benchmark
(bench/eval_reader.py): a question whose sentence was taken out is labelled unanswerable only
when the rest of its article nowhere writes the answer, however that sentence writes a date."""

from __future__ import annotations

import sys

from tests.conftest import REPO_ROOT

sys.path.append(str(REPO_ROOT / "bench"))

from event_questions import still_said  # noqa: E402


def _still_said(kind: str, answer: str, text: str) -> bool:
    return still_said({"kind": kind, "answers": [answer]}, text)


def test_a_date_is_still_said_with_another_separator_or_time_of_day():
    for written in ("Ngày 6/5, đoàn trở về.", "Sáng 6.5 đoàn trở về.", "hôm 6 - 5", "(6-5)"):
        assert _still_said("when", "Chiều 6-5", written), written


def test_another_day_or_number_is_not_the_answer():
    for written in ("Ngày 16/5, đoàn trở về.", "Ngày 6/15", "năm 2006, 5 người", "lúc 6.50 triệu"):
        assert not _still_said("when", "Chiều 6-5", written), written
    assert not _still_said("how_many", "8", "18 cơ quan và 8,5 tỷ đồng")
    assert _still_said("how_many", "8", "gồm 8 cơ quan báo chí")


def test_a_place_is_matched_as_written():
    assert _still_said("where", "Hà Nội", "Về lại Hà Nội, ông cho biết.")
    assert not _still_said("where", "Hà Nội", "Tại Hà Nam, ông cho biết.")


def test_collected_features_are_reused_only_for_the_same_features_and_sets(tmp_path, monkeypatch):
    import numpy as np
    import pytest

    import calibrate

    rng = np.random.default_rng(0)
    made = {"first": (rng.normal(size=(3, 2)), np.array([1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0])),
            "second": (rng.normal(size=(2, 2)), np.array([0.0, 0.0]), np.array([0.0, 0.0]))}
    monkeypatch.setattr(calibrate, "collect", lambda pipeline, questions, features: made[questions])
    sets = [("first", None, "first", True), ("second", None, "second", False)]
    cache = tmp_path / "features.npz"
    calibrate.collect_sets(sets, ("a", "b"), cache, reuse=False)
    monkeypatch.setattr(calibrate, "collect", lambda *_: pytest.fail("collected again"))
    reused = calibrate.collect_sets(sets, ("a", "b"), cache, reuse=True)
    for (x, present, right), name in zip(reused, ("first", "second"), strict=True):
        assert np.array_equal(x, made[name][0]) and np.array_equal(present, made[name][1]) and np.array_equal(right, made[name][2])
    with pytest.raises(SystemExit, match="other features or sets"):
        calibrate.collect_sets(sets[:1], ("a", "b"), cache, reuse=True)
    with pytest.raises(SystemExit, match="other features or sets"):
        calibrate.collect_sets(sets, ("a", "c"), cache, reuse=True)
