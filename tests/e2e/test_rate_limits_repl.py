"""The REPL under a pseudo-terminal against a rate-limiting local server: a wait counts down
on a status line, `/status` shows the announced limits and the session budget, and a
`/config set` rebuild of the provider keeps the budget's count."""

from __future__ import annotations

from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, clean_environment
from tests.support.fake_llm_server import FakeLLMServer, RateLimitRule, Reply

pytestmark = pytest.mark.e2e

KEY = "sk-test-e2e-ratelimit-repl-0123"
PROMPT = "you ›"


def test_repl_counts_down_a_wait_and_shows_limits_and_budget(solcoder_home: Path) -> None:
    rule = RateLimitRule(requests=1, window_s=2.5)
    env = clean_environment(
        solcoder_home,
        {
            "PROMPT_TOOLKIT_NO_CPR": "1",
            "TERM": "xterm",
            "OPENAI_API_KEY": KEY,
            "SOLCODER_LLM_MAX_SESSION_TOKENS": "500000",
        },
    )
    env.pop("NO_COLOR", None)
    with FakeLLMServer(lifetime=60, rate_limit=rule, default=Reply(text="pong")) as server:
        args = [
            "--llm-provider",
            "openai",
            "--llm-base-url",
            server.base_url("chat"),
            "--llm-model",
            "fake-model",
        ]
        child = pexpect.spawn(
            SOLCODER, args, env=env, encoding="utf-8", timeout=60, dimensions=(40, 120)
        )
        try:
            child.expect(PROMPT)
            child.sendline("first")
            child.expect("pong")
            child.expect(PROMPT)
            child.sendline("second")
            child.expect(r"0 of 1 requests left; waiting \d s for the reset")
            child.expect("pong")
            child.expect(PROMPT)
            child.sendline("/status")
            child.expect(r"rate limits[^\n]*requests 0/1 left")
            child.expect(r"budget[^\n]*36 of 500,000 tokens")
            child.expect(PROMPT)
            child.sendline("/config set llm.timeout 120")  # rebuilds the provider
            # The message wraps between words at the terminal width (120 columns here), each
            # line in its own colour.
            child.expect(r"Now using(?:\s|\x1b\[[0-9;]*m)+openai · fake-model")
            child.expect(PROMPT)
            child.sendline("/status")
            child.expect(r"budget[^\n]*36 of 500,000 tokens")
            child.expect(PROMPT)
            child.sendline("/exit")
            child.expect(pexpect.EOF)
        finally:
            child.close()
        assert server.rate_limited == 0
