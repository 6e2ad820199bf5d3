"""`solcoder --dry-run-llm`: the smoke conversation that proves the whole loop works.

Turn 1 ("hello world") must stream a reply token by token; turn 2 ("run a plan") must make the
model call the `plan` tool, run it, send the result back and get an answer. Each turn is
measured (time to first token, latency, tokens, cost when known, retries, tool calls) and a
summary is printed; the exit code is 0 only if every check passed.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from solcoder.agent.events import ToolRunFinished, TurnFinished
from solcoder.errors import SolcoderError
from solcoder.llm.events import Completed, TextDelta, ToolCallDelta, ToolCallStart

if TYPE_CHECKING:
    from solcoder.agent.conversation import Conversation
    from solcoder.agent.events import AgentEvent
    from solcoder.config import Settings
    from solcoder.sessions import Session
    from solcoder.ui.render import EventSink

TURNS: tuple[tuple[str, str | None], ...] = (
    ("hello world", None),
    ("run a plan for an Anchor counter program on devnet", "plan"),
)


@dataclass(slots=True)
class TurnStats:
    prompt: str
    first_token_s: float | None = None
    latency_s: float = 0.0
    text_deltas: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read: int = 0
    cache_write: int = 0
    cache_write_1h: int = 0
    reasoning: int = 0
    """Reasoning tokens the provider reported (part of `output_tokens` where it counts them)."""
    cost_usd: float | None = None
    retries: int = 0
    usage_estimated: bool = False
    """The server reported no usage: the counts are SolCoder's estimates."""
    tool_calls: list[str] = field(default_factory=list)
    tool_errors: list[str] = field(default_factory=list)
    completed_after_tools: bool = False
    saw_tool_result: bool = False
    finished: str = ""


@dataclass(slots=True)
class Check:
    name: str
    ok: bool
    detail: str


async def _run_turn(
    conversation: Conversation, sink: EventSink, prompt: str, force_tool: str | None
) -> TurnStats:
    from solcoder.llm.providers.base import closing

    stats = TurnStats(prompt)
    started = time.perf_counter()
    async with closing(conversation.run_turn(prompt, force_tool=force_tool)) as events:
        async for event in events:
            sink.handle(event)
            _account(event, stats, conversation, started)
    stats.latency_s = time.perf_counter() - started
    return stats


def _account(
    event: AgentEvent, stats: TurnStats, conversation: Conversation, started: float
) -> None:
    """Add one event to the turn's figures."""
    if isinstance(event, TextDelta | ToolCallStart | ToolCallDelta):
        if stats.first_token_s is None:
            stats.first_token_s = time.perf_counter() - started
        if isinstance(event, TextDelta):
            stats.text_deltas += 1
    elif isinstance(event, ToolRunFinished):
        stats.saw_tool_result = True
        stats.tool_calls.append(event.call.name)
        if not event.ok:
            stats.tool_errors.append(f"{event.call.name}: {event.content[:200]}")
    elif isinstance(event, Completed):
        stats.input_tokens += event.usage.input
        stats.output_tokens += event.usage.output
        stats.cache_read += event.usage.cache_read
        stats.cache_write += event.usage.cache_write
        stats.cache_write_1h += event.usage.cache_write_1h
        stats.reasoning += event.usage.reasoning
        stats.usage_estimated = stats.usage_estimated or event.extra.get("usage_estimated") is True
        stats.completed_after_tools = stats.completed_after_tools or stats.saw_tool_result
        stats.retries += _retries(conversation)
    elif isinstance(event, TurnFinished):
        stats.finished = event.reason


def _retries(conversation: Conversation) -> int:
    stats = getattr(conversation.orchestrator.provider, "last_stats", None)
    return max(0, stats.attempts - 1) if stats is not None else 0


def _checks(turns: list[TurnStats], conversation: Conversation) -> list[Check]:
    hello, plan = turns
    fallback_error = getattr(conversation, "fallback_error", None)
    provider_check = Check(
        "configured provider answered",
        fallback_error is None,
        "yes"
        if fallback_error is None
        else f"fell back to offline after: {fallback_error.display_message}",
    )
    return [
        provider_check,
        Check(
            "streamed",
            hello.text_deltas >= 2,
            f"{hello.text_deltas} text deltas in turn 1 (need ≥ 2 to call it streaming)",
        ),
        Check(
            "tool round trip",
            "plan" in plan.tool_calls and plan.completed_after_tools and not plan.tool_errors,
            f"tool calls {plan.tool_calls or 'none'}"
            + (f"; errors: {plan.tool_errors}" if plan.tool_errors else ""),
        ),
        Check(
            "turns finished",
            all(t.finished == "done" for t in turns),
            ", ".join(t.finished or "unfinished" for t in turns),
        ),
    ]


def dry_run_hint(error: SolcoderError) -> str | None:
    """The next step for a failed dry run. REPL advice (/clear, /retry, resuming the session)
    means nothing here: every dry run is a fresh two-turn conversation."""
    from solcoder.errors import ContextTooLongError, ProtocolError

    if isinstance(error, ContextTooLongError):
        return (
            "The smoke conversation did not fit the model's context window. Use a model with "
            "a larger window (--llm-model), lower `llm.max_output_tokens`, or for the local "
            "model raise `llm.local_context`; then run the dry run again."
        )
    hint = error.hint or ""
    if isinstance(error, ProtocolError) or not any(word in hint for word in ("/clear", "/retry")):
        return error.hint
    sentences = [part for part in hint.split(". ") if "/clear" not in part and "/retry" not in part]
    kept = ". ".join(sentences).strip()
    return f"{kept} Then run the dry run again.".strip() if kept else "Run the dry run again."


def _format_seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:.0f} ms"


