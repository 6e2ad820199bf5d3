"""The session's hooks behind the agent's `HookPoints`: which run for an event, in what order,
with what input, and what their answers add up to.

Hooks of one event run one after another in config order (the user's, then the project's);
the first that denies ends the event (later guards need not run). A project hook not yet
trusted is skipped and reported as such: skipping it cannot loosen anything, since no hook can
allow what the approval rules would ask about. After `post_tool_use` hooks, a file the call
changed and a hook changed again (a formatter) is recorded as the turn's new "after" state, so
`/undo` restores the file from before the call without calling the formatter's work a
conflict, and the model is told to read the file again before editing it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from solcoder.hooks.model import NOTHING, HookOutcome, HookReport, cut

if TYPE_CHECKING:
    from solcoder.config.hook_tables import HookEntry

MAX_RESULT_CHARS: Final = 32_000
"""How much of a tool result a `post_tool_use` hook gets (the rest is cut, and says so)."""


class HookRunner:
    """Implements `agent.hook_points.HookPoints` for the configured hooks."""

    def __init__(
        self,
        hooks: Sequence[HookEntry],
        *,
        workspace: Path,
        session_id: str = "",
        trusted: Iterable[str] = (),
        environ: Mapping[str, str] | None = None,
        extra_secret_names: Iterable[str] = (),
        after_changes: Callable[[Sequence[str]], None] | None = None,
    ) -> None:
        self.hooks = tuple(hooks)
        self.workspace = workspace
        self.session_id = session_id
        self._trusted = {h.digest() for h in self.hooks if h.source == "user"} | set(trusted)
        self._environ = dict(os.environ if environ is None else environ)
        self._extra_secret_names = tuple(extra_secret_names)
        self._env: dict[str, str] | None = None
        self.after_changes = after_changes
        """Records files a hook changed after a tool did (the checkpoint's "after")."""

    # -- what is in force ----------------------------------------------------------------------

    def is_trusted(self, hook: HookEntry) -> bool:
        return hook.digest() in self._trusted

    def untrusted(self) -> list[HookEntry]:
        return [hook for hook in self.hooks if not self.is_trusted(hook)]

    def mark_trusted(self, hooks: Iterable[HookEntry]) -> None:
        self._trusted |= {hook.digest() for hook in hooks}

    def listing(self) -> list[dict[str, Any]]:
        """The hooks as the `--json` session event lists them."""
        return [
            {
                "event": hook.event,
                "matcher": list(hook.matcher),
                "command": hook.shown_command(),
                "source": hook.source,
                "trusted": self.is_trusted(hook),
                "timeout_s": hook.timeout_s,
            }
            for hook in self.hooks
        ]

    # -- HookPoints ----------------------------------------------------------------------------

    async def session_start(self) -> HookOutcome:
        return await self._run("session_start", {})

    async def user_prompt(self, prompt: str) -> HookOutcome:
        return await self._run("user_prompt", {"prompt": prompt})

    async def pre_tool_use(self, tool: str, arguments: Mapping[str, Any]) -> HookOutcome:
        return await self._run("pre_tool_use", {}, tool, arguments)

    async def post_tool_use(
        self,
        tool: str,
        arguments: Mapping[str, Any],
        result: str,
        *,
        is_error: bool,
        changed: Sequence[str] = (),
    ) -> HookOutcome:
        if not any(hook.event == "post_tool_use" for hook in self.hooks):
            return NOTHING
        shown = result if len(result) <= MAX_RESULT_CHARS else result[:MAX_RESULT_CHARS]
        payload = {
            "result": shown,
            "result_truncated": len(result) > MAX_RESULT_CHARS,
            "is_error": is_error,
            "changed_files": list(changed),
        }
        before = self._fingerprints(changed)
        outcome = await self._run("post_tool_use", payload, tool, arguments)
        rewritten = [path for path in changed if self._fingerprint(path) != before[path]]
        if not rewritten:
            return outcome
        if self.after_changes is not None:
            self.after_changes(rewritten)
        shown_paths = ", ".join(f"`{path}`" for path in rewritten)
        note = (
            f"A post_tool_use hook changed {shown_paths} after this call; read it again "
            "before editing it."
        )
        context = f"{outcome.context}\n{note}" if outcome.context else note
        return HookOutcome(outcome.denied, context, outcome.reports)

    async def stop(self, reason: str) -> HookOutcome:
        return await self._run("stop", {"reason": reason})

    # -- running -------------------------------------------------------------------------------

    async def _run(
        self,
        event: str,
        extra: dict[str, Any],
        tool: str | None = None,
        arguments: Mapping[str, Any] | None = None,
    ) -> HookOutcome:
        from solcoder.hooks.matching import matches

        chosen = [
            hook
            for hook in self.hooks
            if hook.event == event and matches(hook.matcher, tool, arguments)
        ]
        if not chosen:
            return NOTHING
        from solcoder.hooks.decisions import FAIL_CLOSED_EVENTS, decide
        from solcoder.hooks.process import run_hook

        stdin = self._stdin(event, extra, tool, arguments)
        reports: list[HookReport] = []
        contexts: list[str] = []
        for hook in chosen:
            if not self.is_trusted(hook):
                reports.append(HookReport(event, hook.label(), hook.source, "skipped", tool=tool))
                continue
            finished = await run_hook(
                hook.command,
                stdin,
                cwd=self.workspace,
                env=self._environment(event, tool),
                timeout_s=hook.timeout_s,
            )
            decision = decide(
                event,
                finished.exit_code,
                finished.stdout,
                finished.stderr,
                timed_out=finished.timed_out,
                timeout_s=hook.timeout_s,
                start_error=finished.start_error,
            )
            reason = _redacted(decision.reason or decision.context)
            reports.append(
                HookReport(
                    event,
                    hook.label(),
                    hook.source,
                    decision.outcome,
                    reason,
                    tool,
                    finished.exit_code,
                    finished.duration_s * 1000,
                    finished.timed_out,
                )
            )
            if decision.context:
                contexts.append(_redacted(decision.context))
            failed_closed = decision.outcome == "failed" and event in FAIL_CLOSED_EVENTS
            if decision.blocks or failed_closed:
                denied = f"{hook.label()}: {_redacted(decision.reason)}"
                return HookOutcome(denied, _joined(contexts), tuple(reports))
        return HookOutcome(None, _joined(contexts), tuple(reports))

    def _stdin(
        self,
        event: str,
        extra: dict[str, Any],
        tool: str | None,
        arguments: Mapping[str, Any] | None,
    ) -> bytes:
        """The one JSON object every hook of `event` reads (secrets masked, like the screen)."""
        from solcoder.redact import default_redactor

        payload: dict[str, Any] = {
            "event": event,
            "session_id": self.session_id,
            "workspace": str(self.workspace),
            "cwd": str(self.workspace),
        }
        if tool is not None:
            payload["tool"] = tool
            payload["arguments"] = dict(arguments or {})
        payload.update(extra)
        # The names Claude Code's and Codex's hooks read, so their scripts work unchanged.
        payload["hook_event_name"] = event
        if tool is not None:
            payload["tool_name"], payload["tool_input"] = tool, payload["arguments"]
        masked = default_redactor().redact_data(payload)
        return (json.dumps(masked, ensure_ascii=False) + "\n").encode("utf-8")

    def _environment(self, event: str, tool: str | None) -> dict[str, str]:
        if self._env is None:
            from solcoder.sandbox.environment import scrubbed_environment

            self._env = scrubbed_environment(
                self._environ, extra_secret_names=self._extra_secret_names
            )
        return {
            **self._env,
            "SOLCODER_HOOK_EVENT": event,
            "SOLCODER_HOOK_TOOL": tool or "",
            "SOLCODER_SESSION_ID": self.session_id,
            "SOLCODER_WORKSPACE": str(self.workspace),
        }

    def _fingerprints(self, paths: Sequence[str]) -> dict[str, str | None]:
        return {path: self._fingerprint(path) for path in paths}

    def _fingerprint(self, relative: str) -> str | None:
        try:
            return hashlib.sha256((self.workspace / relative).read_bytes()).hexdigest()
        except OSError:
            return None


def _joined(contexts: list[str]) -> str | None:
    return cut("\n".join(contexts), 8000) if contexts else None


def _redacted(text: str) -> str:
    from solcoder.redact import redact

    return redact(text)
