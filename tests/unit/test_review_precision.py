"""Shapes met in real programs that a reviewer must get right either way: each test holds one
false alarm seen on audited or teaching programs (read locally, nothing copied) next to the
vulnerable form of the same shape, so precision is not bought with recall."""

from __future__ import annotations

from solcoder.solana.review import Report, review_source

HEADER = "use anchor_lang::prelude::*;\n\n"


def serious(report: Report) -> list[tuple[str, str]]:
    return [(f.klass, f.severity) for f in report.findings if f.severity in {"critical", "high"}]


def found(report: Report) -> set[str]:
    return {f.klass for f in report.findings}


SELF_CONTEXT = (
    HEADER
    + """\
#[derive(Accounts)]
pub struct Reclaim<'info> {
    pub payer: Signer<'info>,
    /// CHECK: a PDA of this program
    #[account(mut, SEEDS)]
    pub proposal: AccountInfo<'info>,
}

impl Reclaim<'_> {
    pub fn reclaim(ctx: Context<Self>) -> Result<()> {
        let proposal = &ctx.accounts.proposal;
        let state = Proposal::try_deserialize(&mut &**proposal.data.borrow())?;
        require!(state.done, ErrorCode::Open);
        Ok(())
    }
}

#[account]
pub struct Proposal {
    pub done: bool,
}
"""
)


def test_a_handler_taking_context_of_self_is_the_impl_types_handler():
    # `seeds` make the account a PDA of the program: its owner is implied.
    derived = SELF_CONTEXT.replace("SEEDS", 'seeds = [b"proposal"], bump')
    assert "missing_owner_check" not in found(review_source(derived))
    plain = SELF_CONTEXT.replace(", SEEDS", "")
    assert ("missing_owner_check", "high") in serious(review_source(plain))


TICKET = (
    HEADER
    + """\
#[program]
pub mod tickets {
    use super::*;
    pub fn claim(ctx: Context<Claim>) -> Result<()> {
        let ticket = ctx.accounts.ticket.to_account_info();
        CLOSE
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Claim<'info> {
    #[account(mut, has_one = owner)]
    pub ticket: Account<'info, Ticket>,
    #[account(mut)]
    pub owner: Signer<'info>,
}

#[account]
pub struct Ticket {
    pub owner: Pubkey,
    pub lamports_amount: u64,
}
"""
)


def test_a_field_named_lamports_set_to_zero_is_not_a_close():
    field = TICKET.replace("CLOSE", "ctx.accounts.ticket.lamports_amount = 0;")
    assert "insecure_close" not in found(review_source(field))
    drained = TICKET.replace("CLOSE", "**ticket.try_borrow_mut_lamports()? = 0;")
    assert ("insecure_close", "high") in serious(review_source(drained))


def test_a_minified_bundle_is_not_a_secret_key_but_a_keypair_literal_is():
    bundle = "var a=[" + ",".join(str(n) for n in range(300, 400)) + "];\n"
    assert review_source(bundle, "main.js").findings == ()
    keypair = "const k = [" + ", ".join(str(n % 256) for n in range(64)) + "];\n"
    assert ("secret_key_in_source", "critical") in serious(review_source(keypair, "key.ts"))


CRANK = (
    HEADER
    + """\
#[program]
pub mod pool {
    use super::*;
    pub fn merge(ctx: Context<Merge>) -> Result<()> {
        CHECK
        **ctx.accounts.fees.try_borrow_mut_lamports()? += 1;
        ctx.accounts.state.merges = ctx.accounts.state.merges.checked_add(1).unwrap();
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Merge<'info> {
    #[account(mut, HAS_ONE)]
    pub state: Account<'info, State>,
    /// CHECK: the fee account
    #[account(mut)]
    pub fees: UncheckedAccount<'info>,
}

#[account]
pub struct State {
    pub admin: Pubkey,
    pub fees: Pubkey,
    pub merges: u64,
}
"""
)


