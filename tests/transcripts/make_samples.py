"""Regenerate the sample transcripts replayed by tests/unit/test_replay.py.

    .venv/bin/python tests/transcripts/make_samples.py

- smoke.jsonl: `solcoder --dry-run-llm --offline-mode` run with a fresh SOLCODER_HOME; its
  session transcript, copied as written by the CLI.
- multi_tool.jsonl: a three-turn conversation driven through the real `Conversation`,
  `Orchestrator`, tool registry and `sessions.Session` writer, with a scripted model that calls
  plan, search_notes and review_code (two calls in one step, and one misspelt tool name that
  the orchestrator answers with an error before the model corrects itself).

Regenerate only when the transcript format or a tool's output changes on purpose; then
`solcoder replay` on the old files shows exactly what changed.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

VAULT_SOURCE = """use anchor_lang::prelude::*;

declare_id!("Vau1t11111111111111111111111111111111111111");

#[program]
pub mod vault {
    use super::*;

    pub fn withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
        let vault = &mut ctx.accounts.vault;
        vault.balance = vault.balance - amount;
        **ctx.accounts.vault.to_account_info().try_borrow_mut_lamports()? -= amount;
        **ctx.accounts.owner.try_borrow_mut_lamports()? += amount;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Withdraw<'info> {
    #[account(mut)]
    pub vault: Account<'info, Vault>,
    /// CHECK: the owner receiving the lamports
    #[account(mut)]
    pub owner: AccountInfo<'info>,
}

#[account]
pub struct Vault {
    pub owner: Pubkey,
    pub balance: u64,
}
"""


def make_smoke(target: Path) -> None:
    with tempfile.TemporaryDirectory() as home:
        environment = {**os.environ, "SOLCODER_HOME": home}
        subprocess.run(
            [sys.executable, "-m", "solcoder", "--dry-run-llm", "--offline-mode"],
            check=True,
            env=environment,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        (transcript,) = Path(home, "sessions").glob("*/transcript.jsonl")
        shutil.copyfile(transcript, target)


async def _multi_tool(home: Path) -> Path:
    from solcoder.agent.conversation import Conversation
    from solcoder.agent.orchestrator import AgentOptions, Orchestrator
    from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
    from solcoder.sessions import SessionStore
    from solcoder.tools.toolkits import default_registry

    replies = [
        # Turn 1: plan, then look something up, then answer.
        ScriptedResponse(
            text="Let me plan that first.",
            tool_calls=(
                ScriptedToolCall(
                    "plan",
                    {"goal": "an Anchor vault where users deposit SOL into a PDA", "context": ""},
                    "call_plan",
                ),
            ),
        ),
        ScriptedResponse(
            text="The vault account will be a PDA; checking the notes on seeds.",
            tool_calls=(
                ScriptedToolCall(
                    "search_notes", {"query": "PDA seeds and bump", "limit": 2}, "call_notes"
                ),
            ),
        ),
        ScriptedResponse(
            text=(
                'Plan: derive the vault PDA from `[b"vault", user.key()]`, store the bump, '
                "deposit with a System Program transfer, and withdraw by moving lamports "
                "with a `has_one = owner` check. Tests and a review come before devnet."
            )
        ),
        # Turn 2: two tools in one step.
        ScriptedResponse(
            text="Reviewing the withdraw instruction and the signer-check notes together.",
            tool_calls=(
                ScriptedToolCall(
                    "review_code", {"source": VAULT_SOURCE, "language": "rust"}, "call_review"
                ),
                ScriptedToolCall(
                    "search_notes", {"query": "signer check owner", "limit": 1}, "call_signer"
                ),
            ),
        ),
        ScriptedResponse(
            text=(
                "Two problems: `owner` is not a `Signer` and the vault has no `has_one = owner`, "
                "so anyone can drain it; and `balance - amount` can underflow. Use "
                "`checked_sub` and make `owner: Signer<'info>`."
            )
        ),
        # Turn 3: a misspelt tool, the error result, then the corrected call.
        ScriptedResponse(
            tool_calls=(ScriptedToolCall("serch_notes", {"query": "rent exemption"}, "call_bad"),)
        ),
        ScriptedResponse(
            tool_calls=(ScriptedToolCall("search_notes", {"query": "rent exemption"}, "call_good"),)
        ),
        ScriptedResponse(
            text="Accounts must hold the rent-exempt minimum for their size, or they are closed."
        ),
    ]
    provider = ScriptedProvider(replies, name="scripted", model="sample")
    store = SessionStore(home)
    session = store.create("scripted", "sample")
    orchestrator = Orchestrator(provider, default_registry(), AgentOptions())
    conversation = Conversation(orchestrator, session_id=session.id, transcript=session)
    prompts = [
        "Plan an Anchor vault where users deposit SOL into a PDA",
        "Review my withdraw instruction",
        "How does rent exemption work?",
    ]
    for prompt in prompts:
        async for _event in conversation.run_turn(prompt):
            pass
    session.close()
    return session.path


def make_multi_tool(target: Path) -> None:
    with tempfile.TemporaryDirectory() as home:
        path = asyncio.run(_multi_tool(Path(home)))
        shutil.copyfile(path, target)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    make_smoke(HERE / "smoke.jsonl")
    make_multi_tool(HERE / "multi_tool.jsonl")
    print("wrote", HERE / "smoke.jsonl", "and", HERE / "multi_tool.jsonl")
