"""`missing_signer` on Anchor programs: an authority that need not sign, or a struct where
nothing signs yet value moves. A signer check written by hand (`is_signer`) counts; a PDA, a
data account read by hand and the recipient of a transfer are not authorities."""

from __future__ import annotations

import re
from collections.abc import Iterator

import solcoder.solana.review.handchecks as hand
from solcoder.solana.review.context import Crate
from solcoder.solana.review.findings import Finding, Severity
from solcoder.solana.review.model import TOKEN_TYPES, AccountField, AccountsStruct
from solcoder.solana.review.structs import (
    AUTHORITY,
    MOVES_VALUE,
    NOT_STATE,
    SYSVAR_NAME,
    guarded,
    mentions,
    owned_keys,
)

_USER_KEY = re.compile(r"(?:^|_)(?:owner|user|depositor|maker|creator|beneficiary|holder)$")
_PINNING = (
    "seeds",
    "address",
    "has_one",
    "constraint",
    "token::authority",
    "associated_token::authority",
)


def _pinned(struct: AccountsStruct, account: AccountField, codes: list[str]) -> bool:
    """A constraint or a check fixes which account this is (derived, pinned, tied to state or
    compared by hand)."""
    return (
        any(account.has(key) for key in _PINNING)
        or guarded(struct, account.name)
        or hand.key_checked(codes, account.name)
    )


def _data_read(codes: list[str], name: str) -> bool:
    pattern = re.compile(
        rf"\b{re.escape(name)}\b\s*(?:\.to_account_info\(\))?\s*\."
        r"\s*(?:data\b|try_borrow(?:_mut)?_data\b)"
    )
    return any(pattern.search(code) for code in codes)


def _receives(codes: list[str], name: str) -> bool:
    escaped = re.escape(name)
    pattern = re.compile(
        rf"\bto\s*:\s*(?:ctx\.accounts\.|self\.)?{escaped}\b"
        rf"|\b{escaped}\b[^;]*\.add_lamports\s*\("
        rf"|\b{escaped}\b[^;]*try_borrow_mut_lamports\(\)\?\s*\+="
    )
    return any(pattern.search(code) for code in codes)


def _compared_with_state(struct: AccountsStruct, name: str) -> bool:
    """A `has_one` or a `constraint` compares `name` with stored state (seeds only derive)."""
    for other in struct.fields:
        if other.name == name:
            continue
        if name in [v.split("@")[0].strip() for v in other.values("has_one")]:
            return True
        if any(mentions(value, name) for value in other.values("constraint")):
            return True
    return False


def missing_signer(
    crate: Crate, struct: AccountsStruct, codes: list[str], handler: str
) -> Iterator[Finding]:
    signers = [f for f in struct.fields if f.signs or hand.signed_by_hand(codes, f.name)]
    owned = owned_keys(crate, struct)
    stored = {key for keys in owned.values() for key in keys}
    flagged = False
    for account in struct.fields:
        if account.signs or hand.signed_by_hand(codes, account.name):
            continue
        if not (account.unchecked or account.kind == "SystemAccount"):
            continue
        if account.name.endswith("program") or SYSVAR_NAME.match(account.name):
            continue
        if account.has("seeds"):
            continue  # a PDA: only the program can sign for it (invoke_signed)
        if _data_read(codes, account.name):
            continue  # a data account read by hand (the owner and type rules speak about it)
        tied = guarded(struct, account.name) or any(
            hand.compared(
                codes,
                hand.account(account.name) + r"\s*(?:\.to_account_info\(\))?\.\s*key\b",
                rf"\.{re.escape(key)}\b",
            )
            for key in stored
        )
        if AUTHORITY.match(account.name) is None:
            continue
        if _receives(codes, account.name) and not _compared_with_state(struct, account.name):
            continue  # a recipient (the `to` of a transfer), not an authority
        if account.kind == "SystemAccount" and (signers or not tied):
            continue  # a wallet that names the state (the maker of an offer), not an actor
        level: Severity = "critical" if tied or (signers and not account.documented) else "medium"
        flagged = flagged or level == "critical"
        yield Finding(
            "missing_signer",
            level,
            struct.path,
            account.line,
            f"`{account.name}` in `{struct.name}` ({handler}) "
            + (
                "is compared with the stored authority but is never required to sign: anyone "
                "can pass its address and act as it."
                if tied
                else "looks like an authority but is not required to sign: anyone can pass its "
                "address."
            ),
            f"Declare it as `{account.name}: Signer<'info>` (or add `#[account(signer)]`); a "
            "`/// CHECK:` comment or a `has_one` does not make it sign.",
        )
    if signers or flagged:
        return  # the authority that should sign is already named
    writable = [
        f
        for f in struct.fields
        if f.mutable and not f.fresh and f.kind not in NOT_STATE | {"Signer"}
    ]
    writable_any = [f for f in struct.fields if f.mutable and not f.fresh]
    if not writable_any:
        return
    moves = any(MOVES_VALUE.search(code) for code in codes) or any(
        f.has("close") for f in struct.fields
    )
    if not (writable or moves):
        return
    pinned = all(_pinned(struct, f, codes) for f in writable_any)
    # A drain needs a destination the caller chooses; a user's state changed by anyone is the
    # other way this hurts. A crank over protocol state with pinned destinations is a design.
    free = [
        f
        for f in writable_any
        if (f.unchecked or f.kind == "SystemAccount" or f.state in TOKEN_TYPES)
        and not _pinned(struct, f, codes)
    ]
    users_state = [
        f
        for f in writable
        if not _pinned(struct, f, codes) and any(_USER_KEY.search(k) for k in owned.get(f.name, []))
    ]
    severity: Severity = (
        "critical" if (moves and free) or users_state else "low" if pinned else "medium"
    )
    target = (writable or writable_any)[0].name
    yield Finding(
        "missing_signer",
        severity,
        struct.path,
        struct.line,
        f"Nothing in `{struct.name}` signs ({handler}), yet it writes to `{target}`: anyone can "
        "send this instruction with anyone's accounts."
        + (
            ""
            if severity in ("critical", "high")
            else " Every account it writes is derived or pinned, so this reads as a "
            "permissionless crank; fine if that is the intent."
            if pinned
            else " Fine only if it is meant to be permissionless."
        ),
        "Add the account that must approve it as `Signer<'info>` and tie it to the state "
        "(`has_one = authority`, or `seeds` with its key); if it is meant to be permissionless, "
        "make sure every account it writes is derived or checked.",
    )
