"""Which provider to use when nothing chose one: a key you have, else the local model.

Order (documented in docs/providers.md, as aider documents its own): the first provider in
`KEY_ORDER` whose key is in the environment, then the first with a key in the credential store,
then a model server already running on this machine (Ollama, LM Studio, a llama.cpp server:
`local_servers.py`), then `local` when its extra (llama.cpp's prebuilt server) is installed,
announced as a demonstration model with how to use a real one. Without any of these, today's
default (`openai`) stands, so a terminal gets the key prompt and a script the missing-key
message. A provider chosen by a flag, an environment variable or a config file is never
second-guessed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

KEY_ORDER: tuple[str, ...] = (
    "openai",
    "anthropic",
    "openrouter",
    "gemini",
    "deepseek",
    "groq",
    "mistral",
    "xai",
    "together",
)
GENERIC_KEY_VARIABLE = "SOLCODER_LLM_API_KEY"


def choose_provider(settings: Any, environ: Mapping[str, str]) -> tuple[Any, str | None]:
    """`settings` with the provider to use, and the one-line notice to show (or None)."""
    if settings.llm.offline_mode or settings.source("llm.provider") != "default":
        return settings, None
    if environ.get(GENERIC_KEY_VARIABLE, "").strip():
        return settings, None  # a key given for "the provider": the default one
    name = _provider_with_key(settings, environ)
    if name is not None:
        return _with_provider(settings, name), None
    from solcoder.cli.local_servers import find_local_server

    running = find_local_server()
    if running is not None:
        notice = (
            f"No API key found: using {running.label} on this machine "
            f"(127.0.0.1:{running.port}, model {running.model})."
        )
        chosen = _with_provider(settings, running.provider)
        if settings.source("llm.model") == "default" and running.model:
            llm = dataclasses.replace(chosen.llm, model=running.model)
            chosen = dataclasses.replace(chosen, llm=llm)
        return chosen, notice
    from solcoder.llm.providers.local.model import server_installed

    if not server_installed():
        return settings, None
    notice = (
        "No API key found: using the bundled demonstration model (SmolLM2-135M, llama.cpp "
        "on this machine): it is tiny, and its answers are not reliable. For real work run "
        "`solcoder auth login openai` (or anthropic, openrouter, …), or start Ollama."
    )
    from solcoder.llm.catalog.providers import LOCAL

    return _with_provider(settings, LOCAL.name), notice


def _provider_with_key(settings: Any, environ: Mapping[str, str]) -> str | None:
    from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS

    for name in KEY_ORDER:
        if any(environ.get(variable, "").strip() for variable in BUILTIN_PROVIDERS[name].key_env):
            return name
    from solcoder.credentials.store import open_store
    from solcoder.errors import SolcoderError

    try:
        stored = set(open_store(settings).providers())
    except SolcoderError:
        return None  # a locked or damaged store is reported when a key is actually needed
    return next((name for name in KEY_ORDER if name in stored), None)


def _with_provider(settings: Any, name: str) -> Any:
    if name == settings.llm.provider:
        return settings
    llm = dataclasses.replace(settings.llm, provider=name)
    sources = {**settings.sources, "llm.provider": "auto"}
    return dataclasses.replace(settings, llm=llm, sources=sources)


__all__ = ["KEY_ORDER", "choose_provider"]
