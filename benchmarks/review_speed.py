"""`review_paths` on a generated 20-program Anchor workspace, cold and warm parse cache,
against baselines measured in the same run.

Each program is a multi-file crate (lib.rs, state.rs, instructions/ with several handlers and
Accounts structs). Baselines: reading every file and parsing it with tree-sitter (the floor
for any parser-based review), and `rg` over the same files when ripgrep is installed. Cold
clears the parse cache before each run; warm reviews again with every file cached (what
`/review` costs the second time). Issue 24's target: the review well under 2 s. Not a
pass/fail test: it prints a table.

    .venv/bin/python benchmarks/review_speed.py     (BENCH_RUNS=7 by default)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from solcoder.solana.review import engine, review_paths, syntax
from solcoder.workspace.search import ripgrep_path

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
PROGRAMS = 20
HANDLERS = 6

LIB = """use anchor_lang::prelude::*;

pub mod instructions;
pub mod state;

use instructions::*;

declare_id!("11111111111111111111111111111111");

#[program]
pub mod program_{index} {{
    use super::*;
{handlers}}}

#[error_code]
pub enum ErrorCode {{
    Overflow,
    Unauthorized,
}}
"""
HANDLER_STUB = """
    pub fn action_{number}(ctx: Context<Action{number}>, amount: u64) -> Result<()> {{
        instructions::action_{number}::handler(ctx, amount)
    }}
"""
INSTRUCTION = """use anchor_lang::prelude::*;
use anchor_spl::token::{{self, Token, TokenAccount, Transfer}};

use crate::state::Vault;
use crate::ErrorCode;

#[derive(Accounts)]
#[instruction(amount: u64)]
pub struct Action{number}<'info> {{
    #[account(
        mut,
        has_one = authority,
        seeds = [b"vault", authority.key().as_ref()],
        bump = vault.bump,
    )]
    pub vault: Account<'info, Vault>,
    #[account(mut, token::authority = authority)]
    pub source: Account<'info, TokenAccount>,
    #[account(mut)]
    pub destination: Account<'info, TokenAccount>,
    pub authority: Signer<'info>,
    pub token_program: Program<'info, Token>,
}}

pub fn handler(ctx: Context<Action{number}>, amount: u64) -> Result<()> {{
    let vault = &mut ctx.accounts.vault;
    vault.balance = vault.balance.checked_add(amount).ok_or(ErrorCode::Overflow)?;
    require_keys_eq!(vault.authority, ctx.accounts.authority.key(), ErrorCode::Unauthorized);
    let accounts = Transfer {{
        from: ctx.accounts.source.to_account_info(),
        to: ctx.accounts.destination.to_account_info(),
        authority: ctx.accounts.authority.to_account_info(),
    }};
    let program = ctx.accounts.token_program.to_account_info();
    token::transfer(CpiContext::new(program, accounts), amount)?;
    msg!("action {number}: moved {{}}", amount);
    Ok(())
}}
"""
STATE = """use anchor_lang::prelude::*;

#[account]
#[derive(InitSpace)]
pub struct Vault {
    pub authority: Pubkey,
    pub balance: u64,
    pub bump: u8,
}
"""


def build_workspace(root: Path) -> list[Path]:
    (root / "Anchor.toml").write_text("[programs.localnet]\n")
    (root / "Cargo.toml").write_text(
        '[workspace]\nmembers = ["programs/*"]\n\n[profile.release]\noverflow-checks = true\n'
    )
    files: list[Path] = []
    for index in range(PROGRAMS):
        crate = root / "programs" / f"program_{index}"
        source = crate / "src"
        (source / "instructions").mkdir(parents=True)
        (crate / "Cargo.toml").write_text(
            f'[package]\nname = "program_{index}"\nversion = "0.1.0"\n\n'
            '[dependencies]\nanchor-lang = "1.0.0"\nanchor-spl = "1.0.0"\n'
        )
        stubs = "".join(HANDLER_STUB.format(number=n) for n in range(HANDLERS))
        written = {
            source / "lib.rs": LIB.format(index=index, handlers=stubs),
            source / "state.rs": STATE,
            source / "instructions" / "mod.rs": "".join(
                f"pub mod action_{n};\npub use action_{n}::*;\n" for n in range(HANDLERS)
            ),
        }
        for number in range(HANDLERS):
            written[source / "instructions" / f"action_{number}.rs"] = INSTRUCTION.format(
                number=number
            )
        for path, text in written.items():
            path.write_text(text)
            files.append(path)
    return files


def median(action: Callable[[], object], *, before: Callable[[], object] | None = None) -> float:
    samples = []
    for _ in range(RUNS):
        if before is not None:
            before()
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory).resolve()
        files = build_workspace(root)
        lines = sum(path.read_text().count("\n") for path in files)
        syntax.parse("fn warm_up() {}")  # load tree-sitter outside the timings

        def read_and_parse() -> None:
            syntax.clear_cache()
            for path in files:
                syntax.parse(path.read_text())

        baseline = median(read_and_parse)
        report = review_paths([root], root=root)
        print(
            f"review of {len(report.programs)} programs, {len(files)} files, {lines:,} lines, "
            f"{len(report.findings)} findings; median of {RUNS} runs ({os.cpu_count()} cores, "
            f"Python {sys.version.split()[0]})"
        )
        print(f"{'case':<44} {'median':>9} {'× parse':>8}")
        cases = {"read + tree-sitter parse (baseline)": baseline}
        executable = ripgrep_path()
        if executable is not None:
            cases["rg 'derive\\(Accounts\\)' over the same files"] = median(
                lambda: subprocess.run(
                    [executable, r"derive\(Accounts\)", str(root)],
                    stdout=subprocess.DEVNULL,
                    check=False,
                )
            )
        cases["review_paths, cold cache"] = median(
            lambda: review_paths([root], root=root), before=engine.clear_caches
        )
        cases["review_paths, warm cache"] = median(lambda: review_paths([root], root=root))
        for name, value in cases.items():
            print(f"{name:<44} {value * 1000:>7.1f}ms {value / baseline:>7.2f}×")


if __name__ == "__main__":
    main()
