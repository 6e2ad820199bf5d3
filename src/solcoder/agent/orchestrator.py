"""The agent loop: stream a step, run the tools it asked for, feed the results back, repeat.

Malformed model output is data, not a crash: a call naming an unknown tool, arguments that are
not JSON, fail the schema or were cut off by `max_tokens` are answered with an error result the
model can act on, for at most `max_repairs` rounds. So are calls past the bounds (more than
`max_tool_calls_per_step` calls in one response, arguments over `max_tool_argument_bytes`):
each is answered with an error result and never run (the calls past the limit share one
answer, `agent/call_limits.py`). The history passed in is extended in place
and is valid after every step (each tool call answered exactly once), so a failure or Ctrl-C at
any point leaves a conversation that can be resumed.

Before any tool of a step runs, the approval gate (`agent/gate.py`) settles each call that is
not a read-only built-in, one at a time and in call order (a question waits for the one before
it); only then do the approved calls start, in parallel. A declined call is answered
"Declined by the user." and never runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from solcoder.agent.approval import DECLINED
from solcoder.agent.call_limits import bounded_calls, longer_than, over_limit_note
from solcoder.agent.compaction import CompactionOptions, Compactor
from solcoder.agent.events import (
    AgentEvent,
    ApprovalDecided,
    ApprovalRequested,
    CommandFinished,
    Compacted,
    FileChanged,
    HookRan,
    Notice,
    StepStarted,
    ToolOutputChunk,
    ToolRunFinished,
    ToolRunStarted,
    TurnFinished,
)
from solcoder.agent.gate import ApprovalGate, ApprovalRequest
from solcoder.agent.hook_points import HookPoints, after_tool, denied_result
from solcoder.agent.invariants import answer_unanswered_calls, check_tool_pairing
from solcoder.llm.catalog.reasoning import apply_reasoning
from solcoder.llm.events import Completed
from solcoder.llm.messages import (
    Message,
    PromptCache,
    ReasoningLevel,
    Request,
    ToolCall,
    ToolResult,
    Usage,
)
from solcoder.llm.providers.base import Provider, closing
from solcoder.llm.wire.assemble import DEFAULT_MAX_ARGUMENT_BYTES
from solcoder.loopless import need_loop
from solcoder.records import shared_methods
from solcoder.shell.live import LIVE_OUTPUT
from solcoder.tools.registry import ToolArgumentError, ToolLike, ToolOutput, ToolRegistry

log = logging.getLogger(__name__)


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class AgentOptions:
    """The bounds and settings of one conversation's turns (from `llm.*`)."""

    system: str | None = None
    max_steps: int = 8
    max_repairs: int = 2
    tool_timeout: float = 60.0
    max_tool_calls_per_step: int = 32
    max_tool_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES
    max_output_tokens: int | None = None
    temperature: float | None = None
    cache: PromptCache | None = None
    """Prompt caching hints sent with every request (None: none)."""
    reasoning: ReasoningLevel = "off"
    """`llm.reasoning`, resolved per provider and model for each request."""
    reasoning_budget: int = 0
    """`llm.reasoning_budget`: thinking tokens where the wire takes a budget (0: by level)."""
    compaction: CompactionOptions = field(default_factory=CompactionOptions)
    """When the older history is summarised (`llm.compact_at`; off unless set)."""


@shared_methods
@dataclass(slots=True, eq=False, repr=False)
class _Prepared:
    """One tool call of a step, checked: parsed arguments or the problem found."""

    call: ToolCall
    arguments: dict[str, Any] | None
    problem: str | None
    declined: bool = False
    tool: ToolLike | None = None
    """The tool looked up when the call was checked (set with `arguments`): approval and the
    run use this one, even if a server's list changes in between."""
    previewed: bool = False
    """A person approved it after seeing its preview (an edit's diff)."""
    quiet: bool = False
    """Answered for the calls past the limit: no run events (the step's notice says it)."""
    refused: str | None = None
    """Why the tool said, before approval, that this call cannot succeed (an edit of a file
    never read): answered as the tool's own error, not counted as a malformed call."""
    hook_denied: str | None = None
    """Why a `pre_tool_use` hook refused it (it never runs; the model reads this)."""
    hook_context: str | None = None
    """What `pre_tool_use` hooks added for the model (appended to the result)."""


@dataclass(frozen=True, slots=True)
class _Finished:
    """A call's end, as its task reports it to the step."""

    position: int
    result: ToolResult
    duration: float
    output: ToolOutput | None


