"""What `solcoder` does without a subcommand: the REPL, one `-p` turn, or `--dry-run-llm`."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from solcoder.cli.output import print_notice


def load(options: dict[str, Any]) -> Any:
    """Settings from flags and the environment; creates SOLCODER_HOME on first run."""
    from solcoder.cli.build import flag_overrides
    from solcoder.config import ensure_home, load_settings

    settings = load_settings(overrides=flag_overrides(options))
    ensure_home(settings.home)
    for warning in settings.warnings:
        print_notice(f"Warning: {warning}")
    return settings


def run_root(options: dict[str, Any]) -> int:
    from solcoder.cli.build import build, open_session
    from solcoder.redact import install_log_redaction

    install_log_redaction()
    settings = load(options)
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
            announce_session(session, options["json_output"])
            return asyncio.run(
                run_prompt(
                    built.conversation,
                    options["prompt"],
                    options["json_output"],
                    show_thinking=settings.ui.show_thinking,
                )
            )
        from solcoder.cli.interactive import run_interactive

        return run_interactive(settings, built)
    finally:
        session.close()


def announce_session(session: Any, json_output: bool) -> None:
    """Every launch says which session it records into (stderr, or an event with --json)."""
    if json_output:
        import json

        sys.stdout.write(json.dumps({"type": "session", "id": session.id}) + "\n")
        sys.stdout.flush()
    else:
        print_notice(f"session {session.id}")


async def run_prompt(
    conversation: Any, text: str, json_output: bool, *, show_thinking: bool
) -> int:
    """One turn to stdout; diagnostics to stderr; the exit code of the failure, if any."""
    from solcoder.errors import SolcoderError

    sink = make_sink(json_output, show_thinking)
    try:
        async for event in conversation.run_turn(text):
            sink.handle(event)
    except SolcoderError as error:
        sink.error(error)
        return error.exit_code
    finally:
        await conversation.orchestrator.provider.aclose()
        sink.close()
    return 0


def make_sink(json_output: bool, show_thinking: bool, *, diagnostics_to_stderr: bool = True) -> Any:
    """JSON Lines, or text: the reply on stdout and (for -p) tool lines and notices on stderr."""
    from solcoder.ui.render import JsonLinesWriter, StreamRenderer

    if json_output:
        return JsonLinesWriter(sys.stdout)
    from rich.console import Console

    diagnostics = Console(file=sys.stderr) if diagnostics_to_stderr else None
    return StreamRenderer(
        Console(file=sys.stdout), show_thinking=show_thinking, diagnostics=diagnostics
    )
