"""The contract every wire adapter fulfils: pure translation, no I/O, no clocks.

An adapter turns a `Request` into an `HttpCall` and turns the response (SSE events or one JSON
body) into our `Event` union. Because adapters never touch the network, the same code serves the
sync and async clients, the corpus replay tests and the property tests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from solcoder.llm.events import Event
from solcoder.llm.messages import Message, Request
from solcoder.llm.wire.names import WireApi
from solcoder.llm.wire.sse import ServerSentEvent
from solcoder.secret import Secret

__all__ = ["Decoder", "HttpCall", "WireAdapter", "WireApi", "encode_json"]


def encode_json(body: Mapping[str, Any]) -> bytes:
    """A request body as compact UTF-8 JSON, the same on every wire. `replace` keeps a lone
    surrogate (from undecodable tool output) from aborting the call."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class HttpCall:
    """One HTTP request to make, relative to the provider's base URL; carries no credentials."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    stream: bool


class Decoder(Protocol):
    """Folds one response's SSE events into events; one instance per response.

    The three wire decoders get this envelope from one base, `wire.decoder.WireDecoder`, so
    its rules hold the same on every protocol; the protocol stays the contract the transport
    relies on (a test double need not inherit the base)."""

    def feed(self, event: ServerSentEvent) -> list[Event]:
        """Events produced by one SSE event. Raises an `LLMError` for an in-stream error event
        and `ProtocolError` for malformed JSON or a payload of unexpected shape."""
        ...

    def finish(self) -> list[Event]:
        """Called at end of stream. Returns the remaining events, ending with `Completed`, or
        raises `ProtocolError` if the protocol's terminator was never seen (a cut stream is
        never success)."""
        ...

    @property
    def content_started(self) -> bool:
        """True once any content (text, thinking, tool call) was emitted: retries stop here."""
        ...

    def partial(self) -> Message:
        """The message assembled so far, kept for the user when the stream breaks."""
        ...

    @property
    def terminated(self) -> bool:
        """The protocol's terminator was seen (`[DONE]`, `message_stop`, a final
        `response.*`): the answer is complete even if the body is not closed yet."""
        ...


class WireAdapter(Protocol):
    """Encodes requests and decodes responses of one wire protocol."""

    @property
    def api(self) -> WireApi:
        """Its wire (a class attribute of each adapter: `registry.WireKind`)."""
        ...

    def encode(self, request: Request, *, stream: bool = True) -> HttpCall: ...

    def auth_headers(self, api_key: Secret) -> dict[str, str]:
        """The header carrying the key: the one place a key is revealed, per request."""
        ...

    def decoder(self) -> Decoder: ...

    def decode_body(self, body: bytes) -> list[Event]:
        """Events of a non-streaming JSON response, ending with `Completed`."""
        ...
