"""The code and deploy toolkits: scaffold files, error explanations, honest deploys."""

from pathlib import Path

import pytest

from solcoder.tools.toolkits import default_registry
from solcoder.tools.toolkits.code import explain_error, scaffold_files
from solcoder.tools.toolkits.deploy import deploy_program
from solcoder.tools.toolkits.review import review_code


def _files(name: str, framework: str = "anchor") -> dict[str, str]:
    return scaffold_files(name, framework)[1]


def test_anchor_scaffold_files_target_anchor_1():
    crate, files, commands = scaffold_files("My Counter")
    assert crate == "my_counter"
    assert set(files) == {
        "Anchor.toml",
        "Cargo.toml",
        "programs/my_counter/Cargo.toml",
        "programs/my_counter/src/lib.rs",
        "tests/my_counter.ts",
        "package.json",
        "tsconfig.json",
        ".gitignore",
    }
    lib = files["programs/my_counter/src/lib.rs"]
    assert "pub mod my_counter {" in lib
    assert "checked_add" in lib
    assert "{{" not in lib
    assert 'my_counter = "' in files["Anchor.toml"]
    assert 'anchor-lang = "1.' in files["programs/my_counter/Cargo.toml"]
    test = files["tests/my_counter.ts"]
    assert "MyCounter" in test
    assert '"@anchor-lang/core"' in test
    assert "@coral-xyz" not in test + files["package.json"]
    assert "anchor keys sync" in " ".join(commands)


def test_scaffolded_sources_pass_the_reviewer():
    for framework in ("anchor", "native"):
        for path, content in _files("vault", framework).items():
            if path.endswith(".rs"):
                assert review_code(content).findings == [], path
            if path.endswith(".ts"):
                assert review_code(content, "typescript").findings == [], path


def test_native_scaffold():
    files = _files("counter", "native")
    assert set(files) == {"Cargo.toml", "src/lib.rs", ".gitignore"}
    assert "solana-program" in files["Cargo.toml"]
    assert "is_signer" in files["src/lib.rs"]


def test_bad_program_name():
    with pytest.raises(ValueError, match="start with a letter"):
        scaffold_files("123")
    with pytest.raises(ValueError, match="framework"):
        scaffold_files("ok", "seahorse")


def _titles(result: dict) -> list[str]:
    return [match["title"] for match in result["matches"]]


def test_custom_error_0x1_without_program_lists_both_meanings():
    result = explain_error("Error processing Instruction 0: custom program error: 0x1")
    (code,) = result["error_codes"]
    assert code["code"] == 1
    meanings = " ".join(code["meanings"])
    assert "ResultWithNegativeLamports" in meanings
    assert "InsufficientFunds" in meanings
    assert "Program <id> failed" in meanings


def test_custom_error_with_failing_program_in_the_logs():
    logs = (
        "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA invoke [2]\n"
        "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA failed: custom program error: 0x1"
    )
    (code,) = explain_error(logs)["error_codes"]
    assert code["program"] == "Token Program"
    assert code["meanings"] == [
        "Token program InsufficientFunds: the token account balance is too low"
    ]


@pytest.mark.parametrize(
    ("message", "title"),
    [
        (
            "AnchorError caused by account: counter. Error Code: AccountNotInitialized. "
            "Error Number: 3012.",
            "Account not initialized (Anchor 3012)",
        ),
        ("custom program error: 0x7d6", "Seeds constraint violated (Anchor 2006)"),
        ("A seeds constraint was violated", "Seeds constraint violated (Anchor 2006)"),
        (
            "Transaction results in an account (1) with insufficient funds for rent",
            "Account left below the rent-exempt minimum",
        ),
        ("Transaction simulation failed: Blockhash not found", "Blockhash expired or unknown"),
        (
            "Attempt to debit an account but found no record of a prior credit.",
            "Fee payer has no SOL on this cluster",
        ),
        (
            "Program x consumed 200000 of 200000 compute units: exceeded CUs meter",
            "Compute budget exceeded",
        ),
        ("RangeError: encoding overruns Uint8Array", "Transaction too large"),
    ],
)
def test_known_errors_are_explained(message: str, title: str):
    result = explain_error(message)
    assert title in _titles(result)
    match = next(m for m in result["matches"] if m["title"] == title)
    assert match["fixes"]


def test_user_error_codes_point_at_the_error_enum():
    (code,) = explain_error("custom program error: 0x1771")["error_codes"]
    assert code["code"] == 6001
    assert "variant number 1" in code["meanings"][0]


def test_unknown_error_gets_advice():
    result = explain_error("something odd happened")
    assert result["matches"] == []
    assert result["error_codes"] == []
    assert "logs" in result["advice"]


def test_deploy_is_not_available_and_says_so(tmp_path: Path):
    (tmp_path / "Anchor.toml").write_text("[programs.localnet]\n")
    result = deploy_program("devnet", str(tmp_path))
    assert result["status"] == "not_available"
    assert "Nothing was built, signed or sent" in result["reason"]
    assert result["project"] == "anchor"
    assert "anchor deploy --provider.cluster devnet" in result["next_steps"]
    assert any("airdrop" in step for step in result["next_steps"])


def test_deploy_steps_for_native_and_mainnet(tmp_path: Path):
    (tmp_path / "Cargo.toml").write_text('[dependencies]\nsolana-program = "2.2"\n')
    result = deploy_program("mainnet-beta", str(tmp_path))
    steps = " ".join(result["next_steps"])
    assert result["project"] == "native"
    assert "cargo build-sbf" in steps
    assert "airdrop" not in steps
    assert "multisig" in steps


def test_deploy_of_unknown_directory_says_what_it_did_not_find(tmp_path: Path):
    result = deploy_program("localnet", str(tmp_path / "missing"))
    assert result["project"] == "unknown"
    assert result["next_steps"][0].startswith("No Anchor.toml")
    assert any("solana-test-validator" in step for step in result["next_steps"])


async def test_code_and_deploy_tools_through_the_registry():
    registry = default_registry()
    explain = registry.get("explain_error")
    deploy = registry.get("deploy_program")
    assert explain is not None
    assert deploy is not None
    output = await explain.run(explain.parse_arguments('{"message": "Blockhash not found"}'))
    assert "Blockhash expired" in output.content
    with pytest.raises(Exception, match="mainnet-beta"):
        deploy.parse_arguments('{"cluster": "mainnet"}')