def test_a_crank_whose_destinations_are_pinned_is_not_a_missing_signer_alarm():
    pinned = CRANK.replace("CHECK", "").replace("HAS_ONE", "has_one = fees")
    assert serious(review_source(pinned)) == []
    by_hand = CRANK.replace(
        "CHECK", "require_keys_eq!(ctx.accounts.fees.key(), ctx.accounts.state.fees);"
    ).replace(", HAS_ONE", "")
    assert serious(review_source(by_hand)) == []
    free = CRANK.replace("CHECK", "").replace(", HAS_ONE", "")
    assert ("missing_signer", "critical") in serious(review_source(free))


ROLE = (
    HEADER
    + """\
#[derive(Accounts)]
pub struct SetScore<'info> {
    #[account(mut)]
    pub state: Account<'info, State>,
    #[account(ADDRESS)]
    pub admin: Signer<'info>,
}

#[account]
pub struct State {
    pub admin: Pubkey,
    pub score: u32,
}
"""
)


def test_a_signer_pinned_by_address_to_a_stored_role_ties_the_state():
    tied = ROLE.replace("ADDRESS", "address = state.admin @ ErrorCode::NotAdmin")
    assert "account_data_mismatch" not in found(review_source(tied))
    untied = ROLE.replace("#[account(ADDRESS)]\n    ", "")
    assert ("account_data_mismatch", "high") in serious(review_source(untied))


STAKES = (
    HEADER
    + """\
#[derive(Accounts)]
pub struct Merge<'info> {
    #[account(mut)]
    pub destination: Account<'info, TYPE>,
    #[account(mut)]
    pub source: Account<'info, TYPE>,
    pub operator: Signer<'info>,
}
"""
)


def test_duplicate_accounts_of_another_programs_type_are_not_flagged():
    assert "duplicate_mutable_accounts" not in found(
        review_source(STAKES.replace("TYPE", "StakeAccount"))
    )
    assert "duplicate_mutable_accounts" in found(review_source(STAKES.replace("TYPE", "Player")))


DECODED = (
    HEADER
    + """\
#[program]
pub mod gate {
    use super::*;
    pub fn enter(ctx: Context<Enter>) -> Result<()> {
        let token = SplTokenAccount::unpack(&ctx.accounts.token.data.borrow())?;
        CHECK
        ctx.accounts.pass.amount = token.amount;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Enter<'info> {
    /// CHECK: an SPL token account read by hand
    #[account(owner = token::ID)]
    pub token: AccountInfo<'info>,
    #[account(mut, has_one = member)]
    pub pass: Account<'info, Pass>,
    pub member: Signer<'info>,
}

#[account]
pub struct Pass {
    pub member: Pubkey,
    pub amount: u64,
}
"""
)


def test_decoded_token_data_whose_owner_is_never_compared_is_account_data_mismatch():
    unchecked = DECODED.replace("CHECK", "")
    (finding,) = [f for f in review_source(unchecked).findings if f.severity == "high"]
    assert finding.klass == "account_data_mismatch" and "`token`" in finding.message
    checked = DECODED.replace(
        "CHECK", "require_keys_eq!(token.owner, ctx.accounts.member.key(), ErrorCode::NotYours);"
    )
    assert serious(review_source(checked)) == []


SIGNER_SEEDS = (
    HEADER
    + """\
#[program]
pub mod pool {
    use super::*;
    pub fn withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
        let seeds = &[SEEDS, &[ctx.accounts.pool.bump]];
        token::transfer(ctx.accounts.transfer_context().with_signer(&[seeds]), amount)
    }
}

#[derive(Accounts)]
pub struct Withdraw<'info> {
    #[account(has_one = vault)]
    pub pool: Account<'info, Pool>,
    #[account(mut)]
    pub vault: Account<'info, TokenAccount>,
    #[account(mut)]
    pub destination: Account<'info, TokenAccount>,
    pub user: Signer<'info>,
    pub token_program: Program<'info, Token>,
}

#[account]
pub struct Pool {
    pub vault: Pubkey,
    pub mint: Pubkey,
    pub depositor: Pubkey,
    pub bump: u8,
}
"""
)


