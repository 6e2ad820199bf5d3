"""Whether accounts are tied to the state that names them: `account_data_mismatch` (a stored
authority, user or mint never compared with the account passed) and `pda_sharing` (a PDA whose
seeds name no user, drained by any signer)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import solcoder.solana.review.handchecks as hand
from solcoder.solana.review.context import Crate
from solcoder.solana.review.findings import Finding
from solcoder.solana.review.model import TOKEN_TYPES, AccountField, AccountsStruct
from solcoder.solana.review.structs import (
    AUTHORITY,
    SIGNS_WITH_SEEDS,
    guarded,
    mentions,
    owned_keys,
)
from solcoder.solana.review.syntax import blank_strings, split_top_level


def data_mismatch(
    crate: Crate, struct: AccountsStruct, codes: list[str], handler: str
) -> Iterator[Finding]:
    owned = owned_keys(crate, struct)
    signer_names = {f.name for f in struct.fields if f.signs}
    tied_types = {f.state for f in struct.fields if f.state and _tied(struct, f, codes, [])}
    authority_signers = [f.name for f in struct.fields if f.signs and AUTHORITY.match(f.name)]
    for account in struct.fields:
        keys = owned.get(account.name)
        state = account.state
        if state is None or state in TOKEN_TYPES or account.fresh:
            continue
        if keys is None and state not in crate.model.data and authority_signers:
            yield from _unknown_state(
                struct,
                account=account,
                codes=codes,
                signers=authority_signers,
                tied_types=tied_types,
                handler=handler,
            )
            continue
        if not keys:
            continue
        if account.has("init_if_needed"):
            continue
        authorising = [k for k in keys if k in signer_names]
        if not account.mutable and not authorising:
            continue
        untied = [k for k in authorising if not _key_tied(struct, account, k, codes)]
        if authorising and not untied:
            continue
        if not authorising and _tied(struct, account, codes, keys):
            continue
        siblings = [f for f in struct.fields if f.state == state and f.name != account.name]
        if account.mutable and any(_tied(struct, f, codes, keys) for f in siblings):
            continue  # the counterparty of a tied sibling (the `to` of a transfer)
        key = untied[0] if untied else keys[0]
        yield Finding(
            "account_data_mismatch",
            "high",
            struct.path,
            account.line,
            f"`{account.name}` stores `{key}` but nothing in `{struct.name}` ({handler}) checks "
            f"it against the accounts passed: anyone can pass someone else's `{account.name}`"
            + (" and act on it." if account.mutable else " and pass its checks."),
            f"Add `has_one = {key}` to `{account.name}` with `{key}: Signer<'info>` in the "
            f'struct, or derive it with `seeds = [b"{account.name}", {key}.key().as_ref()], '
            f"bump = {account.name}.bump`, or compare by hand "
            f"(`require_keys_eq!({account.name}.{key}, {key}.key())`).",
        )


def _unknown_state(
    struct: AccountsStruct,
    *,
    account: AccountField,
    codes: list[str],
    signers: list[str],
    tied_types: set[str],
    handler: str,
) -> Iterator[Finding]:
    """A writable account whose type is defined elsewhere (pasted source): it may store the
    signer, so an untied one is worth a look, not an alarm."""
    if not account.mutable or account.has("init_if_needed") or account.state in tied_types:
        return
    if _tied(struct, account, codes, []):
        return
    yield Finding(
        "account_data_mismatch",
        "medium",
        struct.path,
        account.line,
        f"Writable `{account.name}` is not tied to the signer `{signers[0]}` in `{struct.name}` "
        f"({handler}): any signer can pass someone else's account.",
        f"Add `has_one = {signers[0]}` (with the field stored in the account) or derive it with "
        f'`seeds = [b"{account.name}", {signers[0]}.key().as_ref()], bump = {account.name}.bump`.',
    )


def _key_tied(struct: AccountsStruct, account: AccountField, key: str, codes: list[str]) -> bool:
    """The stored `key` of `account` is compared with the signer of that name: `has_one`, a
    constraint, seeds built from the signer's key, or a check in the handler."""
    if key in [v.split("@")[0].strip() for v in account.values("has_one")]:
        return True
    seeds = " ".join(account.values("seeds"))
    if re.search(rf"(?<![.\w]){re.escape(key)}\s*\.\s*key\b", seeds):
        return True
    stored = rf"\b{re.escape(account.name)}\s*\.\s*{re.escape(key)}\b"
    for other in struct.fields:
        if any(re.search(stored, text) for text in other.values("address")):
            return True
        for text in other.values("constraint"):
            if re.search(stored, text) or (mentions(text, key) and mentions(text, account.name)):
                return True
    return hand.compared(codes, rf"\.{re.escape(key)}\b", r"\bkey\b")


