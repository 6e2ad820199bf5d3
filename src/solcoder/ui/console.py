"""A stand-in for a rich `Console` that imports rich only when something needs it.

`solcoder -p` streams the reply as plain writes to the console's file (`ui.render`); rich is
needed only for the rare formatted line (a tool call, a notice, an error) or to ask about colour.
Importing rich costs about 20 ms of the start-up of a one-turn run, so it waits until then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console


class LazyConsole:
    """Stands in for `rich.console.Console(file=file, **options)`: the attributes the streaming
    path reads (`file`, `encoding`) without rich, and the real console, built on first use,
    for everything else (a tool line, a notice, an error, colour detection)."""

    def __init__(self, file: TextIO, **options: Any) -> None:
        self.file = file
        self._options = options
        self._console: Console | None = None
        self._assigned: dict[str, Any] = {}

    @property
    def encoding(self) -> str:
        return (getattr(self.file, "encoding", "utf-8") or "utf-8").lower()  # as rich does

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=self.file, **self._options)
            for name, value in self._assigned.items():
                setattr(self._console, name, value)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("file", "_options", "_console", "_assigned"):
            object.__setattr__(self, name, value)
        elif self._console is None:
            self._assigned[name] = value  # e.g. `on_broken_pipe`, applied once it exists
        else:
            setattr(self._console, name, value)
