"""Every command that prints stored, file or server text, fed escape sequences, bidi overrides
and invisible characters: nothing a terminal would act on reaches stdout or stderr, and the
invisible characters are shown escaped (`<U+202E>`) instead of silently dropped.

The hostile text is planted where an attacker can put it: a model reply and a server error body
(the fake LLM server), a stored transcript (what a model wrote earlier), a telemetry row and a
config file (a cloned project's `.solcoder/config.toml`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from solcoder.llm.messages import Message, Text, ToolCall, ToolResult
from solcoder.sessions import SessionStore
from solcoder.telemetry.record import CallRecord
from solcoder.telemetry.store import TelemetryStore, database_path
from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply

pytestmark = pytest.mark.e2e

KEY = "sk-test-terminal-safety-0123456789"
TITLE = "\x1b]0;pwned-title\x07"
CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"
CLEAR = "\x1b[2J"
CSI_8BIT = "\x9b2J"
HOSTILE = f"A{TITLE}B{CLIPBOARD}C{CLEAR}D{CSI_8BIT}E\u202eF\u2066G\u200bH\ufeffI\u202cJ"

# Written out here rather than imported, so the test does not trust the code it checks.
FORBIDDEN = {
    *(chr(code) for code in range(0x20) if chr(code) not in "\n\t"),
    *(chr(code) for code in range(0x7F, 0xA0)),
    *(chr(code) for code in range(0x202A, 0x202F)),
    *(chr(code) for code in range(0x2066, 0x206A)),
    *(chr(code) for code in range(0x200B, 0x2010)),
    "\u2060",
    "\ufeff",
}


def unsafe(label: str, output: str) -> list[str]:
    """What in `output` a terminal would act on, as `label: [U+001B, ...]` (empty when safe)."""
    found = sorted({f"U+{ord(char):04X}" for char in output if char in FORBIDDEN})
    return [f"{label}: {found}"] if found else []


def assert_terminal_safe(label: str, output: str) -> None:
    problems = unsafe(label, output)
    assert not problems, f"{problems} reached the terminal:\n{output!r}"


def strings(data: object) -> Iterator[str]:
    """Every string in JSON-like `data`, keys included."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from strings(value)
    elif isinstance(data, list):
        for item in data:
            yield from strings(item)


def toml_string(text: str) -> str:
    """A TOML basic string holding `text` exactly (every non-alphanumeric character escaped)."""
    return '"' + "".join(char if char.isalnum() else f"\\u{ord(char):04x}" for char in text) + '"'


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=90) as running:
        yield running


def plant_session(home: Path) -> str:
    with SessionStore(home).create("openai", "gpt-4.1-mini") as session:
        session.append_message(Message.user(f"question {HOSTILE}"))
        session.append_message(
            Message(
                "assistant",
                (
                    Text(f"reply {HOSTILE}"),
                    ToolCall("c1", "search_notes", json.dumps({"query": HOSTILE})),
                ),
            )
        )
        session.append_message(
            Message("tool", (ToolResult("c1", f"result {HOSTILE}", name="search_notes"),))
        )
        session.append_message(Message.assistant(f"final {HOSTILE}"))
        session.end_turn()
    return session.id


def plant_telemetry(home: Path) -> None:
    with TelemetryStore.open(database_path(home)) as store:
        store.insert(
            [
                CallRecord(
                    started_at=time.time(),
                    provider=f"evil{HOSTILE}",
                    model=f"model{HOSTILE}",
                    outcome="ok",
                    session_id=f"session{HOSTILE}",
                    turn=1,
                    latency=0.5,
                    time_to_first_token=0.1,
                    input_tokens=3,
                    output_tokens=4,
                    response_model=f"served{HOSTILE}",
                ),
                CallRecord(
                    started_at=time.time(),
                    provider=f"evil{HOSTILE}",
                    model=f"model{HOSTILE}",
                    outcome=f"bad_request{HOSTILE}",
                    http_status=400,
                    latency=0.2,
                ),
            ]
        )


def test_stored_and_file_text_cannot_drive_the_terminal(run_cli: Run, solcoder_home: Path) -> None:
    session_id = plant_session(solcoder_home)
    plant_telemetry(solcoder_home)
    (solcoder_home / "config.toml").write_text(
        f'[providers.evil]\nbase_url = "http://127.0.0.1:9/v1"\napi = "chat"\n'
        f"model = {toml_string('m' + HOSTILE)}\nmodels = [{toml_string('m' + HOSTILE)}]\n",
        encoding="utf-8",
    )
    commands = [
        ("sessions", "show", session_id),
        ("sessions", "list"),
        ("sessions", "list", "--json"),
        ("replay", session_id),
        ("replay", session_id, "--json"),
        ("logs",),
        ("logs", "--json"),
        ("stats",),
        ("stats", "--json"),
        ("models", "--provider", "evil"),
        ("models", "--provider", "evil", "--json"),
        ("config", "list"),
        ("config", "list", "--json"),
        ("--llm-provider", "evil", "--llm-api-key", KEY, "-p", "hi", "--max-retries", "0"),
        ("--debug", "--llm-provider", "evil", "--llm-api-key", KEY, "-p", "hi"),
        ("--debug", "models", "--provider", "evil"),
    ]
    problems: list[str] = []
    for args in commands:
        result = run_cli(*args)
        label = " ".join(args)
        problems += unsafe(f"{label} (stdout)", result.stdout)
        problems += unsafe(f"{label} (stderr)", result.stderr)
        if args[:2] == ("sessions", "show"):
            assert result.returncode == 0, result.stderr
            # Shown, visibly: the reader can tell the text is not what it looks like.
            assert "reply A]0;pwned-titleB" in result.stdout
            assert "E<U+202E>F<U+2066>G<U+200B>H<U+FEFF>I<U+202C>J" in result.stdout
        shows_planted = args[0] != "config" and "-p" not in args
        if shows_planted and "pwned-title" not in result.stdout + result.stderr:
            problems.append(f"{label}: the planted text was not shown at all")
        if args[-1] == "--json" and shows_planted and result.returncode == 0:
            # Still JSON, still the same text for a script (the escapes are JSON's).
            text = result.stdout
            parsed = (
                [json.loads(line) for line in text.splitlines()]
                if args[0] == "sessions"
                else json.loads(text)
            )
            decoded = "\n".join(strings(parsed))
            assert TITLE in decoded and "E\u202eF" in decoded, label
    debug_log = (solcoder_home / "logs" / "debug.log").read_text(encoding="utf-8")
    assert "pwned-title" in debug_log  # the planted model name was logged, escaped
    problems += unsafe("debug.log", debug_log)
    assert not problems, "\n".join(problems)


