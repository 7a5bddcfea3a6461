"""Sentence-aware chunks that keep their character offsets into the article text.

A chunk is a run of whole sentences of about ``target_words`` words; consecutive chunks
share ``overlap_sentences`` sentences so an answer near a boundary is whole in at least one
chunk. A single sentence longer than ``max_words`` is cut at word boundaries, so no chunk
outgrows what the embedding model reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

from qa.ingest.corpus import Article
from qa.ingest.text import sentence_spans, word_spans


@dataclass(frozen=True)
class ChunkSettings:
    target_words: int = 120
    overlap_sentences: int = 1
    max_words: int = 250

    def __post_init__(self) -> None:
        if self.target_words < 1:
            raise ValueError("target_words must be at least 1")
        if self.overlap_sentences < 0:
            raise ValueError("overlap_sentences must not be negative")
        if self.max_words < self.target_words:
            raise ValueError("max_words must be at least target_words")

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Chunk:
    article_id: str
    index: int
    start: int
    end: int
    text: str


def _pieces(text: str, *, max_words: int) -> list[tuple[int, int, int]]:
    """Sentence spans with their word counts; over-long sentences cut into word windows."""
    pieces = []
    for start, end in sentence_spans(text):
        words = list(word_spans(text[start:end]))
        if len(words) <= max_words:
            pieces.append((start, end, len(words)))
            continue
        for first in range(0, len(words), max_words):
            window = words[first : first + max_words]
            piece_end = end if first + max_words >= len(words) else start + words[first + max_words][0]
            while text[piece_end - 1].isspace():
                piece_end -= 1
            piece_start = start if first == 0 else start + window[0][0]
            pieces.append((piece_start, piece_end, len(window)))
    return pieces


def _groups(pieces: list[tuple[int, int, int]], settings: ChunkSettings) -> Iterator[tuple[int, int]]:
    """Index ranges [first, last) of pieces forming each chunk."""
    first = 0
    while first < len(pieces):
        last, words = first, 0
        while last < len(pieces) and (last == first or words + pieces[last][2] <= settings.target_words):
            words += pieces[last][2]
            last += 1
        yield first, last
        if last >= len(pieces):
            return
        # Repeat up to ``overlap_sentences`` whole sentences, fewer where the next new
        # sentence would not fit beside them; every chunk brings at least one new sentence.
        first = max(first + 1, last - settings.overlap_sentences)
        while first < last and sum(p[2] for p in pieces[first : last + 1]) > settings.target_words:
            first += 1


def chunk_article(article: Article, *, settings: ChunkSettings = ChunkSettings()) -> list[Chunk]:
    text = article.text
    pieces = _pieces(text, max_words=settings.max_words)
    chunks = []
    for index, (first, last) in enumerate(_groups(pieces, settings)):
        start, end = pieces[first][0], pieces[last - 1][1]
        chunks.append(Chunk(article.id, index, start, end, text[start:end]))
    return chunks


def chunk_articles(articles: Iterable[Article], *, settings: ChunkSettings = ChunkSettings()) -> Iterator[Chunk]:
    for article in articles:
        yield from chunk_article(article, settings=settings)
