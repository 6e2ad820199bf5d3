"""Canary keys against the real CLI and the fake LLM server on loopback: a key the server echoes
(whole, split across SSE chunks, URL-encoded, base64 in both alphabets) in streamed text, tool
arguments and error bodies, cut in half by a dropped connection, and a password in the base
URL, appear nowhere: not on stdout or
stderr, not in `--json`, not in any file under SOLCODER_HOME (transcripts, telemetry, the debug
log, reports), not in `config list`."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, RecordedRequest, Reply
from tests.support.fake_wire import ToolCallReply

pytestmark = pytest.mark.e2e

# URL encoding changes "+", "/", "=" and ":", so the encoded form really differs from the key.
KEY = "sk-test-canary+e2e/Key=0123:456789abcdef"
PASSWORD = "pw-CANARY-e2e-77aa:x"  # ":" is not allowed unescaped in a password
URL_PASSWORD = quote(PASSWORD, safe="")
URL_FORMS = (quote(KEY, safe=""), quote(KEY), quote_plus(KEY))
BASE64_FORMS = (
    base64.b64encode(KEY.encode()).decode(),
    base64.urlsafe_b64encode(KEY.encode()).decode().rstrip("="),
    # Inside a longer encoded string, as in a Basic auth header.
    base64.b64encode(b"user:" + KEY.encode()).decode(),
)


def telltales() -> list[str]:
    """Pieces that only a leak can show: each form without the few characters a mask keeps
    (`sk-` and the last four), and the password."""
    pieces = [KEY[3:-4], KEY[3:18], URL_PASSWORD[:-4], PASSWORD[:-4]]
    pieces += [form[3:-4] for form in URL_FORMS]
    pieces += [form.rstrip("=")[6:-6] for form in BASE64_FORMS]
    return pieces


def leaks(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [piece for piece in telltales() if piece.encode() in data]


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=90) as running:
        yield running


def echo_text() -> str:
    return (
        f"Your key is {KEY}; quoted {URL_FORMS[0]} and {URL_FORMS[2]}; "
        f"encoded {BASE64_FORMS[0]} and {BASE64_FORMS[1]}; basic {BASE64_FORMS[2]}. Done."
    )


def test_canaries_appear_nowhere(run_cli: Run, server: FakeLLMServer, solcoder_home: Path) -> None:
    env = {"OPENAI_API_KEY": KEY}
    outputs: dict[str, str] = {}
    seen: list[RecordedRequest] = []

    def flags(base_url: str) -> list[str]:
        return [
            "--llm-provider",
            "openai",
            "--llm-base-url",
            base_url,
            "--llm-model",
            "fake-model",
            "--max-retries",
            "0",
        ]

    def run(label: str, *args: str, extra: dict[str, str] | None = None) -> None:
        result = run_cli(*args, env={**env, **(extra or {})})
        outputs[f"{label} (stdout)"] = result.stdout
        outputs[f"{label} (stderr)"] = result.stderr
        outputs[f"{label} (exit)"] = str(result.returncode)

    def scripted(
        label: str, replies: tuple[Reply, ...], *args: str, password: bool = False
    ) -> None:
        """One run against its own fake server holding exactly its replies, so the order of
        runs can never hand one run another's reply."""
        with FakeLLMServer(*replies) as own:
            base = own.base_url("chat")
            if password:
                base = base.replace("://", f"://me:{URL_PASSWORD}@", 1)
            run(label, *args, *flags(base))
            seen.extend(own.requests)

    arguments = json.dumps({"query": f"notes for {KEY} / {BASE64_FORMS[0]}"})
    for mode in ([], ["--json"]):
        label = "-p" + " ".join(mode)
        # The key split across SSE chunks (every 3 characters) in text and tool arguments.
        stream = (
            Reply(tool_calls=(ToolCallReply("search_notes", arguments, "c1"),), chunk_size=3),
            Reply(text=echo_text(), chunk_size=3),
        )
        scripted(f"{label} stream", stream, "-p", "hello", *mode, "--debug")
        assert outputs[f"{label} stream (exit)"] == "0", outputs[f"{label} stream (stderr)"]
        unauthorized = Reply(status=401, error_message=f"Incorrect API key provided: {echo_text()}")
        scripted(f"{label} 401", (unauthorized,), "-p", "hello", *mode)
        bad = Reply(status=400, error_message=f"Bad request for {KEY} ({URL_FORMS[1]})")
        scripted(f"{label} 400", (bad,), "-p", "hello", *mode, "--debug")
        # The connection drops in the middle of the echoed key (after 18 of its characters):
        # the half shown, kept in the history and written to the transcript is masked.
        dropped = Reply(text=f"Your key is {KEY} and more.", chunk_size=3, drop_after=11)
        scripted(f"{label} dropped", (dropped,), "-p", "hello", *mode)
        assert outputs[f"{label} dropped (exit)"] != "0"

    # A password in the base URL: the debug log (httpx's request line), config list, errors.
    scripted(
        "password stream",
        (Reply(text="ok", chunk_size=1),),
        "-p",
        "hello",
        "--debug",
        password=True,
    )
    assert outputs["password stream (exit)"] == "0", outputs["password stream (stderr)"]
    scripted(
        "password 500", (Reply(status=500),), "-p", "hello", "--debug", "--json", password=True
    )
    with_password = server.base_url("chat").replace("://", f"://me:{URL_PASSWORD}@", 1)
    for args in (
        ("config", "list"),
        ("config", "list", "--json"),
        ("config", "get", "llm.base_url"),
    ):
        run(" ".join(args), *args, extra={"SOLCODER_LLM_BASE_URL": with_password})
    assert "me:" in outputs["config list (stdout)"]  # the URL is shown, its password is not

    # What was recorded, viewed again.
    for args in (("sessions", "list"), ("logs",), ("logs", "--json"), ("stats", "--json")):
        run(" ".join(args), *args)
    session_ids = [
        line.split()[0] for line in outputs["sessions list (stdout)"].splitlines() if line.strip()
    ]
    for session_id in session_ids:
        run(f"show {session_id}", "sessions", "show", session_id)

    found = {label: leaks(text) for label, text in outputs.items() if leaks(text)}
    files = [path for path in solcoder_home.rglob("*") if path.is_file()]
    assert any(path.name == "debug.log" for path in files)
    assert any(path.name == "transcript.jsonl" for path in files)
    found |= {str(path): leaks(path.read_bytes()) for path in files if leaks(path.read_bytes())}
    assert not found, found
    # The key really was in play: the server saw it, and masks took its place on screen.
    assert any(KEY in request.headers.get("authorization", "") for request in seen)
    assert "Your key is sk-…cdef" in outputs["-p stream (stdout)"]
