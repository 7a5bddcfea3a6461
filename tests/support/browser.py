"""Helpers for the browser tests: run ``app.py`` on a free port, and drive Debian's chromium.

Chromium comes from the system (``apt-get install chromium``), never from ``playwright
install``; the tests skip when it is absent.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from qa.web.readiness import READY_LINE

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
STARTUP_SECONDS = 300  # the first start may build the embedding model and the sample index


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run, or None. Playwright itself is a test dependency."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install -y chromium chromium-driver)"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, *, ready: bool) -> None:
    """Until the page is served and, with ``ready``, the sample collection prepared (the page
    is served at once and shows the preparation's progress meanwhile)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    served = False
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with {process.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:
                served = served or response.status == 200
        if served and (not ready or READY_LINE in log.read_text(errors="replace")):
            return
        time.sleep(0.5)
    raise RuntimeError(f"app.py did not answer on {url} within {STARTUP_SECONDS} s:\n{log.read_text(errors='replace')[-4000:]}")


@contextlib.contextmanager
def running_app(log_dir: Path, *, env: dict[str, str] | None = None, ready: bool = True) -> Iterator[str]:
    """Start ``python app.py --port <free>`` and yield its URL, once ready unless told not to wait; stop it afterwards."""
    port = free_port()
    log = log_dir / f"app-{port}.log"
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    environment.pop("QA_HOST", None)
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=REPO_ROOT, env=environment,
                                   stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, process, log, ready=ready)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def chromium_page(*, width: int = 1400, height: int = 1000, touch: bool = False, failure_shot: Path | None = None):
    """A fresh page in headless system chromium (a touch screen with ``touch``); on an error, a
    screenshot to ``failure_shot``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="vi-VN", has_touch=touch)
            try:
                yield page
            except BaseException:
                if failure_shot is not None:
                    with contextlib.suppress(Exception):
                        save_screenshot(page, failure_shot.parent, failure_shot.stem)
                raise
        finally:
            browser.close()


def save_screenshot(page, tmp_dir: Path, name: str) -> Path:
    """Into the test's tmp dir, and into ``$QA_SCREENSHOT_DIR`` too when it is set."""
    path = tmp_dir / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    extra = os.environ.get("QA_SCREENSHOT_DIR")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)
    return path


def link_models(embeddings_dir: Path) -> None:
    """Give a temporary ``QA_EMBEDDINGS_DIR`` the already-built embedding model (a symlink, no copy)."""
    from qa.paths import models_dir

    source = models_dir()
    embeddings_dir.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        (embeddings_dir / "models").symlink_to(source.resolve(), target_is_directory=True)
