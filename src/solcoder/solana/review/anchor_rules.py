"""Rules over Anchor `#[derive(Accounts)]` structs and the handlers that use them.

Each rule reads one struct with the code that runs for it (`CrateModel.checks_for`) and asks
`handchecks` before reporting, so a check written by hand counts like a constraint. Severity
follows exploitability: critical when anyone can move someone else's funds or authority,
high when state can be corrupted or faked, medium for hardening.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import solcoder.solana.review.handchecks as hand
from solcoder.solana.review.context import Crate
from solcoder.solana.review.findings import Finding
from solcoder.solana.review.model import (
    EXTERNAL_TYPES,
    TOKEN_TYPES,
    AccountField,
    AccountsStruct,
    Function,
)
from solcoder.solana.review.signer_rules import missing_signer
from solcoder.solana.review.state_rules import data_mismatch, pda_sharing
from solcoder.solana.review.structs import AUTHORITY, SYSVAR_NAME, handler_name, mentions

_MAX_PAIRED = 32


def check(crate: Crate) -> Iterator[Finding]:
    model = crate.model
    for struct in model.structs.values():
        functions = model.checks_for(struct.name)
        codes = [f.code for f in functions]
        handler = handler_name(struct, functions)
        yield from missing_signer(crate, struct, codes, handler)
        yield from data_mismatch(crate, struct, codes, handler)
        yield from pda_sharing(struct, codes, handler)
        yield from _bumps(struct)
        yield from _program_accounts(struct, codes, handler)
        yield from _sysvars(struct, codes, handler)
        yield from _reinit(crate, struct, functions, handler)
        yield from _duplicates(crate, struct, codes)
        yield from _unchecked(struct, codes)


def _bumps(struct: AccountsStruct) -> Iterator[Finding]:
    for account in struct.fields:
        for value in account.values("bump"):
            name = re.fullmatch(r"([a-z_]\w*)", value.strip())
            if name and (name[1] in struct.instruction_args or not struct.instruction_args):
                yield Finding(
                    "non_canonical_bump",
                    "high",
                    struct.path,
                    account.line_of("bump"),
                    f"`bump = {name[1]}` on `{account.name}` takes the bump from the caller: "
                    "the seeds can then match a non-canonical address.",
                    f"Use bare `bump` on `init` and store it (`ctx.bumps.{account.name}`); "
                    f"afterwards use `bump = {account.name}.bump`.",
                )


_CPI_USE = (
    r"CpiContext::new(?:_with_signer)?\(\s*(?:ctx\.accounts\.|self\.)?{name}\b",
    r"\bprogram_id\s*:\s*[*&]*(?:ctx\.accounts\.|self\.)?{name}\b",
    r"::instruction::\w+\(\s*[*&]*(?:ctx\.accounts\.|self\.)?{name}\b(?<=program)",
    r"Instruction::new_with_\w+\(\s*[*&]*(?:ctx\.accounts\.|self\.)?{name}\b",
)


def _aliases(codes: list[str], name: str) -> set[str]:
    """`name` and the locals bound to it (`let program = ctx.accounts.name.to_account_info()`)."""
    found = {name}
    pattern = re.compile(
        rf"\blet\s+(?:mut\s+)?(\w+)\s*(?::[^=]+)?=\s*&?\s*(?:ctx\.accounts\.|self\.)"
        rf"{re.escape(name)}\b(?:\.to_account_info\(\)|\.key\(\))?\s*;"
    )
    for code in codes:
        found.update(pattern.findall(code))
    return found


def _program_accounts(struct: AccountsStruct, codes: list[str], handler: str) -> Iterator[Finding]:
    for account in struct.fields:
        if not account.unchecked or account.has("address"):
            continue
        as_program = account.name.endswith("program") or account.name == "program"
        used = any(
            re.search(pattern.format(name=re.escape(alias)), code)
            for alias in _aliases(codes, account.name)
            for pattern in _CPI_USE
            for code in codes
        )
        if not used and (codes or not as_program):
            continue  # no CPI in the handlers takes its id (a builder may fix the program)
        if hand.key_checked(codes, account.name) or (account.has("executable") and not used):
            continue
        yield Finding(
            "arbitrary_cpi",
            "critical" if used else "low",
            struct.path,
            account.line,
            f"`{account.name}` is an unchecked account "
            + (f"used as the program of a CPI in `{handler}`" if used else "named as a program")
            + ": a caller can substitute their own program and receive the signer and "
            "writable accounts passed to it.",
            "Use `Program<'info, Token>` (or `Interface<'info, TokenInterface>`), add `address = "
            f"<program id>`, or `require_keys_eq!({account.name}.key(), <program id>)` before "
            "invoking.",
        )


def _sysvars(struct: AccountsStruct, codes: list[str], handler: str) -> Iterator[Finding]:
    for account in struct.fields:
        if not account.unchecked or account.has("address") or not SYSVAR_NAME.match(account.name):
            continue
        name = re.escape(account.name)
        read = any(
            re.search(
                rf"\b{name}\b[^;]*\.(?:data|try_borrow_data)\b|load_instruction_at\s*\([^;]*\b{name}\b"
                rf"|load_current_index\s*\([^;]*\b{name}\b|\b(?:deserialize|from_bytes|try_from_slice)\s*\([^;]*\b{name}\b",
                code,
            )
            for code in codes
        )
        if not read or hand.key_checked(codes, account.name):
            continue
        yield Finding(
            "sysvar_spoofing",
            "high",
            struct.path,
            account.line,
            f"`{account.name}` is read as a sysvar in `{handler}` but its address is never "
            "checked: a caller can pass an account with fabricated contents.",
            "Use `Sysvar<'info, Rent>`/`Sysvar<'info, Clock>` or `Clock::get()`/`Rent::get()`; for "
            "the instructions sysvar add `address = sysvar::instructions::ID` and use "
            "`load_instruction_at_checked`.",
        )


def _reinit(
    crate: Crate, struct: AccountsStruct, functions: list[Function], handler: str
) -> Iterator[Finding]:
    codes = [f.code for f in functions]
    initialising = re.match(r"^(?:init|initiali[sz]e|create|setup|register|open)\w*$", handler)
    for account in struct.fields:
        state = account.state
        if state is None or state in TOKEN_TYPES:
            continue
        if account.has("init_if_needed") or (
            initialising
            and account.mutable
            and not account.fresh
            and account.kind != "AccountLoader"
        ):
            writes = any(_resets(code, account.name) for code in codes)
            if not writes or hand.initialised_checked(codes):
                if account.has("init_if_needed"):
                    yield Finding(
                        "init_if_needed",
                        "info",
                        struct.path,
                        account.line_of("init_if_needed"),
                        f"`init_if_needed` on `{account.name}`: `{handler}` also runs on an "
                        "existing account; it must never reset state it did not create.",
                        "Prefer a separate `init` instruction, or keep the check that the "
                        "account is fresh before writing its initial state.",
                    )
                continue
            yield Finding(
                "reinitialization",
                "high",
                struct.path,
                account.line_of("init_if_needed")
                if account.has("init_if_needed")
                else account.line,
                f"`{handler}` writes the initial state of `{account.name}` "
                + ("with `init_if_needed`" if account.has("init_if_needed") else "without `init`")
                + " and never checks that it is fresh: calling it again on an existing account "
                "overwrites its owner and balances.",
                "Use `init` (Anchor creates the account once and refuses an existing one), or "
                f"keep an `is_initialized` flag and `require!(!{account.name}.is_initialized, …)`.",
            )


def _resets(code: str, name: str) -> bool:
    """`name.field = value` where value does not read the field (an initial value, not an
    update like `x.total = x.total.checked_add(…)`), or `set_inner`/`*name = …`."""
    escaped = re.escape(name)
    if re.search(rf"\*\s*{escaped}\b\s*=(?!=)|\b{escaped}\.set_inner\(", code):
        return True
    for found in re.finditer(rf"\b{escaped}\s*\.\s*(\w+)\s*=(?!=)([^;]*)", code):
        if not re.search(rf"\.{re.escape(found[1])}\b", found[2]):
            return True
    return False


def _duplicates(crate: Crate, struct: AccountsStruct, codes: list[str]) -> Iterator[Finding]:
    major = crate.settings.anchor_major
    groups: dict[str, list[AccountField]] = {}
    for account in struct.fields:
        state = account.state
        written = account.mutable or any(
            re.search(rf"&mut\s+(?:ctx\.accounts|self)\.{re.escape(account.name)}\b", code)
            for code in codes
        )
        if state and state not in EXTERNAL_TYPES and written and not account.fresh:
            groups.setdefault(state, []).append(account)
    if major is not None and major >= 1:
        # Anchor 1.x refuses the same serialising account twice unless `dup` allows it
        # (AccountLoader does not serialise on exit, so it is not covered).
        groups = {
            state: group
            for state, group in groups.items()
            if any(f.has("dup") or f.kind == "AccountLoader" for f in group)
        }
    reported: set[str] = set()
    for group in groups.values():
        for index, second in enumerate(group[:_MAX_PAIRED]):
            for first in group[:index]:
                if second.name in reported or _distinct(first, second, codes):
                    continue
                reported.add(second.name)
                yield Finding(
                    "duplicate_mutable_accounts",
                    "high" if major is None or major < 1 else "medium",
                    struct.path,
                    second.line,
                    f"`{first.name}` and `{second.name}` are writable `{second.state}` accounts "
                    f"in `{struct.name}` and nothing requires them to differ: passing one "
                    "account twice makes the last write win (a transfer to oneself creates "
                    "value).",
                    f"Add `constraint = {second.name}.key() != {first.name}.key()` or "
                    "`require_keys_neq!` in the handler; Anchor 1.x refuses duplicates by "
                    "default unless `dup` is set.",
                )


def _distinct(first: AccountField, second: AccountField, codes: list[str]) -> bool:
    for one, other in ((first, second), (second, first)):
        text = " ".join(one.values("constraint"))
        if mentions(text, other.name) and "!=" in text:
            return True
    return hand.compared(codes, rf"\b{re.escape(first.name)}\b", rf"\b{re.escape(second.name)}\b")


_VALIDATING = ("init", "zero", "seeds", "has_one", "constraint", "address", "owner", "signer")


def _unchecked(struct: AccountsStruct, codes: list[str]) -> Iterator[Finding]:
    for account in struct.fields:
        if not account.unchecked or account.has("address"):
            continue
        if account.documented:
            if any(account.has(key) for key in _VALIDATING) or account.has("executable"):
                continue
            if hand.key_checked(codes, account.name) or hand.owner_checked(codes, account.name):
                continue
            if AUTHORITY.match(account.name) or account.name.endswith("program"):
                continue  # the signer and CPI rules speak about these
            yield Finding(
                "unchecked_account",
                "low",
                struct.path,
                account.line,
                f"`{account.name}` has a `/// CHECK:` comment but no constraint or check in "
                "the handler enforces it.",
                "Make sure the handler validates it, or add `address`, `owner` or `seeds`.",
            )
        elif not AUTHORITY.match(account.name):
            yield Finding(
                "unchecked_account",
                "low",
                struct.path,
                account.line,
                f"`{account.name}` is an unchecked `{account.kind}` without a `/// CHECK:` "
                "comment (Anchor refuses to build it): nothing states why it is safe.",
                "Use a typed account (`Account<'info, T>`, `SystemAccount`, `Program`), or add "
                "constraints (`address`, `owner`, `seeds`) and a `/// CHECK:` comment.",
            )
