"""Load the hand-written wire fixtures in tests/fixtures/wire and replay them through the real
SSE decoder and wire decoders, cut into pieces the way a network would cut them.

The recorded corpus lives outside the repository; these fixtures, written by us from the
quirks it shows, keep those quirks tested in a plain clone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from solcoder.llm.events import Event
from solcoder.llm.wire.anthropic import AnthropicAdapter
from solcoder.llm.wire.openai_chat import OpenAIChatAdapter
from solcoder.llm.wire.openai_responses import OpenAIResponsesAdapter
from solcoder.llm.wire.sse import SSEDecoder

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wire"


def fixture(name: str) -> bytes:
    """The bytes of `tests/fixtures/wire/<name>` exactly as a server would send them."""
    return (FIXTURES / name).read_bytes()


def adapter(wire: str, provider: str) -> Any:
    """The real adapter of `wire` (the fixture's folder), naming `provider` in its errors."""
    if wire == "chat":
        return OpenAIChatAdapter(provider)
    if wire == "responses":
        return OpenAIResponsesAdapter(provider=provider)
    if wire == "messages":
        return AnthropicAdapter(provider=provider)
    raise ValueError(f"no adapter for {wire!r}")


class Replay:
    """One response body fed through SSEDecoder and a fresh stream decoder."""

    def __init__(self, wire: str, provider: str) -> None:
        self.decoder = adapter(wire, provider).decoder()
        self.events: list[Event] = []

    def run(self, chunks: Iterable[bytes]) -> list[Event]:
        """Every event of the body, `Completed` last; decoder errors propagate."""
        sse = SSEDecoder()
        for chunk in chunks:
            for event in sse.feed(chunk):
                self.events.extend(self.decoder.feed(event))
        for event in sse.close():
            self.events.extend(self.decoder.feed(event))
        self.events.extend(self.decoder.finish())
        return self.events


def chunkings(body: bytes, *, max_splits: int = 48) -> Iterator[tuple[str, list[bytes]]]:
    """The body whole, byte by byte, with CRLF line ends in 7-byte reads, and cut in two at
    up to `max_splits` offsets spread over it: transport boundaries must never matter."""
    yield "whole", [body]
    yield "byte by byte", [body[i : i + 1] for i in range(len(body))]
    crlf = body.replace(b"\n", b"\r\n")  # JSON holds no raw line break: only framing changes
    yield "crlf in 7-byte reads", [crlf[i : i + 7] for i in range(0, len(crlf), 7)]
    step = max(1, len(body) // max_splits)
    for offset in range(1, len(body), step):
        yield f"cut at {offset}", [body[:offset], body[offset:]]
