"""The review engine on small workspaces: the four cases issue 24 names, one vulnerable and one
secured program per class the labelled set does not cover yet, the Cargo profile and Anchor
version read from the manifests, and what `review_paths` does with files it must not or
cannot read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from solcoder.solana.review import CLASSES, Report, review_paths, review_source

WORKSPACE_TOML = '[workspace]\nmembers = ["programs/*"]\nresolver = "2"\n'
OVERFLOW_ON = "\n[profile.release]\noverflow-checks = true\n"


def anchor_workspace(
    root: Path, source: str, *, profile: str = "", anchor: str = "0.32.1", name: str = "vault"
) -> Path:
    (root / "Anchor.toml").write_text(
        f'[programs.localnet]\n{name} = "11111111111111111111111111111111"\n'
    )
    (root / "Cargo.toml").write_text(WORKSPACE_TOML + profile)
    crate = root / "programs" / name
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n'
        f'[dependencies]\nanchor-lang = "{anchor}"\n'
    )
    (crate / "src" / "lib.rs").write_text(source)
    return crate / "src" / "lib.rs"


def classes(report: Report, *, at_least: str = "info") -> set[tuple[str, str]]:
    order = ("critical", "high", "medium", "low", "info")
    limit = order.index(at_least)
    return {(f.klass, f.severity) for f in report.findings if order.index(f.severity) <= limit}


def serious(report: Report) -> list[str]:
    return [
        f"{f.klass} {f.path}:{f.line}"
        for f in report.findings
        if f.severity in {"critical", "high"}
    ]


VAULT = """\
use anchor_lang::prelude::*;

#[program]
pub mod vault {
    use super::*;

    pub fn withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
        CHECK
        let vault = &mut ctx.accounts.vault;
        vault.balance = vault.balance + amount;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Withdraw<'info> {
    #[account(mut, has_one = authority)]
    pub vault: Account<'info, Vault>,
    /// CHECK: the vault's authority
    pub authority: AccountInfo<'info>,
}

#[account]
pub struct Vault {
    pub authority: Pubkey,
    pub balance: u64,
}
"""


def test_is_signer_checked_by_hand_is_not_missing_signer():
    checked = VAULT.replace(
        "CHECK", "require!(ctx.accounts.authority.is_signer, VaultError::Unauthorized);"
    )
    assert "missing_signer" not in {f.klass for f in review_source(checked).findings}
    unchecked = VAULT.replace("CHECK", "")
    assert ("missing_signer", "critical") in classes(review_source(unchecked))


def test_is_signer_checked_in_another_file_counts(tmp_path: Path):
    lib = anchor_workspace(
        tmp_path,
        VAULT.replace("CHECK\n", "").replace(
            "        let vault = &mut ctx.accounts.vault;\n"
            "        vault.balance = vault.balance + amount;\n        Ok(())\n",
            "        instructions::withdraw::handler(ctx, amount)\n",
        )
        + "pub mod instructions;\n",
    )
    (lib.parent / "instructions").mkdir()
    (lib.parent / "instructions" / "mod.rs").write_text("pub mod withdraw;\n")
    (lib.parent / "instructions" / "withdraw.rs").write_text(
        "use anchor_lang::prelude::*;\nuse crate::*;\n\n"
        "pub fn handler(ctx: Context<Withdraw>, amount: u64) -> Result<()> {\n"
        "    if !ctx.accounts.authority.is_signer {\n"
        "        return err!(VaultError::Unauthorized);\n    }\n"
        "    let vault = &mut ctx.accounts.vault;\n"
        "    vault.balance = vault.balance.checked_sub(amount).unwrap();\n"
        "    Ok(())\n}\n"
    )
    report = review_paths([tmp_path], root=tmp_path)
    assert [p.files for p in report.programs] == [
        (
            "programs/vault/src/instructions/mod.rs",
            "programs/vault/src/instructions/withdraw.rs",
            "programs/vault/src/lib.rs",
        )
    ]
    assert "missing_signer" not in {f.klass for f in report.findings}
    assert serious(report) == []


USER_AUTHORITY = """\
use anchor_lang::prelude::*;

