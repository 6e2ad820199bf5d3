"""Builds the running objects from settings: provider, tool registry, orchestrator, conversation.

The CLI's wiring; nothing here talks to the network. The provider itself is built in
`provider_wiring.py` (keys in the documented order; a missing key prompts, falls back offline
when configured, or fails with the exact variable and command to fix it), MCP servers in
`mcp_wiring.py`, the workspace and the command sandbox in `workspace_wiring.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from solcoder.records import shared_methods

if TYPE_CHECKING:
    from solcoder.agent.conversation import Conversation
    from solcoder.agent.gate import ApprovalGate
    from solcoder.agent.hook_points import HookPoints
    from solcoder.agent.orchestrator import Orchestrator
    from solcoder.agent.project_instructions import ProjectInstructions
    from solcoder.commands.context import CommandContext
    from solcoder.config import Settings
    from solcoder.llm.providers.base import Provider
    from solcoder.mcp.manager import McpManager
    from solcoder.middleware.budget import SessionBudget
    from solcoder.sessions import Session
    from solcoder.skills.catalog import SkillSet
    from solcoder.skills.slash_commands import CommandSet
    from solcoder.workspace.session import WorkspaceSession


@shared_methods
@dataclass(slots=True, eq=False, repr=False)
class Built:
    conversation: Conversation
    provider: Provider
    notices: list[str]
    budget: SessionBudget | None = None
    """The session's token and cost count, handed to the next `build` on a rebuild."""
    mcp: McpManager | None = None
    """The configured MCP servers (started by the first request); close it when done."""
    workspace: WorkspaceSession | None = None
    """The project the file tools work in (kept across a rebuild: what was read, undo)."""
    commands: CommandContext | None = None
    """How commands run (sandbox, background processes); kept across a rebuild."""


def flag_overrides(options: dict[str, Any]) -> dict[str, object]:
    """Map root CLI flags onto dotted setting names (only the flags that were given)."""
    mapping = {
        "llm_provider": "llm.provider",
        "llm_base_url": "llm.base_url",
        "llm_model": "llm.model",
        "llm_api": "llm.api",
        "offline_mode": "llm.offline_mode",
        "offline_fallback": "llm.offline_fallback",
        "timeout": "llm.timeout",
        "max_retries": "llm.max_retries",
        "reasoning": "llm.reasoning",
        "max_steps": "llm.max_steps",
        "project_instructions": "llm.project_instructions",
        "approve_edits": "tools.approve_edits",
        "sandbox": "tools.sandbox",
        "network": "tools.network",
    }
    return {key: options[name] for name, key in mapping.items() if options.get(name) is not None}


def approval_gate(settings: Settings, options: dict[str, Any] | None = None) -> ApprovalGate:
    """The session's approval gate: `[approval]` rules and the `--approve` flags; nobody to
    ask until the REPL plugs its approver in (so `-p` and the dry run never wait)."""
    from solcoder.agent.approval import ApprovalRules, CommandLineApprovals
    from solcoder.agent.gate import ApprovalGate
    from solcoder.tools.workspace import EDIT_TOOLS

    options = options or {}
    return ApprovalGate(
        rules=ApprovalRules(
            allow=settings.approval.allow, ask=settings.approval.ask, deny=settings.approval.deny
        ),
        project_rules=ApprovalRules(
            ask=settings.project_approval.get("ask", ()),
            deny=settings.project_approval.get("deny", ()),
        ),
        approvals=CommandLineApprovals(
            patterns=tuple(options.get("approve") or ()),
            everything=bool(options.get("approve_all")),
            edits=settings.tools.approve_edits,
        ),
        edit_tools=EDIT_TOOLS,
    )


