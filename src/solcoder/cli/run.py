"""What `solcoder` does without a subcommand: the REPL, one `-p` turn, or `--dry-run-llm`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TextIO, cast

from solcoder.cli.output import print_notice
from solcoder.cli.turn_output import announce_session, make_sink, note_failure, with_spinner

if TYPE_CHECKING:
    from solcoder.agent.conversation import Conversation
    from solcoder.agent.events import ApprovalDecided
    from solcoder.cli.build import Built
    from solcoder.config import Settings
    from solcoder.errors import SolcoderError
    from solcoder.hooks.runner import HookRunner
    from solcoder.sessions import Session


def load(options: dict[str, Any]) -> Settings:
    """Settings from flags and the environment; creates SOLCODER_HOME on first run."""
    from solcoder.cli.build import flag_overrides
    from solcoder.cli.home_check import report_tightened_home
    from solcoder.config import ensure_home, load_settings
    from solcoder.fsutil import exposed_directory_mode

    settings = load_settings(overrides=flag_overrides(options))
    exposed = exposed_directory_mode(settings.home)
    ensure_home(settings.home)
    report_tightened_home(settings.home, exposed)
    for warning in settings.warnings:
        print_notice(f"Warning: {warning}")
    return settings


def read_stdin_prompt(options: dict[str, Any]) -> None:
    """Where the prompt comes from (DESIGN.md section 5): `-p -`, or a piped stdin without
    `-p`, reads it from stdin, so `echo hi | solcoder` is a one-shot run rather than a REPL
    that prints its banner into the pipe. `--json` is one-shot output: without a prompt (a
    terminal on stdin, no `-p`) it is a usage error rather than silently ignored."""
    from solcoder.errors import UsageError

    if options.get("dry_run_llm"):
        return
    prompt = options.get("prompt")
    stdin = sys.stdin
    piped = stdin is None or not stdin.isatty()
    if prompt not in (None, "-") and piped and stdin is not None:
        # `git diff | solcoder -p "review this"`: the text, then what was piped (like `llm`).
        attached = _read_stdin(stdin)
        if attached.strip():
            fence = "````" if "```" in attached else "```"
            options["prompt"] = f"{prompt}\n\n{fence}\n{attached.rstrip()}\n{fence}"
        return
    if prompt == "-" or (prompt is None and piped):
        if not piped:
            print_notice("Reading the prompt from the terminal; end it with Ctrl-D.")
        text = "" if stdin is None else _read_stdin(stdin)
        if not text.strip():
            raise UsageError(
                "No prompt: stdin was empty.",
                hint='Pipe the text to send (echo "hello" | solcoder), or use -p TEXT; '
                "run solcoder in a terminal for the REPL.",
            )
        options["prompt"] = text.rstrip()
    elif prompt is None and options.get("json_output"):
        raise UsageError(
            "--json needs a prompt: it prints one turn as JSON Lines.",
            hint='Add -p TEXT, or pipe the prompt in: echo "hello" | solcoder --json.',
        )


MAX_STDIN_BYTES = 8 * 1024 * 1024
"""More than any model's context holds: a bigger pipe is refused before it fills memory."""


def _read_stdin(stdin: TextIO) -> str:
    """Stdin as text, at most `MAX_STDIN_BYTES` (UsageError beyond, read no further)."""
    from solcoder.errors import UsageError

    data = stdin.buffer.read(MAX_STDIN_BYTES + 1)
    if len(data) > MAX_STDIN_BYTES:
        raise UsageError(
            f"The piped input is larger than {MAX_STDIN_BYTES // (1024 * 1024)} MB, more than "
            "a model can read.",
            hint="Pipe less (for example `git diff --stat`, or `| head -c 200000`).",
        )
    text: str = data.decode("utf-8", "replace")
    return text


def run_root(options: dict[str, Any]) -> int:
    from solcoder.cli.build import build, open_session
    from solcoder.redact import install_log_redaction

    read_stdin_prompt(options)
    install_log_redaction()
    settings = load(options)
    import os

    from solcoder.cli.provider_choice import choose_provider

    settings, notice = choose_provider(settings, os.environ)
    if notice is not None:
        print_notice(notice)
    session, settings = open_session(settings, options)
    built = None
    try:
        for warning in session.warnings:
            print_notice(f"Warning: {warning}")
        if options["dry_run_llm"]:
            from solcoder.cli.dry_run import run_dry_run

            return run_dry_run(settings, options, session)
        from solcoder.cli.extensions import read_extensions
        from solcoder.cli.instructions import read_instructions

        instructions = read_instructions(settings)
        extensions = read_extensions(settings, options)
        built = build(
            settings,
            api_key_flag=options.get("llm_api_key"),
            session=session,
            instructions=instructions,
            options=options,
            skills=extensions.skills,
            custom_commands=extensions.commands,
        )
        for notice in built.notices:
            print_notice(notice)
        if options["prompt"] is not None:
            if not options["prompt"].strip():
                from solcoder.errors import UsageError

                raise UsageError(
                    "The prompt is empty.", hint='Give the text to send, e.g. -p "hello".'
                )
            hooks = built.conversation.orchestrator.hooks
            if hooks is not None:
                from solcoder.cli.hooks_wiring import report_untrusted

                # A launch's hooks are the HookRunner that hooks_wiring.hook_runner built.
                report_untrusted(cast("HookRunner", hooks))
            announce_session(
                session,
                options["json_output"],
                instructions,
                built.commands,
                extensions,
                hooks=hooks,
            )
            check_max_turns(session, options.get("max_turns"))
            from solcoder.cli.extensions import expand_prompt

            return _driver(settings, built)(
                run_prompt(
                    built.conversation,
                    expand_prompt(options["prompt"], extensions.commands),
                    options["json_output"],
                    show_thinking=settings.ui.show_thinking,
                    on_error=lambda error: note_failure(error, settings, session),
                )
            )
        from solcoder.cli.interactive import run_interactive

        return run_interactive(settings, built, options, session)
    finally:
        if built is not None and built.mcp is not None:
            built.mcp.close()  # the servers' processes end with the session
        from solcoder.sessions import SessionStore

        # A launch that failed before its prompt leaves no session to push real ones out.
        SessionStore(settings.home).discard_if_empty(session)


