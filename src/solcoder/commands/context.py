"""One session's way of running commands: where (the workspace, a cwd inside it), how (the
sandbox policy and the scrubbed environment), for how long (the timeout), and what it leaves
(checkpoints for the files a command changed, background processes to stop at exit).

Every command the agent runs goes through `CommandContext.run`: the command line is planned
into the sandbox (`sandbox/launcher.py`), the workspace is snapshotted before it and the
changes recorded after it (`workspace/command_checkpoint.py`, so `/undo` reverts `cargo fmt`
too), its output streams live (`shell/live.py`) and is kept bounded (`shell/run.py`), and
Ctrl-C stops the command, not the turn.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from solcoder.loopless import need_loop
from solcoder.workspace.refusal import Refused

if TYPE_CHECKING:
    import asyncio

    from solcoder.sandbox.launcher import LaunchPlan
    from solcoder.sandbox.policy import SandboxMode, SandboxPolicy
    from solcoder.shell.background import ProcessManager
    from solcoder.shell.run import CommandResult
    from solcoder.workspace.changes import FileChange
    from solcoder.workspace.command_checkpoint import CommandCheckpoint
    from solcoder.workspace.session import WorkspaceSession

SHELL = ("bash", "-c")
"""How a command line runs (the model writes bash; `sh` is used when bash is missing)."""
MAX_DIFF_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class CommandSettings:
    """`tools.sandbox`, `tools.network`, `tools.command_timeout`, `tools.max_command_timeout`."""

    sandbox: SandboxMode = "workspace-write"
    network: bool = False
    timeout_s: float = 120.0
    max_timeout_s: float = 600.0
    extra_secret_names: tuple[str, ...] = ()
    """Key variables of providers from the user's config: never in a command's environment."""


@dataclass(frozen=True, slots=True)
class Ran:
    """A finished command: its result, the files it changed, and notes for the model."""

    result: CommandResult
    sandbox: str
    changes: tuple[FileChange, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class CommandContext:
    """How the agent's commands run: workspace, sandbox, background processes."""

    workspace: WorkspaceSession
    settings: CommandSettings = field(default_factory=CommandSettings)
    solcoder_home: Path = field(default_factory=lambda: Path.home() / ".solcoder")
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    _processes: ProcessManager | None = None
    _plans: dict[str, LaunchPlan] = field(default_factory=dict)
    _one_at_a_time: asyncio.Lock | None = None
    """Commands run one after another: each is checkpointed against the tree the one before
    left (the shadow index is one), and their changes are told apart."""

    # -- the sandbox ------------------------------------------------------------------------

    def policy(self) -> SandboxPolicy:
        from solcoder.sandbox.policy import SandboxPolicy, build_caches

        home = Path(self.environ.get("HOME") or Path.home())
        return SandboxPolicy(
            mode=self.settings.sandbox,
            workspace=self.workspace.root,
            network=self.settings.network,
            home=home,
            solcoder_home=self.solcoder_home,
            extra_writable=build_caches(home, self.environ),
        )

    def sandbox_kind(self) -> str:
        """ "bubblewrap", "seatbelt", or "none" (off, or nothing available here)."""
        if self.settings.sandbox == "off":
            return "none"
        from solcoder.sandbox.launcher import sandbox_kind

        return sandbox_kind()[0]

    @property
    def sandboxed(self) -> bool:
        return self.sandbox_kind() != "none"

    def describe(self) -> str:
        """One line for `/status` and the session event."""
        from solcoder.sandbox.launcher import describe, sandbox_kind

        kind = self.sandbox_kind()
        line = describe(self.policy(), kind)  # type: ignore[arg-type]
        if kind == "none" and self.settings.sandbox != "off":
            reason = sandbox_kind()[1]
            line += f" ({reason}; every command asks first)" if reason else ""
        return line

    def plan(self, command: str, cwd: Path) -> LaunchPlan:
        from solcoder.sandbox.launcher import plan_launch

        return plan_launch(
            [*_shell(), command],
            self.policy(),
            cwd=cwd,
            environ=self.environ,
            extra_secret_names=self.settings.extra_secret_names,
        )

    def cwd(self, given: str | None) -> Path:
        """`cwd` resolved inside the workspace (a directory), default its root."""
        target = self.workspace.resolve(given or ".")
        if not target.absolute.is_dir():
            raise Refused(f"`{target.relative}` is not a directory of the workspace.")
        return target.absolute

    def timeout(self, given: float | None) -> float:
        settings = self.settings
        return min(given or settings.timeout_s, settings.max_timeout_s)

    # -- foreground --------------------------------------------------------------------------

    async def run(
        self,
        command: str,
        *,
        cwd: Path,
        timeout_s: float,
        max_output_bytes: int = 64 * 1024,
        argv: Iterable[str] | None = None,
    ) -> Ran:
        """Run `command` (or `argv`, shown as `command`) in the sandbox, checkpointed, with
        live output; Ctrl-C stops it (the result says so) without cancelling the turn."""

        await need_loop()  # threads, a subprocess, a lock: all on the event loop
        import asyncio

        if self._one_at_a_time is None:
            self._one_at_a_time = asyncio.Lock()
        async with self._one_at_a_time:
            return await self._run(command, cwd, timeout_s, max_output_bytes, argv)

    async def _run(
        self,
        command: str,
        cwd: Path,
        timeout_s: float,
        max_output_bytes: int,
        argv: Iterable[str] | None,
    ) -> Ran:
        import asyncio

        from solcoder.shell.live import FOREGROUND, emit
        from solcoder.shell.run import cancelled_result, run_command

        plan = self.plan(command, cwd) if argv is None else self._plan_argv(list(argv), cwd)
        checkpoint = self._checkpoint()
        done = await asyncio.to_thread(checkpoint.__enter__)
        try:
            with FOREGROUND.running() as stopped:
                try:
                    result = await run_command(
                        plan.argv,
                        env=plan.env,
                        cwd=plan.cwd or cwd,
                        timeout_s=timeout_s,
                        on_output=emit,
                        max_output_bytes=max_output_bytes,
                    )
                except asyncio.CancelledError as error:
                    partial = cancelled_result(error)
                    task = asyncio.current_task()
                    if not stopped() or partial is None or task is None:
                        raise
                    task.uncancel()  # Ctrl-C was for the command: the turn goes on
                    result = partial
        finally:
            await asyncio.to_thread(checkpoint.__exit__, None, None, None)
            plan.cleanup()
        changes = self._file_changes(done)
        notes = tuple(done.notes) if done is not None else ()
        if plan.note:
            notes = (*notes, plan.note)
        return Ran(result, plan.sandbox, changes, notes)

    def _plan_argv(self, argv: list[str], cwd: Path) -> LaunchPlan:
        from solcoder.sandbox.launcher import plan_launch

        return plan_launch(
            argv,
            self.policy(),
            cwd=cwd,
            environ=self.environ,
            extra_secret_names=self.settings.extra_secret_names,
        )

    def _checkpoint(self) -> AbstractContextManager[CommandCheckpoint | None]:
        store = self.workspace.store()
        if store is None:
            return nullcontext(None)
        from solcoder.workspace.command_checkpoint import command_checkpoint
        from solcoder.workspace.snapshots import ShadowSnapshots

        directory = self.workspace.checkpoint_dir
        assert directory is not None  # a store has a directory
        shadow = ShadowSnapshots(directory / "shadow.git", self.workspace.root)
        return command_checkpoint(store, shadow, self.workspace.turn())

    def _file_changes(self, done: CommandCheckpoint | None) -> tuple[FileChange, ...]:
        if done is None:
            return ()
        changes = []
        for change in done.changes:
            path = self.workspace.root / change.path
            after: bytes | None = None
            if change.change != "deleted":
                try:
                    after = path.read_bytes()[:MAX_DIFF_BYTES] if path.is_file() else b""
                except OSError:
                    after = b""
            changes.append(self.workspace.preview(change.path, change.before, after))
            self.workspace.ledger.forget(change.path)  # the model must read it again
        return tuple(changes)

    # -- background --------------------------------------------------------------------------

    @property
    def processes(self) -> ProcessManager:
        if self._processes is None:
            from solcoder.shell.background import ProcessManager

            self._processes = ProcessManager()
        return self._processes

    def has_processes(self) -> bool:
        return self._processes is not None and bool(self._processes.list())

    def start(self, command: str, *, cwd: Path) -> str:
        """Start `command` in the background (sandboxed like any command); its id."""
        plan = self.plan(command, cwd)
        try:
            info = self.processes.start(
                plan.argv, env=plan.env, cwd=plan.cwd or cwd, command=command
            )
        except BaseException:
            plan.cleanup()
            raise
        self._plans[info.id] = plan
        return info.id

    def stop(self, ident: str) -> str:
        state = self.processes.stop(ident)
        plan = self._plans.pop(ident, None)
        if plan is not None:
            plan.cleanup()
        return state.describe()

    def stop_all(self) -> None:
        if self._processes is not None:
            self._processes.stop_all()
        for plan in self._plans.values():
            plan.cleanup()
        self._plans.clear()


def _shell() -> tuple[str, ...]:
    import shutil

    return SHELL if shutil.which("bash") else ("sh", "-c")