def test_server_text_cannot_drive_the_terminal(
    run_cli: Run, server: FakeLLMServer, solcoder_home: Path
) -> None:
    flags = [
        "--llm-provider",
        "openai",
        "--llm-base-url",
        server.base_url("chat"),
        "--llm-model",
        "fake-model",
        "--max-retries",
        "0",
    ]
    env = {"OPENAI_API_KEY": KEY}
    server.enqueue(
        Reply(
            tool_calls=(ToolCallReply("search_notes", json.dumps({"query": HOSTILE}), "c1"),),
            chunk_size=3,
        ),
        Reply(text=f"streamed {HOSTILE} end", chunk_size=3, model=f"m{HOSTILE}"),
    )
    streamed = run_cli("-p", "hello", *flags, env=env)
    assert streamed.returncode == 0, streamed.stderr
    assert_terminal_safe("-p stdout", streamed.stdout)
    assert_terminal_safe("-p stderr", streamed.stderr)
    assert "E<U+202E>F<U+2066>G" in streamed.stdout
    assert "search_notes(" in streamed.stderr

    server.enqueue(Reply(status=400, error_message=f"bad model {HOSTILE}"))
    failed = run_cli("-p", "hello", *flags, env=env)
    assert failed.returncode != 0
    assert "bad model" in failed.stderr
    assert_terminal_safe("error stdout", failed.stdout)
    assert_terminal_safe("error stderr", failed.stderr)
    assert "E<U+202E>F" in failed.stderr

    server.enqueue(Reply(status=400, error_message=f"bad model {HOSTILE}"))
    failed_json = run_cli("-p", "hello", "--json", *flags, env=env)
    assert_terminal_safe("--json error stdout", failed_json.stdout)
    assert_terminal_safe("--json error stderr", failed_json.stderr)
    assert any(json.loads(line).get("type") == "error" for line in failed_json.stdout.splitlines())

    # A malformed response: a failure report is saved (tests/unit/test_terminal.py checks one
    # that quotes hostile bytes).
    server.enqueue(Reply(raw_body=f"data: {HOSTILE} is not JSON\n\n"))
    malformed = run_cli("-p", "hello", *flags, env=env)
    assert malformed.returncode == 6, malformed.stderr
    assert_terminal_safe("malformed stderr", malformed.stderr)
    [report] = (solcoder_home / "reports").iterdir()
    saved = report.read_text(encoding="utf-8")
    assert_terminal_safe("report file", saved)

    # The dry run's summary quotes the model too (a server of its own per run, so a reply left
    # over by one run cannot answer the next).
    for mode in ([], ["--json"]):
        dry_replies = (
            Reply(text=f"hello {HOSTILE}", chunk_size=4),
            Reply(tool_calls=(ToolCallReply("plan", json.dumps({"goal": HOSTILE}), "c1"),)),
            Reply(text=f"planned {HOSTILE}", chunk_size=4),
        )
        with FakeLLMServer(*dry_replies, lifetime=60) as dry_server:
            dry_flags = [*flags[:2], "--llm-base-url", dry_server.base_url("chat"), *flags[4:]]
            dry = run_cli("--dry-run-llm", *mode, *dry_flags, env=env)
        assert dry.returncode == 0, dry.stdout + dry.stderr
        assert "pwned-title" in dry.stdout + dry.stderr
        assert_terminal_safe(f"dry run {mode} stdout", dry.stdout)
        assert_terminal_safe(f"dry run {mode} stderr", dry.stderr)


def test_a_cloned_projects_config_cannot_drive_the_terminal(run_cli: Run, tmp_path: Path) -> None:
    project = tmp_path / "cloned"
    (project / ".solcoder").mkdir(parents=True)
    (project / ".solcoder" / "config.toml").write_text(
        f"[llm]\nprovider = {toml_string('evil' + HOSTILE)}\n", encoding="utf-8"
    )
    problems: list[str] = []
    for args in (("-p", "hi"), ("-p", "hi", "--debug"), ("config", "get", "llm.provider")):
        result = run_cli(*args, cwd=project)
        label = " ".join(args)
        problems += unsafe(f"{label} (stdout)", result.stdout)
        problems += unsafe(f"{label} (stderr)", result.stderr)
        assert "pwned-title" in result.stdout + result.stderr, label
        if "--debug" in args:
            assert "Traceback" in result.stderr and result.returncode == 2, result.stderr
    assert not problems, "\n".join(problems)
