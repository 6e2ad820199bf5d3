"""Rules over Anchor `#[derive(Accounts)]` structs and the handlers that use them.

Each rule reads one struct with the code that runs for it (`CrateModel.checks_for`) and asks
`handchecks` before reporting, so a check written by hand counts like a constraint. Severity
follows exploitability: critical when anyone can move someone else's funds or authority,
high when state can be corrupted or faked, medium for hardening.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from solcoder.solana.review import handchecks as hand
from solcoder.solana.review.context import Crate
from solcoder.solana.review.findings import Finding, Severity
from solcoder.solana.review.model import TOKEN_TYPES, AccountField, AccountsStruct, Function

AUTHORITY = re.compile(
    r"^(?:\w+_)?(?:authority|admin|owner|signer|creator|initializer|manager|user|maker"
    r"|depositor|governor|operator)$"
)
_NOT_STATE = frozenset(
    {"Signer", "SystemAccount", "Sysvar", "Program", "Interface", "UncheckedAccount", "AccountInfo"}
)
_MOVES_VALUE = re.compile(
    r"\btransfer(?:_checked)?\s*\(|\bsub_lamports\s*\(|try_borrow_mut_lamports|\blamports\b\s*\("
    r"|new_with_signer|invoke_signed|\bwithdraw|\bclose\s*\("
)
_SIGNS_WITH_SEEDS = re.compile(r"new_with_signer|invoke_signed|signer_seeds|with_signer\(")
_SYSVAR_NAME = re.compile(
    r"^(?:rent|clock|instructions?|\w*_sysvar|sysvar_\w+|recent_\w+|slot_hashes|stake_history"
    r"|epoch_schedule|ix_sysvar)$"
)
_MAX_PAIRED = 32


def check(crate: Crate) -> Iterator[Finding]:
    model = crate.model
    for struct in model.structs.values():
        functions = model.checks_for(struct.name)
        codes = [f.code for f in functions]
        handler = _handler_name(struct, functions)
        yield from _signers(crate, struct, codes, handler)
        yield from _data_mismatch(crate, struct, codes, handler)
        yield from _pda_sharing(struct, codes, handler)
        yield from _bumps(struct)
        yield from _program_accounts(struct, codes, handler)
        yield from _sysvars(struct, codes, handler)
        yield from _reinit(crate, struct, functions, handler)
        yield from _duplicates(crate, struct, codes)
        yield from _unchecked(struct, codes)


def _handler_name(struct: AccountsStruct, functions: list[Function]) -> str:
    named = [f for f in functions if f.in_program] or functions
    return named[0].name if named else struct.name


def _owned_keys(crate: Crate, struct: AccountsStruct) -> dict[str, list[str]]:
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


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", text) is not None


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
        if any(_mentions(value, name) for value in other.values("constraint")):
            return True
    return False


def _guarded(struct: AccountsStruct, name: str) -> bool:
    """Some constraint compares `name`'s key with stored state (has_one, constraint, seeds)."""
    for other in struct.fields:
        if other.name == name:
            continue
        if name in other.values("has_one") or name in [
            v.split("@")[0].strip() for v in other.values("has_one")
        ]:
            return True
        for key in ("constraint", "seeds", "address"):
            if any(_mentions(value, name) for value in other.values(key)):
                return True
    own = struct.get(name)
    return own is not None and any(own.has(k) for k in ("address", "constraint"))


