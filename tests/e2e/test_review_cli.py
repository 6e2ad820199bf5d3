"""`solcoder review` and `/review` through the real CLI on our labelled programs
(tests/data/review_set): `/review` with no path in a multi-program workspace under a
pseudo-terminal, `--diff` in a git repository reporting only changed code, `--fail-on` exit
statuses, the `--json` lines, and files that cannot be reviewed (a FIFO, non-UTF-8) listed
as problems rather than crashing or hanging."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, Run, clean_environment
from tests.support.git_repo import git, git_state, make_repo

pytestmark = pytest.mark.e2e

SET = Path(__file__).parents[1] / "data" / "review_set"
ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
PROMPT = "you ›"
EXIT_FINDINGS = 10


def workspace(root: Path) -> Path:
    """Three programs side by side: an Anchor vault missing its signer, the same vault secured
    by constraints, and a native treasury missing its `is_signer` check."""
    shutil.copytree(SET / "missing_signer" / "anchor_vulnerable", root / "vault")
    shutil.copytree(SET / "missing_signer" / "anchor_secured_by_constraint", root / "safe")
    shutil.copytree(SET / "missing_signer" / "native_vulnerable", root / "treasury")
    return root


def test_repl_review_without_a_path_reviews_every_program(
    solcoder_home: Path, tmp_path: Path
) -> None:
    root = workspace(tmp_path / "ws")
    git(root, "init", "-q")
    env = clean_environment(solcoder_home, {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"})
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        SOLCODER,
        ["--offline-mode"],
        env=env,
        encoding="utf-8",
        timeout=120,
        dimensions=(40, 160),
        cwd=str(root),
    )
    try:
        child.expect(PROMPT)
        child.sendline("/review")
        child.expect(r"Reviewed \d+ programs?")
        shown = f"{child.before}{child.after}"
        child.expect(PROMPT)
        screen = " ".join(ANSI.sub("", shown + child.before).split())
        child.sendline("/status")
        child.expect("programs")
        child.expect(PROMPT)
        status = " ".join(ANSI.sub("", child.before).split())
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert "vault (anchor, vault/programs/vault):" in screen
    assert "vault (anchor, safe/programs/vault):" in screen
    safe = screen.split("vault (anchor, safe/programs/vault):")[1].split("treasury (native")[0]
    assert "CRITICAL" not in safe and "HIGH" not in safe
    assert "treasury (native, treasury):" in screen
    assert "CRITICAL missing_signer vault/programs/vault/src/lib.rs:" in screen
    assert "CRITICAL missing_signer treasury/src/lib.rs:" in screen
    assert "Reviewed 3 programs" in screen
    assert "vault (anchor)" in status and "treasury (native)" in status


def test_diff_reports_only_changed_code_and_leaves_git_alone(run_cli: Run, tmp_path: Path) -> None:
    safe_lib = SET / "missing_signer" / "anchor_secured_by_constraint" / "programs/vault/src/lib.rs"
    files = {
        str(path.relative_to(SET / "missing_signer" / "anchor_secured_by_constraint")): (
            path.read_bytes()
        )
        for path in (SET / "missing_signer" / "anchor_secured_by_constraint").rglob("*")
        if path.is_file()
    }
    shutil.copytree(SET / "missing_signer" / "native_vulnerable", tmp_path / "seed")
    files.update(
        {
            f"treasury/{path.relative_to(tmp_path / 'seed')}": path.read_bytes()
            for path in (tmp_path / "seed").rglob("*")
            if path.is_file()
        }
    )
    repo = make_repo(tmp_path / "repo", files)
    before = git_state(repo)
    # Committed and unchanged, the native treasury's missing signer is not reported.
    clean = run_cli("review", "--diff", "--json", cwd=repo)
    assert clean.returncode == 0, clean.stderr
    assert [json.loads(line)["type"] for line in clean.stdout.splitlines()] == ["summary"]
    full = run_cli("review", "--json", cwd=repo)
    assert '"missing_signer"' in full.stdout
    # Now break the vault: its signer becomes an unchecked account.
    lib = repo / "programs/vault/src/lib.rs"
    text = safe_lib.read_text()
    assert "pub authority: Signer<'info>," in text
    lib.write_text(
        text.replace(
            "pub authority: Signer<'info>,",
            "/// CHECK: compared by has_one\n    pub authority: UncheckedAccount<'info>,",
        )
    )
    changed = run_cli("review", "--diff", "--json", "--fail-on", "high", cwd=repo)
    lines = [json.loads(line) for line in changed.stdout.splitlines()]
    found = [line for line in lines if line["type"] == "finding"]
    assert found and {item["path"] for item in found} == {"programs/vault/src/lib.rs"}
    assert any(item["class"] == "missing_signer" for item in found)
    assert changed.returncode == EXIT_FINDINGS
    assert git_state(repo) == before


def test_fail_on_exit_statuses_and_json_shape(run_cli: Run, tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    high = run_cli("review", "--fail-on", "high", "--json", cwd=root)
    assert high.returncode == EXIT_FINDINGS, high.stderr
    lines = [json.loads(line) for line in high.stdout.splitlines()]
    *findings, summary = lines
    assert findings and all(item["type"] == "finding" for item in findings)
    for item in findings:
        assert set(item) == {
            "type",
            "class",
            "severity",
            "path",
            "line",
            "message",
            "fix",
            "program",
        }
    assert summary["type"] == "summary" and summary["programs"] == 3
    assert summary["findings"] == len(findings)
    assert summary["by_severity"]["critical"] >= 2
    safe = run_cli("review", "safe", "--fail-on", "high", cwd=root)
    assert safe.returncode == 0, safe.stdout + safe.stderr
    assert "no findings" in safe.stdout or "finding" in safe.stdout
    none_set = run_cli("review", cwd=root)
    assert none_set.returncode == 0  # without --fail-on, findings do not fail
    outside = run_cli("review", "../", cwd=root)
    assert outside.returncode == 2 and "outside the workspace" in outside.stderr


def test_diff_outside_git_is_a_usage_error(run_cli: Run, tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    result = run_cli("review", "--diff", "--workspace", str(root), cwd=root)
    assert result.returncode == 2
    assert "not inside a git work tree" in result.stderr
    assert "Traceback" not in result.stderr


def test_fifo_and_non_utf8_files_are_listed_not_fatal(run_cli: Run, tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    source = root / "vault" / "programs" / "vault" / "src"
    (source / "latin1.rs").write_bytes(b"// caf\xe9\npub fn x() {}\n")
    os.mkfifo(source / "pipe.rs")
    result = run_cli("review", "--json", cwd=root, timeout=120)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    problems = " ".join(summary["problems"])
    assert "latin1.rs" in problems and "pipe.rs" in problems
    assert "Traceback" not in result.stderr
    named = run_cli("review", "vault/programs/vault/src/pipe.rs", cwd=root, timeout=120)
    assert named.returncode in (0, 2) and "Traceback" not in named.stderr


def test_a_terminal_gets_severity_colours(solcoder_home: Path, tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    env = clean_environment(solcoder_home, {"TERM": "xterm"})
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        SOLCODER, ["review"], env=env, encoding="utf-8", timeout=120, cwd=str(root)
    )
    child.expect(pexpect.EOF)
    child.close()
    shown = child.before
    assert child.exitstatus == 0
    assert "\x1b[" in shown and "CRITICAL" in shown
    assert "Reviewed 3 programs" in ANSI.sub("", shown)


def test_secrets_and_escapes_in_reviewed_files_never_reach_the_output(
    run_cli: Run, tmp_path: Path
) -> None:
    root = workspace(tmp_path / "ws")
    canary = "sk-test-review-e2e-canary-0123456789abcdef"
    client = root / "app" / "client.ts"
    client.parent.mkdir()
    client.write_text(
        f'const apiKey = "{canary}";\nconsole.log("key", apiKey, "\\x1b]0;pwned\\x07");\n'
        "const secretKey = Uint8Array.from([1,2,3]); console.log(secretKey);\n"
    )
    (root / "app" / "evil\x1b[31m.ts").write_text(f'console.log("{canary}");\n')
    for args in (["review"], ["review", "--json"]):
        result = run_cli(*args, cwd=root)
        assert result.returncode == 0, result.stderr
        assert canary not in result.stdout + result.stderr
        assert "\x1b" not in result.stdout + result.stderr
