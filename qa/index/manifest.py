"""The manifest of an index: what it holds, what built it, and a checksum for every file.

One typed, frozen record, read and checked here and nowhere else, so code that uses an index
never guesses at a missing field. An index written in another format is refused with the
command that rebuilds it: read half-right, it would give wrong answers instead of an error.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Literal, get_args

from qa.errors import IndexCorruptError
from qa.index.store import sha256_file, write_json
from qa.ingest.chunking import ChunkSettings
from qa.models.embedder import ModelIdentity

FORMAT_VERSION = 4  # 4: BM25 in segments of term counts (bm25/segments.json), so updates index only what they add
READABLE_FORMATS = (3, 4)  # 3: every field required and typed; BM25 as one bm25s index of precomputed scores
MANIFEST_FILE = "manifest.json"
VectorIndexKind = Literal["IndexFlatIP", "IndexHNSWFlat"]


@dataclass(frozen=True)
class Counts:
    articles: int
    chunks: int
    sentences: int
    dated_articles: int


@dataclass(frozen=True)
class StoredFile:
    """One file of the index (path relative to its folder) and what opening checks it against."""

    path: str
    bytes: int
    sha256: str

    def problem(self, folder: Path, *, checksum: bool) -> str | None:
        """What is wrong with this file in ``folder``, or None.

        The size costs one ``stat``; the checksum reads the whole file, so the caller says
        whether it is worth it.
        """
        path = folder / self.path
        if not path.is_file():
            return "is missing"
        size = path.stat().st_size
        if size != self.bytes:
            return f"has {size} bytes, expected {self.bytes} (truncated?)"
        if checksum and sha256_file(path) != self.sha256:
            return "does not match its checksum (corrupted)"
        return None


@dataclass(frozen=True)
class Manifest:
    name: str
    model: ModelIdentity
    chunking: ChunkSettings
    corpus_fingerprint: str  # of the articles' ids and texts: tells whether a corpus is indexed as is
    counts: Counts
    vector_index: VectorIndexKind
    sources: tuple[str, ...]  # the paths it was built from, for the rebuild command
    created_at: str
    updated_at: str
    build_seconds: float
    build_stages_seconds: tuple[tuple[str, float], ...]  # embedding includes tokenising and model
    files: tuple[StoredFile, ...]

    @property
    def size_bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    def to_json(self) -> dict[str, object]:
        return {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "model": self.model.to_dict(),
            "chunking": self.chunking.to_dict(),
            "corpus_fingerprint": self.corpus_fingerprint,
            "counts": asdict(self.counts),
            "vector_index": self.vector_index,
            "sources": list(self.sources),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "build_seconds": self.build_seconds,
            "build_stages_seconds": dict(self.build_stages_seconds),
            "files": {f.path: {"bytes": f.bytes, "sha256": f.sha256} for f in self.files},
        }

    @classmethod
    def from_json(cls, data: object) -> Manifest:
        """Raises ``BadField`` naming the first field that is missing or not what it should be."""
        top = _Fields(data)
        model, chunking, counts = top.object("model"), top.object("chunking"), top.object("counts")
        vector_index = top.text("vector_index")
        if vector_index not in get_args(VectorIndexKind):
            raise BadField("vector_index", f"one of {', '.join(get_args(VectorIndexKind))}")
        try:
            settings = ChunkSettings(**{f.name: chunking.whole(f.name) for f in fields(ChunkSettings)})
        except ValueError as exc:
            raise BadField("chunking", f"valid chunk settings ({exc})") from None
        files = top.object("files")
        stages = top.object("build_stages_seconds")
        return cls(
            name=top.text("name"),
            model=ModelIdentity(model.text("name"), model.text("fingerprint"), model.whole("dimension"), model.text("backend")),
            chunking=settings,
            corpus_fingerprint=top.text("corpus_fingerprint"),
            counts=Counts(**{f.name: counts.whole(f.name) for f in fields(Counts)}),
            vector_index=vector_index,
            sources=top.texts("sources"),
            created_at=top.text("created_at"),
            updated_at=top.text("updated_at"),
            build_seconds=top.number("build_seconds"),
            build_stages_seconds=tuple((name, stages.number(name)) for name in stages.keys()),
            files=tuple(StoredFile(path, files.object(path).whole("bytes"), files.object(path).text("sha256"))
                        for path in files.keys()),
        )


class BadField(Exception):
    """A manifest field that is missing or not what it should be, by its dotted name."""

    def __init__(self, field: str, wanted: str) -> None:
        super().__init__(f"field {field} is missing or not {wanted}")


class _Fields:
    """Typed reads from one JSON object of the manifest; ``at`` is its dotted place in the whole."""

    def __init__(self, data: object, at: str = "") -> None:
        if not isinstance(data, dict):
            raise BadField(at.rstrip(".") or "(the whole file)", "an object")
        self._data, self._at = data, at

    def _value(self, key: str, kinds: type | tuple[type, ...], wanted: str) -> object:
        value = self._data.get(key)
        if isinstance(value, bool) or not isinstance(value, kinds):  # JSON true is no number
            raise BadField(self._at + key, wanted)
        return value

    def keys(self) -> list[str]:
        return list(self._data)

    def text(self, key: str) -> str:
        return self._value(key, str, "text")

    def whole(self, key: str) -> int:
        return self._value(key, int, "a whole number")

    def number(self, key: str) -> float:
        return float(self._value(key, (int, float), "a number"))

    def texts(self, key: str) -> tuple[str, ...]:
        values = self._value(key, list, "a list of texts")
        if not all(isinstance(v, str) for v in values):
            raise BadField(self._at + key, "a list of texts")
        return tuple(values)

    def object(self, key: str) -> _Fields:
        return _Fields(self._data.get(key), f"{self._at}{key}.")


def rebuild_hint(target: Path, sources: Sequence[str] = ()) -> str:
    return f"rebuild it with: qa index build {' '.join(sources) or 'PATH...'} --name {target.name}"


def _hint_sources(data: dict) -> tuple[str, ...]:
    """The sources an unreadable manifest names, if it names them well enough to print."""
    sources = data.get("sources")
    return tuple(sources) if isinstance(sources, list) and all(isinstance(s, str) for s in sources) else ()


def read_manifest(folder: Path, *, target: Path) -> Manifest:
    """The manifest of the version in ``folder`` of the index published as ``target``."""
    try:
        data = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"index {target}: {MANIFEST_FILE} is missing or damaged ({exc}); {rebuild_hint(target)}") from None
    if not isinstance(data, dict):
        raise IndexCorruptError(f"index {target}: {MANIFEST_FILE} is not a JSON object; {rebuild_hint(target)}")
    hint = rebuild_hint(target, _hint_sources(data))
    version = data.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise IndexCorruptError(f"index {target}: {MANIFEST_FILE} has no format_version; {hint}")
    if version not in READABLE_FORMATS:
        readable = " and ".join(map(str, READABLE_FORMATS))
        raise IndexCorruptError(f"index {target.name}: format {version}, this version reads {readable}; {hint}")
    try:
        return Manifest.from_json(data)
    except BadField as exc:
        raise IndexCorruptError(f"index {target}: {MANIFEST_FILE} {exc}; {hint}") from None


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Written last, through a temporary file: a version without it is unfinished."""
    write_json(folder / MANIFEST_FILE, manifest.to_json())
