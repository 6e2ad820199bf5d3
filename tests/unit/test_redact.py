"""Redaction: every known key shape and every registered value is masked; Solana public data
(addresses, transaction signatures) is not."""

from __future__ import annotations

import io
import logging
import random
from collections.abc import Iterator

import pytest

from solcoder.redact import (
    REDACTED,
    Redactor,
    install_log_redaction,
    redact,
    uninstall_log_redaction,
)

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = ""
    while number:
        number, remainder = divmod(number, 58)
        digits = ALPHABET[remainder] + digits
    leading = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading + digits


RNG = random.Random(58)
ADDRESSES = [base58(RNG.randbytes(32)) for _ in range(50)] + [
    "11111111111111111111111111111111",
    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
    "So11111111111111111111111111111111111111112",
]
SIGNATURES = [base58(RNG.randbytes(64)) for _ in range(50)]
SECRET_KEYS = [base58(RNG.randbytes(64)) for _ in range(20)]


@pytest.fixture
def redactor() -> Redactor:
    return Redactor()


def test_generated_solana_data_has_the_expected_lengths() -> None:
    assert all(32 <= len(address) <= 44 for address in ADDRESSES)
    assert all(86 <= len(signature) <= 88 for signature in SIGNATURES)


SHAPES = {
    "openai": "sk-proj-" + "Ab3" * 20,
    "openai-legacy": "sk-" + "x7Y" * 16,
    "anthropic": "sk-ant-api03-" + "Qw9_-" * 18,
    "openrouter": "sk-or-v1-" + "0a1b2c3d" * 8,
    "groq": "gsk_" + "Zx81" * 13,
    "xai": "xai-" + "Tt5" * 20,
    "google": "AIzaSy" + "B" * 31 + "c1",
    "aws-id": "AKIAIOSFODNN7EXAMPLE",
    "github-classic": "ghp_" + "a1B2" * 9,
    "github-fine": "github_pat_11ABCDEFG0" + "x" * 40,
    "canary": "sk-test-CANARY-0123456789abcdef",
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_vendor_key_shapes_are_masked(redactor: Redactor, name: str) -> None:
    key = SHAPES[name]
    for text in (key, f"key={key}", f'"{key}"', f"error: invalid key {key}.", f"({key})"):
        out = redactor.redact(text)
        assert key not in out, (name, out)
        assert key[-4:] in out or REDACTED in out


def test_header_and_url_shapes(redactor: Redactor) -> None:
    cases = {
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature-123": "eyJhbGci",
        "authorization: bearer 0123456789abcdefghijklmnop": "0123456789abcdef",
        "x-api-key: my-anthropic-key-0123456789": "my-anthropic-key",
        '{"x-api-key": "abcdEFGH12345678"}': "abcdEFGH1234",
        "X-Goog-Api-Key: QWERTYUIOPASDFGH": "QWERTYUIOP",
        "https://generativelanguage.googleapis.com/v1/models?key=PLAINKEY123456&alt=sse": (
            "PLAINKEY1234"
        ),
        "GET /v1/x?api_key=topsecretvalue99 HTTP/1.1": "topsecretvalue",
        "api_key = 'another-secret-value-123'": "another-secret-value",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY": "wJalrXUtnFEMI",
    }
    for text, secret_part in cases.items():
        out = redactor.redact(text)
        assert secret_part not in out, out
    # The structure stays readable: the header name and the URL survive.
    out = redactor.redact("https://host/v1?key=PLAINKEY123456&alt=sse")
    assert out.startswith("https://host/v1?key=") and out.endswith("&alt=sse")


def test_prose_is_left_alone(redactor: Redactor) -> None:
    text = "Use a bearer token. The basic idea: sk-learn is a library; ask Asia for AKIA."
    assert redactor.redact(text) == text


def test_keypair_json_array_is_redacted(redactor: Redactor) -> None:
    keypair = "[" + ",".join(str(RNG.randrange(256)) for _ in range(64)) + "]"
    spaced = "[\n  " + ",\n  ".join(str(RNG.randrange(256)) for _ in range(64)) + "\n]"
    for text in (keypair, spaced, f"cat id.json\n{keypair}\n"):
        out = redactor.redact(text)
        assert REDACTED in out
        assert out.count(",") == 0, out


def test_number_arrays_that_are_not_keypairs_are_kept(redactor: Redactor) -> None:
    short = "[" + ",".join(["7"] * 32) + "]"
    too_big = "[" + ",".join(["300"] * 64) + "]"
    assert redactor.redact(short) == short
    assert redactor.redact(too_big) == too_big


def test_addresses_are_never_redacted(redactor: Redactor) -> None:
    for address in ADDRESSES:
        for text in (
            address,
            f"Wallet: {address}",
            f"private key for wallet {address} is stored in id.json",
            f"keypair pubkey: {address}",
            f"solana transfer {address} 1 --allow-unfunded-recipient",
        ):
            assert redactor.redact(text) == text


def test_signatures_are_never_redacted(redactor: Redactor) -> None:
    for signature in SIGNATURES:
        for text in (
            signature,
            f"Signature: {signature}",
            f"Transaction {signature} confirmed",
            f"https://explorer.solana.com/tx/{signature}?cluster=devnet",
            f'{{"signature":"{signature}","slot":1234}}',
        ):
            assert redactor.redact(text) == text, text


def test_base58_secret_keys_are_redacted_in_key_context(redactor: Redactor) -> None:
    for secret in SECRET_KEYS:
        for text in (
            f"secret key: {secret}",
            f"PRIVATE_KEY={secret}",
            f'{{"secretKey": "{secret}"}}',
            f"Keypair base58: {secret}",
            f"export SOLANA_PRIVATE_KEY='{secret}'",
        ):
            out = redactor.redact(text)
            assert secret not in out, text
            assert REDACTED in out


def test_context_does_not_cross_lines(redactor: Redactor) -> None:
    signature = SIGNATURES[0]
    text = f"private notes\n{signature}"
    assert redactor.redact(text) == text


def test_known_values_of_any_shape(redactor: Redactor) -> None:
    redactor.add_secret("custom-token-without-prefix-42")
    redactor.add_secret("short")  # too short to register: would mask ordinary words
    out = redactor.redact("token custom-token-without-prefix-42 and a short word")
    assert "custom-token-without-prefix-42" not in out
    assert "short word" in out


def test_known_value_longest_first(redactor: Redactor) -> None:
    redactor.add_secret("abcdefgh1234")
    redactor.add_secret("abcdefgh1234-extended-part")
    out = redactor.redact("x abcdefgh1234-extended-part y")
    assert "extended" not in out


def test_redaction_is_idempotent(redactor: Redactor) -> None:
    text = " ".join(SHAPES.values()) + f" secret: {SECRET_KEYS[0]} Bearer {'q' * 30}"
    once = redactor.redact(text)
    assert redactor.redact(once) == once


def test_redact_data_walks_nested_json(redactor: Redactor) -> None:
    key = SHAPES["openai"]
    data = {"a": [key, {"b": f"x {key}"}], key: 1, "n": 3, "t": True, "none": None}
    out = redactor.redact_data(data)
    assert key not in repr(out)
    assert out["n"] == 3 and out["t"] is True and out["none"] is None


@pytest.mark.timeout(30)  # a hang guard against catastrophic backtracking
def test_large_text_is_redacted_without_backtracking(redactor: Redactor) -> None:
    redactor.add_secret("sk-test-CANARY-0123456789abcdef")
    words = [
        "lorem",
        "ipsum",
        "fn",
        "main()",
        "{",
        "}",
        "let",
        "x",
        "=",
        "42;",
        "[1, 2]",
        "private",
        "token=",
        "https://a/b?c=d",
    ]
    text = " ".join(RNG.choice(words) for _ in range(400_000))  # ~2.4 MB of code-ish text
    planted = text + " sk-test-CANARY-0123456789abcdef"
    out = redactor.redact(planted)  # the test's timeout is the guard against backtracking
    assert "CANARY" not in out


@pytest.fixture
def log_redaction() -> Iterator[None]:
    install_log_redaction()
    yield
    uninstall_log_redaction()


def test_logging_is_redacted_for_every_logger(log_redaction: None) -> None:
    key = "sk-test-LOGCANARY-0123456789abcdef"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("solcoder.deep.child")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.info("calling with %s", key)
        logger.warning(f"inline {key}")
        try:
            raise RuntimeError(f"provider said: bad key {key}")
        except RuntimeError:
            logger.exception("failed")
        logger.debug("stack", stack_info=True, extra={})
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert key not in output
    assert "LOGCANARY" not in output
    assert "Traceback" in output and "RuntimeError" in output


def test_root_logger_filter_is_installed(log_redaction: None) -> None:
    from solcoder.redact import RedactingFilter

    assert any(isinstance(item, RedactingFilter) for item in logging.getLogger().filters)


def test_module_level_redact_uses_the_default_redactor() -> None:
    assert "CANARY" not in redact("sk-test-CANARY-9876543210abcdef")
