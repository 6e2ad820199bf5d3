"""Folds streamed deltas into one assistant `Message`, shared by every adapter.

Adapters only map vendor fields onto these calls; the folding (ordering of parts, tool calls
keyed by the vendor's index, servers that repeat the id and name in every chunk, servers that
give two calls one id: the second becomes `id_2`) lives here once.
Fragments are collected in lists and joined once at the end, so 5,000 argument chunks cost
linear time, not quadratic. A call's arguments stop growing past `max_argument_bytes`: the
first byte over the limit is kept, so the call reads as too long, and the rest is dropped (no
delta emitted), so a hostile stream of 50 MB of arguments costs a megabyte, not 450.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from solcoder.llm.events import TextDelta, ThinkingDelta, ToolCallDelta, ToolCallStart
from solcoder.llm.messages import Message, Part, Text, Thinking, ToolCall, unique_call_id

DEFAULT_MAX_ARGUMENT_BYTES = 2**20
"""Default of `llm.max_tool_argument_bytes`: one call's arguments, far above any real call."""
_allocate_text = TextDelta.__new__
_set_text = TextDelta.__dict__["text"].__set__


class _TextSlot:
    __slots__ = ("chunks",)

    def __init__(self) -> None:
        self.chunks: list[str] = []


class _ThinkingSlot:
    __slots__ = ("chunks", "meta", "redacted")

    def __init__(self, redacted: bool) -> None:
        self.chunks: list[str] = []
        self.meta: dict[str, Any] = {}
        self.redacted = redacted


class _ToolSlot:
    __slots__ = ("chunks", "id", "meta", "name", "size")

    def __init__(self, call_id: str, name: str) -> None:
        self.id = call_id
        self.name = name
        self.chunks: list[str] = []
        self.meta: dict[str, Any] = {}
        self.size = 0
        """Characters kept in `chunks` (a character is at least one byte of UTF-8)."""


_Slot = _TextSlot | _ThinkingSlot | _ToolSlot


class Assembler:
    """Accumulates one response; every method returns the event to emit (or None)."""

    __slots__ = ("_current_text", "_current_thinking", "_max_arguments", "_slots", "_tools")

    def __init__(self, max_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES) -> None:
        self._max_arguments = max_argument_bytes
        self._slots: list[_Slot] = []
        self._tools: dict[int, _ToolSlot] = {}
        self._current_text: _TextSlot | None = None
        self._current_thinking: _ThinkingSlot | None = None

    @property
    def has_content(self) -> bool:
        return bool(self._slots)

    def text(self, text: str) -> TextDelta | None:
        if not text:
            return None
        slot = self._current_text
        if slot is None:
            slot = self._current_text = _TextSlot()
            self._slots.append(slot)
            self._current_thinking = None
        slot.chunks.append(text)
        delta = _allocate_text(TextDelta)  # `TextDelta(text)` without the frozen
        _set_text(delta, text)  # dataclass's `object.__setattr__`: once per streamed chunk
        return delta

    def end_block(self) -> None:
        """The vendor closed a content block: the next text starts a new part."""
        self._current_text = None
        self._current_thinking = None

    def thinking(self, text: str, *, redacted: bool = False) -> ThinkingDelta | None:
        slot = self._current_thinking
        if slot is None or slot.redacted != redacted:
            slot = self._current_thinking = _ThinkingSlot(redacted)
            self._slots.append(slot)
            self._current_text = None
        if text:
            slot.chunks.append(text)
            return None if redacted else ThinkingDelta(text)
        return None

    def thinking_meta(self, **meta: Any) -> None:
        """Attach round-trip data (a signature, encrypted content) to the current thinking."""
        slot = self._current_thinking
        if slot is None:
            slot = self._current_thinking = _ThinkingSlot(False)
            self._slots.append(slot)
        for key, value in meta.items():
            if isinstance(value, str) and isinstance(slot.meta.get(key), str):
                slot.meta[key] += value
            else:
                slot.meta[key] = value

    def tool_start(self, index: int, call_id: str | None, name: str | None) -> ToolCallStart | None:
        """Open tool call `index`; a repeat for an open index (servers that resend the id and
        the full name in every chunk) is ignored, filling in only what was missing."""
        slot = self._tools.get(index)
        if slot is not None:
            if not slot.id and call_id:
                slot.id = self._unique(call_id)
            if not slot.name and name:
                slot.name = name
            return None
        slot = _ToolSlot(self._unique(call_id) if call_id else "", name or "")
        self._tools[index] = slot
        self._slots.append(slot)
        self._current_text = None
        self._current_thinking = None
        return ToolCallStart(index, slot.id, slot.name)

    def _unique(self, call_id: str) -> str:
        """`call_id`, renamed (`id_2`) when another call of this reply already has it."""
        return unique_call_id(call_id, {slot.id for slot in self._tools.values()})

    def tool_arguments(self, index: int, fragment: str) -> ToolCallDelta | None:
        if not fragment:
            return None
        slot = self._tools.get(index)
        if slot is None:
            self.tool_start(index, None, None)
            slot = self._tools[index]
        size = slot.size + len(fragment)
        if size > self._max_arguments:
            room = self._max_arguments + 1 - slot.size
            if room <= 0:
                return None  # already over the limit: nothing more is kept or shown
            fragment = fragment[:room]
            size = slot.size + room
        slot.size = size
        slot.chunks.append(fragment)
        return ToolCallDelta(index, fragment)

    def tool_meta(self, index: int, **meta: Any) -> None:
        slot = self._tools.get(index)
        if slot is not None:
            slot.meta.update(meta)

    def tool_indexes(self) -> list[int]:
        return list(self._tools)

    def tool_has_arguments(self, index: int) -> bool:
        slot = self._tools.get(index)
        return bool(slot and slot.chunks)

    def message(self) -> Message:
        parts: list[Part] = []
        taken: set[str] = set()
        for position, slot in enumerate(self._slots):
            if isinstance(slot, _TextSlot):
                parts.append(Text("".join(slot.chunks)))
            elif isinstance(slot, _ThinkingSlot):
                parts.append(Thinking("".join(slot.chunks), slot.redacted, _frozen(slot.meta)))
            else:
                call_id = unique_call_id(slot.id or f"call_{position}", taken)
                taken.add(call_id)
                arguments = "".join(slot.chunks) or "{}"
                parts.append(ToolCall(call_id, slot.name, arguments, _frozen(slot.meta)))
        return Message("assistant", tuple(parts))


def _frozen(meta: dict[str, Any]) -> Mapping[str, Any]:
    return dict(meta)