#[program]
pub mod rewards {
    use super::*;

    pub fn claim(ctx: Context<Claim>, amount: u64) -> Result<()> {
        let position = &mut ctx.accounts.position;
        position.claimed = position.claimed.checked_add(amount).ok_or(RewardsError::Overflow)?;
        position.sub_lamports(amount)?;
        ctx.accounts.payer.add_lamports(amount)?;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Claim<'info> {
    #[account(mut)]
    pub position: Account<'info, Position>,
    #[account(mut)]
    pub payer: Signer<'info>,
}

#[account]
pub struct Position {
    pub user: Pubkey,
    pub claimed: u64,
}
"""


def test_an_authority_called_user_is_not_tied_to_an_unrelated_signer():
    report = review_source(USER_AUTHORITY)
    (finding,) = [f for f in report.findings if f.klass == "account_data_mismatch"]
    assert finding.severity == "high"
    assert "`user`" in finding.message and "claim" in finding.message
    assert "has_one = user" in finding.fix
    tied = USER_AUTHORITY.replace(
        "    #[account(mut)]\n    pub position",
        "    #[account(mut, constraint = position.user == payer.key())]\n    pub position",
    )
    assert serious(review_source(tied)) == []


SHARED_VAULT = """\
use anchor_lang::prelude::*;
use anchor_lang::system_program::{transfer, Transfer};

#[program]
pub mod piggy {
    use super::*;

    pub fn withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
        let seeds: &[&[u8]] = &[b"vault", &[ctx.bumps.vault]];
        let signer = &[seeds];
        transfer(
            CpiContext::new_with_signer(
                ctx.accounts.system_program.to_account_info(),
                Transfer {
                    from: ctx.accounts.vault.to_account_info(),
                    to: ctx.accounts.user.to_account_info(),
                },
                signer,
            ),
            amount,
        )
    }
}

#[derive(Accounts)]
pub struct Withdraw<'info> {
    #[account(mut, SEEDS, bump)]
    pub vault: SystemAccount<'info>,
    #[account(mut)]
    pub user: Signer<'info>,
    pub system_program: Program<'info, System>,
}
"""


def test_a_shared_seed_vault_any_signer_drains_is_pda_sharing():
    report = review_source(SHARED_VAULT.replace("SEEDS", 'seeds = [b"vault"]'))
    (finding,) = [f for f in report.findings if f.klass == "pda_sharing"]
    assert finding.severity == "high"
    assert 'b"vault"' in finding.message and "withdraw" in finding.message
    assert "user.key().as_ref()" in finding.fix
    bound = SHARED_VAULT.replace("SEEDS", 'seeds = [b"vault", user.key().as_ref()]')
    assert [f for f in review_source(bound).findings if f.klass == "pda_sharing"] == []
    assert serious(review_source(bound)) == []


ARITHMETIC = """\
use anchor_lang::prelude::*;

#[program]
pub mod counter {
    use super::*;

    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        ctx.accounts.vault.balance += amount;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Deposit<'info> {
    #[account(mut, has_one = owner)]
    pub vault: Account<'info, Vault>,
    pub owner: Signer<'info>,
}

#[account]
pub struct Vault {
    pub owner: Pubkey,
    pub balance: u64,
}
"""


def test_addition_is_not_unchecked_where_the_release_profile_checks_overflow(tmp_path: Path):
    on, off = tmp_path / "on", tmp_path / "off"
    on.mkdir()
    off.mkdir()
    anchor_workspace(on, ARITHMETIC, profile=OVERFLOW_ON)
    anchor_workspace(off, ARITHMETIC)
    assert review_paths([on], root=on).findings == ()
    (finding,) = review_paths([off], root=off).findings
    assert (finding.klass, finding.severity, finding.line) == ("unchecked_arithmetic", "medium", 8)
    assert finding.path == "programs/vault/src/lib.rs"
    assert finding.program == "vault"


def test_a_member_crates_own_profile_is_ignored_inside_a_cargo_workspace(tmp_path: Path):
    # Cargo reads profiles only from the workspace root manifest.
    lib = anchor_workspace(tmp_path, ARITHMETIC)
    manifest = lib.parent.parent / "Cargo.toml"
    manifest.write_text(manifest.read_text() + OVERFLOW_ON)
    assert {f.klass for f in review_paths([tmp_path], root=tmp_path).findings} == {
        "unchecked_arithmetic"
    }


CPI = """\
use anchor_lang::prelude::*;
use anchor_spl::token::{self, Transfer};