def build_orchestrator(
    settings: Settings,
    provider: Provider,
    *,
    cache_key: str = "",
    approval: ApprovalGate | None = None,
    mcp: McpManager | None = None,
    instructions: ProjectInstructions | None = None,
    workspace: WorkspaceSession | None = None,
    commands: CommandContext | None = None,
    skills: SkillSet | None = None,
    hooks: HookPoints | None = None,
) -> Orchestrator:
    """`cache_key` (the session id) groups this conversation's requests in the provider's
    prompt cache; without one, a fresh id per orchestrator does the same. `instructions`
    (AGENTS.md, SOLCODER.md) extend the system prompt only: tools and options never
    depend on them. `skills` add their names to the prompt and offer `load_skill`."""
    from solcoder.agent.compaction import CompactionOptions
    from solcoder.agent.orchestrator import AgentOptions, Orchestrator
    from solcoder.agent.prompts import system_prompt
    from solcoder.config.values import parse_share
    from solcoder.llm.catalog.reasoning import reasoning_level
    from solcoder.llm.messages import CacheTtl, PromptCache
    from solcoder.tools.toolkits import default_registry

    llm = settings.llm
    cache = None
    if llm.prompt_cache:
        if not cache_key:
            import uuid  # not for a session's own key: uuid imports platform (start-up)

            cache_key = uuid.uuid4().hex
        ttl: CacheTtl = "1h" if llm.cache_ttl == "1h" else "5m"
        cache = PromptCache(key=cache_key, ttl=ttl)
    options = AgentOptions(
        system=system_prompt(
            instructions,
            workspace=None if workspace is None else str(workspace.root),
            skills=skills,
        ),
        max_steps=llm.max_steps,
        tool_timeout=llm.tool_timeout,
        max_tool_calls_per_step=llm.max_tool_calls_per_step,
        max_tool_argument_bytes=llm.max_tool_argument_bytes,
        max_output_tokens=llm.max_output_tokens or None,
        temperature=llm.temperature,
        cache=cache,
        reasoning=reasoning_level(llm.reasoning),
        reasoning_budget=llm.reasoning_budget,
        compaction=CompactionOptions(threshold=parse_share(llm.compact_at), timeout=llm.timeout),
    )
    from solcoder.cli.mcp_wiring import attach_mcp_tools
    from solcoder.tools.commands import attach_command_tools
    from solcoder.tools.program_tools import attach_program_tools
    from solcoder.tools.workspace import attach_workspace_tools

    registry = default_registry()
    attach_workspace_tools(registry, workspace)
    attach_program_tools(registry, workspace)
    if workspace is not None:
        from solcoder.tools.launch_root import set_launch_root

        set_launch_root(workspace.root)
    attach_command_tools(registry, commands)
    attach_mcp_tools(registry, mcp)
    if skills is not None and skills.skills:
        from solcoder.tools.skills import attach_skill_tool

        attach_skill_tool(registry, skills, None if workspace is None else workspace.root)
    gate = approval if approval is not None else approval_gate(settings)
    if commands is not None:
        gate.sandboxed = lambda: commands.sandboxed
    return Orchestrator(provider, registry, options, approval=gate, hooks=hooks)


def build(
    settings: Settings,
    *,
    api_key_flag: str | None,
    session: Session | None = None,
    budget: SessionBudget | None = None,
    options: dict[str, Any] | None = None,
    mcp: McpManager | None = None,
    instructions: ProjectInstructions | None = None,
    workspace: WorkspaceSession | None = None,
    file_tools: bool = True,
    commands: CommandContext | None = None,
    skills: SkillSet | None = None,
    custom_commands: CommandSet | None = None,
) -> Built:
    """`budget` is the session's count so far when a running REPL rebuilds its provider
    (`/config set`); without it a resumed session's count starts from its transcript.
    `options` (the root flags) give the `--approve` patterns. `mcp`: servers already
    running (a REPL rebuild keeps them); else from `settings`. `instructions`: the project's
    files, read once per launch by the caller (a `/config set` rebuild keeps the launch's);
    none in the dry run or when turned off. `workspace`: the one a REPL rebuild keeps;
    `file_tools=False` (the dry run's scripted conversation) offers no workspace tools.
    `skills` and `custom_commands`: found once per launch by the caller (`cli/extensions.py`)
    and kept across a rebuild, like `instructions`."""
    from solcoder.agent.conversation import Conversation
    from solcoder.cli.mcp_wiring import mcp_manager
    from solcoder.cli.provider_wiring import chosen_provider, offline_provider
    from solcoder.cli.workspace_wiring import command_context, workspace_session
    from solcoder.errors import LLMError
    from solcoder.llm.catalog.providers import LOCAL, OFFLINE
    from solcoder.middleware.budget import BudgetedProvider, wrap_for_budget

    notices: list[str] = []
    llm = settings.llm
    mcp = mcp or mcp_manager(settings)
    if api_key_flag:
        notices.append(
            "Warning: --llm-api-key is visible to other users in the process list; prefer "
            "SOLCODER_LLM_API_KEY or `solcoder auth login`."
        )
    provider = chosen_provider(settings, api_key_flag, notices)
    session_id = session.id if session is not None else ""
    # Everything the closures below read is bound before them (no name they use is
    # assigned later in this function): the turn counter learns its conversation last.
    turns = TurnCounter(session)
    gate = approval_gate(settings, options)
    if workspace is None and file_tools:
        workspace = workspace_session(settings, options, session, turns)
    if commands is None and workspace is not None:
        commands = command_context(settings, workspace)
    # The dry run (no file tools) checks the provider: no hook of the user's runs there.
    hooks = _hook_runner(settings, workspace, session_id) if file_tools else None
    if budget is None:
        budget = session_budget(settings, session)
    history = session.messages() if session is not None else []
    if session is not None and (session.provider, session.model) != (provider.name, provider.model):
        session.set_model(provider.name, provider.model)

    def orchestrator_for(inner: Provider, *, fell_back: bool = False) -> Orchestrator:
        """Telemetry records every call; the budget is outermost, so a request it refuses is
        never sent, so never recorded as a call."""
        from solcoder.middleware.recording import wrap_for_telemetry

        recorded = wrap_for_telemetry(
            inner, settings, session_id, fallback=fell_back, turn_counter=turns
        )
        return build_orchestrator(
            settings,
            wrap_for_budget(recorded, settings, budget),
            cache_key=session_id,
            approval=gate,
            mcp=mcp,
            instructions=instructions,
            workspace=workspace,
            commands=commands,
            skills=skills,
            hooks=hooks,
        )

    fallback = None
    if llm.offline_fallback and not (
        llm.offline_mode or llm.provider in {OFFLINE.name, LOCAL.name}
    ):

        def fallback(error: LLMError) -> Orchestrator | None:
            from solcoder.errors import (
                AuthenticationError,
                LLMTimeoutError,
                ProviderUnavailableError,
                RateLimitError,
            )

            if isinstance(
                error,
                AuthenticationError | LLMTimeoutError | ProviderUnavailableError | RateLimitError,
            ):
                return orchestrator_for(offline_provider(settings, fallback=True), fell_back=True)
            return None

    def describe() -> str:
        from solcoder.words import count

        if session is None:
            return "This conversation is not saved."
        return f"session {session.id} · {count(session.turn_count, 'turn')} · {session.path}"

    orchestrator = orchestrator_for(provider)
    budgeted = (
        orchestrator.provider if isinstance(orchestrator.provider, BudgetedProvider) else None
    )

    def usage_summary() -> str:
        """Tokens and cost so far, and the window the history is fitted to (for a llama.cpp
        server, what its `/props` said once it answered)."""
        from solcoder.middleware.budget import format_tokens

        assert budgeted is not None  # only installed with a budget
        text = budgeted.budget.summary()
        window = budgeted.window
        return f"{text} · {format_tokens(window)} ctx" if window is not None else text

    conversation = Conversation(
        orchestrator,
        session_id=session_id,
        usage_summary=usage_summary if budgeted is not None else None,
        history=history,
        transcript=session,
        describe=describe,
        fallback=fallback,
        instructions=instructions,
        workspace=workspace,
        commands=commands,
        skills=skills,
        custom_commands=custom_commands,
    )
    turns.conversation = conversation
    return Built(conversation, provider, notices, budget, mcp, workspace, commands)


