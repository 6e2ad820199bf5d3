"""Wires the REPL to the application: settings, tools and keys behind its slash commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from solcoder.errors import UsageError

if TYPE_CHECKING:
    from rich.console import RenderableType

    from solcoder.agent.conversation import Conversation
    from solcoder.agent.orchestrator import Orchestrator
    from solcoder.cli.build import Built
    from solcoder.cli.review_report import ReviewRequest
    from solcoder.config import Settings
    from solcoder.hooks.runner import HookRunner
    from solcoder.mcp.manager import McpManager
    from solcoder.sessions import Session
    from solcoder.tools.registry import ToolLike, ToolRegistry
    from solcoder.ui.commands import ReplHost


def _format_plan(content: str) -> str:
    try:
        plan = json.loads(content)
    except ValueError:
        return content
    lines = [f"Plan: {plan.get('goal', '')}"]
    for step in plan.get("steps", []):
        lines.append(f"  {step.get('number', '•')}. {step.get('title', '')}")
        if step.get("detail"):
            lines.append(f"     {step['detail']}")
    for label in ("assumptions", "risks"):
        if plan.get(label):
            lines.append(f"{label.capitalize()}:")
            lines.extend(f"  - {item}" for item in plan[label])
    return "\n".join(lines)


def review_renderable(root: Path, request: ReviewRequest) -> RenderableType:
    """`/review`'s answer: the report grouped by program, coloured by severity, made safe."""
    from rich.text import Text

    from solcoder.cli import review_report
    from solcoder.terminal import safe

    report = review_report.run(root, request)
    shown = Text()
    for number, (line, style) in enumerate(review_report.report_lines(report, diff=request.diff)):
        if number:
            shown.append("\n")
        shown.append(safe(line), style=style or "")
    return shown


def mcp_hooks(mcp: McpManager | None) -> dict[str, Any]:
    """`/mcp` and `/mcp restart NAME` over the session's MCP manager (none configured: `/mcp`
    says so and how to add one)."""
    if mcp is None:
        return {"mcp_status": list}

    def mcp_status() -> list[tuple[str, str]]:
        return [(snapshot.name, snapshot.describe()) for snapshot in mcp.snapshots()]

    async def mcp_restart(name: str) -> str:
        import asyncio

        if name not in mcp.names:
            known = ", ".join(mcp.names) or "none"
            raise UsageError(f"No MCP server named {name!r} is running.", hint=f"Servers: {known}.")
        snapshot = await asyncio.wrap_future(mcp.restart(name))
        return f"{name}: {snapshot.describe()}"

    return {"mcp_status": mcp_status, "mcp_restart": mcp_restart}


def _builtin(registry: ToolRegistry, name: str) -> ToolLike:
    tool = registry.get(name)
    if tool is None:  # a baseline tool: always registered
        raise RuntimeError(f"the {name} tool is not registered")
    return tool


def mcp_tool_rows(mcp: McpManager | None, registry: ToolRegistry) -> list[tuple[str, str]]:
    """`/tools`: a row for each configured MCP server whose tools are not listed yet (not
    started, starting, failed): its tools join the registry at the first request."""
    if mcp is None:
        return []
    from solcoder.mcp.tools import origin_of

    listed = {tool.origin for tools in registry.toolkits().values() for tool in tools}
    return [
        (
            origin_of(snapshot.name),
            f"MCP server, {snapshot.describe()}: its tools are listed here once it is ready "
            "(the first request starts it; /mcp shows its state)",
        )
        for snapshot in mcp.snapshots()
        if origin_of(snapshot.name) not in listed
    ]


