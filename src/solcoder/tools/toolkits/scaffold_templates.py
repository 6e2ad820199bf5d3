"""Starter files for new Solana programs, as text templates.

Kept as data apart from `code.py` so the templates read like the files they become. The Anchor
starter is a small counter that shows the safe patterns the reviewer checks for (PDA seeds with a
stored bump, `has_one`, `Signer`, checked arithmetic, custom errors), so a scaffolded program
passes `review_code` cleanly. Every template is a `str.format` string: placeholders are
`{name}` (snake_case), `{type_name}` (PascalCase), `{program_id}` and `{anchor_version}`; literal
braces are doubled.
"""

from __future__ import annotations

# The program id `anchor init` has put in new workspaces for years; `anchor keys sync` replaces
# it with the id of the keypair the first `anchor build` generates.
PLACEHOLDER_PROGRAM_ID = "Fg6PaFpoGXkYsidMpWTK6W2BeZ7FEfcYkg476zPFsLnS"
ANCHOR_VERSION = "1.0.0"
"""Anchor 1.0.0 (released 2026-04-02; checked December 2026 against its release notes): the
crate is still `anchor-lang`, the TypeScript package became `@anchor-lang/core` (was
`@coral-xyz/anchor`), and the recommended Solana CLI is 3.1.10. Anchor 1.2+ builds SBPF v3 by
default, which the LiteSVM 0.11 bundled by anchor-litesvm 0.4 cannot load, hence 1.0.0 here."""

ANCHOR_TOML = """\
[toolchain]

[features]
resolution = true
skip-lint = false

[programs.localnet]
{name} = "{program_id}"

[provider]
cluster = "Localnet"
wallet = "~/.config/solana/id.json"

[scripts]
test = "yarn run ts-mocha -p ./tsconfig.json -t 1000000 tests/**/*.ts"
"""

WORKSPACE_CARGO_TOML = """\
[workspace]
members = ["programs/*"]
resolver = "2"

[profile.release]
overflow-checks = true
lto = "fat"
codegen-units = 1

[profile.release.build-override]
opt-level = 3
incremental = false
codegen-units = 1
"""

ANCHOR_PROGRAM_CARGO_TOML = """\
[package]
name = "{name}"
version = "0.1.0"
description = "Created with SolCoder"
edition = "2021"

[lib]
crate-type = ["cdylib", "lib"]
name = "{name}"

[features]
default = []
cpi = ["no-entrypoint"]
no-entrypoint = []
no-idl = []
no-log-ix-name = []
idl-build = ["anchor-lang/idl-build"]

[dependencies]
anchor-lang = "{anchor_version}"
"""

ANCHOR_LIB_RS = """\
use anchor_lang::prelude::*;

declare_id!("{program_id}");

#[program]
pub mod {name} {{
    use super::*;

    pub fn initialize(ctx: Context<Initialize>) -> Result<()> {{
        let counter = &mut ctx.accounts.counter;
        counter.authority = ctx.accounts.authority.key();
        counter.count = 0;
        counter.bump = ctx.bumps.counter;
        Ok(())
    }}

    pub fn increment(ctx: Context<Increment>) -> Result<()> {{
        let counter = &mut ctx.accounts.counter;
        counter.count = counter
            .count
            .checked_add(1)
            .ok_or(CounterError::Overflow)?;
        Ok(())
    }}
}}

#[derive(Accounts)]
pub struct Initialize<'info> {{
    #[account(
        init,
        payer = authority,
        space = 8 + Counter::INIT_SPACE,
        seeds = [b"counter", authority.key().as_ref()],
        bump
    )]
    pub counter: Account<'info, Counter>,
    #[account(mut)]
    pub authority: Signer<'info>,
    pub system_program: Program<'info, System>,
}}

#[derive(Accounts)]
pub struct Increment<'info> {{
    #[account(
        mut,
        seeds = [b"counter", authority.key().as_ref()],
        bump = counter.bump,
        has_one = authority
    )]
    pub counter: Account<'info, Counter>,
    pub authority: Signer<'info>,
}}

#[account]
#[derive(InitSpace)]
pub struct Counter {{
    pub authority: Pubkey,
    pub count: u64,
    pub bump: u8,
}}

#[error_code]
pub enum CounterError {{
    #[msg("The counter would overflow")]
    Overflow,
}}
"""

ANCHOR_TEST_TS = """\
import * as anchor from "@anchor-lang/core";
import {{ Program }} from "@anchor-lang/core";
import {{ PublicKey }} from "@solana/web3.js";
import {{ assert }} from "chai";
import {{ {type_name} }} from "../target/types/{name}";

describe("{name}", () => {{
  const provider = anchor.AnchorProvider.env();
  anchor.setProvider(provider);
  const program = anchor.workspace.{type_name} as Program<{type_name}>;
  const authority = provider.wallet.publicKey;
  const [counter] = PublicKey.findProgramAddressSync(
    [Buffer.from("counter"), authority.toBuffer()],
    program.programId
  );

  it("initializes and increments", async () => {{
    await program.methods.initialize().accountsPartial({{ counter, authority }}).rpc();
    await program.methods.increment().accountsPartial({{ counter, authority }}).rpc();
    const account = await program.account.counter.fetch(counter);
    assert.equal(account.count.toNumber(), 1);
  }});
}});
"""

PACKAGE_JSON = """\
{{
  "private": true,
  "scripts": {{
    "test": "anchor test"
  }},
  "dependencies": {{
    "@anchor-lang/core": "^{anchor_version}",
    "@solana/web3.js": "^1.98.0"
  }},
  "devDependencies": {{
    "@types/chai": "^4.3.0",
    "@types/mocha": "^9.0.0",
    "chai": "^4.3.4",
    "mocha": "^9.0.3",
    "ts-mocha": "^10.0.0",
    "typescript": "^5.7.3"
  }}
}}
"""

TSCONFIG_JSON = """\
{{
  "compilerOptions": {{
    "types": ["mocha", "chai"],
    "lib": ["es2020"],
    "module": "commonjs",
    "target": "es2020",
    "esModuleInterop": true
  }}
}}
"""

GITIGNORE = """\
.anchor
target
node_modules
test-ledger
.yarn
"""

NATIVE_CARGO_TOML = """\
[package]
name = "{name}"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib", "lib"]

[features]
no-entrypoint = []

[dependencies]
solana-program = "2.2"

[profile.release]
overflow-checks = true
"""

NATIVE_LIB_RS = """\
//! {name}: a native Solana program (no framework), so every account check is written by hand.

use solana_program::{{
    account_info::{{next_account_info, AccountInfo}},
    entrypoint,
    entrypoint::ProgramResult,
    msg,
    program_error::ProgramError,
    pubkey::Pubkey,
}};

#[cfg(not(feature = "no-entrypoint"))]
entrypoint!(process_instruction);

pub fn process_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    instruction_data: &[u8],
) -> ProgramResult {{
    let accounts_iter = &mut accounts.iter();
    let authority = next_account_info(accounts_iter)?;
    let state = next_account_info(accounts_iter)?;

    if !authority.is_signer {{
        return Err(ProgramError::MissingRequiredSignature);
    }}
    if state.owner != program_id {{
        return Err(ProgramError::IncorrectProgramId);
    }}
    if !state.is_writable {{
        return Err(ProgramError::InvalidAccountData);
    }}
    let (&instruction, _rest) = instruction_data
        .split_first()
        .ok_or(ProgramError::InvalidInstructionData)?;
    msg!("instruction {{}}", instruction);
    Ok(())
}}
"""

NATIVE_GITIGNORE = """\
target
test-ledger
"""
