"""The checks on Anchor `#[derive(Accounts)]` structs: who signs and how accounts are tied.

Most Anchor exploits are an account the struct forgot to constrain: an authority that need not
sign, a vault any signer may pass (no `has_one`), a program id taken on trust, a caller-chosen
bump, the same account passed twice. A check may also live in the handler (`require_keys_eq!`,
an `if … != …` guard), so before reporting, each rule looks for such a comparison in the code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from solcoder.tools.toolkits.review_rules import RawFinding, Severity
from solcoder.tools.toolkits.review_source import AccountField, AccountsStruct, RustFile

AUTHORITY_NAME = re.compile(
    r"^(?:\w+_)?(?:authority|admin|owner|signer|payer|creator|initializer|manager)$"
)
_VALIDATING = (
    r"\b(?:init|init_if_needed|zero|seeds|has_one|constraint|address|owner|signer|executable)\b"
)
_FRESH = r"\b(?:init|init_if_needed|zero)\b"
_TIED = r"\b(?:has_one|constraint|address)\b"
_TOKEN_TYPES = frozenset({"TokenAccount", "Mint"})
_MAX_PAIRED = 32  # accounts of one type compared pairwise; real structs have a handful
_NOT_STATE = re.compile(r"^(?:Signer|SystemAccount|Sysvar|Program|Interface)\b")


def _path(name: str) -> str:
    """A regex for `name` used as an account: `ctx.accounts.name`, `self.name`, `name`."""
    return rf"(?<![\w.])(?:ctx\.accounts\.|self\.|accounts\.)?{name}(?:\.to_account_info\(\))?"


def check_structs(rust: RustFile, cpi_targets: set[str]) -> Iterator[RawFinding]:
    for struct in rust.structs:
        if rust.line(rust.tests_start) <= struct.line:
            continue
        yield from _check_struct(rust, struct, cpi_targets)


def _check_struct(
    rust: RustFile, struct: AccountsStruct, cpi_targets: set[str]
) -> Iterator[RawFinding]:
    signer_fields = [
        f for f in struct.fields if f.type.startswith("Signer") or f.has(r"\bsigner\b")
    ]
    flagged_signer = False
    # Accounts some `has_one` compares with: the struct treats them as authorities.
    guarded = set(
        re.findall(r"\bhas_one\s*=\s*(\w+)", " ".join(f.attribute_text for f in struct.fields))
    )
    # Types with an account tied by a constraint: an untied sibling is the counterparty (the
    # `to` of a transfer), not a missing has_one.
    tied_types = {f.state_type for f in struct.fields if f.state_type and f.has(_TIED)}
    for account in struct.fields:
        for finding in _check_field(rust, account, cpi_targets, bool(signer_fields), guarded):
            flagged_signer = flagged_signer or finding.rule == "missing_signer"
            yield finding
        yield from _missing_has_one(rust, account, signer_fields, tied_types)
        yield from _user_bump(struct, account)
    writable = [
        f
        for f in struct.fields
        if f.has(r"\bmut\b") and not f.has(_FRESH) and not _NOT_STATE.match(f.type)
    ]
    if writable and not signer_fields and not flagged_signer:
        # A permissionless crank over global PDAs is a real design; anything else is critical.
        singletons = all(f.seeds is not None and not f.seeded_by_other for f in writable)
        yield RawFinding(
            "missing_signer",
            "high" if singletons else "critical",
            struct.line,
            f"Nothing in `{struct.name}` signs, yet it writes to `{writable[0].name}`: anyone can "
            "send this instruction with anyone's accounts.",
            "Add the account that must approve it as `Signer<'info>` and tie it to the state "
            "(`has_one = <authority>` or `seeds` with its key); if it is meant to be "
            "permissionless, make sure every account it writes is derived or checked.",
        )
    yield from _duplicates(rust, struct)


def _check_field(
    rust: RustFile,
    account: AccountField,
    cpi_targets: set[str],
    any_signer: bool,
    guarded: set[str],
) -> Iterator[RawFinding]:
    has_check = "CHECK" in account.docs
    name = account.name
    is_program = name.endswith("_program") or name == "program" or name in cpi_targets
    if account.unchecked and AUTHORITY_NAME.match(name) and not account.has(r"\bsigner\b"):
        lenient = has_check and any_signer and name not in guarded
        severity: Severity = "medium" if lenient else "critical"
        yield RawFinding(
            "missing_signer",
            severity,
            account.line,
            f"`{name}` looks like an authority but is not required to sign: anyone can pass "
            "its key (a `/// CHECK:` comment or a `has_one` does not make it sign).",
            f"Declare it as `Signer<'info>` (or add `#[account(signer)]`) if `{name}` must "
            "approve this instruction.",
        )
    elif (
        account.unchecked
        and is_program
        and not account.has(r"\baddress\b")
        and not rust.compared(_path(name) + r"\.key\b")
    ):
        yield RawFinding(
            "arbitrary_cpi",
            "high",
            account.line,
            f"`{name}` is an unchecked account used as a program: a caller can substitute a "
            "malicious program for the CPI.",
            "Use `Program<'info, T>` (or `Interface<'info, T>`), add `address = <id>`, or "
            f"compare `{name}.key()` with the expected program id before invoking it.",
        )
    elif account.unchecked and not has_check:
        yield RawFinding(
            "unchecked_account",
            "high",
            account.line,
            f"`{name}` is an unchecked `{account.type}` without a `/// CHECK:` comment: nothing "
            "validates its owner, type or address (and Anchor's safety check refuses to build "
            "it).",
            "Use a typed account (`Account<'info, T>`, `SystemAccount`, `Program`), or add "
            "constraints (`address`, `owner`, `seeds`) and a `/// CHECK:` comment saying why it "
            "is safe.",
        )
    elif (
        account.unchecked
        and not account.has(_VALIDATING)
        and not rust.compared(_path(name) + r"\.(?:key|owner)\b")
    ):
        yield RawFinding(
            "unchecked_account",
            "low",
            account.line,
            f"`{name}` has a `/// CHECK:` comment but no constraint enforces it.",
            "Make sure the handler validates it, or add `address`, `owner` or `seeds`.",
        )
    if account.has(r"\binit_if_needed\b"):
        yield RawFinding(
            "init_if_needed",
            "medium",
            account.attribute_line(r"\binit_if_needed\b"),
            f"`init_if_needed` on `{name}`: the instruction also runs on an existing account, "
            "which opens reinitialisation attacks.",
            "Prefer a separate `init` instruction, or check in the handler that the account is "
            "fresh before writing its initial state.",
        )


def _tied(rust: RustFile, account: AccountField) -> bool:
    """Whether a constraint, derivation or handler check ties `account` to another account."""
    if account.has(_TIED) or account.seeded_by_other:
        return True
    keys = [name for name, kind in rust.data.get(account.state_type or "", []) if "Pubkey" in kind]
    return any(rust.compared(rf"\.{key}\b[^;]*\bkey\b|\bkey\b[^;]*\.{key}\b") for key in keys)


def _missing_has_one(
    rust: RustFile,
    account: AccountField,
    signer_fields: list[AccountField],
    tied_types: set[str],
) -> Iterator[RawFinding]:
    state = account.state_type
    if (
        not state
        or state in _TOKEN_TYPES
        or not account.has(r"\bmut\b")
        or account.has(_FRESH)
        or state in tied_types
        or _tied(rust, account)
    ):
        return
    signer_names = {f.name for f in signer_fields}
    signers = [name for name in signer_names if AUTHORITY_NAME.match(name)]
    stored = [
        name
        for name, kind in rust.data.get(state, [])
        if "Pubkey" in kind and (AUTHORITY_NAME.match(name) or name in signer_names)
    ]
    if stored:
        key = stored[0]
        yield RawFinding(
            "missing_has_one",
            "high",
            account.line,
            f"Writable `{account.name}` stores `{key}` but nothing checks it against the "
            f"accounts of this instruction: anyone can pass someone else's `{account.name}`.",
            f"Add `has_one = {key}` (with `{key}: Signer<'info>` in the struct) or derive it "
            f"with `seeds` that include the `{key}` key.",
        )
    elif signers:
        yield RawFinding(
            "missing_has_one",
            "medium",
            account.line,
            f"Writable `{account.name}` is not tied to the signer `{signers[0]}`: any signer "
            "can pass someone else's account.",
            f"Add `has_one = {signers[0]}` (with the field stored in the account) or derive it "
            "with `seeds` that include the signer's key.",
        )


def _user_bump(struct: AccountsStruct, account: AccountField) -> Iterator[RawFinding]:
    """`bump = <instruction argument>`: the caller picks the bump, not Anchor."""
    for number, text in account.attributes:
        for found in re.finditer(r"\bbump\s*=\s*([a-z_]\w*)\b(?!\s*(?:\.|::|\())", text):
            if found[1] in struct.instruction_args or not struct.instruction_args:
                yield RawFinding(
                    "non_canonical_bump",
                    "high",
                    number,
                    f"`bump = {found[1]}` takes the bump from the caller: the seeds can then "
                    f"match a non-canonical address for `{account.name}`.",
                    f"Use bare `bump` on `init` and store it; afterwards use `bump = "
                    f"{account.name}.bump`.",
                )


def _duplicates(rust: RustFile, struct: AccountsStruct) -> Iterator[RawFinding]:
    """Two writable accounts of one type with nothing saying they differ."""
    writable = [
        f
        for f in struct.fields
        if f.state_type
        and f.state_type not in _TOKEN_TYPES
        and f.has(r"\bmut\b")
        and not f.has(_FRESH)
    ]
    groups: dict[str | None, list[AccountField]] = {}
    for account in writable:
        groups.setdefault(account.state_type, []).append(account)
    pairs = (
        (first, second)
        for group in groups.values()
        for index, second in enumerate(group[:_MAX_PAIRED])
        for first in group[:index]
    )
    reported: set[str] = set()
    for first, second in pairs:
        if second.name in reported or _distinct(rust, first, second):
            continue
        reported.add(second.name)
        yield RawFinding(
            "duplicate_mutable_accounts",
            "high",
            second.line,
            f"`{first.name}` and `{second.name}` are writable `{second.state_type}` accounts and "
            "nothing requires them to differ: passing one account twice makes the last write "
            "win (e.g. points sent to oneself are created, not moved).",
            f"Add `constraint = {second.name}.key() != {first.name}.key()` (or "
            "`require_keys_neq!` in the handler).",
        )


def _distinct(rust: RustFile, first: AccountField, second: AccountField) -> bool:
    for one, other in ((first, second), (second, first)):
        if re.search(rf"\b{other.name}\b", one.attribute_text) and "!=" in one.attribute_text:
            return True
    both = rf"\b{first.name}\b[^;]*\b{second.name}\b|\b{second.name}\b[^;]*\b{first.name}\b"
    return rust.compared(both)
