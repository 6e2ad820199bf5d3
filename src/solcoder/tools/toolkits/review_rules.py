"""The line-based checks behind `review_code`, and the finding type all rule modules share.

Most Solana exploits come from a short list of missing checks (signer, owner, account
relationships, arithmetic, CPI targets, reinitialisation). Some have a shape visible on one
line (unchecked arithmetic, `unwrap`, a hard-coded key, a secret in `msg!`); those live here,
with the TypeScript client checks. The checks that need structure live next door:
`review_anchor` (Accounts structs) and `review_flow` (handler bodies), both over the masked
source of `review_source`. Heuristic by design: a finding is a prompt to look, not a proof.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Severity = Literal["critical", "high", "medium", "low"]


@dataclass(frozen=True, slots=True)
class RawFinding:
    rule: str
    severity: Severity
    line: int
    message: str
    fix: str


_VALUE_WORDS = (
    r"amount|balance|lamports|supply|total|price|fee|reward|stake|deposit|shares|debt|"
    r"collateral|liquidity|reserve|withdraw"
)
_VALUE_IDENTIFIER = re.compile(rf"\b\w*(?:{_VALUE_WORDS})\w*\b", re.IGNORECASE)
_ARITHMETIC = re.compile(r"(?:\+=|-=|\*=)|[\w)\]]\s*[-+*]\s*[\w(]")
_STRING_LITERAL = re.compile(r'b?"(?:[^"\\]|\\.)*"')
_BASE58_LITERAL = re.compile(r'"([1-9A-HJ-NP-Za-km-z]{32,44})"')
_WELL_KNOWN_PROGRAMS = frozenset(
    {
        "11111111111111111111111111111111",
        "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
        "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb",
        "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL",
        "metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s",
        "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr",
        "ComputeBudget111111111111111111111111111111",
    }
)
_SECRET_WORDS = re.compile(
    r"secret|private|mnemonic|seed_phrase|seed phrase|password|keypair", re.IGNORECASE
)
_CHECKED_MATH_FIX = (
    "Use `checked_add` / `checked_sub` / `checked_mul` and turn `None` into an error "
    "(`.ok_or(ErrorCode::MathOverflow)?`); release builds wrap silently unless "
    "`overflow-checks = true`."
)


def strip_comment(line: str) -> str:
    """The line without a trailing `//` comment (string literals are respected)."""
    in_string = escaped = False
    for index, character in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif line.startswith("//", index):
            return line[:index]
    return line


def check_rust_line(number: int, code: str, *, in_tests: bool) -> Iterator[RawFinding]:
    """Rules that look at one comment-free line of Rust."""
    bare = _STRING_LITERAL.sub('""', code)
    stripped = bare.strip()
    if (
        not stripped.startswith(("#[", "const ", "pub const ", "msg!"))
        and "space" not in bare
        and not re.search(r"checked_|saturating_|wrapping_", bare)
        and _ARITHMETIC.search(bare.replace("->", " "))
        and _VALUE_IDENTIFIER.search(bare)
    ):
        yield RawFinding(
            "unchecked_arithmetic",
            "high",
            number,
            "Unchecked arithmetic on a value that looks like a balance or amount can overflow or "
            "underflow.",
            _CHECKED_MATH_FIX,
        )
    if not in_tests and re.search(r"\.unwrap\(\)|\.expect\(", code):
        yield RawFinding(
            "unwrap",
            "medium",
            number,
            "`unwrap()`/`expect()` aborts the transaction with an opaque panic.",
            "Propagate a descriptive error with `?` and `.ok_or(ErrorCode::…)`.",
        )
    if "declare_id!" not in code:
        literals = _BASE58_LITERAL.findall(code)
        if any(value not in _WELL_KNOWN_PROGRAMS for value in literals) or re.search(
            r"Pubkey::new_from_array\(\s*\[", code
        ):
            yield RawFinding(
                "hardcoded_pubkey",
                "low",
                number,
                "Hard-coded address: easy to get wrong per cluster and impossible to rotate "
                "without an upgrade.",
                "Keep it in one named constant (or in a config account set by an admin) and "
                "check it with an `address = …` constraint.",
            )
    if re.search(r"\bmsg!\s*\(", code) and _SECRET_WORDS.search(code):
        yield RawFinding(
            "secret_in_log",
            "high",
            number,
            "Program logs are public: this `msg!` appears to log secret material.",
            "Never log keys, seeds or passwords; on-chain programs should not hold secrets.",
        )
    if "remaining_accounts" in code:
        yield RawFinding(
            "remaining_accounts",
            "low",
            number,
            "Accounts in `remaining_accounts` get no automatic validation.",
            "Check owner, key and signer/writable flags of each one before use.",
        )


def check_native(lines: list[str]) -> Iterator[RawFinding]:
    """Checks for programs without Anchor, where every validation is written by hand."""
    source = "\n".join(lines)
    first_account = next((i for i, t in enumerate(lines, 1) if "next_account_info(" in t), None)
    if first_account is not None and "is_signer" not in source:
        yield RawFinding(
            "missing_signer",
            "high",
            first_account,
            "No `is_signer` check anywhere: any account can act as the authority.",
            "Check `account.is_signer` for every account that must approve the instruction.",
        )


def check_typescript_line(number: int, code: str) -> Iterator[RawFinding]:
    if re.search(r"fromSecretKey\(\s*(?:new Uint8Array\(|Uint8Array\.from\()?\s*\[", code) or (
        len(re.findall(r"\b\d{1,3}\b\s*,", code)) >= 32
    ):
        yield RawFinding(
            "secret_key_in_source",
            "critical",
            number,
            "A secret key appears to be written into the source.",
            "Load keys from a file outside the repository or a wallet, and rotate this one.",
        )
    if re.search(r"console\.\w+\(", code) and re.search(
        r"secretKey|privateKey|mnemonic", code, re.IGNORECASE
    ):
        yield RawFinding(
            "secret_in_log",
            "high",
            number,
            "Secret material is written to the console.",
            "Log public keys only.",
        )
    if re.search(r"skipPreflight\s*:\s*true", code):
        yield RawFinding(
            "skip_preflight",
            "low",
            number,
            "`skipPreflight: true` hides simulation errors; failures surface only as dropped or "
            "failed transactions.",
            "Keep preflight on unless you measured a need, and confirm every signature.",
        )
    if "getRecentBlockhash(" in code or re.search(r"confirmTransaction\(\s*\w+\s*\)", code):
        yield RawFinding(
            "deprecated_confirmation",
            "low",
            number,
            "Deprecated blockhash/confirmation API: it cannot tell an expired transaction from a "
            "slow one.",
            "Use `getLatestBlockhash()` and `confirmTransaction({ signature, blockhash, "
            "lastValidBlockHeight })`.",
        )
    if "api.mainnet-beta.solana.com" in code:
        yield RawFinding(
            "public_rpc",
            "low",
            number,
            "The public mainnet RPC endpoint is rate-limited and not meant for production.",
            "Use a dedicated RPC provider URL from configuration.",
        )
