"""Turn a provider's error (an HTTP error body or an in-stream error event) into our error tree.

Every wire adapter and the HTTP client share this one mapping, so a 429 from Groq and a 429 from
Anthropic become the same `RateLimitError` with the same advice. Bodies come in many shapes and
we accept all of them:

- OpenAI and most compatible servers: `{"error": {"message", "type", "code", "param"}}`
- Anthropic: `{"type": "error", "error": {"type", "message"}}`
- OpenRouter: `{"error": {"code": 429, "message", "metadata": {"raw", "provider_name"}}}`
- Groq in-stream (`event: error`): `{"error": {..., "status_code": 400}}`
- vLLM / FastAPI: `{"message", "type", "code"}` or `{"detail": ...}`; Ollama: `{"error": "..."}`
- llama.cpp's server: `{"error": {"code", "message", "type"}}`, with `n_prompt_tokens` and
  `n_ctx` on a context overflow (`exceed_context_size_error`);
- plain text or an HTML error page from a proxy;
- any of these as an event stream (`data: {"error": ...}`, content type text/event-stream)
  under a 4xx or 5xx status, from servers that answer a streamed request's failure the way
  they stream: the first event that says something is read, not the SSE text.

Two answers are read for what they say about the server rather than the request: a 404 that
names no model means the server has no endpoint at that path (the wrong wire protocol or base
URL, not the wrong model), and llama.cpp's 503 `Loading model` (`is_model_loading`) means
"wait", which the HTTP client does.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from solcoder import jsonsafe
from solcoder.errors import (
    AuthenticationError,
    BadRequestError,
    ContextTooLongError,
    LLMError,
    ModelNotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    ServerError,
)
from solcoder.llm.wire.error_hints import (
    LLAMA_CPP_CONTEXT_PHRASE,
    context_hint,
    endpoint_hint,
    model_hint,
    model_in_message,
)
from solcoder.llm.wire.headers import retry_after_seconds
from solcoder.llm.wire.sse import SSEDecoder

MESSAGE_LIMIT = 300
"""Characters of the provider's own message quoted in ours."""

_CONTEXT_CODES = frozenset(
    {"context_length_exceeded", "string_above_max_length", "exceed_context_size_error"}
)
_CONTEXT_PHRASES = (
    "prompt is too long",  # Anthropic
    "maximum context length",  # OpenAI, vLLM
    "context length",  # Groq, Mistral
    "context window",
    "too many tokens",
    LLAMA_CPP_CONTEXT_PHRASE,
)
_MODEL_CODES = frozenset({"model_not_found", "deploymentnotfound"})
"""Codes that always mean the model (Azure: the deployment) is unknown."""
_MODEL_NOT_FOUND_CODES = _MODEL_CODES | {"not_found_error"}
_MODEL_WORDS = re.compile(r"\b(model|deployment)s?\b", re.IGNORECASE)
_URL_PATH = re.compile(r"(^|\s)/\w[\w./-]*")
"""A path in a 404 message ("Unknown path /v1/responses"): the endpoint is what is missing."""
_QUOTA_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached"})
_SSE_FIELD = re.compile(r"(?:data|event|id|retry)(?::|$)")
"""An event-stream line that opens an error body (a `: comment` line also may)."""


@dataclass(frozen=True, slots=True)
class _Details:
    """What we could read from an error body."""

    message: str
    type: str = ""
    code: str = ""
    status: int | None = None
    prompt_tokens: int | None = None
    """The request's size, when the server says it (llama.cpp's `n_prompt_tokens`)."""
    context_size: int | None = None
    """The server's context window, when it says it (llama.cpp's `n_ctx`)."""


def error_from_response(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    provider: str,
    models: Sequence[str] = (),
    model: str | None = None,
    now: float | None = None,
    url: str | None = None,
) -> LLMError:
    """The error for an HTTP response with `status` >= 400.

    `models` are known model names for a "did you mean" hint; `model` is the one requested
    (when omitted it is guessed from the provider's message); `now` (epoch seconds) is only
    used to turn an HTTP-date `retry-after` into seconds; `url` is where the request went,
    already stripped of credentials (`http_errors.public_url`), named when it was not found.
    """
    lowered = {str(key).lower(): str(value) for key, value in headers.items()}
    details = _details_from_body(body)
    if not details.message:
        details = replace(details, message=f"HTTP {status} with an empty body")
    return _classify(
        details,
        status=status,
        provider=provider,
        models=models,
        model=model,
        retry_after=retry_after_seconds(lowered, now=now),
        url=url,
    )


