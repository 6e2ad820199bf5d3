"""The build-test loop's parsers on real cargo output (small crates compiled here, offline)
and on Anchor/Solana texts written from their documented formats."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from solcoder.solana.diagnostics import analyse, parse_cargo_json, parse_rendered, summarise
from solcoder.solana.program_errors import find_program_errors
from solcoder.solana.testrun import parse_test_output

needs_cargo = pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")

CRATES = {
    "broken": 'pub fn answer() -> u32 {\n    "forty-two"\n}\n',
    "unused": "pub fn answer() -> u32 {\n    let spare = 1;\n    42\n}\n",
    "tested": (
        "pub fn add(a: u32, b: u32) -> u32 {\n    a + b + 1\n}\n\n"
        "#[cfg(test)]\nmod tests {\n    use super::*;\n\n"
        "    #[test]\n    fn adds() {\n        assert_eq!(add(2, 2), 4);\n    }\n\n"
        "    #[test]\n    fn grows() {\n        assert!(add(1, 1) > 2);\n    }\n\n"
        "    #[test]\n    fn indexes() {\n        let empty: Vec<u32> = Vec::new();\n"
        "        let _ = empty[3];\n    }\n}\n"
    ),
}


@pytest.fixture(scope="module")
def cargo_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Each crate's real cargo output (stdout then stderr), compiled once per module."""
    root = tmp_path_factory.mktemp("crates")
    members = ", ".join(f'"{name}"' for name in CRATES)
    (root / "Cargo.toml").write_text(f'[workspace]\nresolver = "2"\nmembers = [{members}]\n')
    for name, source in CRATES.items():
        (root / name / "src").mkdir(parents=True)
        (root / name / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n'
        )
        (root / name / "src" / "lib.rs").write_text(source)
    env = {**os.environ, "CARGO_TARGET_DIR": str(root / "target"), "RUST_BACKTRACE": "0"}
    env.pop("CARGO_TERM_COLOR", None)

    def run(*args: str) -> str:
        done = subprocess.run(
            ["cargo", *args, "--offline"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return done.stdout + done.stderr

    return {
        "broken": run("build", "-p", "broken", "--message-format=json"),
        "unused": run("build", "-p", "unused", "--message-format=json"),
        "broken_human": run("build", "-p", "broken", "--color=never"),
        "tested": run("test", "-p", "tested", "--no-fail-fast", "--message-format=json"),
    }


@needs_cargo
def test_a_type_error_from_cargo_json(cargo_runs: dict[str, str]) -> None:
    diagnostics, succeeded = parse_cargo_json(cargo_runs["broken"])
    assert succeeded is False
    (error,) = [d for d in diagnostics if d.level == "error"]
    assert error.code == "E0308"
    assert error.message == "mismatched types"
    assert (error.file, error.line, error.column) == ("broken/src/lib.rs", 2, 5)
    assert "expected `u32`" in error.rendered
    summary = summarise(cargo_runs["broken"])
    assert summary.splitlines()[0] == "build FAILED: 1 error, 0 warnings"
    assert "broken/src/lib.rs:2: error[E0308]: mismatched types" in summary
    assert "aborting" not in summary


@needs_cargo
def test_a_warning_carries_the_compilers_suggestion(cargo_runs: dict[str, str]) -> None:
    report = analyse(cargo_runs["unused"])
    assert report.build_succeeded is True
    (warning,) = report.warnings
    assert warning.message == "unused variable: `spare`"
    assert (warning.file, warning.line) == ("unused/src/lib.rs", 2)
    assert warning.suggestion is not None
    assert "`_spare`" in warning.suggestion
    summary = summarise(report)
    assert "unused/src/lib.rs:2: warning[unused_variables]: unused variable: `spare`" in summary
    assert "  fix: " in summary
    assert "_spare" in summary


@needs_cargo
def test_the_human_format_gives_the_same_error(cargo_runs: dict[str, str]) -> None:
    (error,) = [d for d in parse_rendered(cargo_runs["broken_human"]) if d.level == "error"]
    assert (error.code, error.message, error.file, error.line) == (
        "E0308",
        "mismatched types",
        "broken/src/lib.rs",
        2,
    )
    assert "could not compile" not in summarise(cargo_runs["broken_human"])


@needs_cargo
def test_failing_tests_with_their_panic_location(cargo_runs: dict[str, str]) -> None:
    run = parse_test_output(cargo_runs["tested"])
    assert (run.passed, run.failed, run.ignored) == (1, 2, 0)
    outcomes = {outcome.name: outcome for outcome in run.outcomes}
    assert outcomes["tests::grows"].passed
    adds = outcomes["tests::adds"]
    assert not adds.passed
    assert (adds.file, adds.line) == ("tested/src/lib.rs", 11)
    assert "assertion `left == right` failed" in adds.message
    assert "left: 5" in adds.message
    indexes = outcomes["tests::indexes"]
    assert indexes.file == "tested/src/lib.rs"
    assert "index out of bounds" in indexes.message
    summary = summarise(cargo_runs["tested"])
    assert "tests: 1 passed, 2 failed, 0 ignored" in summary
    assert "FAILED tests::adds at tested/src/lib.rs:11: assertion" in summary


def test_old_style_panics_and_should_panic_names() -> None:
    text = (
        "running 2 tests\n"
        "test math::halves - should panic ... ok\n"
        "test math::doubles ... FAILED\n\n"
        "failures:\n\n---- math::doubles stdout ----\n"
        "thread 'math::doubles' panicked at 'attempt to multiply with overflow', "
        "src/math.rs:9:13\n"
        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n"
        "test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\n"
    )
    run = parse_test_output(text)
    outcomes = {outcome.name: outcome for outcome in run.outcomes}
    assert outcomes["math::halves"].passed
    doubles = outcomes["math::doubles"]
    assert (doubles.message, doubles.file, doubles.line) == (
        "attempt to multiply with overflow",
        "src/math.rs",
        9,
    )


ANCHOR_MOCHA = """
  counter
    ✔ initializes (412ms)
    1) increments


  1 passing (2s)
  1 failing

  1) counter
       increments:
     Error: AnchorError caused by account: counter. Error Code: AccountNotInitialized. \
Error Number: 3012. Error Message: The program expected this account to be already initialized.
      at Function.parse (node_modules/@coral-xyz/anchor/dist/cjs/error.js:138:20)
      at Context.<anonymous> (tests/counter.ts:31:5)
"""


def test_an_anchor_typescript_failure_is_explained_by_the_catalogue() -> None:
    report = analyse(ANCHOR_MOCHA)
    assert (report.tests.passed, report.tests.failed) == (1, 1)
    (failure,) = report.tests.failures
    assert failure.name == "counter increments"
    assert "AccountNotInitialized" in failure.message
    (error,) = report.program_errors
    assert (error.name, error.code) == ("AccountNotInitialized", 3012)
    assert error.message == "The program expected this account to be already initialized"
    assert error.matches[0]["title"] == "Account not initialized (Anchor 3012)"
    summary = summarise(report)
    assert "AccountNotInitialized (code 3012, 0xbc4)" in summary
    assert "fix: Call the instruction that initialises the account first." in summary


def test_a_custom_error_in_program_logs_is_reported_once() -> None:
    logs = (
        "SendTransactionError: Simulation failed. Message: Transaction simulation failed: "
        "Error processing Instruction 0: custom program error: 0x1771.\n"
        "Program Fg6PaFpoGXkYsidMpWTK6W2BeZ7FEfcYkg476zPFsLnS invoke [1]\n"
        "Program log: Instruction: Withdraw\n"
        "Program log: AnchorError thrown in programs/vault/src/lib.rs:42. Error Code: "
        "InsufficientBalance. Error Number: 6001. Error Message: Not enough in the vault.\n"
        "Program Fg6PaFpoGXkYsidMpWTK6W2BeZ7FEfcYkg476zPFsLnS consumed 4521 of 200000 "
        "compute units\n"
        "Program Fg6PaFpoGXkYsidMpWTK6W2BeZ7FEfcYkg476zPFsLnS failed: custom program error: "
        "0x1771\n"
    )
    (error,) = find_program_errors(logs)
    assert (error.code, error.name, error.source) == (
        6001,
        "InsufficientBalance",
        "programs/vault/src/lib.rs:42",
    )
    assert error.message == "Not enough in the vault"
    assert any("variant number 1" in meaning for meaning in error.meanings)
    assert "InsufficientBalance (code 6001, 0x1771): Not enough in the vault" in summarise(logs)


def test_litesvm_style_failures_and_runtime_texts() -> None:
    text = (
        "thread 'withdraw_too_much' panicked at tests/vault.rs:57:10:\n"
        "called `Result::unwrap()` on an `Err` value: FailedTransactionMetadata { err: "
        "InstructionError(0, Custom(2006)), meta: .. }\n"
        "Program 11111111111111111111111111111111 failed: Transfer: insufficient lamports\n"
    )
    errors = find_program_errors(text)
    titles = [known["title"] for error in errors for known in error.matches]
    assert "Seeds constraint violated (Anchor 2006)" in titles
    assert "Transfer larger than the balance" in titles


def test_the_summary_is_capped_and_counts_what_it_leaves_out() -> None:
    lines = [
        '{"reason":"compiler-message","message":{"level":"error","code":{"code":"E0425"},'
        f'"message":"cannot find value `v{i}` in this scope","spans":[{{"file_name":'
        f'"src/lib.rs","line_start":{i},"column_start":1,"is_primary":true,'
        '"suggested_replacement":null,"label":null}],"children":[],"rendered":"x"}}'
        for i in range(1, 40)
    ]
    lines.append('{"reason":"build-finished","success":false}')
    summary = summarise("\n".join(lines), max_items=5)
    assert summary.startswith("build FAILED: 39 errors, 0 warnings")
    assert summary.count("error[E0425]") == 5
    assert "34 more diagnostics not shown" in summary
    short = summarise("\n".join(lines), max_chars=300, max_items=40)
    assert len(short) <= 300
    assert short.endswith("(summary cut at 300 characters)")


def test_output_without_anything_known() -> None:
    assert summarise("Compiling...\nall good").startswith("No compiler diagnostics")
    assert parse_cargo_json("not json\n{broken\n[1]") == ([], None)
