"""Model servers already running on this machine: Ollama, LM Studio, a llama.cpp server.

With no key, a developer who runs one of these wants it used, not the bundled demonstration
model. Each is probed on loopback at its default port with a short bounded request (all at
once, so the whole probe costs one timeout at most): `/api/tags` for Ollama, `/v1/models`
for the others, which also name the model to use. Standard library only (`http.client`):
this runs at launch.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Final

PROBE_TIMEOUT_S: Final = 0.3
"""Per server; a server on loopback answers its model list in milliseconds."""
MAX_BODY: Final = 256 * 1024


@dataclass(frozen=True, slots=True)
class LocalServer:
    provider: str
    """The catalog entry that talks to it: `ollama`, `lmstudio` or `llamacpp`."""
    label: str
    port: int
    path: str
    model: str | None = None


SERVERS: Final = (
    LocalServer("ollama", "Ollama", 11434, "/api/tags"),
    LocalServer("lmstudio", "LM Studio", 1234, "/v1/models"),
    LocalServer("llamacpp", "a llama.cpp server", 8080, "/v1/models"),
)


def listening(host: str, port: int, timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Whether something accepts a connection there: on loopback a closed port refuses at
    once, so the usual answer (nothing running) costs a millisecond and no HTTP import."""
    import socket

    try:
        if host.replace(".", "").isdigit():  # an IPv4 literal: no resolver (nor idna) needed
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as connection:
                connection.settimeout(timeout)
                connection.connect((host, port))
            return True
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def probe(server: LocalServer, *, host: str = "127.0.0.1") -> LocalServer | None:
    """`server` with the model it serves, or None when nothing usable answers there."""
    if not listening(host, server.port):
        return None
    import http.client

    connection = http.client.HTTPConnection(host, server.port, timeout=PROBE_TIMEOUT_S)
    try:
        connection.request("GET", server.path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        if response.status != 200:
            return None
        body = json.loads(response.read(MAX_BODY))
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        connection.close()
    model = _first_model(body)
    if model is None:
        return None
    return LocalServer(server.provider, server.label, server.port, server.path, model)


def _first_model(body: object) -> str | None:
    if not isinstance(body, dict):
        return None
    entries = body.get("models") if "models" in body else body.get("data")
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if isinstance(entry, dict):
            name = entry.get("name") or entry.get("model") or entry.get("id")
            if isinstance(name, str) and name.strip():
                return name.strip()
    return None


def find_local_server(servers: tuple[LocalServer, ...] | None = None) -> LocalServer | None:
    """The first of `servers` (default `SERVERS`, in order) that answers with a model; all
    probed at once."""
    servers = SERVERS if servers is None else servers
    # A closed loopback port refuses at once: only the ports that accept get a thread and
    # an HTTP request (nothing running, the usual case, costs no thread at all).
    servers = tuple(server for server in servers if listening("127.0.0.1", server.port))
    if not servers:
        return None
    found: list[LocalServer | None] = [None] * len(servers)

    def run(index: int) -> None:
        found[index] = probe(servers[index])

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(servers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PROBE_TIMEOUT_S * 4)
    return next((server for server in found if server is not None), None)
