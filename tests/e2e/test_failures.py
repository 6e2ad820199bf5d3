"""Failure handling end to end: the installed CLI against the fault-injecting local server.

For each fault: the exit code, the key words of the message, how many requests the server saw,
how long it took, and that the transcript kept the user's prompt and any partial reply. Then the
same faults with --offline-fallback, which completes the turn offline where the design says so.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, Reply

pytestmark = pytest.mark.e2e

KEY = "sk-test-failure-matrix-000111222"
PROMPT = "hello"
STREAM = "hello there, partial friend"


@dataclass(frozen=True)
class Fault:
    replies: tuple[Reply, ...]
    exit_code: int
    words: tuple[str, ...]
    requests: int
    partial: str | None = None
    min_seconds: float = 0.0
    env: dict[str, str] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    fallback: bool = False
    """Whether --offline-fallback completes this turn offline."""


FAULTS: dict[str, Fault] = {
    "400": Fault((Reply(status=400),), 2, ("refused the request", "400"), 1),
    "401": Fault((Reply(status=401),), 3, ("rejected the API key",), 1, fallback=True),
    "403": Fault((Reply(status=403),), 3, ("refused access",), 1),
    "404-model": Fault(
        (
            Reply(
                status=404,
                error_type="model_not_found",
                error_message="The model `gpt-4.1-mnii` does not exist",
            ),
        ),
        2,
        ("could not find the model", "Did you mean", "gpt-4.1-mini"),
        1,
    ),
    "413": Fault((Reply(status=413),), 2, ("too long",), 1),
    "429-retry-after-1s": Fault(
        (Reply(status=429, headers={"retry-after": "1"}), Reply(text="recovered")),
        0,
        (),
        2,
        min_seconds=1.0,
    ),
    "429-retry-after-120s": Fault(
        (Reply(status=429, headers={"retry-after": "120"}),),
        4,
        ("rate limiting", "120"),
        1,
        fallback=True,
    ),
    "500": Fault((Reply(status=500, repeat=2),), 5, ("500", "2 attempts"), 2, fallback=True),
    "503": Fault((Reply(status=503, repeat=2),), 5, ("503",), 2, fallback=True),
    "529": Fault((Reply(status=529, repeat=2),), 5, ("overloaded",), 2, fallback=True),
    "stall-before-first-token": Fault(
        (Reply(text=STREAM, first_event_delay=6, repeat=2),),
        5,
        ("first",),
        2,
        env={"SOLCODER_LLM_FIRST_EVENT_TIMEOUT": "0.5"},
        fallback=True,
    ),
    "stall-mid-stream": Fault(
        (Reply(text=STREAM, chunk_size=2, stall_after=4, stall_seconds=6),),
        5,
        ("idle",),
        1,
        partial="hello",
        env={"SOLCODER_LLM_IDLE_TIMEOUT": "0.5"},
        fallback=True,
    ),
    "drop-mid-stream": Fault(
        (Reply(text=STREAM, chunk_size=2, drop_after=4),),
        5,
        ("broke", "partial"),
        1,
        partial="hello",
    ),
    "slow-drip": Fault(
        (Reply(text=STREAM, drip_interval=0.25, repeat=2),),
        5,
        ("timeout",),
        1,
        flags=("--timeout", "1.5"),
        fallback=True,
    ),
    "malformed-json": Fault(
        (Reply(text=STREAM, chunk_size=2, malformed_at=3),),
        6,
        ("not JSON", "report"),
        1,
        partial="hell",
    ),
    "invalid-utf8": Fault(
        (Reply(text=STREAM, chunk_size=2, invalid_utf8_at=3),),
        6,
        ("UTF-8", "report"),
        1,
        partial="hell",
    ),
    "truncated": Fault(
        (Reply(text=STREAM, chunk_size=2, truncate=True),),
        5,
        ("ended before",),
        1,
        partial=STREAM,
    ),
}


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=60) as running:
        yield running


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def session_records(home: Path, stderr: str) -> list[dict[str, object]]:
    match = re.search(r"session (\d{8}-\d{6}-[0-9a-f]+)", stderr)
    assert match, stderr
    transcript = home / "sessions" / match.group(1) / "transcript.jsonl"
    return [json.loads(line) for line in transcript.read_text().splitlines()]


def transcript_text(records: list[dict[str, object]]) -> str:
    return json.dumps(records)


def run_fault(
    run_cli: Run, server: FakeLLMServer, fault: Fault, *extra: str, base_url: str | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    server.enqueue(*fault.replies)
    started = time.monotonic()
    result = run_cli(
        "-p",
        PROMPT,
        "--llm-provider",
        "openai",
        "--llm-base-url",
        base_url or server.base_url("chat"),
        "--max-retries",
        "1",
        *fault.flags,
        *extra,
        env={"OPENAI_API_KEY": KEY, **fault.env},
    )
    return result, time.monotonic() - started


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault(run_cli: Run, server: FakeLLMServer, solcoder_home: Path, name: str) -> None:
    fault = FAULTS[name]
    result, elapsed = run_fault(run_cli, server, fault)
    output = result.stdout + result.stderr
    assert result.returncode == fault.exit_code, output
    for word in fault.words:
        assert word in result.stderr, (word, result.stderr)
    assert "Traceback" not in output
    assert KEY not in output
    assert len(server.requests) == fault.requests
    # A lower bound is behaviour (a Retry-After was waited out); a hang is the test timeout's.
    assert elapsed >= fault.min_seconds
    records = session_records(solcoder_home, result.stderr)
    text = transcript_text(records)
    assert f'"text": "{PROMPT}"' in text
    if fault.partial:
        assert fault.partial in text
    if fault.exit_code:
        assert any(r["type"] == "error" for r in records)
        assert "--session" in result.stderr
    assert KEY not in text


def test_refused_connection(run_cli: Run, server: FakeLLMServer, solcoder_home: Path) -> None:
    fault = Fault((), 5, (), 0)
    url = f"http://127.0.0.1:{free_port()}/v1"
    result, _ = run_fault(run_cli, server, fault, base_url=url)
    assert result.returncode == 5
    assert "127.0.0.1" in result.stderr or "connect" in result.stderr.lower()
    assert f'"text": "{PROMPT}"' in transcript_text(session_records(solcoder_home, result.stderr))


FALLBACK_CASES = [name for name, fault in FAULTS.items() if fault.exit_code]


@pytest.mark.parametrize("name", FALLBACK_CASES)
def test_fault_with_offline_fallback(
    run_cli: Run, server: FakeLLMServer, solcoder_home: Path, name: str
) -> None:
    fault = FAULTS[name]
    result, _ = run_fault(run_cli, server, fault, "--offline-fallback")
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    records = session_records(solcoder_home, result.stderr)
    if fault.fallback:
        assert result.returncode == 0, output
        assert "offline mode" in result.stderr
        assert "Hello, world!" in result.stdout
        assert [r for r in records if r["type"] == "fallback"]
    else:
        assert result.returncode == fault.exit_code, output
        assert not [r for r in records if r["type"] == "fallback"]


def test_refused_connection_falls_back(run_cli: Run, server: FakeLLMServer) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    result, _ = run_fault(run_cli, server, Fault((), 0, (), 0), "--offline-fallback", base_url=url)
    assert result.returncode == 0, result.stderr
    assert "Hello, world!" in result.stdout


def test_dry_run_does_not_pass_on_a_fallback(run_cli: Run, server: FakeLLMServer) -> None:
    server.enqueue(Reply(status=401))
    result = run_cli(
        "--dry-run-llm",
        "--offline-fallback",
        "--llm-provider",
        "openai",
        "--llm-base-url",
        server.base_url("chat"),
        env={"OPENAI_API_KEY": KEY},
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "✗ configured provider answered" in result.stdout


def test_ctrl_c_during_a_prompt(run_cli: Run, server: FakeLLMServer, solcoder_home: Path) -> None:
    import os
    import signal

    from tests.e2e.conftest import SOLCODER, clean_environment

    server.enqueue(Reply(text=STREAM, chunk_size=2, event_delay=0.2))
    process = subprocess.Popen(
        [
            SOLCODER,
            "-p",
            PROMPT,
            "--json",
            "--llm-provider",
            "openai",
            "--llm-base-url",
            server.base_url("chat"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_environment(solcoder_home, {"OPENAI_API_KEY": KEY}),
    )
    assert process.stdout is not None
    seen: list[str] = []
    for line in process.stdout:
        seen.append(line)
        if '"text_delta"' in line:
            break
    time.sleep(0.3)
    os.kill(process.pid, signal.SIGINT)
    rest, err = process.communicate(timeout=20)
    out = "".join(seen) + rest
    assert process.returncode == 130, err
    assert "Traceback" not in err
    events = [json.loads(line) for line in out.splitlines()]
    assert events[-1]["type"] == "error"
    assert events[-1]["class"] == "cancelled"
    assert events[-1]["exit_code"] == 130
    text = transcript_text(session_records(solcoder_home, f"session {events_session(out)}"))
    assert f'"text": "{PROMPT}"' in text
    assert "he" in text


def events_session(out: str) -> str:
    return str(next(json.loads(line)["id"] for line in out.splitlines() if '"session"' in line))
