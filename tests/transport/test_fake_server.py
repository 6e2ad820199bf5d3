"""The fake LLM server as the end-to-end tests will use it: a separate process driven by a
script file and its control endpoints, which stops by itself."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.support.fake_llm_server import spawn
from tests.transport.harness import REQUEST, call, make_client

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    script = tmp_path / "script.json"
    script.write_text(
        json.dumps(
            {
                "replies": [{"text": "from a script", "chunk_size": 3}],
                "default": {"status": 503},
                "lifetime": 30,
            }
        )
    )
    process, url = spawn(script)
    try:
        yield process, url
    finally:
        process.terminate()
        process.wait(10)


def test_scripted_process_answers_records_and_takes_more_replies(
    server_process: tuple[subprocess.Popen[str], str],
) -> None:
    _process, url = server_process
    outcome = call("sync", lambda: make_client(f"{url}/v1", "chat", max_retries=0))
    assert outcome.completed.message.text == "from a script"
    httpx2.post(f"{url}/__fake__/replies", json=[{"text": "queued later"}])
    outcome = call("async", lambda: make_client(url, "messages", max_retries=0))
    assert outcome.completed.message.text == "queued later"
    seen = httpx2.get(f"{url}/__fake__/requests").json()
    assert [entry["path"] for entry in seen] == ["/v1/chat/completions", "/v1/messages"]
    assert seen[1]["body"]["model"] == REQUEST.model
    assert seen[1]["headers"]["x-api-key"].startswith("sk-test-")
    # The queue is empty now: the script's default reply answers.
    outcome = call("async", lambda: make_client(f"{url}/v1", "responses", max_retries=0))
    assert outcome.error is not None
    assert outcome.error.status == 503


def test_the_process_stops_itself_after_its_lifetime() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_llm_server", "--port", "0", "--lifetime", "0.5"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.wait(60) == 0  # it ends by itself (the wait only stops a hang)
    finally:
        if process.poll() is None:
            process.kill()


def test_each_queued_reply_is_served_as_itself() -> None:
    """The fake server cached rendered bodies by `id(reply)`: a reply served and freed could
    lend its address, and its stale body, to one queued later, so a test got an earlier step's
    answer (seen twice in full runs). Replies queued one by one, each freed after it is
    served, must each come back as themselves."""
    from tests.support.fake_llm_server import FakeLLMServer, Reply

    with FakeLLMServer(lifetime=60) as server:
        for index in range(40):
            server.enqueue(Reply(text=f"reply number {index}"))
            outcome = call("async", lambda: make_client(server, "chat"))
            assert outcome.error is None, outcome.error
            assert outcome.completed.message.text == f"reply number {index}"
