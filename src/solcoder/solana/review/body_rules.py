"""Rules over function bodies: raw account data, PDAs, lamports and CPIs by hand.

Where an account arrives as `AccountInfo`/`UncheckedAccount` (and always in a native program),
the code must do by hand what `Account<'info, T>` does: compare the owner before trusting
data, tell account types apart (discriminator), derive PDAs with the canonical bump, close
accounts so they cannot be revived, check the signer flag and the program it invokes (those
two, in a native handler, are `native_rules`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from solcoder.solana.review import handchecks as hand
from solcoder.solana.review.context import Crate
from solcoder.solana.review.findings import Finding, Severity
from solcoder.solana.review.model import AccountsStruct, Function
from solcoder.solana.review.native_rules import INSTRUCTION_BUILDER, native_accounts

_PATH = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
_BORROW = re.compile(
    rf"({_PATH}?)(?:\.to_account_info\(\))?\."
    r"(?:data\.(?:try_)?borrow(?:_mut)?\(\)|try_borrow(?:_mut)?_data\(\)|data\(\))"
)
_DESERIALISE = re.compile(
    r"(?:(\w+)\s*::\s*)?(?<!\w)(try_from_slice|try_deserialize_unchecked|try_deserialize"
    r"|deserialize|unpack(?:_unchecked|_from_slice)?)\s*\("
)
_DECODED = re.compile(
    r"\blet\s+(?:mut\s+)?(\w+)\s*(?::[^=]+)?=[^;]*\b(?:try_from_slice|try_deserialize\w*"
    r"|deserialize|unpack\w*|try_from)\s*\("
)
_NO_DISCRIMINATOR = frozenset({"try_from_slice", "try_deserialize_unchecked", "deserialize"})
_ZERO_LAMPORTS = re.compile(
    r"\*\*[^;=]*lamports[\w.()?]*\s*(?<![=!<>])=(?!=)\s*0\b|\bset_lamports\(\s*0\s*\)"
    r"|\bsub_lamports\(\s*[\w.]*lamports\(\)\s*\)"
)
_WIPES = re.compile(
    r"\bassign\(|\b(?:realloc|resize)\(\s*0\b|\bfill\(\s*0\s*\)|\bsol_memset\b"
    r"|CLOSED_ACCOUNT_DISCRIMINATOR|\.close\(|close_account"
)


def check(crate: Crate) -> Iterator[Finding]:
    model = crate.model
    codes = [f.code for f in model.functions if not f.in_tests]
    for function in model.functions:
        if function.in_tests:
            continue
        struct = model.structs.get(function.context or "")
        scope = [f.code for f in model.checks_for(struct.name)] if struct else [function.code]
        yield from _deserialised(crate, function, scope)
        if _entry_point(crate, function):
            yield from _bumps(function)
        yield from _closes(function)
        yield from _sysvar_loads(function, scope, struct)
        if model.native:
            yield from native_accounts(crate, function, codes)
        yield from _reinitialised(function)


def _alias(function: Function, path: str) -> str:
    """The account behind `ctx.accounts.x`, `self.x` or a `let x = &ctx.accounts.y` alias."""
    alias = re.search(
        rf"\blet\s+(?:mut\s+)?{re.escape(path)}\s*(?::[^=]+)?=\s*&?(?:mut\s+)?"
        r"(?:ctx\.accounts|self)\.(\w+)",
        function.code,
    )
    return alias[1] if alias else path.rsplit(".", 1)[-1]


def _account_behind(function: Function, call: re.Match[str]) -> str | None:
    body = function.code
    start = max(body.rfind(";", 0, call.start()), body.rfind("{", 0, call.start())) + 1
    end = body.find(";", call.end())
    statement = body[start : len(body) if end < 0 else end]
    if borrow := _BORROW.search(statement):
        return borrow[1]
    argument = re.match(r"\s*[&*]*(?:mut\s+)?[&*]*(\w+)", body[call.end() :])
    if not argument:
        return None
    pattern = rf"\blet\s+(?:mut\s+)?{argument[1]}\b[^;]*?=([^;]*)"
    bindings = list(re.finditer(pattern, body[: call.start()]))
    borrow = _BORROW.search(bindings[-1][1]) if bindings else None
    return borrow[1] if borrow else None


def _deserialised(crate: Crate, function: Function, scope: list[str]) -> Iterator[Finding]:
    model = crate.model
    struct = model.structs.get(function.context or "")
    for call in _DESERIALISE.finditer(function.code):
        path = _account_behind(function, call)
        if path is None:
            continue
        line = function.line_at(call.start())
        name = _alias(function, path)
        field = struct.get(name) if struct else None
        typed = field is not None and not field.unchecked
        if typed:
            continue
        yield from _decoded_authority(crate, function, call, scope, struct)
        decoded = {found[1] for found in _DECODED.finditer(function.code)}
        # A PDA of this program (`seeds` without `seeds::program`) can only be owned by it.
        derived = field is not None and field.has("seeds") and not field.has("seeds::program")
        owner_checked = (
            derived
            or _written_back(function.code, name)
            or _validated_by_cpi(function.code[: call.start()], name)
            or (field is not None and field.has("owner"))
            or any(
                hand.owner_checked([code], var, bare=var not in decoded)
                for code in scope
                for var in {path, name}
            )
        )
        if not owner_checked:
            yield Finding(
                "missing_owner_check",
                "high",
                function.path,
                line,
                f"`{function.name}` deserialises `{path}` without checking which program owns "
                "it: a caller can pass a look-alike account created by another program.",
                "Use `Account<'info, T>` (it checks owner and discriminator) or add `owner = "
                f"<program>`; natively compare `{name}.owner` with `program_id` first.",
            )
        type_name = call[1] or ""
        data = model.data.get(type_name)
        tagged = data is not None and data.anchor
        lookalikes = sum(1 for d in model.data.values() if not d.anchor) >= 2
        if (
            call[2] in _NO_DISCRIMINATOR
            and (not tagged or call[2] == "try_deserialize_unchecked")
            and not hand.discriminator_checked(scope)
            and (call[2] == "try_deserialize_unchecked" or lookalikes or data is None)
        ):
            yield Finding(
                "type_cosplay",
                "high",
                function.path,
                line,
                f"`{call[2]}` in `{function.name}` reads `{path}` without a type discriminator: "
                "another account type with the same layout passes as this one.",
                "Use `Account<'info, T>` with an `#[account]` type (8-byte discriminator) or "
                "`try_deserialize`; natively store and check an account-type tag first.",
            )


def _written_back(code: str, name: str) -> bool:
    """The handler writes the account's data: the runtime fails the instruction unless this
    program owns it, so ownership is enforced (type confusion still is not)."""
    escaped = re.escape(name)
    return (
        re.search(
            rf"\b{escaped}\b(?:\.to_account_info\(\))?\s*\.\s*(?:data\s*\.\s*(?:try_)?borrow_mut"
            rf"|try_borrow_mut_data)\b",
            code,
        )
        is not None
    )


def _validated_by_cpi(before: str, name: str) -> bool:
    """The account was handed to another program's instruction earlier (a token transfer):
    that program refused it unless it owns it."""
    for found in INSTRUCTION_BUILDER.finditer(before):
        if re.search(rf"\b{re.escape(name)}\b", before[found.end() : found.end() + 400]):
            return True
    return False


def _decoded_authority(
    crate: Crate,
    function: Function,
    call: re.Match[str],
    scope: list[str],
    struct: AccountsStruct | None,
) -> Iterator[Finding]:
    """Data decoded by hand whose owner/authority field is never compared with an account:
    the handler trusts an account that may belong to anyone (account data matching)."""
    start = max(
        function.code.rfind(";", 0, call.start()), function.code.rfind("{", 0, call.start())
    )
    binding = re.search(r"\blet\s+(?:mut\s+)?(\w+)", function.code[start + 1 : call.start()])
    type_name = call[1] or ""
    if binding is None or not type_name:
        return
    depth, end = 1, call.end()
    while end < len(function.code) and depth:
        depth += {"(": 1, ")": -1}.get(function.code[end], 0)
        end += 1
    if re.match(r"\s*\??\s*\.\s*[a-z_]", function.code[end:]):
        return  # `unpack(…)?.amount`: the binding holds one field, not the account's data
    data = crate.model.data.get(type_name)
    if data is not None:
        keys = [k for k in data.pubkeys() if re.search(r"owner|authority|admin|user", k)]
    elif re.search(r"Token\w*Account|^Account$", type_name) and call[2].startswith("unpack"):
        keys = ["owner"]
    else:
        return
    signed = (struct is not None and any(f.signs for f in struct.fields)) or any(
        "is_signer" in code for code in scope
    )
    if not keys or not signed:
        return
    local = re.escape(binding[1])
    if any(re.search(rf"\b{local}\s*\.\s*\w+\s*=(?!=)", code) for code in scope):
        return  # the handler writes the decoded state (an initialiser or an update it owns)
    if hand.compared(scope, r"\.\s*(?:owner|authority|admin|user)\w*\b", r"\bkey\b"):
        return  # some decoded authority is compared with an account: the handler ties it
    yield Finding(
        "account_data_mismatch",
        "high",
        function.path,
        function.line_at(call.start()),
        f"`{function.name}` decodes `{binding[1]}` ({type_name}) but never compares its "
        f"`{keys[0]}` with the signer: anyone's account passes.",
        f"Compare it before use (`require_keys_eq!({binding[1]}.{keys[0]}, "
        "ctx.accounts.authority.key())`), or use a typed account with `has_one` / "
        "`token::authority`.",
    )


def _entry_point(crate: Crate, function: Function) -> bool:
    """Whether the function's parameters come from the instruction: an Anchor handler (or a
    method of an Accounts struct that no caller feeds `ctx.bumps`), or a native processor.
    A helper's `bump` parameter is whatever its caller passes, usually a stored bump."""
    model = crate.model
    if function.in_program:
        return True
    if function.context in model.structs:
        callers = re.compile(rf"\b{re.escape(function.name)}\s*\(([^;]*)")
        return not any(
            "bumps" in found[1]
            for other in model.functions
            for found in callers.finditer(other.code)
        )
    return bool({"accounts", "instruction_data", "data"} & set(function.params)) or bool(
        re.search(r"\[AccountInfo", function.param_text)
    )


