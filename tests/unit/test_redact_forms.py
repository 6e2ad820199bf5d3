"""Encoded forms of a known key (URL-encoded, base64 in both alphabets, padded or not, alone or
inside a longer encoded string) and the password of a URL are masked like the key itself."""

from __future__ import annotations

import base64
import re
from urllib.parse import quote, quote_plus

import pytest

from solcoder.redact import Redactor, add_url_password, default_redactor, redact

# Characters that URL encoding changes, so the encoded form really differs from the key.
KEY = "sk-test-forms+Key/with=chars:0123456789"


@pytest.fixture
def redactor() -> Redactor:
    redactor = Redactor()
    redactor.add_secret(KEY)
    return redactor


def b64(data: bytes, *, urlsafe: bool = False, padded: bool = True) -> str:
    encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode()
    return encoded if padded else encoded.rstrip("=")


def visible_core(encoded: str) -> str:
    """What must not survive: the encoded text without the 4 characters a mask may show."""
    return encoded.rstrip("=")[:-5]


@pytest.mark.parametrize(
    "encoded",
    [
        quote(KEY, safe=""),
        quote(KEY),
        quote_plus(KEY),
        re.sub("%[0-9A-F]{2}", lambda escape: escape.group().lower(), quote(KEY, safe="")),
    ],
)
def test_url_encoded_key_is_masked(redactor: Redactor, encoded: str) -> None:
    assert encoded != KEY
    shown = redactor.redact(f"GET /v1?x={encoded}&y=1 failed")
    assert encoded[:-4] not in shown, shown
    assert "failed" in shown


@pytest.mark.parametrize("urlsafe", [False, True])
@pytest.mark.parametrize("padded", [False, True])
@pytest.mark.parametrize("before", [b"", b"u", b"us", b"user:", b"ab:"])
@pytest.mark.parametrize("after", [b"", b"!", b"\n\x00x"])
def test_base64_of_the_key_is_masked_at_every_alignment(
    redactor: Redactor, urlsafe: bool, padded: bool, before: bytes, after: bytes
) -> None:
    encoded = b64(before + KEY.encode() + after, urlsafe=urlsafe, padded=padded)
    shown = redactor.redact(f"echo: {encoded} end")
    # At most a few characters shared with the surrounding bytes remain, never the key's run.
    key_only = b64(KEY.encode(), urlsafe=urlsafe, padded=False)
    assert key_only[3:-5] not in shown, shown
    assert visible_core(encoded) not in shown, shown
    assert shown.endswith(" end")


def test_unrelated_base64_is_left_alone(redactor: Redactor) -> None:
    text = f"data {b64(b'just some ordinary bytes of a picture')} end"
    assert redactor.redact(text) == text


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("http://user:pass@127.0.0.1:8080/v1", "pass"),
        (
            "https://me:s3cret-longer-than-sixteen@host.example/v1/chat",
            "s3cret-longer-than-sixteen",
        ),
        ("http://:p%40ss@host/v1", "p%40ss"),
    ],
)
def test_a_url_password_is_masked(url: str, password: str) -> None:
    shown = Redactor().redact(f'HTTP Request: POST {url} "HTTP/1.1 200 OK"')
    assert password not in shown, shown
    assert "HTTP/1.1 200 OK" in shown
    assert "@" in shown  # the host is still there to read


@pytest.mark.parametrize(
    "text",
    [
        "http://127.0.0.1:8080/v1",
        "see https://example.com/a:b@c for details",
        "mailto:someone@example.com",
    ],
)
def test_urls_without_a_password_are_unchanged(text: str) -> None:
    assert Redactor().redact(text) == text


def test_a_base_url_password_is_masked_wherever_it_is_echoed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    redactor = default_redactor()
    monkeypatch.setattr(redactor, "_known", redactor._known)
    monkeypatch.setattr(redactor, "_patterns", {})
    password = "pw-unit-canary:x"
    add_url_password(f"http://me:{quote(password, safe='')}@127.0.0.1:9/v1")
    basic = b64(f"me:{password}".encode())
    shown = redact(f"server said: {password} / {quote(password, safe='')} / token {basic}")
    assert "unit-canary" not in shown and "unit-canary%3Ax" not in shown, shown
    assert b64(password.encode())[4:-4] not in shown


def test_the_hex_form_of_a_key_is_masked() -> None:
    """Issue 23 item 24: a key echoed as hex (lower or upper case) is masked like the key."""
    from solcoder.redact import Redactor
    from solcoder.secret import Secret

    key = "sk-test-hexcanary-0123456789abcdef"
    redactor = Redactor()
    redactor.add_secret(Secret(key))
    for form in (key.encode().hex(), key.encode().hex().upper()):
        shown = redactor.redact(f"debug: {form} end")
        assert form not in shown, shown
