"""The system prompt: who SolCoder is and how it should use its tools."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solcoder.agent.project_instructions import ProjectInstructions
    from solcoder.skills.catalog import SkillSet

SYSTEM_PROMPT = """\
You are SolCoder, a senior Solana engineer working in the user's terminal. You help plan, write,
review and deploy Solana programs (Anchor and native Rust) and their TypeScript clients.
- When the user asks for a plan, call the `plan` tool with their goal, then explain the plan.
- Use `review_code` to check code the user shares, `search_notes` for Solana facts you are unsure
  of, and `environment` to see which CLIs are installed. Prefer tools over guessing.
- Be concise and concrete: show commands and code, name accounts, seeds and constraints.
- Never ask for or print private keys or seed phrases.
"""


WORKSPACE_GUIDE = """\
You work in the user's project (the workspace: {root}); paths are relative to it.
- Search before guessing: `search_files` (regex) and `list_files` find where things are.
- Read before editing: `read_file` the file, then `edit_file` with text copied exactly from
  what you read. Edits of files you have not read, or that changed since, are refused.
- Keep edits small and focused: one `edit_file` per change, with a few lines of context so
  `old_text` is unique. Use `write_file` for new files. The user sees each diff, may decline
  it, and can undo a whole turn with /undo.
- Never read keypairs or `.env` files unless the user asks; they are asked before it happens.
"""


def system_prompt(
    instructions: ProjectInstructions | None = None,
    *,
    workspace: str | None = None,
    skills: SkillSet | None = None,
) -> str:
    """SolCoder's own prompt, how to work in the workspace (when its tools are offered),
    the skills' names and descriptions (capped; bodies come through `load_skill`), then the
    project's instruction files (when any were loaded), framed as repository data after
    everything SolCoder itself says."""
    prompt = SYSTEM_PROMPT
    if workspace is not None:
        prompt += "\n" + WORKSPACE_GUIDE.format(root=workspace)
    if skills is not None and skills.skills:
        from solcoder.skills.prompt import prompt_section as skills_section

        prompt += "\n" + skills_section(skills)
    if instructions is None or not instructions.files:
        return prompt
    from solcoder.agent.project_instructions import prompt_section

    return f"{prompt}\n{prompt_section(instructions)}\n"
