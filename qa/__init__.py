"""Cited extractive answers over Vietnamese news articles.

    from qa import ask, Assistant
    answer = ask("Ai chủ trì hội nghị tổng kết công tác năm 2022?")
"""

from .answer import Answer, Citation
from .assistant import Assistant, ask

__all__ = ["Answer", "Assistant", "Citation", "ask"]
