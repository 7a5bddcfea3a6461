"""A calibration answers only for the features and settings it was fitted with."""

from __future__ import annotations

import pytest

from qa.answer.calibration import Calibration
from qa.answer.rules import RuleSettings, RulesReader
from qa.errors import ModelFormatError


def _calibration(**overrides) -> Calibration:
    fields = {"reader": "test", "weights": {"a": 2.0, "b": -1.0}, "bias": 0.5, "threshold": 0.5, "settings": {"window": 3}}
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


def test_a_round_trip_through_json_keeps_everything():
    calibration = _calibration(fitted_on="somewhere")
    assert Calibration.from_dict(calibration.to_dict()) == calibration


@pytest.mark.parametrize("reader", ["rules", "neural"])
def test_the_bundled_calibrations_match_their_readers_features(reader):
    """The shipped files were fitted with today's feature names and settings."""
    from qa.models.span_reader import SpanReader, SpanReaderSettings

    calibration = Calibration.bundled(reader)
    if reader == "rules":
        calibration.check(set(RulesReader.feature_names), RuleSettings().to_dict())
    else:
        calibration.check(set(SpanReader.feature_names), SpanReaderSettings().to_dict())
