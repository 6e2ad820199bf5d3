"""The program model the review rules read, built from tree-sitter trees: Accounts structs with
their account types and constraints, state types, handlers and what they delegate to. Property
tests: neither the model nor a whole review ever raises, whatever the text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from solcoder.solana.review import review_source, syntax
from solcoder.solana.review.model import build

PROGRAM = """\
use anchor_lang::prelude::*;

#[program]
pub mod vault {
    use super::*;

    pub fn withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
        instructions::withdraw::handler(ctx, amount)
    }
}

#[derive(Accounts)]
#[instruction(amount: u64, bump: u8)]
pub struct Withdraw<'info> {
    #[account(
        mut,
        has_one = authority @ VaultError::Unauthorized,
        seeds = [b"vault", authority.key().as_ref()],
        bump = vault.bump,
    )]
    pub vault: Box<Account<'info, Vault>>,
    /// CHECK: compared by has_one
    #[account(signer)] // the authority signs
    pub authority: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    pub rent: Sysvar<'info, Rent>,
    #[account(mut, token::authority = authority)]
    pub source: InterfaceAccount<'info, TokenAccount>,
}

#[account]
pub struct Vault {
    pub authority: Pubkey,
    pub bump: u8,
}

pub mod instructions {
    pub mod withdraw {
        use super::super::*;
        pub fn handler(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
            require!(ctx.accounts.authority.is_signer, VaultError::Unauthorized);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    fn helper(ctx: Context<Withdraw>) {}
}
"""


def _model():
    return build("vault", [("lib.rs", syntax.parse(PROGRAM))])


def test_accounts_struct_fields_types_and_constraints():
    struct = _model().structs["Withdraw"]
    assert struct.instruction_args == ("amount", "bump")
    vault = struct.get("vault")
    assert vault is not None
    assert (vault.kind, vault.inner, vault.state) == ("Account", "Vault", "Vault")
    assert vault.values("has_one") == ["authority @ VaultError::Unauthorized"]
    assert vault.value("seeds") == '[b"vault", authority.key().as_ref()]'
    assert vault.value("bump") == "vault.bump"
    assert vault.line_of("seeds") == 18
    assert vault.mutable and not vault.fresh
    authority = struct.get("authority")
    assert authority is not None
    assert authority.unchecked and authority.signs and authority.documented
    kinds = {f.name: (f.kind, f.inner) for f in struct.fields}
    assert kinds["token_program"] == ("Program", "Token")
    assert kinds["rent"] == ("Sysvar", "Rent")
    assert kinds["source"] == ("InterfaceAccount", "TokenAccount")
    source = struct.get("source")
    assert source is not None and source.value("token::authority") == "authority"


def test_state_types_and_their_keys():
    vault = _model().data["Vault"]
    assert vault.anchor and vault.pubkeys() == ["authority"]


def test_handlers_and_what_they_delegate_to():
    model = _model()
    handlers = model.checks_for("Withdraw")
    names = [(f.name, f.in_program) for f in handlers]
    assert ("withdraw", True) in names and ("handler", False) in names
    assert "helper" not in {f.name for f in handlers}, "test code is not a handler"
    handler = next(f for f in handlers if f.name == "handler")
    assert "is_signer" in handler.code
    assert handler.context == "Withdraw"


def test_comments_never_count_as_code():
    source = PROGRAM.replace("#[account(signer)] // the authority signs", "// #[account(signer)]")
    struct = build("vault", [("lib.rs", syntax.parse(source))]).structs["Withdraw"]
    authority = struct.get("authority")
    assert authority is not None and not authority.signs


def test_the_parse_cache_returns_the_same_tree_for_the_same_text():
    assert syntax.parse(PROGRAM) is syntax.parse(PROGRAM)
    assert syntax.parse(PROGRAM + "\n") is not syntax.parse(PROGRAM)


RUST_PIECES = st.sampled_from(
    [
        "#[derive(Accounts)]",
        "pub struct S<'info> {",
        '#[account(mut, has_one = a, seeds = [b"x"',
        ")]",
        "pub a: Account<'info, T>,",
        "pub b: Box<Account<'info",
        "Signer<'info>",
        "fn f(ctx: Context<S>) {",
        "**a.try_borrow_mut_lamports()? = 0;",
        "invoke(&ix, &[x])",
        'create_program_address(&[b"v", &[bump]], id)',
        "T::try_from_slice(&a.data.borrow())?;",
        "next_account_info(iter)?;",
        "x.balance += amount;",
        "}",
        "{",
        "/*",
        "*/",
        "//",
        '"',
        "'",
        "#[program]",
        "mod m {",
        "\n",
        "\r\n",
        "\u2028",
        "\x00",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(RUST_PIECES, max_size=40).map(" ".join))
def test_review_never_raises_on_garbled_rust(text: str):
    report = review_source(text)
    assert all(finding.line >= 1 for finding in report.findings)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
def test_review_never_raises_on_arbitrary_text(text: str):
    review_source(text)
    review_source(text, "client.ts")


def test_deep_nesting_does_not_recurse_out_of_stack():
    review_source("fn a() {" * 3000 + "}" * 3000)
    review_source("mod m {" * 500 + "}" * 500)
