"""The bulk read path (`transport/raw_body.py`) against the httpx2 path, over a real socket: the
same bytes give the same events and the same errors, unusual bodies fall back to httpx2, and a
connection goes back to the pool only after a clean end."""

from __future__ import annotations

import asyncio
import datetime
import gzip
import ipaddress
import socket
import ssl
import struct
import threading
from pathlib import Path

import httpx2
import pytest

from solcoder.errors import StreamInterruptedError
from solcoder.llm.events import Event, TextDelta
from solcoder.llm.transport import raw_body
from solcoder.llm.transport.streaming import StreamingCall
from tests.support.fake_wire import Reply, render_events
from tests.transport.harness import MODES, REQUEST, call, make_client

EVENTS, _ = render_events("chat", Reply(text="héllo wörld, 🦀 crabs " * 20, chunk_size=3))
STREAM = b"".join(EVENTS)
HOLD_S = 10.0
"""How long the server holds the rest of a body back for the test's acknowledgement (a hang
guard: the test fails if the acknowledgement never came, whatever the time)."""


class RawServer:
    """Answers every request on 127.0.0.1 with `head` and then `body`, as given (bytes)."""

    def __init__(
        self, head: bytes, body: bytes, *, close_after: bool = False, reset: bool = False
    ) -> None:
        self.head, self.body = head, body
        self.close_after, self.reset = close_after, reset
        self.rest = b""
        self.tls: ssl.SSLContext | None = None
        self.acknowledged = threading.Event()
        self.acknowledged_in_time = False
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/v1"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        if self.tls is not None:
            try:
                connection = self.tls.wrap_socket(connection, server_side=True)
            except (OSError, ssl.SSLError):
                return
        with connection:
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = connection.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                while len(buffer) < length:
                    buffer += connection.recv(65536)
                buffer = buffer[length:]
                connection.sendall(self.head + self.body)
                if self.rest:  # held back until the test saw the first event
                    self.acknowledged_in_time = self.acknowledged.wait(HOLD_S)
                    connection.sendall(self.rest)
                if self.reset:  # an RST, not a FIN: the read fails rather than ends
                    connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    return
                if self.close_after or not any(
                    framing in self.head.lower()
                    for framing in (b"transfer-encoding", b"content-length")
                ):
                    return  # the body ends with the connection

    def close(self) -> None:
        self._listener.close()


def head(**headers: str) -> bytes:
    lines = [b"HTTP/1.1 200 OK", b"content-type: text/event-stream"]
    lines += [f"{name.replace('_', '-')}: {value}".encode() for name, value in headers.items()]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def chunked(data: bytes, sizes: tuple[int, ...] = (1, 7, 64, 5)) -> bytes:
    """`data` in chunks of the given sizes in turn, then the last chunk."""
    parts, position, index = [], 0, 0
    while position < len(data):
        piece = data[position : position + sizes[index % len(sizes)]]
        parts.append(b"%x\r\n%s\r\n" % (len(piece), piece))
        position += len(piece)
        index += 1
    return b"".join(parts) + b"0\r\n\r\n"


def outcome(mode: str, server: RawServer, *, bulk: bool) -> tuple[list[Event], str | None]:
    raw_body.ENABLED = bulk
    try:
        result = call(mode, lambda: make_client(server.url, "chat", max_retries=0))
    finally:
        raw_body.ENABLED = True
    error = None
    if result.error is not None:  # the class, the partial answer, the words
        partial = result.error.partial.text if result.error.partial is not None else ""
        error = f"{type(result.error).__name__}:{partial}:{result.error.message}"
    assert result.pool_requests_in_flight == 0
    return result.events, error


