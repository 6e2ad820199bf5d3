"""The approval of one shell command: what `run_command` (and the project tool) may run.

A rule over the tool name would allow every command or none, so the verdict for a command
looks at the command itself (`shell/commands.py` judges the text):

1. A `deny` for the tool (`deny = ["run_command"]`) refuses every command; a `deny` command
   pattern (`run_command:solana program deploy*`, the user's or the project's) refuses a
   command when ANY of its parts matches. Nothing overrides either.
2. Without a sandbox every command asks: nothing is allowed by a rule, a read-only list or an
   "always"; only the user's yes, `--approve run_command` (the exact name) or
   `--approve-all` run it, and `-p` declines the rest.
3. In the sandbox a command made only of built-in read-only commands (`ls`, `rg`, `git
   status`, …) runs unasked, unless an `ask` pattern of the user or the project names it.
4. A command every part of which is covered by the user's `allow` command patterns, the
   `--approve run_command:…` patterns or this session's "always" grants runs; so does any
   command when the tool itself is allowed (`allow = ["run_command"]`, `--approve
   run_command`, `--approve-all`).
5. Everything else asks.

Pure: inputs are the command text, the rules and grants, and whether a sandbox is in force.
"""

from __future__ import annotations

from collections.abc import Collection

from solcoder.agent.approval import (
    ApprovalRules,
    CommandLineApprovals,
    DecidedBy,
    Verdict,
    decide,
)


def decide_command(
    name: str,
    command: str,
    *,
    read_only: bool,
    sandboxed: bool,
    rules: ApprovalRules,
    project_rules: ApprovalRules,
    granted: Collection[str],
    command_grants: Collection[str],
    approvals: CommandLineApprovals,
) -> Verdict:
    """The verdict for running `command` through tool `name` (see the module docstring)."""
    from solcoder.shell.commands import command_allowed, command_patterns, matching_parts

    tool = decide(name, "runs_programs", "solcoder", rules=rules, approvals=approvals)
    if tool.action == "deny":
        return tool
    for source in (rules, project_rules):
        denied = matching_parts(command, command_patterns(source.deny))
        if denied:
            return Verdict("deny", "config", f"run_command:{denied[0]}")
    if not sandboxed:
        if approvals.cover_exactly(name):
            return Verdict("allow", "flag")
        return Verdict("ask", "policy")
    asked = [
        part
        for source in (rules, project_rules)
        for part in matching_parts(command, command_patterns(source.ask))
    ]
    if read_only and not asked:
        return Verdict("allow", "policy")
    allowed_by = command_patterns((*rules.allow, *approvals.patterns))
    if not asked and command_allowed(command, (*allowed_by, *command_grants)):
        by: DecidedBy = "user" if command_allowed(command, tuple(command_grants)) else "config"
        return Verdict("allow", by)
    if not asked and (name in granted or tool.action == "allow"):
        return Verdict("allow", tool.by, tool.rule)
    if asked:
        return Verdict("ask", "config", f"run_command:{asked[0]}")
    return Verdict("ask", "policy")
