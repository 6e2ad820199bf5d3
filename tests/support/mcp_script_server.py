"""A tiny MCP server over stdio, written as raw JSON-RPC lines, for the faults real servers
do not make on demand.

    python -m tests.support.mcp_script_server MODE [LOG]

MODE `hang`: reads stdin and never answers anything (not even `initialize`).
MODE `tools`: a working server with these tools:
  `boom`  writes a line to stderr and exits mid-call (a crash);
  `slow`  never answers (the client's timeout must cancel it);
  `grow`  adds the tool `grown` and sends `notifications/tools/list_changed`;
  `grown` (after `grow`) answers "grown ok";
  `flood` sends `notifications/tools/list_changed` FLOOD times (default 3000), then answers;
  `huge`  answers a text of `size` characters (its argument);
  `match` takes `text` under the schema pattern `^(a+)+$` (catastrophic for backtracking).
MODE `banner`: `tools`, after writing JUNK (default 1) lines that are not JSON-RPC to stdout
first, one of them with the 8-bit CSI U+009B (real servers print start-up banners).
MODE `stubborn`: `tools`, but it ignores SIGTERM and SIGHUP, starts a child (in its process
group) that ignores them too, logs `{"child": N}`, and stays alive after its stdin ends (for
at most 120 s: it stops by itself).
LOG, when given, receives one JSON line per message read (and `{"pid": N}` first), so a
test can see what the client sent (a `notifications/cancelled`) and that the process ended.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

_SCHEMA = {"type": "object", "properties": {}}
_BASE_TOOLS = [
    {"name": "boom", "description": "Crashes the server.", "inputSchema": _SCHEMA},
    {"name": "slow", "description": "Never answers.", "inputSchema": _SCHEMA},
    {"name": "grow", "description": "Adds a tool.", "inputSchema": _SCHEMA},
    {"name": "flood", "description": "Floods list_changed.", "inputSchema": _SCHEMA},
    {
        "name": "huge",
        "description": "A huge result.",
        "inputSchema": {"type": "object", "properties": {"size": {"type": "integer"}}},
    },
    {
        "name": "match",
        "description": "A catastrophic pattern.",
        "inputSchema": {
            "type": "object",
            "properties": {"text": {"type": "string", "pattern": "^(a+)+$"}},
            "required": ["text"],
        },
    },
]
_LIFETIME = 120.0
"""A stubborn server and its child end by themselves after this long."""


def _send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _log(path: str | None, entry: dict[str, Any]) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")


def main() -> int:
    mode = sys.argv[1]
    log = sys.argv[2] if len(sys.argv) > 2 else None
    _log(log, {"pid": os.getpid()})
    if mode == "banner":
        junk = int(os.environ.get("JUNK", "1"))
        sys.stdout.write("Starting script server v1 \u009b31m (not JSON-RPC)\n")
        sys.stdout.write("junk line\n" * (junk - 1))
        sys.stdout.flush()
    if mode == "stubborn":
        _stubborn(log)
    tools = list(_BASE_TOOLS)
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        _log(log, message)
        if mode == "hang" or "id" not in message:
            continue
        method, ident = message.get("method"), message["id"]
        if method == "initialize":
            version = message["params"]["protocolVersion"]
            _send(
                {
                    "jsonrpc": "2.0",
                    "id": ident,
                    "result": {
                        "protocolVersion": version,
                        "capabilities": {"tools": {"listChanged": True}},
                        "serverInfo": {"name": "script", "version": "0"},
                    },
                }
            )
        elif method == "tools/list":
            _send({"jsonrpc": "2.0", "id": ident, "result": {"tools": tools}})
        elif method == "ping":
            _send({"jsonrpc": "2.0", "id": ident, "result": {}})
        elif method == "tools/call":
            name = message["params"]["name"]
            if name == "boom":
                sys.stderr.write("Traceback: boom went the server\n")
                sys.stderr.flush()
                os._exit(3)
            elif name == "grow":
                tools.append({"name": "grown", "description": "New.", "inputSchema": _SCHEMA})
                _send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
                text = "added grown"
                _send({"jsonrpc": "2.0", "id": ident, "result": {"content": [_text(text)]}})
            elif name == "grown":
                text = "grown ok"
                _send({"jsonrpc": "2.0", "id": ident, "result": {"content": [_text(text)]}})
            elif name == "flood":
                changed = json.dumps(
                    {"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}
                )
                sys.stdout.write((changed + "\n") * int(os.environ.get("FLOOD", "3000")))
                _send({"jsonrpc": "2.0", "id": ident, "result": {"content": [_text("flooded")]}})
            elif name == "huge":
                text = "x" * int(message["params"]["arguments"]["size"])
                _send({"jsonrpc": "2.0", "id": ident, "result": {"content": [_text(text)]}})
            elif name == "match":
                text = "matched " + str(message["params"]["arguments"].get("text"))
                _send({"jsonrpc": "2.0", "id": ident, "result": {"content": [_text(text)]}})
            # "slow": no answer, ever
        else:
            error = {"code": -32601, "message": f"no method {method}"}
            _send({"jsonrpc": "2.0", "id": ident, "error": error})
    if mode == "stubborn":
        time.sleep(_LIFETIME)  # stdin ended: a stubborn server stays anyway
    return 0


def _stubborn(log: str | None) -> None:
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)
    code = (
        "import signal, time\n"
        "for n in (signal.SIGTERM, signal.SIGHUP): signal.signal(n, signal.SIG_IGN)\n"
        f"time.sleep({_LIFETIME})\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    _log(log, {"child": child.pid})


def _text(text: str) -> dict[str, str]:
    return {"type": "text", "text": text}


if __name__ == "__main__":
    sys.exit(main())
