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
from solcoder.llm.wire.error_bodies import error_from_payload, error_from_response, is_model_loading


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
        404, b"Model not found", {}, provider="azure", models=("gpt-4o",)
    )
    assert unrelated.hint is not None
    assert "Known models: gpt-4o" in unrelated.hint
    explicit = error_from_response(
        404,
        b'{"error": {"message": "model not found"}}',
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


# --- llama.cpp's server (the `llamacpp` and `local` providers) ------------------------------

# Recorded from llama.cpp's server (xllamacpp 2026.10.11549); the numbers are the brief's.
LLAMA_CPP_OVERFLOW = (
    b'{"error":{"code":400,"message":"request (11460 tokens) exceeds the available context '
    b'size (4096 tokens), try increasing it","type":"exceed_context_size_error",'
    b'"n_prompt_tokens":11460,"n_ctx":4096}}'
)
LLAMA_CPP_LOADING = b'{"error":{"message":"Loading model","type":"unavailable_error","code":503}}'
LLAMA_CPP_NOT_FOUND = b'{"error":{"message":"File Not Found","type":"not_found_error","code":404}}'
LLAMA_URL = "http://127.0.0.1:8080/v1"


def test_llama_cpp_context_overflow_names_both_sizes_and_the_ways_out() -> None:
    error = error_from_response(400, LLAMA_CPP_OVERFLOW, {}, provider="llamacpp")
    assert isinstance(error, ContextTooLongError)
    assert error.hint is not None
    assert "(11460 tokens)" in error.hint
    assert "context window (4096 tokens)" in error.hint
    assert "new session" in error.hint and "/clear" in error.hint
    assert "--ctx-size 16384" in error.hint, "a context that holds the conversation"
    assert "--llm-model" not in error.hint


@pytest.mark.parametrize(
    "body",
    [
        # Older servers: no numbers, and a generic type.
        b'{"error":{"code":400,"message":"the request exceeds the available context size, try '
        b'increasing the context size or enable context shift","type":"invalid_request_error"}}',
        b'{"error":{"code":400,"message":"too long","type":"exceed_context_size_error"}}',
    ],
)
def test_llama_cpp_context_overflow_without_numbers(body: bytes) -> None:
    error = error_from_response(400, body, {}, provider="llamacpp")
    assert isinstance(error, ContextTooLongError)
    assert error.hint is not None
    assert "longer than the server's context window" in error.hint
    assert "--ctx-size" in error.hint
    assert "tokens)" not in error.hint


def test_llama_cpp_context_overflow_in_the_stream() -> None:
    payload = json.loads(LLAMA_CPP_OVERFLOW)
    error = error_from_payload(payload, provider="llamacpp")
    assert isinstance(error, ContextTooLongError)
    assert error.hint is not None and "4096" in error.hint


def test_other_providers_keep_their_context_advice() -> None:
    body = openai_body("maximum context length is 128000", code="context_length_exceeded")
    error = error_from_response(400, body, {}, provider="openai")
    assert isinstance(error, ContextTooLongError)
    assert error.hint is not None and "--ctx-size" not in error.hint


@pytest.mark.parametrize(
    "body",
    [
        LLAMA_CPP_NOT_FOUND,
        b"<html><head><title>404 Not Found</title></head><body>nginx</body></html>",
        b"Not Found",
        b'{"detail":"Not Found"}',
        b"",
        b'{"error":{"message":"Unknown path /v1/responses","type":"not_found_error"}}',
    ],
    ids=["llama.cpp", "html", "plain", "fastapi", "empty", "names-a-path"],
)
def test_a_404_without_a_model_is_a_missing_endpoint(body: bytes) -> None:
    url = f"{LLAMA_URL}/responses"
    error = error_from_response(404, body, {}, provider="llamacpp", models=("x",), url=url)
    assert isinstance(error, ModelNotFoundError)
    assert f"llamacpp has no endpoint at {url} (HTTP 404)" in error.message
    assert error.hint is not None
    assert "--llm-api chat" in error.hint
    assert "--llm-base-url" in error.hint
    assert "--llm-model" not in error.hint and "Known models" not in error.hint


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/v1/messages", ("Anthropic Messages", "--llm-api chat")),
        ("/v1/responses", ("OpenAI Responses", "--llm-api chat")),
        ("/v1/chat/completions", ("/v1", "--llm-api responses")),
        ("/v1/v1/messages", ("/v1 twice",)),
    ],
)
def test_the_missing_endpoint_hint_fits_the_wire(path: str, words: tuple[str, ...]) -> None:
    url = "http://127.0.0.1:8080" + path
    error = error_from_response(404, LLAMA_CPP_NOT_FOUND, {}, provider="llamacpp", url=url)
    assert error.hint is not None
    for word in words:
        assert word in error.hint


@pytest.mark.parametrize(
    "body",
    [
        b'{"error":"model \\"llama9\\" not found, try pulling it first"}',  # Ollama
        b'{"message":"The model `x` does not exist.","type":"NotFoundError","code":404}',  # vLLM
        openai_body("The model `gpt-9` does not exist", code="model_not_found"),
        b'{"error":{"code":"DeploymentNotFound","message":"The API deployment for this '
        b'resource does not exist."}}',  # Azure
    ],
    ids=["ollama", "vllm", "openai", "azure"],
)
def test_a_404_that_names_a_model_keeps_the_model_advice(body: bytes) -> None:
    error = error_from_response(404, body, {}, provider="p", url=f"{LLAMA_URL}/chat/completions")
    assert isinstance(error, ModelNotFoundError)
    assert error.hint is not None
    assert "--llm-model" in error.hint
    assert "--llm-api" not in error.hint


def test_a_loading_server_is_recognised_by_its_body() -> None:
    assert is_model_loading(503, LLAMA_CPP_LOADING)
    assert not is_model_loading(503, b"<html><title>503 Service Unavailable</title></html>")
    assert not is_model_loading(500, LLAMA_CPP_LOADING)
    assert not is_model_loading(503, b'{"error":{"message":"busy","type":"unavailable_error"}}')


# --- error bodies sent as an event stream -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'data: {"error": {"message": "quota gone", "type": "x"}}\n\n', "quota gone"),
        (b'data: {"error": {"message": "crlf"}}\r\n\r\n', "crlf"),
        (
            b'event: error\ndata: {"type": "error", "error": {"type": "api_error", '
            b'"message": "anthropic said no"}}\n\n',
            "anthropic said no",
        ),
        (b': ping\n\ndata: {"message": "bare message"}\n\ndata: [DONE]\n\n', "bare message"),
        (b'data: {"error": "ollama style"}\n\n', "ollama style"),
        (b"data: not json at all\n\n", "not json at all"),
    ],
)
def test_an_event_stream_error_body_reports_the_message_inside(body: bytes, message: str) -> None:
    error = error_from_response(400, body, {"content-type": "text/event-stream"}, provider="openai")
    assert message in error.message
    assert "data:" not in error.message
    assert "event:" not in error.message


def test_an_event_stream_body_is_recognised_without_its_content_type() -> None:
    body = b'data: {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}\n\n'
    error = error_from_response(429, body, {}, provider="groq")
    assert "Rate limit reached" in error.message
    assert "data:" not in error.message
