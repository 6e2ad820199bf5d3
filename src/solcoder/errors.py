"""Every failure SolCoder reports, as one tree, each with an exit code and a next step.

    SolcoderError                      exit 1 unless a subclass says otherwise
    ├── UsageError                     2  bad flag, bad setting name or value
    ├── ConfigError                    2  unreadable / invalid config file, unwritable home
    │   └── MissingKeyError            2  no API key for the chosen provider
    ├── StorageError                   2  credentials store locked, corrupt or unsafe
    │   └── CheckpointError            2  checkpoint store corrupt or unsafe, path refused
    │       ├── NothingToUndo          1  no turn left to undo in the session
    │       └── UndoConflict           1  a file changed after SolCoder wrote it; carries `paths`
    ├── BudgetExceededError            2  a session limit would be crossed
    └── LLMError                          anything a model call can do wrong
        ├── AuthenticationError        3  key rejected (401)
        ├── PermissionDeniedError      3  key valid but not allowed (403)
        ├── ModelNotFoundError         2  unknown model (404)
        ├── BadRequestError            2  request refused as invalid (400, 413, 422)
        │   └── ContextTooLongError    2  prompt larger than the model's window
        ├── RateLimitError             4  429 / quota; carries `retry_after`
        ├── ProviderUnavailableError   5  the provider is down or unreachable
        │   ├── OverloadedError        5  529 / overloaded_error
        │   ├── ServerError            5  other 5xx
        │   ├── ConnectError           5  DNS, refused, TLS
        │   └── LocalModelCrashedError 5  the local model process died (a signal, a crash)
        ├── LLMTimeoutError            5  base of the four deadlines
        │   ├── ConnectTimeoutError
        │   ├── FirstEventTimeoutError
        │   ├── IdleTimeoutError
        │   └── TotalTimeoutError
        ├── StreamInterruptedError     5  dropped after content; carries `partial`
        └── ProtocolError              6  malformed stream or body (bad JSON, bad UTF-8, too large)

Foreign exceptions (httpx2, json, UnicodeDecodeError) are mapped into this tree in exactly one
place per source (`llm/transport/http.py`, `llm/wire/sse.py`), so the CLI can turn any of them
into one sentence and one exit code without a traceback. Messages never contain secrets: they
are built from our own words plus provider error text, and `redact.py` masks them again on the
way out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from collections.abc import Sequence

    from solcoder.llm.messages import Message


class SolcoderError(Exception):
    """Base of every error we raise on purpose."""

    exit_code: ClassVar[int] = 1
    kind: ClassVar[str] = "error"
    """Stable snake_case name of the failure class, used in JSON output and telemetry."""
    failure_class: ClassVar[str] = "other"
    """The coarse class `solcoder stats` reports error rates by (auth, rate_limit, server,
    network, timeout, request, protocol, cancelled); subclasses inherit their parent's."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message

    @property
    def display_message(self) -> str:
        """The message as shown to the user (subclasses add what the user should know)."""
        return self.message


class UsageError(SolcoderError):
    exit_code = 2
    kind = "usage"


class ConfigError(SolcoderError):
    exit_code = 2
    kind = "config"


class MissingKeyError(ConfigError):
    kind = "missing_key"
    failure_class = "auth"


class StorageError(SolcoderError):
    exit_code = 2
    kind = "storage"


class CheckpointError(StorageError):
    """The checkpoint store is corrupt or unsafe, or a recorded path cannot be restored."""

    kind = "checkpoint"


class NothingToUndo(CheckpointError):
    exit_code = 1
    kind = "nothing_to_undo"


class UndoConflict(CheckpointError):
    """Files changed on disk after SolCoder wrote them; undo touched nothing. The REPL asks
    about `paths` and passes the confirmed ones as `force`; headless undo refuses."""

    exit_code = 1
    kind = "undo_conflict"

    def __init__(self, paths: Sequence[str], *, turn: int) -> None:
        self.paths = tuple(paths)
        self.turn = turn
        shown = [f"`{path}`" for path in self.paths[:5]]
        if len(self.paths) > 5:
            shown.append(f"{len(self.paths) - 5} more")
        names = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
        one = len(self.paths) == 1
        super().__init__(
            f"{names} changed on disk after SolCoder wrote {'it' if one else 'them'}; "
            "undo would lose those changes.",
            hint=f"Undo {'it' if one else 'them'} anyway from the REPL (/undo asks), "
            f"or restore {'' if one else 'them '}by hand.",
        )