BODIES = {
    "chunked": (head(transfer_encoding="chunked"), chunked(STREAM)),
    "one-chunk": (head(transfer_encoding="chunked"), chunked(STREAM, (len(STREAM),))),
    "content-length": (head(content_length=str(len(STREAM))), STREAM),
    "gzip-falls-back": (
        head(transfer_encoding="chunked", content_encoding="gzip"),
        chunked(gzip.compress(STREAM)),
    ),
    "close-delimited-falls-back": (head(), STREAM),
    "illegal-chunk-size-after-content": (
        head(transfer_encoding="chunked"),
        chunked(STREAM[: len(STREAM) // 2])[:-5] + b"zz\r\nmore\r\n",
    ),
    "cut-mid-chunk": (
        head(transfer_encoding="chunked"),
        chunked(STREAM[: len(STREAM) // 2])[:-7],
    ),
    "reset-mid-chunk": (
        head(transfer_encoding="chunked"),
        chunked(STREAM[: len(STREAM) // 2])[:-7],
    ),
    "trailers-and-extensions": (
        head(transfer_encoding="chunked"),
        b"%x;ext=1\r\n%s\r\n0\r\nx-trailer: 1\r\n\r\n" % (len(STREAM), STREAM),
    ),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(BODIES))
def test_the_bulk_path_gives_what_the_httpx2_path_gives(name: str, mode: str) -> None:
    server = RawServer(*BODIES[name], close_after="cut" in name, reset="reset" in name)
    try:
        bulk = outcome(mode, server, bulk=True)
        reference = outcome(mode, server, bulk=False)
    finally:
        server.close()
    assert bulk == reference
    if "after-content" in name or "cut" in name or "reset" in name:
        assert bulk[1] is not None
        assert bulk[1].startswith(StreamInterruptedError.__name__ + ":héllo")
    else:
        assert bulk[1] is None
        assert "".join(e.text for e in bulk[0] if isinstance(e, TextDelta)) == (
            "héllo wörld, 🦀 crabs " * 20
        )


@pytest.mark.parametrize(
    ("extra", "connections"), [(b"", 1), (b"HTTP/1.1 200 OK\r\n\r\n", 2)], ids=["clean", "junk"]
)
def test_a_connection_is_pooled_again_only_after_a_clean_end(
    extra: bytes, connections: int
) -> None:
    server = RawServer(head(transfer_encoding="chunked"), chunked(STREAM) + extra)
    try:
        with make_client(server.url, "chat", max_retries=0) as client:
            for _ in range(2):
                completed = client.complete(REQUEST)
                assert completed.message.text.startswith("héllo")
    finally:
        server.close()
    assert server.connections == connections


def test_the_first_batch_of_a_big_read_holds_only_the_first_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = RawServer(head(transfer_encoding="chunked"), chunked(STREAM, (len(STREAM),)))
    sizes: list[int] = []
    next_batch = StreamingCall.next_batch

    async def recorded(self: StreamingCall) -> list[Event] | None:
        batch = await next_batch(self)
        if batch is not None:
            sizes.append(len(batch))
        return batch

    monkeypatch.setattr(StreamingCall, "next_batch", recorded)
    try:
        result = call("async", lambda: make_client(server.url, "chat", max_retries=0))
    finally:
        server.close()
    assert result.error is None
    assert sizes[0] == 1  # the first text delta alone, then the rest of that read
    assert sum(sizes) == len(result.events)


@pytest.mark.parametrize("mode", MODES)
def test_the_first_event_comes_before_the_rest_of_the_body_is_sent(mode: str) -> None:
    # The server sends the first text event and holds the rest back until the caller has it:
    # a client that waited for more (a full block, the end of the body) would not get it.
    first = EVENTS[0] + EVENTS[1]  # the role-only chunk, then the first text
    server = RawServer(head(transfer_encoding="chunked"), b"%x\r\n%s\r\n" % (len(first), first))
    server.rest = chunked(STREAM[len(first) :])
    texts: list[str] = []

    def seen(event: Event) -> None:
        if isinstance(event, TextDelta):
            texts.append(event.text)
            server.acknowledged.set()

    async def in_async() -> None:
        async with make_client(server.url, "chat", max_retries=0) as client:
            async for event in client.astream(REQUEST):
                seen(event)

    try:
        if mode == "sync":
            with make_client(server.url, "chat", max_retries=0) as client:
                for event in client.stream(REQUEST):
                    seen(event)
        else:
            asyncio.run(in_async())
    finally:
        server.close()
    assert server.acknowledged_in_time
    assert "".join(texts) == "héllo wörld, 🦀 crabs " * 20


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.mark.parametrize("mode", MODES)
def test_over_tls_the_bulk_path_gives_the_same_events_and_reuses_the_connection(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    server = RawServer(head(transfer_encoding="chunked"), chunked(STREAM))
    server.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.tls.load_cert_chain(cert, key)
    server.url = server.url.replace("http://", "https://")
    taken: list[bool] = []
    take = raw_body.RawBody.take

    def recorded(response: httpx2.Response) -> raw_body.RawBody | None:
        body = take(response)
        taken.append(body is not None)
        return body

    monkeypatch.setattr(raw_body.RawBody, "take", staticmethod(recorded))
    try:
        bulk = outcome(mode, server, bulk=True)
        reference = outcome(mode, server, bulk=False)
        with make_client(server.url, "chat", max_retries=0) as client:
            opened = server.connections
            texts = [client.complete(REQUEST).message.text for _ in range(2)]
    finally:
        server.close()
    assert bulk == reference
    assert bulk[1] is None
    assert texts == ["héllo wörld, 🦀 crabs " * 20] * 2
    assert server.connections == opened + 1  # both answers over one TLS connection
    assert taken == [True, True, True]  # the bulk path was taken over TLS
