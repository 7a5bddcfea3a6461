"""Start the web page: ``python app.py [--host HOST] [--port PORT] [--verbose]`` (default 127.0.0.1:7860).

``QA_HOST`` and ``QA_PORT`` set the defaults; the page is served on the local machine only
unless a host is given. The page answers at once: on the first start it shows the progress of
preparing the models and the sample index (a few minutes on two cores); later starts load
them in seconds. The log has one line per warning or error; ``--verbose``
adds the tracebacks of internal errors.
"""

from __future__ import annotations

import argparse
import logging
import os

from qa import web
from qa.logs import configure_logging


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=web.TITLE)
    parser.add_argument("--host", default=os.environ.get("QA_HOST", "127.0.0.1"), help="address to listen on")
    parser.add_argument("--port", type=int, default=int(os.environ.get("QA_PORT", "7860")), help="port to listen on")
    parser.add_argument("--verbose", action="store_true", help="log tracebacks of internal errors")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    configure_logging(level=logging.INFO, tracebacks=args.verbose)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if not web.sample_index_ready():
        print("Lần chạy đầu: đang chuẩn bị mô hình và chỉ mục mẫu; trang web hiện tiến độ. "
              "(First start: preparing the models and the sample index; the page shows the progress.)", flush=True)
    web.launch(host=args.host, port=args.port)


if __name__ == "__main__":
    main()
