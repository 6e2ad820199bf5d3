"""What a llama.cpp server says about itself: the model it serves and its context size.

llama.cpp accepts any model name for its one model, so `llamacpp`'s default `default` tells
the user nothing; `/v1/models` names the file really served, and `/props` gives the context
window the history must fit (`default_generation_settings.n_ctx`; failing that, a context
length field of the `/v1/models` entry, as vLLM and others send). Read once when a
`llamacpp` or `local` provider is built or started; a server that does not answer in time is
simply not described (the first request then reports what is wrong, in words).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx2

from solcoder import jsonsafe
from solcoder.llm.transport.http_errors import REQUEST_FAILURES
from solcoder.secret import Secret

PROBE_TIMEOUT_S = 1.5
"""A server on loopback answers in milliseconds; a refused connection fails at once."""


@dataclass(frozen=True, slots=True)
class ServedModel:
    model: str | None
    context_window: int | None


def server_root(base_url: str) -> str:
    """`http://host:8080/v1` → `http://host:8080`: `/props` and `/health` live at the root."""
    base = base_url.rstrip("/")
    return base.removesuffix("/v1")


def _parse(props: object, models: object) -> ServedModel:
    window = None
    if isinstance(props, dict):
        settings = props.get("default_generation_settings")
        n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
        window = n_ctx if isinstance(n_ctx, int) and n_ctx > 0 else None
    model = None
    if isinstance(models, dict):
        data = models.get("data")
        if isinstance(data, list) and data and isinstance(data[0], dict):
            found = data[0].get("id")
            model = found if isinstance(found, str) and found else None
            window = window or _listed_window(data[0])
    return ServedModel(model, window)


_WINDOW_FIELDS = ("context_length", "max_model_len", "context_window", "max_context_length")
"""How `/v1/models` entries name the served window: OpenRouter and LM Studio
(`context_length`), vLLM (`max_model_len`), others (`context_window`, `max_context_length`).
llama.cpp's own `meta.n_ctx_train` is the trained length, not the served one: `/props` says
that."""


def _listed_window(entry: dict[str, object]) -> int | None:
    for name in _WINDOW_FIELDS:
        value = entry.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _headers(api_key: Secret | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key.reveal()}"} if api_key else {}


def probe(
    base_url: str, api_key: Secret | None, *, timeout: float = PROBE_TIMEOUT_S
) -> ServedModel:
    """Ask the server (synchronously, bounded by `timeout`); unknown fields stay None."""
    headers = _headers(api_key)
    try:
        with httpx2.Client(timeout=timeout, trust_env=False) as http:
            props = http.get(server_root(base_url) + "/props", headers=headers)
            models = http.get(base_url.rstrip("/") + "/models", headers=headers)
            return _parse(_json(props), _json(models))
    except REQUEST_FAILURES:
        return ServedModel(None, None)


async def aprobe(
    base_url: str, api_key: Secret | None, *, timeout: float = PROBE_TIMEOUT_S
) -> ServedModel:
    """`probe` for async code."""
    headers = _headers(api_key)
    try:
        async with httpx2.AsyncClient(timeout=timeout, trust_env=False) as http:
            props = await http.get(server_root(base_url) + "/props", headers=headers)
            models = await http.get(base_url.rstrip("/") + "/models", headers=headers)
            return _parse(_json(props), _json(models))
    except REQUEST_FAILURES:
        return ServedModel(None, None)


def _json(response: httpx2.Response) -> object:
    if response.status_code != 200:
        return None
    try:
        return jsonsafe.loads(response.content)  # any server may answer: depth bounded
    except ValueError:
        return None


__all__ = ["ServedModel", "aprobe", "probe", "server_root"]
