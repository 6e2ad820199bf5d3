"""Whether a base URL can be dialled: scheme, host and port, checked before any request.

A URL the HTTP stack cannot use surfaced deep inside a request as `OverflowError` (port 99999)
or `InvalidURL` (port `abc`), which the CLI can only call "a bug in SolCoder". The settings,
custom provider tables and the client ask `base_url_problem` first, so a typo in
`--llm-base-url` is a configuration error (exit 2) that names what is wrong.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["BASE_URL_HINT", "base_url_problem"]

BASE_URL_HINT = "A base URL looks like http://127.0.0.1:8080/v1 or https://api.example.com/v1."


def base_url_problem(url: str) -> str | None:
    """What makes `url` unusable as a base URL ("its port 99999 is not between 0 and
    65535"), or None when it is fine."""
    if any(ord(character) <= 32 or ord(character) == 127 for character in url):
        return "it contains spaces or control characters"
    try:
        parts = urlsplit(url)
    except ValueError as error:  # "Invalid IPv6 URL"
        return f"it cannot be parsed ({error})"
    if parts.scheme not in ("http", "https"):
        return "it must start with http:// or https://"
    if not parts.hostname:
        return "it names no host"
    host_port = parts.netloc.rpartition("@")[2]  # userinfo may hold any character
    if host_port.startswith("["):  # [::1]:8080
        host_port = host_port.rpartition("]")[2]
    if ":" not in host_port:
        return None
    port = host_port.partition(":")[2]
    if not port:
        return None  # "host:" means the scheme's default port
    if not port.isascii() or not port.isdigit():
        return f"its port {port!r} is not a port number"
    if int(port) > 65535:
        return f"its port {port} is not between 0 and 65535"
    return None
