"""Hand-written error bodies of each vendor (tests/fixtures/wire/errors) mapped by the real
`error_from_response`: the error class, the exact message, and the advice that depends on it.

The shapes are the ones the recorded corpus and the vendors' references show: OpenAI's
`{"error": {"message", "type", "code"}}`, Anthropic's `{"type": "error", "error": {...}}`,
OpenRouter's upstream `metadata.raw`, llama.cpp's sizes, Ollama's string, Gemini's list, a
vLLM top-level object, and the plain-text and HTML pages proxies send for a 502.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from solcoder.errors import (
    AuthenticationError,
    BadRequestError,
    ContextTooLongError,
    LLMError,
    ModelNotFoundError,
    OverloadedError,
    RateLimitError,
    ServerError,
)
from solcoder.llm.wire.error_bodies import error_from_response, is_model_loading
from tests.support.wire_fixtures import FIXTURES, fixture

LLAMACPP_RESPONSES_URL = "http://127.0.0.1:8080/v1/responses"


@dataclass(frozen=True)
class Case:
    file: str
    status: int
    provider: str
    error_class: type[LLMError]
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    models: tuple[str, ...] = ()
    url: str | None = None
    hint_has: str = ""
    retry_after: float | None = None
    retryable: bool | None = None


CASES = [
    Case(
        "openai_model_not_found.json",
        404,
        "openai",
        ModelNotFoundError,
        "openai could not find the model or endpoint (HTTP 404): The model `gpt-test-nope` "
        "does not exist or you do not have access to it.",
        hint_has="Check --llm-model",
    ),
    Case(
        "openai_rate_limit.json",
        429,
        "openai",
        RateLimitError,
        "openai is rate limiting requests (HTTP 429): Rate limit reached for gpt-test in "
        "organization org-test on tokens per min (TPM): Limit 30000, Used 29876, Requested "
        "512. Please try again in 7s.",
        headers={"Retry-After": "7"},
        hint_has="Wait about 7 s",
        retry_after=7.0,
    ),
    Case(
        "openai_insufficient_quota.json",
        429,
        "openai",
        RateLimitError,
        "openai says the account's quota is used up (HTTP 429): You exceeded your current "
        "quota, please check your plan and billing details.",
        hint_has="retrying will not help",
        retryable=False,
    ),
    Case(
        "openai_context_length.json",
        400,
        "openai",
        ContextTooLongError,
        "openai refused the request as too long for the model (HTTP 400): This model's "
        "maximum context length is 128000 tokens. However, your messages resulted in 130512 "
        "tokens. Please reduce the length of the messages.",
        hint_has="larger context window",
    ),
    Case(
        "openai_invalid_key.json",
        401,
        "openai",
        AuthenticationError,
        "openai rejected the API key (HTTP 401): Incorrect API key provided: sk-test-****0000. "
        "You can find your API key at https://platform.openai.com/account/api-keys.",
        hint_has="Check the key for openai",
    ),
    Case(
        "anthropic_overloaded.json",
        529,
        "anthropic",
        OverloadedError,
        "anthropic is overloaded (HTTP 529): Overloaded.",
        hint_has="temporary",
    ),
    Case(
        "anthropic_invalid_request.json",
        400,
        "anthropic",
        BadRequestError,
        "anthropic refused the request (HTTP 400): max_tokens: 999999 > 64000, which is the "
        "maximum allowed number of output tokens for claude-sonnet-4-5-20250929.",
    ),
    Case(
        "anthropic_not_found.json",
        404,
        "anthropic",
        ModelNotFoundError,
        "anthropic could not find the model or endpoint (HTTP 404): model: claude-sonet-4-5.",
        models=("claude-sonnet-4-5", "gpt-test"),
        hint_has="Did you mean 'claude-sonnet-4-5'?",
    ),
    Case(
        "anthropic_prompt_too_long.json",
        400,
        "anthropic",
        ContextTooLongError,
        "anthropic refused the request as too long for the model (HTTP 400): prompt is too "
        "long: 212000 tokens > 200000 maximum.",
    ),
    Case(
        "anthropic_rate_limit.json",
        429,
        "anthropic",
        RateLimitError,
        "anthropic is rate limiting requests (HTTP 429): This request would exceed the rate "
        "limit for your organization of 50 requests per minute.",
        headers={"retry-after": "20"},
        retry_after=20.0,
    ),
    Case(
        "openrouter_upstream_rate_limit.json",
        429,
        "openrouter",
        RateLimitError,
        "openrouter is rate limiting requests (HTTP 429): Provider returned error (Google): "
        "google/gemini-test:free is temporarily rate-limited upstream. Please retry shortly.",
        hint_has="Wait a moment",
    ),
    Case(
        "openrouter_no_auth.json",
        401,
        "openrouter",
        AuthenticationError,
        "openrouter rejected the API key (HTTP 401): No cookie auth credentials found.",
    ),
    Case(
        "gateway_502.html",
        502,
        "openai",
        ServerError,
        "openai failed on its side (HTTP 502): 502 Bad Gateway.",
        headers={"Content-Type": "text/html"},
    ),
    Case(
        "gateway_502.txt",
        502,
        "azure",
        ServerError,
        "azure failed on its side (HTTP 502): upstream connect error or disconnect/reset "
        "before headers. reset reason: connection termination.",
        headers={"Content-Type": "text/plain"},
    ),
    Case(
        "llamacpp_context.json",
        400,
        "llamacpp",
        ContextTooLongError,
        "llamacpp refused the request as too long for the model (HTTP 400): request (9000 "
        "tokens) exceeds the available context size (4096 tokens), try increasing it.",
        hint_has="The conversation (9000 tokens) is longer than the server's context window "
        "(4096 tokens).",
    ),
    Case(
        "llamacpp_loading.json",
        503,
        "llamacpp",
        ServerError,
        "llamacpp failed on its side (HTTP 503): Loading model.",
    ),
    Case(
        "llamacpp_not_found.json",
        404,
        "llamacpp",
        ModelNotFoundError,
        f"llamacpp has no endpoint at {LLAMACPP_RESPONSES_URL} (HTTP 404): File Not Found.",
        url=LLAMACPP_RESPONSES_URL,
        hint_has="try --llm-api chat",
    ),
    Case(
        "azure_resource_not_found.json",
        404,
        "azure",
        ModelNotFoundError,
        "azure has no endpoint at the requested path (HTTP 404): Resource not found.",
        hint_has="Check --llm-base-url",
    ),
    Case(
        "ollama_model_not_found.json",
        404,
        "ollama",
        ModelNotFoundError,
        'ollama could not find the model or endpoint (HTTP 404): model "llama-test:7b" not '
        "found, try pulling it first.",
        models=("llama-test:8b",),
        hint_has="Did you mean 'llama-test:8b'?",
    ),
    Case(
        "gemini_list_wrapped.json",
        429,
        "gemini",
        RateLimitError,
        "gemini is rate limiting requests (HTTP 429): Resource has been exhausted (e.g. check "
        "quota).",
    ),
    Case(
        "vllm_bad_request.json",
        400,
        "vllm",
        BadRequestError,
        "vllm refused the request (HTTP 400): 'max_tokens' must be at least 1, got -5.",
    ),
    Case(
        "groq_tool_use_failed.json",
        400,
        "groq",
        BadRequestError,
        "groq refused the request (HTTP 400): Tool choice is required, but model did not call "
        "a tool.",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_error_body_maps_to_its_class_and_message(case: Case) -> None:
    error = error_from_response(
        case.status,
        fixture(f"errors/{case.file}"),
        case.headers,
        provider=case.provider,
        models=case.models,
        url=case.url,
    )
    assert type(error) is case.error_class
    assert error.message == case.message
    assert error.status == case.status
    assert error.provider == case.provider
    assert error.hint
    assert case.hint_has in error.hint
    if isinstance(error, RateLimitError):
        assert error.retry_after == case.retry_after
    assert error.retryable is case.retryable


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_only_llamacpp_loading_body_means_wait(case: Case) -> None:
    """The HTTP client waits out llama.cpp's `Loading model` 503; no other body may look
    like it (a proxy's 502 or a quota 429 must not be waited on as a loading model)."""
    body = fixture(f"errors/{case.file}")
    assert is_model_loading(case.status, body) is (case.file == "llamacpp_loading.json")


def test_every_error_fixture_has_a_case() -> None:
    assert sorted(path.name for path in (FIXTURES / "errors").iterdir()) == sorted(
        case.file for case in CASES
    )


def test_every_fixture_file_is_checked_by_a_test() -> None:
    """A fixture no test names would look like coverage while testing nothing."""
    sources = "".join(
        path.read_text(encoding="utf-8")
        for path in Path(__file__).parent.glob("test_wire_fixtures_*.py")
    )
    unused = [
        str(path.relative_to(FIXTURES))
        for path in sorted(FIXTURES.rglob("*"))
        if path.is_file() and path.name != "README.md" and path.name not in sources
    ]
    assert unused == []
