"""The web page (Gradio): ``launch(host=..., port=...)`` serves it, ``build_demo()`` builds it.

Modules, each using only those above it: ``escape``, ``highlight``, ``render`` (an answer as
the page shows it); ``indexes``, ``inputs``, ``errors``, ``state``, ``uploads``; ``handlers``
(what the events do); ``layout`` (the components, the CSS and the wiring).
"""

from __future__ import annotations

from qa.web.indexes import sample_index_ready
from qa.web.layout import TITLE, build_demo, launch
from qa.web.state import warm_up

__all__ = ["TITLE", "build_demo", "launch", "sample_index_ready", "warm_up"]