def test_signer_seeds_built_in_the_handler_from_a_mint_only_are_shared():
    shared = SIGNER_SEEDS.replace("SEEDS", "ctx.accounts.pool.mint.as_ref()")
    assert ("pda_sharing", "high") in serious(review_source(shared))
    bound = SIGNER_SEEDS.replace("SEEDS", "ctx.accounts.pool.depositor.as_ref()")
    assert "pda_sharing" not in found(review_source(bound))


NATIVE = """\
use solana_program::{account_info::next_account_info, entrypoint::ProgramResult};

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let iter = &mut accounts.iter();
    let payer = next_account_info(iter)?;
    let counter_info = next_account_info(iter)?;
    let system_program = next_account_info(iter)?;
    invoke(
        &system_instruction::transfer(payer.key, counter_info.key, 1),
        &[payer.clone(), counter_info.clone(), system_program.clone()],
    )?;
    let mut counter = Counter::try_from_slice(&counter_info.data.borrow())?;
    counter.count = counter.count.checked_add(1).unwrap();
    WRITE
    Ok(())
}

#[derive(BorshSerialize, BorshDeserialize)]
pub struct Counter {
    pub count: u64,
}
"""


def test_native_accounts_handed_to_a_system_cpi_are_checked_by_the_system_program():
    # The System Program refuses an unsigned funder, and its builder fixes the program id.
    written = NATIVE.replace(
        "WRITE", "counter.serialize(&mut &mut counter_info.data.borrow_mut()[..])?;"
    )
    assert found(review_source(written)) <= {"unwrap"}


def test_data_written_back_needs_no_owner_check_but_data_only_read_does():
    # The runtime fails an instruction that changes data of an account it does not own.
    read_only = NATIVE.replace("WRITE", 'msg!("{}", counter.count);').replace(
        "    invoke(\n        &system_instruction::transfer(payer.key, counter_info.key, 1),\n"
        "        &[payer.clone(), counter_info.clone(), system_program.clone()],\n    )?;\n",
        "",
    )
    assert ("missing_owner_check", "high") in serious(review_source(read_only))


HELPER_BUMP = (
    HEADER
    + """\
#[program]
pub mod config {
    use super::*;
    pub fn init_config(ctx: Context<InitConfig>, bump: u8) -> Result<()> {
        ctx.accounts.init(CALLER)
    }
}

#[derive(Accounts)]
pub struct InitConfig<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(init, payer = payer, space = 8 + 33, seeds = [b"config"], bump)]
    pub config: Account<'info, Config>,
    pub system_program: Program<'info, System>,
}

impl InitConfig<'_> {
    pub fn init(&mut self, config_bump: u8) -> Result<()> {
        self.config.set_inner(Config { authority: self.payer.key(), bump: config_bump });
        Ok(())
    }
}

#[account]
pub struct Config {
    pub authority: Pubkey,
    pub bump: u8,
}
"""
)


def test_a_bump_handed_to_a_method_by_ctx_bumps_is_canonical():
    canonical = HELPER_BUMP.replace("CALLER", "ctx.bumps.config")
    assert "non_canonical_bump" not in found(review_source(canonical))
    from_caller = HELPER_BUMP.replace("CALLER", "bump")
    assert ("non_canonical_bump", "high") in serious(review_source(from_caller))


def test_a_client_crate_that_only_depends_on_solana_program_is_not_reviewed(tmp_path):
    from solcoder.solana.review import review_paths

    (tmp_path / "Cargo.toml").write_text(
        '[package]\nname = "sdk"\nversion = "0.1.0"\n\n[dependencies]\nsolana-program = "2"\n'
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lib.rs").write_text(
        "pub fn create_pda(bump: u8) -> Pubkey {\n"
        '    Pubkey::create_program_address(&[b"config", &[bump]], &ID).unwrap()\n}\n'
    )
    report = review_paths([tmp_path], root=tmp_path)
    assert report.programs == () and report.findings == ()
