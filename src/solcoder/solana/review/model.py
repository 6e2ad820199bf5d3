"""The program model the rules read: Accounts structs, state types and functions of a crate.

Built from tree-sitter trees (`syntax`), so formatting, comments and strings never change what
a struct declares. An Anchor `#[derive(Accounts)]` struct becomes `AccountsStruct` with each
field's account type and constraints; `#[account]` / Borsh structs become `DataType`; every
`fn` becomes `Function`, with the `Context<…>` it takes. A handler's checks are the code of the
handler plus what it delegates to (`instructions::foo::handler(ctx, …)`, methods of the
struct's `impl`), so a check done by hand in another file counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from solcoder.solana.review import syntax

if TYPE_CHECKING:
    from tree_sitter import Node

UNCHECKED_TYPES = frozenset({"UncheckedAccount", "AccountInfo"})
TYPED_STATE = frozenset({"Account", "AccountLoader", "InterfaceAccount"})
TOKEN_TYPES = frozenset({"TokenAccount", "Mint"})
EXTERNAL_TYPES = TOKEN_TYPES | {"StakeAccount", "ProgramData"}
"""Account types owned by other programs: this program never serialises their data."""
_WRAPPERS = frozenset({"Box", "Option"})


@dataclass(frozen=True, slots=True)
class Constraint:
    key: str
    """`mut`, `has_one`, `seeds`, `bump`, `token::authority`, `constraint` …"""
    value: str
    """The text after `=` ("" for flags like `mut`), comments removed."""
    line: int


@dataclass(frozen=True, slots=True)
class AccountField:
    name: str
    line: int
    kind: str
    """The account type with `Box`/`Option` removed: `Account`, `Signer`, `UncheckedAccount` …"""
    inner: str | None
    """`T` of `Account<'info, T>`, `Program<'info, T>`, `Sysvar<'info, T>`; else None."""
    constraints: tuple[Constraint, ...]
    documented: bool
    """A `/// CHECK:` comment explains why the account is safe."""

    def has(self, key: str) -> bool:
        return any(c.key == key for c in self.constraints)

    def value(self, key: str) -> str | None:
        return next((c.value for c in self.constraints if c.key == key), None)

    def values(self, key: str) -> list[str]:
        return [c.value for c in self.constraints if c.key == key]

    def line_of(self, key: str) -> int:
        return next((c.line for c in self.constraints if c.key == key), self.line)

    @property
    def mutable(self) -> bool:
        return self.has("mut") or self.fresh or self.has("close") or self.has("realloc")

    @property
    def fresh(self) -> bool:
        """Created by this instruction (`init`, `zero`), so it holds nothing yet."""
        return self.has("init") or self.has("zero")

    @property
    def signs(self) -> bool:
        return self.kind == "Signer" or self.has("signer")

    @property
    def unchecked(self) -> bool:
        return self.kind in UNCHECKED_TYPES

    @property
    def state(self) -> str | None:
        """The program-owned data type this account holds, if any."""
        return self.inner if self.kind in TYPED_STATE else None

    @property
    def constraint_text(self) -> str:
        return " ".join(f"{c.key} = {c.value}" if c.value else c.key for c in self.constraints)


@dataclass(frozen=True, slots=True)
class AccountsStruct:
    name: str
    path: str
    line: int
    fields: tuple[AccountField, ...]
    instruction_args: tuple[str, ...]

    def get(self, name: str) -> AccountField | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, slots=True)
class DataType:
    """A struct that lives in account data: `#[account]` (with a discriminator) or Borsh."""

    name: str
    path: str
    line: int
    fields: tuple[tuple[str, str], ...]
    """(name, type text) in order."""
    anchor: bool
    """Declared with `#[account]`/`#[account(zero_copy)]`: Anchor prefixes a discriminator."""

    def pubkeys(self) -> list[str]:
        return [name for name, kind in self.fields if kind.endswith("Pubkey")]

    def has_tag(self) -> bool:
        """A field that tells account types apart (`discriminator`, `account_type`, `kind`)."""
        return any(
            re.search(r"discriminator|account_type|^kind$|^tag$|key_type", name)
            for name, _ in self.fields
        )


@dataclass(slots=True)
class Function:
    name: str
    path: str
    line: int
    params: tuple[str, ...]
    """Parameter names."""
    param_text: str
    context: str | None
    """`X` of a `Context<X>` parameter, or the type of an `impl X` block the fn is in."""
    code: str
    """The body with comments blanked; line `line` is its first line."""
    in_program: bool
    """Declared in the `#[program]` module (an instruction handler)."""
    in_tests: bool
    calls: tuple[str, ...]
    """Names of the functions it calls (last path segment)."""
    body_line: int = 0

    def line_at(self, offset: int) -> int:
        return self.body_line + self.code.count("\n", 0, offset)


@dataclass(slots=True)
class CrateModel:
    name: str
    structs: dict[str, AccountsStruct] = field(default_factory=dict)
    data: dict[str, DataType] = field(default_factory=dict)
    functions: list[Function] = field(default_factory=list)
    sources: dict[str, syntax.SourceFile] = field(default_factory=dict)
    anchor: bool = False
    native: bool = False

    def checks_for(self, struct: str) -> list[Function]:
        """The functions that run for instructions using `struct`: its handlers (in the
        program module or anywhere with `Context<struct>`), the struct's `impl` methods, and
        what those call within the crate (two levels)."""
        by_name: dict[str, list[Function]] = {}
        for function in self.functions:
            by_name.setdefault(function.name, []).append(function)
        chosen = [f for f in self.functions if f.context == struct and not f.in_tests]
        seen = {id(f) for f in chosen}
        frontier = list(chosen)
        for _ in range(2):
            following: list[Function] = []
            for function in frontier:
                for called in function.calls:
                    for candidate in by_name.get(called, []):
                        if id(candidate) in seen or candidate.in_tests:
                            continue
                        if candidate.context not in (None, struct):
                            continue
                        seen.add(id(candidate))
                        following.append(candidate)
            chosen.extend(following)
            frontier = following
        return chosen


_CALL = re.compile(r"(?<![\w.])(?:\w+::)*(\w+)\s*(?:::<[^>]*>)?\s*\(")
_METHOD = re.compile(r"\.(\w+)\s*\(")


def build(name: str, files: Iterable[tuple[str, syntax.SourceFile]]) -> CrateModel:
    """The model of one crate from its parsed files (relative path, parsed file)."""
    crate = CrateModel(name)
    for path, source in files:
        crate.sources[path] = source
        text = source.data
        if b"anchor_lang" in text or b"#[derive(Accounts)]" in text or b"#[program]" in text:
            crate.anchor = True
        if b"entrypoint!" in text or b"next_account_info" in text or b"pinocchio" in text:
            crate.native = True
        _collect(crate, path, source, source.root, in_program=False, in_tests=False, owner=None)
    return crate


def _collect(
    crate: CrateModel,
    path: str,
    source: syntax.SourceFile,
    node: Node,
    *,
    in_program: bool,
    in_tests: bool,
    owner: str | None,
) -> None:
    """Walks items (not expressions) of a module or impl body."""
    stack: list[tuple[Node, bool, bool, str | None]] = [(node, in_program, in_tests, owner)]
    while stack:
        current, program, tests, impl_of = stack.pop()
        for child in current.named_children:
            kind = child.type
            if kind == "struct_item":
                _struct(crate, path, source, child)
            elif kind == "mod_item":
                names = _attribute_names(source, child)
                body = child.child_by_field_name("body")
                if body is not None:
                    stack.append(
                        (body, program or "program" in names, tests or "cfg(test)" in names, None)
                    )
            elif kind == "impl_item":
                body = child.child_by_field_name("body")
                target = child.child_by_field_name("type")
                if body is not None and target is not None:
                    type_name = re.sub(r"<.*", "", source.text(target)).strip()
                    stack.append((body, program, tests, type_name))
            elif kind == "function_item":
                crate.functions.append(
                    _function(
                        path, source, child, in_program=program, in_tests=tests, impl_of=impl_of
                    )
                )


def _attribute_names(source: syntax.SourceFile, node: Node) -> set[str]:
    names: set[str] = set()
    for attribute in syntax.attributes_before(node):
        if attribute.type == "attribute_item":
            text = re.sub(r"\s+", "", source.code(attribute))
            names.add(text.removeprefix("#[").removesuffix("]"))
    return names


def _function(
    path: str,
    source: syntax.SourceFile,
    node: Node,
    *,
    in_program: bool,
    in_tests: bool,
    impl_of: str | None,
) -> Function:
    name_node = node.child_by_field_name("name")
    params_node = node.child_by_field_name("parameters")
    body = node.child_by_field_name("body")
    param_text = source.code(params_node) if params_node is not None else ""
    params = tuple(re.findall(r"(?:^|[(,])\s*(?:mut\s+)?(\w+)\s*:", param_text.replace("\n", " ")))
    context = re.search(r"Context\s*<\s*(?:'\w+\s*,\s*)*(\w+)", param_text)
    code = source.code(body) if body is not None else ""
    calls = {found[1] for found in _CALL.finditer(code)} | set(_METHOD.findall(code))
    return Function(
        name=source.text(name_node) if name_node is not None else "",
        path=path,
        line=syntax.line(node),
        params=params,
        param_text=param_text,
        context=impl_of if context and context[1] == "Self" else context[1] if context else impl_of,
        code=code,
        in_program=in_program,
        in_tests=in_tests or "test" in _attribute_names(source, node),
        calls=tuple(sorted(calls)),
        body_line=syntax.line(body) if body is not None else syntax.line(node),
    )


def _struct(crate: CrateModel, path: str, source: syntax.SourceFile, node: Node) -> None:
    name_node = node.child_by_field_name("name")
    body = node.child_by_field_name("body")
    if name_node is None or body is None or body.type != "field_declaration_list":
        return
    name = source.text(name_node)
    attributes = [a for a in syntax.attributes_before(node) if a.type == "attribute_item"]
    attribute_text = " ".join(re.sub(r"\s+", "", source.code(a)) for a in attributes)
    if "derive(" in attribute_text and "Accounts" in re.findall(
        r"derive\(([^)]*)\)", attribute_text
    )[0].split(","):
        crate.structs[name] = _accounts(
            path, source, name, node=node, body=body, attribute_text=attribute_text
        )
        return
    is_anchor = bool(re.search(r"#\[account(?:\(|\])", attribute_text))
    borsh = "BorshDeserialize" in attribute_text or "Pack" in attribute_text
    if is_anchor or borsh or "Deserialize" in attribute_text:
        fields: list[tuple[str, str]] = []
        for item in body.named_children:
            field_name = item.child_by_field_name("name")
            field_type = item.child_by_field_name("type")
            if item.type == "field_declaration" and field_name and field_type:
                fields.append((source.text(field_name), source.code(field_type)))
        crate.data[name] = DataType(name, path, syntax.line(node), tuple(fields), is_anchor)


def _accounts(
    path: str,
    source: syntax.SourceFile,
    name: str,
    *,
    node: Node,
    body: Node,
    attribute_text: str,
) -> AccountsStruct:
    instruction = re.search(r"#\[instruction\((.*)\)\]", attribute_text)
    args = tuple(re.findall(r"(\w+):", instruction[1])) if instruction else ()
    fields: list[AccountField] = []
    pending: list[Node] = []
    for child in body.named_children:
        if child.type in ("attribute_item", "line_comment", "block_comment"):
            pending.append(child)
            continue
        if child.type != "field_declaration":
            pending = []
            continue
        fields.append(_field(source, child, pending))
        pending = []
    return AccountsStruct(name, path, syntax.line(node), tuple(fields), args)


def _field(source: syntax.SourceFile, node: Node, before: list[Node]) -> AccountField:
    name_node = node.child_by_field_name("name")
    type_node = node.child_by_field_name("type")
    kind, inner = _account_type(source.code(type_node) if type_node is not None else "")
    constraints: list[Constraint] = []
    documented = False
    for item in before:
        if item.type != "attribute_item":
            if re.match(r"///\s*CHECK", source.text(item).strip()) or "CHECK:" in source.text(item):
                documented = True
            continue
        text = source.code(item).strip()
        match = re.match(r"#\s*\[\s*account\s*\((.*)\)\s*\]\s*$", text, re.DOTALL)
        if not match:
            continue
        base = syntax.line(item)
        start = text.find("(") + 1
        for part in syntax.split_top_level(match[1]):
            offset = text.find(part, start)
            number = base + text.count("\n", 0, max(offset, 0))
            key, _, value = part.partition("=")
            key = re.sub(r"\s+", "", key.split("@")[0])
            constraints.append(Constraint(key, " ".join(value.split()), number))
    return AccountField(
        name=source.text(name_node) if name_node is not None else "",
        line=syntax.line(node),
        kind=kind,
        inner=inner,
        constraints=tuple(constraints),
        documented=documented,
    )


def _account_type(text: str) -> tuple[str, str | None]:
    """`Box<Account<'info, Vault>>` -> ("Account", "Vault")."""
    compact = re.sub(r"\s+", "", text)
    while True:
        match = re.match(r"^(?:\w+::)*(\w+)<(.*)>$", compact)
        if not match:
            return re.sub(r"^(?:\w+::)*", "", compact), None
        outer, arguments = match[1], match[2]
        if outer in _WRAPPERS:
            compact = arguments
            continue
        parts = syntax.split_top_level(arguments.replace("<", "(").replace(">", ")"))
        types = [p for p in parts if not p.startswith("'")]
        inner = re.sub(r"\(.*", "", types[-1]).split("::")[-1] if types else None
        return outer, inner
