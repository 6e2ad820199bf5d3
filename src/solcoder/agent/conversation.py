"""A conversation: history, the orchestrator, and what survives a failed or cancelled turn.

This is the object the REPL, `-p` and `--dry-run-llm` drive. It owns the rule that nothing the
user typed is lost: the user's message reaches the transcript before the model is called, the
streamed reply is noted there at least once a second, a reply cut off by a dropped stream or
Ctrl-C is kept as a partial assistant message, and tool calls left open are answered with
"cancelled" so the next request is valid.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from solcoder.agent.events import (
    AgentEvent,
    Compacted,
    CompactionStarted,
    HookRan,
    Notice,
    StepStarted,
    ToolRunStarted,
    TurnFinished,
)
from solcoder.agent.orchestrator import Orchestrator
from solcoder.agent.project_instructions import ProjectInstructions
from solcoder.agent.transcript_records import (
    HISTORY_TRUNCATED,
    UNDO,
    TranscriptSink,
    record_compaction,
    record_event,
)
from solcoder.errors import LLMError, StreamInterruptedError
from solcoder.llm.events import Completed, TextDelta
from solcoder.llm.messages import Message, Text, Usage
from solcoder.llm.partial import PartialReply
from solcoder.llm.providers.base import closing
from solcoder.loopless import cancelled
from solcoder.records import shared_methods
from solcoder.redact_stream import settle
from solcoder.words import count

if TYPE_CHECKING:
    from solcoder.commands.context import CommandContext
    from solcoder.skills.catalog import SkillSet
    from solcoder.skills.slash_commands import CommandSet
    from solcoder.workspace.session import WorkspaceSession

PARTIAL_EVERY_S = 1.0
"""How often the streamed text so far is written to the transcript."""


FallbackFactory = Callable[[LLMError], Orchestrator | None]
"""Given the failure, returns an offline orchestrator to switch to, or None to fail."""


@shared_methods
@dataclass(slots=True, eq=False, repr=False)
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
        history: list[Message] | None = None,
        transcript: TranscriptSink | None = None,
        describe: Callable[[], str] | None = None,
        fallback: FallbackFactory | None = None,
        usage_summary: Callable[[], str] | None = None,
        instructions: ProjectInstructions | None = None,
        workspace: WorkspaceSession | None = None,
        commands: CommandContext | None = None,
        skills: SkillSet | None = None,
        custom_commands: CommandSet | None = None,
    ) -> None:
        self.orchestrator = orchestrator
        self.skills = skills
        """The skills offered through `load_skill` (for `/status`, `/skills`), if any."""
        self.custom_commands = custom_commands
        """The user's and the project's slash commands (for `/status`, `/help`), if any."""
        self.workspace = workspace
        self.commands = commands
        """How commands run (for `/status`, `/ps`), if the command tools are offered."""
        """The project the file tools work in (for `/status`, `/undo`), if they are offered."""
        self.instructions = instructions
        """The project instruction files in the system prompt (for `/status`), if loaded."""
        self.session_id = session_id
        self.history: list[Message] = history if history is not None else []
        self.usage = Usage()
        self.turns: list[TurnRecord] = []
        self.fell_back = False
        self.fallback_error: LLMError | None = None
        """The failure that switched this conversation to offline mode, if any."""
        self._saved = len(self.history)
        """History entries before this index are already in the transcript."""
        self._transcript = transcript
        self._describe = describe
        self._fallback = fallback
        self._usage_summary = usage_summary
        self._notes: list[str] = []
        """Things the model must hear with the next prompt (files restored by /undo)."""
        self._hooks_started = False
        """Whether this launch's `session_start` hooks ran (before its first prompt)."""
        self._last_prompt: str | None = next(
            (m.text for m in reversed(self.history) if m.role == "user" and m.text), None
        )

    @property
    def provider_name(self) -> str:
        return self.orchestrator.provider.name

    @property
    def model(self) -> str:
        return self.orchestrator.provider.model

    def clear(self) -> None:
        self._truncate(0)
        self._last_prompt = None  # /retry after /clear has nothing to repeat

    def switch(self, orchestrator: Orchestrator) -> None:
        """Continue this conversation with another provider or model (history kept, and the
        approval gate: "always" answers hold for the whole session)."""
        orchestrator.approval = self.orchestrator.approval
        orchestrator.hooks = self.orchestrator.hooks
        self.orchestrator = orchestrator

    def _truncate(self, keep: int) -> None:
        """Forget history after `keep` messages, in memory and (as an event) on disk."""
        del self.history[keep:]
        self._saved = min(self._saved, keep)
        if self._transcript is not None:
            self._transcript.record_event(HISTORY_TRUNCATED, keep=keep)

    def usage_summary(self) -> str:
        if self._usage_summary is not None:
            return self._usage_summary()
        total = self.usage.total
        return f"{total / 1000:.1f}k tok" if total >= 1000 else f"{total} tok"

    def describe_session(self) -> str:
        if self._describe is not None:
            return self._describe()
        return f"session {self.session_id or '(not saved)'} · {count(len(self.turns), 'turn')}"

    def record_undo(self, turn: int, files: list[tuple[str, str]]) -> None:
        """`/undo` restored `files` ((path, what was done)) changed in `turn`: recorded in
        the transcript, and the model hears it with the next prompt (its picture of those
        files is stale)."""
        if self._transcript is not None:
            self._transcript.record_event(
                UNDO, turn=turn, files=[{"path": path, "action": action} for path, action in files]
            )
        shown = ", ".join(f"{path} ({action})" for path, action in files)
        self._notes.append(
            f"The user undid the file changes of an earlier turn: {shown}. Read a file again "
            "before editing it."
        )

    async def run_turn(
        self, text: str, *, force_tool: str | None = None
    ) -> AsyncIterator[AgentEvent]:
        self._last_prompt = text
        blocked: list[str] = []
        async with closing(self._prompt_hooks(text, blocked)) as hook_events:
            async for event in hook_events:
                yield event
        if blocked:
            return
        if self._notes:
            notes = "\n".join(f"[SolCoder note: {note}]" for note in self._notes)
            self._notes.clear()
            text = f"{notes}\n\n{text}"
        self._append(Message.user(text))
        async with closing(self._drive(TurnRecord(text), force_tool)) as events:
            async for event in events:
                yield event

    async def retry_last(self) -> AsyncIterator[AgentEvent]:
        """Run the last prompt again, dropping what the failed attempt left after it."""
        if self._last_prompt is None:
            yield Notice("Nothing to retry yet.")
            return
        blocked: list[str] = []
        async with closing(self._prompt_hooks(self._last_prompt, blocked)) as hook_events:
            async for event in hook_events:
                yield event
        if blocked:
            return
        for position in range(len(self.history) - 1, -1, -1):
            message = self.history[position]
            if message.role == "user" and message.text == self._last_prompt:
                if position + 1 < len(self.history):
                    self._truncate(position + 1)
                break
        else:
            self._append(Message.user(self._last_prompt))
        async with closing(self._drive(TurnRecord(self._last_prompt))) as events:
            async for event in events:
                yield event

    async def _prompt_hooks(self, text: str, blocked: list[str]) -> AsyncIterator[AgentEvent]:
        """`session_start` (once) and `user_prompt` hooks: their context becomes a note to
        the model; a deny ends the turn before anything is sent (its reason in `blocked`)."""
        from solcoder.agent.hook_points import before_prompt

        hooks = self.orchestrator.hooks
        if hooks is None:
            return
        first, self._hooks_started = not self._hooks_started, True
        reports, denied, notes = await before_prompt(hooks, text, first=first)
        self._notes.extend(notes)
        for event in reports:
            if self._transcript is not None:
                self._record_event(self._transcript, event)
            yield event
        if denied is not None:
            blocked.append(denied)
            yield Notice(f"The prompt was not sent: a hook denied it ({denied}).", "warning")
            yield TurnFinished((), Usage(), "blocked")

    def _append(self, message: Message) -> None:
        self.history.append(message)
        self._save_new()

    async def _drive(
        self, record: TurnRecord, force_tool: str | None = None
    ) -> AsyncIterator[AgentEvent]:
        started = time.perf_counter()
        reply = PartialReply()
        last_partial = started
        self.turns.append(record)
        transcript = self._transcript
        outcome = "error"
        try:
            async for event in self._run_with_fallback(force_tool):
                if isinstance(event, TextDelta):
                    now = time.perf_counter()
                    if record.first_token_s is None:
                        record.first_token_s = now - started
                    reply.feed(event)
                    if transcript is not None and now - last_partial >= PARTIAL_EVERY_S:
                        transcript.partial(reply.text)
                        last_partial = now
                elif isinstance(event, Completed):
                    record.steps += 1
                    record.tool_calls += len(event.message.tool_calls)
                    record.usage = record.usage + event.usage
                    self.usage = self.usage + event.usage
                    reply.clear()
                elif isinstance(event, StepStarted | ToolRunStarted | CompactionStarted):
                    self._save_new()  # the previous step's messages are complete now
                elif isinstance(event, Compacted):
                    self._record_compaction(event)
                elif isinstance(event, TurnFinished):
                    outcome = event.reason
                    for ran in await self._stop_hooks(event.reason):
                        if transcript is not None:
                            self._record_event(transcript, ran)
                        yield ran
                if transcript is not None:
                    self._record_event(transcript, event)
                yield event
        except (cancelled(), GeneratorExit, KeyboardInterrupt):
            self._keep_partial(reply.text)
            outcome = "cancelled"
            raise
        except BaseException as error:
            # Whatever broke the stream (drop, idle timeout, malformed event), the text the
            # user already saw stays in the conversation.
            partial = getattr(error, "partial", None)
            self._keep_partial(partial.text if partial is not None else reply.text)
            self._record_error(error)
            raise
        finally:
            record.latency_s = time.perf_counter() - started
            self._save_new()
            if transcript is not None:
                transcript.end_turn(outcome=outcome, usage=record.usage.as_dict())

    async def _stop_hooks(self, reason: str) -> list[HookRan]:
        """`stop` hooks as the turn ends; their context is a note for the next prompt."""
        hooks = self.orchestrator.hooks
        if hooks is None:
            return []
        from solcoder.agent.hook_points import at_stop

        reports, notes = await at_stop(hooks, reason)
        self._notes.extend(notes)
        return reports

    def _record_event(self, transcript: TranscriptSink, event: AgentEvent) -> None:
        """A turn's event as a transcript record, if it makes one (messages are saved by
        `_save_new`)."""
        record_event(
            transcript, event, max_output_tokens=self.orchestrator.options.max_output_tokens
        )

    async def compact(self, focus: str | None = None) -> AsyncIterator[AgentEvent]:
        """`/compact [focus]`: replace the history by a summary now."""
        async with closing(self.orchestrator.compact(self.history, focus)) as events:
            async for event in events:
                if isinstance(event, CompactionStarted):
                    self._save_new()
                elif isinstance(event, Compacted):
                    self._record_compaction(event)
                yield event

    def _record_compaction(self, event: Compacted) -> None:
        """The transcript learns what the summary replaced, so a resumed session (and
        `solcoder replay`) continues from the summary; everything kept was saved already."""
        self._saved = len(self.history)
        if self._transcript is not None:
            kept = len(self.history) - len(event.messages)
            record_compaction(self._transcript, event, kept=kept)

    def _record_error(self, error: BaseException) -> None:
        self._save_new()
        if self._transcript is not None:
            self._transcript.record_error(error)

    def _save_new(self) -> None:
        """Write the history entries not yet in the transcript, once each."""
        if self._transcript is not None:
            for message in self.history[self._saved :]:
                self._transcript.append_message(message)
        self._saved = len(self.history)

    def _keep_partial(self, text: str) -> None:
        if text:
            # Cut by a failure, the text may end inside a key the model echoed: `settle`
            # masks that first half, which no redactor would recognise later.
            kept = settle(text)
            self.history.append(Message("assistant", (Text(kept + " [interrupted]"),)))

    async def _run_with_fallback(self, force_tool: str | None) -> AsyncIterator[AgentEvent]:
        try:
            async with closing(
                self.orchestrator.continue_turn(self.history, force_tool=force_tool)
            ) as events:
                async for event in events:
                    yield event
        except LLMError as error:
            if self._fallback is None or isinstance(error, StreamInterruptedError):
                raise
            offline = self._fallback(error)
            if offline is None:
                raise
            previous = self.provider_name
            with contextlib.suppress(Exception):
                await self.orchestrator.provider.aclose()
            self.switch(offline)
            self.fell_back = True
            self.fallback_error = error
            if self._transcript is not None:
                self._transcript.record_fallback(previous, offline.provider.name, error.kind)
            yield Notice(
                f"{error.message} Switching to offline mode for the rest of this session.",
                "warning",
            )
            async with closing(
                self.orchestrator.continue_turn(self.history, force_tool=force_tool)
            ) as events:
                async for event in events:
                    yield event
