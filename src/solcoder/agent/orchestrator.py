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
"Declined by the user." and never runs. How one step's calls are checked, approved, run and
answered is `agent/tool_step.py`; this module is the loop around it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from solcoder.agent.call_limits import bounded_calls
from solcoder.agent.compaction import CompactionOptions, Compactor
from solcoder.agent.events import (
    AgentEvent,
    Compacted,
    Notice,
    StepStarted,
    TurnFinished,
)
from solcoder.agent.gate import ApprovalGate
from solcoder.agent.hook_points import HookPoints
from solcoder.agent.invariants import answer_unanswered_calls, check_tool_pairing
from solcoder.agent.tool_step import PreparedCall, prepare_calls, run_tools
from solcoder.llm.catalog.reasoning import apply_reasoning
from solcoder.llm.events import Completed
from solcoder.llm.messages import (
    Message,
    PromptCache,
    ReasoningLevel,
    Request,
    ToolResult,
    Usage,
)
from solcoder.llm.providers.base import Provider, closing
from solcoder.llm.wire.assemble import DEFAULT_MAX_ARGUMENT_BYTES
from solcoder.records import shared_methods
from solcoder.tools.registry import ToolRegistry


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
                prepared = prepare_calls(
                    self.registry,
                    calls,
                    completed.stop_reason,
                    asked,
                    max_calls=options.max_tool_calls_per_step,
                    max_argument_bytes=options.max_tool_argument_bytes,
                )
                results: list[ToolResult] = []
                try:
                    async with closing(self._run_tools(prepared, results)) as runs:
                        async for event in runs:
                            yield event
                finally:
                    # Even when cancelled: tools that finished report their real results,
                    # the others "cancelled" (filled in by run_tools' own cleanup).
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

    def _run_tools(
        self, prepared: list[PreparedCall], results: list[ToolResult]
    ) -> AsyncIterator[AgentEvent]:
        """The step's calls approved by this orchestrator's gate and hooks, then run."""
        return run_tools(
            prepared,
            results,
            gate=self.approval,
            hooks=self.hooks,
            tool_timeout=self.options.tool_timeout,
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


def _shifted(start: int, event: Compacted) -> int:
    """Where the turn's messages start once the first `event.replaced` became the summary."""
    if start >= event.replaced:
        return start - event.replaced + len(event.messages)
    return len(event.messages)
