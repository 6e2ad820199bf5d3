"""Provider error bodies and in-stream error events mapped onto our error tree."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from solcoder.errors import (
    AuthenticationError,
    BadRequestError,
    ContextTooLongError,
    LLMError,
    ModelNotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from solcoder.llm.adapters.errors import error_from_payload, error_from_response


def openai_body(
    message: str, type_: str = "invalid_request_error", code: str | None = None
) -> bytes:
    return json.dumps(
        {"error": {"message": message, "type": type_, "code": code, "param": None}}
    ).encode()


def anthropic_body(type_: str, message: str) -> bytes:
    return json.dumps({"type": "error", "error": {"type": type_, "message": message}}).encode()


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            401,
            openai_body(
                "Incorrect API key provided: sk-test-****",
                "invalid_request_error",
                "invalid_api_key",
            ),
            AuthenticationError,
        ),
        (401, anthropic_body("authentication_error", "invalid x-api-key"), AuthenticationError),
        (403, anthropic_body("permission_error", "not allowed"), PermissionDeniedError),
        (
            404,
            openai_body("The model `gpt-9` does not exist", code="model_not_found"),
            ModelNotFoundError,
        ),
        (
            400,
            openai_body(
                "The requested model 'gpt-5.2-proo' does not exist.", code="model_not_found"
            ),
            ModelNotFoundError,
        ),
        (404, anthropic_body("not_found_error", "model: claude-sonet-4-5"), ModelNotFoundError),
        (400, openai_body("Invalid 'temperature'"), BadRequestError),
        (
            422,
            b'{"detail": [{"loc": ["body", "model"], "msg": "field required"}]}',
            BadRequestError,
        ),
        (
            400,
            openai_body(
                "This model's maximum context length is 128000 tokens.",
                code="context_length_exceeded",
            ),
            ContextTooLongError,
        ),
        (
            400,
            anthropic_body(
                "invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"
            ),
            ContextTooLongError,
        ),
        (413, b"Request Entity Too Large", ContextTooLongError),
        (
            429,
            openai_body("Rate limit reached for gpt-4.1", "requests", "rate_limit_exceeded"),
            RateLimitError,
        ),
        (
            429,
            openai_body(
                "You exceeded your current quota", "insufficient_quota", "insufficient_quota"
            ),
            RateLimitError,
        ),
        (529, anthropic_body("overloaded_error", "Overloaded"), OverloadedError),
        (
            503,
            b"<html><head><title>503 Service Unavailable</title></head><body>x</body></html>",
            ServerError,
        ),
        (500, anthropic_body("api_error", "Internal server error"), ServerError),
        (502, b"", ServerError),
        (408, b"timeout", ServerError),
    ],
)
def test_status_and_body_mapping(status: int, body: bytes, expected: type[LLMError]) -> None:
    error = error_from_response(status, body, {}, provider="acme")
    assert type(error) is expected
    assert error.provider == "acme"
    assert error.status == status
    assert str(error).startswith("acme ")
    assert error.hint


def test_message_quotes_the_provider_and_says_what_to_do() -> None:
    error = error_from_response(400, openai_body("Invalid 'messages[3]'."), {}, provider="openai")
    assert error.message == "openai refused the request (HTTP 400): Invalid 'messages[3]'."
    assert error.hint
    assert "check" in error.hint.lower()


def test_long_provider_messages_are_truncated() -> None:
    error = error_from_response(400, openai_body("x" * 5000), {}, provider="p")
    assert len(error.message) < 400
    assert error.message.endswith("…")


def test_html_pages_are_reduced_to_text() -> None:
    page = b"<html><body><h1>Bad &amp; Gateway</h1><script>var x=1;</script></body></html>"
    error = error_from_response(502, page, {}, provider="proxy")
    assert "Bad & Gateway" in error.message
    assert "<" not in error.message
    assert "var x" not in error.message


def test_plain_text_and_empty_bodies() -> None:
    assert "upstream connect error" in str(
        error_from_response(503, b"upstream connect error", {}, provider="p")
    )
    assert "empty body" in str(error_from_response(500, b"  ", {}, provider="p"))


def test_model_not_found_suggests_close_names() -> None:
    body = openai_body("The model `gpt-4.1-mimi` does not exist", code="model_not_found")
    error = error_from_response(
        404, body, {}, provider="openai", models=("gpt-4.1", "gpt-4.1-mini", "o3")
    )
    assert error.hint is not None
    assert "Did you mean 'gpt-4.1-mini'" in error.hint
    unrelated = error_from_response(
        404, b"Resource not found", {}, provider="azure", models=("gpt-4o",)
    )
    assert unrelated.hint is not None
    assert "Known models: gpt-4o" in unrelated.hint
    explicit = error_from_response(
        404,
        b"{}",
        {},
        provider="groq",
        models=("llama-3.3-70b-versatile",),
        model="llama-3.3-70b-versatlie",
    )
    assert explicit.hint is not None
    assert "llama-3.3-70b-versatile" in explicit.hint


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"Retry-After": "20"}, 20.0),
        (
            {"RETRY-AFTER": format_datetime(datetime(2030, 1, 1, 0, 1, tzinfo=UTC), usegmt=True)},
            60.0,
        ),
        ({"retry-after": "garbage"}, None),
        ({}, None),
    ],
)
def test_retry_after(headers: dict[str, str], seconds: float | None) -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC).timestamp()
    error = error_from_response(429, b"slow down", headers, provider="p", now=now)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == seconds
    if seconds is not None:
        assert f"{seconds:.0f} s" in str(error)


def test_quota_exhausted_points_at_billing() -> None:
    body = openai_body(
        "You exceeded your current quota.", "insufficient_quota", "insufficient_quota"
    )
    error = error_from_response(429, body, {"retry-after": "1"}, provider="openai")
    assert isinstance(error, RateLimitError)
    assert error.hint is not None
    assert "billing" in error.hint
    assert error.retry_after is None


def test_openrouter_upstream_message_is_included() -> None:
    body = json.dumps(
        {
            "error": {
                "code": 429,
                "message": "Provider returned error",
                "metadata": {"provider_name": "Google", "raw": "rate-limited upstream"},
            }
        }
    ).encode()
    error = error_from_response(429, body, {}, provider="openrouter")
    assert isinstance(error, RateLimitError)
    assert "Provider returned error (Google): rate-limited upstream" in error.message


def test_gemini_list_wrapped_error() -> None:
    body = (
        b'[{"error": {"code": 400, "message": "API key not valid", "status": "INVALID_ARGUMENT"}}]'
    )
    error = error_from_response(400, body, {}, provider="gemini")
    assert type(error) is BadRequestError
    assert "API key not valid" in error.message


def test_ollama_string_error() -> None:
    error = error_from_response(
        404,
        b'{"error":"model \\"llama9\\" not found"}',
        {},
        provider="ollama",
        models=("llama3.2", "llama3.1"),
    )
    assert isinstance(error, ModelNotFoundError)
    assert 'model "llama9" not found' in error.message


# --- in-stream payloads -------------------------------------------------------------------


def test_groq_error_event_uses_its_status_code() -> None:
    payload = {
        "error": {
            "message": "Tool call validation failed",
            "type": "invalid_request_error",
            "code": "tool_use_failed",
            "status_code": 400,
        }
    }
    error = error_from_payload(payload, provider="groq")
    assert type(error) is BadRequestError
    assert error.status == 400
    assert "groq stopped the reply with an error" in error.message
    assert "Tool call validation failed" in error.message


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            OverloadedError,
        ),
        ({"type": "error", "error": {"type": "api_error", "message": "Internal"}}, ServerError),
        (
            {"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}},
            RateLimitError,
        ),
        ({"code": "server_error", "message": "The model failed"}, ServerError),
        ({"code": "rate_limit_exceeded", "message": "TPM"}, RateLimitError),
        ({"error": {"code": 400, "message": "Token limit reached"}}, BadRequestError),
        ({"error": {"message": "maximum context length is 8192"}}, ContextTooLongError),
        ({"error": "something odd"}, ServerError),
        ({}, ServerError),
    ],
)
def test_in_stream_payloads(payload: dict[str, object], expected: type[LLMError]) -> None:
    error = error_from_payload(payload, provider="p")
    assert type(error) is expected
    assert error.message.startswith("p stopped the reply with an error")


def test_explicit_status_wins_for_payloads() -> None:
    assert isinstance(
        error_from_payload({"message": "x"}, provider="p", status=429), RateLimitError
    )


def test_responses_api_failures() -> None:
    failed = {
        "id": "resp_1",
        "status": "failed",
        "error": {"code": "invalid_prompt", "message": "no"},
    }
    assert type(error_from_payload(failed, provider="openai")) is BadRequestError
    event = {"type": "error", "code": "server_error", "message": "boom", "param": None}
    error = error_from_payload(event, provider="openai")
    assert type(error) is ServerError
    assert "(in the stream: server_error)" in error.message
