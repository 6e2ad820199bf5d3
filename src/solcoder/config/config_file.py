"""One config.toml, read and checked: `ConfigFile`, and the messages that point at its lines.

Split from `loader` (which merges files, environment and flags into `Settings`) so the
parsing of a single file, its schema version and its error positions live on their own;
`writer` uses the same parser before it changes a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solcoder.config.schema import (
    SECTIONS,
    SETTINGS,
    closest_keys,
    format_value,
    retired_setting_message,
)
from solcoder.config.values import InvalidValue, shorten
from solcoder.errors import ConfigError
from solcoder.fsutil import read_text_checked
from solcoder.patterns import lazy_pattern
from solcoder.records import shared_methods

if TYPE_CHECKING:
    import tomllib

    from solcoder.config.hook_tables import HookEntry

CURRENT_SCHEMA_VERSION = 1
MAX_CONFIG_BYTES = 1024 * 1024
_PROVIDER_VALUE_TYPES = (str, bool, list, dict)


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ConfigFile:
    """The validated content of one config.toml."""

    path: Path
    values: dict[str, object]
    providers: dict[str, dict[str, Any]]
    warnings: list[str]
    mcp_servers: dict[str, object] = field(default_factory=dict)
    hooks: tuple[HookEntry, ...] = ()


def read_config_file(path: Path, *, ignore_key: str | None = None) -> ConfigFile | None:
    """Parse and validate one config.toml; None if it does not exist.

    `ignore_key` skips the type check of one key (used when `config set` is about to fix it).
    """
    text = read_text_checked(path, max_bytes=MAX_CONFIG_BYTES)
    if text is None:
        return None
    return parse_config_text(text, path, ignore_key=ignore_key)


def parse_config_text(text: str, path: Path, *, ignore_key: str | None = None) -> ConfigFile:
    """Validate config text that claims to come from `path` (named in every message)."""
    import tomllib  # only when a file exists: keeps a config-less start fast

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        line = _syntax_error_line(problem, text)
        where = f"{path}:{line}" if line else str(path)
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(problem))
        raise ConfigError(
            f"{where}: not valid TOML: {reason}.",
            hint="Fix that line; the file was not changed.",
        ) from None
    _check_schema_version(document.pop("schema_version", CURRENT_SCHEMA_VERSION), text, path)

    values: dict[str, object] = {}
    providers: dict[str, dict[str, Any]] = {}
    warnings: list[str] = []
    mcp_servers: dict[str, object] = {}
    hooks: tuple[HookEntry, ...] = ()
    for name, content in document.items():
        if name in SECTIONS:
            if not isinstance(content, dict):
                raise _file_error(path, text, None, name, f"[{name}] must be a table")
            for setting, value in content.items():
                key = f"{name}.{setting}"
                if key == "mcp.servers":
                    mcp_servers = _mcp_server_tables(path, text, value)
                    continue
                spec = SETTINGS.get(key)
                if spec is None:
                    warnings.append(_unknown_key_warning(path, key))
                elif key != ignore_key:
                    try:
                        values[key] = spec.check(value)
                    except InvalidValue as problem:
                        shown = shorten(format_value(value))
                        message = f"{key} = {shown} {problem}"
                        raise _file_error(path, text, name, setting, message) from None
        elif name == "providers":
            providers = _check_providers(path, text, content)
        elif name == "hooks":
            from solcoder.config.hook_tables import parse_hook_tables

            hooks = parse_hook_tables(path, content)
        else:
            warnings.append(_unknown_key_warning(path, name))
    return ConfigFile(
        path=path,
        values=values,
        providers=providers,
        warnings=warnings,
        mcp_servers=mcp_servers,
        hooks=hooks,
    )


def _mcp_server_tables(path: Path, text: str, content: object) -> dict[str, object]:
    """Only the shape is checked here (a table of tables); each server's own fields are
    checked by `solcoder.mcp.config`, which skips a bad server and keeps the rest."""
    if not isinstance(content, dict):
        raise _file_error(path, text, "mcp", "servers", "[mcp.servers] must hold tables")
    return dict(content)


def _check_schema_version(version: object, text: str, path: Path) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _file_error(
            path, text, None, "schema_version", "schema_version must be a positive integer"
        )
    if version > CURRENT_SCHEMA_VERSION:
        raise ConfigError(
            f"{path} has schema_version = {version}, written by a newer SolCoder "
            f"(this one understands up to {CURRENT_SCHEMA_VERSION}).",
            hint="Upgrade solcoder (for example `pip install -U solcoder`); "
            "the file was not changed.",
        )


def _check_providers(path: Path, text: str, content: object) -> dict[str, dict[str, Any]]:
    if not isinstance(content, dict):
        raise _file_error(path, text, None, "providers", "[providers] must hold tables")
    tables: dict[str, dict[str, Any]] = {}
    for name, table in content.items():
        if not isinstance(table, dict):
            raise _file_error(
                path,
                text,
                "providers",
                name,
                f"providers.{name} must be a [providers.{name}] table",
            )
        for field_name, value in table.items():
            if not isinstance(value, _PROVIDER_VALUE_TYPES):
                raise _file_error(
                    path,
                    text,
                    f"providers.{name}",
                    field_name,
                    f"providers.{name}.{field_name} must be text, true/false, a list or a table",
                )
        tables[name] = dict(table)
    return tables


def _unknown_key_warning(path: Path, key: str) -> str:
    retired = retired_setting_message(key)
    if retired is not None:
        return f"{path}: {retired} It is ignored; remove it."
    close = closest_keys(key)
    suggestion = f" (did you mean {' or '.join(close)}?)" if close else ""
    return f"{path}: unknown setting {key!r} ignored{suggestion}."


def _file_error(path: Path, text: str, section: str | None, key: str, message: str) -> ConfigError:
    line = locate_key(text, section, key)
    where = f"{path}:{line}" if line else str(path)
    return ConfigError(
        f"{where}: {message}.",
        hint="Fix or remove that line (missing keys take their defaults); "
        "the file was not changed.",
    )


def _syntax_error_line(problem: tomllib.TOMLDecodeError, text: str) -> int | None:
    line = getattr(problem, "lineno", None)  # Python 3.14+
    if isinstance(line, int):
        return line
    match = re.search(r"at line (\d+)", str(problem))
    if match:
        return int(match.group(1))
    if "end of document" in str(problem):
        # e.g. an unterminated string: the last line with content is where to look.
        return text.rstrip().count("\n") + 1
    return None


_HEADER = lazy_pattern(r"^\s*\[\s*([^\[\]]+?)\s*\]")


def locate_key(text: str, section: str | None, key: str) -> int | None:
    """Best-effort line number of `key` in `[section]` (tomllib reports no value positions)."""
    current: str | None = None
    quoted = re.escape(key)
    own = re.compile(rf"""^\s*(?:{quoted}|"{quoted}"|'{quoted}')\s*=""")
    dotted = re.compile(rf"^\s*{re.escape(section)}\s*\.\s*{quoted}\s*=") if section else None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER().match(line)
        if header:
            current = header.group(1).replace(" ", "")
            if section is None and current == key:
                return number
            continue
        if current == section and own.match(line):
            return number
        if current is None and dotted is not None and dotted.match(line):
            return number
    return None