def is_model_loading(status: int, body: bytes) -> bool:
    """Whether an error response is llama.cpp's server saying it is still loading its model:
    `503 {"error": {"message": "Loading model", "type": "unavailable_error"}}`."""
    if status != 503:
        return False
    details = _details_from_body(body)
    return details.type == "unavailable_error" and "loading model" in details.message.lower()


def error_from_payload(
    payload: Mapping[str, Any], *, provider: str, status: int | None = None
) -> LLMError:
    """The error for an error event inside a stream (status 200 on the wire).

    `payload` is the whole event (`{"error": {...}}`, Anthropic's `{"type": "error", ...}`) or the
    error object itself (`{"message", "type", "code"}`).
    """
    details = _details_from_json(payload)
    if status is None:
        status = details.status
    if not details.message:
        details = replace(details, message="an error event without a message")
    return _classify(
        details, status=status, provider=provider, models=(), model=None, in_stream=True
    )


def _details_from_body(body: bytes) -> _Details:
    text = body.decode("utf-8", errors="replace").strip()
    if _is_event_stream(text):
        return _details_from_events(text)
    return _details_from_text(text)


def _is_event_stream(text: str) -> bool:
    """Whether an error body is SSE: its first line is a field or a comment, and some line
    carries data. Judged from the body, not the content type, which proxies get wrong."""
    first = text.split("\n", 1)[0].lstrip("\ufeff")
    if not (first.startswith(":") or _SSE_FIELD.match(first)):
        return False
    return any(line.startswith("data") for line in text.splitlines())


def _details_from_events(text: str) -> _Details:
    """The first event of an SSE error body that says something (JSON read as any other body,
    plain text as is); `[DONE]` and empty events say nothing."""
    decoder = SSEDecoder(max_event_bytes=len(text) * 4 + 16, max_total_bytes=len(text) * 4 + 16)
    try:
        events = decoder.feed(text.encode("utf-8")) + decoder.close()
    except ProtocolError:  # a limit: cannot happen with these; read the body as text
        return _details_from_text(text)
    for event in events:
        data = event.data.strip()
        if not data or data == "[DONE]":
            continue
        details = _details_from_text(data)
        if details.message or details.type or details.code:
            return details
    return _Details("")


def _details_from_text(text: str) -> _Details:
    if text[:1] in ("{", "["):
        try:
            payload = jsonsafe.loads(text)
        except ValueError:
            payload = None
        if isinstance(payload, list) and payload and isinstance(payload[0], Mapping):
            payload = payload[0]  # Gemini wraps errors in a one-element list
        if isinstance(payload, Mapping):
            details = _details_from_json(payload)
            if details.message or details.type or details.code:
                return details
    return _Details(_plain_text(text))


def _details_from_json(payload: Mapping[str, Any]) -> _Details:
    error: Any = payload.get("error", payload)
    if isinstance(error, str):  # Ollama: {"error": "model 'x' not found"}
        return _Details(error, str(payload.get("type") or ""), str(payload.get("code") or ""))
    if not isinstance(error, Mapping):
        error = payload
    message = error.get("message") or payload.get("message") or payload.get("detail") or ""
    if not isinstance(message, str):
        message = json.dumps(message, ensure_ascii=False)
    metadata = error.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("raw"), str):
        # OpenRouter: the upstream provider's words are in metadata.raw.
        upstream = metadata.get("provider_name")
        label = f" ({upstream})" if isinstance(upstream, str) else ""
        message = f"{message}{label}: {metadata['raw']}" if message else metadata["raw"]
    code = error.get("code")
    error_type = error.get("type")
    if not isinstance(error_type, str) and error is not payload:
        error_type = payload.get("type") if payload.get("type") != "error" else None
    status = _as_status(error.get("status_code")) or _as_status(error.get("status"))
    # OpenRouter and Gemini put the HTTP status in `code`; Azure as a string ("404").
    status = status or _as_status(code)
    return _Details(
        message=message.strip(),
        type=error_type if isinstance(error_type, str) and error_type != "error" else "",
        code=str(code) if code is not None else "",
        status=status,
        prompt_tokens=_as_count(error.get("n_prompt_tokens")),
        context_size=_as_count(error.get("n_ctx")),
    )


def _as_count(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def _as_status(value: Any) -> int | None:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
        return value
    return None


def _plain_text(text: str) -> str:
    if "<" in text and ">" in text:  # an HTML page from a proxy or load balancer
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        if title:
            text = title.group(1)
        else:
            text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.IGNORECASE | re.DOTALL)
            text = re.sub(r"<[^>]+>", " ", text)
        text = html.unescape(text)
    return " ".join(text.split())


