"""The approval policy: whether a tool call runs, is refused, or needs someone to say yes.

Pure (no I/O, no clocks) so the precedence can be property-tested. Inputs are the call's tool
name, the effect the tool declared and its origin, the `[approval]` rules of the config, the
"always" grants given in this session and the `--approve` patterns of the command line.

Precedence, first match wins (docs/approval.md):

1. The config rule that matches the name most specifically: `deny` refuses, and nothing
   (not `--approve-all`, not a grant) overrides it. Specificity: an exact name beats any
   pattern; then more literal characters beat fewer (`git__st*` beats `git__*` beats `*`);
   between equally specific rules of different lists, deny beats ask beats allow.
2. An "always" grant from this session's user: runs.
3. That config rule being `allow`: runs.
4. Without a rule (or with `ask`), a read-only built-in runs; `ask` and everything else
   (MCP tools, "unknown" effects, any side effect) needs approval, and
5. `--approve PATTERN` / `--approve-all` give it, and so does `--approve-edits`
   (`tools.approve_edits`) for SolCoder's own file edits; otherwise the user is asked, or,
   with no one to ask (`-p`), the call is declined.

A read of a secret (`reads_secrets`, assessed per call) is the exception to 2-5: only the
user's yes for that very call, an exact `--approve` of the tool, or `--approve-all` read it;
no grant, glob or allow rule does. So is a change to SolCoder's project settings
(`writes_settings`: a file under `.solcoder/`, where hooks and approval rules live): it is
asked for each time, whatever `--approve-edits` or an earlier "always" said.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Final, Literal

from solcoder.records import shared_methods
from solcoder.tools.effects import BUILTIN_ORIGIN, describe, runs_unasked

Action = Literal["allow", "deny", "ask"]
Decision = Literal["allow", "deny", "always"]
"""What happened to a call, as recorded in the transcript and the `approval` JSON event."""
DecidedBy = Literal["user", "config", "flag", "policy"]
Answer = Literal["yes", "no", "always"]
RuleList = Literal["allow", "ask", "deny"]

DECLINED: Final = "Declined by the user."
"""The error result the model gets for a call that was not approved (the tools contract)."""

ASKED_EACH_TIME: Final = frozenset({"reads_secrets", "writes_settings"})
"""Effects only a yes for that very call (or an exact `--approve`) lets through."""
_STRENGTH: Final[dict[RuleList, int]] = {"allow": 0, "ask": 1, "deny": 2}
_WILDCARDS: Final = frozenset("*?[]!")


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ApprovalRules:
    """The `[approval]` section: glob patterns over tool names."""

    allow: tuple[str, ...] = ()
    ask: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CommandLineApprovals:
    """`--approve PATTERN` (repeatable) and `--approve-all`."""

    patterns: tuple[str, ...] = ()
    everything: bool = False
    edits: bool = False
    """`--approve-edits` (or `tools.approve_edits`): SolCoder's own file edits run unasked."""

    def cover(self, name: str) -> bool:
        return self.everything or any(fnmatch.fnmatchcase(name, p) for p in self.patterns)

    def cover_exactly(self, name: str) -> bool:
        """Named by `--approve NAME` itself, or `--approve-all` (no glob)."""
        return self.everything or name in self.patterns


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Verdict:
    """What the policy says; `rule` is the config pattern that decided, if one did."""

    action: Action
    by: DecidedBy
    rule: str | None = None


def specificity(pattern: str) -> tuple[int, int]:
    """How precisely a pattern names tools: (exact name?, literal characters)."""
    literal = sum(1 for character in pattern if character not in _WILDCARDS)
    return (0 if _WILDCARDS.intersection(pattern) else 1, literal)


