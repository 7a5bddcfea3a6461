"""The web page (Gradio): ``launch(host=..., port=...)`` serves it, ``build_demo()`` builds it.

Modules, each using only those above it: ``escape``, ``highlight``, ``cards`` (an answer's
sources), ``history`` (the conversation the browser keeps), ``render`` (the conversation as
shown); ``indexes``, ``inputs``, ``errors``, ``readiness`` (the first start), ``state``,
``uploads``; ``handlers`` (what the events do); ``page_script`` (what runs in the browser);
``layout`` (the components and the wiring).
"""

from __future__ import annotations

from qa.web.indexes import sample_index_ready
from qa.web.layout import TITLE, build_demo, launch

__all__ = ["TITLE", "build_demo", "launch", "sample_index_ready"]
