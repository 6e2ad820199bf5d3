"""What one hook run produced, and what all the hooks of one event decided together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from solcoder.records import shared_methods

Outcome = Literal["allow", "deny", "context", "failed", "skipped"]
"""allow: exit 0 with nothing to add; deny: exit 2 or {"decision": "deny"}; context: allowed
with text for the model; failed: any other exit, a timeout, output that is not a decision, or
a hook that could not start; skipped: a project hook not trusted yet (it did not run)."""

MAX_REASON_CHARS: Final = 2000
"""A reason or context longer than this is cut: it goes to the model and to the screen."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class HookReport:
    """One hook's run (or skip): shown, recorded in the transcript, a `hook` JSON event."""

    event: str
    hook: str
    """Its label, `hooks.pre_tool_use[1] (user)`."""
    source: str
    outcome: Outcome
    reason: str = ""
    """Why it denied or failed; the context it added."""
    tool: str | None = None
    exit_code: int | None = None
    duration_ms: float = 0.0
    timed_out: bool = False

    def details(self) -> dict[str, Any]:
        """As the transcript and `--json` record it (each adds the call id under its own key)."""
        return {
            "event": self.event,
            "hook": self.hook,
            "source": self.source,
            "decision": self.outcome,
            "reason": self.reason,
            "tool": self.tool,
            "exit_code": self.exit_code,
            "duration_ms": round(self.duration_ms, 1),
            "timed_out": self.timed_out,
        }

    def line(self) -> str:
        """One line for the screen (the caller makes it terminal-safe)."""
        what = f"{self.event} on {self.tool}" if self.tool else self.event
        verb = {
            "allow": "allowed",
            "deny": "denied",
            "context": "added context",
            "failed": "failed",
            "skipped": "skipped (project hook not trusted; `solcoder hooks trust`)",
        }[self.outcome]
        text = f"hook {self.hook} {verb} ({what})"
        return f"{text}: {self.reason}" if self.reason and self.outcome != "skipped" else text


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class HookOutcome:
    """What the hooks of one event decided together: the first deny wins (later hooks of that
    event do not run); the contexts of the others are joined."""

    denied: str | None = None
    """The reason the action must not happen, or None."""
    context: str | None = None
    """Text for the model (appended to the tool result, or a note with the prompt)."""
    reports: tuple[HookReport, ...] = ()


NOTHING: Final = HookOutcome()


def cut(text: str, limit: int = MAX_REASON_CHARS) -> str:
    """`text` trimmed and at most `limit` characters (marked when cut)."""
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + " … (cut)"
