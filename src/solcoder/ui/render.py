"""Show a turn as it streams: text for people (`StreamRenderer`) or JSON Lines for scripts.

Both sinks take the orchestrator's one `AgentEvent` stream, so the REPL, `solcoder -p` and
`--json` cannot drift apart. They share one interface: `handle(event)` per event,
`error(error)` for a failed turn, `close()` at the end.

Cost per token matters (a reply is thousands of deltas): text deltas are written raw to the
console's file and flushed, never re-rendered through rich (a `Live` markdown view re-renders
the whole reply per token, which is quadratic). Rich only formats the rare lines: tool calls,
notices, errors. This module must not import prompt_toolkit: `-p` mode loads it and should
start fast; for the same reason rich is imported only once a rare line is printed (`-p` passes
`ui.console.LazyConsole`s, which build their rich `Console` then).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, assert_never

from solcoder.agent.events import (
    AgentEvent,
    ApprovalDecided,
    ApprovalRequested,
    CommandFinished,
    Compacted,
    CompactionStarted,
    FileChanged,
    HookRan,
    Notice,
    StepStarted,
    ToolOutputChunk,
    ToolRunFinished,
    ToolRunStarted,
    TurnFinished,
)
from solcoder.errors import SolcoderError
from solcoder.llm.events import Completed, TextDelta, ThinkingDelta, ToolCallDelta, ToolCallStart
from solcoder.redact_stream import StreamRedactor
from solcoder.terminal import clean, safe
from solcoder.ui.json_lines import JsonLinesWriter, error_record
from solcoder.ui.lines import (
    _unicode,
    encodable,
    format_arguments,
    format_duration,
    render_error,
    shorten,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from solcoder.ui.wrap import WordWrapper

__all__ = ["JsonLinesWriter", "StreamRenderer", "clean", "error_record", "render_error", "safe"]

RESULT_WIDTH = 100

_DIM_ON, _DIM_OFF = "\x1b[2m", "\x1b[22m"


class EventSink(Protocol):
    """What the REPL, `-p` and `--dry-run-llm` feed a turn into."""

    def handle(self, event: AgentEvent) -> None: ...

    def error(self, error: SolcoderError) -> None: ...

    def close(self) -> None: ...


COMPACTING = "Compacting the conversation…"


class StreamRenderer:
    """Writes a turn for people: streamed text, dim thinking, one line per tool call.

    `diagnostics` receives everything that is not the reply (thinking, tool lines, notices,
    errors); `solcoder -p` passes a stderr console there so stdout carries only the answer.
    """

    def __init__(
        self,
        console: Console,
        *,
        show_thinking: bool = True,
        diagnostics: Console | None = None,
        wrap_width: int | None = None,
        collapsed_hint: str | None = None,
    ) -> None:
        """`wrap_width`: wrap the reply between words at this many columns (the REPL on a
        terminal; None writes it as it comes, for pipes and `-p`). `collapsed_hint`: how to
        see hidden thinking, appended to its indicator (the REPL's "/thinking to show")."""
        self.console = console
        self._wrap_width = wrap_width
        self._wrapper: WordWrapper | None = None
        self.diagnostics = diagnostics or console
        self.show_thinking = show_thinking
        self._collapsed_hint = collapsed_hint
        self._hidden_chars = 0
        """Characters of the hidden thinking block in progress, told when it ends."""
        self._mid_line: dict[int, bool] = {}
        self._mode: str | None = None
        """"text" or "thinking" while one of them streams, else None."""
        self._open_call: str | None = None
        """Id of the tool call whose line awaits its result on the same line."""
        self._shown_arguments: dict[str, str] = {}
        # One per stream: a key split across two deltas is held back until it can be masked.
        self._reply = StreamRedactor()
        self._reasoning = StreamRedactor()
        self._unicode = _unicode(console) and _unicode(self.diagnostics)
        # Looked up once: `Console.encoding` and friends are properties, too slow per token.
        self._legacy_encoding = {
            id(each): each.encoding for each in (console, self.diagnostics) if not _unicode(each)
        }
        self._dim_known: bool | None = None

    @property
    def _dim(self) -> bool:
        """Dim thinking on a colour terminal (asked once, when thinking first streams)."""
        if self._dim_known is None:
            diagnostics = self.diagnostics
            self._dim_known = bool(
                diagnostics.is_terminal
                and diagnostics.color_system is not None
                and not diagnostics.no_color
            )
        return self._dim_known

    # -- the EventSink interface ---------------------------------------------------------------

    def handle(self, event: AgentEvent) -> None:
        # Every member of the union has a case: a new event type fails mypy here
        # (`assert_never`) instead of being dropped without a word.
        match event:
            case TextDelta():
                self._text(event.text)
            case ThinkingDelta():
                self._thinking(event.text)
            case ToolRunStarted():
                self._tool_started(event)
            case ToolRunFinished():
                self._tool_finished(event)
            case Notice():
                from rich.text import Text

                style = "red" if event.level == "error" else "yellow"
                self._line(Text(safe(event.text), style=style))
            case ApprovalRequested():
                # A question follows (the REPL's approver writes it): start it on a clean line.
                self._end_stream()
                self._close_tool_line()
                self._ensure_line_start(self.console)
                self._ensure_line_start(self.diagnostics)
            case CompactionStarted() | Compacted():
                self._compaction(event)
            case FileChanged():
                self._file_changed(event)
            case ToolOutputChunk():
                self._live_output(event.text)
            case HookRan():
                self._hook(event)
            case TurnFinished() | Completed() | ToolCallStart():
                # A model response ended, or a tool call began streaming its arguments:
                # whatever comes next starts on its own line.
                self._end_stream()
            case ToolCallDelta() | StepStarted():
                pass  # the call's line is written when it runs; a step shows nothing
            case ApprovalDecided() | CommandFinished():
                pass  # the answer is on screen (the approver) and the result on the tool line
            case _:
                assert_never(event)

    def _live_output(self, text: str) -> None:
        """A running command's output, dimmed, as it comes (made safe: it is outside text)."""
        from rich.text import Text

        self._end_stream()
        if self._open_call is not None:
            self._close_tool_line()
        self._print(Text(safe(text), style="dim"), end="")
        self._mid_line[id(self.diagnostics)] = not text.endswith("\n")

    def _file_changed(self, event: FileChanged) -> None:
        """One line per changed file; the diff too unless the user just approved it."""
        from rich.text import Text

        from solcoder.ui.diff_view import diff_lines

        self._end_stream()
        self._close_tool_line()
        change = event.change
        mark = "✎" if self._unicode else ">"
        self._line(
            Text.assemble(
                (f"  {mark} {change.change} ", "dim"),
                (safe(change.path), "bold"),
                (" (", "dim"),
                (f"+{change.added}", "green"),
                (" ", "dim"),
                (f"-{change.removed}", "red"),
                (")", "dim"),
            )
        )
        if not event.previewed:
            for line in diff_lines(change.diff, max_lines=40):
                self._line(Text("    ").append_text(line))

    def _hook(self, event: HookRan) -> None:
        """A hook that denied, failed or added context gets a line (its text is outside
        text: made safe); one that only allowed, or was skipped, stays quiet."""
        report = event.report
        if report.outcome in {"allow", "skipped"}:
            return
        from rich.text import Text

        self._end_stream()
        self._close_tool_line()
        style = "dim" if report.outcome == "context" else "yellow"
        self._line(Text(safe(shorten(report.line(), 400)), style=style))

    def _compaction(self, event: CompactionStarted | Compacted) -> None:
        """A status line while the summary is written, one line when it is done."""
        from rich.text import Text

        if isinstance(event, CompactionStarted):
            self._line(Text(COMPACTING, style="dim"))
            return
        from solcoder.middleware.fit import format_tokens

        before, after = format_tokens(event.before_tokens), format_tokens(event.after_tokens)
        pieces = f" in {event.pieces} pieces" if event.pieces > 1 else ""
        self._line(
            Text(
                f"Compacted the conversation{pieces}: {event.replaced} older messages became a "
                f"summary ({before} → {after} tokens).",
                style="dim",
            )
        )

    def error(self, error: SolcoderError) -> None:
        self._end_stream()
        self._close_tool_line()
        self._ensure_line_start(self.diagnostics)
        render_error(self.diagnostics, error)

    def close(self) -> None:
        """End the reply cleanly (newline, style reset) after success, failure or Ctrl-C."""
        self._end_stream()
        self._close_tool_line()
        self._ensure_line_start(self.console)
        self._ensure_line_start(self.diagnostics)

    # -- streaming -----------------------------------------------------------------------------

    def _write(self, console: Console, text: str) -> None:
        if not text:
            return
        encoding = self._legacy_encoding.get(id(console))
        if encoding is not None:
            text = text.encode(encoding, "replace").decode(encoding)
        console.file.write(text)
        console.file.flush()
        self._mid_line[id(console)] = not text.endswith("\n")

    def _ensure_line_start(self, console: Console) -> None:
        if self._mid_line.get(id(console)):
            self._write(console, "\n")

    def _text(self, text: str) -> None:
        if self._mode != "text":
            self._end_stream()
            self._close_tool_line()
            self._mode = "text"
            if self._wrap_width is not None:
                from solcoder.ui.wrap import WordWrapper  # the REPL's; rich.cells costs -p

                self._wrapper = WordWrapper(self._wrap_width)
        shown = self._reply.feed(clean(text))
        self._write(self.console, self._wrapper.feed(shown) if self._wrapper else shown)

    def _thinking(self, text: str) -> None:
        target = self.diagnostics
        if self._mode != "thinking":
            self._end_stream()
            self._close_tool_line()
            self._ensure_line_start(target)
            self._mode = "thinking"
            label = "thinking…" if self._unicode else "thinking..."
            if not self.show_thinking:
                # One indicator per thinking block instead of the reasoning itself; how much
                # was thought is added when the block ends (collapsed, `/thinking` expands).
                self._hidden_chars = 0
                self._write(target, f"{_DIM_ON}{label}{_DIM_OFF}" if self._dim else label)
            else:
                self._write(target, f"{_DIM_ON}{label} {_DIM_OFF}" if self._dim else f"{label} ")
        if not self.show_thinking:
            self._hidden_chars += len(clean(text))
            return
        self._write_thinking(self._reasoning.feed(clean(text)))

    def _write_thinking(self, cleaned: str) -> None:
        if cleaned:
            target = self.diagnostics
            self._write(target, f"{_DIM_ON}{cleaned}{_DIM_OFF}" if self._dim else cleaned)

    def _write_collapsed_size(self) -> None:
        """` 812 chars · /thinking to show` after a hidden block's indicator."""
        dot = "·" if self._unicode else "-"
        tail = f" {self._hidden_chars} chars"
        if self._collapsed_hint:
            tail += f" {dot} {self._collapsed_hint}"
        self._write(self.diagnostics, f"{_DIM_ON}{tail}{_DIM_OFF}" if self._dim else tail)

    def _end_stream(self) -> None:
        """Finish the text or thinking block in progress (what was held back, a newline)."""
        if self._mode == "text":
            tail = self._reply.flush()
            if self._wrapper is not None:
                self._write(self.console, self._wrapper.feed(tail) + self._wrapper.flush())
                self._wrapper = None
            else:
                self._write(self.console, tail)
            self._ensure_line_start(self.console)
        elif self._mode == "thinking":
            rest = self._reasoning.flush()
            if self.show_thinking:
                self._write_thinking(rest)
            else:
                self._write_collapsed_size()
            self._ensure_line_start(self.diagnostics)
        self._mode = None

    # -- tool lines ----------------------------------------------------------------------------

    def _line(self, text: Text, *, end: str = "\n") -> None:
        """A diagnostic line on its own, after whatever is streaming."""
        self._end_stream()
        self._close_tool_line()
        self._ensure_line_start(self.diagnostics)
        if self.diagnostics is not self.console and self.console.is_terminal:
            # Both streams share the screen: do not start the line after half a sentence.
            self._ensure_line_start(self.console)
        self._print(text, end=end)

    def _print(self, text: Text, *, end: str = "\n") -> None:
        self.diagnostics.print(
            encodable(self.diagnostics, text), soft_wrap=True, highlight=False, end=end
        )
        self._mid_line[id(self.diagnostics)] = not end

    def _tool_head(self, name: str, arguments: str) -> Text:
        from rich.text import Text

        gear = "⚙" if self._unicode else "*"
        return Text.assemble(
            (f"{gear} ", "cyan"), (safe(name), "bold cyan"), (f"({arguments})", "dim")
        )

    def _tool_tail(self, event: ToolRunFinished) -> Text:
        from rich.text import Text

        dots = " … " if self._unicode else " ... "
        duration = format_duration(event.duration_s)
        if event.ok:
            return Text.assemble((dots, "dim"), ("ok", "green"), (f" {duration}", "dim"))
        reason = shorten(safe(event.content), RESULT_WIDTH) or "failed"
        return Text.assemble((dots, "dim"), (f"error: {reason}", "red"), (f" {duration}", "dim"))

    def _tool_started(self, event: ToolRunStarted) -> None:
        shown = format_arguments(event.call, event.arguments)
        self._shown_arguments[event.call.id] = shown
        # The line stays open: the result is appended to it when the tool finishes.
        self._line(self._tool_head(event.call.name, shown), end="")
        self._open_call = event.call.id

    def _tool_finished(self, event: ToolRunFinished) -> None:
        tail = self._tool_tail(event)
        if self._open_call == event.call.id:
            self._open_call = None
            self._print(tail)
            return
        # Several tools ran at once: the result gets a full line of its own.
        shown = self._shown_arguments.get(event.call.id)
        if shown is None:
            shown = format_arguments(event.call, None)
        self._line(self._tool_head(event.call.name, shown).append_text(tail))

    def _close_tool_line(self) -> None:
        if self._open_call is not None:
            self._open_call = None
            self._ensure_line_start(self.diagnostics)
