"""Prompt caching through the real client and orchestrator, against loopback fakes.

Anthropic: the fake refuses more than 4 breakpoints (as the API does) and bills like
Anthropic's caching, so a long session shows the breakpoints stay few and roll, the cache
counts are decoded, and SolCoder's cost equals the server's bill. OpenAI-style: the session id
goes out as `prompt_cache_key` only to a provider the catalog says accepts it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace

import pytest

from solcoder.agent.orchestrator import AgentOptions, Orchestrator
from solcoder.agent.prompts import SYSTEM_PROMPT
from solcoder.llm.catalog.pricing import cost_usd
from solcoder.llm.catalog.providers import builtin_spec
from solcoder.llm.events import Completed
from solcoder.llm.messages import CacheTtl, Message, PromptCache, Usage
from solcoder.llm.providers.client import LLMClient
from solcoder.tools.toolkits import default_registry
from tests.support.anthropic_cache import AnthropicCacheBilling
from tests.support.fake_llm_server import FakeLLMServer
from tests.support.fake_wire import Reply, ToolCallReply
from tests.transport.harness import FAKE_KEY, FAST

MODEL = "claude-sonnet-4-5"


@dataclass
class Session:
    usages: list[Usage]
    billing: AnthropicCacheBilling

    @property
    def solcoder_usd(self) -> float:
        total = 0.0
        for usage in self.usages:
            price = cost_usd("anthropic", MODEL, usage, api="messages")
            assert price is not None
            total += price
        return total


def tool_turn(turn: int) -> tuple[Reply, Reply]:
    """One turn with a tool round trip: the model searches the notes, then answers."""
    arguments = json.dumps({"query": f"derive a PDA with seeds, question {turn}"})
    return (
        Reply(tool_calls=(ToolCallReply("search_notes", arguments, id=f"toolu_{turn}"),)),
        Reply(text=f"Answer {turn}: use find_program_address with the seeds."),
    )


def run_session(turns: int, cache: PromptCache | None) -> Session:
    billing = AnthropicCacheBilling()
    replies = [reply for turn in range(turns) for reply in tool_turn(turn)]
    anthropic = builtin_spec("anthropic")
    assert anthropic is not None
    with FakeLLMServer(*replies, responder=billing, lifetime=120.0) as server:
        spec = replace(anthropic, base_url=server.base_url("messages"))
        client = LLMClient(spec, model=MODEL, api_key=FAKE_KEY, timeouts=FAST, max_retries=0)
        options = AgentOptions(system=SYSTEM_PROMPT, max_output_tokens=1024, cache=cache)
        orchestrator = Orchestrator(client, default_registry(), options)
        usages: list[Usage] = []

        async def drive() -> None:
            history: list[Message] = []
            try:
                for turn in range(turns):
                    async for event in orchestrator.run_turn(history, f"Question {turn}?"):
                        if isinstance(event, Completed):
                            usages.append(event.usage)
            finally:
                await client.aclose()

        asyncio.run(drive())
    assert len(usages) == 2 * turns == len(billing.charges)
    return Session(usages, billing)


def test_a_30_turn_session_with_tools_never_sends_more_than_4_breakpoints() -> None:
    session = run_session(30, PromptCache(key="s-1"))
    counts = session.billing.breakpoint_counts
    assert len(counts) == 60
    assert max(counts) <= 4
    assert set(counts) == {3}  # last tool, system prompt, newest message
    # The rolling breakpoint hits: from the second request on, the prefix is read back.
    assert session.usages[0].cache_read == 0 and session.usages[0].cache_write > 0
    assert all(usage.cache_read > 0 for usage in session.usages[1:])
    # What the decoder reported is what the server charged for.
    for usage, charge in zip(session.usages, session.billing.charges, strict=True):
        assert (usage.input, usage.cache_read, usage.cache_write) == (
            charge.input,
            charge.cache_read,
            charge.cache_write,
        )


@pytest.mark.parametrize("ttl", ["5m", "1h"])
def test_caching_cuts_the_cost_of_a_10_turn_session(ttl: CacheTtl) -> None:
    cached = run_session(10, PromptCache(key="s-1", ttl=ttl))
    uncached = run_session(10, None)
    assert set(uncached.billing.breakpoint_counts) == {0}
    assert all(usage.cache_read == usage.cache_write == 0 for usage in uncached.usages)
    # SolCoder's price (genai-prices' rates) equals the bill of a server charging like Anthropic.
    for session in (cached, uncached):
        assert session.solcoder_usd == pytest.approx(session.billing.total_usd, rel=1e-9)
    saved = 1 - cached.solcoder_usd / uncached.solcoder_usd
    print(
        f"\n10 turns, ttl {ttl}: caching on ${cached.solcoder_usd:.6f}, "
        f"off ${uncached.solcoder_usd:.6f}, saved {saved:.1%}; "
        f"input {sum(u.input for u in cached.usages)}, "
        f"read {sum(u.cache_read for u in cached.usages)}, "
        f"write {sum(u.cache_write for u in cached.usages)}, "
        f"uncached input {sum(u.input for u in uncached.usages)}"
    )
    assert cached.solcoder_usd < uncached.solcoder_usd


@pytest.mark.parametrize(("provider", "sent"), [("openai", True), ("groq", False)])
def test_the_cache_key_goes_only_to_providers_that_accept_it(
    server: FakeLLMServer, provider: str, sent: bool
) -> None:
    base = builtin_spec(provider)
    assert base is not None
    server.enqueue(Reply(text="hi"))
    spec = replace(base, base_url=server.base_url("chat"))
    request_cache = PromptCache(key="session-42")
    from solcoder.llm.messages import Request

    request = Request(model="m", messages=(Message.user("hi"),), cache=request_cache)
    with LLMClient(spec, model="m", api_key=FAKE_KEY, timeouts=FAST) as client:
        client.complete(request)
    body = server.requests[-1].json
    assert body.get("prompt_cache_key") == ("session-42" if sent else None)
