"""What common Solana and Anchor error messages mean, and what usually fixes them.

Two sources of meaning: text patterns (runtime, RPC and client messages) and error codes
(`custom program error: 0x…`, `Custom(n)`, `Error Number: n`), decoded against the program that
failed when the logs name it. Code numbers follow the System Program's `SystemError`, the SPL
Token program's `TokenError` and Anchor's `lang/src/error.rs` (custom errors start at 6000).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SYSTEM_PROGRAM = "11111111111111111111111111111111"
TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"
ASSOCIATED_TOKEN_PROGRAM = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"
PROGRAM_NAMES = {
    SYSTEM_PROGRAM: "System Program",
    TOKEN_PROGRAM: "Token Program",
    TOKEN_2022_PROGRAM: "Token-2022 Program",
    ASSOCIATED_TOKEN_PROGRAM: "Associated Token Account Program",
}


@dataclass(frozen=True, slots=True)
class KnownError:
    key: str
    pattern: re.Pattern[str]
    title: str
    explanation: str
    fixes: tuple[str, ...]


def _known(key: str, pattern: str, title: str, explanation: str, *fixes: str) -> KnownError:
    return KnownError(key, re.compile(pattern, re.IGNORECASE), title, explanation, fixes)


KNOWN_ERRORS: tuple[KnownError, ...] = (
    _known(
        "account_not_initialized",
        r"AccountNotInitialized|expected this account to be already initialized",
        "Account not initialized (Anchor 3012)",
        "An `Account<'info, T>` was passed an address that holds no data owned by the "
        "program: it was never created, was closed, or the address is wrong.",
        "Call the instruction that initialises the account first.",
        "Check that the client derives the same address (same seeds, same program id).",
        "Make sure client and program talk to the same cluster.",
    ),
    _known(
        "constraint_seeds",
        r"ConstraintSeeds|seeds constraint was violated",
        "Seeds constraint violated (Anchor 2006)",
        "The account passed does not equal the PDA derived from the `seeds` and `bump` in "
        "the accounts struct.",
        "Derive the address in the client with exactly the same seeds, in the same order "
        "and byte encoding (e.g. u64 as 8 little-endian bytes).",
        "Use the program id the program was deployed with (`anchor keys sync`).",
        "When the bump is stored, pass the account whose stored bump matches.",
    ),
    _known(
        "constraint_has_one",
        r"ConstraintHasOne|has.one constraint was violated",
        "has_one constraint violated (Anchor 2001)",
        "A field stored in the account (e.g. `authority`) is not the key of the account with "
        "the same name passed to the instruction.",
        "Pass the account whose key is stored in the data (the original authority).",
        "Fetch the account and compare its stored field with what the client sends.",
    ),
    _known(
        "missing_signature",
        r"ConstraintSigner|AccountNotSigner|missing required signature",
        "Missing required signature",
        "The program requires an account to sign, but the transaction was not signed by it.",
        "Add the keypair to the transaction's signers (or sign with the wallet).",
        "For a PDA, the program must sign with `invoke_signed` / `CpiContext::new_with_signer` "
        "and the PDA's seeds and bump.",
    ),
    _known(
        "unknown_signer",
        r"unknown signer|signature verification failed",
        "Signer mismatch in the client",
        "A keypair was given to sign that the transaction does not list as a signer, or a "
        "required signer's signature is missing or was made over a different message.",
        "Sign with exactly the accounts marked as signers, after the last change to the "
        "transaction (including the blockhash).",
    ),
    _known(
        "insufficient_rent",
        r"insufficient funds for rent",
        "Account left below the rent-exempt minimum",
        "The transaction would leave an account with fewer lamports than the rent-exempt "
        "minimum for its size, which the runtime rejects.",
        "Fund the payer more (`solana balance`, `solana airdrop` on devnet).",
        "Compute the minimum with `getMinimumBalanceForRentExemption(size)` / `solana rent`.",
        "When withdrawing from an account, keep its rent-exempt minimum or close it fully.",
    ),
    _known(
        "blockhash_not_found",
        r"blockhash not found|block ?height exceeded|BlockheightExceeded",
        "Blockhash expired or unknown",
        "The recent blockhash is older than about 150 blocks (roughly a minute), or it came "
        "from a different cluster than the one the transaction was sent to.",
        "Fetch a fresh blockhash right before signing and confirm with its "
        "`lastValidBlockHeight`; rebuild and re-sign on expiry.",
        "Make sure the RPC used for the blockhash and for sending is the same cluster.",
    ),
    _known(
        "no_prior_credit",
        r"found no record of a prior credit",
        "Fee payer has no SOL on this cluster",
        "The paying account has never received lamports on the cluster the transaction "
        "went to, so it cannot pay the fee.",
        "Fund the payer on this cluster (`solana airdrop 2` on devnet, or transfer SOL).",
        "Check `solana config get`: the CLI may point at another cluster than expected.",
    ),
    _known(
        "insufficient_fee",
        r"insufficient funds for fee|InsufficientFundsForFee",
        "Not enough SOL for the fee",
        "The fee payer cannot cover the signature and priority fees.",
        "Fund the fee payer or lower the compute-unit price.",
    ),
    _known(
        "insufficient_lamports",
        r"insufficient lamports",
        "Transfer larger than the balance",
        "A System Program transfer tried to move more lamports than the source holds.",
        "Check the source balance; remember fees and rent reserves are paid from it too.",
    ),
    _known(
        "compute_exceeded",
        r"exceeded CUs meter|computational budget exceeded|exceeded maximum number of "
        r"instructions",
        "Compute budget exceeded",
        "The transaction used more compute units than its limit (200,000 per instruction "
        "by default, at most 1,400,000 per transaction).",
        "Request more with `ComputeBudgetProgram.setComputeUnitLimit`.",
        "Reduce work on chain: fewer `msg!` calls, store bumps instead of "
        "`find_program_address`, avoid large loops and heavy deserialisation.",
    ),
    _known(
        "transaction_too_large",
        r"transaction too large|too large: \d+ bytes|encoding overruns|exceeds .*1232",
        "Transaction too large",
        "A serialized transaction must fit in 1232 bytes; every account key (32 bytes) and "
        "signature (64 bytes) counts.",
        "Split the work into several transactions or instructions.",
        "Use a versioned (v0) transaction with an address lookup table for many accounts.",
    ),
    _known(
        "already_in_use",
        r"already in use|AccountDiscriminatorAlreadySet",
        "Account already exists",
        "`create_account` (or Anchor's `init`) targeted an address that already holds an "
        "account, e.g. running the initialise instruction twice.",
        "Skip initialisation when the account exists, or use different seeds / a new keypair.",
        "On a local validator, restart it with `--reset` to clear state.",
    ),
    _known(
        "discriminator_mismatch",
        r"AccountDiscriminatorMismatch|discriminator did not match|AccountDidNotDeserialize"
        r"|Failed to deserialize the account",
        "Account has the wrong type or layout",
        "The account's first 8 bytes (Anchor's discriminator) or its data do not match the "
        "expected account type: a wrong account was passed, or the struct changed after "
        "the account was created.",
        "Pass the account of the expected type.",
        "After changing a struct's fields, migrate or recreate existing accounts.",
    ),
    _known(
        "wrong_owner",
        r"AccountOwnedByWrongProgram|ConstraintOwner|IncorrectProgramId|incorrect program id",
        "Account owned by the wrong program",
        "The account is owned by a different program than the one the instruction expects "
        "(e.g. a wallet passed where a token account is expected, or the wrong token "
        "program).",
        "Pass the right account; for tokens, match Token vs Token-2022 with the mint's owner.",
    ),
    _known(
        "declared_program_id",
        r"DeclaredProgramIdMismatch|declared program id",
        "Program id mismatch (Anchor 4100)",
        "The id in `declare_id!` differs from the address the program is deployed at.",
        "Run `anchor keys sync`, rebuild and redeploy.",
    ),
    _known(
        "program_missing",
        r"program (?:is )?not deployed|program that does not exist|ProgramAccountNotFound"
        r"|InvalidProgramForExecution",
        "Program not found on this cluster",
        "The program id in the transaction is not an executable program on the cluster the "
        "client is connected to.",
        "Deploy the program to this cluster, or point the client at the cluster where it "
        "is deployed.",
    ),
    _known(
        "cpi_privilege",
        r"privilege escalation|unauthorized signer or writable account",
        "Cross-program invocation privilege error",
        "A CPI asked for an account to be a signer or writable without that privilege: "
        "usually wrong PDA seeds in `invoke_signed`, or an account not marked `mut`.",
        "Sign the CPI with the exact seeds and bump of the PDA.",
        "Mark accounts the callee writes to as writable (`#[account(mut)]`).",
    ),
    _known(
        "stack_overflow",
        r"Stack offset of -?\d+ exceeded|Access violation in stack frame",
        "Stack frame too large",
        "A function uses more than the 4 KB stack frame allowed on chain, often because "
        "large accounts are held by value.",
        "Wrap large accounts in `Box<Account<'info, T>>` or use zero-copy accounts.",
    ),
    _known(
        "account_too_small",
        r"AccountDataTooSmall|account data too small|AccountDidNotSerialize"
        r"|Failed to serialize the account",
        "Account space too small",
        "The data written does not fit in the space allocated to the account.",
        "Allocate `8 + T::INIT_SPACE` (with `#[derive(InitSpace)]` and `#[max_len]` on "
        "strings and vectors), or grow the account with `realloc`.",
    ),
    _known(
        "airdrop_limited",
        r"airdrop request failed|too many requests|rate limit",
        "Airdrop refused",
        "The devnet/testnet faucet limits how much and how often each address and IP can request.",
        "Ask for less (`solana airdrop 1`), wait, or use faucet.solana.com.",
    ),
)

SYSTEM_ERRORS = {
    0: ("AccountAlreadyInUse", "the account to create already exists"),
    1: ("ResultWithNegativeLamports", "the source account has too few lamports for the transfer"),
    2: ("InvalidProgramId", "cannot assign the account to this program"),
    3: ("InvalidAccountDataLength", "cannot allocate an account with this size"),
    4: ("MaxSeedLengthExceeded", "a seed is longer than 32 bytes"),
    5: ("AddressWithSeedMismatch", "the address does not match the derived address with seed"),
}
TOKEN_ERRORS = {
    0: ("NotRentExempt", "the account is not rent-exempt"),
    1: ("InsufficientFunds", "the token account balance is too low"),
    2: ("InvalidMint", "the mint is invalid"),
    3: ("MintMismatch", "the token account belongs to a different mint"),
    4: ("OwnerMismatch", "the signer is not the owner or delegate of the token account"),
    5: ("FixedSupply", "the mint has no mint authority, so the supply is fixed"),
    6: ("AlreadyInUse", "the account is already initialised"),
    9: ("UninitializedState", "the token account or mint is not initialised"),
    12: ("InvalidInstruction", "the instruction data is invalid"),
    14: ("Overflow", "the operation overflowed"),
    16: ("MintCannotFreeze", "the mint has no freeze authority"),
    17: ("AccountFrozen", "the token account is frozen"),
    18: ("MintDecimalsMismatch", "the decimals passed do not match the mint's decimals"),
}
ANCHOR_ERRORS = {
    100: ("InstructionMissing", "the instruction data is shorter than the 8-byte discriminator"),
    101: ("InstructionFallbackNotFound", "no instruction matches the discriminator (stale IDL?)"),
    102: ("InstructionDidNotDeserialize", "the instruction arguments do not match the program"),
    2000: ("ConstraintMut", "an account that must be writable was passed read-only"),
    2001: ("ConstraintHasOne", "a `has_one` field does not match the account passed"),
    2002: ("ConstraintSigner", "an account that must sign did not"),
    2003: ("ConstraintRaw", "a `constraint = …` expression evaluated to false"),
    2004: ("ConstraintOwner", "an `owner = …` constraint failed"),
    2005: ("ConstraintRentExempt", "the account is not rent-exempt"),
    2006: ("ConstraintSeeds", "the account is not the PDA of the given seeds and bump"),
    2011: ("ConstraintClose", "a `close` constraint failed"),
    2012: ("ConstraintAddress", "an `address = …` constraint failed"),
    2014: ("ConstraintTokenMint", "the token account has a different mint"),
    2015: ("ConstraintTokenOwner", "the token account has a different owner"),
    2500: ("RequireViolated", "a `require!` check failed"),
    2501: ("RequireEqViolated", "a `require_eq!` check failed"),
    2502: ("RequireKeysEqViolated", "a `require_keys_eq!` check failed"),
    3001: ("AccountDiscriminatorNotFound", "the account has no discriminator (empty data)"),
    3002: ("AccountDiscriminatorMismatch", "the account is of another type"),
    3003: ("AccountDidNotDeserialize", "the account data does not match the struct"),
    3004: ("AccountDidNotSerialize", "the account data does not fit its space"),
    3005: ("AccountNotEnoughKeys", "fewer accounts were passed than the instruction needs"),
    3006: ("AccountNotMutable", "an account that must be writable was passed read-only"),
    3007: ("AccountOwnedByWrongProgram", "the account is owned by another program"),
    3008: ("InvalidProgramId", "a program account is not the expected program"),
    3010: ("AccountNotSigner", "an account that must sign did not"),
    3011: ("AccountNotSystemOwned", "the account must be owned by the System Program"),
    3012: ("AccountNotInitialized", "the account has not been initialised"),
    3014: ("AccountNotAssociatedTokenAccount", "the account is not the expected ATA"),
    4100: ("DeclaredProgramIdMismatch", "`declare_id!` differs from the deployed address"),
}

_CODE_PATTERNS = (
    re.compile(r"custom program error:\s*0x([0-9a-f]+)", re.IGNORECASE),
    re.compile(r"Custom\((\d+)\)"),
    re.compile(r"Error Number:\s*(\d+)", re.IGNORECASE),
)
_FAILED_PROGRAM = re.compile(r"Program ([1-9A-HJ-NP-Za-km-z]{32,44}) failed")


def error_codes(message: str) -> list[int]:
    """Every custom program error code in the message, in order, without repeats."""
    codes: list[int] = []
    for index, pattern in enumerate(_CODE_PATTERNS):
        for match in pattern.finditer(message):
            code = int(match.group(1), 16 if index == 0 else 10)
            if code not in codes:
                codes.append(code)
    return codes


def decode_code(code: int, message: str) -> dict[str, Any]:
    """What one error code means, for the program that failed if the logs say which."""
    failed = _FAILED_PROGRAM.findall(message)
    program = failed[-1] if failed else None
    decoded: dict[str, Any] = {"code": code, "hex": hex(code)}
    if program is not None:
        decoded["program"] = PROGRAM_NAMES.get(program, program)
    meanings: list[str] = []
    if program in (None, SYSTEM_PROGRAM) and code in SYSTEM_ERRORS:
        name, meaning = SYSTEM_ERRORS[code]
        meanings.append(f"System Program {name}: {meaning}")
    if program in (None, TOKEN_PROGRAM, TOKEN_2022_PROGRAM) and code in TOKEN_ERRORS:
        name, meaning = TOKEN_ERRORS[code]
        meanings.append(f"Token program {name}: {meaning}")
    if program not in PROGRAM_NAMES:
        if code in ANCHOR_ERRORS:
            name, meaning = ANCHOR_ERRORS[code]
            meanings.append(f"Anchor {name}: {meaning}")
        elif code >= 6000:
            meanings.append(
                f"A custom error of the program: variant number {code - 6000} (counting from 0) "
                "of its `#[error_code]` enum; the IDL's `errors` list has its name and message."
            )
    if not meanings:
        meanings.append(
            "No known meaning for this code; find the failing program in the logs "
            "and look the code up in its error enum."
        )
    elif program is None and len(meanings) > 1:
        meanings.append(
            "The logs did not say which program failed; the line `Program <id> "
            "failed` tells which of these applies."
        )
    decoded["meanings"] = meanings
    return decoded


def explain(text: str) -> dict[str, Any]:
    """The known errors and decoded codes in `text`: the one lookup behind `explain_error` and
    the build-test loop's summaries, so both give the same cause and fix for the same text."""
    codes = [decode_code(code, text) for code in error_codes(text)]
    # A decoded code names its error (e.g. "Anchor ConstraintSeeds"), which finds the full entry.
    searchable = "\n".join([text, *(meaning for code in codes for meaning in code["meanings"])])
    matches = [
        {"title": known.title, "explanation": known.explanation, "fixes": list(known.fixes)}
        for known in KNOWN_ERRORS
        if known.pattern.search(searchable)
    ]
    return {"matches": matches, "error_codes": codes}