@dataclass(slots=True)
class TurnCounter:
    """The number of the turn in progress, for telemetry and checkpoints: the transcript's
    count, which includes the turn in progress (a turn starts with the user's message), so a
    resumed session goes on from its last turn; trimming and /clear shorten requests, not
    turns. Without a transcript, the conversation's own count (known once it is built)."""

    session: Session | None
    conversation: Conversation | None = None

    def __call__(self) -> int:
        if self.session is not None:
            return max(self.session.turn_count, 1)
        return len(self.conversation.turns) if self.conversation is not None else 1


def _hook_runner(
    settings: Settings, workspace: WorkspaceSession | None, session_id: str
) -> HookPoints | None:
    """The session's hooks; nothing of them is imported without any configured."""
    if not settings.hooks:
        return None
    from solcoder.cli.hooks_wiring import hook_runner

    return hook_runner(settings, workspace, session_id)


def session_budget(settings: Settings, session: Session | None) -> SessionBudget:
    """The session's token and cost count at launch: what its transcript says its turns
    used (a resumed session goes on counting), under the configured limits."""
    from solcoder.middleware.budget import SessionBudget, seed_from_session

    llm = settings.llm
    budget = SessionBudget(llm.max_session_tokens, llm.max_session_cost_usd)
    if session is not None:
        seed_from_session(budget, session.spent)
    return budget


def _resumed_model(provider: str, model: str) -> str:
    """`llm.model` for a resumed session: offline has one model, and `local` records the
    bundled model by name (llm.model empty) and any other by its path."""
    from solcoder.llm.catalog.providers import LOCAL, OFFLINE

    if provider == OFFLINE.name:
        return ""
    if provider == LOCAL.name:
        from solcoder.llm.providers.local.model import SMOLLM2

        return "" if model == SMOLLM2.name else model
    return model


def open_session(settings: Settings, options: dict[str, Any]) -> tuple[Session, Settings]:
    """The session to record into: resumed with --session ID (its provider and model apply
    unless flags say otherwise), else a new one; old unpinned sessions are pruned."""
    from solcoder.config import load_settings
    from solcoder.sessions import SessionStore

    store = SessionStore(settings.home)
    resume = options.get("session_id")
    if resume and not options.get("new_session"):
        session = store.open(resume)
        overrides: dict[str, object] = {}
        if session.provider and options.get("llm_provider") is None:
            overrides["llm.provider"] = session.provider
            if session.model and options.get("llm_model") is None:
                overrides["llm.model"] = _resumed_model(session.provider, session.model)
        if overrides:
            settings = load_settings(overrides={**overrides, **flag_overrides(options)})
        return session, settings
    llm = settings.llm
    session = store.create(llm.provider, llm.model)
    if settings.sessions.keep:
        store.prune(keep=settings.sessions.keep, exclude=(session.id,))
    return session, settings
