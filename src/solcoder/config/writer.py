"""Changing config files without losing what people wrote in them.

`solcoder config set` edits the user's own file, so comments, order and spacing must survive:
tomlkit round-trips them (imported here lazily, since only writes need it). Every value is
validated before anything is written, a file that does not parse is never touched, and the
write itself is atomic and private (fsutil).
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from solcoder.config.config_file import (
    CURRENT_SCHEMA_VERSION,
    parse_config_text,
    read_config_file,
)
from solcoder.config.loader import CONFIG_FILE_NAME, find_project_config, resolve_home
from solcoder.config.schema import SECTIONS, SETTINGS, format_value, lookup
from solcoder.config.values import InvalidValue, shorten
from solcoder.errors import ConfigError, UsageError
from solcoder.fsutil import (
    PRIVATE_FILE_MODE,
    atomic_write,
    ensure_private_dir,
    read_text_checked,
    tighten_file_mode,
)

PROJECT_FILE_MODE = 0o644
"""A project config is meant to be shared (committed with the code), and holds no secrets."""

_HEADER = """\
# SolCoder configuration.
#
# Precedence: command-line flags > SOLCODER_* environment variables > the nearest project
# .solcoder/config.toml > this file > built-in defaults.
# Each setting below is commented out and shows its default. Uncomment a line to change it,
# or run `solcoder config set KEY VALUE`; `solcoder config list` shows the effective values.

# Format version of this file, for future migrations. Leave it as it is.
schema_version = {version}
"""

_PROVIDERS_EXAMPLE = """\
# Any OpenAI-compatible server is a table; then set llm.provider to its name.
# A table named after a built-in provider (openai, anthropic, ...) overrides only what it sets.
# [providers.my-server]
# api = "chat"                           # chat, responses or messages
# base_url = "http://127.0.0.1:8080/v1"
# key_env = "MY_SERVER_API_KEY"          # where the key is read from; omit if none is needed
# model = "my-model"                     # its default model
"""


def first_run_config() -> str:
    """The config.toml written on first run: every setting commented out with default and doc."""
    import textwrap

    parts = [_HEADER.format(version=CURRENT_SCHEMA_VERSION)]
    for section in SECTIONS:
        parts.append(f"\n[{section}]\n")
        for spec in SETTINGS.values():
            if spec.section != section:
                continue
            shown = spec.default if spec.default is not None else spec.example
            variables = " or ".join(spec.env_names)
            flag = f"; flag: {spec.flag}" if spec.flag else ""
            for text in (spec.doc, f"Environment: {variables}{flag}."):
                parts.extend(f"# {line}\n" for line in textwrap.wrap(text, width=96))
            parts.append(f"# {spec.name} = {format_value(shown)}\n\n")
        parts[-1] = parts[-1].rstrip("\n") + "\n"
    parts.append("\n" + _PROVIDERS_EXAMPLE)
    return "".join(parts)


def ensure_home(home: Path) -> Path:
    """Create SOLCODER_HOME (0700) and a first-run config.toml (0600) if missing; return home."""
    ensure_private_dir(home)
    path = home / CONFIG_FILE_NAME
    try:
        if path.exists():
            tighten_file_mode(path, PRIVATE_FILE_MODE)
        else:
            atomic_write(path, first_run_config(), mode=PRIVATE_FILE_MODE)
    except OSError as problem:
        raise _write_error(path, problem) from None
    return home


def set_user_value(home: Path, dotted: str, raw_value: str) -> None:
    """Validate `raw_value` for `dotted` and write it into `home`/config.toml."""
    user_config = home / CONFIG_FILE_NAME
    spec_value = _parse(
        dotted, raw_value, (user_config, find_project_config(Path.cwd(), exclude=user_config))
    )
    ensure_home(home)
    _set_in_file(home / CONFIG_FILE_NAME, dotted, spec_value, PRIVATE_FILE_MODE)


def unset_user_value(home: Path, dotted: str) -> bool:
    """Remove `dotted` from `home`/config.toml so the default applies; False if it was not set."""
    lookup(dotted)
    return _unset_in_file(home / CONFIG_FILE_NAME, dotted, PRIVATE_FILE_MODE)


def set_project_value(config_path: Path, dotted: str, raw_value: str) -> None:
    """Like `set_user_value` for a project's `.solcoder/config.toml` (created if missing)."""
    import os

    user_config = resolve_home(None, os.environ, Path.cwd()) / CONFIG_FILE_NAME
    value = _parse(dotted, raw_value, (config_path, user_config))
    try:
        config_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        raise _write_error(config_path, problem) from None
    _set_in_file(config_path, dotted, value, _existing_mode(config_path, PROJECT_FILE_MODE))


def unset_project_value(config_path: Path, dotted: str) -> bool:
    """Like `unset_user_value` for a project's `.solcoder/config.toml`."""
    lookup(dotted)
    return _unset_in_file(config_path, dotted, _existing_mode(config_path, PROJECT_FILE_MODE))


