"""What the dry run says while it waits and about token counts (issue 23 item 6).

`-p` showed "waiting for the model…" on a terminal but the dry run showed nothing while a slow
model loaded; and the offline dry run blamed "the server" for token counts that the offline
model, which is no server, never reports.
"""

from __future__ import annotations

from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, Run, clean_environment
from tests.support.fake_llm_server import FakeLLMServer, Reply

pytestmark = pytest.mark.e2e

KEY = "sk-test-dry-run-wait-0123456789"
WAITING = "waiting for the model"


def test_the_dry_run_on_a_terminal_says_it_is_waiting_for_the_model(
    solcoder_home: Path,
) -> None:
    server = FakeLLMServer(
        Reply(text="Hello from a slow model.", first_event_delay=1.2, repeat=5), lifetime=60
    )
    env = clean_environment(solcoder_home, {"TERM": "xterm", "OPENAI_API_KEY": KEY})
    env.pop("COLUMNS")
    args = ["--dry-run-llm", "--llm-provider", "openai", "--llm-model", "gpt-4.1-mini"]
    with server:
        args += ["--llm-base-url", server.base_url("chat")]
        child = pexpect.spawn(
            SOLCODER, args, env=env, encoding="utf-8", timeout=60, dimensions=(40, 120)
        )
        try:
            child.expect(pexpect.EOF)
            output = child.before or ""
        finally:
            child.close()
    before, _, _ = output.partition("Hello from a slow model.")
    assert WAITING in before, output


def test_the_offline_dry_run_does_not_blame_a_server_for_token_counts(run_cli: Run) -> None:
    result = run_cli("--dry-run-llm", "--offline-mode")
    assert result.returncode == 0, result.stderr
    assert "the offline model reports no token counts" in result.stdout
    assert "the server reported" not in result.stdout
