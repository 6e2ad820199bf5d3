"""One review as `solcoder review` and `/review` run it: which paths, which changed lines, the
engine's report with the IDL's findings added, and the report as lines to show.

The engine (`solcoder.solana.review`) reviews source; this module owns what is the same for the
command line and the REPL: paths named by the user are resolved by the workspace rules (inside
the root, never a secret), `--diff` asks git which lines changed (`workspace.changed_lines`),
and findings are grouped by program, most severe first. Every string shown is outside text
(source, file names, messages quoting code): callers pass it through `solcoder.terminal.safe`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from solcoder.errors import UsageError

if TYPE_CHECKING:
    from solcoder.solana.review import Finding, Report, Severity

SEVERITY_STYLES: Mapping[str, str] = {
    "critical": "bold red",
    "high": "red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    paths: tuple[str, ...] = ()
    """As the user typed them (relative to `cwd`); empty: the whole workspace."""
    diff: bool = False
    ref: str | None = None
    """The revision `--diff` compares with (None: HEAD, staged changes included)."""


def parse_arguments(text: str) -> ReviewRequest:
    """`/review [PATH…] [--diff [REF]]` (also `--diff=REF`), split like a shell would."""
    import shlex

    try:
        words = shlex.split(text)
    except ValueError as error:
        raise UsageError(f"/review: {error}.", hint="/review [PATH…] [--diff [REF]]") from None
    paths: list[str] = []
    diff = False
    ref: str | None = None
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--diff":
            diff = True
            following = words[index + 1] if index + 1 < len(words) else None
            if following is not None and not following.startswith("-"):
                ref = following
                index += 1
        elif word.startswith("--diff="):
            diff, ref = True, word.removeprefix("--diff=") or None
        elif word.startswith("-"):
            raise UsageError(
                f"/review does not know {word!r}.", hint="/review [PATH…] [--diff [REF]]"
            )
        else:
            paths.append(word)
        index += 1
    return ReviewRequest(tuple(paths), diff, ref)


def run(root: Path, request: ReviewRequest, *, cwd: Path | None = None) -> Report:
    """Review `request.paths` (default: `root`) in the workspace at `root`."""
    from solcoder.solana.review import Report, review_paths

    cwd = cwd or Path.cwd()
    request = _path_not_revision(root, request, cwd)
    targets = resolve_paths(root, request.paths, cwd=cwd)
    changed = _changed(root, request) if request.diff else None
    report = review_paths(targets, root=root, changed=changed)
    extra, problems = _idl_findings(root, report, targets, changed)
    findings = sorted([*report.findings, *extra], key=_order)
    return Report(report.programs, tuple(findings), (*report.problems, *problems))


def _path_not_revision(root: Path, request: ReviewRequest, cwd: Path) -> ReviewRequest:
    """`--diff programs/` : the word after `--diff` is a path (it exists and names no
    revision), so it joins the paths and the diff is against HEAD."""
    from solcoder.workspace.changed_lines import is_revision

    ref = request.ref
    here = Path(os.path.realpath(cwd))
    base = here if here.is_relative_to(root) else root
    if ref is None or not (base / ref).exists() or is_revision(root, ref):
        return request
    return ReviewRequest((ref, *request.paths), request.diff, None)


def resolve_paths(root: Path, paths: Sequence[str], *, cwd: Path) -> list[Path]:
    """The absolute paths the user named, each checked by the workspace rules; UsageError for
    one outside the workspace, missing, or holding secrets."""
    from solcoder.workspace.paths import PathRefused, Workspace

    if not paths:
        return [root]
    rules = Workspace(root, solcoder_home=_home())
    # Relative to where the user is when that is inside the workspace; from elsewhere
    # (`--workspace DIR`), relative to the workspace root.
    here = Path(os.path.realpath(cwd))
    base = here if here.is_relative_to(rules.root) else rules.root
    resolved: list[Path] = []
    for given in paths:
        absolute = Path(given).expanduser()
        if not absolute.is_absolute():
            absolute = base / absolute
        try:
            target = rules.resolve(str(absolute))
        except PathRefused as error:
            raise UsageError(str(error), hint="Name files or folders of the workspace.") from None
        if not target.absolute.exists() and not target.absolute.is_symlink():
            raise UsageError(f"`{given}` does not exist.", hint=f"The workspace is {root}.")
        reason = rules.secret_reason(target)
        if reason is not None:
            raise UsageError(
                f"`{target.relative}` holds secrets ({reason}); the review never reads them.",
                hint="Review the program's source folders instead.",
            )
        resolved.append(target.absolute)
    return resolved


def _changed(root: Path, request: ReviewRequest) -> dict[str, frozenset[int]]:
    from solcoder.workspace.changed_lines import ChangedLinesError, changed_lines

    try:
        return changed_lines(root, request.ref)
    except ChangedLinesError as error:
        raise UsageError(str(error)) from None


def _home() -> Path:
    """SOLCODER_HOME as the settings would resolve it (its files are never reviewed)."""
    import os

    from solcoder.config.loader import resolve_home

    return resolve_home(None, os.environ, Path.cwd())


def _idl_findings(
    root: Path,
    report: Report,
    targets: Sequence[Path],
    changed: Mapping[str, frozenset[int]] | None,
) -> tuple[list[Finding], list[str]]:
    """What the built IDLs of the reviewed programs show (an instruction nobody signs). IDLs
    are looked for in the workspace root and in every Anchor workspace holding a reviewed
    program (`target/idl/`, `idls/`)."""
    from solcoder.solana.idl import idl_findings, load_idls
    from solcoder.solana.review import Finding

    whole = any(target == root for target in targets)
    names = {_key(program.name) for program in report.programs}
    found: list[Finding] = []
    problems: list[str] = []
    for base in _idl_bases(root, report):
        prefix = "" if base == root else f"{base.relative_to(root).as_posix()}/"
        idls, unreadable = load_idls(base)
        problems.extend(unreadable)
        for idl in idls:
            if not whole and _key(idl.name) not in names:
                continue
            for item in idl_findings(idl):
                path = prefix + item.path
                if changed is not None and item.line not in changed.get(path, frozenset()):
                    continue
                found.append(
                    Finding(item.klass, "medium", path, item.line, item.message, item.fix, idl.name)
                )
    return found, (problems if whole or names else [])


def _idl_bases(root: Path, report: Report) -> list[Path]:
    """The root, then each Anchor workspace (a folder with Anchor.toml) above a program."""
    bases = [root]
    for program in report.programs:
        directory = root / program.path
        for candidate in (directory, *directory.parents):
            if candidate == root or not candidate.is_relative_to(root):
                break
            if (candidate / "Anchor.toml").is_file():
                if candidate not in bases:
                    bases.append(candidate)
                break
    return bases


def _key(name: str) -> str:
    return name.replace("-", "_").lower()


def _order(finding: Finding) -> tuple[str, int, str, int]:
    from solcoder.solana.review import severity_rank

    return (
        finding.program or "\uffff",
        severity_rank(finding.severity),
        finding.path,
        finding.line,
    )


# -- showing a report ----------------------------------------------------------------------

Line = tuple[str, str | None]
"""(text, style or None): style names as rich understands them (`bold red`)."""


def report_lines(report: Report, *, diff: bool = False) -> list[Line]:
    """The report grouped by program (several programs may share a name: a finding belongs to
    the program holding its file), IDL-only and loose findings after, then problems and the
    summary."""
    lines: list[Line] = []
    owner = {path: index for index, p in enumerate(report.programs) for path in p.files}
    by_name = {p.name: index for index, p in enumerate(report.programs)}
    groups: dict[int | str | None, list[Finding]] = {}
    for finding in report.findings:
        key: int | str | None = owner.get(finding.path)
        if key is None and finding.program is not None:
            key = by_name.get(finding.program, finding.program)
        groups.setdefault(key, []).append(finding)
    for index, program in enumerate(report.programs):
        lines.extend(_group(f"{program.name} ({program.kind}, {program.path})", groups.get(index)))
    for key, items in groups.items():
        if isinstance(key, str):
            lines.extend(_group(f"{key} (from its IDL)", items))
    if None in groups:
        lines.extend(_group("Files outside any program", groups[None]))
    if report.problems:
        lines.append(("Not reviewed:", "bold yellow"))
        lines.extend((f"  - {problem}", "yellow") for problem in report.problems)
    lines.append((summary_sentence(report, diff=diff), "bold"))
    return lines


def _group(title: str, findings: list[Finding] | None) -> list[Line]:
    items = findings or []
    count = f"{len(items)} finding{'s' if len(items) != 1 else ''}" if items else "no findings"
    return [(f"{title}: {count}", "bold"), *_finding_lines(items)]


def _finding_lines(findings: Iterable[Finding]) -> list[Line]:
    lines: list[Line] = []
    for finding in findings:
        label = finding.severity.upper()
        lines.append(
            (
                f"  {label:<8} {finding.klass}  {finding.path}:{finding.line}",
                SEVERITY_STYLES.get(finding.severity),
            )
        )
        lines.append((f"    {finding.message}", None))
        lines.append((f"    fix: {finding.fix}", "dim"))
    return lines


def summary_sentence(report: Report, *, diff: bool = False) -> str:
    files = len({name for program in report.programs for name in program.files})
    counts = [f"{count} {level}" for level, count in report.counts().items() if count]
    found = (
        f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''}"
        + (f" ({', '.join(counts)})" if counts else "")
        if report.findings
        else "no findings"
    )
    scope = " in changed lines" if diff else ""
    programs = len(report.programs)
    return (
        f"Reviewed {programs} program{'s' if programs != 1 else ''}, {files} "
        f"file{'s' if files != 1 else ''}: {found}{scope}. A static review: confirm each "
        "finding in the code; no finding is not an audit."
    )


def at_or_above(report: Report, threshold: Severity) -> int:
    """How many findings are at least as severe as `threshold`."""
    from solcoder.solana.review import severity_rank

    limit = severity_rank(threshold)
    return sum(severity_rank(finding.severity) <= limit for finding in report.findings)