def _parse(dotted: str, raw_value: str, config_files: tuple[Path | None, ...] = ()) -> object:
    """The typed value to write; `llm.provider` must name a provider that exists (built in,
    or a `[providers.<name>]` table in `config_files`), or every later command would fail."""
    spec = lookup(dotted)
    try:
        value = spec.parse_text(raw_value)
    except InvalidValue as problem:
        raise UsageError(
            f"Cannot set {dotted} to {shorten(raw_value)!r}: {dotted} {problem}."
        ) from None
    if dotted == "llm.provider" and isinstance(value, str):
        from solcoder.llm.catalog.providers import canonical_provider_name, unknown_provider_error

        tables = _provider_tables(config_files)
        value = canonical_provider_name(value.strip(), tables)
        if value not in {*tables, *_builtin_provider_names()}:
            raise unknown_provider_error(value, tables)
    return value


def _builtin_provider_names() -> list[str]:
    from solcoder.llm.catalog.providers import known_provider_names

    return known_provider_names()


def _provider_tables(paths: tuple[Path | None, ...]) -> dict[str, Any]:
    """The `[providers.<name>]` tables of the files that parse (a broken file must not stop
    `config set` from repairing it)."""
    from solcoder.errors import SolcoderError

    tables: dict[str, Any] = {}
    for path in paths:
        if path is None:
            continue
        try:
            loaded = read_config_file(path, ignore_key="llm.provider")
        except SolcoderError:
            continue
        if loaded is not None:
            tables.update(loaded.providers)
    return tables


def _set_in_file(path: Path, dotted: str, value: object, mode: int) -> None:
    import tomlkit

    spec = SETTINGS[dotted]
    text = read_text_checked(path) or ""
    # Refuses files that do not parse or come from a newer version, before any change;
    # the key being set may hold a wrong value: that is what the user is fixing.
    parse_config_text(text, path, ignore_key=dotted)
    document = tomlkit.parse(text) if text else _new_document()
    section: Any = document.get(spec.section)
    if section is None:
        document.add(spec.section, tomlkit.table())
        section = document[spec.section]
    section[spec.name] = list(value) if isinstance(value, tuple) else value
    _write(path, tomlkit.dumps(document), mode)


def _unset_in_file(path: Path, dotted: str, mode: int) -> bool:
    import tomlkit

    spec = SETTINGS[dotted]
    text = read_text_checked(path)
    if text is None:
        return False
    parse_config_text(text, path, ignore_key=dotted)
    document = tomlkit.parse(text)
    section: Any = document.get(spec.section)
    if section is None or spec.name not in section:
        return False
    del section[spec.name]
    _write(path, tomlkit.dumps(document), mode)
    return True


def _new_document() -> Any:
    import tomlkit

    document = tomlkit.document()
    document.add("schema_version", CURRENT_SCHEMA_VERSION)
    return document


def _write(path: Path, text: str, mode: int) -> None:
    # What we write must load: check the result as strictly as a later read will.
    parse_config_text(text, path)
    try:
        atomic_write(path, text, mode=mode)
    except OSError as problem:
        raise _write_error(path, problem) from None


def _existing_mode(path: Path, fallback: int) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return fallback


def _write_error(path: Path, problem: OSError) -> ConfigError:
    return ConfigError(
        f"Cannot write {path}: {problem.strerror or problem}.",
        hint="Check the directory's permissions, or set SOLCODER_HOME to a writable directory.",
    )


def set_mcp_server(home: Path, name: str, table: dict[str, object]) -> None:
    """Write `[mcp.servers.NAME]` into the user config (replacing one of that name).

    The rest of the file, comments included, is kept; the write is atomic and private."""
    import tomlkit

    ensure_home(home)
    path = home / CONFIG_FILE_NAME
    text = read_text_checked(path) or ""
    parse_config_text(text, path)  # a broken file is refused before any change
    document = tomlkit.parse(text) if text else _new_document()
    section: Any = document.get("mcp")
    if section is None:
        document.add("mcp", tomlkit.table(is_super_table=True))
        section = document["mcp"]
    servers: Any = section.get("servers")
    if servers is None:
        section.add("servers", tomlkit.table(is_super_table=True))
        servers = section["servers"]
    entry = tomlkit.table()
    for key, value in table.items():
        entry.add(key, value)
    if name in servers:
        del servers[name]
    servers.add(name, entry)
    _write(path, tomlkit.dumps(document), PRIVATE_FILE_MODE)


def remove_mcp_server(home: Path, name: str) -> bool:
    """Delete `[mcp.servers.NAME]` from the user config; False if it was not there."""
    import tomlkit

    path = home / CONFIG_FILE_NAME
    text = read_text_checked(path)
    if text is None:
        return False
    parse_config_text(text, path)
    document = tomlkit.parse(text)
    servers: Any = (document.get("mcp") or {}).get("servers")
    if servers is None or name not in servers:
        return False
    del servers[name]
    _write(path, tomlkit.dumps(document), PRIVATE_FILE_MODE)
    return True
