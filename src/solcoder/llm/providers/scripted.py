"""The scripted provider: offline mode, the agent's test double, and the replay engine.

It is a real provider, not a mock: replies go through the same `Assembler` and come out as the
same event stream (token by token, tool-call start and argument deltas, a final `Completed`) as
the HTTP providers, so offline runs exercise the real orchestrator, renderer and transcript
paths. Replies come from a queue of `ScriptedResponse`s (tests, replays) or, when the queue is
empty, from a responder function (`offline_reply` by default: deterministic stubs).
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from solcoder import jsonsafe
from solcoder.llm.catalog.providers import OFFLINE, ProviderSpec
from solcoder.llm.events import Completed, Event, StopReason
from solcoder.llm.messages import Message, Request, Text, ToolResult, Usage
from solcoder.llm.providers.base import ProviderBase
from solcoder.llm.wire.assemble import Assembler
from solcoder.loopless import checkpoint, need_loop
from solcoder.records import shared_methods

OFFLINE_MODEL = OFFLINE.default_model
_TOKEN = re.compile(r"\s*\S+|\s+")


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ScriptedToolCall:
    """A tool call a scripted reply makes."""

    name: str
    arguments: Mapping[str, Any] | str
    """A mapping is sent as JSON; a string is sent as is (to script malformed arguments)."""
    id: str | None = None


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ScriptedResponse:
    """One model reply to stream. `error` is raised instead of (or after `text`, if set)."""

    text: str = ""
    tool_calls: tuple[ScriptedToolCall, ...] = ()
    thinking: str = ""
    stop_reason: StopReason | None = None
    usage: Usage | None = None
    error: BaseException | None = None
    chunk_size: int = 0
    """Characters per text delta; 0 streams word by word."""
    token_delay: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)


Responder = Callable[[Request], ScriptedResponse]


def estimate_tokens(text: str) -> int:
    """A rough offline count (≈4 characters per token) for replies that report no usage."""
    return max(1, (len(text) + 3) // 4) if text else 0


def _request_text(request: Request) -> str:
    parts = [request.system or ""]
    for message in request.messages:
        for part in message.parts:
            if isinstance(part, Text):
                parts.append(part.text)
            elif isinstance(part, ToolResult):
                parts.append(part.content)
            else:
                parts.append(getattr(part, "arguments", ""))
    return "\n".join(parts)


class ScriptExhaustedError(RuntimeError):
    """A scripted provider was asked for more replies than it was given (and no responder)."""


def _exhausted(request: Request) -> ScriptedResponse:
    raise ScriptExhaustedError(
        "the scripted provider ran out of replies; enqueue more, or pass a responder"
    )


class ScriptedProvider(ProviderBase):
    """Streams queued responses, then the responder's, recording every request it saw."""

    def __init__(
        self,
        responses: Iterable[ScriptedResponse] = (),
        *,
        responder: Responder | None = None,
        name: str = OFFLINE.name,
        model: str = OFFLINE_MODEL,
        token_delay: float = 0.0,
        summarizer: Responder | None = None,
    ) -> None:
        self._queue: deque[ScriptedResponse] = deque(responses)
        self._responder = responder
        """None: the canned offline replies, unless a script was given (`responses` or
        `enqueue`): then running out of it is an error, so a test cannot pass on replies it
        never scripted."""
        self._scripted = bool(self._queue)
        self._summarizer = summarizer if summarizer is not None else offline_summary
        """Answers compaction requests (`Request.purpose`), outside the queue, so scripted
        conversations keep their replies in order however often they are compacted."""
        self._name = name
        self._model = model
        self._token_delay = token_delay
        self.requests: list[Request] = []
        self._call_count = 0

    @property
    def name(self) -> str:
        return self._name

    @property
    def model(self) -> str:
        return self._model

    @property
    def spec(self) -> ProviderSpec:
        """The offline entry of the catalog, under the name and model it was given."""
        return replace(OFFLINE, name=self._name, default_model=self._model, models=(self._model,))

    def enqueue(self, *responses: ScriptedResponse) -> None:
        self._queue.extend(responses)
        self._scripted = self._scripted or bool(responses)

    def _reply_to(self, request: Request) -> ScriptedResponse:
        if self._queue:
            return self._queue.popleft()
        if self._responder is not None:
            return self._responder(request)
        if self._scripted:
            return _exhausted(request)
        return offline_reply(request)

    async def aclose(self) -> None:
        return None

    async def astream(self, request: Request) -> AsyncIterator[Event]:
        self.requests.append(request)
        self._call_count += 1
        if request.purpose == "compaction":
            response = self._summarizer(request)
        else:
            response = self._reply_to(request)
        delay = response.token_delay or self._token_delay
        assembler = Assembler()
        for event in _events(assembler, response):
            if delay:
                await need_loop()
                import asyncio

                await asyncio.sleep(delay)
            else:
                await checkpoint()  # stay cancellable, like a real stream
            yield event
        if response.error is not None:
            raise response.error
        message = assembler.message()
        calls = message.tool_calls
        stop: StopReason = response.stop_reason or ("tool_use" if calls else "end_turn")
        usage = response.usage or Usage(
            input=estimate_tokens(_request_text(request)),
            output=estimate_tokens(message.text + "".join(c.arguments for c in calls)),
        )
        extra: dict[str, object] = {"usage_estimated": response.usage is None}
        yield Completed(
            message=message,
            usage=usage,
            stop_reason=stop,
            response_id=f"scripted-{self._call_count}",
            raw_stop_reason=stop,
            model=self._model,
            extra=extra,
        )


