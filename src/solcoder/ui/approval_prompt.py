"""The REPL's approver: shows a call that needs approval and asks "yes / no / always".

The question is asked inside the running turn (the orchestrator awaits it between two of its
events), through the same reader as the prompt: prompt_toolkit on a terminal, where Ctrl-C
is a key press (answered "no", and the turn is cancelled as Ctrl-C always cancels it), or a
plain line from stdin. End of input is "no" too: nothing runs on a missing answer.
Everything shown comes from the model, so it goes through `safe` and is cut to a few lines.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from rich.console import Console
from rich.text import Text

from solcoder.agent.approval import Answer, is_own_edit, question
from solcoder.agent.gate import ApprovalRequest
from solcoder.terminal import safe
from solcoder.ui.diff_view import diff_lines

ASK: Final = "Allow? [y]es / [n]o / [a]lways for this session › "
ASK_EDIT: Final = "Apply? [y]es / [n]o / [a]lways for edits this session › "
ASK_ONCE: Final = "Allow this once? [y]es / [n]o › "
ASK_COMMAND: Final = "Run it? [y]es / [n]o / [a]lways `{grant}` this session › "
"""For a secret: each read is asked for on its own, so "always" is not offered."""
MAX_ARGUMENTS: Final = 12
"""Arguments shown one per line; the rest are counted."""
MAX_VALUE_CHARS: Final = 240
MAX_TRIES: Final = 3

_ANSWERS: Final[dict[str, Answer]] = {
    "y": "yes",
    "yes": "yes",
    "n": "no",
    "no": "no",
    "a": "always",
    "always": "always",
}


def parse_answer(text: str) -> Answer | None:
    """ "y", "yes", "n", "no", "a", "always" (any case); None for anything else. An empty
    line is "no": pressing Enter must never approve."""
    word = text.strip().lower()
    if not word:
        return "no"
    return _ANSWERS.get(word)


def argument_lines(arguments: Mapping[str, Any], width: int = MAX_VALUE_CHARS) -> list[str]:
    """`name: value` lines, terminal-safe, each value cut to `width` characters."""
    lines: list[str] = []
    for position, (name, value) in enumerate(arguments.items()):
        if position == MAX_ARGUMENTS:
            lines.append(f"… and {len(arguments) - MAX_ARGUMENTS} more arguments")
            break
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        text = safe(shown).replace("\n", "⏎ ")
        if len(text) > width:
            text = f"{text[: width - 1]}… ({len(shown)} characters)"
        lines.append(f"{safe(name)}: {text}")
    return lines or ["(no arguments)"]


class TerminalApprover:
    """`Approver` for the REPL. `read_answer(prompt)` reads one line (EOFError at the end of
    input, KeyboardInterrupt on Ctrl-C); `interrupt()` cancels the turn in progress."""

    def __init__(
        self,
        console: Console,
        read_answer: Callable[[str], Awaitable[str]],
        interrupt: Callable[[], object],
    ) -> None:
        self.console = console
        self.read_answer = read_answer
        self.interrupt = interrupt

    async def ask(self, request: ApprovalRequest) -> Answer:
        call = request.call
        head = question(call.name, request.effect, request.origin)
        self.console.print(Text(safe(head), style="bold yellow"), highlight=False)
        if request.rule is not None:
            line = f"  (approval.ask lists {safe(request.rule)})"
            self.console.print(Text(line, style="dim"), highlight=False)
        if request.preview is not None:
            for styled in diff_lines(request.preview):
                self.console.print(Text("  ").append_text(styled), highlight=False, soft_wrap=True)
        elif request.command is not None:
            from solcoder.shell.commands import describe_parts

            for part in describe_parts(request.command)[:MAX_ARGUMENTS]:
                self.console.print(Text(f"  $ {safe(part)}", style="bold"), soft_wrap=True)
        else:
            for line in argument_lines(request.arguments):
                self.console.print(Text(f"  {line}"), highlight=False, soft_wrap=True)
        # A secret is asked for each time; a command can be granted only by its prefix.
        once = request.effect in {"reads_secrets", "writes_settings"} or (
            request.command is not None and request.grant is None
        )
        if once:
            prompt = ASK_ONCE
        elif request.command is not None:
            prompt = ASK_COMMAND.format(grant=safe(request.grant or ""))
        else:
            prompt = ASK_EDIT if is_own_edit(request.effect, request.origin) else ASK
        for _ in range(MAX_TRIES):
            try:
                raw = await self.read_answer(prompt)
            except KeyboardInterrupt:
                self.interrupt()
                self._said("no (cancelled)")
                return "no"
            except EOFError:
                self._said("no")
                return "no"
            answer = parse_answer(raw)
            if answer == "always" and once:
                answer = "yes"
            if answer is not None:
                return answer
            self.console.print(Text("Answer yes, no or always.", style="yellow"))
        self._said("no")
        return "no"

    def _said(self, text: str) -> None:
        self.console.print(Text(text, style="yellow"), highlight=False)
