"""Rules visible on one line: arithmetic, panics, literal addresses, logged secrets, and the
client-side (TypeScript) checks.

Rust lines come from function bodies with comments blanked (`model.Function.code`), so a rule
never fires on a comment or outside code that runs. `unchecked_arithmetic` fires only where
the release profile leaves overflow checks off: with `overflow-checks = true` a Rust overflow
aborts the transaction instead of wrapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from solcoder.solana.review.context import Crate
from solcoder.solana.review.findings import Finding
from solcoder.solana.review.syntax import blank_strings

_VALUE_WORDS = (
    r"amount|balance|lamports|supply|total|price|fee|reward|stake|deposit|shares|debt|"
    r"collateral|liquidity|reserve|withdraw|points|tokens|count"
)
_VALUE_IDENTIFIER = re.compile(rf"\b\w*(?:{_VALUE_WORDS})\w*\b", re.IGNORECASE)
_ARITHMETIC = re.compile(r"(?:\+=|-=|\*=)|[\w)\]]\s*[-+*]\s*[\w(]")
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


def check_rust(crate: Crate) -> Iterator[Finding]:
    overflow = crate.settings.overflow_checks
    for function in crate.model.functions:
        if function.in_tests:
            continue
        for offset, code in enumerate(function.code.split("\n")):
            if not code.strip():
                continue
            number = function.body_line + offset
            bare = blank_strings(code)
            if overflow is not True and _arithmetic(bare):
                yield Finding(
                    "unchecked_arithmetic",
                    "medium" if overflow is False else "low",
                    function.path,
                    number,
                    f"Arithmetic on an amount in `{function.name}` "
                    + (
                        "wraps silently: the release profile does not set `overflow-checks = true`."
                        if overflow is False
                        else "wraps silently in release builds unless the workspace sets "
                        "`overflow-checks = true` (unknown for pasted source)."
                    ),
                    "Use `checked_add`/`checked_sub`/`checked_mul` with `.ok_or(ErrorCode::"
                    "MathOverflow)?`, or set `[profile.release] overflow-checks = true` in the "
                    "workspace Cargo.toml.",
                )
            if re.search(r"\.unwrap\(\)|\.expect\(", bare):
                yield Finding(
                    "unwrap",
                    "info",
                    function.path,
                    number,
                    f"`unwrap()`/`expect()` in `{function.name}` aborts with an opaque panic.",
                    "Propagate a descriptive error with `?` and `.ok_or(ErrorCode::…)`.",
                )
            if re.search(r"\bmsg!\s*\(", code) and _SECRET_WORDS.search(code):
                yield Finding(
                    "secret_in_log",
                    "high",
                    function.path,
                    number,
                    "Program logs are public: this `msg!` appears to log secret material.",
                    "Never log keys, seeds or passwords; on-chain programs hold no secrets.",
                )
            if "remaining_accounts" in bare:
                yield Finding(
                    "remaining_accounts",
                    "low",
                    function.path,
                    number,
                    f"`{function.name}` uses `remaining_accounts`, which get no automatic "
                    "validation.",
                    "Check owner, key and signer/writable flags of each one before use.",
                )
            literals = _BASE58_LITERAL.findall(code)
            if "declare_id!" not in code and any(v not in _WELL_KNOWN_PROGRAMS for v in literals):
                yield Finding(
                    "hardcoded_pubkey",
                    "info",
                    function.path,
                    number,
                    "A literal address inside a handler is easy to get wrong per cluster.",
                    "Keep it in one named constant and check it with `address = …`.",
                )


def _arithmetic(bare: str) -> bool:
    stripped = bare.strip()
    return (
        not stripped.startswith(("#[", "const ", "pub const ", "msg!", "let space", "space"))
        and "space" not in bare
        and "LEN" not in bare
        and not re.search(r"checked_|saturating_|wrapping_|overflowing_", bare)
        and _ARITHMETIC.search(bare.replace("->", " ").replace("=>", " ")) is not None
        and _VALUE_IDENTIFIER.search(bare) is not None
    )


def strip_comment(line: str) -> str:
    """The line without a trailing `//` comment (string literals are respected)."""
    in_string = escaped = False
    quote = ""
    for index, character in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == quote:
                in_string = False
        elif character in "\"'`":
            in_string, quote = True, character
        elif line.startswith("//", index):
            return line[:index]
    return line


_BYTE_ARRAY = re.compile(r"\[((?:\s*\d{1,3}\s*,){63}\s*\d{1,3})\s*,?\s*\]")


def _keypair_literal(code: str) -> bool:
    """A literal array of exactly 64 byte values: the shape of a Solana keypair (a minified
    bundle's long number lists are not)."""
    return any(
        all(int(value) <= 255 for value in found[1].split(","))
        for found in _BYTE_ARRAY.finditer(code)
    )


def check_typescript(path: str, text: str) -> Iterator[Finding]:
    for number, raw in enumerate(text.split("\n"), start=1):
        code = strip_comment(raw)
        if not code.strip():
            continue
        if re.search(
            r"fromSecretKey\(\s*(?:new Uint8Array\(|Uint8Array\.from\()?\s*\[", code
        ) or _keypair_literal(code):
            yield Finding(
                "secret_key_in_source",
                "critical",
                path,
                number,
                "A secret key appears to be written into the source.",
                "Load keys from a file outside the repository or a wallet, and rotate this one.",
            )
        if re.search(r"console\.\w+\(", code) and re.search(
            r"secretKey|privateKey|mnemonic", code, re.IGNORECASE
        ):
            yield Finding(
                "secret_in_log",
                "high",
                path,
                number,
                "Secret material is written to the console.",
                "Log public keys only.",
            )
        if re.search(r"skipPreflight\s*:\s*true", code):
            yield Finding(
                "skip_preflight",
                "low",
                path,
                number,
                "`skipPreflight: true` hides simulation errors; failures surface only as "
                "dropped or failed transactions.",
                "Keep preflight on unless you measured a need, and confirm every signature.",
            )
        if "getRecentBlockhash(" in code or re.search(r"confirmTransaction\(\s*\w+\s*\)", code):
            yield Finding(
                "deprecated_confirmation",
                "low",
                path,
                number,
                "Deprecated blockhash/confirmation API: it cannot tell an expired transaction "
                "from a slow one.",
                "Use `getLatestBlockhash()` and `confirmTransaction({ signature, blockhash, "
                "lastValidBlockHeight })`, or Solana Kit's `sendAndConfirmTransactionFactory`.",
            )
        if "api.mainnet-beta.solana.com" in code:
            yield Finding(
                "public_rpc",
                "low",
                path,
                number,
                "The public mainnet RPC endpoint is rate-limited and not meant for production.",
                "Use a dedicated RPC provider URL from configuration.",
            )
