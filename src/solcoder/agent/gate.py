"""The approval gate: the policy's verdicts, the session's "always" grants, and who is asked.

One gate lives as long as a session (`Conversation.switch` hands it to a new orchestrator),
so "always" outlasts a model switch or the offline fallback. The orchestrator asks it before
a tool runs; the REPL plugs an `Approver` in; without one (`-p`, the dry run, replay) a call
that needs approval is declined, never left waiting for an answer nobody can give.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from solcoder.agent.approval import (
    Answer,
    ApprovalRules,
    CommandLineApprovals,
    DecidedBy,
    Decision,
    Verdict,
    decide,
    decision_of,
    grants_for,
    matching_rule,
    stricter,
)
from solcoder.llm.messages import ToolCall
from solcoder.records import shared_methods


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ApprovalRequest:
    """A call waiting for a yes: what to show the person asked."""

    call: ToolCall
    effect: str
    origin: str
    arguments: Mapping[str, Any]
    rule: str | None = None
    """The `approval.ask` pattern that made it ask, if one did."""
    preview: str | None = None
    """What the call would change (an edit's unified diff), shown before the question."""
    command: str | None = None
    """The shell command it would run (its parts are shown; "always" grants its prefix)."""
    grant: str | None = None
    """What "always" grants for a command (`cargo test*`); None: "always" is not offered."""


class Approver(Protocol):
    """Someone who can answer (the REPL). Called one request at a time, in call order;
    may be cancelled (Ctrl-C), which answers nothing."""

    async def ask(self, request: ApprovalRequest) -> Answer: ...


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Outcome:
    """What the gate decided for one call, and who decided it."""

    decision: Decision
    by: DecidedBy

    @property
    def runs(self) -> bool:
        return self.decision != "deny"


@dataclass(slots=True, eq=False)
class ApprovalGate:
    """Decides, call by call, whether a tool runs: rules, flags, then the user."""

    rules: ApprovalRules = field(default_factory=ApprovalRules)
    project_rules: ApprovalRules = field(default_factory=ApprovalRules)
    """A project config's `ask`/`deny` (never `allow`): judged on their own, and the stricter
    verdict wins, so a cloned repository can add restrictions but never lift the user's."""
    approvals: CommandLineApprovals = field(default_factory=CommandLineApprovals)
    approver: Approver | None = None
    granted: set[str] = field(default_factory=set)
    """Tools the user answered "always" for, in this session."""
    edit_tools: frozenset[str] = frozenset()
    """SolCoder's file-editing tools: "always" for one edit covers them all."""
    command_grants: set[str] = field(default_factory=set)
    """Command patterns the user answered "always" for (`cargo test*`), in this session."""
    sandboxed: Callable[[], bool] = lambda: False
    """Whether commands run in an OS sandbox (without one, every command asks); asked when a
    command is judged, so finding the sandbox costs nothing at launch."""

    def command_verdict(self, name: str, command: str, *, read_only: bool) -> Verdict:
        """The verdict for a shell command (`agent/command_approval.py`)."""
        from solcoder.agent.command_approval import decide_command

        return decide_command(
            name,
            command,
            read_only=read_only,
            sandboxed=self.sandboxed(),
            rules=self.rules,
            project_rules=self.project_rules,
            granted=self.granted,
            command_grants=self.command_grants,
            approvals=self.approvals,
        )

    def verdict(self, name: str, effect: str, origin: str) -> Verdict:
        own = decide(
            name, effect, origin, rules=self.rules, granted=self.granted, approvals=self.approvals
        )
        if matching_rule(name, self.project_rules) is None:
            return own  # the project says nothing about this tool
        project = decide(
            name,
            effect,
            origin,
            rules=self.project_rules,
            granted=self.granted,
            approvals=self.approvals,
        )
        return stricter(own, project)

    async def settle(self, request: ApprovalRequest, verdict: Verdict) -> Outcome:
        """The outcome of a verdict that is not a plain policy "allow"; asks when it must."""
        if verdict.action == "allow":
            return Outcome("allow", verdict.by)
        if verdict.action == "deny":
            return Outcome("deny", verdict.by)
        if self.approver is None:
            return Outcome("deny", "policy")
        decision = decision_of(await self.approver.ask(request))
        if decision == "always" and request.command is not None:
            if request.grant is None or not self.sandboxed():
                decision = "allow"  # nothing to grant: a yes for this command only
            else:
                self.command_grants.add(request.grant)
        elif decision == "always":
            self.granted |= grants_for(
                request.call.name, request.effect, request.origin, self.edit_tools
            )
        return Outcome(decision, "user")
