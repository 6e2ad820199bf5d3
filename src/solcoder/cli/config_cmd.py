"""`solcoder config`: read and change settings without opening an editor.

The root CLI registers `config_group` and may put the loaded `Settings` (or an object with a
`settings` attribute) in `ctx.obj`; otherwise the commands load them. `solcoder.config` is
imported inside the commands so `solcoder --help` never pays for it. Failures raise
`solcoder.errors` exceptions; the root CLI turns them into a message and an exit code. Values
are printed through `solcoder.terminal` (a project config is someone else's file; a base URL
may carry a password): no control characters, secrets and URL passwords masked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from solcoder.config import Settings


def _given_settings(context: click.Context) -> Settings | None:
    """Settings the root CLI already loaded, if it put them in `ctx.obj`."""
    from solcoder.config import Settings

    holder = context.obj  # click passes the root's obj down to subcommands
    if isinstance(holder, dict):
        holder = holder.get("settings")
    elif not isinstance(holder, Settings):
        holder = getattr(holder, "settings", None)
    return holder if isinstance(holder, Settings) else None


def _settings(context: click.Context) -> Settings:
    from solcoder.config import load_settings

    return _given_settings(context) or load_settings()


@dataclass(frozen=True, slots=True)
class _Files:
    home: Path
    user_config: Path
    project_config: Path | None


def _files(context: click.Context) -> _Files:
    """Where the config files are, found without loading them: `set` must be able to repair
    a file that no longer loads."""
    given = _given_settings(context)
    if given is not None:
        return _Files(given.home, given.user_config_path, given.project_config_path)
    from solcoder.config import CONFIG_FILE_NAME, find_project_config
    from solcoder.config.loader import resolve_home

    cwd = Path.cwd()
    home = resolve_home(None, os.environ, cwd)
    user_config = home / CONFIG_FILE_NAME
    return _Files(home, user_config, find_project_config(cwd, exclude=user_config))


def _project_target(files: _Files) -> Path:
    from solcoder.config import CONFIG_FILE_NAME, PROJECT_DIR_NAME
    from solcoder.errors import UsageError

    target = files.project_config or Path.cwd() / PROJECT_DIR_NAME / CONFIG_FILE_NAME
    if target.resolve() == files.user_config.resolve():
        raise UsageError(
            f"{target} is your user config, not a project config.",
            hint="Drop --project, or run this from inside the project directory.",
        )
    return target


def _plain(value: object) -> str:
    """A value for scripts: text as is, booleans as true/false, unset as an empty line."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(value)  # what `config set` reads back
    return str(value)


def _effective_source(files: _Files, key: str) -> str | None:
    """Where `key` comes from after a write (None if the settings no longer load)."""
    from solcoder.config import load_settings
    from solcoder.errors import SolcoderError

    try:
        return load_settings(cwd=Path.cwd(), home=files.home).source(key)
    except SolcoderError:
        return None  # the write succeeded; the other problem is reported when it matters


def _is_file_source(source: str, path: Path) -> bool:
    kind, _, location = source.partition(":")
    return kind in {"user", "project"} and Path(location).resolve() == path.resolve()


@click.group("config")
def config_group() -> None:
    """Show and change settings (flags > environment > project > user config > defaults)."""


@config_group.command("get")
@click.argument("key")
@click.pass_context
def get_command(context: click.Context, key: str) -> None:
    """Print the effective value of KEY (for example llm.model)."""
    from solcoder.terminal import echo

    echo(_plain(_settings(context).get(key)))


