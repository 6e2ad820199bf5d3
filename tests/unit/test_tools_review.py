"""The static reviewer: planted issues are found at their lines, safe code stays quiet.

Each planted issue carries a `// PLANT: rule[, rule]` comment on its line; comments are ignored
by the checks, so the expected findings are read from the source itself.
"""

import re

import pytest

from solcoder.tools.toolkits.review import review_code

VULNERABLE_ANCHOR = """\
use anchor_lang::prelude::*;

declare_id!("Fg6PaFpoGXkYsidMpWTK6W2BeZ7FEfcYkg476zPFsLnS");

const ADMIN: Pubkey = pubkey!("FakeProgram32x111111111111111111"); // a named constant is fine

#[program]
pub mod vault {
    use super::*;

    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        let vault = &mut ctx.accounts.vault;
        vault.balance += amount; // PLANT: unchecked_arithmetic
        // a comment about balance + amount is not code
        msg!("note: amount + fee is only text");
        msg!("depositing with {}", vault.secret_key); // PLANT: secret_in_log
        vault.total = vault.total.checked_add(amount).ok_or(VaultError::Overflow)?;
        Ok(())
    }

    pub fn withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
        let vault = &mut ctx.accounts.vault;
        vault.balance = vault.balance - amount; // PLANT: unchecked_arithmetic
        let share = amount.checked_mul(2).unwrap(); // PLANT: unwrap
        **ctx.accounts.vault.to_account_info().lamports.borrow_mut() = 0; // PLANT: insecure_close
        for account in ctx.remaining_accounts.iter() { // PLANT: remaining_accounts
            msg!("{}", account.key);
        }
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Deposit<'info> {
    #[account(init_if_needed, payer = payer, space = 8 + 64)] // PLANT: init_if_needed
    pub vault: Account<'info, Vault>,
    #[account(mut)]
    pub payer: Signer<'info>,
    pub system_program: Program<'info, System>,
}

#[derive(Accounts)]
pub struct Withdraw<'info> {
    #[account(mut)]
    pub vault: Account<'info, Vault>, // PLANT: account_data_mismatch
    pub authority: AccountInfo<'info>, // PLANT: missing_signer
    pub helper: UncheckedAccount<'info>, // PLANT: unchecked_account
    pub token_program: AccountInfo<'info>, // PLANT: unchecked_account
    /// CHECK: pinned to the fee collector by the address constraint.
    #[account(address = FEE_COLLECTOR)]
    pub fee_collector: UncheckedAccount<'info>,
    pub owner: Signer<'info>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses() {
        "1".parse::<u64>().unwrap();
    }
}
"""

SAFE_ANCHOR = """\
use anchor_lang::prelude::*;

#[derive(Accounts)]
pub struct Withdraw<'info> {
    #[account(mut, has_one = owner, seeds = [b"vault", owner.key().as_ref()], bump = vault.bump)]
    pub vault: Account<'info, Vault>,
    #[account(mut)]
    pub owner: Signer<'info>,
    pub token_program: Program<'info, Token>,
    #[account(mut, token::mint = mint, token::authority = owner)]
    pub source: Account<'info, TokenAccount>,
}

pub fn withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
    let vault = &mut ctx.accounts.vault;
    vault.balance = vault.balance.checked_sub(amount).ok_or(VaultError::Underflow)?;
    let space = 8 + Vault::INIT_SPACE;
    require!(space > 0, VaultError::Underflow);
    Ok(())
}
"""

VULNERABLE_NATIVE = """\
use solana_program::account_info::{next_account_info, AccountInfo};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let iter = &mut accounts.iter();
    let authority = next_account_info(iter)?; // PLANT: missing_signer
    let state = next_account_info(iter)?;
    let record =
        Record::try_from_slice(&state.data.borrow())?; // PLANT: missing_owner_check, type_cosplay
    if record.authority != *authority.key {
        return Err(ProgramError::InvalidAccountData);
    }
    Ok(())
}
"""

VULNERABLE_TYPESCRIPT = """\
import { Connection, Keypair } from "@solana/web3.js";

const payer = Keypair.fromSecretKey(Uint8Array.from([1, 2, 3])); // PLANT: secret_key_in_source
const connection = new Connection("https://api.mainnet-beta.solana.com"); // PLANT: public_rpc
console.log("payer", payer.secretKey); // PLANT: secret_in_log
const { blockhash } = await connection.getRecentBlockhash(); // PLANT: deprecated_confirmation
await connection.sendTransaction(tx, [payer], { skipPreflight: true }); // PLANT: skip_preflight
console.log("sent", payer.publicKey.toBase58());
"""


def _planted(source: str) -> set[tuple[str, int]]:
    return {
        (rule.strip(), number)
        for number, line in enumerate(source.splitlines(), start=1)
        for match in [re.search(r"// PLANT: ([\w, ]+)", line)]
        if match
        for rule in match[1].split(",")
    }


@pytest.mark.parametrize(
    ("source", "language"),
    [
        (VULNERABLE_ANCHOR, "rust"),
        (VULNERABLE_NATIVE, "rust"),
        (VULNERABLE_TYPESCRIPT, "typescript"),
    ],
)
def test_planted_issues_are_found_at_their_lines_and_nowhere_else(source: str, language: str):
    review = review_code(source, language)  # type: ignore[arg-type]
    found = {(finding.rule, finding.line) for finding in review.findings}
    assert found == _planted(source)


def test_findings_carry_severity_fix_and_the_source_line():
    review = review_code(VULNERABLE_ANCHOR)
    by_rule = {finding.rule: finding for finding in review.findings}
    assert by_rule["missing_signer"].severity == "critical"
    assert (
        by_rule["missing_signer"].code
        == "pub authority: AccountInfo<'info>, // PLANT: missing_signer"
    )
    assert "Signer<'info>" in by_rule["missing_signer"].fix
    assert "checked_add" in by_rule["unchecked_arithmetic"].fix
    assert by_rule["account_data_mismatch"].fix.startswith("Add `has_one = owner`")
    assert by_rule["insecure_close"].severity == "high"
    # Pasted source: the release profile is unknown, so arithmetic is low, not a finding to
    # block on; the unchecked program account no CPI uses is an undocumented account, not an
    # arbitrary CPI.
    assert review.counts == {"critical": 1, "high": 2, "medium": 1, "low": 5, "info": 2}
    assert review.summary == "11 findings: 1 critical, 2 high, 1 medium, 5 low, 2 info."
    assert [f.line for f in review.findings] == sorted(f.line for f in review.findings)


def test_safe_code_has_no_findings():
    review = review_code(SAFE_ANCHOR)
    assert review.findings == []
    assert review.summary == "No issues found by the static checklist."
    assert "account_data_mismatch" in review.checks


def test_check_comment_without_constraint_is_a_low_finding():
    source = (
        "#[derive(Accounts)]\npub struct A<'info> {\n"
        "    /// CHECK: only read for its lamports\n"
        "    pub thing: UncheckedAccount<'info>,\n}\n"
    )
    (finding,) = review_code(source).findings
    assert (finding.rule, finding.severity, finding.line) == ("unchecked_account", "low", 4)


def test_multi_line_account_attributes_are_read_together():
    source = (
        "#[derive(Accounts)]\npub struct A<'info> {\n"
        "    #[account(\n        mut,\n        init_if_needed,\n        payer = owner,\n    )]\n"
        "    pub data: Account<'info, Data>,\n"
        "    #[account(mut)]\n    pub owner: Signer<'info>,\n}\n"
    )
    assert [(f.rule, f.line) for f in review_code(source).findings] == [("init_if_needed", 5)]
