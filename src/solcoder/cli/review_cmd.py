"""`solcoder review [PATH…] [--diff [REF]] [--json] [--fail-on SEVERITY]`: the security review
without a model, for a terminal or CI.

Exit statuses (docs/review.md): 0 the review ran and nothing reached `--fail-on` (always 0
without it); 10 at least one finding at or above `--fail-on`; 2 a usage or input error (a path
outside the workspace or missing, `--diff` outside a git repository, an unknown revision). 1 is
not used for findings on purpose: DESIGN.md section 4 gives it to "unexpected bug", and CI must
tell "the code has a critical finding" from "the reviewer crashed".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from solcoder.solana.review.findings import Report

EXIT_FINDINGS = 10
"""At least one finding at or above `--fail-on`."""
SEVERITIES = ("critical", "high", "medium", "low", "info")


@click.command("review")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--diff",
    "diff_ref",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[REF]",
    help="Only lines changed against REF (default: HEAD, staged changes included); untracked "
    "files count as wholly changed. Use --diff=REF when paths follow.",
)
@click.option("--json", "json_output", is_flag=True, help="JSON Lines: findings, then a summary.")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help=f"Exit {EXIT_FINDINGS} when a finding is at least this severe (for CI).",
)
@click.option(
    "--workspace",
    metavar="DIR",
    type=click.Path(file_okay=False, exists=True),
    help="The workspace (default: the git root above here, else here).",
)
@click.pass_context
def review_command(
    ctx: click.Context,
    /,
    *,
    paths: tuple[str, ...],
    diff_ref: str | None,
    json_output: bool,
    fail_on: str | None,
    workspace: str | None,
) -> None:
    """Review the workspace's Solana programs (or PATHs) for security issues.

    Finds every program (Anchor workspaces, native crates, multi-file programs) and prints
    findings grouped by program: missing signer or owner checks, account data mismatches,
    type cosplay, reinitialization, arbitrary CPI, duplicate mutable accounts, non-canonical
    bumps, PDA sharing, insecure close, sysvar spoofing, unchecked arithmetic, client-side
    risks. Exit status: 0 ok, 10 findings at or above --fail-on, 2 usage errors."""
    from solcoder.cli import review_report
    from solcoder.workspace.root import find_root

    root = _root(ctx, workspace, find_root)
    diff = diff_ref is not None
    request = review_report.ReviewRequest(tuple(paths), diff, diff_ref or None)
    report = review_report.run(root, request)
    if json_output:
        _print_json(report)
    else:
        _print_text(review_report.report_lines(report, diff=diff))
    if fail_on is not None and review_report.at_or_above(report, fail_on):  # type: ignore[arg-type]
        ctx.exit(EXIT_FINDINGS)


def _root(ctx: click.Context, workspace: str | None, find_root: Callable[[Path], Path]) -> Path:
    """`--workspace` of this command, else the root command's, else the git root above here."""
    if workspace is None:
        holder = ctx.find_root().obj
        options = holder.get("options") if isinstance(holder, dict) else None
        workspace = options.get("workspace") if isinstance(options, dict) else None
    root: Path = Path(workspace).resolve() if workspace else find_root(Path.cwd())
    return root


def _print_json(report: Report) -> None:
    from solcoder.terminal import safe_json

    for finding in report.findings:
        click.echo(safe_json(finding.to_json()))
    summary = dict(report.summary_json())
    summary["problems"] = list(report.problems)
    click.echo(safe_json(summary))


def _print_text(lines: list[tuple[str, str | None]]) -> None:
    import os
    import sys

    from solcoder.terminal import is_terminal, safe

    colour = is_terminal(sys.stdout) and not os.environ.get("NO_COLOR")
    for text, style in lines:
        shown = safe(text)
        if colour and style:
            shown = click.style(shown, **_click_style(style))
        click.echo(shown, color=colour)


def _click_style(style: str) -> dict[str, Any]:
    words = style.split()
    colours = [word for word in words if word not in ("bold", "dim")]
    return {"fg": colours[0] if colours else None, "bold": "bold" in words, "dim": "dim" in words}
