"""The `solcoder` entry point: the one place failures become exit codes.

Start-up is a feature. `--version` is answered before anything loads; a one-shot run with
the common flags (`solcoder -p TEXT --json --offline-mode …`) is parsed by `cli/oneshot.py`
without building click's command tree, and ends with `cli/prompt_exit.py` once everything
it wrote is flushed and closed. Every other command line (subcommands, `--help`, unknown
flags, bad values) goes to click in `cli/root.py`, with the same results either way.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from solcoder import __version__

if TYPE_CHECKING:
    from solcoder.errors import SolcoderError


def __getattr__(name: str) -> Any:
    """`solcoder.cli.main.cli`, the click group, loaded when asked for (tests, plugins)."""
    if name == "cli":
        from solcoder.cli.root import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _fail(error: SolcoderError, *, json_output: bool) -> NoReturn:
    """One redacted message (and, with --json, an `error` event on stdout); then exit."""
    from solcoder.cli.output import print_error

    print_error(error.display_message, error.hint)
    if json_output:
        import json

        from solcoder.ui.render import error_record

        sys.stdout.write(json.dumps(error_record(error)) + "\n")
        sys.stdout.flush()
    sys.exit(error.exit_code)


def _start_debug_log() -> None:
    """--debug: log everything (redacted) to SOLCODER_HOME/logs/debug.log, 0600."""
    import logging
    from pathlib import Path

    from solcoder.fsutil import ensure_private_dir

    home = Path(os.environ.get("SOLCODER_HOME") or Path.home() / ".solcoder").expanduser()
    try:
        directory = ensure_private_dir(home / "logs")
        path = directory / "debug.log"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except Exception:  # a debug log must never stop the program
        return
    from solcoder.terminal import EvidenceFormatter

    handler = logging.StreamHandler(os.fdopen(descriptor, "a", encoding="utf-8"))
    handler.setFormatter(EvidenceFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    from solcoder.redact import install_log_redaction

    install_log_redaction()
    sys.stderr.write(f"Debug log: {path}\n")


def _print_traceback() -> None:
    """--debug: the traceback of the failure in hand, made terminal-safe and redacted (the
    message may quote a server or a config file; the interpreter's own printer would not)."""
    import traceback

    from solcoder.terminal import safe

    sys.stderr.write(safe(traceback.format_exc()))
    sys.stderr.flush()


def _not_utf8(args: Sequence[str]) -> SolcoderError | None:
    """A UsageError for the first argument that is not UTF-8 (its bytes reach Python as lone
    surrogates, which no file, terminal or transcript can take), or None."""
    for position, arg in enumerate(args, start=1):
        bad = next((char for char in arg if 0xDC80 <= ord(char) <= 0xDCFF), None)
        if bad is not None:
            from solcoder.errors import UsageError

            return UsageError(
                f"Argument {position} is not UTF-8 text (it holds the byte "
                f"0x{ord(bad) - 0xDC00:02X}).",
                hint="Pass UTF-8 text: check the encoding of your terminal or script.",
            )
    return None


def _run(args: list[str], options: dict[str, Any] | None, json_output: bool) -> int:
    """The one-shot run when `options` were parsed without click, else click's."""

    def fail(error: SolcoderError) -> NoReturn:
        _fail(error, json_output=json_output)

    if options is None:
        from solcoder.cli.root import run_click

        return run_click(args, json_output=json_output, fail=fail)
    from solcoder.cli.run import run_root

    try:
        return run_root(options)
    except (EOFError, KeyboardInterrupt):
        sys.stderr.write("\n")  # as click does, so both paths end the line the same way
        raise KeyboardInterrupt from None
    except OSError as error:
        import errno

        if error.errno != errno.EPIPE:
            raise
        # As click does (its exit code included): the reader went away mid-write.
        from solcoder.cli.prompt_exit import silence_stdout

        silence_stdout()
        return 1


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI and turn every failure into a message and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        sys.stdout.write(f"solcoder, version {__version__}\n")
        return
    debug = "--debug" in args or os.environ.get("SOLCODER_DEBUG") == "1"
    json_output = "--json" in args
    if debug:
        _start_debug_log()
    from solcoder.errors import Cancelled, SolcoderError

    undecodable = _not_utf8(args)
    if undecodable is not None:
        _fail(undecodable, json_output=json_output)
    from solcoder.cli.oneshot import parse_one_shot

    options = parse_one_shot(args, os.environ)
    try:
        code = _run(args, options, json_output)
    except KeyboardInterrupt:
        _fail(Cancelled("Interrupted."), json_output=json_output)
    except BrokenPipeError:
        # The reader went away (`solcoder -p … | head`): nothing left to say to anyone.
        from solcoder.cli.prompt_exit import silence_stdout

        silence_stdout()
        sys.exit(0)
    except SolcoderError as error:
        if debug:
            _print_traceback()
        _fail(error, json_output=json_output)
    except Exception as error:
        if debug:
            _print_traceback()
        import logging

        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        _fail(
            SolcoderError(
                f"Unexpected error ({type(error).__name__}: {error}). This is a bug in SolCoder.",
                hint="Run again with --debug for the traceback, and please report it.",
            ),
            json_output=json_output,
        )
    if options is not None:
        from solcoder.cli.prompt_exit import exit_promptly

        exit_promptly(code)
    sys.exit(code)


if __name__ == "__main__":
    main()
