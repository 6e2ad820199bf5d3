"""`/review` through the real CLI on the withdraw of issue 13 item 21: the missing signer and
the missing `has_one` reach the screen, not just the arithmetic finding."""

from pathlib import Path

from tests.unit.test_review_classes import ISSUE_WITHDRAW


def test_review_command_reports_the_unsigned_withdraw(run_cli, tmp_path: Path) -> None:
    program = tmp_path / "lib.rs"
    program.write_text(ISSUE_WITHDRAW)
    result = run_cli("--offline-mode", input=f"/review {program}\n/exit\n")
    assert result.returncode == 0, result.stderr
    screen = " ".join(result.stdout.split())
    assert "1 critical" in screen
    assert "[critical] line 17: Nothing in `Withdraw` signs" in screen
    assert "[high] line 19: Writable `vault` stores `owner`" in screen
    assert "has_one = owner" in screen