def _summary_lines(
    provider: str, model: str, turns: list[TurnStats], checks: list[Check]
) -> list[str]:
    lines = [
        f"Dry run against {provider} · {model}",
        f"{'turn':<34} {'ttft':>8} {'latency':>9} {'in':>6} {'out':>6} {'cost':>8} "
        f"{'retries':>7}  tools",
    ]
    for stats in turns:
        cost = "n/a" if stats.cost_usd is None else f"${stats.cost_usd:.4f}"
        lines.append(
            f"{stats.prompt[:34]:<34} {_format_seconds(stats.first_token_s):>8} "
            f"{_format_seconds(stats.latency_s):>9} {_tokens(stats.input_tokens, stats):>6} "
            f"{_tokens(stats.output_tokens, stats):>6} {cost:>8} {stats.retries:>7}  "
            f"{', '.join(stats.tool_calls) or '-'}"
        )
    if any(stats.usage_estimated for stats in turns):
        from solcoder.llm.catalog.providers import OFFLINE

        # The offline provider is no server: it never counts tokens, by design.
        source = "the offline model reports" if provider == OFFLINE.name else "the server reported"
        lines.append(f"~ {source} no token counts: estimated by SolCoder")
    for number, stats in enumerate(turns, start=1):
        if stats.cache_read or stats.cache_write:
            lines.append(
                f"prompt cache, turn {number}: {stats.cache_read} tokens read, "
                f"{stats.cache_write} written"
            )
        if stats.reasoning:
            lines.append(f"reasoning, turn {number}: {stats.reasoning} tokens")
    for check in checks:
        lines.append(f"{'✓' if check.ok else '✗'} {check.name}: {check.detail}")
    return lines


def _tokens(count: int, stats: TurnStats) -> str:
    return f"~{count}" if stats.usage_estimated else str(count)


def _cost(provider: str, model: str, stats: TurnStats, api: str) -> float | None:
    """The turn's price, cache reads and writes at their own rates (`api` says whether the
    reported input counts them)."""
    from solcoder.llm.catalog.pricing import cost_usd
    from solcoder.llm.messages import Usage

    usage = Usage(
        input=stats.input_tokens,
        output=stats.output_tokens,
        cache_read=stats.cache_read,
        cache_write=stats.cache_write,
        cache_write_1h=stats.cache_write_1h,
    )
    return cost_usd(provider, model, usage, api=api)


async def _dry_run(settings: Settings, options: dict[str, Any], session: Session) -> int:
    from solcoder.cli.build import build
    from solcoder.cli.output import print_notice
    from solcoder.cli.turn_output import announce_session, make_sink

    built = build(
        settings,
        api_key_flag=options.get("llm_api_key"),
        session=session,
        options=options,
        file_tools=False,
    )
    for notice in built.notices:
        print_notice(notice)
    conversation = built.conversation
    json_output = bool(options["json_output"])
    announce_session(session, json_output)
    sink = make_sink(json_output, settings.ui.show_thinking, diagnostics_to_stderr=False)
    if not json_output:
        from solcoder.cli.turn_output import with_spinner

        sink = await with_spinner(sink)  # "waiting for the model…" on a terminal, as `-p` shows
    out = sys.stdout
    turns: list[TurnStats] = []
    try:
        for prompt, force_tool in TURNS:
            if not json_output:
                out.write(f"\n› {prompt}\n")
                out.flush()
            try:
                turns.append(await _run_turn(conversation, sink, prompt, force_tool))
            except SolcoderError as error:
                from solcoder.cli.turn_output import note_failure

                error.hint = dry_run_hint(error)
                note_failure(error, settings, session, resumable=False)
                sink.error(error)
                return error.exit_code
    finally:
        await conversation.orchestrator.provider.aclose()
    provider, model = conversation.provider_name, conversation.model
    api = conversation.orchestrator.provider.spec.api
    for stats in turns:
        stats.cost_usd = _cost(provider, model, stats, api)
    checks = _checks(turns, conversation)
    from solcoder.terminal import safe, safe_json

    if json_output:
        out.write(
            safe_json(
                {
                    "type": "summary",
                    "provider": provider,
                    "model": model,
                    "turns": [_turn_json(t) for t in turns],
                    "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks],
                    "ok": all(c.ok for c in checks),
                }
            )
            + "\n"
        )
    else:
        # Check details quote what the model sent: made terminal-safe like every outside text.
        out.write("\n" + safe("\n".join(_summary_lines(provider, model, turns, checks))) + "\n")
    out.flush()
    sink.close()
    if all(c.ok for c in checks):
        return 0
    fallback_error = getattr(conversation, "fallback_error", None)
    if fallback_error is not None:
        return int(fallback_error.exit_code)
    # Otherwise the provider's output did not do what the protocol promised.
    return 6


def _turn_json(stats: TurnStats) -> dict[str, Any]:
    return {
        "prompt": stats.prompt,
        "ttft_ms": None if stats.first_token_s is None else round(stats.first_token_s * 1000, 1),
        "latency_ms": round(stats.latency_s * 1000, 1),
        "text_deltas": stats.text_deltas,
        "usage": {
            "input": stats.input_tokens,
            "output": stats.output_tokens,
            "cache_read": stats.cache_read,
            "cache_write": stats.cache_write,
            # Only when reported, so the summary of a model that does not reason keeps its shape.
            **({"reasoning": stats.reasoning} if stats.reasoning else {}),
        },
        "usage_estimated": stats.usage_estimated,
        "cost_usd": stats.cost_usd,
        "retries": stats.retries,
        "tool_calls": stats.tool_calls,
        "finished": stats.finished,
    }


def run_dry_run(settings: Settings, options: dict[str, Any], session: Session) -> int:
    return asyncio.run(_dry_run(settings, options, session))