def _bumps(function: Function) -> Iterator[Finding]:
    body, params = function.code, set(function.params) - {"ctx", "program_id", "accounts"}
    for call in re.finditer(r"\bcreate_program_address\s*\(", body):
        depth, end = 0, call.end() - 1
        for end in range(call.end() - 1, len(body)):
            depth += {"(": 1, ")": -1}.get(body[end], 0)
            if depth == 0:
                break
        arguments = body[call.end() : end]
        if re.search(r"\.bump\b|\bbumps\b|[A-Z_]*BUMP\b", arguments) or (
            "find_program_address" in body
        ):
            continue
        from_caller = any(re.search(rf"\b{name}\b", arguments) for name in params) or (
            "instruction_data" in arguments or "data[" in arguments
        )
        severity: Severity = "high" if from_caller else "medium"
        yield Finding(
            "non_canonical_bump",
            severity,
            function.path,
            function.line_at(call.start()),
            f"`create_program_address` in `{function.name}` accepts any bump"
            + (", and this one comes from the caller" if from_caller else "")
            + ": several addresses can pass as the same PDA.",
            "Derive with `find_program_address` (or Anchor's `seeds` + `bump`), store the "
            "canonical bump and reuse the stored value.",
        )
    for found in re.finditer(r"\.bump\s*=\s*(\w+)\s*;|\bbump\s*:\s*(\w+)\s*[,}]", body):
        name = found[1] or found[2]
        if name in params:
            yield Finding(
                "non_canonical_bump",
                "high",
                function.path,
                function.line_at(found.start()),
                f"`{function.name}` stores the bump `{name}`, an instruction argument: a caller "
                "can store a non-canonical bump that later derivations trust.",
                "Store the canonical bump Anchor found (`ctx.bumps.<account>`) or the one from "
                "`find_program_address`.",
            )


