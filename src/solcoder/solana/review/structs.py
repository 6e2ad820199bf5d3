"""What the Anchor rules ask of an Accounts struct: who is an authority, what a constraint
ties, which handler runs it. Shared by the signer, state and account rules."""

from __future__ import annotations

import re

from solcoder.solana.review.context import Crate
from solcoder.solana.review.model import AccountsStruct, Function

AUTHORITY = re.compile(
    r"^(?:\w+_)?(?:authority|admin|owner|signer|creator|initializer|manager|user|maker"
    r"|depositor|governor|operator)$"
)

NOT_STATE = frozenset(
    {"Signer", "SystemAccount", "Sysvar", "Program", "Interface", "UncheckedAccount", "AccountInfo"}
)

MOVES_VALUE = re.compile(
    r"\btransfer(?:_checked)?\s*\(|\bsub_lamports\s*\(|try_borrow_mut_lamports|\blamports\b\s*\("
    r"|new_with_signer|invoke_signed|\bwithdraw|\bclose\s*\("
)

SIGNS_WITH_SEEDS = re.compile(r"new_with_signer|invoke_signed|signer_seeds|with_signer\(")

SYSVAR_NAME = re.compile(
    r"^(?:rent|clock|instructions?|\w*_sysvar|sysvar_\w+|recent_\w+|slot_hashes|stake_history"
    r"|epoch_schedule|ix_sysvar)$"
)


def handler_name(struct: AccountsStruct, functions: list[Function]) -> str:
    named = [f for f in functions if f.in_program] or functions
    return named[0].name if named else struct.name


def owned_keys(crate: Crate, struct: AccountsStruct) -> dict[str, list[str]]:
    """For each state account of the struct: the Pubkey fields of its type that name an owner
    (an authority-like name, or the name of another account in the struct)."""
    names = {f.name for f in struct.fields}
    keys: dict[str, list[str]] = {}
    for account in struct.fields:
        data = crate.model.data.get(account.state or "")
        if data is None:
            continue
        keys[account.name] = [k for k in data.pubkeys() if AUTHORITY.match(k) or k in names]
    return keys


def mentions(text: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", text) is not None


def guarded(struct: AccountsStruct, name: str) -> bool:
    """Some constraint compares `name`'s key with stored state (has_one, constraint, seeds)."""
    for other in struct.fields:
        if other.name == name:
            continue
        if name in other.values("has_one") or name in [
            v.split("@")[0].strip() for v in other.values("has_one")
        ]:
            return True
        for key in ("constraint", "seeds", "address"):
            if any(mentions(value, name) for value in other.values(key)):
                return True
    own = struct.get(name)
    return own is not None and any(own.has(k) for k in ("address", "constraint"))