def _events(assembler: Assembler, response: ScriptedResponse) -> Iterable[Event]:
    for piece in _pieces(response.thinking, response.chunk_size):
        event = assembler.thinking(piece)
        if event is not None:
            yield event
    for piece in _pieces(response.text, response.chunk_size):
        text_event = assembler.text(piece)
        if text_event is not None:
            yield text_event
    for index, call in enumerate(response.tool_calls):
        arguments = (
            call.arguments
            if isinstance(call.arguments, str)
            else json.dumps(call.arguments, separators=(",", ":"), ensure_ascii=False)
        )
        start = assembler.tool_start(index, call.id or f"call_{index + 1}", call.name)
        if start is not None:
            yield start
        for piece in _pieces(arguments, response.chunk_size or 16):
            delta = assembler.tool_arguments(index, piece)
            if delta is not None:
                yield delta


def _pieces(text: str, size: int) -> list[str]:
    if not text:
        return []
    if size > 0:
        return [text[i : i + size] for i in range(0, len(text), size)]
    return _TOKEN.findall(text)


# --- offline replies -------------------------------------------------------------------------

_ABILITIES = "I can plan Solana programs, scaffold Anchor code, review it and explain errors."
_GREETING = (
    "Hello, world! I'm SolCoder, running in offline mode: replies are deterministic stubs, so "
    f"no key and no network are needed. {_ABILITIES} Connect a real model with `solcoder auth "
    "login openai` (or any provider in `docs/providers.md`) and drop `--offline-mode`."
)
_FALLBACK_GREETING = (
    "Hello, world! I'm SolCoder, running in offline mode because the configured provider "
    "could not be used (`--offline-fallback` is on): replies are deterministic stubs. "
    f"{_ABILITIES} Fix what the provider reported (for a key: `solcoder auth login "
    "<provider>`), and the next session uses the real model again."
)
"""The greeting when offline mode was not asked for but fallen back to: there is no
`--offline-mode` to drop."""


def fallback_reply(request: Request) -> ScriptedResponse:
    """`offline_reply` for the offline provider standing in for a real one (a fallback)."""
    return offline_reply(request, fallback=True)


