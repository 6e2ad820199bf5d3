"""The response envelope every wire decoder shares; subclasses add only their protocol's events.

What a response is, apart from its protocol's events, is written once so the three wires
cannot drift apart again (their copies had: different rules for "content started", decoding
after the terminator on one wire, shape errors escaping as `AttributeError` on two):

- `content_started` flips with the first event that carries content, the moment the transport
  starts handing events out (after that a retry would repeat what the user saw);
- `partial()` is the message as `Completed` would carry it, so a broken stream keeps exactly
  what a finished one would have had, round-trip data included;
- nothing after the terminator belongs to the response (gateways append a chat-style
  `[DONE]`, proxies pad), and an end of stream without it raises `ProtocolError`: a cut
  stream is never success;
- bad JSON, JSON that is not an object and a payload of unexpected shape are each one
  `ProtocolError`, worded the same on every wire and pointing at the protocol setting.

The hot path stays flat: one method call into the subclass per event, no validation layer.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from solcoder import jsonsafe
from solcoder.errors import ProtocolError
from solcoder.llm.events import Completed, Event
from solcoder.llm.messages import Message
from solcoder.llm.wire.assemble import DEFAULT_MAX_ARGUMENT_BYTES, Assembler
from solcoder.llm.wire.sse import ServerSentEvent

__all__ = ["WireDecoder", "emit", "one"]

_SHAPE_ERRORS = (AttributeError, KeyError, TypeError, ValueError, IndexError)
"""What plain dict access raises on a payload of unexpected shape (a string where an object
belongs, a missing key, a number where a list belongs)."""

_UNNAMED = frozenset(("", "message"))
"""SSE event names that mean "no name": a blank event under them is a keep-alive."""


class WireDecoder(ABC):
    """Base of the three decoders; satisfies the `Decoder` protocol of `wire/base.py`.

    A subclass implements `_on_event` (one parsed stream payload), `_on_body` (a whole JSON
    response) and `_completed` (the final event), and sets `_terminated` when it sees its
    protocol's terminator. The class attributes declare what differs between protocols as data
    rather than as another copy of `feed`.
    """

    __slots__ = ("_assembler", "_provider", "_started", "_terminated")

    protocol: ClassVar[str]
    """The protocol's name in hints: "the server is not speaking the <protocol> protocol"."""
    terminator: ClassVar[str]
    """The terminator as the cut-stream message names it, e.g. "`message_stop`"."""
    done_terminates: ClassVar[bool] = False
    """`data: [DONE]` is this protocol's terminator (chat). Elsewhere it is a chat-style
    marker some gateways add; it is skipped and never counts as the end."""
    event_names: ClassVar[frozenset[str] | None] = None
    """SSE event names this protocol reads; events under other names are skipped unread.
    None: every event is read and its payload's `type` says what it is."""

    def __init__(
        self, provider: str, *, max_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES
    ) -> None:
        self._provider = provider
        """Named in every error this decoder raises."""
        self._assembler = Assembler(max_argument_bytes)
        self._started = False
        self._terminated = False

    # --- the `Decoder` protocol ---------------------------------------------------------------

    @property
    def content_started(self) -> bool:
        """An event carrying content was emitted: from here on a retry would repeat it."""
        return self._started

    @property
    def terminated(self) -> bool:
        """The protocol's terminator was seen: nothing more belongs to this response."""
        return self._terminated

    def partial(self) -> Message:
        """The message streamed so far, assembled as `Completed` would carry it."""
        return self._message()

    def feed(self, event: ServerSentEvent) -> list[Event]:
        """Events of one SSE event: the envelope's rules here, the protocol's in `_on_event`."""
        if self._terminated:
            return []
        name = event.event
        names = self.event_names
        if names is not None and name not in names:
            return []
        data = event.data
        if data[:1] != "{":
            if not data or data.isspace():
                if name in _UNNAMED:
                    return []  # a blank keep-alive; a named event must carry its payload
            elif data.strip() == "[DONE]":
                if self.done_terminates:
                    self._terminated = True
                return []
        payload = self._load(data, "a stream event")
        try:
            events = self._on_event(payload, name)
        except _SHAPE_ERRORS as error:
            raise self._malformed(f"a stream event of unexpected shape ({error!r})") from None
        if events:
            self._started = True
        return events

    def finish(self) -> list[Event]:
        """The final `Completed`, or `ProtocolError` when the terminator never came."""
        if not self._ended_properly():
            raise ProtocolError(
                f"{self._provider} sent a stream that ended without {self.terminator}: "
                "the response is incomplete (cut short).",
                hint="Retry the request; if it keeps happening, check for a proxy cutting streams.",
                provider=self._provider,
            )
        try:
            return [self._completed()]
        except _SHAPE_ERRORS as error:
            raise self._malformed(f"a final response of unexpected shape ({error!r})") from None

    # --- non-streaming ------------------------------------------------------------------------

    def decode_body(self, body: bytes) -> list[Event]:
        """Events of a complete (non-streamed) JSON response, ending with `Completed`; the
        same loader, shape rule and final event as a stream."""
        payload = self._load(body, "a response body")
        try:
            events = self._on_body(payload)
        except _SHAPE_ERRORS as error:
            raise self._malformed(f"a response body of unexpected shape ({error!r})") from None
        self._terminated = True  # a whole body is complete by construction
        if events:
            self._started = True
        return [*events, *self.finish()]

    # --- for subclasses -----------------------------------------------------------------------

    @abstractmethod
    def _on_event(self, payload: dict[str, Any], name: str) -> list[Event]:
        """Events of one parsed stream payload (`name` is the SSE event name). Plain dict
        access is fine: a shape error becomes a `ProtocolError` here in the base."""

    @abstractmethod
    def _on_body(self, payload: dict[str, Any]) -> list[Event]:
        """Events of a whole JSON response, before `Completed`; raises for an error body."""

    @abstractmethod
    def _completed(self) -> Completed:
        """The final event, built from what was folded."""

    def _ended_properly(self) -> bool:
        """Whether the stream may end here; only the terminator counts unless a protocol
        says otherwise (chat also accepts a finish reason, for servers without `[DONE]`)."""
        return self._terminated

    def _message(self) -> Message:
        """The assembled message; a protocol that attaches round-trip data overrides this, so
        `partial()` and `Completed` stay the same message."""
        return self._assembler.message()

    def _load(self, data: str | bytes, source: str) -> dict[str, Any]:
        """`data` as a JSON object: the one loader of the wire layer, so bad JSON reads the same
        on every protocol ("<provider> sent <source> that is not JSON (<reason>)" or "... that
        is not a JSON object")."""
        try:
            value = jsonsafe.loads(data)
        except ValueError as error:  # JSONDecodeError, JSONTooDeep, UnicodeDecodeError
            raise self._malformed(f"{source} that is not JSON ({error})") from None
        if type(value) is not dict:
            raise self._malformed(f"{source} that is not a JSON object")
        return value

    def _malformed(self, what: str) -> ProtocolError:
        return ProtocolError(
            f"{self._provider} sent {what}.",
            hint=f"Retry; if it repeats, the server is not speaking the {self.protocol} "
            "protocol (check --llm-base-url and --llm-api).",
            provider=self._provider,
        )


def emit(events: list[Event], event: Event | None) -> None:
    """Append `event` unless it is None (the assembler returns None for empty pieces)."""
    if event is not None:
        events.append(event)


def one(event: Event | None) -> list[Event]:
    """`event` as a list of events: none if it is None."""
    return [] if event is None else [event]