def _closes(function: Function) -> Iterator[Finding]:
    if _WIPES.search(function.code):
        return
    for found in _ZERO_LAMPORTS.finditer(function.code):
        yield Finding(
            "insecure_close",
            "high",
            function.path,
            function.line_at(found.start()),
            f"`{function.name}` closes an account by draining its lamports but leaves its data "
            "and owner: it can be refunded in the same transaction and used again.",
            "Use Anchor's `close = destination` constraint; natively also `assign` it to the "
            "System Program and `resize(0)` its data.",
        )


def _sysvar_loads(
    function: Function, scope: list[str], struct: AccountsStruct | None
) -> Iterator[Finding]:
    for found in re.finditer(
        r"\bload_instruction_at\s*\(|\bload_current_index\s*\(", function.code
    ):
        end = function.code.find(";", found.end())
        arguments = function.code[found.end() : end if end >= 0 else len(function.code)]
        names = set(
            re.findall(
                r"(\w+)\s*(?:\.to_account_info\(\))?\s*\.\s*(?:data|try_borrow_data)\b|&\s*(?:ctx\.accounts\.)?(\w+)",
                arguments,
            )
        )
        accounts = {name for pair in names for name in pair if name}
        if any(hand.key_checked(scope, name) for name in accounts):
            continue
        fields = [struct.get(name) for name in accounts] if struct else []
        if any(f is not None and (f.has("address") or f.kind == "Sysvar") for f in fields):
            continue
        yield Finding(
            "sysvar_spoofing",
            "critical",
            function.path,
            function.line_at(found.start()),
            f"`{function.name}` reads instructions with a function that does not check the "
            "sysvar's address: a caller can pass fabricated instructions (the Wormhole exploit).",
            "Use `load_instruction_at_checked` / `load_current_index_checked` and `address = "
            "sysvar::instructions::ID`.",
        )


