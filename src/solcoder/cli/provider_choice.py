"""Which provider to use when nothing chose one: a key you have, else the local model.

Order (documented in docs/providers.md, as aider documents its own): the first provider in
`KEY_ORDER` whose key is in the environment, then the first with a key in the credential store,
then `local` when its extra (llama.cpp's prebuilt server) is installed, announced in one line
that says how to use a cloud model instead. Without any of these, today's default (`openai`)
stands, so a terminal gets the key prompt and a script the missing-key message. A provider
chosen by a flag, an environment variable or a config file is never second-guessed.
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
    from solcoder.llm.providers.local.model import server_installed

    if not server_installed():
        return settings, None
    notice = (
        "No API key found: using the local model (llama.cpp on this machine, small and "
        "offline). For a cloud model run `solcoder auth login openai` (or anthropic, "
        "openrouter, …) or set OPENAI_API_KEY."
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
