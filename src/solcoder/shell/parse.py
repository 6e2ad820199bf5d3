"""A conservative reader of the bash subset that agents write: `split_command(text)`.

WHY hand-written: approvals need the simple commands a string really runs, and the subset
agents use (words, quotes, `&&`/`||`/`;`/`|`/`&`, newlines, comments, `2>&1`, `$(…)`) is small.
A general bash parser would be a dependency to trust; this reader only has to be right about
what it accepts and to refuse the rest. Rules:

- Quotes and backslashes are resolved as bash does ('…' literal, "…" with `\\ \\$ \\" \\``
  escapes, `\\<newline>` a continuation); comments (`#` at a word's start) are skipped.
- `$(…)` and backticks are read recursively: the inner commands are listed too (`nested`)
  and judged like any other; the word they sit in is `dynamic`. Backticks holding a
  backslash are not read (a problem), and nesting deeper than 16 makes the text unparseable.
- Subshells `( … )`, process substitution `<(…)`, arithmetic `$((…))`, `case` terminators,
  here-documents and any redirection other than `2>&1`-style duplication or `/dev/null` are
  problems (see `shape` for the per-command ones).
- Text bash would reject (unbalanced quotes or parentheses, an operator without a command,
  a redirection without a target) is unparseable. `split_command` never raises.
"""

from __future__ import annotations

from typing import Final

from solcoder.shell.shape import build
from solcoder.shell.syntax import Parsed, Redirect, SimpleCommand, Word

MAX_DEPTH: Final = 16
_WORD_END: Final = frozenset(" \t\n;&|<>()")
_GLOB: Final = frozenset("*?[{}")
_SPECIAL_PARAMETERS: Final = frozenset("0123456789@*#?$!-")
_REDIRECT_OPS: Final = ("<<<", "<<-", "<<", "<&", "<>", "<", ">>", ">&", ">|", ">", "&>>", "&>")
_LIST_OPS: Final = ("&&", "||", "|&", ";;&", ";;", ";&", "|", ";", "&")
_BINARY_OPS: Final = frozenset({"&&", "||", "|", "|&"})


class _Unparseable(Exception):
    """Text bash would not run as written (or too deep to read)."""


def split_command(text: str) -> Parsed:
    """The simple commands of `text` and what cannot be judged; never raises."""
    reader = _Reader(text, depth=0)
    try:
        reader.read_list(nested=False, closing=False)
    except (_Unparseable, RecursionError):
        return Parsed((), ("the command cannot be parsed",), unparseable=True)
    return Parsed(tuple(reader.commands), tuple(dict.fromkeys(reader.problems)))