def _reinitialised(function: Function) -> Iterator[Finding]:
    """State written by hand (deserialise, set, serialise) in an initialiser, or with an
    `is_initialized = true` flag, without refusing an account that already holds state."""
    body = function.code
    initialising = re.match(r"^\w*init\w*$", function.name)
    marks = re.search(r"\.\s*is_initiali[sz]ed\s*=\s*true|\.\s*initiali[sz]ed\s*=\s*true", body)
    if (
        (initialising or marks)
        and re.search(r"\b(?:try_from_slice|unpack_unchecked|deserialize)\s*\(", body)
        and re.search(r"\.(?:try_)?serialize\s*\(|\bpack\s*\(|\bpack_into_slice\s*\(", body)
        and not hand.initialised_checked([body])
        and "unpack(" not in body.replace("unpack_unchecked(", "")
    ):
        decoded = _DECODED.search(body)
        target = decoded[1] if decoded else "the account"
        yield Finding(
            "reinitialization",
            "high",
            function.path,
            function.line_at(marks.start()) if marks else function.line,
            f"`{function.name}` writes the initial state of `{target}` without checking it is "
            "not already initialised: calling it again overwrites its owner.",
            "Keep an `is_initialized` flag and refuse an initialised account (`if account."
            "is_initialized { return Err(ProgramError::AccountAlreadyInitialized); }`).",
        )
