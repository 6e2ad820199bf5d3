"""`solcoder auth`: see where each provider's key comes from, and save, rotate or remove keys.

Keys are typed at a hidden prompt or piped with `--key-stdin`, never passed as arguments
(arguments are visible in the process list), and are only ever shown masked.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from solcoder.errors import StorageError, UsageError

if TYPE_CHECKING:
    from solcoder.config import Settings
    from solcoder.credentials.store import CredentialStore
    from solcoder.llm.catalog.providers import ProviderSpec


def settings_from_context(ctx: click.Context) -> Settings:
    """The root command's settings if it loaded them (`ctx.obj.settings` or
    `ctx.obj["settings"]`), else settings loaded here with the root's flags applied."""
    holder = ctx.find_root().obj if ctx.obj is None else ctx.obj
    settings = getattr(holder, "settings", None)
    if settings is None and isinstance(holder, Mapping):
        settings = holder.get("settings")
    if settings is not None:
        return cast("Settings", settings)  # what the root command loaded
    from solcoder.config import load_settings

    overrides: dict[str, object] = {}
    options = holder.get("options") if isinstance(holder, Mapping) else None
    if isinstance(options, Mapping):
        from solcoder.cli.build import flag_overrides

        overrides = flag_overrides(dict(options))
    return load_settings(overrides=overrides)


def _root_option(ctx: click.Context, name: str) -> str | None:
    holder = ctx.find_root().obj
    options = holder.get("options") if isinstance(holder, Mapping) else None
    value = options.get(name) if isinstance(options, Mapping) else None
    return value if isinstance(value, str) else None


def _notice(message: str) -> None:
    from solcoder.cli.output import print_notice

    print_notice(message)


def _echo(message: str) -> None:
    from solcoder.terminal import echo

    echo(message)


def _spec(settings: Settings, provider: str) -> ProviderSpec:
    from solcoder.llm.catalog.providers import resolve_spec

    spec = resolve_spec(provider, settings.providers)
    if spec.managed:
        raise UsageError(f"The {provider} provider runs inside SolCoder and needs no key.")
    return spec


def _read_key(provider: str, *, from_stdin: bool) -> str:
    """The key from stdin (`--key-stdin`) or a hidden prompt; never from an argument."""
    return read_secret(
        f"API key for {provider}",
        "key",
        kind="an API key",
        from_stdin=from_stdin,
        pipe_hint=f"printf '%s' \"$KEY\" | solcoder auth login {provider} --key-stdin",
    )


def read_secret(prompt: str, noun: str, *, from_stdin: bool, pipe_hint: str, kind: str = "") -> str:
    """A secret (an API key, a bearer token) from stdin or a hidden prompt, never from an
    argument; `noun` names it in the errors (`kind`, "an API key", where it looks wrong),
    `pipe_hint` is the headless way to give it."""
    from solcoder.credentials.encrypted_file import terminal_available

    if from_stdin:
        value = sys.stdin.readline().strip()
    elif terminal_available():
        value = getpass.getpass(f"{prompt} (input hidden): ").strip()
    else:
        raise UsageError(
            f"No terminal to type the {noun} in.", hint=f"Pipe it instead: {pipe_hint}"
        )
    if not value:
        raise UsageError(f"No {noun} was given; nothing was saved.")
    if any(character.isspace() or not character.isprintable() for character in value):
        raise UsageError(
            f"That does not look like {kind or 'a ' + noun} (it contains spaces or controls)."
        )
    return value


def _store(ctx: click.Context, *, insecure: bool = False) -> CredentialStore:
    from solcoder.credentials.store import open_store

    return open_store(settings_from_context(ctx), insecure=insecure)


def show_store_notices(store: CredentialStore) -> None:
    """What the store had to say (a plaintext file, a keyring that fell back), once."""
    for message in store.notices:
        _notice(message)
    store.notices.clear()


def _environment_overrides(spec: ProviderSpec, environ: Mapping[str, str]) -> str | None:
    """The variable that would win over a saved key for `spec`, if one is set."""
    from solcoder.credentials.resolve import GENERIC_KEY_VARIABLE

    for name in (GENERIC_KEY_VARIABLE, *spec.key_env):
        if environ.get(name, "").strip():
            return name
    return None


@click.group("auth")
def auth_group() -> None:
    """Store, rotate and inspect API keys (shown masked, never in full)."""


