"""Where the agent calls the user's hooks, as an interface the CLI wiring fills in.

The orchestrator and the conversation know only this protocol (`solcoder.hooks.runner`
implements it), so a session without hooks imports nothing of them, and agent tests can pass
a fake. What a hook decides reaches the model through the two helpers below: a denied call's
result, and context appended to a result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from solcoder.llm.messages import ToolCall, ToolResult

if TYPE_CHECKING:
    from solcoder.agent.events import HookRan
    from solcoder.hooks.model import HookOutcome
    from solcoder.tools.registry import ToolOutput

HOOK_DENIED = "Denied by a hook"
"""How a result the model gets for a call a `pre_tool_use` hook refused begins."""


class HookPoints(Protocol):
    """The session's hooks (docs/hooks.md). Each returns what the hooks of that event decided
    together; "allow" is never a decision here: hooks can only deny or add context."""

    async def session_start(self) -> HookOutcome: ...
    async def user_prompt(self, prompt: str) -> HookOutcome: ...
    async def pre_tool_use(self, tool: str, arguments: Mapping[str, Any]) -> HookOutcome: ...
    async def post_tool_use(
        self,
        tool: str,
        arguments: Mapping[str, Any],
        result: str,
        *,
        is_error: bool,
        changed: Sequence[str] = (),
    ) -> HookOutcome: ...
    async def stop(self, reason: str) -> HookOutcome: ...


def denied_result(call_id: str, name: str, reason: str) -> ToolResult:
    """The error result for a call a hook refused: the model reads why."""
    return ToolResult(call_id, f"{HOOK_DENIED}: {reason}", True, name)


def with_context(result: ToolResult, context: str | None) -> ToolResult:
    """`result` with the hooks' context appended (unchanged without any)."""
    if not context:
        return result
    text = f"{result.content}\n\n[hook context]\n{context}"
    return ToolResult(result.call_id, text, result.is_error, result.name)


async def after_tool(
    hooks: HookPoints,
    call: ToolCall,
    arguments: Mapping[str, Any],
    result: ToolResult,
    *,
    output: ToolOutput | None,
    context: str | None,
    ran: bool,
    reports: Callable[[HookRan], None],
) -> ToolResult:
    """A call's result once the hooks had their say: `post_tool_use` hooks run when the tool
    ran (`ran`; not for a call refused or declined), and the contexts of both events are
    appended. Each hook's report goes to `reports` as it is known."""
    from solcoder.agent.events import HookRan

    if ran:
        changed = [change.path for change in output.changes] if output is not None else []
        outcome = await hooks.post_tool_use(
            call.name, arguments, result.content, is_error=result.is_error, changed=changed
        )
        for report in outcome.reports:
            reports(HookRan(report, call))
        extra = [text for text in (context, outcome.context, _objection(outcome)) if text]
        context = "\n".join(extra) or None
    return with_context(result, context)


def _objection(outcome: HookOutcome) -> str | None:
    """A `post_tool_use` deny cannot undo what ran: the model reads it as feedback."""
    return f"A hook objected: {outcome.denied}" if outcome.denied else None


async def before_prompt(
    hooks: HookPoints, prompt: str, *, first: bool
) -> tuple[list[HookRan], str | None, list[str]]:
    """`session_start` (on the session's `first` prompt) then `user_prompt`: the reports, the
    reason the prompt must not be sent (or None), and notes for the model (their context)."""
    from solcoder.agent.events import HookRan

    outcomes = [await hooks.session_start()] if first else []
    outcomes.append(await hooks.user_prompt(prompt))
    reports = [HookRan(report) for outcome in outcomes for report in outcome.reports]
    notes = [f"hook context: {outcome.context}" for outcome in outcomes if outcome.context]
    return reports, outcomes[-1].denied, notes


async def at_stop(hooks: HookPoints, reason: str) -> tuple[list[HookRan], list[str]]:
    """`stop` when a turn ends: the reports, and notes for the model's next prompt."""
    from solcoder.agent.events import HookRan

    outcome = await hooks.stop(reason)
    notes = [f"hook context (after the last turn): {outcome.context}"] if outcome.context else []
    return [HookRan(report) for report in outcome.reports], notes
