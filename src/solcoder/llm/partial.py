"""`PartialReply`: the reply of the model call in progress, folded from events as they pass.

The decoders build the final message with the wire's `Assembler`; whoever sits above a stream
and must act on a reply cut short (the budget charging for what was streamed, the conversation
keeping the text the user saw) reads this one accumulator instead of keeping its own list.
Appending to a list per event is all it costs on the streaming path.
"""

from __future__ import annotations

from solcoder.llm.events import Completed, Event, TextDelta, ThinkingDelta, ToolCallDelta


class PartialReply:
    """Text, thinking and tool-call arguments streamed since the last `Completed`."""

    __slots__ = ("_other", "_text")

    def __init__(self) -> None:
        self._text: list[str] = []
        self._other: list[str] = []

    def feed(self, event: Event) -> None:
        """Take one event; a `Completed` starts the next reply."""
        kind = event.__class__
        if kind is TextDelta:
            self._text.append(event.text)  # type: ignore[union-attr]
        elif kind is ToolCallDelta:
            self._other.append(event.arguments_fragment)  # type: ignore[union-attr]
        elif kind is ThinkingDelta:
            self._other.append(event.text)  # type: ignore[union-attr]
        elif kind is Completed:
            self.clear()

    def clear(self) -> None:
        self._text.clear()
        self._other.clear()

    @property
    def text(self) -> str:
        """The visible text so far (what the user saw)."""
        return "".join(self._text)

    @property
    def streamed(self) -> str:
        """Everything the model produced so far (text, thinking, arguments): what it bills."""
        return "".join(self._text) + "".join(self._other)

    def __bool__(self) -> bool:
        return bool(self._text or self._other)
