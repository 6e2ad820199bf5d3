"""What a turn shows the user, beyond the model's own stream.

The orchestrator forwards every LLM `Event` unchanged and adds these, so the REPL renderer, the
`-p` printer and the `--json` writer consume one stream for the whole turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from solcoder.llm.events import Event
from solcoder.llm.messages import Message, ToolCall, Usage
from solcoder.records import shared_methods

if TYPE_CHECKING:
    from solcoder.hooks.model import HookReport
    from solcoder.tools.registry import CommandRecord
    from solcoder.workspace.changes import FileChange


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ToolRunStarted:
    """A tool call is about to run (after every approval of its step)."""

    call: ToolCall
    arguments: dict[str, Any] | None
    """The parsed arguments, or None when they were invalid (the tool will not run)."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ToolRunFinished:
    """A tool call's result, as the model will read it."""

    call: ToolCall
    ok: bool
    content: str
    duration_s: float


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ApprovalRequested:
    """A call needs a yes and someone is about to be asked (renderers end their line)."""

    call: ToolCall
    effect: str
    origin: str


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ApprovalDecided:
    """What happened to a call that was not a read-only built-in's plain "allow": recorded in
    the transcript and shown by `--json` as an `approval` event."""

    call: ToolCall
    decision: str
    """"allow", "deny" or "always" (allowed, and for the rest of the session)."""
    by: str
    """"user", "config", "flag" or "policy" (nobody to ask: declined)."""
    effect: str
    origin: str

    def details(self) -> dict[str, str]:
        """What was decided, as the transcript and `--json` both record it (each adds the
        call's id under its own key)."""
        return {
            "tool": self.call.name,
            "decision": self.decision,
            "by": self.by,
            "effect": self.effect,
            "origin": self.origin,
        }


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class FileChanged:
    """A tool call changed a file of the workspace (after its result): the `file_change`
    JSON event, a transcript record, and a line (or diff) on the screen."""

    call: ToolCall
    change: FileChange
    previewed: bool = False
    """The user saw the diff when approving it (the REPL then shows only a summary)."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CommandFinished:
    """A command tool's command ended (after its result): a `command` JSON event and a
    transcript record (command, exit code, duration, sandbox)."""

    call: ToolCall
    record: CommandRecord


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ToolOutputChunk:
    """Live output of a running call (a command's stdout and stderr, as it comes): dimmed on
    the screen, a `command_output` JSON event. The call's result still carries the output."""

    call: ToolCall
    text: str


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class HookRan:
    """A hook ran (or was skipped) for an event of the turn: a `hook` JSON event, a
    transcript record, and a line on the screen when it denied or failed."""

    report: HookReport
    call: ToolCall | None = None
    """The tool call it ran for (pre/post_tool_use), if any."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class StepStarted:
    """A model request is about to be sent (step 1 is the user's prompt)."""

    step: int


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Notice:
    """Something the user should read that is not the model's text (fallback, step limit)."""

    text: str
    level: str = "info"


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TurnFinished:
    """The turn is over; `messages` are the new history entries it produced."""

    messages: tuple[Message, ...]
    usage: Usage
    reason: str
    """"done", "step_limit", "repair_limit", "cancelled" or "error"."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CompactionStarted:
    """The older history is about to be summarised (a status line: this takes a model call).
    Everything in the history so far is complete, so the transcript can be brought up to date
    before the history changes."""

    before_tokens: int
    trigger: str = "auto"
    """"auto" (the threshold was passed) or "manual" (`/compact`)."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Compacted:
    """The history's first `replaced` messages were replaced by `messages` (the summary)."""

    before_tokens: int
    after_tokens: int
    replaced: int
    messages: tuple[Message, ...]
    summary: str
    pieces: int = 1
    """Summary requests made (more than one when the old part did not fit one request)."""
    trigger: str = "auto"


AgentEvent = (
    Event
    | ToolRunStarted
    | ToolRunFinished
    | StepStarted
    | Notice
    | TurnFinished
    | ApprovalRequested
    | ApprovalDecided
    | CompactionStarted
    | Compacted
    | FileChanged
    | ToolOutputChunk
    | CommandFinished
    | HookRan
)
