"""A hook's answer, from its exit code and output, as a decision (pure; docs/hooks.md).

The convention other agents use (Claude Code, Codex): exit 0 allows, and stdout may hold a
JSON object with the decision; exit 2 denies with stderr as the reason; any other exit is
the hook's own failure, reported, and does not block, except for `pre_tool_use`, where it
denies: a guard that could not answer is not a yes (a broken "no mainnet deploys" check must
not let the deploy through). Plain text on stdout with exit 0 is a log line, not context:
only `{"context": ...}` reaches the model, so a formatter's chatter stays out of the prompt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

from solcoder.hooks.model import Outcome, cut
from solcoder.records import shared_methods

DENY_EXIT: Final = 2
_DECISIONS: Final = {"allow": "allow", "approve": "allow", "deny": "deny", "block": "deny"}
"""Accepted `decision` values ("approve"/"block" are other agents' spellings)."""
_CONTEXT_KEYS: Final = ("context", "additional_context", "additionalContext")
"""Where the context may be (the other spellings are other agents')."""
FAIL_CLOSED_EVENTS: Final = frozenset({"pre_tool_use"})
"""Events where a failing hook denies instead of being only reported."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Decision:
    outcome: Outcome
    reason: str = ""
    """Why it denied or failed."""
    context: str = ""
    """Text for the model (with allow, or with deny as its reason's companion)."""

    @property
    def blocks(self) -> bool:
        return self.outcome == "deny"


def decide(
    event: str,
    exit_code: int | None,
    stdout: str,
    stderr: str,
    *,
    timed_out: bool = False,
    timeout_s: float = 0.0,
    start_error: str | None = None,
) -> Decision:
    """The decision of one run. `exit_code` None: it did not finish (timed out, or could not
    start: `start_error`)."""
    if start_error is not None:
        return _failed(event, f"could not start: {start_error}")
    if timed_out or exit_code is None:
        return _failed(event, f"timed out after {timeout_s:g} s and was stopped")
    if exit_code == DENY_EXIT:
        reason = cut(stderr) or cut(stdout) or "denied by a hook (exit 2)"
        return Decision("deny", reason)
    if exit_code != 0:
        detail = cut(stderr, 500) or cut(stdout, 500)
        return _failed(event, f"exit {exit_code}" + (f": {detail}" if detail else ""))
    return _from_stdout(event, stdout)


def _from_stdout(event: str, stdout: str) -> Decision:
    text = stdout.strip()
    if not text.startswith("{"):
        return Decision("allow")  # nothing, or a log line: allowed, nothing for the model
    try:
        answer = json.loads(text)
    except ValueError:
        return _failed(event, "stdout starts with '{' but is not valid JSON")
    if not isinstance(answer, dict):
        return _failed(event, "stdout JSON must be an object")
    answer = {**answer, **_other_agents_fields(answer.get("hookSpecificOutput"))}
    raw_decision = answer.get("decision", "allow")
    decision = _DECISIONS.get(raw_decision) if isinstance(raw_decision, str) else None
    if decision is None:
        return _failed(event, f"unknown decision {raw_decision!r} (allow or deny)")
    reason = answer.get("reason", "")
    context = next((answer[key] for key in _CONTEXT_KEYS if key in answer), "")
    if not isinstance(reason, str) or not isinstance(context, str):
        return _failed(event, "reason and context must be text")
    if decision == "deny":
        return Decision("deny", cut(reason) or "denied by a hook", cut(context))
    return Decision("context", "", cut(context)) if context.strip() else Decision("allow")


def _other_agents_fields(specific: object) -> dict[str, object]:
    """Claude Code's and Codex's `hookSpecificOutput` as our fields, so their scripts work
    unchanged: `permissionDecision` (`ask` is no decision here: the approval rules ask
    anyway), `permissionDecisionReason`, `additionalContext`."""
    if not isinstance(specific, dict):
        return {}
    fields: dict[str, object] = {}
    decision = specific.get("permissionDecision")
    if decision in {"allow", "deny"}:
        fields["decision"] = decision
    if "permissionDecisionReason" in specific:
        fields["reason"] = specific["permissionDecisionReason"]
    if "additionalContext" in specific:
        fields["context"] = specific["additionalContext"]
    return fields


def _failed(event: str, reason: str) -> Decision:
    if event in FAIL_CLOSED_EVENTS:
        return Decision("failed", f"{reason}; the call is refused until the hook works")
    return Decision("failed", reason)
