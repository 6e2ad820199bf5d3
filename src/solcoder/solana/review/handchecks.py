"""What a handler checks by hand: signer flags, owners, keys, discriminators.

A check written in the handler (`require_keys_eq!`, `if a.key() != b { return Err(…) }`,
`a.is_signer`) protects as well as a constraint, so every rule asks here before reporting.
The questions are answered on comment-free code, statement by statement: a comparison counts
when the account (or the stored field) and the thing it is compared with are in one
condition.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_COMPARISON = re.compile(
    r"==|!=|\brequire(?:_keys)?(?:_eq|_neq)?!|\bassert(?:_eq|_ne)?!|\.eq\(|\.ne\(|\bcmp_pubkeys\("
    r"|\bcheck_id\(|\bcheck_program_account\("
)
_PIECES = re.compile(r"[^;{}]+")


@lru_cache(maxsize=4096)
def _pieces(code: str) -> tuple[str, ...]:
    return tuple(piece for piece in _PIECES.findall(code) if _COMPARISON.search(piece))


def comparisons(codes: Iterable[str]) -> list[str]:
    """Every condition or check statement (the text between `;`, `{` and `}` that compares)."""
    return [piece for code in codes for piece in _pieces(code)]


def compared(codes: Iterable[str], *patterns: str) -> bool:
    """Whether one comparison mentions all of `patterns` (regular expressions)."""
    compiled = [re.compile(pattern) for pattern in patterns]
    return any(all(p.search(piece) for p in compiled) for piece in comparisons(codes))


def account(name: str) -> str:
    """A regex for account `name` as code names it: `ctx.accounts.name`, `self.name`, `name`."""
    return rf"(?<![\w])(?:ctx\.accounts\.|self\.|accounts\.)?{re.escape(name)}\b(?!\s*:)"


def signed_by_hand(codes: Iterable[str], name: str) -> bool:
    pattern = re.compile(
        rf"\b{re.escape(name)}\b(?:\.to_account_info\(\))?\.is_signer\b"
        rf"|\b(?:assert|check|require)_signer\w*\(\s*&?(?:ctx\.accounts\.)?{re.escape(name)}\b"
    )
    return any(pattern.search(code) for code in codes)


def key_checked(codes: Iterable[str], name: str) -> bool:
    """`name`'s address is compared with something (a key, a constant, a stored field)."""
    return compared(codes, account(name) + r"(?:\.to_account_info\(\))?\s*\.\s*(?:key|address)\b")


def owner_checked(codes: Iterable[str], name: str, *, bare: bool = True) -> bool:
    """`name.owner` is compared; with `bare=False` only through `ctx.accounts.`/`self.` (the
    bare name is a local holding decoded data, whose `owner` field is not the account's)."""
    prefix = account(name) if bare else rf"(?:ctx\.accounts\.|self\.){re.escape(name)}\b"
    return compared(codes, prefix + r"(?:\.to_account_info\(\))?\s*\.\s*owner\b")


def stored_key_checked(codes: Iterable[str], field: str) -> bool:
    """A stored `field` (e.g. `vault.owner`) is compared with some account's key."""
    return compared(codes, rf"\.{re.escape(field)}\b", r"\bkey\b|\bID\b|\bid\(\)|Pubkey")


def discriminator_checked(codes: Iterable[str]) -> bool:
    return any(
        re.search(r"discrimin|DISCRIMINATOR|account_type|AccountType::|\.tag\b|\bkind\b", code)
        for code in comparisons(codes)
    )


def initialised_checked(codes: Iterable[str]) -> bool:
    """The handler refuses an account that already holds state."""
    codes = list(codes)
    flag = re.compile(r"\bif\s+!?\s*\(?\s*[\w.]*\b(?:(?:is_)?initiali[sz]ed|discriminator)\b")
    if any(flag.search(code) for code in codes):
        return True
    return any(
        re.search(
            r"is_initiali[sz]ed|\binitiali[sz]ed\b|Pubkey::default\(\)|==\s*0\b|!=\s*0\b", piece
        )
        for piece in comparisons(codes)
    )