@config_group.command("set", context_settings={"ignore_unknown_options": True})
@click.argument("key")
@click.argument("value")
@click.option("--project", is_flag=True, help="Write the project's .solcoder/config.toml.")
@click.pass_context
def set_command(context: click.Context, key: str, value: str, project: bool) -> None:
    """Set KEY to VALUE in the user config (or the project config with --project)."""
    from solcoder.config import format_value, lookup, set_project_value, set_user_value

    spec = lookup(key)
    files = _files(context)
    if project:
        target = _project_target(files)
        set_project_value(target, key, value)
    else:
        target = files.user_config
        set_user_value(files.home, key, value)
    parsed = spec.parse_text(value)
    if key == "llm.provider" and isinstance(parsed, str):
        from solcoder.llm.catalog.providers import canonical_provider_name

        parsed = canonical_provider_name(parsed.strip())
    shown = format_value(parsed)
    click.echo(f"{key} = {shown} written to {target}", err=True)
    source = _effective_source(files, key)
    if source is not None and not _is_file_source(source, target):
        click.echo(f"Note: {key} still comes from {source}, which takes precedence.", err=True)


@config_group.command("unset")
@click.argument("key")
@click.option("--project", is_flag=True, help="Remove it from the project's config instead.")
@click.pass_context
def unset_command(context: click.Context, key: str, project: bool) -> None:
    """Remove KEY from the user config (or the project config with --project)."""
    from solcoder.config import lookup, unset_project_value, unset_user_value

    lookup(key)
    files = _files(context)
    if project:
        target = _project_target(files)
        removed = unset_project_value(target, key)
    else:
        target = files.user_config
        removed = unset_user_value(files.home, key)
    if not removed:
        click.echo(f"{key} was not set in {target}", err=True)
        return
    click.echo(f"{key} removed from {target}", err=True)
    source = _effective_source(files, key)
    if source is not None and source != "default":
        click.echo(f"Note: {key} now comes from {source}.", err=True)


@config_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def list_command(context: click.Context, as_json: bool) -> None:
    """Print every setting, its effective value and where that value came from."""
    from solcoder.cli.provider_choice import resolve_choice
    from solcoder.config import SETTINGS, format_value
    from solcoder.terminal import echo, safe, safe_json

    # The provider a launch would run (a key's provider, a local server, the bundled model,
    # offline), not the bare default: the same choice `solcoder` makes at start.
    choice = resolve_choice(_settings(context), os.environ, ask_passphrase=False)
    settings = choice.settings

    def value_and_source(key: str, value: object) -> tuple[object, str]:
        if key == "llm.provider":
            return choice.provider, choice.reason
        return value, settings.source(key)

    listed = [(key, *value_and_source(key, value)) for key, value in settings.items()]
    if as_json:
        rows = [
            {
                "key": key,
                "value": value,
                "source": source,
                "default": SETTINGS[key].default,
                "doc": SETTINGS[key].doc,
            }
            for key, value, source in listed
        ]
        click.echo(safe_json({"settings": rows, "warnings": settings.warnings}, indent=2))
        return
    shown = [(key, safe(format_value(value)), safe(source)) for key, value, source in listed]
    key_width = max(len(key) for key, _, _ in shown)
    value_width = max(len(value) for _, value, _ in shown)
    for key, value, source in shown:
        click.echo(f"{key:<{key_width}}  {value:<{value_width}}  {source}")
    for warning in settings.warnings:
        echo(f"Warning: {warning}", err=True)


@config_group.command("path")
@click.option("--user", "only_user", is_flag=True, help="Print only the user config path.")
@click.option("--project", "only_project", is_flag=True, help="Print only the project path.")
@click.pass_context
def path_command(context: click.Context, only_user: bool, only_project: bool) -> None:
    """Print where the user config lives, and the project config if there is one."""
    files = _files(context)
    project = files.project_config
    if only_user:
        click.echo(str(files.user_config))
    elif only_project:
        if project is None:
            from solcoder.errors import UsageError

            raise UsageError(
                "No project config here (no .solcoder/config.toml in this directory "
                "or its parents).",
                hint="Create one with `solcoder config set --project KEY VALUE`.",
            )
        click.echo(str(project))
    else:
        click.echo(f"user     {files.user_config}")
        if project is not None:
            click.echo(f"project  {project}")
