"""Which provider to use when nothing chose one: a key you have, else the local model.

Order (documented in docs/providers.md, as aider documents its own): the first provider in
the catalog's `AUTO_PICK_ORDER` whose key is in the environment, then the first with a key in
the credential store, then a model server already running on this machine (Ollama, LM Studio,
a llama.cpp server: `local_servers.py`), then `local` when its extra (llama.cpp's prebuilt
server) is installed, announced as a demonstration model with how to use a real one. Without
any of these, today's default (`openai`) stands, so a terminal gets the key prompt and a script
the missing-key message. A provider chosen by a flag, an environment variable or a config file
is never second-guessed.

The launch (`cli/run.py`), `solcoder config list` and `solcoder auth status` all ask
`resolve_choice`, so what those commands show is what a launch runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solcoder.config import Settings

GENERIC_KEY_VARIABLE = "SOLCODER_LLM_API_KEY"


@dataclasses.dataclass(frozen=True, slots=True)
class Choice:
    """The provider a launch with these settings talks to, and why."""

    settings: Settings
    """The settings with the chosen provider (source `auto` when it was picked here)."""
    provider: str
    """What runs: the settings' provider, or `offline` under `llm.offline_mode`."""
    reason: str
    """Why, in a few words, for `config list` and `auth status`."""
    notice: str | None = None
    """The one line a launch shows about the choice, if any."""


def resolve_choice(
    settings: Settings, environ: Mapping[str, str], *, ask_passphrase: bool = True
) -> Choice:
    """The provider to use, probing loopback (bounded, `local_servers.PROBE_TIMEOUT_S`) only
    when no key was found. `ask_passphrase=False` (`config list`) never prompts for the
    credentials file's passphrase: saved keys it cannot read then leave the choice to the
    launch, and the reason says so."""
    if settings.llm.offline_mode:
        return Choice(settings, "offline", "llm.offline_mode is on")
    source = settings.source("llm.provider")
    if source != "default":
        return Choice(settings, settings.llm.provider, source)
    if environ.get(GENERIC_KEY_VARIABLE, "").strip():
        # A key given for "the provider": the default one.
        return Choice(settings, settings.llm.provider, f"default ({GENERIC_KEY_VARIABLE} is set)")
    name, locked = _provider_with_key(settings, environ, ask_passphrase=ask_passphrase)
    if locked:
        reason = "checked at launch: saved keys are locked (SOLCODER_PASSPHRASE, or the prompt)"
        return Choice(settings, settings.llm.provider, reason)
    if name is not None:
        return Choice(_with_provider(settings, name), name, "auto: the first provider with a key")
    from solcoder.cli.local_servers import find_local_server

    running = find_local_server()
    if running is not None:
        where = f"127.0.0.1:{running.port}"
        notice = (
            f"No API key found: using {running.label} on this machine "
            f"({where}, model {running.model})."
        )
        chosen = _with_provider(settings, running.provider)
        if settings.source("llm.model") == "default" and running.model:
            llm = dataclasses.replace(chosen.llm, model=running.model)
            chosen = dataclasses.replace(chosen, llm=llm)
        reason = f"auto: no key, {running.label} answers on {where}"
        return Choice(chosen, running.provider, reason, notice)
    from solcoder.llm.providers.local.model import server_installed

    if not server_installed():
        reason = "default (no key found: a terminal asks for one)"
        return Choice(settings, settings.llm.provider, reason)
    notice = (
        "No API key found: using the bundled demonstration model (SmolLM2-135M, llama.cpp "
        "on this machine): it is tiny, and its answers are not reliable. For real work run "
        "`solcoder auth login openai` (or anthropic, openrouter, …), or start Ollama."
    )
    from solcoder.llm.catalog.providers import LOCAL

    reason = "auto: no key, the bundled demonstration model"
    return Choice(_with_provider(settings, LOCAL.name), LOCAL.name, reason, notice)


def choose_provider(settings: Settings, environ: Mapping[str, str]) -> tuple[Settings, str | None]:
    """`settings` with the provider to use, and the one-line notice to show (or None)."""
    choice = resolve_choice(settings, environ)
    return choice.settings, choice.notice


def _provider_with_key(
    settings: Settings, environ: Mapping[str, str], *, ask_passphrase: bool = True
) -> tuple[str | None, bool]:
    """The first provider with a key, and whether saved keys could not be read without a
    passphrase prompt (only when `ask_passphrase` is off)."""
    from solcoder.llm.catalog.providers import AUTO_PICK_ORDER, BUILTIN_PROVIDERS

    for name in AUTO_PICK_ORDER:
        if any(environ.get(variable, "").strip() for variable in BUILTIN_PROVIDERS[name].key_env):
            return name, False
    from solcoder.credentials.encrypted_file import PASSPHRASE_VARIABLE, PassphraseUnavailable
    from solcoder.credentials.store import open_store
    from solcoder.errors import SolcoderError
    from solcoder.secret import Secret

    def from_environment_only(new: bool) -> Secret:
        configured = environ.get(PASSPHRASE_VARIABLE, "")
        if not configured:
            raise PassphraseUnavailable("the credentials file is locked")
        return Secret(configured)

    source = None if ask_passphrase else from_environment_only
    store = open_store(settings, passphrase_source=source)
    try:
        stored = set(store.providers())
    except SolcoderError:
        return None, False  # a damaged store is reported when a key is actually needed
    locked = any(isinstance(problem, PassphraseUnavailable) for problem in store.problems)
    if locked and not ask_passphrase:
        return None, True
    return next((name for name in AUTO_PICK_ORDER if name in stored), None), False


def _with_provider(settings: Settings, name: str) -> Settings:
    if name == settings.llm.provider:
        return settings
    llm = dataclasses.replace(settings.llm, provider=name)
    sources = {**settings.sources, "llm.provider": "auto"}
    return dataclasses.replace(settings, llm=llm, sources=sources)


__all__ = ["Choice", "choose_provider", "resolve_choice"]
