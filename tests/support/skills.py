"""Skills and commands written for tests, in the open Agent Skills shape.

`solana-dev` is our own text in the shape of the Solana Foundation's skill of that name (a
description that says when to use it, a Markdown body, `references/` beside it); none of
their content is copied.
"""

from __future__ import annotations

import json
from pathlib import Path

SOLANA_BODY_MARKER = "SKILL-BODY-7f3a: derive PDAs with find_program_address"
SOLANA_DESCRIPTION = (
    "Solana program development with Anchor and the Solana CLI: accounts, PDAs, CPIs, "
    "testing and deployment. Use when writing or reviewing Solana programs or clients."
)


def write_skill(
    root: Path,
    name: str,
    description: str = "A test skill.",
    body: str = "Do the thing.",
    *,
    extra: str = "",
) -> Path:
    """`root/name/SKILL.md` with the given fields (the description double-quoted, which
    YAML reads like JSON); returns the skill's folder."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "SKILL.md").write_text(
        f"---\nname: {name}\ndescription: {json.dumps(description)}\n{extra}---\n{body}\n",
        encoding="utf-8",
    )
    return folder


def write_solana_dev(root: Path) -> Path:
    """Our own `solana-dev` skill: front matter, a body with a marker, and a reference file."""
    folder = write_skill(
        root,
        "solana-dev",
        SOLANA_DESCRIPTION,
        "# Solana development\n\n"
        f"{SOLANA_BODY_MARKER}, store the bump in the account, and check owners.\n"
        "- Build: `anchor build`; test: `anchor test` (a local validator).\n"
        "- Read references/pda.md before designing seeds.\n",
        extra="license: Apache-2.0\nmetadata:\n  author: solcoder-tests\n  version: '1.0'\n"
        "allowed-tools: read_file run_command\n",
    )
    (folder / "references").mkdir(exist_ok=True)
    (folder / "references" / "pda.md").write_text(
        "# PDAs\nSeeds are byte strings; keep them short and documented.\n", encoding="utf-8"
    )
    return folder