#[program]
pub mod pay {
    use super::*;

    pub fn pay(ctx: Context<Pay>, amount: u64) -> Result<()> {
        CHECK
        let accounts = Transfer {
            from: ctx.accounts.source.to_account_info(),
            to: ctx.accounts.destination.to_account_info(),
            authority: ctx.accounts.owner.to_account_info(),
        };
        let program = ctx.accounts.token_program.to_account_info();
        token::transfer(CpiContext::new(program, accounts), amount)
    }
}

#[derive(Accounts)]
pub struct Pay<'info> {
    #[account(mut)]
    pub source: Account<'info, TokenAccount>,
    #[account(mut)]
    pub destination: Account<'info, TokenAccount>,
    pub owner: Signer<'info>,
    /// CHECK: the token program
    pub token_program: TYPE,
}
"""


@pytest.mark.parametrize(
    ("check", "kind", "expected"),
    [
        ("", "UncheckedAccount<'info>", {("arbitrary_cpi", "critical")}),
        ("", "Program<'info, Token>", set()),
        (
            "require_keys_eq!(ctx.accounts.token_program.key(), token::ID);",
            "UncheckedAccount<'info>",
            set(),
        ),
    ],
)
def test_a_cpi_program_id_is_arbitrary_only_when_nothing_fixes_it(
    check: str, kind: str, expected: set[tuple[str, str]]
):
    source = CPI.replace("CHECK", check).replace("TYPE", kind)
    assert classes(review_source(source), at_least="medium") == expected


DUPLICATE = """\
use anchor_lang::prelude::*;

#[program]
pub mod points {
    use super::*;

    pub fn send(ctx: Context<Send>, amount: u64) -> Result<()> {
        ctx.accounts.from.points = ctx.accounts.from.points.checked_sub(amount).unwrap();
        ctx.accounts.to.points = ctx.accounts.to.points.checked_add(amount).unwrap();
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Send<'info> {
    #[account(mut, has_one = owner)]
    pub from: Account<'info, Player>,
    #[account(mut DUP)]
    pub to: Account<'info, Player>,
    pub owner: Signer<'info>,
}

#[account]
pub struct Player {
    pub owner: Pubkey,
    pub points: u64,
}
"""


@pytest.mark.parametrize(
    ("anchor", "dup", "expected"),
    [
        ("0.32.1", "", {("duplicate_mutable_accounts", "high")}),
        # Anchor 1.x refuses the same mutable account twice unless `dup` allows it.
        ("1.0.0", "", set()),
        ("1.0.0", ", dup", {("duplicate_mutable_accounts", "medium")}),
    ],
)
def test_duplicate_mutable_accounts_follow_the_anchor_version(
    tmp_path: Path, anchor: str, dup: str, expected: set[tuple[str, str]]
):
    anchor_workspace(tmp_path, DUPLICATE.replace(" DUP", dup), anchor=anchor, profile=OVERFLOW_ON)
    assert classes(review_paths([tmp_path], root=tmp_path), at_least="medium") == expected


CLOSE = """\
use anchor_lang::prelude::*;

#[program]
pub mod escrow {
    use super::*;

