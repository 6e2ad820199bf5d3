"""A conversation: history, the orchestrator, and what survives a failed or cancelled turn.

This is the object the REPL, `-p` and `--dry-run-llm` drive. It owns the rule that nothing the
user typed is lost: the user's message enters the history before the model is called, a reply
cut off by a dropped stream or Ctrl-C is kept as a partial assistant message, and tool calls
left open are answered with "cancelled" so the next request is valid.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from solcoder.agent.events import AgentEvent, Notice, TurnFinished
from solcoder.agent.orchestrator import Orchestrator
from solcoder.errors import LLMError, StreamInterruptedError
from solcoder.llm.events import Completed, TextDelta
from solcoder.llm.messages import Message, Text, Usage

FallbackFactory = Callable[[LLMError], Orchestrator | None]
"""Given the failure, returns an offline orchestrator to switch to, or None to fail."""


@dataclass(slots=True)
class TurnRecord:
    """What one turn cost, for summaries and the toolbar."""

    prompt: str
    first_token_s: float | None = None
    latency_s: float = 0.0
    usage: Usage = field(default_factory=Usage)
    tool_calls: int = 0
    steps: int = 0


class Conversation:
    """History plus an orchestrator; implements the REPL's `ConversationLike`."""

    def __init__(
        self,
        orchestrator: Orchestrator,
        *,
        session_id: str = "",
        describe: Callable[[], str] | None = None,
        fallback: FallbackFactory | None = None,
        on_message: Callable[[Message], None] | None = None,
    ) -> None:
        self.orchestrator = orchestrator
        self.session_id = session_id
        self.history: list[Message] = []
        self.usage = Usage()
        self.turns: list[TurnRecord] = []
        self._describe = describe
        self._fallback = fallback
        self._on_message = on_message
        self._last_prompt: str | None = None

    @property
    def provider_name(self) -> str:
        return self.orchestrator.provider.name

    @property
    def model(self) -> str:
        return self.orchestrator.provider.model

    def clear(self) -> None:
        self.history.clear()

    def usage_summary(self) -> str:
        total = self.usage.total
        return f"{total / 1000:.1f}k tok" if total >= 1000 else f"{total} tok"

    def describe_session(self) -> str:
        if self._describe is not None:
            return self._describe()
        return f"session {self.session_id or '(not saved)'} · {len(self.turns)} turns"

    async def run_turn(
        self, text: str, *, force_tool: str | None = None
    ) -> AsyncIterator[AgentEvent]:
        self._last_prompt = text
        self._record(Message.user(text), append=True)
        async for event in self._drive(TurnRecord(text), force_tool):
            yield event

    async def retry_last(self) -> AsyncIterator[AgentEvent]:
        """Run the last prompt again: drop what the failed attempt left after it."""
        if self._last_prompt is None:
            yield Notice("Nothing to retry yet.")
            return
        for position in range(len(self.history) - 1, -1, -1):
            message = self.history[position]
            if message.role == "user" and message.text == self._last_prompt:
                del self.history[position + 1 :]
                break
        else:
            self._record(Message.user(self._last_prompt), append=True)
        async for event in self._drive(TurnRecord(self._last_prompt)):
            yield event

    def _record(self, message: Message, *, append: bool) -> None:
        if append:
            self.history.append(message)
        if self._on_message is not None:
            self._on_message(message)

    async def _drive(
        self, record: TurnRecord, force_tool: str | None = None
    ) -> AsyncIterator[AgentEvent]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        streamed: list[str] = []
        known = len(self.history)
        self.turns.append(record)
        try:
            async for event in self._run_with_fallback(force_tool):
                if isinstance(event, TextDelta):
                    if record.first_token_s is None:
                        record.first_token_s = loop.time() - started
                    streamed.append(event.text)
                elif isinstance(event, Completed):
                    record.steps += 1
                    record.tool_calls += len(event.message.tool_calls)
                    record.usage = record.usage + event.usage
                    self.usage = self.usage + event.usage
                    streamed.clear()
                elif isinstance(event, TurnFinished):
                    pass
                yield event
        except StreamInterruptedError as error:
            partial = error.partial.text if error.partial is not None else "".join(streamed)
            self._keep_partial(partial)
            raise
        except (asyncio.CancelledError, GeneratorExit):
            self._keep_partial("".join(streamed))
            raise
        finally:
            record.latency_s = loop.time() - started
            for message in self.history[known:]:
                self._record(message, append=False)

    def _keep_partial(self, text: str) -> None:
        if text:
            self.history.append(Message("assistant", (Text(text + " [interrupted]"),)))

    async def _run_with_fallback(self, force_tool: str | None) -> AsyncIterator[AgentEvent]:
        try:
            async for event in self.orchestrator.continue_turn(self.history, force_tool=force_tool):
                yield event
        except LLMError as error:
            if self._fallback is None or isinstance(error, StreamInterruptedError):
                raise
            offline = self._fallback(error)
            if offline is None:
                raise
            self.orchestrator = offline
            yield Notice(f"{error.message} Switching to offline mode for this session.", "warning")
            async for event in self.orchestrator.continue_turn(self.history, force_tool=force_tool):
                yield event
