"""Issue 23 item 5: a 4,096-token window (llama.cpp's and Ollama's common default) works.

The reply reserve used to be the whole default `max_tokens` (4,096): every request was refused
before it was sent. The reserve is now bounded by the window, the request's `max_tokens` is
lowered to what is left, and compaction sizes with the same rule.
"""

from __future__ import annotations

from solcoder.agent.compaction import Compactor
from solcoder.llm.messages import Message, Request
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse
from solcoder.llm.tokens import estimate_request, reply_reserve
from solcoder.middleware.budget import BudgetedProvider, SessionBudget


def test_the_reserve_is_bounded_by_the_window() -> None:
    assert reply_reserve(4096, window=4096) == 1024
    assert reply_reserve(4096, window=128_000) == 4096
    assert reply_reserve(None, window=4096) == 1024
    assert reply_reserve(8000, window=None) == 8000
    assert reply_reserve(4096, window=128_000, max_output=2048) == 2048


async def test_a_turn_in_a_4k_window_is_sent_with_max_tokens_that_fit() -> None:
    inner = ScriptedProvider([ScriptedResponse(text="hi")])
    provider = BudgetedProvider(
        inner, SessionBudget(), "llamacpp", "small", reserve_output=4096, window=4096
    )
    system = "You are SolCoder. " * 150  # ~ a real system prompt with tools
    request = Request(model="small", messages=(Message.user("hello"),), system=system)
    prepared, estimate = provider.prepare(request)
    assert prepared.max_tokens is not None
    assert estimate + prepared.max_tokens <= 4096
    assert prepared.max_tokens >= 1024
    events = [event async for event in provider.astream(request)]
    assert events  # sent, not refused


def test_compaction_and_trimming_use_one_reserve() -> None:
    provider = ScriptedProvider()
    request = Request(model="m", messages=(), max_tokens=4096)
    compactor = Compactor()
    reserve = compactor.reserve(provider, request, window=4096)
    assert reserve == reply_reserve(4096, window=4096, max_output=provider.max_output)
    assert compactor.limit(4096, reserve, 0.8) <= 4096 - reserve


def test_estimate_request_is_unchanged_by_the_reserve() -> None:
    request = Request(model="m", messages=(Message.user("x"),))
    assert estimate_request(request) > 0


async def test_a_summary_longer_than_what_it_replaces_is_not_used() -> None:
    """`/compact` once reported 1.5k -> 1.6k tokens as a success; a summary that does not
    shrink the conversation is dropped and said so."""
    from solcoder.agent.events import Compacted, Notice

    long_summary = "detail " * 3000
    provider = ScriptedProvider(summarizer=lambda _request: ScriptedResponse(text=long_summary))
    history = [Message.user("hi"), Message.assistant("hello")]
    before = list(history)
    request = Request(model="m", messages=tuple(history))
    events = [e async for e in Compactor().compact(provider, history, request, trigger="manual")]
    assert not [e for e in events if isinstance(e, Compacted)]
    assert history == before
    assert any("not shorter" in e.text for e in events if isinstance(e, Notice))