def _tied(struct: AccountsStruct, account: AccountField, codes: list[str], keys: list[str]) -> bool:
    if account.has("has_one") or account.has("address"):
        return True
    if any(account.values("constraint")):
        return True
    seeds = " ".join(account.values("seeds"))
    if any(mentions(seeds, f.name) for f in struct.fields if f.name != account.name):
        return True
    for other in struct.fields:
        for key in (
            "constraint",
            "token::authority",
            "associated_token::authority",
            "seeds",
            "address",
        ):
            if any(mentions(value, account.name) for value in other.values(key)):
                return True
    if any(hand.stored_key_checked(codes, key) for key in keys):
        return True
    return hand.key_checked(codes, account.name)


_GENERIC = frozenset(
    {
        "ctx",
        "accounts",
        "self",
        "as_ref",
        "key",
        "to_le_bytes",
        "to_be_bytes",
        "as_bytes",
        "to_bytes",
        "as_slice",
        "to_account_info",
        "b",
        "u8",
        "u16",
        "u32",
        "u64",
    }
)

_SHARED_SEED = frozenset({"mint", "bump", "bumps", "program_id", "id", "ID", "crate"})


def _seeds_shared(seeds: str) -> bool:
    """Seeds made only of literals, bumps and a mint: nothing that names a user, an owner or
    a per-user account, so one address serves everyone."""
    inner = seeds.strip()
    if inner.startswith("&"):
        inner = inner.lstrip("&").strip()
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
    for element in split_top_level(blank_strings(inner)):
        names = [n for n in re.findall(r"[A-Za-z_]\w*", element) if n not in _GENERIC]
        if names and names[-1] not in _SHARED_SEED:
            return False
    return True


_LET_SEEDS = re.compile(r"\blet\s+(\w*seeds\w*)\s*(?::[^=]+)?=\s*([^;]*);")


def pda_sharing(struct: AccountsStruct, codes: list[str], handler: str) -> Iterator[Finding]:
    signers = [f for f in struct.fields if f.signs]
    if not signers:
        return
    derived_for_signer = any(
        re.search(rf"(?:find|create)_program_address\s*\([^;]*\b{re.escape(s.name)}\b", code)
        for s in signers
        for code in codes
    )
    signer_tied = derived_for_signer or any(
        guarded(struct, s.name) or hand.key_checked(codes, s.name) for s in signers
    )
    if signer_tied:
        return
    for account in struct.fields:
        seeds = account.value("seeds")
        if seeds is None or account.fresh or not account.mutable or not _seeds_shared(seeds):
            continue
        takes = account.has("close") or any(
            SIGNS_WITH_SEEDS.search(code)
            or re.search(
                rf"\b{re.escape(account.name)}\b[^;]*(?:sub_lamports|try_borrow_mut_lamports)", code
            )
            for code in codes
        )
        if not takes:
            continue
        yield Finding(
            "pda_sharing",
            "high",
            struct.path,
            account.line_of("seeds"),
            f"`{account.name}` is derived from `{seeds}` only: one PDA serves every user, and any "
            f"signer of `{handler}` can move what it holds.",
            f'Bind the seeds to the owner (`seeds = [b"{account.name}", '
            f"{signers[0].name}.key().as_ref()], bump = {account.name}.bump`) or tie the signer "
            "to stored state (`has_one = authority`).",
        )
        return
    for function in codes:
        for found in _LET_SEEDS.finditer(function):
            if not _seeds_shared(found[2]) or not SIGNS_WITH_SEEDS.search(function):
                continue
            yield Finding(
                "pda_sharing",
                "high",
                struct.path,
                struct.line,
                f"`{handler}` signs with seeds `{' '.join(found[2].split())}` that name no user "
                "or owner, and no constraint ties its signer to the state: any signer can move "
                "what that PDA holds.",
                'Derive the PDA from something per user (`seeds = [b"pool", '
                "withdraw_destination.key().as_ref()]`) or tie the signer with `has_one`.",
            )
            return