class _Reader:
    def __init__(self, text: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _Unparseable
        self.text = text
        self.pos = 0
        self.depth = depth
        self.open = 0
        self.commands: list[SimpleCommand] = []
        self.problems: list[str] = []
        self.heredocs: list[tuple[str, bool]] = []

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    # lists of commands ------------------------------------------------------------------

    def read_list(self, *, nested: bool, closing: bool) -> None:
        """Commands up to the end of the text, or (closing) up to the `)` that ends `$(`."""
        if closing:
            self.open += 1
            if self.depth + self.open > MAX_DEPTH:
                raise _Unparseable
        state = _List(self, nested)
        while True:
            char = self.peek()
            if not char:
                if closing or state.groups or (not state.finish() and state.need_command):
                    raise _Unparseable
                return
            if self.skip_blank(char, state):
                continue
            if char == ")":
                self.pos += 1
                state.finish()
                if state.groups:
                    state.groups -= 1
                    state.group_closed = True
                    continue
                if not closing or state.need_command:
                    raise _Unparseable
                self.open -= 1
                return
            self.read_item(char, state)

    def skip_blank(self, char: str, state: _List) -> bool:
        """Blanks, continuations, comments and newlines (which end a command)."""
        if char in " \t":
            self.pos += 1
        elif char == "\\" and self.peek(1) == "\n":
            self.pos += 2
        elif char == "#":  # a word never stops before "#": this one starts a comment
            self.skip_comment()
        elif char == "\n":
            state.finish()
            self.pos += 1
            self.read_heredoc_bodies()
        else:
            return False
        return True

    def read_item(self, char: str, state: _List) -> None:
        """A group's start, a process substitution, a redirection, an operator or a word."""
        if char == "(":
            self.problems.append("runs a subshell or group: ( … )")
            state.finish()
            state.groups += 1
            self.pos += 1
        elif char in "<>" and self.peek(1) == "(":
            self.problems.append("process substitution <(…) runs a command for a file")
            self.pos += 2
            self.read_list(nested=True, closing=True)
            state.words.append(Word("<(…)", "<(…)", dynamic=True))
        elif char in "<>" or self.text.startswith("&>", self.pos):
            state.redirects.append(self.read_redirect(""))
        elif char in ";&|":
            operator = next(op for op in _LIST_OPS if self.text.startswith(op, self.pos))
            self.pos += len(operator)
            if operator in (";;", ";&", ";;&"):
                self.problems.append("case syntax is not judged")
            if not state.finish() and not state.group_closed:
                raise _Unparseable
            state.group_closed = False
            state.need_command = operator in _BINARY_OPS
        else:
            state.group_closed = False
            word = self.read_word()
            if word.raw.isascii() and word.raw.isdigit() and self.peek() in ("<", ">"):
                state.redirects.append(self.read_redirect(word.raw))
            else:
                state.words.append(word)

    def skip_comment(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end

    def read_heredoc_bodies(self) -> None:
        """After the line that opened here-documents, skip each body to its delimiter."""
        for delimiter, strip_tabs in self.heredocs:
            while self.pos < len(self.text):
                end = self.text.find("\n", self.pos)
                end = len(self.text) if end < 0 else end
                line = self.text[self.pos : end]
                self.pos = min(end + 1, len(self.text))
                if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                    break
        self.heredocs.clear()

    def read_redirect(self, fd: str) -> Redirect:
        operator = next(op for op in _REDIRECT_OPS if self.text.startswith(op, self.pos))
        self.pos += len(operator)
        while self.peek() in (" ", "\t"):
            self.pos += 1
        if not self.peek() or self.peek() in _WORD_END:
            raise _Unparseable
        target = self.read_word()
        if operator in ("<<", "<<-"):
            self.heredocs.append((target.value, operator == "<<-"))
        return Redirect(fd, operator, target)

    # words ------------------------------------------------------------------------------

    def read_word(self) -> Word:
        start = self.pos
        value: list[str] = []
        dynamic = False
        while True:
            char = self.peek()
            if not char or char in _WORD_END:
                break
            if char == "\\":
                following = self.peek(1)
                self.pos += 2 if following else 1
                if following != "\n":
                    value.append(following or "\\")
            elif char == "'":
                end = self.text.find("'", self.pos + 1)
                if end < 0:
                    raise _Unparseable
                value.append(self.text[self.pos + 1 : end])
                self.pos = end + 1
            elif char == '"':
                dynamic |= self.read_double_quoted(value)
            elif char == "$":
                dynamic |= self.read_dollar(value, quoted=False)
            elif char == "`":
                self.read_backticks(value)
                dynamic = True
            else:
                dynamic |= char in _GLOB
                value.append(char)
                self.pos += 1
        return Word("".join(value), self.text[start : self.pos], dynamic)

    def read_double_quoted(self, value: list[str]) -> bool:
        self.pos += 1
        dynamic = False
        while True:
            char = self.peek()
            if not char:
                raise _Unparseable
            if char == '"':
                self.pos += 1
                return dynamic
            if char == "\\":
                following = self.peek(1)
                if following in ("$", "`", '"', "\\"):
                    value.append(following)
                    self.pos += 2
                elif following == "\n":
                    self.pos += 2
                else:
                    value.append("\\")
                    self.pos += 1
            elif char == "$":
                dynamic |= self.read_dollar(value, quoted=True)
            elif char == "`":
                self.read_backticks(value)
                dynamic = True
            else:
                value.append(char)
                self.pos += 1

    def read_dollar(self, value: list[str], *, quoted: bool) -> bool:
        """An expansion starting at `$`: its source text joins the value; True when it is
        one (a `$` before nothing expandable is a plain character)."""
        start = self.pos
        following = self.peek(1)
        if following == "(" and self.peek(2) == "(":
            self.problems.append("arithmetic expansion $((…)) is not judged")
            self.skip_balanced(start + 3, depth=2)
        elif following == "(":
            self.pos += 2
            self.read_list(nested=True, closing=True)
        elif following == "{":
            end = self.text.find("}", self.pos + 2)
            if end < 0:
                raise _Unparseable
            inner = self.text[self.pos + 2 : end]
            if any(mark in inner for mark in ("$", "`", "'", '"', "{", "\\")):
                self.problems.append("a parameter expansion ${…} that is not judged")
            self.pos = end + 1
        elif following == "'" and not quoted:
            self.pos += 2
            while self.peek() not in ("'", ""):
                self.pos += 2 if self.peek() == "\\" else 1
            if not self.peek():
                raise _Unparseable
            self.pos += 1
        elif following == '"' and not quoted:
            self.pos += 1
            self.read_double_quoted([])
        elif following.isascii() and (following.isalpha() or following == "_"):
            self.pos += 1
            while self.peek().isascii() and (self.peek().isalnum() or self.peek() == "_"):
                self.pos += 1
        elif following and following in _SPECIAL_PARAMETERS:
            self.pos += 2
        else:
            value.append("$")
            self.pos += 1
            return False
        value.append(self.text[start : self.pos])
        return True

    def skip_balanced(self, position: int, depth: int) -> None:
        while depth:
            if position >= len(self.text):
                raise _Unparseable
            depth += {"(": 1, ")": -1}.get(self.text[position], 0)
            position += 1
        self.pos = position

    def read_backticks(self, value: list[str]) -> None:
        start = self.pos
        end = self.pos + 1
        while end < len(self.text) and self.text[end] != "`":
            end += 2 if self.text[end] == "\\" else 1
        if end >= len(self.text):
            raise _Unparseable
        inner = self.text[start + 1 : end]
        if "\\" in inner:
            self.problems.append("a backslash inside backticks is not judged")
        else:
            reader = _Reader(inner, self.depth + 1)
            reader.read_list(nested=True, closing=False)
            self.commands.extend(reader.commands)
            self.problems.extend(reader.problems)
        self.pos = end + 1
        value.append(self.text[start : self.pos])


class _List:
    """The command being read in one list (the text, or one `$(…)`), and what came before."""

    def __init__(self, reader: _Reader, nested: bool) -> None:
        self.reader = reader
        self.nested = nested
        self.words: list[Word] = []
        self.redirects: list[Redirect] = []
        self.need_command = False
        """After `&&`, `||` or `|`: a command must follow."""
        self.groups = 0
        self.group_closed = False
        """A `)` just ended a group, which stands for a command before an operator."""

    def finish(self) -> bool:
        """Record the command read so far; False when there was none."""
        if not self.words and not self.redirects:
            return False
        command, problems = build(self.words, self.redirects, nested=self.nested)
        self.reader.commands.append(command)
        self.reader.problems.extend(problems)
        self.words, self.redirects, self.need_command = [], [], False
        return True
