"""Anchor IDLs (0.30+/1.x format) read as data, the describe_program and scaffold_program tools,
and the IDL's own safety finding (an instruction that writes and needs no signer)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from solcoder.solana import program_info
from solcoder.solana.idl import IdlProblem, idl_findings, load_idls, parse_idl
from solcoder.tools.program_tools import program_tools
from solcoder.tools.workspace import WorkspaceTool
from solcoder.workspace.paths import Workspace
from solcoder.workspace.session import WorkspaceSession

ADDRESS = "Fg6PaFpoGXkYsidMpWTK6W2BeZ7FEfcYkg476zPFsLnS"


def vault_idl() -> dict[str, object]:
    return {
        "address": ADDRESS,
        "metadata": {"name": "vault", "version": "0.1.0", "spec": "0.1.0"},
        "instructions": [
            {
                "name": "deposit",
                "discriminator": [242, 35, 198, 137, 82, 225, 242, 182],
                "accounts": [
                    {"name": "owner", "writable": True, "signer": True},
                    {
                        "name": "vault",
                        "writable": True,
                        "pda": {
                            "seeds": [
                                {"kind": "const", "value": list(b"vault")},
                                {"kind": "account", "path": "owner"},
                            ]
                        },
                    },
                    {"name": "system_program", "address": "11111111111111111111111111111111"},
                ],
                "args": [{"name": "amount", "type": "u64"}],
            },
            {
                "name": "sweep",
                "discriminator": [1, 2, 3, 4, 5, 6, 7, 8],
                "accounts": [
                    {
                        "name": "pair",
                        "accounts": [
                            {"name": "vault", "writable": True},
                            {"name": "destination", "writable": True},
                        ],
                    }
                ],
                "args": [{"name": "memo", "type": {"option": {"vec": "u8"}}}],
            },
        ],
        "accounts": [{"name": "Vault", "discriminator": [1, 1, 1, 1, 1, 1, 1, 1]}],
        "events": [{"name": "Swept", "discriminator": [2, 2, 2, 2, 2, 2, 2, 2]}],
        "errors": [{"code": 6000, "name": "Overflow", "msg": "Arithmetic overflow"}],
        "types": [{"name": "Vault", "type": {"kind": "struct", "fields": []}}],
    }


def write_workspace(root: Path) -> None:
    (root / "programs" / "vault" / "src").mkdir(parents=True)
    (root / "Anchor.toml").write_text(f'[programs.localnet]\nvault = "{ADDRESS}"\n')
    (root / "Cargo.toml").write_text('[workspace]\nmembers = ["programs/*"]\n')
    (root / "programs" / "vault" / "Cargo.toml").write_text(
        '[package]\nname = "vault"\n[dependencies]\nanchor-lang = "1.0.0"\n'
    )
    (root / "programs" / "vault" / "src" / "lib.rs").write_text("// vault\n")
    (root / "target" / "idl").mkdir(parents=True)
    (root / "target" / "idl" / "vault.json").write_text(json.dumps(vault_idl(), indent=2))


def test_parse_reads_accounts_seeds_groups_args_and_errors() -> None:
    idl = parse_idl(json.dumps(vault_idl(), indent=2), path="target/idl/vault.json")
    assert (idl.name, idl.address, idl.spec) == ("vault", ADDRESS, "0.1.0")
    deposit = idl.instruction("deposit")
    assert deposit is not None
    owner, vault, system = deposit.accounts
    assert owner.signer and owner.writable
    assert vault.seeds == ('"vault"', "account:owner")
    assert system.address == "11111111111111111111111111111111"
    sweep = idl.instruction("Sweep")
    assert sweep is not None
    assert [a.name for a in sweep.accounts] == ["pair.vault", "pair.destination"]
    assert sweep.args == (("memo", "Option<Vec<u8>>"),)
    assert idl.errors[0].code == 6000
    assert idl.account_types == ("Vault",) and idl.events == ("Swept",)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "not valid JSON (line 1)"),
        ("[1, 2]", "not an Anchor IDL"),
        ('{"version": "0.1.0", "name": "old", "instructions": []}', "pre-0.30"),
        (json.dumps({"address": "x", "metadata": {}, "instructions": 3}), "no `instructions`"),
        (
            json.dumps(
                {
                    "address": "x",
                    "metadata": {},
                    "instructions": [{"name": "a", "accounts": [{"name": "b", "isMut": True}]}],
                }
            ),
            "pre-0.30 account flags",
        ),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    ],
)
def test_a_malformed_idl_is_one_sentence(text: str, words: str) -> None:
    with pytest.raises(IdlProblem, match=None) as caught:
        parse_idl(text, path="target/idl/bad.json")
    assert words in str(caught.value)
    assert "`target/idl/bad.json`" in str(caught.value)


def test_load_skips_fifos_binaries_and_secret_names(tmp_path: Path) -> None:
    write_workspace(tmp_path)
    folder = tmp_path / "target" / "idl"
    (folder / "bad.json").write_bytes(b"\xff\xfe\x00garbage")
    (folder / "id.json").write_text(json.dumps(list(range(64))))
    os.mkfifo(folder / "pipe.json")
    idls, problems = load_idls(tmp_path)
    assert [idl.name for idl in idls] == ["vault"]
    text = " ".join(problems)
    assert "`target/idl/bad.json`" in text
    assert "`target/idl/pipe.json` is not a regular file" in text
    assert "`target/idl/id.json` is named like a secret" in text
    assert "0, 1, 2" not in text


def test_an_instruction_writing_without_any_signer_is_a_finding() -> None:
    idl = parse_idl(json.dumps(vault_idl(), indent=2), path="target/idl/vault.json")
    (finding,) = idl_findings(idl)
    assert (finding.klass, finding.program, finding.path) == (
        "idl_missing_signer",
        "vault",
        "target/idl/vault.json",
    )
    assert "`sweep`" in finding.message
    lines = json.dumps(vault_idl(), indent=2).splitlines()
    assert '"name": "sweep"' in lines[finding.line - 1]


def _tools(root: Path, tmp_path: Path) -> tuple[dict[str, WorkspaceTool], WorkspaceSession]:
    session = WorkspaceSession(
        Workspace(root, solcoder_home=tmp_path / "home"), checkpoints=tmp_path / "checkpoints"
    )
    return {tool.name: tool for tool in program_tools(session)}, session


def _run(tool: WorkspaceTool, **arguments: object) -> tuple[str, bool]:
    output = asyncio.run(tool.run(tool.parse_arguments(json.dumps(arguments))))
    return output.content, output.is_error


def test_describe_program_lists_then_describes(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    write_workspace(root)
    tools, _ = _tools(root, tmp_path)
    listing, error = _run(tools["describe_program"])
    assert not error
    assert f"- vault (anchor) at programs/vault: {ADDRESS}, 2 instructions" in listing
    described, _ = _run(tools["describe_program"], name="vault")
    assert "- deposit(amount: u64)" in described
    assert "owner [signer, writable]" in described
    assert 'vault [writable] PDA seeds ["vault", account:owner]' in described
    assert "6000 Overflow: Arithmetic overflow" in described
    unknown, _ = _run(tools["describe_program"], name="nope")
    assert "No program named 'nope'" in unknown and "vault" in unknown
    assert program_info.status_line(root) == "vault (anchor, 2 instructions)"
    assert tools["describe_program"].assess({}).effect == "read_only"


def test_scaffold_shows_its_diff_writes_through_the_workspace_and_undoes(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    tools, session = _tools(root, tmp_path)
    scaffold = tools["scaffold_program"]
    assessment = scaffold.assess({"name": "counter"})
    assert assessment.effect == "writes_files" and assessment.problem is None
    assert assessment.preview is not None
    assert "+++ b/counter/programs/counter/src/lib.rs" in assessment.preview
    assert list(root.iterdir()) == []  # assessing changes nothing
    output = asyncio.run(scaffold.run({"name": "counter"}))
    assert not output.is_error
    assert (root / "counter" / "Anchor.toml").is_file()
    assert len(output.changes) == 8 and {c.change for c in output.changes} == {"created"}
    again = scaffold.assess({"name": "counter"})
    assert again.problem is not None and "never overwrites" in again.problem
    store = session.store()
    assert store is not None
    store.undo_last()
    assert not (root / "counter" / "Anchor.toml").exists()


def test_scaffold_refuses_paths_outside_the_workspace(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    tools, _ = _tools(root, tmp_path)
    content, error = _run(tools["scaffold_program"], name="x", directory="../elsewhere")
    assert error and "outside" in content
    assert not (tmp_path / "elsewhere").exists()