def matching_rule(name: str, rules: ApprovalRules) -> tuple[RuleList, str] | None:
    """The config rule that decides for `name`: the most specific matching pattern, deny over
    ask over allow when equally specific; None when no pattern matches."""
    best: tuple[tuple[int, int], int, RuleList, str] | None = None
    lists: tuple[tuple[RuleList, tuple[str, ...]], ...] = (
        ("allow", rules.allow),
        ("ask", rules.ask),
        ("deny", rules.deny),
    )
    for kind, patterns in lists:
        for pattern in patterns:
            if fnmatch.fnmatchcase(name, pattern):
                candidate = (specificity(pattern), _STRENGTH[kind], kind, pattern)
                if best is None or candidate[:2] > best[:2]:
                    best = candidate
    return None if best is None else (best[2], best[3])


def decide(
    name: str,
    effect: str,
    origin: str,
    *,
    rules: ApprovalRules = ApprovalRules(),
    granted: Collection[str] = (),
    approvals: CommandLineApprovals = CommandLineApprovals(),
) -> Verdict:
    """The verdict for one call (the module docstring gives the precedence)."""
    rule = matching_rule(name, rules)
    if rule is not None and rule[0] == "deny":
        return Verdict("deny", "config", rule[1])
    if effect in ASKED_EACH_TIME:
        if approvals.cover_exactly(name):
            return Verdict("allow", "flag")
        return Verdict("ask", "policy")
    if name in granted:
        return Verdict("allow", "user")
    if rule is not None and rule[0] == "allow":
        return Verdict("allow", "config", rule[1])
    if rule is None and runs_unasked(effect, origin):
        return Verdict("allow", "policy")
    if approvals.cover(name) or (approvals.edits and is_own_edit(effect, origin)):
        return Verdict("allow", "flag")
    return Verdict(
        "ask", "config" if rule is not None else "policy", None if rule is None else rule[1]
    )


_SEVERITY: Final[dict[Action, int]] = {"allow": 0, "ask": 1, "deny": 2}


def stricter(first: Verdict, second: Verdict) -> Verdict:
    """The verdict that lets less happen (deny over ask over allow); `first` on a tie."""
    return second if _SEVERITY[second.action] > _SEVERITY[first.action] else first


def is_own_edit(effect: str, origin: str) -> bool:
    """A file change by SolCoder's own workspace tools (inside the workspace by construction):
    what `--approve-edits` and an "always" for edits cover."""
    return effect == "writes_files" and origin == BUILTIN_ORIGIN


def grants_for(name: str, effect: str, origin: str, edit_tools: Collection[str]) -> set[str]:
    """What an "always" answer grants for the rest of the session: the tool itself; for an
    edit, every edit tool (the user said "always for edits"); for a secret, nothing (each
    secret is asked for on its own)."""
    if effect in ASKED_EACH_TIME:
        return set()
    if is_own_edit(effect, origin):
        return {name, *edit_tools}
    return {name}


_DECISIONS: Final[dict[Answer, Decision]] = {"yes": "allow", "no": "deny", "always": "always"}


def decision_of(answer: Answer) -> Decision:
    """The recorded decision for the user's answer."""
    return _DECISIONS[answer]


def declined_line(names: Iterable[str], *, refused_by_config: Iterable[str] = ()) -> str:
    """The one stderr line of a headless run that declined calls: what, and how to allow."""
    asked = list(dict.fromkeys(names))
    refused = list(dict.fromkeys(refused_by_config))
    parts: list[str] = []
    if asked:
        shown = ", ".join(asked)
        flags = " ".join(f"--approve {name}" for name in asked)
        parts.append(
            f"Declined {shown}: it needs approval and nobody was asked (-p). To allow it, run "
            f"with {flags} (or --approve-all), or add it to approval.allow in your config "
            f"(solcoder config set approval.allow {','.join(asked)})."
        )
    if refused:
        parts.append(f"Refused {', '.join(refused)}: approval.deny in your config lists it.")
    return " ".join(parts)


def question(name: str, effect: str, origin: str) -> str:
    """How the REPL introduces a call that needs approval."""
    source = "" if origin == "solcoder" else f" from {origin}"
    return f"Run {name}{source}? It {describe(effect)}."
