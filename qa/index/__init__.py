"""The searchable store of a corpus, one job per module, each importing only those above it:

``store`` atomic version folders; ``manifest`` the typed, versioned manifest; ``names`` where
indexes live and which exist; ``articles_file``, ``hits``, ``dense`` (FAISS) and ``lexical``
(BM25, kept in ``bm25_segments`` with token lookup by ``vocabulary``) the parts; ``corpus_index`` an opened index; ``opening`` open and check one;
``building`` write a new version; ``updating`` add and remove articles; ``retrieve`` fuse the
dense and BM25 candidates for a question.

Nothing is imported here, so importing one part does not load FAISS or bm25s.
"""