def _driver(settings: Settings, built: Built) -> Callable[[Coroutine[Any, Any, int]], int]:
    """How the turn's coroutine runs. An offline turn starts without an event loop
    (`solcoder.loopless`: asyncio is imported only if it calls a tool, compacts, or shows a
    spinner on a terminal); a real provider, MCP servers or hooks need the loop from the
    start, so asyncio runs the turn."""
    from solcoder.llm.catalog.providers import OFFLINE

    offline = settings.llm.offline_mode or settings.llm.provider == OFFLINE.name
    if offline and built.mcp is None and built.conversation.orchestrator.hooks is None:
        from solcoder.loopless import run

        return run
    import asyncio

    return asyncio.run


def check_max_turns(session: Session, max_turns: int | None) -> None:
    """`--max-turns N`: a headless run is one turn of its session, so the bound counts the
    session's turns across `--session` resumes; the run that would pass it is refused before
    anything is sent (exit 2, like the other session budgets)."""
    if not max_turns or session.turn_count < max_turns:
        return
    from solcoder.errors import BudgetExceededError

    raise BudgetExceededError(
        f"Session {session.id} has had {session.turn_count} turns, its limit "
        f"(--max-turns {max_turns}); this prompt was not sent.",
        hint="Raise --max-turns, or start a new session (drop --session, or add --new-session).",
    )


async def run_prompt(
    conversation: Conversation,
    text: str,
    json_output: bool,
    *,
    show_thinking: bool,
    on_error: Callable[[SolcoderError], None] | None = None,
) -> int:
    """One turn to stdout; diagnostics to stderr; the exit code of the failure, if any."""
    from solcoder.agent.events import ApprovalDecided, TurnFinished
    from solcoder.cli.notices import RELAY
    from solcoder.errors import Cancelled, SolcoderError
    from solcoder.llm.providers.base import closing
    from solcoder.loopless import cancelled as cancelled_error

    sink = make_sink(json_output, show_thinking)
    if json_output:
        from solcoder.ui.json_lines import JsonLinesWriter

        assert isinstance(sink, JsonLinesWriter)  # what make_sink gives for --json
        RELAY.to_json(sink.emit_record)
    else:
        sink = await with_spinner(sink)
    finished = "done"
    declined: list[ApprovalDecided] = []
    echo = _quiet_interrupt_echo(json_output)
    try:
        async with closing(conversation.run_turn(text)) as events:
            async for event in events:
                sink.handle(event)
                if isinstance(event, TurnFinished):
                    finished = event.reason
                elif isinstance(event, ApprovalDecided) and event.decision == "deny":
                    declined.append(event)
    except SolcoderError as error:
        if on_error is not None:
            on_error(error)
        sink.error(error)
        return error.exit_code
    except BrokenPipeError:
        # The reader went away (`solcoder -p … | head`): the turn is closed above, in order.
        _silence_stdout()
        return 0
    except (cancelled_error(), KeyboardInterrupt):
        # Ctrl-C (asyncio cancels the turn; without a loop it is raised where the turn
        # was): the conversation kept the prompt and whatever streamed.
        cancelled = Cancelled("Interrupted; the partial reply is kept.")
        if on_error is not None:
            on_error(cancelled)
        sink.error(cancelled)
        return cancelled.exit_code
    finally:
        echo()
        RELAY.reset()
        await conversation.orchestrator.provider.aclose()
        sink.close()
        _report_declined(declined)
    # The model kept sending unusable tool calls: its output was malformed (exit 6); a hook
    # refused the prompt: nothing was sent (exit 1).
    return {"repair_limit": 6, "blocked": 1}.get(finished, 0)


def _report_declined(declined: list[ApprovalDecided]) -> None:
    """-p: one stderr line naming what was declined and how to allow it next time."""
    if not declined:
        return
    from solcoder.agent.approval import declined_line

    line = declined_line(
        (event.call.name for event in declined if event.by != "config"),
        refused_by_config=(event.call.name for event in declined if event.by == "config"),
    )
    print_notice(line)


def _quiet_interrupt_echo(json_output: bool) -> Callable[[], None]:
    """On a terminal, Ctrl-C is not echoed as `^C` into the streaming reply; the renderer
    ends the partial line before the notice."""
    if json_output or not sys.stdin.isatty():
        return lambda: None
    from solcoder.ui.interrupt_echo import quiet_interrupt_echo

    return quiet_interrupt_echo()


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
