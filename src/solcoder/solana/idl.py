"""Anchor IDLs read as data: what a program's instructions take, which accounts must sign or
be writable, their PDA seeds, its errors and account types.

The IDL is what `anchor build` says the program exposes (`target/idl/<name>.json`), so it
answers "which accounts does `withdraw` take?" without parsing Rust, and it shows what the
program *accepts* rather than what its author meant: an instruction that writes an account and
requires no signature is callable by anyone, which the review reports (`idl_findings`).

Format: the 0.30+ spec, unchanged in Anchor 1.x (checked against anchor-lang.com/docs/basics/idl
and the `anchor-lang-idl-spec` crate, December 2026): top-level `address`,
`metadata{name, version, spec}`, `instructions[]{name, discriminator, accounts[], args[]}` where
an account is `{name, writable?, signer?, optional?, address?, pda{seeds[]}?}` or a nested group
`{name, accounts[]}`, then `accounts[]`, `events[]`, `errors[]{code, name, msg?}`, `types[]`.
Pre-0.30 IDLs (`isMut`/`isSigner`, no `address`) are reported as such, never guessed at.

Files are read the way the workspace tools read: only regular files inside the root (a FIFO
or a device is never opened for reading), at most `MAX_IDL_BYTES`; anything malformed becomes
one sentence in `problems`, never an exception.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solcoder.workspace.paths import secret_name_reason

MAX_IDL_BYTES = 8 * 1024 * 1024
IDL_DIRECTORIES = ("target/idl", "idls")
"""Where IDLs live: `anchor build` writes `target/idl/`; `declare_program!` reads `idls/`."""
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class IdlProblem(Exception):
    """Why an IDL cannot be used; str(error) is one sentence."""


@dataclass(frozen=True, slots=True)
class IdlAccount:
    name: str
    """Dotted for accounts of a nested group (`accounts.vault`)."""
    writable: bool = False
    signer: bool = False
    optional: bool = False
    address: str | None = None
    seeds: tuple[str, ...] | None = None
    """The PDA seeds rendered for reading (`"vault"`, `account:owner`, `arg:id`)."""


@dataclass(frozen=True, slots=True)
class IdlInstruction:
    name: str
    accounts: tuple[IdlAccount, ...]
    args: tuple[tuple[str, str], ...]
    """(name, type rendered)."""
    line: int = 1
    """Where the instruction is named in the JSON file (for findings)."""


@dataclass(frozen=True, slots=True)
class IdlError:
    code: int
    name: str
    msg: str


@dataclass(frozen=True, slots=True)
class Idl:
    path: str
    """Relative to the workspace root, POSIX separators."""
    name: str
    address: str
    version: str
    spec: str
    instructions: tuple[IdlInstruction, ...]
    account_types: tuple[str, ...]
    events: tuple[str, ...]
    errors: tuple[IdlError, ...]
    types: tuple[str, ...]

    def instruction(self, name: str) -> IdlInstruction | None:
        wanted = _plain(name)
        return next((i for i in self.instructions if _plain(i.name) == wanted), None)


@dataclass(frozen=True, slots=True)
class IdlFinding:
    """An instruction the IDL shows to be callable by anyone although it writes accounts."""

    klass: str
    severity: str
    path: str
    line: int
    message: str
    fix: str
    program: str


IDL_CLASSES: Mapping[str, tuple[str, str, str]] = {
    "idl_missing_signer": (
        "Instruction needs no signer",
        "medium",
        "The built IDL lists writable accounts for an instruction but no signer: anyone can "
        "call it. Fine for a deliberate permissionless crank, a drain otherwise.",
    ),
}
"""name -> (title, default severity, one-line description), like the review engine's CLASSES."""


# -- parsing -------------------------------------------------------------------------------


