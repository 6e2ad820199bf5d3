"""`solcoder review` and `/review` around the engine (a fake engine here; the real one runs in
tests/e2e/test_review_cli.py): paths by the workspace rules, `--diff` passed on as changed
lines, JSON lines, `--fail-on` exit statuses, and text made safe for the terminal."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from solcoder.cli import review_report
from solcoder.cli.main import cli
from solcoder.cli.review_cmd import EXIT_FINDINGS
from solcoder.errors import UsageError
from solcoder.solana.review import Finding, Program, Report
from tests.support.git_repo import make_repo

CANARY = "sk-test-review-canary-0123456789abcdef"


class FakeEngine:
    def __init__(self, findings: Sequence[Finding] = ()) -> None:
        self.findings = tuple(findings)
        self.calls: list[tuple[list[Path], Path, Mapping[str, frozenset[int]] | None]] = []

    def __call__(
        self,
        paths: Sequence[Path],
        *,
        root: Path,
        changed: Mapping[str, frozenset[int]] | None = None,
    ) -> Report:
        self.calls.append((list(paths), root, changed))
        program = Program("vault", "programs/vault", "anchor", ("programs/vault/src/lib.rs",))
        return Report((program,), self.findings, ("`programs/vault/src/pipe.rs` is a FIFO.",))


def finding(severity: str = "critical", message: str = "Nothing signs `withdraw`.") -> Finding:
    return Finding(
        "missing_signer",
        severity,  # type: ignore[arg-type]
        "programs/vault/src/lib.rs",
        12,
        message,
        "Make `owner` a `Signer<'info>`.",
        "vault",
    )


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(tmp_path / "ws", {"programs/vault/src/lib.rs": b"// vault\n"})
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOLCODER_HOME", str(tmp_path / "home"))
    return root


def engine(monkeypatch: pytest.MonkeyPatch, *findings: Finding) -> FakeEngine:
    fake = FakeEngine(findings)
    monkeypatch.setattr("solcoder.solana.review.engine.review_paths", fake)
    return fake


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, ["review", *args], catch_exceptions=True)


def test_no_path_reviews_the_workspace_and_groups_by_program(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = engine(monkeypatch, finding("high"), finding("critical"))
    result = invoke()
    assert result.exit_code == 0, result.output
    assert fake.calls == [([workspace], workspace, None)]
    lines = result.output.splitlines()
    assert lines[0] == "vault (anchor, programs/vault): 2 findings"
    assert lines[1].split() == ["CRITICAL", "missing_signer", "programs/vault/src/lib.rs:12"]
    assert lines[4].split()[0] == "HIGH"
    assert "Not reviewed:" in result.output and "is a FIFO" in result.output
    assert "Reviewed 1 program, 1 file: 2 findings (1 critical, 1 high)." in result.output


@pytest.mark.parametrize(
    ("threshold", "status"), [("critical", 0), ("high", EXIT_FINDINGS), ("info", EXIT_FINDINGS)]
)
def test_fail_on_exit_statuses(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, threshold: str, status: int
) -> None:
    engine(monkeypatch, finding("high"))
    assert invoke("--fail-on", threshold).exit_code == status
    engine(monkeypatch)
    assert invoke("--fail-on", threshold).exit_code == 0


def test_json_lines_then_summary_with_secrets_and_escapes_masked(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine(monkeypatch, finding(message=f"logs {CANARY} \x1b[31mred\x1b]0;title\x07"))
    result = invoke("--json")
    assert result.exit_code == 0
    assert CANARY not in result.output and "\x1b" not in result.output
    first, summary = (json.loads(line) for line in result.output.splitlines())
    assert set(first) == {"type", "class", "severity", "path", "line", "message", "fix", "program"}
    assert first["type"] == "finding" and first["class"] == "missing_signer"
    assert summary["type"] == "summary"
    assert summary["findings"] == 1 and summary["by_severity"]["critical"] == 1
    assert summary["problems"] == ["`programs/vault/src/pipe.rs` is a FIFO."]


def test_text_output_is_made_safe(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine(monkeypatch, finding(message=f"x {CANARY} \x1b]52;c;aGk=\x07 y"))
    result = invoke()
    assert CANARY not in result.output and "\x1b" not in result.output


def test_diff_passes_only_changed_lines(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = engine(monkeypatch)
    (workspace / "programs/vault/src/lib.rs").write_text("// vault\nfn changed() {}\n")
    assert invoke("--diff").exit_code == 0
    assert fake.calls[-1][2] == {"programs/vault/src/lib.rs": frozenset({2})}
    assert invoke("--diff", "programs").exit_code == 0  # a path, not a revision
    assert fake.calls[-1][0] == [workspace / "programs"]
    assert fake.calls[-1][2] == {"programs/vault/src/lib.rs": frozenset({2})}
    assert invoke("--diff=main", "programs").exit_code == 0


def test_usage_errors(workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    engine(monkeypatch)
    (workspace / ".env").write_text(f"KEY={CANARY}\n")
    for args, words in (
        (["../"], "outside"),
        (["missing.rs"], "does not exist"),
        ([".env"], "holds secrets"),
        (["--diff=nope"], "not a commit"),
    ):
        result = invoke(*args)
        assert isinstance(result.exception, UsageError), args
        assert words in str(result.exception)
        assert CANARY not in str(result.exception)
    plain = tmp_path / "plain"
    plain.mkdir()
    result = invoke("--workspace", str(plain), "--diff")
    assert isinstance(result.exception, UsageError)
    assert "not inside a git work tree" in str(result.exception)


def test_repl_arguments() -> None:
    parse = review_report.parse_arguments
    assert parse("") == review_report.ReviewRequest()
    assert parse("programs/a 'with space'") == review_report.ReviewRequest(
        ("programs/a", "with space")
    )
    assert parse("--diff") == review_report.ReviewRequest((), True, None)
    assert parse("--diff main src") == review_report.ReviewRequest(("src",), True, "main")
    assert parse("src --diff=HEAD~2") == review_report.ReviewRequest(("src",), True, "HEAD~2")
    with pytest.raises(UsageError, match="does not know '--json'"):
        parse("--json")
    with pytest.raises(UsageError, match="No closing quotation"):
        parse("'open")


def test_the_idl_of_a_reviewed_program_adds_its_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.unit.test_solana_idl import vault_idl, write_workspace

    root = tmp_path / "ws"
    (root / "vault").mkdir(parents=True)
    write_workspace(root / "vault")
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOLCODER_HOME", str(tmp_path / "home"))
    result = invoke("--json")
    assert result.exit_code == 0, result.output
    found = [json.loads(line) for line in result.output.splitlines()]
    idl = [item for item in found if item.get("class") == "idl_missing_signer"]
    assert len(idl) == 1
    assert idl[0]["path"] == "vault/target/idl/vault.json"
    assert idl[0]["program"] == vault_idl()["metadata"]["name"]  # type: ignore[index]
    assert "`sweep`" in idl[0]["message"]
    text = invoke().output
    assert "MEDIUM   idl_missing_signer  vault/target/idl/vault.json:" in text


def test_paths_are_relative_to_the_workspace_when_run_from_elsewhere(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = engine(monkeypatch)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert invoke("--workspace", str(workspace), "programs").exit_code == 0
    assert fake.calls[-1][0] == [workspace / "programs"]
    monkeypatch.chdir(workspace / "programs")
    assert invoke("vault").exit_code == 0
    assert fake.calls[-1][0] == [workspace / "programs" / "vault"]
