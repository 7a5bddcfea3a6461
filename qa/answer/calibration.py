"""The answer's confidence: a logistic model over a reader's named features, and the
threshold below which the assistant abstains.

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

from qa.errors import ModelFormatError

CALIBRATION_VERSION = 2


@dataclass(frozen=True)
class Calibration:
    reader: str
    weights: Mapping[str, float]
    bias: float
    threshold: float
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
        return cls(reader=data["reader"], weights=data["weights"], bias=data["bias"], threshold=data["threshold"],
                   settings=data.get("settings", {}), fitted_on=data.get("fitted_on", ""))

    def to_dict(self) -> dict:
        return {"format_version": CALIBRATION_VERSION, "reader": self.reader, "fitted_on": self.fitted_on,
                "weights": dict(self.weights), "bias": self.bias, "threshold": self.threshold, "settings": dict(self.settings)}

    def check(self, feature_names: set[str], settings: Mapping[str, float]) -> None:
        """Refuse features or settings other than those this calibration was fitted with."""
        if feature_names != set(self.weights):
            raise ModelFormatError(f"calibration of reader {self.reader!r} has features {sorted(self.weights)}, the reader "
                                   f"gives {sorted(feature_names)}; refit with bench/calibrate.py")
        changed = {k for k in set(settings) | set(self.settings) if settings.get(k) != self.settings.get(k)}
        if changed:
            raise ModelFormatError(f"reader {self.reader!r} settings {sorted(changed)} differ from those calibrated; "
                                   "refit with bench/calibrate.py")

    def probability(self, features: Mapping[str, float]) -> float:
        if set(features) != set(self.weights):
            self.check(set(features), self.settings)
        z = self.bias + sum(self.weights[name] * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
