"""The finding classes: stable names (DESIGN.md section 6), titles and default severities.

The table documents the classes for `--help`, docs/review.md and the tool's description; a
rule may lower a finding's severity when exploitability is limited, never invent a class that
is not here (tests check it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from solcoder.solana.review.findings import Severity


@dataclass(frozen=True, slots=True)
class ClassInfo:
    title: str
    severity: Severity
    description: str


_TABLE: dict[str, ClassInfo] = {
    "missing_signer": ClassInfo(
        "Missing signer check",
        "critical",
        "An authority account is not required to sign, so anyone can pass its address.",
    ),
    "missing_owner_check": ClassInfo(
        "Missing owner check",
        "high",
        "Account data is trusted without checking which program owns the account.",
    ),
    "account_data_mismatch": ClassInfo(
        "Account not tied to the state",
        "high",
        "An account the state names (authority, mint, vault) is not checked against it "
        "(missing `has_one` or key comparison).",
    ),
    "type_cosplay": ClassInfo(
        "Type cosplay",
        "high",
        "Account data is deserialised without a discriminator, so one account type can pass "
        "for another.",
    ),
    "reinitialization": ClassInfo(
        "Reinitialisation",
        "high",
        "An initialiser can run again on an existing account and overwrite its state.",
    ),
    "arbitrary_cpi": ClassInfo(
        "Arbitrary CPI",
        "critical",
        "A cross-program invocation's program id comes from an unchecked account.",
    ),
    "duplicate_mutable_accounts": ClassInfo(
        "Duplicate mutable accounts",
        "high",
        "Two mutable accounts of the same type may be the same account.",
    ),
    "non_canonical_bump": ClassInfo(
        "Non-canonical bump",
        "medium",
        "A PDA is derived with a caller-supplied bump instead of the canonical one.",
    ),
    "pda_sharing": ClassInfo(
        "PDA sharing",
        "high",
        "A PDA's seeds are not bound to its user or authority, so one PDA serves everyone.",
    ),
    "insecure_close": ClassInfo(
        "Insecure close",
        "high",
        "An account is closed by hand (lamports moved, data left), so it can be revived.",
    ),
    "sysvar_spoofing": ClassInfo(
        "Sysvar spoofing",
        "high",
        "A sysvar is read from an account whose address is not checked.",
    ),
    "unchecked_arithmetic": ClassInfo(
        "Unchecked arithmetic",
        "medium",
        "Arithmetic on amounts can wrap silently because overflow checks are off.",
    ),
    "init_if_needed": ClassInfo(
        "init_if_needed",
        "info",
        "`init_if_needed` accepts an existing account; the handler must not reset its state.",
    ),
    "unchecked_account": ClassInfo(
        "Unchecked account",
        "low",
        "An `UncheckedAccount`/`AccountInfo` field without a `/// CHECK:` reason.",
    ),
    "unwrap": ClassInfo(
        "Panic on error",
        "info",
        "`unwrap()`/`expect()` in a handler aborts with an opaque panic instead of an error.",
    ),
    "hardcoded_pubkey": ClassInfo(
        "Hard-coded address",
        "info",
        "An address literal outside a named constant is easy to get wrong per cluster.",
    ),
    "remaining_accounts": ClassInfo(
        "Unvalidated remaining accounts",
        "low",
        "Accounts from `remaining_accounts` get no automatic validation.",
    ),
    "secret_in_log": ClassInfo(
        "Secret in a log",
        "high",
        "A log line appears to print secret material (program logs and consoles are public).",
    ),
    "secret_key_in_source": ClassInfo(
        "Secret key in source",
        "critical",
        "A secret key appears to be written into client source.",
    ),
    "skip_preflight": ClassInfo(
        "Preflight skipped",
        "low",
        "`skipPreflight: true` hides simulation errors.",
    ),
    "deprecated_confirmation": ClassInfo(
        "Deprecated confirmation",
        "low",
        "Deprecated blockhash/confirmation API that cannot tell expired from slow.",
    ),
    "public_rpc": ClassInfo(
        "Public RPC endpoint",
        "low",
        "The rate-limited public mainnet RPC endpoint in client code.",
    ),
}

CLASSES: Mapping[str, ClassInfo] = MappingProxyType(_TABLE)
"""Class name -> title, default severity, one-line description."""
