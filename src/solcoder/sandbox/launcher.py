"""(argv, policy) → the launch plan `run_command` executes: what to exec, with which
environment, inside which sandbox.

One function decides, so the tool that runs commands never branches on the platform: the
plan says which sandbox wraps the command (`bubblewrap` on Linux, `seatbelt` on macOS) or that
none does (`none`). `none` with the sandbox on means no sandbox could start here; the plan's
`note` says how to get one, and the caller asks the user before every command instead of
running it unconfined silently. With the sandbox `off` (the user's choice) the command runs as
given. The environment is scrubbed of secrets in every case (`environment.py`).

A plan owns a private temporary directory (`tmp`, the command's TMPDIR, 0700 under the
system's temporary directory): the caller runs the command, then calls `cleanup()`.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from solcoder.records import shared_methods
from solcoder.sandbox import bwrap, seatbelt
from solcoder.sandbox.environment import scrubbed_environment
from solcoder.sandbox.policy import SandboxPolicy, denied_paths

__all__ = ["LaunchPlan", "SandboxKind", "describe", "plan_launch", "sandbox_kind"]

SandboxKind = Literal["bubblewrap", "seatbelt", "none"]

SEATBELT_HINT = "macOS's /usr/bin/sandbox-exec is missing or not executable"


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class LaunchPlan:
    argv: tuple[str, ...]
    """What to execute (the sandbox's own command line, the command at its end)."""
    env: Mapping[str, str] = field(repr=False)
    """The whole environment of the child (scrubbed): pass it as is, do not merge."""
    sandbox: SandboxKind
    tmp: Path | None
    """The private temporary directory the plan created (None without a sandbox)."""
    note: str | None = None
    """Why the command is not sandboxed although the policy asks for it, with the next step."""
    cwd: Path | None = None
    """Where to start the child (the sandbox has changed directory itself; still pass it)."""

    def cleanup(self) -> None:
        """Remove the private temporary directory (after the command has finished)."""
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)


def sandbox_kind() -> tuple[SandboxKind, str | None]:
    """The sandbox this machine offers, and when none, why not and how to get one."""
    if sys.platform == "darwin":
        if seatbelt.available() is not None:
            return "seatbelt", None
        return "none", f"No sandbox is available: {SEATBELT_HINT}."
    if sys.platform.startswith("linux"):
        if bwrap.available() is not None:
            return "bubblewrap", None
        return "none", f"No sandbox is available: {bwrap.unavailable_reason()}."
    return "none", f"No sandbox is available on {sys.platform}; SolCoder has none for it yet."


def plan_launch(
    argv: Sequence[str],
    policy: SandboxPolicy,
    *,
    cwd: Path,
    environ: Mapping[str, str],
    extra_secret_names: Iterable[str] = (),
) -> LaunchPlan:
    """How to run `argv` in `cwd` under `policy` (module docstring). `environ` is the parent
    environment to start from; `extra_secret_names` adds key variables of configured providers."""
    if not argv:
        raise ValueError("plan_launch needs a command (argv is empty)")
    env = scrubbed_environment(environ, extra_secret_names=extra_secret_names)
    if policy.mode == "off":
        return LaunchPlan(tuple(argv), env, "none", None, None, cwd)
    kind, note = sandbox_kind()
    if kind == "none":
        return LaunchPlan(tuple(argv), env, "none", None, note, cwd)
    tmp = Path(tempfile.mkdtemp(prefix="solcoder-sandbox-"))
    try:
        denied = denied_paths(policy)
        if kind == "bubblewrap":
            executable = bwrap.available() or "bwrap"
            command = bwrap.bwrap_argv(
                policy, argv, cwd=cwd, tmp=tmp, executable=executable, denied=denied
            )
            env["TMPDIR"] = bwrap.PRIVATE_TMP
        else:
            command = seatbelt.seatbelt_argv(policy, argv, tmp=tmp, denied=denied)
            env["TMPDIR"] = str(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return LaunchPlan(tuple(command), env, kind, tmp, None, cwd)


def describe(policy: SandboxPolicy, sandbox: SandboxKind) -> str:
    """One line for /status: "bubblewrap · workspace-write · network off"."""
    if policy.mode == "off":
        return "sandbox off · commands run unconfined"
    network = "network on" if policy.network else "network off"
    if sandbox == "none":
        return f"no sandbox available · {policy.mode} asked · every command needs approval"
    return f"{sandbox} · {policy.mode} · {network}"
