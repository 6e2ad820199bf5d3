"""The checks behind `review_code`: line-based rules with just enough structure for Anchor.

Most Solana exploits come from a short list of missing checks (signer, owner, account
relationships, arithmetic, CPI targets, reinitialisation). These rules look for their usual
textual shapes. Anchor `#[derive(Accounts)]` structs are parsed into fields with their
attributes and doc comments, because that is where most of the checks live (or are missing).
Heuristic by design: a finding is a prompt to look, not a proof.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["critical", "high", "medium", "low"]


@dataclass(frozen=True, slots=True)
class RawFinding:
    rule: str
    severity: Severity
    line: int
    message: str
    fix: str


@dataclass(slots=True)
class AccountField:
    name: str
    type: str
    line: int
    docs: str = ""
    attributes: list[tuple[int, str]] = field(default_factory=list)

    @property
    def attribute_text(self) -> str:
        return " ".join(text for _, text in self.attributes)

    def attribute_line(self, word: str) -> int:
        for number, text in self.attributes:
            if re.search(rf"\b{word}\b", text):
                return number
        return self.line


_AUTHORITY_NAME = re.compile(
    r"^(?:\w+_)?(?:authority|admin|owner|signer|payer|creator|initializer|manager)$"
)
_UNCHECKED_TYPE = re.compile(r"\b(?:AccountInfo|UncheckedAccount)\s*<")
_STATE_ACCOUNT = re.compile(r"^(?:Box<\s*)?Account\s*<\s*'info\s*,\s*(\w+)")
_VALIDATING_CONSTRAINTS = re.compile(
    r"\b(?:init|init_if_needed|seeds|has_one|constraint|address|owner|close)\b"
)
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


def accounts_structs(lines: list[str]) -> Iterator[list[AccountField]]:
    """The fields of each `#[derive(Accounts)]` struct, with their attributes and docs."""
    index = 0
    while index < len(lines):
        if not re.search(r"#\[derive\([^)]*\bAccounts\b", lines[index]):
            index += 1
            continue
        while index < len(lines) and not re.search(r"\bstruct\b", lines[index]):
            index += 1
        fields: list[AccountField] = []
        docs: list[str] = []
        attributes: list[tuple[int, str]] = []
        depth, opened = 0, False
        for number in range(index, len(lines)):
            body = lines[number].strip()
            code = strip_comment(body).strip()
            if opened and depth == 1:
                field_match = re.match(r"pub\s+(\w+)\s*:\s*(.+?),?$", code)
                if body.startswith("///"):
                    docs.append(body)
                elif field_match:
                    fields.append(
                        AccountField(
                            field_match[1], field_match[2], number + 1, " ".join(docs), attributes
                        )
                    )
                    docs, attributes = [], []
                elif code:
                    attributes.append((number + 1, code))
            depth += code.count("{") - code.count("}")
            opened = opened or "{" in code
            index = number
            if opened and depth <= 0:
                break
        yield fields
        index += 1


def check_accounts(fields: list[AccountField]) -> Iterator[RawFinding]:
    signers = [
        f.name for f in fields if f.type.startswith("Signer") and _AUTHORITY_NAME.match(f.name)
    ]
    for account in fields:
        unchecked = bool(_UNCHECKED_TYPE.search(account.type))
        has_check = "CHECK" in account.docs
        constraints = account.attribute_text
        if unchecked and _AUTHORITY_NAME.match(account.name) and "signer" not in constraints:
            yield RawFinding(
                "missing_signer",
                "medium" if has_check else "critical",
                account.line,
                f"`{account.name}` looks like an authority but is not required to sign: anyone "
                "can pass any key here.",
                f"Declare it as `Signer<'info>` (or add `#[account(signer)]`) if `{account.name}` "
                "must approve this instruction.",
            )
        elif unchecked and account.name.endswith("_program") and "address" not in constraints:
            yield RawFinding(
                "arbitrary_cpi",
                "high",
                account.line,
                f"`{account.name}` is an unchecked program account: a caller can substitute a "
                "malicious program for the CPI.",
                "Use `Program<'info, T>` (or `Interface<'info, T>`), or add `address = <id>`.",
            )
        elif unchecked and not has_check:
            yield RawFinding(
                "unchecked_account",
                "high",
                account.line,
                f"`{account.name}` is an unchecked `{account.type}` without a `/// CHECK:` "
                "comment: nothing validates its owner, type or address (and Anchor's safety "
                "check refuses to build it).",
                "Use a typed account (`Account<'info, T>`, `SystemAccount`, `Program`), or add "
                "constraints (`address`, `owner`, `seeds`) and a `/// CHECK:` comment saying why "
                "it is safe.",
            )
        elif unchecked and not _VALIDATING_CONSTRAINTS.search(constraints):
            yield RawFinding(
                "unchecked_account",
                "low",
                account.line,
                f"`{account.name}` has a `/// CHECK:` comment but no constraint enforces it.",
                "Make sure the handler validates it, or add `address`, `owner` or `seeds`.",
            )
        if "init_if_needed" in constraints:
            yield RawFinding(
                "init_if_needed",
                "medium",
                account.attribute_line("init_if_needed"),
                f"`init_if_needed` on `{account.name}`: the instruction also runs on an existing "
                "account, which opens reinitialisation attacks.",
                "Prefer a separate `init` instruction, or check in the handler that the account "
                "is fresh before writing its initial state.",
            )
        state = _STATE_ACCOUNT.match(account.type)
        if (
            signers
            and state
            and state[1] not in {"TokenAccount", "Mint"}
            and re.search(r"\bmut\b", constraints)
            and not _VALIDATING_CONSTRAINTS.search(constraints)
        ):
            yield RawFinding(
                "missing_has_one",
                "medium",
                account.line,
                f"Writable `{account.name}` is not tied to the signer `{signers[0]}`: any signer "
                "can pass someone else's account.",
                f"Add `has_one = {signers[0]}` (with the field stored in the account) or derive "
                "it with `seeds` that include the signer's key.",
            )


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
    if re.search(r"lamports[\w.()?]*\s*=\s*0\b", code):
        yield RawFinding(
            "manual_close",
            "medium",
            number,
            "Closing an account by zeroing its lamports leaves its data in place, so it can be "
            "revived within the same transaction.",
            "Use Anchor's `close = destination` constraint (or zero the data and assign the "
            "account to the System Program).",
        )
    if "create_program_address(" in code:
        yield RawFinding(
            "non_canonical_bump",
            "medium",
            number,
            "`create_program_address` accepts any bump, so several addresses can pass as the "
            "same PDA.",
            "Use the canonical bump: `find_program_address` once, then store and reuse it.",
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
    if ".owner" not in source:
        for number, text in enumerate(lines, 1):
            if re.search(r"(?:try_from_slice|unpack|deserialize)\w*\(", text) and "data" in text:
                yield RawFinding(
                    "missing_owner_check",
                    "high",
                    number,
                    "Account data is deserialised without checking the account's owner: a "
                    "caller can pass a look-alike account owned by another program.",
                    "Compare `account.owner` with `program_id` (or the expected program) first.",
                )
                break


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
