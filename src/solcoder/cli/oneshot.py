"""The one-shot path's command line: `solcoder -p TEXT` and its common flags, without click.

Building click's command tree costs more than an offline turn itself (click, its types and
the 25 options of the root command), so the entry point first tries this small parser. It
accepts only what it can answer exactly as click would: a prompt (`-p TEXT`, `-pTEXT`,
`--prompt TEXT`, `--prompt=TEXT`), on/off flags, plain text values and choices with a valid
value. Anything else (no prompt, a subcommand, `--help`, `--version`, `--`, a flag click
would check or convert such as `--timeout` or `--workspace`, an unknown option, a bad
choice, a missing value, shell completion) returns None and click parses the whole command
line, so its messages and exit codes stay the only ones. `tests/unit/test_oneshot_args.py`
compares both parsers over a table of command lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from solcoder.llm.messages import REASONING_LEVELS
from solcoder.llm.wire.names import WIRE_APIS

# Every option of the root command (cli/root.py) with click's value when it is not given.
DEFAULTS: dict[str, object] = {
    "prompt": None,
    "json_output": False,
    "dry_run_llm": False,
    "llm_provider": None,
    "llm_base_url": None,
    "llm_model": None,
    "llm_api_key": None,
    "llm_api": None,
    "reasoning": None,
    "offline_mode": None,
    "offline_fallback": None,
    "timeout": None,
    "max_retries": None,
    "max_turns": None,
    "max_steps": None,
    "approve": (),
    "approve_all": False,
    "approve_edits": None,
    "sandbox": None,
    "network": None,
    "workspace": None,
    "project_instructions": None,
    "session_id": None,
    "new_session": False,
    "debug": False,
}

_FLAGS: dict[str, tuple[str, bool]] = {
    "--json": ("json_output", True),
    "--dry-run-llm": ("dry_run_llm", True),
    "--offline-mode": ("offline_mode", True),
    "--no-offline-mode": ("offline_mode", False),
    "--offline-fallback": ("offline_fallback", True),
    "--no-offline-fallback": ("offline_fallback", False),
    "--approve-all": ("approve_all", True),
    "--approve-edits": ("approve_edits", True),
    "--network": ("network", True),
    "--no-network": ("network", False),
    "--project-instructions": ("project_instructions", True),
    "--no-project-instructions": ("project_instructions", False),
    "--new-session": ("new_session", True),
    "--debug": ("debug", True),
}
"""On/off flags: the option each sets, and to what."""

_VALUES: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "--prompt": ("prompt", None),
    "--llm-provider": ("llm_provider", None),
    "--llm-base-url": ("llm_base_url", None),
    "--llm-model": ("llm_model", None),
    "--llm-api-key": ("llm_api_key", None),
    "--session": ("session_id", None),
    "--llm-api": ("llm_api", tuple(WIRE_APIS)),
    "--reasoning": ("reasoning", REASONING_LEVELS),
    "--sandbox": ("sandbox", ("workspace-write", "read-only", "off")),
}
"""Options with a text value: the option it sets, and its choices (None: any text). The
choices are the project's own constants where the turn loads their module anyway
(`llm.messages`); the sandbox modes are spelled out because `sandbox.policy` is not on the
offline one-shot path."""

COMPLETION_VARIABLE = "_SOLCODER_COMPLETE"
"""Set by a shell asking click for completions: click answers those."""


def parse_one_shot(args: Sequence[str], environ: Mapping[str, str]) -> dict[str, object] | None:
    """The options click would pass to the root command for `args`, when they are a one-shot
    run this parser answers exactly; None when click must parse them."""
    if COMPLETION_VARIABLE in environ:
        return None
    options = dict(DEFAULTS)
    position = 0
    while position < len(args):
        arg = args[position]
        position += 1
        if arg.startswith("-p"):  # `-p TEXT` or `-pTEXT`: the value is taken as it is
            if len(arg) > 2:
                options["prompt"] = arg[2:]
                continue
            if position == len(args):
                return None  # click says the value is missing
            options["prompt"] = args[position]
            position += 1
            continue
        if arg in _FLAGS:
            name, value = _FLAGS[arg]
            options[name] = value
            continue
        flag, equals, inline = arg.partition("=")
        if flag not in _VALUES:
            return None  # a positional argument, `--`, `-h`, `--help`, an option click checks
        name, choices = _VALUES[flag]
        if not equals:
            if position == len(args):
                return None
            inline = args[position]
            position += 1
        if choices is not None and inline not in choices:
            return None  # click's message lists the choices
        options[name] = inline
    if options["prompt"] is None:
        return None  # the REPL, a piped prompt or a usage error: click decides
    return options
