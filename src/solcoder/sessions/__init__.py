"""Durable sessions: every conversation is an append-only JSON Lines transcript on disk.

Nothing the user typed may be lost, even on a crash, so each record is one complete line
written with a single `write` to a file opened O_APPEND, and the file is fsynced at every turn
boundary (and at least once a second while a reply streams, through `Session.partial`). A
crash can therefore only tear the last line; loading sets a torn line aside (into
`transcript.jsonl.torn-<time>`) and reports it, and never fails because of it.

Layout: `SOLCODER_HOME/sessions/<id>/transcript.jsonl` (0600, directory 0700, both created
with that mode) plus an empty `pinned` marker for pinned sessions. Records:

    {"v": 1, "type": "meta", "ts": ..., "provider": ..., "model": ...}
    {"v": 1, "type": "message", "ts": ..., "turn": 1, "message": {"role": ..., "parts": [...]}}
    {"v": 1, "type": "partial", "ts": ..., "turn": 1, "text": "<assistant text so far>"}
    {"v": 1, "type": "event" | "fallback" | "error", "ts": ..., ...}
    {"v": 1, "type": "turn_end", "ts": ..., "turn": 1, ...}

Every record passes through the redactor before it is written.
"""

from solcoder.sessions.rebuild import rebuild_messages
from solcoder.sessions.session import PARTIAL_INTERVAL, Session
from solcoder.sessions.store import SessionStore
from solcoder.sessions.transcript import (
    PIN_MARKER,
    RECORD_TYPES,
    SESSION_ID,
    TRANSCRIPT_NAME,
    SessionInfo,
)

__all__ = [
    "PARTIAL_INTERVAL",
    "PIN_MARKER",
    "RECORD_TYPES",
    "SESSION_ID",
    "TRANSCRIPT_NAME",
    "Session",
    "SessionInfo",
    "SessionStore",
    "rebuild_messages",
]
