"""Tells the user when SOLCODER_HOME is open to other users, with the fix, once per process.

Credential files that others can read are refused with `chmod 600`; the home holding them,
the transcripts and telemetry is at least reported. Commands that write make it 0700 (see
`fsutil.ensure_private_dir`) and say they did; commands that only read change nothing and say
what to run, so a read-only or shared home is never modified behind the user's back.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from solcoder.cli.output import print_notice
from solcoder.fsutil import exposed_directory_mode

_reported: set[Path] = set()


def report_exposed_home(home: Path) -> int | None:
    """Warn (once) that `home` is open to others and how to fix it; returns its mode."""
    mode = exposed_directory_mode(home)
    if mode is None or home in _reported:
        return mode
    _reported.add(home)
    print_notice(
        f"Warning: SOLCODER_HOME {home} is accessible by other users (mode {mode:04o}); it "
        f"holds your sessions and telemetry. Run: chmod 700 {shlex.quote(str(home))}"
    )
    return mode


def report_tightened_home(home: Path, previous_mode: int | None) -> None:
    """After `ensure_home` made `home` 0700: say what it was (once)."""
    if previous_mode is None or home in _reported:
        return
    _reported.add(home)
    print_notice(
        f"Warning: SOLCODER_HOME {home} was accessible by other users (mode "
        f"{previous_mode:04o}); SolCoder made it 0700 (chmod 700 {shlex.quote(str(home))})."
    )
