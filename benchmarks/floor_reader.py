"""The floor of `benchmarks/stream_floor.py`: the least a Python client can do to read an SSE
stream. A plain `socket` (sync) or asyncio stream (async); the head and chunk sizes found with
`bytes.find`; `data:` lines split out and `json.loads`-ed; content chunks counted with the same
test as every other reader (`streaming._has_content`). No deadlines, errors, typed events or
redaction: what any client pays at least, not a client to use.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import streaming

BODY = {"model": "fake-model", "stream": True, "messages": [{"role": "user", "content": "b"}]}


class FloorReader:
    """A chunked SSE response parsed with byte searches; `count` content chunks seen."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.count = 0
        self.done = False
        self._buffer = b""
        self._head = True
        self._remaining = 0
        self._skip = 0
        self._lines = b""

    def feed(self, data: bytes) -> None:
        buffer = self._buffer + data if self._buffer else data
        position = 0
        if self._head:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self._buffer = buffer
                return
            position, self._head = end + 4, False
        payload = []
        size = len(buffer)
        while position < size:
            if self._skip:
                step = min(self._skip, size - position)
                position += step
                self._skip -= step
                continue
            if self._remaining:
                piece = buffer[position : position + self._remaining]
                payload.append(piece)
                position += len(piece)
                self._remaining -= len(piece)
                if not self._remaining:
                    self._skip = 2
                continue
            end = buffer.find(b"\r\n", position)
            if end < 0:
                break
            self._remaining = int(buffer[position:end], 16)
            position = end + 2
            if not self._remaining:
                self.done = True
                break
        self._buffer = buffer[position:]
        lines = self._lines + b"".join(payload)
        cut = lines.rfind(b"\n") + 1
        self._lines = lines[cut:]
        api, has_content, loads = self.api, streaming._has_content, json.loads
        for line in lines[:cut].split(b"\n"):
            if line[:6] != b"data: " or line == b"data: [DONE]":
                continue
            if has_content(api, loads(line[6:])):
                self.count += 1


def _request(url: str, api: str) -> bytes:
    parts = urlsplit(url)
    body = json.dumps(BODY).encode()
    return (
        f"POST {streaming.PATHS[api]} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class FloorSync:
    def __init__(self, url: str, api: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port))
        self.request, self.api = _request(url, api), api

    def stream(self, on_first: Callable[[], None]) -> int:
        self.sock.sendall(self.request)
        reader = FloorReader(self.api)
        recv = self.sock.recv
        while not reader.done:
            reader.feed(recv(65536))
            if reader.count and on_first is not nothing:
                on_first()
                on_first = nothing
        return reader.count


class FloorAsync:
    def __init__(self, url: str, api: str) -> None:
        self.url, self.api, self.request = url, api, _request(url, api)
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def stream(self, on_first: Callable[[], None]) -> int:
        if self.idle:
            reader, writer = self.idle.pop()
        else:
            parts = urlsplit(self.url)
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        writer.write(self.request)
        parser = FloorReader(self.api)
        while not parser.done:
            parser.feed(await reader.read(65536))
            if parser.count and on_first is not nothing:
                on_first()
                on_first = nothing
        self.idle.append((reader, writer))
        return parser.count


def nothing() -> None:
    """The default first-chunk callback: nothing to record."""
