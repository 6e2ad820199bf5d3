"""Middleware implements the declared provider interface by name (no `__getattr__`), so a
member the CLI or a wrapper needs is reachable through any stack of wrappers, and one
accumulator (`PartialReply`) folds a reply cut short."""

from __future__ import annotations

import pytest

from solcoder.errors import UsageError
from solcoder.llm.catalog.providers import ProviderSpec
from solcoder.llm.events import Completed, TextDelta, ThinkingDelta, ToolCallDelta, ToolCallStart
from solcoder.llm.messages import Message, Usage
from solcoder.llm.partial import PartialReply
from solcoder.llm.providers.base import Provider
from solcoder.llm.providers.client import LLMClient
from solcoder.llm.providers.scripted import ScriptedProvider
from solcoder.llm.transport.stats import CallStats
from solcoder.middleware.base import Middleware
from solcoder.middleware.budget import BudgetedProvider, SessionBudget
from solcoder.middleware.recording import RecordingProvider
from solcoder.secret import Secret


class _Queue:
    def submit(self, job: object) -> None:
        return None


def _declared_members() -> set[str]:
    return {
        name for name in vars(Provider) if not name.startswith("_") and name not in {"register"}
    }


def test_the_interface_declares_what_wrappers_and_the_cli_ask_for() -> None:
    assert _declared_members() >= {
        "name",
        "model",
        "spec",
        "last_stats",
        "context_window",
        "max_output",
        "astream",
        "discover",
        "set_api_key",
        "aclose",
    }


@pytest.mark.parametrize("wrapper", [Middleware, BudgetedProvider, RecordingProvider])
def test_no_wrapper_reaches_through_with_getattr(wrapper: type) -> None:
    assert not any("__getattr__" in vars(klass) for klass in wrapper.__mro__)
    missing = {name for name in _declared_members() if not hasattr(wrapper, name)}
    assert missing == set()


def _stack(inner: Provider) -> Provider:
    recorded = RecordingProvider(inner, _Queue())
    return BudgetedProvider(recorded, SessionBudget(None, None), inner.name, inner.model, 1000)


def test_every_declared_member_is_reachable_through_two_wrappers() -> None:
    client = LLMClient(
        ProviderSpec(
            name="llamacpp", api="chat", base_url="http://127.0.0.1:9/v1", requires_key=False
        ),
        model="m",
        api_key=None,
        context_window=4096,
    )
    client.last_stats = CallStats(provider="llamacpp", model="m", attempts=3)
    stacked = _stack(client)
    assert stacked.spec is client.spec
    assert stacked.last_stats is client.last_stats
    assert stacked.context_window == 4096
    stacked.set_api_key(Secret("sk-test-rotated-0123456789"))
    assert "sk-test-rotated-0123456789" not in repr(stacked)


def test_a_provider_without_a_key_says_so_through_the_wrappers() -> None:
    stacked = _stack(ScriptedProvider())
    assert stacked.spec.managed
    with pytest.raises(UsageError, match="uses no API key"):
        stacked.set_api_key(Secret("sk-test-unused-0123456789"))


def test_partial_reply_keeps_visible_text_apart_from_what_the_model_billed() -> None:
    reply = PartialReply()
    assert not reply
    for event in (
        ThinkingDelta("hmm "),
        TextDelta("Hello, "),
        ToolCallStart(0, "c1", "plan"),
        ToolCallDelta(0, '{"goal":'),
        TextDelta("world"),
    ):
        reply.feed(event)
    assert reply.text == "Hello, world"
    assert reply.streamed == 'Hello, worldhmm {"goal":'
    reply.feed(Completed(message=Message.assistant("x"), usage=Usage(1, 1), stop_reason="end"))
    assert not reply and reply.text == "" and reply.streamed == ""