    pub fn close_escrow(ctx: Context<CloseEscrow>) -> Result<()> {
        let escrow = ctx.accounts.escrow.to_account_info();
        let owner = ctx.accounts.owner.to_account_info();
        **owner.try_borrow_mut_lamports()? += escrow.lamports();
        **escrow.try_borrow_mut_lamports()? = 0;
        WIPE
        Ok(())
    }
}

#[derive(Accounts)]
pub struct CloseEscrow<'info> {
    #[account(mut, has_one = owner)]
    pub escrow: Account<'info, Escrow>,
    #[account(mut)]
    pub owner: Signer<'info>,
}

#[account]
pub struct Escrow {
    pub owner: Pubkey,
}
"""


def test_closing_by_draining_lamports_is_insecure_unless_the_data_is_wiped():
    (finding,) = [
        f for f in review_source(CLOSE.replace("WIPE", "")).findings if f.severity == "high"
    ]
    assert (finding.klass, finding.line) == ("insecure_close", 11)
    assert "close = destination" in finding.fix
    wiped = CLOSE.replace("WIPE", "escrow.assign(&system_program::ID);\n        escrow.resize(0)?;")
    assert serious(review_source(wiped)) == []


SYSVAR = """\
use anchor_lang::prelude::*;
use anchor_lang::solana_program::sysvar::instructions::LOAD;

#[program]
pub mod guard {
    use super::*;

    pub fn verify(ctx: Context<Verify>) -> Result<()> {
        let ix = LOAD(0, &ctx.accounts.instructions.to_account_info())?;
        require_keys_eq!(ix.program_id, ed25519_program::ID);
        ctx.accounts.state.verified = true;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Verify<'info> {
    #[account(mut, has_one = owner)]
    pub state: Account<'info, State>,
    pub owner: Signer<'info>,
    /// CHECK: the instructions sysvar
    ADDRESS
    pub instructions: UncheckedAccount<'info>,
}

#[account]
pub struct State {
    pub owner: Pubkey,
    pub verified: bool,
}
"""


def test_instructions_sysvar_read_without_an_address_check_is_spoofable():
    vulnerable = SYSVAR.replace("LOAD", "load_instruction_at").replace("ADDRESS\n", "")
    found = {(f.klass, f.severity) for f in review_source(vulnerable).findings}
    assert ("sysvar_spoofing", "critical") in found
    fixed = SYSVAR.replace("LOAD", "load_instruction_at_checked").replace(
        "ADDRESS", "#[account(address = sysvar::instructions::ID)]"
    )
    assert serious(review_source(fixed)) == []


BUMP = """\
use anchor_lang::prelude::*;

#[derive(Accounts)]
#[instruction(bump: u8)]
pub struct Claim<'info> {
    #[account(mut, seeds = [b"reward", owner.key().as_ref()], BUMP, has_one = owner)]
    pub reward: Account<'info, Reward>,
    pub owner: Signer<'info>,
}

