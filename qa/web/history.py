"""A conversation as turns, and the plain JSON the browser keeps of it across reloads.

The browser's copy comes back with every question and may be old (an earlier version of the
page) or edited by hand, so reading it never fails: a turn that does not parse is dropped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from qa.answer.followup import PreviousTurn, Resolution
from qa.answer.types import Alternative, Answer, Citation

MAX_TURNS = 30  # the browser's storage is a few megabytes; older turns are let go first
HISTORY_VERSION = 1


@dataclass(frozen=True)
class Turn:
    question: str  # as typed
    resolution: Resolution  # as asked
    index: str
    answer: Answer

    def previous(self) -> PreviousTurn:
        text = "" if self.answer.abstained else self.answer.text
        return PreviousTurn(self.resolution.question, text, self.answer.question_type)

    def to_json(self) -> dict:
        return {"question": self.question, "asked": self.resolution.question, "rule": self.resolution.rule,
                "index": self.index, "answer": self.answer.to_dict()}


def _known(kind: type, data: dict) -> dict:
    names = {f.name for f in dataclasses.fields(kind)}
    return {key: value for key, value in data.items() if key in names}


def _answer(data: dict) -> Answer:
    fields = _known(Answer, data)
    fields["citations"] = tuple(Citation(**_known(Citation, c)) for c in data.get("citations") or ())
    fields["alternatives"] = tuple(Alternative(**_known(Alternative, a)) for a in data.get("alternatives") or ())
    fields["notes"] = tuple(str(n) for n in data.get("notes") or ())
    return Answer(**fields)


def _turn(data: object) -> Turn | None:
    try:
        resolution = Resolution(str(data["asked"]), data.get("rule"))
        return Turn(str(data["question"]), resolution, str(data["index"]), _answer(data["answer"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def turns_from_json(stored: object) -> list[Turn]:
    """The turns the browser kept; anything unreadable is left out rather than failing the page."""
    if not isinstance(stored, dict) or stored.get("version") != HISTORY_VERSION:
        return []
    turns = [_turn(item) for item in stored.get("turns") or () if isinstance(item, dict)]
    return [turn for turn in turns if turn is not None][-MAX_TURNS:]


def turns_to_json(turns: Sequence[Turn]) -> dict:
    return {"version": HISTORY_VERSION, "turns": [turn.to_json() for turn in turns[-MAX_TURNS:]]}