def _truncate(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1].rstrip() + "…"


def _classify(
    details: _Details,
    *,
    status: int | None,
    provider: str,
    models: Sequence[str],
    model: str | None,
    retry_after: float | None = None,
    in_stream: bool = False,
    url: str | None = None,
) -> LLMError:
    quoted = _truncate(details.message)
    kind = details.type.lower()
    code = details.code.lower()
    lowered_message = details.message.lower()
    if in_stream:
        reason = " ".join(part for part in (details.type, details.code) if part) or "no code"
        label = f"in the stream: {reason}"
    else:
        label = f"HTTP {status}"
    if quoted and quoted[-1] not in ".!?…":
        quoted += "."
    common: dict[str, Any] = {"provider": provider, "status": status}

    def said(what: str) -> str:
        if in_stream:
            what = f"stopped the reply with an error; it {what}"
        return f"{provider} {what} ({label}): {quoted}"

    client_error = status is None or (400 <= status < 500 and status not in (401, 403, 429))
    if status == 413 or (
        client_error
        and (
            code in _CONTEXT_CODES
            or kind in _CONTEXT_CODES
            or any(p in lowered_message for p in _CONTEXT_PHRASES)
        )
    ):
        return ContextTooLongError(
            said("refused the request as too long for the model"),
            hint=context_hint(
                details.message, (kind, code), details.prompt_tokens, details.context_size
            ),
            **common,
        )
    if status == 401 or kind == "authentication_error":
        return AuthenticationError(
            said("rejected the API key"),
            hint=f"Check the key for {provider} (its environment variable, --llm-api-key or the "
            "stored key) and that it belongs to this provider.",
            **common,
        )
    if status == 403 or kind == "permission_error":
        return PermissionDeniedError(
            said("refused access"),
            hint="The key is valid but not allowed to do this: check the account's permissions, "
            "region and model access in the provider's console.",
            **common,
        )
    if status == 404 and not in_stream and not _names_a_model(details, code):
        return ModelNotFoundError(
            said(f"has no endpoint at {url or 'the requested path'}"),
            hint=endpoint_hint(url),
            **common,
        )
    if status == 404 or code in _MODEL_NOT_FOUND_CODES or kind == "not_found_error":
        return ModelNotFoundError(
            said("could not find the model or endpoint"),
            hint=model_hint(model or model_in_message(details.message), models),
            **common,
        )
    if code in _QUOTA_CODES or kind in _QUOTA_CODES:
        quota = RateLimitError(
            said("says the account's quota is used up"),
            hint=f"Check the plan and billing details of your {provider} account; retrying "
            "will not help until credit is added.",
            retry_after=None,
            **common,
        )
        quota.retryable = False  # waiting does not add credit
        return quota
    if status == 429 or kind == "rate_limit_error" or code == "rate_limit_exceeded":
        wait = f"about {retry_after:.0f} s" if retry_after is not None else "a moment"
        return RateLimitError(
            said("is rate limiting requests"),
            hint=f"Wait {wait} and try again, lower the request rate, or raise the account's "
            "rate limits.",
            retry_after=retry_after,
            **common,
        )
    if status == 529 or kind == "overloaded_error":
        return OverloadedError(
            said("is overloaded"),
            hint="This is temporary on the provider's side: try again in a minute, or switch "
            "to another model or provider.",
            **common,
        )
    if status is not None and 400 <= status < 500 and status != 408:
        return BadRequestError(
            said("refused the request"),
            hint="The provider's message above says what it did not accept; check the model "
            "name, --llm-api and options such as max tokens or tools for this model.",
            **common,
        )
    if status is None and (kind == "invalid_request_error" or code.startswith("invalid_")):
        return BadRequestError(
            said("refused the request"),
            hint="The provider's message above says what it did not accept.",
            **common,
        )
    return ServerError(
        said("failed on its side"),
        hint="This is usually temporary: try again, and check the provider's status page if "
        "it keeps happening.",
        **common,
    )


def _names_a_model(details: _Details, code: str) -> bool:
    """Whether a 404 is about the model (its code or message says so) rather than the path:
    "File Not Found", "Not Found", an HTML page, an empty body or a named path are not."""
    if code in _MODEL_CODES:
        return True
    message = details.message
    return bool(_MODEL_WORDS.search(message)) and not _URL_PATH.search(message)