class Orchestrator:
    """Runs turns against one provider with one tool registry."""

    def __init__(
        self,
        provider: Provider,
        registry: ToolRegistry,
        options: AgentOptions | None = None,
        *,
        approval: ApprovalGate | None = None,
        hooks: HookPoints | None = None,
    ) -> None:
        self.provider = provider
        self.registry = registry
        self.options = options or AgentOptions()
        self.approval = approval if approval is not None else ApprovalGate()
        """Without one given: the default policy and nobody to ask (side effects declined)."""
        self.hooks = hooks
        """The user's hooks (docs/hooks.md); None: no hook is configured."""
        self.compactor = Compactor(self.options.compaction)

    async def run_turn(
        self, history: list[Message], user_text: str, *, force_tool: str | None = None
    ) -> AsyncIterator[AgentEvent]:
        """Append the user's message and run steps until the model answers without tools."""
        history.append(Message.user(user_text))
        async with closing(self.continue_turn(history, force_tool=force_tool)) as events:
            async for event in events:
                yield event

    async def continue_turn(
        self, history: list[Message], *, force_tool: str | None = None
    ) -> AsyncIterator[AgentEvent]:
        """Run steps from the current history (which must end with a user or tool message).

        `force_tool` makes the first step call that tool (the dry run uses it so that even a
        small local model performs the round trip); later steps let the model choose.
        """
        options = self.options
        start = len(history) - 1
        usage = Usage()
        repairs = 0
        try:
            for step in range(1, options.max_steps + 1):
                check_tool_pairing(history)
                tool_choice = force_tool if step == 1 else None
                # MCP servers first: their tools are part of what the request (and the
                # compaction's estimate of it) carries.
                for line in await self.registry.refresh_sources():
                    yield Notice(line, "warning")
                compacted: list[Compacted] = []
                # Before every step, so a long tool loop is compacted too, not only a new turn.
                async with closing(self._compact(history, tool_choice, compacted)) as compaction:
                    async for event in compaction:
                        yield event
                for event in compacted:
                    start = _shifted(start, event)
                request = self._request(history, tool_choice)
                yield StepStarted(step)
                completed: Completed | None = None
                async with closing(self.provider.astream(request)) as stream:
                    async for llm_event in stream:
                        if isinstance(llm_event, Completed):
                            completed = llm_event
                        yield llm_event
                if completed is None:  # a provider bug, not a user-facing protocol case
                    raise RuntimeError("provider stream ended without a Completed event")
                usage = usage + completed.usage
                message, asked = bounded_calls(completed.message, options.max_tool_calls_per_step)
                history.append(message)
                calls = message.tool_calls
                if not calls:
                    if completed.stop_reason == "max_tokens":
                        yield Notice(self._cut_notice(), "warning")
                    yield TurnFinished(tuple(history[start:]), usage, "done")
                    return
                if asked > options.max_tool_calls_per_step:
                    yield Notice(
                        f"The model asked for {asked:,} tool calls in one response; only "
                        f"the first {options.max_tool_calls_per_step} run "
                        "(llm.max_tool_calls_per_step).",
                        "warning",
                    )
                prepared = self._prepare_all(calls, completed.stop_reason, asked)
                results: list[ToolResult] = []
                try:
                    async with closing(self._run_tools(prepared, results)) as runs:
                        async for event in runs:
                            yield event
                finally:
                    # Even when cancelled: tools that finished report their real results,
                    # the others "cancelled" (filled in by _run_tools' own cleanup).
                    if results:
                        history.append(Message("tool", tuple(results)))
                repairs = repairs + 1 if any(p.problem for p in prepared) else 0
                if repairs > options.max_repairs:
                    yield Notice(
                        f"The model sent invalid tool calls {repairs} times in a row; "
                        "the turn stops here. Rephrase the request or try another model.",
                        "warning",
                    )
                    yield TurnFinished(tuple(history[start:]), usage, "repair_limit")
                    return
            yield Notice(
                f"Stopped after {options.max_steps} model steps without a final answer. "
                "Say 'continue' to go on, or raise the limit with "
                "`solcoder config set llm.max_steps N`.",
                "warning",
            )
            yield TurnFinished(tuple(history[start:]), usage, "step_limit")
        finally:
            # Cancelled or failed between a tool request and its results: answer every open
            # call so the history stays valid for the next request.
            answer_unanswered_calls(history, "Cancelled before the tool ran.")

    async def _compact(
        self, history: list[Message], tool_choice: str | None, compacted: list[Compacted]
    ) -> AsyncIterator[AgentEvent]:
        """Compact `history` when the next request would pass the threshold; what was done
        is appended to `compacted`."""
        request = self._request(history, tool_choice)
        async with closing(self.compactor.maybe_compact(self.provider, history, request)) as events:
            async for event in events:
                if isinstance(event, Compacted):
                    check_tool_pairing(history)
                    compacted.append(event)
                yield event

    async def compact(
        self, history: list[Message], focus: str | None = None
    ) -> AsyncIterator[AgentEvent]:
        """`/compact [focus]`: summarise the whole history now, whatever its size (the
        summary is asked for in pieces when it would not fit one request)."""
        request = self._request(history, None)
        async with closing(
            self.compactor.compact(self.provider, history, request, focus=focus, trigger="manual")
        ) as events:
            async for event in events:
                yield event

    def _request(self, history: Sequence[Message], tool_choice: str | None) -> Request:
        options = self.options
        request = Request(
            model=self.provider.model,
            messages=tuple(history),
            system=options.system,
            tools=self.registry.specs(),
            max_tokens=options.max_output_tokens,
            temperature=options.temperature,
            tool_choice=tool_choice,
            cache=options.cache,
        )
        return apply_reasoning(
            request, self.provider.spec, options.reasoning, options.reasoning_budget
        )

    def _cut_notice(self) -> str:
        """What to say when the final reply stopped at the output token limit."""
        limit = self.options.max_output_tokens
        size = f" ({limit} tokens)" if limit else ""
        return (
            f"The reply was cut off by the output token limit{size}. Say 'continue' for the "
            "rest, or raise the limit: `solcoder config set llm.max_output_tokens 8192` "
            "(or /config set in the REPL)."
        )

    def _prepare_all(
        self, calls: Sequence[ToolCall], stop_reason: str, asked: int
    ) -> list[_Prepared]:
        """Each call checked; the one past `max_tool_calls_per_step` (kept by `bounded_calls`)
        answers for every excess call, without a line of its own on the screen."""
        limit = self.options.max_tool_calls_per_step
        return [
            self._prepare(call, stop_reason)
            if position < limit
            else _Prepared(call, None, over_limit_note(asked, limit), quiet=True)
            for position, call in enumerate(calls)
        ]

    def _prepare(self, call: ToolCall, stop_reason: str) -> _Prepared:
        tool = self.registry.get(call.name)
        if tool is None:
            close = self.registry.closest(call.name)
            hint = f" Did you mean {close!r}?" if close else ""
            names = ", ".join(self.registry.names())
            return _Prepared(call, None, f"Unknown tool {call.name!r}.{hint} Tools: {names}.")
        if stop_reason == "max_tokens":
            return _Prepared(
                call,
                None,
                "Your tool call was cut off by the output token limit before its arguments "
                "were complete. Send it again with shorter arguments.",
            )
        limit = self.options.max_tool_argument_bytes
        if longer_than(call.arguments, limit):
            return _Prepared(
                call,
                None,
                f"Your arguments for `{call.name}` are longer than the limit of {limit} bytes "
                "(llm.max_tool_argument_bytes), so the call was not run. Send smaller "
                "arguments, or split the work into several calls.",
            )
        try:
            return _Prepared(call, tool.parse_arguments(call.arguments), None, tool=tool)
        except ToolArgumentError as error:
            return _Prepared(call, None, str(error))

    async def _approve(self, prepared: list[_Prepared]) -> AsyncIterator[AgentEvent]:
        """Settle each call that needs a decision, in order; marks the declined ones."""
        import asyncio  # loaded by _run_tools, which calls this

        gate = self.approval
        for item in prepared:
            if item.problem is not None or item.arguments is None:
                continue
            tool = item.tool
            assert tool is not None  # set with the arguments in _prepare
            # What this very call would do: a read of a secret asks, an edit has a diff to
            # show, and one that cannot succeed is answered without asking anyone.
            assessment = await asyncio.to_thread(tool.assess, item.arguments)
            if assessment.problem is not None:
                item.refused = assessment.problem
                continue
            if self.hooks is not None:  # before anyone is asked: a refused call asks nothing
                hooked = await self.hooks.pre_tool_use(tool.name, item.arguments)
                for report in hooked.reports:
                    yield HookRan(report, item.call)
                item.hook_denied, item.hook_context = hooked.denied, hooked.context
                if hooked.denied is not None:
                    continue
            effect = assessment.effect
            command = assessment.command
            if command is not None:
                verdict = gate.command_verdict(
                    tool.name, command, read_only=assessment.read_only_command
                )
            else:
                verdict = gate.verdict(tool.name, effect, tool.origin)
            if verdict.action == "allow" and verdict.by == "policy":
                continue  # a read-only built-in: nothing to decide or record
            asking = verdict.action == "ask" and gate.approver is not None
            if asking:
                yield ApprovalRequested(item.call, effect, tool.origin)
            request = ApprovalRequest(
                item.call,
                effect,
                tool.origin,
                item.arguments,
                verdict.rule,
                assessment.preview,
                command,
                _grant_for(command) if command is not None and gate.sandboxed() else None,
            )
            outcome = await gate.settle(request, verdict)
            item.declined = not outcome.runs
            item.previewed = asking and assessment.preview is not None
            yield ApprovalDecided(item.call, outcome.decision, outcome.by, effect, tool.origin)

    async def _run_tools(
        self, prepared: list[_Prepared], results: list[ToolResult]
    ) -> AsyncIterator[AgentEvent]:
        # Tools run in threads and tasks: the first place a turn needs an event loop (an
        # offline answer without tool calls never gets here, nor imports asyncio).
        await need_loop()
        import asyncio

        queue: asyncio.Queue[_Finished | ToolOutputChunk | HookRan] = asyncio.Queue()

        async def run_one(position: int, item: _Prepared) -> None:
            started = time.perf_counter()
            # The call's task (and what it starts) sends live output through this sink.
            LIVE_OUTPUT.set(lambda text: queue.put_nowait(ToolOutputChunk(item.call, text)))
            result, output = await self._execute(item)
            if self.hooks is not None and item.arguments is not None:
                ran = output is not None
                result = await after_tool(
                    self.hooks,
                    item.call,
                    item.arguments,
                    result,
                    output=output,
                    context=item.hook_context,
                    ran=ran,
                    reports=queue.put_nowait,
                )
            await queue.put(_Finished(position, result, time.perf_counter() - started, output))

        tasks: list[asyncio.Task[None]] = []
        slots: list[ToolResult | None] = [None] * len(prepared)
        try:
            # Every question is answered before anything runs: a "no" to the second call
            # must not find the first one already half done.
            async with closing(self._approve(prepared)) as approvals:
                async for event in approvals:
                    yield event
            for item in prepared:
                if not item.quiet:
                    yield ToolRunStarted(item.call, item.arguments)
            tasks = [asyncio.create_task(run_one(i, item)) for i, item in enumerate(prepared)]
            finished = 0
            while finished < len(prepared):
                entry = await queue.get()
                if isinstance(entry, ToolOutputChunk | HookRan):
                    yield entry
                    continue
                finished += 1
                slots[entry.position] = entry.result
                item = prepared[entry.position]
                result = entry.result
                if not item.quiet:
                    yield ToolRunFinished(
                        item.call, not result.is_error, result.content, entry.duration
                    )
                if entry.output is not None:
                    for change in entry.output.changes:
                        yield FileChanged(item.call, change, item.previewed)
                    if entry.output.command is not None:
                        yield CommandFinished(item.call, entry.output.command)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for position, item in enumerate(prepared):
                slot = slots[position]
                if slot is None:
                    text = DECLINED if item.declined else "Cancelled by the user."
                    slot = ToolResult(item.call.id, text, True, item.call.name)
                results.append(slot)

    async def _execute(self, item: _Prepared) -> tuple[ToolResult, ToolOutput | None]:
        """The call's result, and the tool's output when it ran (files changed, command)."""
        call = item.call
        if item.problem is not None or item.arguments is None:
            return ToolResult(call.id, f"Error: {item.problem}", True, call.name), None
        if item.hook_denied is not None:
            return denied_result(call.id, call.name, item.hook_denied), None
        if item.declined:
            return ToolResult(call.id, DECLINED, True, call.name), None
        if item.refused is not None:
            return ToolResult(call.id, f"Error: {item.refused}", True, call.name), None
        tool = item.tool
        assert tool is not None  # set with the arguments in _prepare
        timeout = tool.timeout or self.options.tool_timeout
        import asyncio  # loaded by _run_tools, which calls this

        try:
            output = await asyncio.wait_for(tool.run(item.arguments), timeout)
        except TimeoutError:
            text = f"Error: the tool timed out after {timeout:g} s."
            return ToolResult(call.id, text, True, call.name), None
        except Exception as error:
            log.debug("tool %s raised", call.name, exc_info=True)
            text = f"Error: the tool failed: {type(error).__name__}: {error}"
            return ToolResult(call.id, text, True, call.name), None
        return ToolResult(call.id, output.content, output.is_error, call.name), output


def _grant_for(command: str) -> str | None:
    """What "always" would grant for `command` (its prefix), or None."""
    from solcoder.shell.commands import suggested_prefix

    return suggested_prefix(command)


def _shifted(start: int, event: Compacted) -> int:
    """Where the turn's messages start once the first `event.replaced` became the summary."""
    if start >= event.replaced:
        return start - event.replaced + len(event.messages)
    return len(event.messages)
