"""One step's tool calls: checked, settled by the approval gate, run in parallel, answered.

Split from `agent/orchestrator.py` so that the loop there reads as stream → tools → repeat,
while what happens to each call of a step lives here: the checks that turn malformed output
into an error result (unknown tool, cut-off or oversized arguments, a schema failure), the
approval of every call in call order before any of them starts (`agent/gate.py`, and the
`pre_tool_use` hooks), the parallel run with live output and timeouts, and the rule that every
call is answered exactly once, even when the step is cancelled.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from solcoder.agent.approval import DECLINED
from solcoder.agent.call_limits import longer_than, over_limit_note
from solcoder.agent.events import (
    AgentEvent,
    ApprovalDecided,
    ApprovalRequested,
    CommandFinished,
    FileChanged,
    HookRan,
    ToolOutputChunk,
    ToolRunFinished,
    ToolRunStarted,
)
from solcoder.agent.gate import ApprovalGate, ApprovalRequest
from solcoder.agent.hook_points import HookPoints, after_tool, denied_result
from solcoder.llm.messages import ToolCall, ToolResult
from solcoder.llm.providers.base import closing
from solcoder.loopless import need_loop
from solcoder.records import shared_methods
from solcoder.shell.live import LIVE_OUTPUT
from solcoder.tools.registry import ToolArgumentError, ToolLike, ToolOutput, ToolRegistry

log = logging.getLogger(__name__)


@shared_methods
@dataclass(slots=True, eq=False, repr=False)
class PreparedCall:
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


def prepare_calls(
    registry: ToolRegistry,
    calls: Sequence[ToolCall],
    stop_reason: str,
    asked: int,
    *,
    max_calls: int,
    max_argument_bytes: int,
) -> list[PreparedCall]:
    """Each call checked; the one past `max_calls` (kept by `bounded_calls`) answers for
    every excess call, without a line of its own on the screen."""
    return [
        prepare_call(registry, call, stop_reason, max_argument_bytes)
        if position < max_calls
        else PreparedCall(call, None, over_limit_note(asked, max_calls), quiet=True)
        for position, call in enumerate(calls)
    ]


def prepare_call(
    registry: ToolRegistry, call: ToolCall, stop_reason: str, max_argument_bytes: int
) -> PreparedCall:
    """The call's tool and parsed arguments, or the problem the model is told about."""
    tool = registry.get(call.name)
    if tool is None:
        close = registry.closest(call.name)
        hint = f" Did you mean {close!r}?" if close else ""
        names = ", ".join(registry.names())
        return PreparedCall(call, None, f"Unknown tool {call.name!r}.{hint} Tools: {names}.")
    if stop_reason == "max_tokens":
        return PreparedCall(
            call,
            None,
            "Your tool call was cut off by the output token limit before its arguments "
            "were complete. Send it again with shorter arguments.",
        )
    limit = max_argument_bytes
    if longer_than(call.arguments, limit):
        return PreparedCall(
            call,
            None,
            f"Your arguments for `{call.name}` are longer than the limit of {limit} bytes "
            "(llm.max_tool_argument_bytes), so the call was not run. Send smaller "
            "arguments, or split the work into several calls.",
        )
    try:
        return PreparedCall(call, tool.parse_arguments(call.arguments), None, tool=tool)
    except ToolArgumentError as error:
        return PreparedCall(call, None, str(error))


async def _approve(
    prepared: list[PreparedCall], gate: ApprovalGate, hooks: HookPoints | None
) -> AsyncIterator[AgentEvent]:
    """Settle each call that needs a decision, in order; marks the declined ones."""
    import asyncio  # loaded by run_tools, which calls this

    for item in prepared:
        if item.problem is not None or item.arguments is None:
            continue
        tool = item.tool
        assert tool is not None  # set with the arguments in prepare_call
        # What this very call would do: a read of a secret asks, an edit has a diff to
        # show, and one that cannot succeed is answered without asking anyone.
        assessment = await asyncio.to_thread(tool.assess, item.arguments)
        if assessment.problem is not None:
            item.refused = assessment.problem
            continue
        if hooks is not None:  # before anyone is asked: a refused call asks nothing
            hooked = await hooks.pre_tool_use(tool.name, item.arguments)
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


async def run_tools(
    prepared: list[PreparedCall],
    results: list[ToolResult],
    *,
    gate: ApprovalGate,
    hooks: HookPoints | None,
    tool_timeout: float,
) -> AsyncIterator[AgentEvent]:
    """Approve, then run the step's calls in parallel; `results` gets one answer per call,
    in call order, even when cancelled (the unfinished ones "cancelled" or declined)."""
    # Tools run in threads and tasks: the first place a turn needs an event loop (an
    # offline answer without tool calls never gets here, nor imports asyncio).
    await need_loop()
    import asyncio

    queue: asyncio.Queue[_Finished | ToolOutputChunk | HookRan] = asyncio.Queue()

    async def run_one(position: int, item: PreparedCall) -> None:
        started = time.perf_counter()
        # The call's task (and what it starts) sends live output through this sink.
        LIVE_OUTPUT.set(lambda text: queue.put_nowait(ToolOutputChunk(item.call, text)))
        result, output = await _execute(item, tool_timeout)
        if hooks is not None and item.arguments is not None:
            ran = output is not None
            result = await after_tool(
                hooks,
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
        async with closing(_approve(prepared, gate, hooks)) as approvals:
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


async def _execute(item: PreparedCall, tool_timeout: float) -> tuple[ToolResult, ToolOutput | None]:
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
    assert tool is not None  # set with the arguments in prepare_call
    timeout = tool.timeout or tool_timeout
    import asyncio  # loaded by run_tools, which calls this

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