def offline_reply(request: Request, *, fallback: bool = False) -> ScriptedResponse:
    """Deterministic stub replies that still exercise the tool-call round trip.

    A request whose last user message asks for a plan calls the `plan` tool (when offered);
    the request that carries its result gets a summary of that result. `fallback`: offline
    mode stands in for a provider that failed, so the greeting does not say "drop
    `--offline-mode`", which the user never passed.
    """
    last = request.messages[-1] if request.messages else Message.user("")
    if last.tool_results:
        return ScriptedResponse(text=_summarize_results(last.tool_results))
    prompt = last.text.strip()
    lowered = prompt.lower()
    tool_names = {tool.name for tool in request.tools}
    forced = request.tool_choice if request.tool_choice in tool_names else None
    if forced is not None and forced != "plan":
        return ScriptedResponse(tool_calls=(ScriptedToolCall(forced, {}),))
    if "plan" in tool_names and (forced == "plan" or re.search(r"\bplan\b", lowered)):
        goal = (
            re.sub(
                r"(?i)^\s*(please\s+)?(run|make|create|write)?\s*(a|the)?\s*plan\s*(for|to)?\s*",
                "",
                prompt,
            ).strip()
            or "Build and deploy a Solana program with Anchor"
        )
        return ScriptedResponse(
            text="I'll break that down into steps with the planner.",
            tool_calls=(ScriptedToolCall("plan", {"goal": goal}),),
        )
    if re.search(r"\b(hello|hi|hey)\b", lowered) or not prompt:
        return ScriptedResponse(text=_FALLBACK_GREETING if fallback else _GREETING)
    return ScriptedResponse(
        text=(
            f"(offline) You asked: “{_shorten(prompt, 120)}”. I can't reason about it without "
            "a model, but `/plan <goal>` and `/review <file>` work offline, and "
            "`solcoder auth login <provider>` connects a real one."
        )
    )


_SUMMARY_LINES = (15, 25)
"""An offline summary keeps its first 15 and last 25 lines: bounded however often it is
summarised again, and the oldest facts survive."""


def offline_summary(request: Request) -> ScriptedResponse:
    """A deterministic summary for a compaction request: the lines of the earlier summary,
    then one line per user message of the conversation being summarised. No model is
    involved, so offline sessions and tests exercise the real compaction path."""
    text = request.messages[-1].text if request.messages else ""
    lines: list[str] = []
    earlier = False
    for line in text.splitlines():
        if line.startswith("Earlier summary:"):
            earlier = True
            continue
        if line.startswith(("<conversation>", "User:", "Assistant", "Result of")):
            earlier = False
        if earlier and line.strip():
            lines.append(line.strip())
        elif line.startswith("User: "):
            lines.append("- The user said: " + _shorten(line.removeprefix("User: "), 160))
    lines = list(dict.fromkeys(lines))
    first, last = _SUMMARY_LINES
    if len(lines) > first + last:
        lines = lines[:first] + lines[-last:]
    return ScriptedResponse(text="\n".join(lines) or "- Nothing to keep from the conversation.")


def _summarize_results(results: tuple[ToolResult, ...]) -> str:
    lines: list[str] = []
    for result in results:
        if result.is_error:
            lines.append(
                f"The {result.name or 'tool'} call failed: {_shorten(result.content, 200)}"
            )
            continue
        try:
            data = jsonsafe.loads(result.content)
        except ValueError:
            data = None
        steps = data.get("steps") if isinstance(data, dict) else None
        if isinstance(steps, list) and steps:
            lines.append(f"Here is the plan for: {data.get('goal', 'your goal')}")
            for number, step in enumerate(steps, 1):
                title = step.get("title", step) if isinstance(step, dict) else step
                lines.append(f"{number}. {title}")
        else:
            lines.append(f"The {result.name or 'tool'} returned: {_shorten(result.content, 300)}")
    lines.append("Tell me which step to start with.")
    return "\n".join(lines)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