def parse_idl(text: str, *, path: str = "idl.json") -> Idl:
    """The IDL in `text`, or IdlProblem saying what is wrong with it."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        where = f" (line {error.lineno})" if isinstance(error, json.JSONDecodeError) else ""
        raise IdlProblem(
            f"`{path}` is not valid JSON{where}; rebuild it with `anchor build`."
        ) from None
    if not isinstance(data, dict):
        raise IdlProblem(f"`{path}` is not an Anchor IDL (a JSON object was expected).")
    metadata = data.get("metadata")
    if "address" not in data or not isinstance(metadata, dict):
        legacy = " (a pre-0.30 IDL: run `anchor idl convert`)" if "version" in data else ""
        raise IdlProblem(
            f"`{path}` is not an Anchor 0.30+ IDL{legacy}: it has no `address` and `metadata`."
        )
    instructions = data.get("instructions")
    if not isinstance(instructions, list):
        raise IdlProblem(f"`{path}` has no `instructions` list.")
    lines = _name_lines(text)
    try:
        return Idl(
            path=path,
            name=_text(metadata.get("name")) or Path(path).stem,
            address=_text(data.get("address")),
            version=_text(metadata.get("version")),
            spec=_text(metadata.get("spec")),
            instructions=tuple(_instruction(item, lines) for item in instructions),
            account_types=_names(data.get("accounts")),
            events=_names(data.get("events")),
            errors=tuple(_error(item) for item in _list(data.get("errors"))),
            types=_names(data.get("types")),
        )
    except (TypeError, ValueError, AttributeError) as error:
        raise IdlProblem(f"`{path}` does not follow the Anchor IDL format ({error}).") from None


def _instruction(item: Any, lines: Mapping[str, int]) -> IdlInstruction:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise ValueError("an instruction without a name")
    args = tuple(
        (_text(arg.get("name")), _type(arg.get("type")))
        for arg in _list(item.get("args"))
        if isinstance(arg, dict)
    )
    accounts = tuple(_accounts(_list(item.get("accounts")), prefix=""))
    return IdlInstruction(item["name"], accounts, args, lines.get(item["name"], 1))


def _accounts(items: Iterable[Any], *, prefix: str) -> Iterable[IdlAccount]:
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("an account entry that is not an object")
        name = prefix + _text(item.get("name"))
        if isinstance(item.get("accounts"), list):  # a nested group of accounts
            yield from _accounts(item["accounts"], prefix=f"{name}.")
            continue
        if "isMut" in item or "isSigner" in item:
            raise ValueError("pre-0.30 account flags (isMut/isSigner)")
        pda = item.get("pda")
        seeds = tuple(_seed(s) for s in _list(pda.get("seeds"))) if isinstance(pda, dict) else None
        yield IdlAccount(
            name=name,
            writable=item.get("writable") is True,
            signer=item.get("signer") is True,
            optional=item.get("optional") is True,
            address=item.get("address") if isinstance(item.get("address"), str) else None,
            seeds=seeds,
        )


def _seed(seed: Any) -> str:
    if not isinstance(seed, dict):
        return "?"
    kind = seed.get("kind")
    if kind == "const":
        value = seed.get("value")
        if isinstance(value, list) and all(isinstance(b, int) and 32 <= b < 127 for b in value):
            return json.dumps(bytes(value).decode("ascii"))
        return f"const:{len(value) if isinstance(value, list) else '?'} bytes"
    return f"{kind}:{_text(seed.get('path'))}"


def _error(item: Any) -> IdlError:
    if not isinstance(item, dict) or not isinstance(item.get("code"), int):
        raise ValueError("an error entry without a numeric code")
    return IdlError(item["code"], _text(item.get("name")), _text(item.get("msg")))


def _type(value: Any) -> str:
    """An IDL type as Rust-like text: `u64`, `Vec<u8>`, `Option<pubkey>`, `[u8; 32]`, `Config`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "vec" in value:
            return f"Vec<{_type(value['vec'])}>"
        if "option" in value:
            return f"Option<{_type(value['option'])}>"
        if "coption" in value:
            return f"COption<{_type(value['coption'])}>"
        if "array" in value and isinstance(value["array"], list) and len(value["array"]) == 2:
            return f"[{_type(value['array'][0])}; {value['array'][1]}]"
        if "defined" in value:
            defined = value["defined"]
            return _text(defined.get("name")) if isinstance(defined, dict) else _text(defined)
    return "?"


