"""The running app (``python app.py``): many users at once, hostile uploads, where it listens.

One app over the shared sample index and the real default model serves every test here. The
load test asks each question alone first, then has 20 users, each with their own
``gradio_client`` session, ask 10 questions at once: every answer must come back whole and
exactly as it did alone. Throughput and latency are measured by ``bench/load_gradio.py``.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from qa.eval.gold import contains_any, load_gold
from qa.web.uploads import MAX_UPLOAD_MB

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # the shared app alone may take 300 s to start

USERS, QUESTIONS_EACH = 20, 10
CONTRACT_KEYS = {"question", "text", "sentence", "abstained", "confidence", "citations", "question_type", "language",
                 "resolved_date", "alternatives", "notes"}


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False)


def _user(url: str, questions: list[str], results: list, errors: list) -> None:
    """One user: their own session, their questions one after another."""
    try:
        client = _client(url)
        for question in questions:
            results.append((question, client.predict(question, api_name="/ask")))
    except Exception as exc:  # every failure is collected and reported, none is swallowed
        errors.append(f"{type(exc).__name__}: {exc}")


def test_twenty_users_at_once_get_what_one_user_gets(sample_app):
    url = sample_app["url"]
    gold = {g.question: g for g in load_gold() if g.answers}
    pool = list(gold)[:50]
    # At each step the 20 users ask 20 different questions (7 and 50 share no factor).
    plans = [[pool[(7 * user + i) % len(pool)] for i in range(QUESTIONS_EACH)] for user in range(USERS)]
    alone_client = _client(url)
    alone = {q: alone_client.predict(q, api_name="/ask") for q in {q for plan in plans for q in plan}}
    correct_alone = {q for q, a in alone.items() if not a["abstained"] and contains_any(a["text"], gold[q].answers)}
    # The comparison below is about right answers, mostly; the answers' own floors are in
    # tests/eval/test_gold_sample.py (the span reader holds about 58 % of these).
    assert len(correct_alone) >= 0.5 * len(alone)

    results, errors = [], []
    threads = [threading.Thread(target=_user, args=(url, plan, results, errors)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == [] and not any(t.is_alive() for t in threads)
    assert len(results) == USERS * QUESTIONS_EACH
    for question, answer in results:
        assert CONTRACT_KEYS <= set(answer) and answer["citations"], question
        assert answer == alone[question], question  # whole and identical: nothing mixed up between users
    correct = sum(not a["abstained"] and contains_any(a["text"], gold[q].answers) for q, a in results)
    assert correct == sum(q in correct_alone for q, _ in results)


def test_errors_reach_the_user_as_one_message_without_a_traceback(sample_app):
    from gradio_client.exceptions import AppError

    client = _client(sample_app["url"])
    for arguments, expected in [((" ",), "Hãy nhập câu hỏi"), (("Ai?", 5, "2022-13-45"), "không hợp lệ"),
                                (("Ai?", 5, "", "", "../../etc"), "Không có chỉ mục"), (("Ai?", 99), "Số nguồn")]:
        with pytest.raises(AppError) as raised:
            client.predict(*arguments, api_name="/ask")
        message = str(raised.value)
        assert expected in message and "Traceback" not in message and 'File "' not in message, message


def _upload(url: str, name: str, content: bytes) -> httpx.Response:
    return httpx.post(f"{url}gradio_api/upload", files=[("files", (name, content, "application/octet-stream"))], timeout=60)


def test_an_upload_named_with_dots_and_slashes_stays_in_the_upload_folder(sample_app):
    uploads = Path(sample_app["uploads"]).resolve()
    outside = [uploads.parent / "evil.jsonl", uploads.parent.parent / "evil.jsonl", Path.cwd() / "evil.jsonl"]
    for name in ("../../evil.jsonl", "..\\..\\evil.jsonl", "/tmp/../evil.jsonl", "%2e%2e%2fevil.jsonl"):
        response = _upload(sample_app["url"], name, b'{"text": "x"}\n')
        assert response.status_code == 200, response.text
        (stored,) = response.json()
        assert Path(stored).resolve().is_relative_to(uploads), stored
        assert Path(stored).read_bytes() == b'{"text": "x"}\n'
    assert not any(path.exists() for path in outside)


def test_uploads_over_the_size_limit_are_refused(sample_app):
    uploads = Path(sample_app["uploads"])
    response = _upload(sample_app["url"], "big.jsonl", b"x" * (MAX_UPLOAD_MB * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert not list(uploads.rglob("big.jsonl"))
    assert _upload(sample_app["url"], "small.jsonl", b"x" * 1024).status_code == 200


# Addresses as the kernel's socket tables spell them (hex, little-endian words).
_ADDRESSES = {"0100007F": "127.0.0.1", "00000000": "0.0.0.0", "0" * 32: "::", "0" * 24 + "01000000": "::1"}


def _listening(port: int) -> set[str]:
    """Local addresses listening on ``port``, read from /proc/net/tcp and tcp6."""
    found = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        for row in table.read_text().splitlines()[1:] if table.exists() else []:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(_ADDRESSES.get(address, address))
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the Linux socket table")
def test_the_app_listens_on_the_loopback_address_only(sample_app):
    port = int(sample_app["url"].rstrip("/").rsplit(":", 1)[1])
    assert _listening(port) == {"127.0.0.1"}
