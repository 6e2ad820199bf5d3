"""`/status`: what is in effect right now, as (label, value) rows.

One function per concern, each returning its rows, so a new concern (project instructions,
MCP servers, rate limits, budgets) is one function and one line in `STATUS_SOURCES`; the REPL
shows the rows as a two-column table and never learns what they mean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solcoder.agent.conversation import Conversation
    from solcoder.config import Settings
    from solcoder.llm.wire.rate_limits import RateLimitSnapshot

Rows = Iterable[tuple[str, str]]
StatusSource = Callable[["Settings | None", "Conversation | None"], Rows]
"""(settings, conversation) -> rows; either may be None in tests."""


def provider_rows(settings: Settings | None, conversation: Conversation | None) -> Rows:
    if conversation is None:
        return []
    return [
        ("provider", conversation.provider_name),
        ("model", conversation.model),
    ]


def session_rows(settings: Settings | None, conversation: Conversation | None) -> Rows:
    if conversation is None:
        return []
    return [
        ("session", conversation.describe_session()),
        ("usage", conversation.usage_summary()),
    ]


def instruction_rows(settings: Settings | None, conversation: Conversation | None) -> Rows:
    """The project instruction files in the system prompt (`cli/instructions.py`)."""
    if conversation is None:
        return []
    from solcoder.cli.instructions import status_lines

    lines = status_lines(conversation.instructions)
    return [("instructions" if number == 0 else "", line) for number, line in enumerate(lines)]


def extension_rows(settings: Settings | None, conversation: Conversation | None) -> Rows:
    """The skills (with their system-prompt cost) and custom slash commands in force
    (`cli/extensions.py`)."""
    if conversation is None:
        return []
    from solcoder.cli.extensions import command_status, skill_status

    return [
        ("skills", skill_status(getattr(conversation, "skills", None))),
        ("custom commands", command_status(getattr(conversation, "custom_commands", None))),
    ]


def limit_rows(settings: Settings | None, conversation: Conversation | None) -> Rows:
    """The provider's rate limits as its server last announced them, and the session budget
    (counted across resumes and model switches) with the per-turn step bound."""
    if conversation is None:
        return []
    import time

    from solcoder.llm.transport.pacing import RATE_LIMITS
    from solcoder.middleware.budget import BudgetedProvider

    snapshot = RATE_LIMITS.latest(conversation.provider_name)
    rows = [("rate limits", describe_rate_limits(snapshot, time.time()))]
    provider = conversation.orchestrator.provider
    budget = provider.budget.describe() if isinstance(provider, BudgetedProvider) else "no limits"
    if settings is not None:
        budget += f" · up to {settings.llm.max_steps} steps a turn"
    rows.append(("budget", budget))
    return rows


def describe_rate_limits(snapshot: RateLimitSnapshot | None, now: float) -> str:
    """`requests 2/3 left · tokens 900/1,000 left · refills in 2 s`, or what is not known."""
    if snapshot is None:
        return "none announced yet"
    parts = []
    for name, window in snapshot.windows():
        if window.reset_in(now) == 0:
            parts.append(f"{name.replace('_', ' ')} refilled")
            continue
        size = f"/{window.limit:,}" if window.limit is not None else ""
        left = f"{window.remaining:,}" if window.remaining is not None else "?"
        parts.append(f"{name.replace('_', ' ')} {left}{size} left")
    reset = snapshot.reset_in(now)
    if reset:
        parts.append(f"refills in {reset:.0f} s")
    return " · ".join(parts)


def workspace_rows(settings: Settings | None, conversation: Conversation | None) -> Rows:
    """Where the file tools work, whether edits ask, and how many turns /undo can restore."""
    workspace = getattr(conversation, "workspace", None)  # test doubles have none
    if workspace is None or conversation is None:
        return []
    gate = conversation.orchestrator.approval
    edits = "applied without asking" if gate.approvals.edits else "asked for"
    if gate.edit_tools and gate.edit_tools <= gate.granted:
        edits = "applied without asking (always, this session)"
    store = workspace.store() if workspace.has_checkpoints() else None
    turns = len(store.turns()) if store is not None else 0
    rows = [
        ("workspace", str(workspace.root)),
        ("edits", f"{edits} · /undo can restore {turns} turn{'s' if turns != 1 else ''}"),
    ]
    commands = getattr(conversation, "commands", None)
    if commands is not None:
        rows.append(("commands", commands.describe()))
        if commands.has_processes():
            running = [p for p in commands.processes.list() if p.state.running]
            rows.append(("processes", f"{len(running)} running (/ps lists them)"))
    return rows


def program_rows(settings: Settings | None, conversation: Conversation | None) -> Rows:
    """The workspace's Solana programs in one row (manifests and built IDLs)."""
    workspace = getattr(conversation, "workspace", None)
    if workspace is None:
        return []
    from solcoder.solana.program_info import status_line

    line = status_line(workspace.root)
    return [("programs", line)] if line else []


def tool_source_rows(settings: Settings | None, conversation: Conversation | None) -> Rows:
    """One row per MCP server (any tool source of the registry): its state right now."""
    if conversation is None:
        return []
    registry = conversation.orchestrator.registry
    return [row for source in registry.sources() for row in source.status_rows()]


def hook_rows(settings: Settings | None, conversation: Conversation | None) -> Rows:
    """The hooks in force: event, matcher, command, source, and whether each runs."""
    orchestrator = getattr(conversation, "orchestrator", None)
    hooks = getattr(orchestrator, "hooks", None)
    if hooks is None:
        return []
    from solcoder.cli.hooks_wiring import status_rows

    return status_rows(hooks)


STATUS_SOURCES: tuple[StatusSource, ...] = (
    provider_rows,
    session_rows,
    limit_rows,
    instruction_rows,
    extension_rows,
    workspace_rows,
    program_rows,
    tool_source_rows,
    hook_rows,
)


def status_rows(
    settings: Settings | None, conversation: Conversation | None
) -> list[tuple[str, str]]:
    """Every source's rows, in order."""
    return [row for source in STATUS_SOURCES for row in source(settings, conversation)]