def _names(value: Any) -> tuple[str, ...]:
    return tuple(_text(item.get("name")) for item in _list(value) if isinstance(item, dict))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _plain(name: str) -> str:
    return name.replace("-", "_").replace("_", "").lower()


def _name_lines(text: str) -> dict[str, int]:
    """The line of each `"name": "X"` inside the instructions array (first occurrence)."""
    start = text.find('"instructions"')
    lines: dict[str, int] = {}
    if start < 0:
        return lines
    base = text.count("\n", 0, start) + 1
    for offset, line in enumerate(text[start:].splitlines()):
        stripped = line.strip()
        if stripped.startswith('"name"'):
            _, _, value = stripped.partition(":")
            name = value.strip().rstrip(",").strip('"')
            lines.setdefault(name, base + offset)
    return lines


# -- reading the workspace's IDLs --------------------------------------------------------


def read_regular(path: Path, *, limit: int = MAX_IDL_BYTES) -> bytes:
    """The bytes of the regular file at `path` (not following a final symlink); OSError or
    IdlProblem otherwise. A FIFO or device is opened non-blocking and refused, never read."""
    descriptor = os.open(path, os.O_RDONLY | _NONBLOCK | _NOFOLLOW)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise IdlProblem(f"`{path.name}` is not a regular file; it was not read.")
        if status.st_size > limit:
            raise IdlProblem(f"`{path.name}` is {status.st_size:,} bytes, over {limit:,}.")
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            return stream.read(limit + 1)
    finally:
        os.close(descriptor)


def load_idls(root: Path) -> tuple[tuple[Idl, ...], tuple[str, ...]]:
    """Every IDL of the workspace at `root` (`target/idl/*.json`, then `idls/*.json` for names
    not seen yet), and one sentence per file that could not be used."""
    found: dict[str, Idl] = {}
    problems: list[str] = []
    for directory in IDL_DIRECTORIES:
        folder = root / directory
        if not folder.is_dir() or folder.is_symlink():
            continue
        for file in sorted(folder.glob("*.json")):
            relative = f"{directory}/{file.name}"
            if secret_name_reason(relative) is not None:
                problems.append(f"`{relative}` is named like a secret; it was not read.")
                continue
            try:
                data = read_regular(file)
                idl = parse_idl(data.decode("utf-8"), path=relative)
            except IdlProblem as error:
                problems.append(str(error).replace(f"`{file.name}`", f"`{relative}`"))
                continue
            except UnicodeDecodeError:
                problems.append(f"`{relative}` is not UTF-8 text; it was skipped.")
                continue
            except OSError as error:
                problems.append(f"`{relative}` cannot be read: {error.strerror or error}.")
                continue
            found.setdefault(_plain(idl.name), idl)
    return tuple(found.values()), tuple(problems)


# -- what the IDL says about safety -----------------------------------------------------


def idl_findings(idl: Idl) -> list[IdlFinding]:
    """An instruction with a writable account and no signer at all: anyone can call it."""
    findings: list[IdlFinding] = []
    for instruction in idl.instructions:
        writable = [a.name for a in instruction.accounts if a.writable]
        if not writable or any(a.signer for a in instruction.accounts):
            continue
        shown = ", ".join(f"`{name}`" for name in writable[:4])
        findings.append(
            IdlFinding(
                klass="idl_missing_signer",
                severity=IDL_CLASSES["idl_missing_signer"][1],
                path=idl.path,
                line=instruction.line,
                message=f"`{instruction.name}` writes {shown} but its IDL marks no account as "
                "a signer: any wallet can call it. Unless it is a deliberate permissionless "
                "crank, whoever sends it controls what it writes.",
                fix="Add the authority as `Signer<'info>` (or `#[account(signer)]`) and tie it "
                "to the state with `has_one = authority`; rebuild so the IDL shows it.",
                program=idl.name,
            )
        )
    return findings
