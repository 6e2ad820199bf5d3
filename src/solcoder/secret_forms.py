"""The encoded forms a key takes when it is echoed back: URL-encoded, base64 and hex.

A proxy that quotes the request URL, a server that echoes a Basic auth header, or a model that
"helpfully" base64-encodes a key it saw produces text that contains no copy of the key, only an
encoding of it (and a debug dump of a request body shows its bytes in hex). The redactor masks
these forms as well as the key itself (`Redactor.add_secret` adds them), so the key does not
leave through a disguise.

Base64 of a key inside a longer encoded string (`user:KEY` in a Basic header) depends on where
the key starts modulo 3 bytes. For each of the three alignments the form is the run of output
characters determined by the key's bytes alone: the first one or two characters are shared with
the byte before and the last one with the byte after, so they are left out. The result is a
substring of every standard (or URL-safe) base64 text that encodes the key, padded or not.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import quote, quote_plus

_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")

_LEADING_SHARED = (0, 2, 3)
"""Output characters that also depend on the bytes before the key, per alignment 0, 1, 2."""


def _base64_cores(raw: bytes) -> set[str]:
    """For each alignment, the base64 characters that depend on `raw` alone (standard and
    URL-safe alphabets)."""
    cores: set[str] = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\x00" * offset + raw).decode("ascii").rstrip("=")
        total = offset + len(raw)
        # Whole 3-byte groups give 4 characters each; a trailing group of r bytes determines r.
        determined = (total // 3) * 4 + total % 3
        core = encoded[_LEADING_SHARED[offset] : determined]
        if core:
            cores.add(core)
            cores.add(core.translate(str.maketrans("+/", "-_")))
    return cores


def _url_forms(value: str) -> set[str]:
    """Percent-encodings of `value` as quoting libraries write them (upper and lower hex)."""
    forms = {quote(value, safe=""), quote(value), quote_plus(value)}
    forms |= {_PERCENT_ESCAPE.sub(lambda escape: escape.group().lower(), form) for form in forms}
    return forms


def encoded_forms(value: str, minimum_length: int) -> frozenset[str]:
    """Every URL-encoded, base64 and hex form of `value` at least `minimum_length` long,
    `value` itself excluded."""
    raw = value.encode("utf-8")
    forms = _url_forms(value) | _base64_cores(raw) | {raw.hex(), raw.hex().upper()}
    return frozenset(form for form in forms if form != value and len(form) >= minimum_length)
