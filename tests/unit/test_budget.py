"""History trimming, session budgets and the BudgetedProvider wrapper (scripted provider)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solcoder.agent.invariants import check_tool_pairing
from solcoder.agent.orchestrator import AgentOptions, Orchestrator
from solcoder.config import load_settings
from solcoder.errors import BudgetExceededError, ContextTooLongError
from solcoder.llm.events import Completed
from solcoder.llm.messages import Message, Request, ToolCall, ToolResult, Usage
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.llm.tokens import estimate_request
from solcoder.middleware.budget import (
    BudgetedProvider,
    SessionBudget,
    fit_history,
    format_tokens,
    wrap_for_budget,
)
from solcoder.tools.registry import ToolRegistry

MODEL = "gpt-4.1"
WORDS = "lorem ipsum dolor sit amet " * 40  # ~200 tokens


def exchange(number: int) -> list[Message]:
    arguments = json.dumps({"query": WORDS[:60]})
    call = ToolCall(f"call_{number}", "lookup", arguments)
    return [
        Message("assistant", (call,)),
        Message("tool", (ToolResult(f"call_{number}", WORDS, name="lookup"),)),
    ]


def conversation(turns: int) -> list[Message]:
    history: list[Message] = []
    for number in range(turns):
        history += [Message.user(f"question {number}: {WORDS}"), *exchange(number)]
        history.append(Message.assistant(f"answer {number}: {WORDS}"))
    return history


def fits(messages: tuple[Message, ...], window: int, reserve: int) -> bool:
    return estimate_request(Request(MODEL, messages)) <= window - reserve


def test_a_history_that_fits_is_returned_untouched() -> None:
    history = [*conversation(2), Message.user("next")]
    kept, dropped = fit_history(
        history, system=None, tools=(), window=100_000, reserve_output=4096, model=MODEL
    )
    assert kept == tuple(history)
    assert dropped == 0


def test_oldest_whole_turns_go_first_and_the_latest_prompt_stays() -> None:
    history = [*conversation(6), Message.user("the latest question")]
    total = estimate_request(Request(MODEL, tuple(history)))
    window = total // 2
    kept, dropped = fit_history(
        history, system="be brief", tools=(), window=window, reserve_output=500, model=MODEL
    )
    assert dropped > 0
    assert kept[-1] == Message.user("the latest question")
    assert kept[0].role == "user"  # trimming never leaves a reply without its question
    assert kept == tuple(history[dropped:])  # a suffix: oldest first, nothing from the middle
    assert dropped % 4 == 0  # whole turns (question, call, result, answer)
    check_tool_pairing(list(kept))
    assert estimate_request(Request(MODEL, kept, system="be brief")) <= window - 500


def test_inside_the_current_turn_old_exchanges_go_but_the_prompt_and_last_stay() -> None:
    prompt = Message.user("investigate")
    history = [prompt]
    for number in range(8):
        history += exchange(number)
    total = estimate_request(Request(MODEL, tuple(history)))
    kept, dropped = fit_history(
        history, system=None, tools=(), window=total // 3, reserve_output=100, model=MODEL
    )
    assert kept[0] == prompt
    assert kept[-2:] == tuple(history[-2:])  # the latest call with its result
    assert dropped % 2 == 0 and dropped > 0  # calls and results leave together
    check_tool_pairing(list(kept))


def test_context_too_long_when_even_the_latest_message_does_not_fit() -> None:
    huge = Message.user("x " * 50_000)
    with pytest.raises(ContextTooLongError) as caught:
        fit_history(
            [*conversation(1), huge],
            system="sys",
            tools=(),
            window=8_192,
            reserve_output=1_000,
            model="gpt-4",
        )
    error = caught.value
    assert "8,192-token context window of model gpt-4" in error.message
    assert "1,000 reserved for the reply" in error.message
    assert error.hint and "shorter message" in error.hint and "llm.max_output_tokens" in error.hint
    assert error.exit_code == 2


def test_budget_refuses_with_what_was_spent_and_how_to_raise_the_limit() -> None:
    budget = SessionBudget(max_tokens=10_000)
    budget.record(Usage(input=8_000, output=1_500), 0.01)
    budget.check(300, reserve_output=100)  # 9,900: still within
    with pytest.raises(BudgetExceededError) as caught:
        budget.check(300, reserve_output=4_096)
    message = str(caught.value)
    assert "used 9,500 of its 10,000-token budget" in message
    assert "about 300 input tokens plus up to 4,096 for the reply" in message
    assert "solcoder config set llm.max_session_tokens N" in message
    assert caught.value.exit_code == 2


def test_cost_budget_uses_the_estimated_price_and_ignores_unknown_prices() -> None:
    budget = SessionBudget(max_cost_usd=0.05)
    budget.record(1_000, 0.045)
    budget.check(10, cost_usd=0.004)
    budget.check(10, cost_usd=None)  # no price known: cannot be enforced
    with pytest.raises(BudgetExceededError, match=r"\$0\.0450 of its \$0\.05 budget"):
        budget.check(10, cost_usd=0.01)


def test_unlimited_budget_never_refuses() -> None:
    budget = SessionBudget(0, 0.0)
    assert not budget.limited
    budget.record(10**9, 1_000.0)
    budget.check(10**9, reserve_output=10**9, cost_usd=10**6)


def test_summary_for_the_toolbar() -> None:
    budget = SessionBudget()
    assert budget.summary() == "0 tok"
    budget.record(Usage(input=1_000, output=234), 0.003)
    assert budget.summary() == "1.2k tok · $0.003"
    budget.record(Usage(input=10, output=10), None)
    assert budget.summary() == "1.3k tok · $0.003+?"
    limited = SessionBudget(max_tokens=50_000)
    limited.record(Usage(input=20, output=5), None)
    assert limited.summary() == "25 tok/50.0k · $?"
    assert format_tokens(2_500_000) == "2.5M"


def registry() -> ToolRegistry:
    tools = ToolRegistry()

    @tools.tool(toolkit="test", effect="read_only")
    def lookup(query: str) -> str:
        """Look something up."""
        return f"found {query}"

    return tools


async def test_an_over_budget_session_is_refused_before_any_request_is_sent() -> None:
    inner = ScriptedProvider([ScriptedResponse(text="never sent")], name="openai", model=MODEL)
    budget = SessionBudget(max_tokens=500)
    provider = BudgetedProvider(inner, budget, "openai", MODEL, reserve_output=4_096)
    orchestrator = Orchestrator(provider, registry(), AgentOptions(max_output_tokens=4_096))
    history: list[Message] = []
    with pytest.raises(BudgetExceededError, match="max_session_tokens"):
        async for _event in orchestrator.run_turn(history, "hello"):
            pass
    assert inner.requests == []  # nothing left the machine
    assert budget.tokens == 0


async def test_spending_is_recorded_and_the_next_request_is_refused_once_over() -> None:
    inner = ScriptedProvider(
        [
            ScriptedResponse(
                text="looking", tool_calls=(ScriptedToolCall("lookup", {"query": "a"}),)
            ),
            ScriptedResponse(text="done", usage=Usage(input=900, output=50)),
        ],
        name="openai",
        model=MODEL,
    )
    budget = SessionBudget(max_tokens=2_000)
    provider = BudgetedProvider(inner, budget, "openai", MODEL, reserve_output=100)
    orchestrator = Orchestrator(provider, registry(), AgentOptions(max_output_tokens=100))
    history: list[Message] = []
    async for _event in orchestrator.run_turn(history, "find a"):
        pass
    assert len(inner.requests) == 2
    assert budget.calls == 2
    first = inner.requests[0]
    assert budget.tokens > 950  # the first call's estimated usage plus 900 + 50 reported
    with pytest.raises(BudgetExceededError):
        async for _event in orchestrator.run_turn(history, "x " * 1_000):
            pass
    assert len(inner.requests) == 2
    assert first.messages[0] == Message.user("find a")


async def test_requests_are_trimmed_to_the_window_before_they_are_sent() -> None:
    inner = ScriptedProvider([ScriptedResponse(text="ok")], name="openai", model="gpt-4")
    provider = BudgetedProvider(inner, SessionBudget(), "openai", "gpt-4", reserve_output=1_000)
    assert provider.window == 8_192
    history = (*conversation(12), Message.user("latest"))
    request = Request("gpt-4", history, max_tokens=1_000)
    events = [event async for event in provider.astream(request)]
    assert isinstance(events[-1], Completed)
    sent = inner.requests[0]
    assert 0 < len(sent.messages) < len(history)
    assert sent.messages[-1] == Message.user("latest")
    assert provider.dropped_messages == len(history) - len(sent.messages)
    assert estimate_request(sent) <= 8_192 - 1_000


async def test_the_wrapper_delegates_everything_else_to_the_inner_provider() -> None:
    inner = ScriptedProvider(name="openai", model=MODEL)
    inner.last_stats = "stats"  # type: ignore[attr-defined]
    provider = BudgetedProvider(inner, SessionBudget(), "openai", MODEL, reserve_output=10)
    assert provider.name == "openai"
    assert provider.model == MODEL
    assert provider.last_stats == "stats"
    await provider.aclose()


async def test_usage_missing_from_the_provider_is_estimated() -> None:
    inner = ScriptedProvider(
        [ScriptedResponse(text="hello there", usage=Usage())], name="ollama", model="llama3.2"
    )
    budget = SessionBudget()
    provider = BudgetedProvider(inner, budget, "ollama", "llama3.2", reserve_output=10)
    async for _event in provider.astream(Request("llama3.2", (Message.user("hi"),))):
        pass
    assert budget.tokens > 0
    assert budget.cost_usd == 0.0  # a local provider is free


def test_wrap_for_budget_leaves_unknown_unlimited_models_alone(tmp_path: Path) -> None:
    loaded = load_settings(environ={}, cwd=tmp_path, home=tmp_path / "home")
    offline = ScriptedProvider()
    assert wrap_for_budget(offline, loaded) is offline
    known = ScriptedProvider(name="openai", model="gpt-4o")
    wrapped = wrap_for_budget(known, loaded)
    assert isinstance(wrapped, BudgetedProvider)
    assert wrapped.window == 128_000
    assert wrapped.reserve_output == min(loaded.llm.max_output_tokens, 16_384)
    limited = dataclasses.replace(
        loaded, llm=dataclasses.replace(loaded.llm, max_session_tokens=1_000)
    )
    budgeted = wrap_for_budget(offline, limited)
    assert isinstance(budgeted, BudgetedProvider)
    assert budgeted.window is None  # unknown model: limits enforced, nothing trimmed
    assert budgeted.budget.max_tokens == 1_000


async def test_max_tokens_above_the_models_own_limit_is_lowered() -> None:
    inner = ScriptedProvider([ScriptedResponse(text="ok")], name="openai", model="gpt-4o")
    provider = BudgetedProvider(inner, SessionBudget(), "openai", "gpt-4o", reserve_output=4_096)
    request = Request("gpt-4o", (Message.user("hi"),), max_tokens=100_000)
    async for _event in provider.astream(request):
        pass
    assert inner.requests[0].max_tokens == 16_384


@st.composite
def histories(draw: st.DrawFn) -> list[Message]:
    history: list[Message] = []
    turns = draw(st.integers(min_value=1, max_value=5))
    for turn in range(turns):
        history.append(Message.user(WORDS[: draw(st.integers(1, len(WORDS)))]))
        for step in range(draw(st.integers(0, 3))):
            history += exchange(turn * 10 + step)
        if turn < turns - 1 or draw(st.booleans()):
            history.append(Message.assistant(WORDS[: draw(st.integers(1, len(WORDS)))]))
    if history[-1].role == "assistant":
        history.append(Message.user("and now?"))
    return history


@given(histories(), st.integers(min_value=200, max_value=6_000))
@settings(max_examples=150, deadline=None)
def test_trimming_keeps_the_conversation_valid(history: list[Message], window: int) -> None:
    try:
        kept, dropped = fit_history(
            history, system="sys", tools=(), window=window, reserve_output=100, model=MODEL
        )
    except ContextTooLongError:
        return
    assert len(kept) + dropped == len(history)
    iterator = iter(history)
    assert all(message in iterator for message in kept)  # a subsequence, order kept
    latest_user = max(i for i, message in enumerate(history) if message.role == "user")
    assert history[latest_user] in kept
    assert kept[-1] == history[-1]
    assert kept[0].role == "user"
    check_tool_pairing(list(kept))
    assert estimate_request(Request(MODEL, kept, system="sys")) <= window - 100


async def test_a_call_that_fails_after_sending_is_still_charged() -> None:
    from solcoder.errors import IdleTimeoutError
    from solcoder.llm.messages import Message, Request
    from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse
    from solcoder.middleware.budget import BudgetedProvider, SessionBudget

    budget = SessionBudget(max_tokens=100_000, max_cost_usd=None)
    inner = ScriptedProvider(
        [ScriptedResponse(text="some streamed words", error=IdleTimeoutError("stalled"))]
    )
    provider = BudgetedProvider(inner, budget, "offline", "offline-stub", 256)
    request = Request(model="offline-stub", messages=(Message.user("x " * 500),))
    with pytest.raises(IdleTimeoutError):
        async for _ in provider.astream(request):
            pass
    assert budget.tokens > 400  # the prompt it sent plus what streamed


class ServedWindowProvider(ScriptedProvider):
    """A provider that, like `local`, learns its window from its server on first use."""

    def __init__(self, window: int) -> None:
        super().__init__([ScriptedResponse(text="ok")], name="local", model="served-gguf")
        self.context_window: int | None = None
        self._served = window
        self.discovered = 0

    @property
    def max_output(self) -> int | None:
        return 256

    async def discover(self) -> None:
        self.discovered += 1
        self.context_window = self._served


async def test_history_is_fitted_to_the_window_the_server_reports(tmp_path: Path) -> None:
    loaded = load_settings(environ={}, cwd=tmp_path, home=tmp_path / "home")
    inner = ServedWindowProvider(window=2048)
    inner.context_window = 100_000  # what was configured before the server said otherwise
    guarded = wrap_for_budget(inner, loaded)
    assert isinstance(guarded, BudgetedProvider)
    history = tuple(conversation(12))  # far more than 2,048 tokens
    request = Request(model="served-gguf", messages=history, max_tokens=4096)
    async for _ in guarded.astream(request):
        pass
    assert inner.discovered == 1
    (sent,) = inner.requests
    assert len(sent.messages) < len(history)
    assert sent.max_tokens == 256  # the provider's own cap, reserved for the reply
    assert estimate_request(sent, provider="local") + 256 <= 2048
    check_tool_pairing(list(sent.messages))


@pytest.mark.parametrize("status", [401, 429, 500])
async def test_a_call_the_provider_refused_costs_nothing(status: int) -> None:
    """A 401 (or any error status before a reply) billed nothing: the REPL toolbar must not
    show tokens or a cost for it."""
    from solcoder.errors import AuthenticationError
    from solcoder.llm.messages import Message, Request
    from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse
    from solcoder.middleware.budget import BudgetedProvider, SessionBudget

    budget = SessionBudget(max_tokens=100_000, max_cost_usd=None)
    refused = AuthenticationError("Incorrect API key provided.", status=status)
    inner = ScriptedProvider([ScriptedResponse(error=refused)])
    provider = BudgetedProvider(inner, budget, "openai", "gpt-4.1-mini", 256)
    request = Request(model="gpt-4.1-mini", messages=(Message.user("x " * 500),))
    with pytest.raises(AuthenticationError):
        async for _ in provider.astream(request):
            pass
    assert (budget.tokens, budget.cost_usd, budget.calls) == (0, 0.0, 0)
    assert "$" not in budget.summary()


async def test_reported_reasoning_tokens_show_in_the_toolbar_summary() -> None:
    inner = ScriptedProvider(
        [ScriptedResponse(text="done", usage=Usage(input=1_000, output=900, reasoning=800))],
        name="openai",
        model=MODEL,
    )
    provider = BudgetedProvider(inner, SessionBudget(), "openai", MODEL, reserve_output=4_096)
    orchestrator = Orchestrator(provider, registry(), AgentOptions(max_output_tokens=4_096))
    async for _event in orchestrator.run_turn([], "hello"):
        pass
    assert provider.budget.reasoning == 800
    assert provider.budget.summary().startswith("1.9k tok · 800 thinking · $")
