"""What `solcoder` does without a subcommand: the REPL, one `-p` turn, or `--dry-run-llm`."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

from solcoder.cli.output import print_notice
from solcoder.cli.turn_output import announce_session, make_sink, note_failure


def load(options: dict[str, Any]) -> Any:
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


def run_root(options: dict[str, Any]) -> int:
    from solcoder.cli.build import build, open_session
    from solcoder.redact import install_log_redaction

    install_log_redaction()
    settings = load(options)
    import os

    from solcoder.cli.provider_choice import choose_provider

    settings, notice = choose_provider(settings, os.environ)
    if notice is not None:
        print_notice(notice)
    session, settings = open_session(settings, options)
    try:
        for warning in session.warnings:
            print_notice(f"Warning: {warning}")
        if options["dry_run_llm"]:
            from solcoder.cli.dry_run import run_dry_run

            return run_dry_run(settings, options, session)
        built = build(settings, api_key_flag=options.get("llm_api_key"), session=session)
        for notice in built.notices:
            print_notice(notice)
        if options["prompt"] is not None:
            if not options["prompt"].strip():
                from solcoder.errors import UsageError

                raise UsageError(
                    "The prompt is empty.", hint='Give the text to send, e.g. -p "hello".'
                )
            announce_session(session, options["json_output"])
            return asyncio.run(
                run_prompt(
                    built.conversation,
                    options["prompt"],
                    options["json_output"],
                    show_thinking=settings.ui.show_thinking,
                    on_error=lambda error: note_failure(error, settings, session),
                )
            )
        from solcoder.cli.interactive import run_interactive

        return run_interactive(settings, built, options, session)
    finally:
        from solcoder.sessions import SessionStore

        # A launch that failed before its prompt leaves no session to push real ones out.
        SessionStore(settings.home).discard_if_empty(session)


async def run_prompt(
    conversation: Any,
    text: str,
    json_output: bool,
    *,
    show_thinking: bool,
    on_error: Callable[[Any], None] | None = None,
) -> int:
    """One turn to stdout; diagnostics to stderr; the exit code of the failure, if any."""
    from solcoder.agent.events import TurnFinished
    from solcoder.errors import Cancelled, SolcoderError
    from solcoder.llm.providers.base import closing

    sink = make_sink(json_output, show_thinking)
    finished = "done"
    try:
        async with closing(conversation.run_turn(text)) as events:
            async for event in events:
                sink.handle(event)
                if isinstance(event, TurnFinished):
                    finished = event.reason
    except SolcoderError as error:
        if on_error is not None:
            on_error(error)
        sink.error(error)
        return error.exit_code
    except BrokenPipeError:
        # The reader went away (`solcoder -p … | head`): the turn is closed above, in order.
        _silence_stdout()
        return 0
    except asyncio.CancelledError:
        # Ctrl-C: the conversation kept the prompt and whatever streamed.
        cancelled = Cancelled("Interrupted; the partial reply is kept.")
        if on_error is not None:
            on_error(cancelled)
        sink.error(cancelled)
        return cancelled.exit_code
    finally:
        await conversation.orchestrator.provider.aclose()
        sink.close()
    # The model kept sending unusable tool calls: its output was malformed (exit 6).
    return 6 if finished == "repair_limit" else 0


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