def make_host(
    settings: Settings,
    registry: ToolRegistry,
    conversation: Conversation | None = None,
    apply_setting: Callable[[str, str], str | None] | None = None,
    mcp: McpManager | None = None,
) -> ReplHost:
    """The `ReplHost` for the REPL: plain callables over config, keys and the tool registry.

    `apply_setting` makes a saved setting take effect in the running conversation (a new
    provider or model from the next request on); it returns a note for the user.
    """
    from solcoder.config import load_settings, set_user_value
    from solcoder.ui.commands import ReplHost

    current = {"settings": settings}

    def get_setting(key: str) -> str:
        live = current["settings"]
        return f"{live.get(key)!r}  ({live.source(key)})"

    def set_setting(key: str, value: str) -> str:
        set_user_value(settings.home, key, value)
        # What `/config get` and `/status` read from now on: the files as saved, under the
        # flags given at launch (they still win).
        launch_flags = {
            name: current["settings"].get(name)
            for name, source in current["settings"].sources.items()
            if source == "flag"
        }
        current["settings"] = load_settings(overrides=launch_flags, home=settings.home)
        saved = f"Saved {key} = {value!r} to {settings.user_config_path}."
        if apply_setting is not None:
            note = apply_setting(key, value)
            if note:
                return f"{saved} {note}"
        return f"{saved} It applies to new sessions."

    def list_tools() -> list[tuple[str, str]]:
        # The effect first: what asks for approval is visible before it is called.
        rows = [
            (tool.name, f"[{tool.effect}] {tool.description.splitlines()[0]}")
            for tools in registry.toolkits().values()
            for tool in tools
        ]
        return rows + mcp_tool_rows(mcp, registry)

    async def run_plan(goal: str) -> str:
        if not goal.strip():
            raise UsageError(
                "Usage: /plan GOAL", hint="For example: /plan an SPL token with a mint authority"
            )
        tool = _builtin(registry, "plan")
        output = await tool.run(tool.parse_arguments(json.dumps({"goal": goal})))
        return _format_plan(output.content)

    async def run_review(argument: str | None) -> RenderableType:
        import asyncio

        from solcoder.cli.review_report import parse_arguments
        from solcoder.workspace.root import find_root

        request = parse_arguments(argument or "")
        workspace = getattr(conversation, "workspace", None)
        root = workspace.root if workspace is not None else find_root(Path.cwd())
        return await asyncio.to_thread(review_renderable, root, request)

    def rotate_key() -> str:
        import getpass

        from solcoder.credentials.store import open_store
        from solcoder.redact import admit

        provider = conversation.orchestrator.provider if conversation is not None else None
        name = provider.name if provider is not None else settings.llm.provider
        if provider is None or provider.spec.managed:
            raise UsageError(f"The {name} provider uses no API key.")
        key = getpass.getpass(f"New {name} API key (hidden): ").strip()
        if not key:
            raise UsageError("No key entered; the current key is unchanged.")
        secret = admit(key)
        store = open_store(settings)
        kind = store.set(name, secret)
        provider.set_api_key(secret)
        return f"Rotated the {name} key (saved to {kind}); the next request uses it."

    def show_logs() -> RenderableType:
        from solcoder.telemetry.render import recent_calls_renderable

        return recent_calls_renderable(settings.home)

    def status() -> list[tuple[str, str]]:
        from solcoder.cli.status import status_rows

        return status_rows(current["settings"], conversation)

    def list_skills() -> list[tuple[str, str]]:
        from solcoder.cli.extensions import skill_rows

        return skill_rows(getattr(conversation, "skills", None))

    return ReplHost(
        **mcp_hooks(mcp),
        status=status,
        rotate_key=rotate_key,
        show_logs=show_logs,
        get_setting=get_setting,
        set_setting=set_setting,
        list_tools=list_tools,
        run_plan=run_plan,
        run_review=run_review,
        list_skills=list_skills,
        custom_commands=getattr(conversation, "custom_commands", None),
    )


LIVE_SETTINGS = frozenset(
    {
        "llm.provider",
        "llm.model",
        "llm.base_url",
        "llm.api",
        "llm.timeout",
        "llm.max_retries",
        "llm.max_steps",
        "llm.tool_timeout",
        "llm.max_output_tokens",
        "llm.temperature",
        "llm.reasoning",
        "llm.reasoning_budget",
    }
)
"""Settings a running REPL switches to at once (the rest apply to new sessions)."""


