"""The terminal side of the REPL: the prompt_toolkit input line and its bottom toolbar.

Kept apart from ui/repl.py so that prompt_toolkit is imported only when a real terminal is
attached (pipes and tests read lines without it). Besides the toolbar this holds what the input
line needs: key bindings for multi-line input, slash-command completion, and a history file
that is private (0600) and never stores a line that looks like a key.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion, merge_completers
from prompt_toolkit.document import Document
from prompt_toolkit.filters import Condition
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.output import Output
from rich.console import Console
from rich.text import Text

from solcoder.terminal import safe
from solcoder.ui.command_table import command_names
from solcoder.ui.conversation_view import CONTINUATION, PROMPT

if TYPE_CHECKING:
    from solcoder.ui.conversation_view import ConversationLike

logger = logging.getLogger(__name__)


def toolbar_text(conversation: ConversationLike) -> str:
    """The bottom toolbar: provider, model, session id and usage so far."""
    try:
        usage = conversation.usage_summary()
    except Exception:  # the toolbar is redrawn constantly; it must never break the prompt
        logger.debug("usage_summary failed", exc_info=True)
        usage = "?"
    # The model name may come from a project's config file: made safe like any outside text.
    return safe(
        f" {conversation.provider_name} · {conversation.model} · "
        f"session {conversation.session_id} · {usage} · /help "
    )


# Lines that look like they carry a secret are kept out of the history file (they stay
# usable with the up arrow for this session): provider keys and Solana keypairs, the latter
# as base58 (87-88 characters) or as the 64-number JSON array `solana-keygen` writes.
_SECRET = re.compile(
    r"\b(sk-[A-Za-z0-9_\-]{16,}|gsk_[A-Za-z0-9]{20,}|xai-[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_\-]{30,})"
    r"|[1-9A-HJ-NP-Za-km-z]{80,90}"
    r"|\[\s*\d{1,3}(\s*,\s*\d{1,3}){63}\s*\]"
    r"|(api[_-]?key|secret|token|password)\s*[=:]\s*\S{8,}"
    r"|^\s*/config\s+set\s+\S*(key|secret|token|password)",
    re.IGNORECASE,
)


def looks_secret(line: str) -> bool:
    return _SECRET.search(line) is not None


def prepare_history_file(path: Path) -> bool:
    """Create the history file private (0600) before prompt_toolkit appends to it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
        try:
            os.fchmod(descriptor, 0o600)
        finally:
            os.close(descriptor)
    except OSError:
        logger.debug("history file %s unusable", path, exc_info=True)
        return False
    return True


class PrivateFileHistory(FileHistory):
    """Persistent history that never writes a line that looks like a secret."""

    def store_string(self, string: str) -> None:
        if not looks_secret(string):
            super().store_string(string)


def make_history(path: Path, console: Console) -> History:
    """The history file at `path`, or a session-only history when it cannot be written."""
    if prepare_history_file(path):
        return PrivateFileHistory(str(path))
    console.print(Text(f"History is not saved: {path} is not writable.", style="yellow"))
    return InMemoryHistory()


class SlashCompleter(Completer):
    """Tab completes "/he" to "/help"; only the command word, only at the start. `custom`:
    the user's and the project's command names, after the built-ins."""

    def __init__(self, custom: Sequence[str] = ()) -> None:
        self.custom = tuple(custom)

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        typed = document.text_before_cursor
        if typed.startswith("/") and " " not in typed:
            for name in (*command_names(), *self.custom):
                if name.startswith(typed[1:]):
                    yield Completion("/" + name, start_position=-len(typed))


class MentionCompleter(Completer):
    """Tab after `@src/l` completes workspace file paths (`paths()` lists them, relative)."""

    def __init__(self, paths: Callable[[], Sequence[str]]) -> None:
        self.paths = paths

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        word = document.get_word_before_cursor(WORD=True)
        if not word.startswith("@"):
            return
        typed = word[1:]
        shown = 0
        for path in self.paths():
            if path.startswith(typed) or (typed and typed in path and "/" not in typed):
                yield Completion("@" + path, start_position=-len(word))
                shown += 1
                if shown == MAX_MENTION_COMPLETIONS:
                    return


MAX_MENTION_COMPLETIONS = 50


class PromptToolkitReader:
    """The terminal prompt: history, multi-line editing, command completion, the toolbar."""

    def __init__(
        self,
        conversation: ConversationLike,
        *,
        history: History,
        input: Input | None = None,
        output: Output | None = None,
        mention_paths: Callable[[], Sequence[str]] | None = None,
        custom_names: Sequence[str] = (),
    ) -> None:
        bindings = KeyBindings()

        @bindings.add("escape", "enter")
        def _newline(event: KeyPressEvent) -> None:
            event.current_buffer.insert_text("\n")

        @Condition
        def _ends_with_backslash() -> bool:
            return session.default_buffer.document.text_before_cursor.endswith("\\")

        @bindings.add("enter", filter=_ends_with_backslash)
        def _continue(event: KeyPressEvent) -> None:
            buffer = event.current_buffer
            buffer.delete_before_cursor(1)
            buffer.insert_text("\n")

        session: PromptSession[str] = PromptSession(
            PROMPT,
            multiline=False,
            history=history,
            key_bindings=bindings,
            bottom_toolbar=lambda: toolbar_text(conversation),
            prompt_continuation=CONTINUATION,
            completer=SlashCompleter(custom_names)
            if mention_paths is None
            else merge_completers([SlashCompleter(custom_names), MentionCompleter(mention_paths)]),
            complete_while_typing=False,
            input=input,
            output=output,
        )
        self.session = session
        self._input = input
        self._output = output
        self._question: PromptSession[str] | None = None

    async def read(self) -> str:
        return await self.session.prompt_async()

    async def ask(self, message: str) -> str:
        """An approval answer: its own session (answers stay out of the prompt history), and
        no SIGINT handler of its own: Ctrl-C is a key press here (KeyboardInterrupt), and the
        turn's SIGINT route must still be in place when the question is done."""
        if self._question is None:
            self._question = PromptSession(
                history=InMemoryHistory(), input=self._input, output=self._output
            )
        return await self._question.prompt_async(message, handle_sigint=False)