@auth_group.command("status")
@click.pass_context
def status_command(ctx: click.Context) -> None:
    """Show, for each provider, where its key comes from."""
    from solcoder.cli.provider_choice import resolve_choice
    from solcoder.credentials.resolve import GENERIC_KEY_VARIABLE, resolve_api_key
    from solcoder.llm.catalog.providers import known_provider_names, resolve_spec

    settings = settings_from_context(ctx)
    store = _store(ctx)
    # The provider a launch would run, picked as a launch picks it (a key's provider, a
    # running local server, the bundled model, offline): not the bare default.
    choice = resolve_choice(settings, os.environ)
    current = choice.provider
    # Saved keys that cannot be read are said first: the rows below would otherwise read as
    # "no key" for every provider when the keys are merely locked away.
    from solcoder.cli.output import print_error

    for problem in store.check():
        print_error(problem.display_message, problem.hint)
    _echo(f"Keys are saved in: {store.description}")
    rows: list[tuple[str, str, str]] = []
    for name in known_provider_names(settings.providers):
        if resolve_spec(name, settings.providers).managed:
            marker = "  (current provider)" if name == current else ""
            rows.append((name, "-", managed_status(name, settings.home) + marker))
            continue
        spec = _spec(settings, name)
        # SOLCODER_LLM_API_KEY and --llm-api-key apply only to the provider in use.
        environ = dict(os.environ)
        flag = _root_option(ctx, "llm_api_key") if name == current else None
        if name != current:
            environ.pop(GENERIC_KEY_VARIABLE, None)
        marker = "  (current provider)" if name == current else ""
        try:
            resolved = resolve_api_key(spec, flag_value=flag, environ=environ, store=store)
        except StorageError:  # nothing in the flag, the environment or a readable backend
            rows.append((name, "?", "unknown: saved keys could not be read (see above)" + marker))
            continue
        shown = resolved.secret.masked if resolved.secret is not None else "-"
        rows.append((name, shown, resolved.display + marker))
    width = max(len(name) for name, _, _ in rows)
    key_width = max(len(shown) for _, shown, _ in rows)
    for name, shown, where in rows:
        _echo(f"{name:<{width}}  {shown:<{key_width}}  {where}")
    _echo(f"In use: {current} ({choice.reason})")
    show_store_notices(store)
    if store.problems:
        # Reported above; the exit code says saved keys could not all be checked.
        ctx.exit(store.problems[0].exit_code)


def managed_status(name: str, home: Path) -> str:
    """What `auth status` says of a provider that runs inside SolCoder (no key): whether the
    local model can run and from where; offline always can. Found without loading either."""
    from solcoder.llm.catalog.providers import LOCAL

    if name != LOCAL.name:
        return "no key needed; always available (scripted replies, no model)"
    from solcoder.llm.providers.local import model

    if not model.server_installed():
        return "no key needed; not installed: pip install 'solcoder[local]'"
    installed = model.installed_path(home)
    if installed is None:
        return "no key needed; llama.cpp installed, model not downloaded: solcoder local install"
    return f"no key needed; installed, model at {installed}"


def _save(
    ctx: click.Context, provider: str, *, key_stdin: bool, insecure: bool, rotate: bool
) -> None:

    settings = settings_from_context(ctx)
    spec = _spec(settings, provider)
    if not spec.requires_key:
        _notice(f"Provider {spec.name!r} does not need a key; saving one anyway.")
    store = _store(ctx, insecure=insecure)
    from solcoder.credentials.encrypted_file import PassphraseUnavailable

    try:
        previous = store.lookup(spec.name) if rotate else None
        from solcoder.redact import admit

        secret = admit(_read_key(spec.name, from_stdin=key_stdin))
        if previous is not None and previous.secret == secret:
            raise UsageError("The new key is the same as the saved one; nothing changed.")
        store.set(spec.name, secret)
    except PassphraseUnavailable as error:
        # Headless, no keyring, no passphrase: name the one way that works here.
        command = "rotate" if rotate else "login"
        raise PassphraseUnavailable(
            error.message,
            hint=f"Set SOLCODER_PASSPHRASE (or use an OS keyring) to encrypt it, or save it "
            f"unencrypted in a 0600 file: printf '%s' \"$KEY\" | solcoder auth {command} "
            f"{spec.name} --key-stdin --insecure-storage",
        ) from None
    if rotate and previous is not None:
        _echo(
            f"Replaced the {spec.name} key {previous.secret} with {secret} in {store.description}."
        )
    else:
        _echo(f"Saved the {spec.name} key {secret} in {store.description}.")
    show_store_notices(store)
    winner = _environment_overrides(spec, os.environ)
    if winner:
        _notice(f"Note: {winner} is set and takes precedence over the saved key.")


@auth_group.command("login")
@click.argument("provider")
@click.option("--key-stdin", is_flag=True, help="Read the key from standard input (scripts).")
@click.option(
    "--insecure-storage",
    is_flag=True,
    help="Save the key UNENCRYPTED in a 0600 file (when no keyring or passphrase is possible).",
)
@click.pass_context
def login_command(
    ctx: click.Context, provider: str, key_stdin: bool, insecure_storage: bool
) -> None:
    """Save the API key for PROVIDER (typed at a hidden prompt)."""
    _save(ctx, provider, key_stdin=key_stdin, insecure=insecure_storage, rotate=False)


@auth_group.command("rotate")
@click.argument("provider")
@click.option("--key-stdin", is_flag=True, help="Read the new key from standard input.")
@click.option("--insecure-storage", is_flag=True, help="Save it UNENCRYPTED in a 0600 file.")
@click.pass_context
def rotate_command(
    ctx: click.Context, provider: str, key_stdin: bool, insecure_storage: bool
) -> None:
    """Replace the saved key for PROVIDER (atomically, in every storage)."""
    _save(ctx, provider, key_stdin=key_stdin, insecure=insecure_storage, rotate=True)


@auth_group.command("logout")
@click.argument("provider")
@click.pass_context
def logout_command(ctx: click.Context, provider: str) -> None:
    """Remove the saved key for PROVIDER from every storage."""
    settings = settings_from_context(ctx)
    spec = _spec(settings, provider)
    store = _store(ctx)
    removed = store.delete(spec.name)
    show_store_notices(store)
    if removed:
        _echo(f"Removed the saved {spec.name} key ({', '.join(removed)}).")
    else:
        _echo(f"No saved key for {spec.name}.")
    winner = _environment_overrides(spec, os.environ)
    if winner:
        _notice(f"Note: {winner} is still set in this environment.")


__all__ = ["auth_group", "settings_from_context"]
