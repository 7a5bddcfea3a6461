"""A calibration answers only for the features and settings it was fitted with, and labels an
answer's trust at its two thresholds."""

from __future__ import annotations

import pytest

from qa.answer.calibration import CALIBRATION_VERSION, Calibration, Logistic
from qa.answer.rules import RuleSettings, RulesReader
from qa.errors import ModelFormatError


def _calibration(**overrides) -> Calibration:
    present = Logistic(weights={"a": 2.0, "b": -1.0}, bias=0.5, threshold=0.5)
    right = Logistic(weights={"a": 1.0, "b": 0.0}, bias=-1.0, threshold=0.5)
    fields = {"reader": "test", "present": present, "right": right, "settings": {"window": 3}}
    return Calibration(**{**fields, **overrides})


def test_probability_is_the_logistic_of_the_weighted_features():
    # z = 0.5 + 2 * 1 - 1 * 2.5 = 0 -> 0.5
    assert _calibration().probability({"a": 1.0, "b": 2.5}) == pytest.approx(0.5)


def test_a_renamed_feature_is_an_error_not_a_zero_weight():
    with pytest.raises(ModelFormatError, match="features"):
        _calibration().probability({"a": 1.0, "renamed": 2.5})


def test_settings_other_than_those_fitted_are_refused():
    calibration = _calibration()
    calibration.check({"a", "b"}, {"window": 3})
    with pytest.raises(ModelFormatError, match="window"):
        calibration.check({"a", "b"}, {"window": 4})


def test_an_older_calibration_file_is_refused_with_how_to_refit():
    with pytest.raises(ModelFormatError, match="refit"):
        Calibration.from_dict({"format_version": 1, "weights": {}, "bias": 0, "threshold": 0.5})
    # Format 2 held the "present" model alone, with no model of whether the answer is right.
    two = {"format_version": 2, "reader": "neural", "weights": {"a": 1.0}, "bias": 0.0, "threshold": 0.34, "settings": {}}
    with pytest.raises(ModelFormatError, match="format 2, expected 3.*refit"):
        Calibration.from_dict(two, source="calibration-neural.json")


def test_a_file_of_the_current_format_missing_a_model_is_refused_not_a_key_error():
    data = _calibration().to_dict()
    del data["right"]
    assert data["format_version"] == CALIBRATION_VERSION
    with pytest.raises(ModelFormatError, match="right.*refit"):
        Calibration.from_dict(data)


def test_two_models_over_different_features_are_refused():
    data = _calibration().to_dict()
    data["right"]["weights"] = {"a": 1.0, "c": 0.0}
    with pytest.raises(ModelFormatError, match="different features"):
        Calibration.from_dict(data)
    mismatched = _calibration(right=Logistic(weights={"a": 1.0}, bias=0.0, threshold=0.8))
    with pytest.raises(ModelFormatError, match=r"\(right\) has features"):
        mismatched.check({"a", "b"}, {"window": 3})


def test_a_round_trip_through_json_keeps_everything():
    calibration = _calibration(fitted_on="somewhere")
    assert Calibration.from_dict(calibration.to_dict()) == calibration


# --- the trust label at its thresholds ---------------------------------------------------------
# present: z = 0.5 + 2a - b, abstain below 0.5 (z < 0); right: z = a - 1, "answered" from 0.5
# (a >= 1). b moves only the "present" model.


@pytest.mark.parametrize(("features", "label"), [
    ({"a": 0.0, "b": 0.5}, "unsure"),  # present exactly at its threshold: not abstained
    ({"a": 0.0, "b": 0.51}, "not_found"),  # just below the abstention threshold
    ({"a": 1.0, "b": 0.0}, "answered"),  # right exactly at its threshold
    ({"a": 0.99, "b": 0.0}, "unsure"),  # right just below it
    ({"a": 3.0, "b": 6.6}, "not_found"),  # the answer looks right, but no answer seems present: abstain
])
def test_the_trust_label_follows_both_thresholds_at_their_boundaries(features, label):
    assert _calibration().trust(features) == label


def test_the_trust_label_refuses_a_renamed_feature():
    with pytest.raises(ModelFormatError, match="features"):
        _calibration().trust({"a": 1.0, "renamed": 2.5})


@pytest.mark.parametrize("reader", ["rules", "neural"])
def test_the_bundled_calibrations_match_their_readers_features(reader):
    """The shipped files were fitted with today's feature names and settings."""
    from qa.models.span_reader import SpanReader, SpanReaderSettings

    calibration = Calibration.bundled(reader)
    if reader == "rules":
        calibration.check(set(RulesReader.feature_names), RuleSettings().to_dict())
    else:
        calibration.check(set(SpanReader.feature_names), SpanReaderSettings().to_dict())


@pytest.mark.parametrize("reader", ["rules", "neural"])
def test_the_bundled_answered_threshold_sits_above_abstention(reader):
    """Fitted for 90 % right on the calibration questions: a threshold of 1.0 would mean none reached it."""
    calibration = Calibration.bundled(reader)
    assert 0.0 < calibration.right.threshold < 1.0
    assert calibration.present.threshold > 0.0