class BudgetExceededError(SolcoderError):
    exit_code = 2
    kind = "budget"


class LLMError(SolcoderError):
    """A model call failed. `provider` names who failed; `status` is the HTTP status if any."""

    kind = "llm"
    partial: Message | None = None
    """What the model had streamed before any failure after content (a timeout, a malformed
    event, an error event); set by the HTTP client, None before content."""

    retryable: bool | None = None
    """False when sending the request again cannot help (quota used up); None lets the retry
    policy decide from the status and class."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        provider: str | None = None,
        status: int | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message, hint=hint)
        self.provider = provider
        self.status = status
        self.attempts = attempts

    @property
    def display_message(self) -> str:
        if self.attempts > 1:
            return f"{self.message} (gave up after {self.attempts} attempts)"
        return self.message


class AuthenticationError(LLMError):
    exit_code = 3
    kind = "authentication"
    failure_class = "auth"


class PermissionDeniedError(LLMError):
    exit_code = 3
    kind = "permission"
    failure_class = "auth"


class ModelNotFoundError(LLMError):
    exit_code = 2
    kind = "model_not_found"
    failure_class = "request"


class BadRequestError(LLMError):
    exit_code = 2
    kind = "bad_request"
    failure_class = "request"


class ContextTooLongError(BadRequestError):
    kind = "context_too_long"


class RateLimitError(LLMError):
    exit_code = 4
    kind = "rate_limited"
    failure_class = "rate_limit"

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ProviderUnavailableError(LLMError):
    exit_code = 5
    kind = "unavailable"
    failure_class = "server"


class OverloadedError(ProviderUnavailableError):
    kind = "overloaded"


class ServerError(ProviderUnavailableError):
    kind = "server_error"


class ConnectError(ProviderUnavailableError):
    kind = "connect"
    failure_class = "network"


class LocalModelCrashedError(ProviderUnavailableError):
    """The `local` provider's model process ended; `partial` is what it had streamed."""

    kind = "local_model_crashed"


class LLMTimeoutError(LLMError):
    exit_code = 5
    kind = "timeout"
    failure_class = "timeout"
    setting: ClassVar[str] = "llm.timeout"
    """The setting that raises this deadline, named in the message."""


class ConnectTimeoutError(LLMTimeoutError):
    kind = "connect_timeout"
    setting = "llm.connect_timeout"


class FirstEventTimeoutError(LLMTimeoutError):
    kind = "first_event_timeout"
    setting = "llm.first_event_timeout"


class IdleTimeoutError(LLMTimeoutError):
    kind = "idle_timeout"
    setting = "llm.idle_timeout"


class TotalTimeoutError(LLMTimeoutError):
    kind = "total_timeout"
    setting = "llm.timeout"


class StreamInterruptedError(LLMError):
    """The stream broke after content arrived; `partial` is what the user already saw."""

    exit_code = 5
    kind = "interrupted"
    failure_class = "network"

    def __init__(self, message: str, *, partial: Message | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.partial = partial


class ProtocolError(LLMError):
    exit_code = 6
    kind = "protocol"
    failure_class = "protocol"


class Cancelled(SolcoderError):
    """The user pressed Ctrl-C; not a failure of ours, but it ends the turn."""

    exit_code = 130
    kind = "cancelled"
    failure_class = "cancelled"


def failure_classes() -> dict[str, str]:
    """Every error `kind` and its coarse failure class, read off the tree above."""
    found: dict[str, str] = {}
    pending: list[type[SolcoderError]] = [SolcoderError]
    while pending:
        cls = pending.pop()
        found[cls.kind] = cls.failure_class
        pending.extend(cls.__subclasses__())
    return found