def run_interactive(
    settings: Settings,
    built: Built,
    options: dict[str, Any] | None = None,
    session: Session | None = None,
) -> int:
    from rich.console import Console

    from solcoder.ui.repl import run_repl

    conversation = built.conversation
    registry = conversation.orchestrator.registry
    console = Console(file=sys.stdout)
    applied: dict[str, object] = {}
    current_budget = {"budget": getattr(built, "budget", None)}

    def apply_setting(key: str, value: str) -> str | None:
        """Rebuild the provider with the new value (flags given at launch still win)."""
        if key not in LIVE_SETTINGS:
            return None
        from solcoder.cli.build import build, flag_overrides
        from solcoder.config import load_settings

        applied[key] = value
        launch_flags = flag_overrides(options or {})
        fresh = load_settings(overrides={**applied, **launch_flags})
        rebuilt = build(
            fresh,
            api_key_flag=(options or {}).get("llm_api_key"),
            session=session,
            budget=current_budget["budget"],  # the session's count carries over the switch
            mcp=built.mcp,  # the running servers carry over
            instructions=conversation.instructions,  # the launch's: same prompt, no re-read
            skills=conversation.skills,  # the launch's skills and commands, likewise
            custom_commands=conversation.custom_commands,
            workspace=built.workspace,  # what the model read, and this session's undo
            commands=built.commands,  # the sandbox and the background processes
        )
        current_budget["budget"] = rebuilt.budget
        conversation.switch(rebuilt.conversation.orchestrator)
        if key in launch_flags:
            return (
                f"The --{key.split('.', 1)[1].replace('_', '-')} flag given at launch still wins."
            )
        return f"Now using {conversation.provider_name} · {conversation.model}."

    async def cleanup() -> None:
        if built.commands is not None:
            import asyncio

            await asyncio.to_thread(built.commands.stop_all)  # no process outlives the REPL
        await conversation.orchestrator.provider.aclose()
        if built.mcp is not None:
            import asyncio

            await asyncio.to_thread(built.mcp.close)  # the servers' processes end here

    def reasoning(level: str | None) -> str:
        return switch_reasoning(conversation.orchestrator, level, applied, options)

    from solcoder.cli.workspace_hooks import workspace_hooks

    if conversation.orchestrator.hooks is not None:
        from solcoder.cli.hooks_wiring import ask_trust

        # A launch's hooks are the HookRunner that hooks_wiring.hook_runner built.
        ask_trust(cast("HookRunner", conversation.orchestrator.hooks), settings.home)
    return run_repl(
        conversation,
        replace(
            make_host(settings, registry, conversation, apply_setting, mcp=built.mcp),
            reasoning=reasoning,
            **workspace_hooks(built.workspace, conversation),
        ),
        console=console,
        history_path=settings.home / "history",
        show_thinking=settings.ui.show_thinking,
        cleanup=cleanup,
        approval=conversation.orchestrator.approval,
    )


def switch_reasoning(
    orchestrator: Orchestrator,
    level: str | None,
    applied: dict[str, object],
    options: dict[str, Any] | None = None,
) -> str:
    """`/reasoning [LEVEL]`: the orchestrator's level, changed in place from the next request
    on (no rebuild). It also outlasts a later rebuild by `/config set`: it is recorded among
    the applied settings and, when `--reasoning` was given at launch, in place of the flag."""
    from solcoder.llm.catalog.reasoning import plan_reasoning, reasoning_level

    if level is not None:
        try:
            chosen = reasoning_level(level)
        except ValueError:
            raise UsageError(
                f"Unknown reasoning level {level!r}.",
                hint="Use /reasoning off, low, medium or high.",
            ) from None
        applied["llm.reasoning"] = chosen
        if options is not None and options.get("reasoning") is not None:
            options["reasoning"] = chosen
        orchestrator.options = replace(orchestrator.options, reasoning=chosen)
    current = orchestrator.options.reasoning
    provider = orchestrator.provider
    line = f"Reasoning: {current}."
    if current != "off" and plan_reasoning(provider.spec, provider.model, current) is None:
        line += f" {provider.model} does not take reasoning control: nothing is sent."
    return line