#[account]
pub struct Reward {
    pub owner: Pubkey,
    pub bump: u8,
}
"""


@pytest.mark.parametrize(
    ("bump", "expected"),
    [("bump = bump", {"non_canonical_bump"}), ("bump = reward.bump", set()), ("bump", set())],
)
def test_a_caller_supplied_bump_is_non_canonical(bump: str, expected: set[str]):
    assert {f.klass for f in review_source(BUMP.replace("BUMP", bump)).findings} == expected


def test_findings_and_summary_have_the_json_shapes_of_design_section_6():
    report = review_source(VAULT.replace("CHECK", ""), "lib.rs")
    finding = report.findings[0].to_json()
    assert list(finding) == [
        "type",
        "class",
        "severity",
        "path",
        "line",
        "message",
        "fix",
        "program",
    ]
    assert finding["type"] == "finding" and finding["class"] in CLASSES
    summary = report.summary_json()
    assert summary["type"] == "summary"
    assert summary["findings"] == len(report.findings)
    assert list(summary["by_severity"]) == ["critical", "high", "medium", "low", "info"]  # type: ignore[call-overload]


def test_every_class_reported_is_documented():
    sources = [
        VAULT.replace("CHECK", ""),
        USER_AUTHORITY,
        SHARED_VAULT.replace("SEEDS", 'seeds = [b"vault"]'),
        CLOSE.replace("WIPE", ""),
    ]
    reported = {f.klass for source in sources for f in review_source(source).findings}
    assert reported <= set(CLASSES)


def test_changed_lines_keep_only_findings_on_them(tmp_path: Path):
    anchor_workspace(tmp_path, ARITHMETIC.replace("has_one = owner", "has_one = owner") + "\n")
    everything = review_paths([tmp_path], root=tmp_path)
    assert {f.line for f in everything.findings} == {8}
    path = "programs/vault/src/lib.rs"
    assert review_paths([tmp_path], root=tmp_path, changed={path: frozenset({8})}).findings
    assert review_paths([tmp_path], root=tmp_path, changed={path: frozenset({9})}).findings == ()
    assert review_paths([tmp_path], root=tmp_path, changed={}).findings == ()


def test_unreadable_files_are_problems_not_exceptions(tmp_path: Path):
    lib = anchor_workspace(tmp_path, ARITHMETIC, profile=OVERFLOW_ON)
    (lib.parent / "binary.rs").write_bytes(b"fn a() {}\x00\x01")
    (lib.parent / "latin.rs").write_bytes("// caf\xe9\n".encode("latin-1"))
    os.mkfifo(lib.parent / "pipe.rs")
    (lib.parent / ".env.rs").write_text("sk-test-canary-0123456789")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "other.rs").write_text("fn main() {}\n")
    (lib.parent / "link.rs").symlink_to(outside / "other.rs")
    report = review_paths([tmp_path, outside], root=tmp_path)
    problems = " ".join(report.problems)
    assert "binary.rs is binary" in problems
    assert "latin.rs is not UTF-8" in problems
    assert "pipe.rs is not a regular file" in problems
    assert "outside the workspace" in problems
    assert "sk-test-canary" not in problems + repr(report.findings)
    files = report.programs[0].files
    assert "programs/vault/src/lib.rs" in files
    assert not any("other.rs" in name or "link.rs" in name for name in files)


def test_a_rust_crate_without_solana_dependencies_is_not_a_program(tmp_path: Path):
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "tool"\nversion = "0.1.0"\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.rs").write_text("fn main() { let total = 1 + 2; }\n")
    report = review_paths([tmp_path], root=tmp_path)
    assert report.programs == () and report.findings == ()


def test_twenty_programs_are_found_in_one_anchor_workspace(tmp_path: Path):
    for index in range(20):
        anchor_workspace(tmp_path, ARITHMETIC, profile=OVERFLOW_ON, name=f"p{index}")
    report = review_paths([tmp_path], root=tmp_path)
    assert sorted(p.name for p in report.programs) == sorted(f"p{i}" for i in range(20))
    assert {p.kind for p in report.programs} == {"anchor"}
    assert report.findings == ()


def test_client_typescript_rules_run_on_client_files(tmp_path: Path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "package.json").write_text("{}")
    (tmp_path / "app" / "send.ts").write_text(
        'const c = new Connection("https://api.mainnet-beta.solana.com");\n'
    )
    report = review_paths([tmp_path], root=tmp_path)
    assert [(p.name, p.kind) for p in report.programs] == [("app", "client")]
    assert [(f.klass, f.path, f.line, f.program) for f in report.findings] == [
        ("public_rpc", "app/send.ts", 1, "app")
    ]


def test_the_design_classes_are_all_in_the_table():
    design = {
        "missing_signer",
        "missing_owner_check",
        "account_data_mismatch",
        "type_cosplay",
        "reinitialization",
        "arbitrary_cpi",
        "duplicate_mutable_accounts",
        "non_canonical_bump",
        "pda_sharing",
        "insecure_close",
        "sysvar_spoofing",
        "unchecked_arithmetic",
    }
    assert design <= set(CLASSES)
    assert all(info.title and info.description for info in CLASSES.values())
