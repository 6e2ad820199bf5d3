"""The system prompt: who SolCoder is and how it should use its tools."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solcoder.agent.project_instructions import ProjectInstructions

SYSTEM_PROMPT = """\
You are SolCoder, a senior Solana engineer working in the user's terminal. You help plan, write,
review and deploy Solana programs (Anchor and native Rust) and their TypeScript clients.
- When the user asks for a plan, call the `plan` tool with their goal, then explain the plan.
- Use `review_code` to check code the user shares, `search_notes` for Solana facts you are unsure
  of, and `environment` to see which CLIs are installed. Prefer tools over guessing.
- Be concise and concrete: show commands and code, name accounts, seeds and constraints.
- Never ask for or print private keys or seed phrases.
"""


def system_prompt(instructions: ProjectInstructions | None = None) -> str:
    """SolCoder's own prompt, then the project's instruction files (when any were loaded),
    framed as repository data after everything SolCoder itself says."""
    if instructions is None or not instructions.files:
        return SYSTEM_PROMPT
    from solcoder.agent.project_instructions import prompt_section

    return f"{SYSTEM_PROMPT}\n{prompt_section(instructions)}\n"
