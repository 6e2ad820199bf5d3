"""A real HTTP server on 127.0.0.1 that plays OpenAI Chat, OpenAI Responses and Anthropic.

Transport and end-to-end tests point the real client (or the CLI) at it: it answers from a queue
of scripted `Reply`s in each provider's exact SSE format, records every request, and injects
faults on demand (error statuses with the provider's error body, dropped or stalled streams,
slow drip, malformed JSON, invalid UTF-8, truncated streams, endless lines, delays).

Two ways to run it:
- in-process: `with FakeLLMServer(Reply(text="hi")) as server: ... server.base_url("chat")`
  (asyncio in a daemon thread);
- as a process: `python -m tests.support.fake_llm_server --port 0 --script FILE` prints the
  port on the first line of stdout. FILE holds a JSON list of replies, or an object with
  `replies`, `default` and `lifetime`. `GET /__fake__/requests` returns the recorded requests;
  `POST /__fake__/replies` (a JSON list) queues more.

Everything is bounded: stalls end after `stall_seconds` or when the client hangs up, and the
server stops itself after `lifetime` seconds.

With a `RateLimitRule` the server enforces a request (and optionally token) budget per window
the way the providers do: every answer carries the budget's headers (OpenAI or Anthropic
style), and a request over the budget gets a 429 instead of its reply, counted in
`rate_limited` (a client that paces itself by the headers never sees one).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support.fake_wire import API_BY_PATH, Reply, error_body, render_events

__all__ = ["FakeLLMServer", "RateLimitRule", "RecordedRequest", "Reply", "Responder"]

_CONTROL = "/__fake__/"
_MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def as_dict(self) -> dict[str, Any]:
        try:
            body: Any = self.json
        except ValueError:
            body = self.body.decode("utf-8", "replace")
        return {"method": self.method, "path": self.path, "headers": self.headers, "body": body}


Responder = Callable[[str, RecordedRequest, Reply | None], Reply]


@dataclass(frozen=True)
class RateLimitRule:
    """A budget per window, starting at the first request: `requests` calls, and when
    `tokens` is set, that many tokens, each request charged `tokens_per_request`."""

    requests: int
    window_s: float
    style: str = "openai"
    """`openai` (x-ratelimit-*, durations) or `anthropic` (anthropic-ratelimit-*, RFC 3339)."""
    tokens: int | None = None
    tokens_per_request: int = 0


class _RateLimiter:
    def __init__(self, rule: RateLimitRule) -> None:
        self.rule = rule
        self.started: float | None = None
        self.used_requests = 0
        self.used_tokens = 0
        self.refused = 0

    def admit(self) -> tuple[bool, dict[str, str]]:
        """Whether the request fits this window (it is charged if so), and the headers."""
        rule, now = self.rule, time.monotonic()
        if self.started is None or now >= self.started + rule.window_s:
            self.started, self.used_requests, self.used_tokens = now, 0, 0
        fits = self.used_requests < rule.requests and (
            rule.tokens is None or self.used_tokens + rule.tokens_per_request <= rule.tokens
        )
        if fits:
            self.used_requests += 1
            self.used_tokens += rule.tokens_per_request
        else:
            self.refused += 1
        reset = max(self.started + rule.window_s - now, 0.0)
        return fits, self._headers(reset, fits)

    def _headers(self, reset: float, fits: bool) -> dict[str, str]:
        rule = self.rule
        budgets = [("requests", rule.requests, rule.requests - self.used_requests)]
        if rule.tokens is not None:
            budgets.append(("tokens", rule.tokens, rule.tokens - self.used_tokens))
        headers: dict[str, str] = {}
        for name, limit, left in budgets:
            if rule.style == "anthropic":
                moment = datetime.fromtimestamp(time.time() + reset, UTC)
                prefix = f"anthropic-ratelimit-{name}-"
                headers[prefix + "limit"] = str(limit)
                headers[prefix + "remaining"] = str(left)
                headers[prefix + "reset"] = moment.isoformat().replace("+00:00", "Z")
            else:
                headers[f"x-ratelimit-limit-{name}"] = str(limit)
                headers[f"x-ratelimit-remaining-{name}"] = str(left)
                headers[f"x-ratelimit-reset-{name}"] = f"{reset:.3f}s"
        if not fits:
            headers["retry-after"] = str(max(1, round(reset + 0.5)))
        return headers


class FakeLLMServer:
    """Scripted fake of the three wire protocols; see the module docstring."""

    def __init__(
        self,
        *replies: Reply,
        default: Reply | None = None,
        lifetime: float = 120.0,
        host: str = "127.0.0.1",
        port: int = 0,
        responder: Responder | None = None,
        rate_limit: RateLimitRule | None = None,
        static: dict[str, Any] | None = None,
    ) -> None:
        self.default = default
        self.static = dict(static or {})
        """GET paths answered with a fixed JSON body (`/v1/models` describing the model),
        not recorded; any other path that is not an API stays a 404."""
        self._limiter = _RateLimiter(rate_limit) if rate_limit is not None else None
        self.responder = responder
        """Turns (wire, request, scripted reply) into the reply sent: answers that depend on
        the request body (`tests/support/anthropic_cache.py` bills like Anthropic)."""
        self._answered: list[Reply] = []  # keeps each responder reply alive (renders by id)
        self.lifetime = lifetime
        self.host = host
        self.port = port
        self._queue: deque[list[Any]] = deque()  # [reply, uses left]
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self._rendered: dict[tuple[int, str], tuple[Reply, list[bytes], int, bytes]] = {}
        """Rendered bodies by reply and wire. Each entry keeps its reply alive and is checked
        by identity: keyed by `id()` alone, a reply freed after it was served could lend its
        address, and so its stale body, to a reply queued later (seen as a test that got an
        earlier test step's answer)."""
        self.open_connections = 0
        self.active_responses = 0
        self.connections_seen = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self.enqueue(*replies)

    # --- scripting and assertions ---------------------------------------------------------

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend([reply, reply.repeat] for reply in replies)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def rate_limited(self) -> int:
        """Requests refused with a 429 for being over the `RateLimitRule` budget."""
        return self._limiter.refused if self._limiter is not None else 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def base_url(self, api: str) -> str:
        """The base URL as configured for a provider speaking `api` (see DESIGN.md)."""
        return self.url if api == "messages" else f"{self.url}/v1"

    def _next_reply(self) -> Reply | None:
        with self._lock:
            if not self._queue:
                return self.default
            entry = self._queue[0]
            entry[1] -= 1
            if entry[1] <= 0:
                self._queue.popleft()
            reply: Reply = entry[0]
            return reply

    # --- thread mode ----------------------------------------------------------------------

    def start(self) -> FakeLLMServer:
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self.serve()), name="fake-llm-server", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake LLM server did not start")
        return self

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- server ---------------------------------------------------------------------------

    async def serve(self, announce: bool = False) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._connection, self.host, self.port)
        self.port = server.sockets[0].getsockname()[1]
        if announce:
            print(self.port, flush=True)
        self._ready.set()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.lifetime)
        finally:
            server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            await server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open_connections += 1
        self.connections_seen += 1
        self._writers.add(writer)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            self.open_connections -= 1
            writer.close()  # sends what is buffered, then closes: a "drop" is a clean FIN

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Serve one request; False when the connection must end."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = await reader.readexactly(length) if length else b""
        # A proxy request names the whole URL ("absolute form", RFC 9112 section 3.2.2).
        path = urlsplit(target).path if target.startswith("http") else target.split("?", 1)[0]
        if path.startswith(_CONTROL):
            return await self._control(path, method, body, writer)
        if method == "GET" and path in self.static:
            await _send_plain(writer, 200, json.dumps(self.static[path]), "application/json")
            return True
        recorded = RecordedRequest(method, path, headers, body)
        with self._lock:
            self._requests.append(recorded)
        api = API_BY_PATH.get(path)
        reply = self._next_reply()
        if self.responder is not None and api is not None:
            reply = self.responder(api, recorded, reply)
            self._answered.append(reply)
        if api is None or reply is None:
            what = "no such endpoint" if api is None else "no scripted reply left"
            await _send_plain(writer, 404 if api is None else 500, f"fake server: {what}")
            return True
        if self._limiter is not None and reply.status < 400:
            reply = self._rate_limited(reply)
        self.active_responses += 1
        try:
            return await self._respond(api, reply, reader, writer)
        except (ConnectionError, RuntimeError):
            return False
        finally:
            self.active_responses -= 1

    def _rate_limited(self, reply: Reply) -> Reply:
        """The reply with the budget's headers, or a 429 when the request is over it."""
        assert self._limiter is not None
        with self._lock:
            fits, headers = self._limiter.admit()
        if fits:
            answered = dataclasses.replace(reply, headers={**reply.headers, **headers})
        else:
            answered = Reply(status=429, headers=headers, error_message="Rate limit reached")
            with self._lock:  # the scripted reply answers the next request instead
                self._queue.appendleft([reply, 1])
        self._answered.append(answered)  # keeps it alive: rendered bodies are cached by id
        return answered

    async def _control(
        self, path: str, method: str, body: bytes, writer: asyncio.StreamWriter
    ) -> bool:
        if path == f"{_CONTROL}requests" and method == "GET":
            payload = json.dumps([request.as_dict() for request in self.requests])
            await _send_plain(writer, 200, payload, "application/json")
        elif path == f"{_CONTROL}replies" and method == "POST":
            self.enqueue(*(Reply.from_dict(item) for item in json.loads(body)))
            await _send_plain(writer, 200, "{}", "application/json")
        else:
            await _send_plain(writer, 404, "fake server: unknown control path")
        return True

    async def _respond(
        self, api: str, reply: Reply, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        if reply.close_before_headers:
            return False
        if reply.headers_delay and await _hung_up(reader, reply.headers_delay):
            return False
        if reply.status >= 400:
            body, content_type = error_body(api, reply)
            await _send_plain(writer, reply.status, body, content_type, reply.headers)
            return True
        events, framed = self._events(api, reply)
        head = _head(
            reply.status,
            {
                "content-type": reply.content_type,
                "cache-control": "no-cache",
                "transfer-encoding": "chunked",
                **reply.headers,
            },
        )
        writer.write(head)
        await writer.drain()
        if reply.first_event_delay and await _hung_up(reader, reply.first_event_delay):
            return False
        if framed is not None:  # no per-event faults: send big slices, fast
            for start in range(0, len(framed), 65536):
                writer.write(framed[start : start + 65536])
                await writer.drain()
            return True
        for index in range(len(events) + 1):
            if index == reply.drop_after:
                return False
            if index == reply.stall_after:
                await _hung_up(reader, reply.stall_seconds)
                return False
            if index == reply.endless_after:
                await _endless(writer, reply.endless_bytes)
                return False
            if index == len(events):
                break
            data = events[index]
            if index == reply.malformed_at:
                data = data.replace(b"data: {", b'data: {"broken": ', 1)
            if index == reply.invalid_utf8_at:
                data = data.replace(b"data: ", b"data: \xff\xfe", 1)
            await _write_event(writer, data, reply)
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    def _events(self, api: str, reply: Reply) -> tuple[list[bytes], bytes | None]:
        """The reply's events, and the whole framed body when it can be sent in one go."""
        key = (id(reply), api)
        cached = self._rendered.get(key)
        if cached is None or cached[0] is not reply:
            if reply.raw_body is not None:
                raw = reply.raw_body.encode("utf-8")
                size = reply.raw_chunk_bytes or len(raw) or 1
                events = [raw[start : start + size] for start in range(0, len(raw), size)]
                tail = len(events)
            else:
                events, tail = render_events(api, reply)
            if reply.truncate:
                events = events[:tail]
            framed = b"".join(b"%x\r\n%s\r\n" % (len(event), event) for event in events)
            cached = self._rendered[key] = (reply, events, tail, framed + b"0\r\n\r\n")
        _reply, events, _tail, framed_body = cached
        plain = not any(
            (
                reply.drop_after is not None,
                reply.stall_after is not None,
                reply.endless_after is not None,
                reply.malformed_at is not None,
                reply.invalid_utf8_at is not None,
                reply.drip_interval,
                reply.event_delay,
            )
        )
        return events, framed_body if plain else None


async def _write_event(writer: asyncio.StreamWriter, data: bytes, reply: Reply) -> None:
    if reply.drip_interval:
        for position in range(len(data)):
            writer.write(b"1\r\n" + data[position : position + 1] + b"\r\n")
            await writer.drain()
            await asyncio.sleep(reply.drip_interval)
        return
    writer.write(b"%x\r\n%s\r\n" % (len(data), data))
    await writer.drain()
    if reply.event_delay:
        await asyncio.sleep(reply.event_delay)


async def _hung_up(reader: asyncio.StreamReader, seconds: float) -> bool:
    """Stay silent for `seconds`; True as soon as the client hangs up instead."""
    try:
        return await asyncio.wait_for(reader.read(1), seconds) == b""
    except TimeoutError:
        return False
    except ConnectionError:
        return True


async def _endless(writer: asyncio.StreamWriter, limit: int) -> None:
    piece = b"x" * 65536
    writer.write(b"%x\r\ndata: \r\n" % 6)
    sent = 0
    while sent < limit:
        writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        await writer.drain()
        sent += len(piece)


def _head(status: int, headers: dict[str, str]) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Overloaded" if status == 529 else "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}"] + [
        f"{name}: {value}" for name, value in headers.items()
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _send_plain(
    writer: asyncio.StreamWriter,
    status: int,
    body: str | bytes,
    content_type: str = "text/plain",
    headers: dict[str, str] | Any = None,
) -> None:
    data = body.encode() if isinstance(body, str) else body
    all_headers = {
        "content-type": content_type,
        "content-length": str(len(data)),
        **(headers or {}),
    }
    writer.write(_head(status, all_headers) + data)
    await writer.drain()


def _load_script(path: str | None) -> tuple[list[Reply], Reply | None, float | None]:
    if not path:
        return [], None, None
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, list):
        return [Reply.from_dict(item) for item in data], None, None
    replies = [Reply.from_dict(item) for item in data.get("replies", [])]
    default = Reply.from_dict(data["default"]) if data.get("default") else None
    return replies, default, data.get("lifetime")


def spawn(script: Path) -> tuple[subprocess.Popen[str], str]:
    """The server as its own process (`python -m tests.support.fake_llm_server`), scripted by
    the JSON file `script`; returns the process and its root URL once it listens."""
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.fake_llm_server",
            "--port",
            "0",
            "--script",
            str(script),
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}"


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--script", help="JSON file of replies")
    parser.add_argument("--lifetime", type=float, default=None, help="seconds before stopping")
    args = parser.parse_args(list(argv) if argv is not None else None)
    replies, default, lifetime = _load_script(args.script)
    server = FakeLLMServer(
        *replies,
        default=default,
        lifetime=args.lifetime or lifetime or 300.0,
        host=args.host,
        port=args.port,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve(announce=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
