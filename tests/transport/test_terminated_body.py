"""A finished answer whose body is never closed (a proxy holding the stream open) completes
promptly instead of failing with the idle timeout."""

from __future__ import annotations

import time

import pytest

from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS
from solcoder.llm.events import Completed
from solcoder.llm.messages import Message, Request
from solcoder.llm.providers.client import LLMClient
from solcoder.llm.transport.deadline import Timeouts
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import render_events

PROVIDER = {"chat": "openai", "responses": "openai", "messages": "anthropic"}


@pytest.mark.parametrize("api", ["chat", "responses", "messages"])
async def test_terminator_then_silence_completes(api: str) -> None:
    reply = Reply(text="all of it", chunk_size=3)
    events, _ = render_events(api, reply)
    stalled = Reply(text="all of it", chunk_size=3, stall_after=len(events), stall_seconds=120)
    with FakeLLMServer(stalled, lifetime=30) as server:
        spec = BUILTIN_PROVIDERS[PROVIDER[api]].with_overrides(
            base_url=server.base_url(api),
            api=api,  # type: ignore[arg-type]
        )
        client = LLMClient(
            spec,
            model="fake-model",
            api_key="sk-test-terminated",
            timeouts=Timeouts(idle=90, total=120),
            max_retries=0,
        )
        started = time.monotonic()
        try:
            completed = await client.acomplete(
                Request(model="fake-model", messages=(Message.user("hi"),))
            )
        finally:
            await client.aclose()
        assert isinstance(completed, Completed)
        assert completed.message.text == "all of it"
        assert time.monotonic() - started < 30  # at the terminator, not after the 90 s idle
