"""Start the web page: ``python app.py [--host HOST] [--port PORT]`` (default 127.0.0.1:7860).

``QA_HOST`` and ``QA_PORT`` set the defaults. The first start builds the sample index (a
minute at most); later starts load it in a few seconds.
"""

from __future__ import annotations

import argparse
import logging
import os

from qa import webui


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=webui.TITLE)
    parser.add_argument("--host", default=os.environ.get("QA_HOST", "127.0.0.1"), help="address to listen on")
    parser.add_argument("--port", type=int, default=int(os.environ.get("QA_PORT", "7860")), help="port to listen on")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if webui.sample_index_ready():
        print("Đang nạp chỉ mục mẫu… / loading the sample index…", flush=True)
    else:
        print("Đang xây dựng chỉ mục mẫu… / building the sample index…", flush=True)
    webui.warm_up()
    webui.build_demo().launch(**webui.launch_options(args.host, args.port))


if __name__ == "__main__":
    main()
