"""Rules over native handlers' accounts: `missing_signer` and `arbitrary_cpi` by hand.

Split from `body_rules` (raw data, PDAs, lamports) because a native program has no
`Signer<'info>` or `Program<'info, T>`: each account comes from `next_account_info`, and the
handler must check the signer flag of an authority and the address of a program it invokes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from solcoder.solana.review import handchecks as hand
from solcoder.solana.review.context import Crate
from solcoder.solana.review.findings import Finding
from solcoder.solana.review.model import Function

_NEXT_ACCOUNT = re.compile(r"\blet\s+(?:mut\s+)?(\w+)\s*(?::[^=]+)?=\s*next_account_info\s*\(")
_AUTHORITY = re.compile(
    r"^(?:\w+_)?(?:authority|admin|owner|signer|creator|initializer|manager|user|maker"
    r"|depositor|governor|operator|payer)(?:_info|_account|_ai)?$"
)
_PROGRAM_NAME = re.compile(r"^\w*program\w*$")
INSTRUCTION_BUILDER = re.compile(r"(?:\w+::)*(?:instruction|system_instruction)::\w+\s*\(")
"""A call of an instruction builder (`system_instruction::transfer(`,
`spl_token::instruction::mint_to(`): its keys are the called program's to check."""


def _without_builders(body: str) -> str:
    """The body with the arguments of instruction builders (`system_instruction::transfer(…)`,
    `spl_token::instruction::mint_to(…)`) removed: keys handed to another program's
    instruction are that program's to check."""
    pieces: list[str] = []
    position = 0
    for found in INSTRUCTION_BUILDER.finditer(body):
        if found.start() < position:
            continue
        depth, end = 1, found.end()
        while end < len(body) and depth:
            depth += {"(": 1, ")": -1}.get(body[end], 0)
            end += 1
        pieces.append(body[position : found.start()])
        position = end
    pieces.append(body[position:])
    return "".join(pieces)


def _derived_names(codes: list[str]) -> set[str]:
    """Locals holding a program-derived address (`let (authority, bump) = …find_program_address`):
    an account compared with one is a PDA the program signs for, not an outside signer."""
    pattern = re.compile(
        r"\blet\s*\(?\s*(?:mut\s+)?(\w+)[^=]*=\s*[^;]*\b(?:find|create)_program_address\b"
    )
    return {found for code in codes for found in pattern.findall(code)}


def native_accounts(crate: Crate, function: Function, codes: list[str]) -> Iterator[Finding]:
    """Native handlers: authority accounts that never sign, programs invoked unchecked."""
    body = function.code
    for found in _NEXT_ACCOUNT.finditer(body):
        name = found[1]
        line = function.line_at(found.start())
        data_account = re.search(
            rf"\b{name}\b\s*\.\s*(?:data\b|try_borrow(?:_mut)?_data)", body
        ) or hand.owner_checked(codes, name)
        derived = any(
            hand.compared(codes, hand.account(name), rf"\b{re.escape(pda)}\b")
            for pda in _derived_names(codes)
        )
        # The account acts as this program's authority when its key is compared with state
        # or stored in it; an account only handed to a CPI is checked by the callee (the
        # System Program refuses an unsigned funder, the Token Program an unsigned authority).
        own_logic = hand.key_checked(codes, name) or re.search(
            rf"\b{re.escape(name)}\s*\.\s*key\b", _without_builders(body)
        )
        if (
            _AUTHORITY.match(name)
            and own_logic
            and not data_account
            and not derived
            and not hand.signed_by_hand(codes, name)
        ):
            yield Finding(
                "missing_signer",
                "critical",
                function.path,
                line,
                f"`{name}` in `{function.name}` acts as the authority but its `is_signer` "
                "flag is never checked: anyone can pass its address.",
                f"Check `if !{name}.is_signer {{ return Err(ProgramError::"
                "MissingRequiredSignature); }` before using it.",
            )
        # Only a program-id position makes the account the CPI's program: a builder such as
        # `system_instruction::transfer` fixes the id itself.
        invoked = _PROGRAM_NAME.match(name) and re.search(
            rf"program_id\s*:\s*\*?{name}\.key|Instruction::new_with_\w+\(\s*\*?{name}\.key"
            rf"|::instruction::\w+\(\s*&?\*?{name}\.key\b",
            body,
        )
        fixed_id = re.search(r"program_id\s*:\s*(?:\w+::)+(?:ID|id\(\))", body)
        if invoked and not fixed_id and not hand.key_checked(codes, name):
            yield Finding(
                "arbitrary_cpi",
                "critical",
                function.path,
                line,
                f"`{function.name}` invokes the program passed as `{name}` without checking "
                "its address: a caller can substitute their own program.",
                f"Compare `{name}.key` with the expected id (`if {name}.key != &spl_token::ID "
                "{ return Err(ProgramError::IncorrectProgramId); }`) before `invoke`.",
            )
