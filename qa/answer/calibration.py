"""How far an answer can be trusted: two logistic models over a reader's named features.

``present`` says whether the articles hold an answer at all; below its threshold the assistant
abstains ("not_found"). ``right`` says whether the short answer itself is right; at or above its
threshold the answer is labelled "answered", a threshold fitted so that such answers were right
at least 90 % of the time on the calibration questions. Between the two the answer is "unsure":
the articles seem to answer, but this span may not be it. Two models, because "the articles
hold an answer" was a poor guide to "this answer is right": a gold-price question got a wrong
"8" at 56 %.

Each reader has its own calibration file in ``qa/data/`` holding the feature names it was
fitted on and the settings it was fitted with. A reader whose features differ from the
file's is refused: a renamed feature would otherwise weigh nothing without a word.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from qa.answer.types import Trust
from qa.errors import ModelFormatError

CALIBRATION_VERSION = 3
MODELS = ("present", "right")


@dataclass(frozen=True)
class Logistic:
    """A logistic model over named features and the threshold its probability is compared with."""

    weights: Mapping[str, float]
    bias: float
    threshold: float

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.bias + sum(self.weights[name] * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_dict(self) -> dict:
        return {"weights": dict(self.weights), "bias": self.bias, "threshold": self.threshold}


@dataclass(frozen=True)
class Calibration:
    reader: str
    present: Logistic  # the articles hold an answer; below its threshold: abstain
    right: Logistic  # the short answer is right; at or above its threshold: "answered"
    settings: Mapping[str, float]  # the reader's settings when it was fitted
    fitted_on: str = ""

    @classmethod
    def bundled(cls, reader: str) -> Calibration:
        path = resources.files("qa") / "data" / f"calibration-{reader}.json"
        if not path.is_file():
            raise ModelFormatError(f"no calibration for reader {reader!r} ({path})")
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")), source=str(path))

    @classmethod
    def from_dict(cls, data: dict, *, source: str = "calibration") -> Calibration:
        if data.get("format_version") != CALIBRATION_VERSION:
            raise ModelFormatError(f"{source}: calibration format {data.get('format_version')!r}, expected "
                                   f"{CALIBRATION_VERSION}; refit it with bench/calibrate.py")
        try:
            models = {name: Logistic(weights=data[name]["weights"], bias=data[name]["bias"], threshold=data[name]["threshold"])
                      for name in MODELS}
            reader = data["reader"]
        except (KeyError, TypeError) as missing:
            raise ModelFormatError(f"{source}: calibration lacks {missing}; refit it with bench/calibrate.py") from None
        if set(models["present"].weights) != set(models["right"].weights):
            raise ModelFormatError(f"{source}: its two models have different features; refit it with bench/calibrate.py")
        return cls(reader=reader, settings=data.get("settings", {}), fitted_on=data.get("fitted_on", ""), **models)

    def to_dict(self) -> dict:
        return {"format_version": CALIBRATION_VERSION, "reader": self.reader, "fitted_on": self.fitted_on,
                "present": self.present.to_dict(), "right": self.right.to_dict(), "settings": dict(self.settings)}

    def check(self, feature_names: set[str], settings: Mapping[str, float]) -> None:
        """Refuse features or settings other than those this calibration was fitted with."""
        for name in MODELS:
            fitted = set(getattr(self, name).weights)
            if feature_names != fitted:
                raise ModelFormatError(f"calibration of reader {self.reader!r} ({name}) has features {sorted(fitted)}, "
                                       f"the reader gives {sorted(feature_names)}; refit with bench/calibrate.py")
        changed = {k for k in set(settings) | set(self.settings) if settings.get(k) != self.settings.get(k)}
        if changed:
            raise ModelFormatError(f"reader {self.reader!r} settings {sorted(changed)} differ from those calibrated; "
                                   "refit with bench/calibrate.py")

    def probability(self, features: Mapping[str, float]) -> float:
        """The answer's confidence: the probability that the articles hold an answer."""
        self._check_features(features)
        return self.present.probability(features)

    def trust(self, features: Mapping[str, float]) -> Trust:
        self._check_features(features)
        if self.present.probability(features) < self.present.threshold:
            return "not_found"
        return "answered" if self.right.probability(features) >= self.right.threshold else "unsure"

    def _check_features(self, features: Mapping[str, float]) -> None:
        if set(features) != set(self.present.weights):
            self.check(set(features), self.settings)