def _signers(
    crate: Crate, struct: AccountsStruct, codes: list[str], handler: str
) -> Iterator[Finding]:
    signers = [f for f in struct.fields if f.signs or hand.signed_by_hand(codes, f.name)]
    owned = _owned_keys(crate, struct)
    stored = {key for keys in owned.values() for key in keys}
    flagged = False
    for account in struct.fields:
        if account.signs or hand.signed_by_hand(codes, account.name):
            continue
        if not (account.unchecked or account.kind == "SystemAccount"):
            continue
        if account.name.endswith("program") or _SYSVAR_NAME.match(account.name):
            continue
        if account.has("seeds"):
            continue  # a PDA: only the program can sign for it (invoke_signed)
        guarded = _guarded(struct, account.name) or any(
            hand.compared(
                codes,
                hand.account(account.name) + r"\s*(?:\.to_account_info\(\))?\.\s*key\b",
                rf"\.{re.escape(key)}\b",
            )
            for key in stored
        )
        if AUTHORITY.match(account.name) is None:
            continue
        if not signers and not guarded:
            continue
        if _receives(codes, account.name) and not _compared_with_state(struct, account.name):
            continue  # a recipient (the `to` of a transfer), not an authority
        if account.kind == "SystemAccount" and not guarded:
            continue
        level: Severity = "critical" if guarded or not account.documented else "medium"
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
                if guarded
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
        if f.mutable and not f.fresh and f.kind not in _NOT_STATE | {"Signer"}
    ]
    writable_any = [f for f in struct.fields if f.mutable and not f.fresh]
    if not writable_any:
        return
    moves = any(_MOVES_VALUE.search(code) for code in codes) or any(
        f.has("close") for f in struct.fields
    )
    owned_state = any(owned.get(f.name) for f in writable)
    if not (writable or moves):
        return
    pinned = all(
        any(f.has(key) for key in ("seeds", "address", "has_one", "constraint"))
        for f in writable_any
    )
    severity: Severity = "low" if pinned else "critical" if moves or owned_state else "medium"
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
            if severity == "critical"
            else " Every account it writes is derived or pinned, so this reads as a "
            "permissionless crank; fine if that is the intent."
            if pinned
            else " Fine only if it is meant to be permissionless."
        ),
        "Add the account that must approve it as `Signer<'info>` and tie it to the state "
        "(`has_one = authority`, or `seeds` with its key); if it is meant to be permissionless, "
        "make sure every account it writes is derived or checked.",
    )


def _data_mismatch(
    crate: Crate, struct: AccountsStruct, codes: list[str], handler: str
) -> Iterator[Finding]:
    owned = _owned_keys(crate, struct)
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
            if re.search(stored, text) or (_mentions(text, key) and _mentions(text, account.name)):
                return True
    return hand.compared(codes, rf"\.{re.escape(key)}\b", r"\bkey\b")


def _tied(struct: AccountsStruct, account: AccountField, codes: list[str], keys: list[str]) -> bool:
    if account.has("has_one") or account.has("address"):
        return True
    if any(account.values("constraint")):
        return True
    seeds = " ".join(account.values("seeds"))
    if any(_mentions(seeds, f.name) for f in struct.fields if f.name != account.name):
        return True
    for other in struct.fields:
        for key in ("constraint", "token::authority", "associated_token::authority", "seeds"):
            if any(_mentions(value, account.name) for value in other.values(key)):
                return True
    if any(hand.stored_key_checked(codes, key) for key in keys):
        return True
    return hand.key_checked(codes, account.name)


def _pda_sharing(struct: AccountsStruct, codes: list[str], handler: str) -> Iterator[Finding]:
    signers = [f for f in struct.fields if f.signs]
    if not signers:
        return
    bound_names = {f.name for f in struct.fields if f.signs or f.has("has_one") or f.has("address")}
    bound_names |= {v.split("@")[0].strip() for f in struct.fields for v in f.values("has_one")}
    derived_for_signer = any(
        re.search(rf"(?:find|create)_program_address\s*\([^;]*\b{re.escape(s.name)}\b", code)
        for s in signers
        for code in codes
    )
    signer_tied = (
        derived_for_signer
        or any(_guarded(struct, s.name) or hand.key_checked(codes, s.name) for s in signers)
        or any(f.has("has_one") or f.values("constraint") for f in struct.fields)
    )
    if signer_tied:
        return
    for account in struct.fields:
        seeds = account.value("seeds")
        if seeds is None or account.fresh or not account.mutable:
            continue
        if any(_mentions(seeds, name) for name in bound_names) or re.search(
            r"\b(?:user|authority|owner|payer|signer)\b", seeds
        ):
            continue
        takes = account.has("close") or any(
            _SIGNS_WITH_SEEDS.search(code)
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
        if not account.unchecked or account.has("address") or not _SYSVAR_NAME.match(account.name):
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
        if state and state not in TOKEN_TYPES and account.mutable and not account.fresh:
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
        if _mentions(text, other.name) and "!=" in text:
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
