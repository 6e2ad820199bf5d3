"""The checks on function bodies: what a handler does with raw account data and lamports.

Where an account arrives as `AccountInfo`/`UncheckedAccount` (or in a native program), the
handler must do by hand what `Account<'info, T>` would: compare the owner before trusting the
data, check a discriminator before deserialising (type cosplay), derive PDAs with the canonical
bump, close accounts so they cannot be revived. Each rule reads one function body (masked, see
`review_source`) and looks for the missing half of a known pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from solcoder.tools.toolkits.review_rules import RawFinding, Severity
from solcoder.tools.toolkits.review_source import Function, RustFile

_PATH = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
_BORROW = re.compile(
    rf"({_PATH}?)(?:\.to_account_info\(\))?\."
    r"(?:data\.(?:try_)?borrow(?:_mut)?\(\)|try_borrow(?:_mut)?_data\(\))"
)
_DESERIALISE = re.compile(
    r"(?<!\w)(try_from_slice|try_deserialize_unchecked|try_deserialize|deserialize"
    r"|unpack(?:_unchecked|_from_slice)?)\s*\("
)
_NO_DISCRIMINATOR = frozenset({"try_from_slice", "try_deserialize_unchecked", "deserialize"})
_PROGRAM_ID_USES = (
    re.compile(rf"\bprogram_id\s*:\s*[*&]*({_PATH})\.key\b"),
    re.compile(rf"\bInstruction::new_with_\w+\(\s*[*&]*({_PATH})\.key\b"),
    re.compile(rf"::instruction::\w+\(\s*[*&]*({_PATH})\.key\b"),
    re.compile(rf"\bCpiContext::new(?:_with_signer)?\(\s*&?({_PATH})"),
)
_ZERO_LAMPORTS = re.compile(
    r"lamports[\w.()?]*\s*(?<![=!<>])=(?!=)\s*0\b|\bset_lamports\(\s*0\s*\)"
    r"|\bsub_lamports\(\s*[\w.]*lamports\(\)\s*\)"
)
_WIPES = re.compile(
    r"\bassign\(|\b(?:realloc|resize)\(\s*0\b|\bfill\(\s*0\s*\)|\bsol_memset\b"
    r"|CLOSED_ACCOUNT_DISCRIMINATOR|\.close\("
)


def _field(function: Function, path: str) -> str:
    """The account name behind `ctx.accounts.x`, `self.x` or a `let x = &ctx.accounts.y` alias."""
    alias = re.search(
        rf"\blet\s+(?:mut\s+)?{re.escape(path)}\s*(?::[^=]+)?=\s*&?(?:mut\s+)?"
        r"(?:ctx\.accounts|self)\.(\w+)",
        function.body,
    )
    return alias[1] if alias else path.rsplit(".", 1)[-1]


def cpi_targets(rust: RustFile) -> set[str]:
    """Accounts whose key is used as the program of a CPI."""
    return {
        _field(function, found[1])
        for function in rust.functions
        for pattern in _PROGRAM_ID_USES
        for found in pattern.finditer(function.body)
    }


def check_functions(rust: RustFile) -> Iterator[RawFinding]:
    for function in rust.functions:
        if function.start < rust.tests_start:
            yield from _deserialised(rust, function)
            yield from _bumps(rust, function)
            yield from _closes(rust, function)


def _account_behind(function: Function, call: re.Match[str]) -> str | None:
    """The account whose data the deserialising call at `call` reads, if it reads any."""
    body = function.body
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
    # The latest `let` before the call is the binding in scope.
    borrow = _BORROW.search(bindings[-1][1]) if bindings else None
    return borrow[1] if borrow else None


def _deserialised(rust: RustFile, function: Function) -> Iterator[RawFinding]:
    struct = next((s for s in rust.structs if s.name == function.context), None)
    for call in _DESERIALISE.finditer(function.body):
        path = _account_behind(function, call)
        if path is None:
            continue
        line = rust.line(function.start + call.start())
        field = struct.get(_field(function, path)) if struct else None
        typed = field is not None and not field.unchecked
        owner_checked = typed or (field is not None and field.has(r"\bowner\b"))
        prefix = rf"(?<![\w.]){re.escape(path)}(?:\.to_account_info\(\))?\.owner\b"
        if not owner_checked and not _compared_in(function, prefix):
            yield RawFinding(
                "missing_owner_check",
                "high",
                line,
                f"`{path}` is deserialised without checking which program owns it: a caller "
                "can pass a look-alike account created by another program.",
                "Use `Account<'info, T>` (it checks owner and discriminator), add `owner = "
                "<program>` to the account, or compare its `owner` with the expected program id "
                "first.",
            )
        if call[1] in _NO_DISCRIMINATOR and not re.search(
            r"discriminat", function.body, re.IGNORECASE
        ):
            yield RawFinding(
                "type_cosplay",
                "high",
                line,
                f"`{call[1]}` reads `{path}` without a type discriminator: another account type "
                "with the same layout (or a different role) passes as this one.",
                "Use `Account<'info, T>` with an `#[account]` type (8-byte discriminator), "
                "`try_deserialize` instead of the unchecked form, or check a stored "
                "discriminator before deserialising.",
            )


def _compared_in(function: Function, pattern: str) -> bool:
    found = re.compile(pattern)
    comparison = re.compile(r"==|!=|\brequire\w*!|\bassert\w*!")
    return any(
        found.search(piece) and comparison.search(piece)
        for piece in re.findall(r"[^;{}]+", function.body)
    )


def _bumps(rust: RustFile, function: Function) -> Iterator[RawFinding]:
    body, params = function.body, set(function.params) - {"ctx", "program_id"}
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
        from_caller = any(re.search(rf"\b{name}\b", arguments) for name in params)
        severity: Severity = "high" if from_caller else "medium"
        yield RawFinding(
            "non_canonical_bump",
            severity,
            rust.line(function.start + call.start()),
            "`create_program_address` accepts any bump"
            + (", and this one comes from the caller" if from_caller else "")
            + ": several addresses can pass as the same PDA.",
            "Derive with `find_program_address` (or Anchor's `seeds` + `bump`), store the "
            "canonical bump and reuse the stored value.",
        )
    for found in re.finditer(r"\.bump\s*=\s*(\w+)\s*;|\bbump\s*:\s*(\w+)\s*[,}]", body):
        name = found[1] or found[2]
        if name in params:
            yield RawFinding(
                "non_canonical_bump",
                "high",
                rust.line(function.start + found.start()),
                f"The stored bump is `{name}`, an instruction argument: a caller can store a "
                "non-canonical bump that later derivations trust.",
                "Store the canonical bump Anchor found (`ctx.bumps.<account>`) or the one from "
                "`find_program_address`.",
            )


def _closes(rust: RustFile, function: Function) -> Iterator[RawFinding]:
    if _WIPES.search(function.body):
        return
    for found in _ZERO_LAMPORTS.finditer(function.body):
        yield RawFinding(
            "manual_close",
            "high",
            rust.line(function.start + found.start()),
            "Closing an account by draining its lamports leaves its data and owner in place: "
            "it can be refunded and revived within the same transaction.",
            "Use Anchor's `close = destination` constraint, or also wipe the data (`realloc(0, "
            "false)`) and `assign` the account to the System Program.",
        )
