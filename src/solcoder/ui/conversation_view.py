"""What the REPL's parts (loop, slash commands, toolbar) know of the conversation and share:
the `ConversationLike` protocol and the prompt strings. A leaf module, so that `repl`,
`commands` and `toolbar` depend on it rather than on each other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from solcoder.agent.events import AgentEvent

PROMPT = "you › "
CONTINUATION = "   … "


class ConversationLike(Protocol):
    """The conversation the REPL drives (implemented by `solcoder.agent.conversation`)."""

    @property
    def session_id(self) -> str: ...

    @property
    def provider_name(self) -> str: ...

    @property
    def model(self) -> str: ...

    def run_turn(self, text: str) -> AsyncIterator[AgentEvent]:
        """Stream one turn; raises SolcoderError subclasses; cancelling the consumer cancels it."""
        ...

    def retry_last(self) -> AsyncIterator[AgentEvent]: ...

    def compact(self, focus: str | None = None) -> AsyncIterator[AgentEvent]:
        """`/compact [focus]`: summarise the older history now (streamed like a turn)."""
        ...

    def clear(self) -> None: ...

    def usage_summary(self) -> str: ...

    def describe_session(self) -> str: ...
