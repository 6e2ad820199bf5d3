"""Just enough Rust structure for the review rules, without a Rust compiler.

Line regexes alone miss what matters in Anchor programs: a constraint spread over several
`#[account(...)]` lines, a `has_one` that exists only in a comment, a `{` inside a `msg!` string
that throws brace counting off, a check made in the handler rather than in the struct. So the
source is first masked (comments blanked, string contents blanked in a second view), keeping
every offset and newline so a match maps straight back to its line, and then cut into the parts
the rules reason about: `#[derive(Accounts)]` structs with their fields, attributes and doc
comments, plain structs (the stored state), and function bodies.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_CHAR_LITERAL = re.compile(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|.)|[^\\'\n])'")
_RAW_STRING = re.compile(r'b?r(#*)"')
_DERIVE_ACCOUNTS = re.compile(r"#\s*\[\s*derive\s*\(([^)]*)\)\s*\]")
_STRUCT = re.compile(r"\bstruct\s+(\w+)")
_FIELD = re.compile(r"(?:pub(?:\s*\([^)]*\))?\s+)?([A-Za-z_]\w*)\s*:(?!:)")
_FUNCTION = re.compile(r"\bfn\s+(\w+)")
_ATTRIBUTE = re.compile(r"#\s*!?\s*\[")
_UNCHECKED_TYPE = re.compile(r"\b(?:AccountInfo|UncheckedAccount)\s*<")
_COMPARISON = re.compile(r"==|!=|\brequire\w*!|\bassert\w*!")


@dataclass(frozen=True, slots=True)
class Masked:
    """Two same-length views of the source: `code` without comments, `bare` also without the
    contents of string and char literals; and the `///` doc comments by offset."""

    code: str
    bare: str
    docs: tuple[tuple[int, str], ...]


def mask(source: str) -> Masked:
    code, bare = list(source), list(source)
    docs: list[tuple[int, str]] = []

    def blank(start: int, end: int, *views: list[str]) -> None:
        for view in views:
            for index in range(start, end):
                if view[index] != "\n":
                    view[index] = " "

    index, size = 0, len(source)
    while index < size:
        if source.startswith("//", index):
            end = source.find("\n", index)
            end = size if end < 0 else end
            if source.startswith("///", index) and not source.startswith("////", index):
                docs.append((index, source[index + 3 : end].strip()))
            blank(index, end, code, bare)
            index = end
        elif source.startswith("/*", index):
            depth, end = 1, index + 2
            while end < size and depth:
                if source.startswith("/*", end):
                    depth, end = depth + 1, end + 2
                elif source.startswith("*/", end):
                    depth, end = depth - 1, end + 2
                else:
                    end += 1
            blank(index, end, code, bare)
            index = end
        elif (raw := _RAW_STRING.match(source, index)) and (
            index == 0 or not (source[index - 1].isalnum() or source[index - 1] == "_")
        ):
            closing = '"' + raw[1]
            end = source.find(closing, raw.end())
            end = size if end < 0 else end
            blank(raw.end(), end, bare)
            index = end + len(closing)
        elif source[index] == '"':
            end = index + 1
            while end < size and source[end] != '"':
                end += 2 if source[end] == "\\" else 1
            blank(index + 1, min(end, size), bare)
            index = end + 1
        elif source[index] == "'" and (char := _CHAR_LITERAL.match(source, index)):
            blank(index + 1, char.end() - 1, bare)
            index = char.end()
        else:
            index += 1
    return Masked("".join(code), "".join(bare), tuple(docs))


def bracket_pairs(bare: str) -> dict[int, int]:
    """Each `{`, `(` and `[` of `bare` mapped to the index of its closer, found in one pass so
    that deeply nested or unbalanced input costs linear time, not a rescan per opener."""
    pairs: dict[int, int] = {}
    stacks: dict[str, list[int]] = {"{": [], "(": [], "[": []}
    openers = {"}": "{", ")": "(", "]": "["}
    for index, char in enumerate(bare):
        if char in stacks:
            stacks[char].append(index)
        elif char in openers and stacks[openers[char]]:
            pairs[stacks[openers[char]].pop()] = index
    return pairs


@dataclass(slots=True)
class AccountField:
    """One field of an Accounts struct; `attributes` holds (line, text) per physical line, with
    comments and string contents blanked so neither can fake a constraint."""

    name: str
    type: str
    line: int
    docs: str = ""
    attributes: list[tuple[int, str]] = field(default_factory=list)
    seeded_by_other: bool = False
    """Whether its `seeds` name another account of the struct (a per-user PDA, say)."""

    @property
    def attribute_text(self) -> str:
        return " ".join(text for _, text in self.attributes)

    @property
    def unchecked(self) -> bool:
        return bool(_UNCHECKED_TYPE.search(self.type))

    @property
    def state_type(self) -> str | None:
        """`T` of `Account<'info, T>` (boxed or not)."""
        found = re.match(r"^(?:Box\s*<\s*)?Account\s*<\s*'\w+\s*,\s*(\w+)", self.type)
        return found[1] if found else None

    @property
    def seeds(self) -> str | None:
        """The inside of `seeds = [...]`, if the account is a PDA."""
        found = re.search(r"\bseeds\s*=\s*\[([^\]]*)\]", self.attribute_text)
        return found[1] if found else None

    def has(self, pattern: str) -> bool:
        return bool(re.search(pattern, self.attribute_text))

    def attribute_line(self, pattern: str) -> int:
        for number, text in self.attributes:
            if re.search(pattern, text):
                return number
        return self.line


@dataclass(slots=True)
class AccountsStruct:
    name: str
    line: int
    fields: list[AccountField]
    instruction_args: tuple[str, ...] = ()

    def get(self, name: str) -> AccountField | None:
        return next((item for item in self.fields if item.name == name), None)


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    line: int
    params: tuple[str, ...]
    start: int
    body: str
    context: str | None


class RustFile:
    """A masked and cut-up Rust source; offsets everywhere are offsets into the original."""

    def __init__(self, source: str) -> None:
        self.source = source
        masked = mask(source)
        self.code, self.bare, self._docs = masked.code, masked.bare, masked.docs
        self._doc_offsets = [offset for offset, _ in self._docs]
        self._pairs = bracket_pairs(self.bare)
        self._starts = [0] + [index + 1 for index, char in enumerate(source) if char == "\n"]
        tests = re.search(r"#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]", self.bare)
        self.tests_start = tests.start() if tests else len(source)
        self._compared: str | None = None  # the comparing statements, `;`-joined
        self.structs: list[AccountsStruct] = []
        self.data: dict[str, list[tuple[str, str]]] = {}
        self._parse_structs()
        self.functions = list(self._functions())

    def _close(self, opening: int) -> int:
        return self._pairs.get(opening, len(self.bare))

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    def code_lines(self) -> list[str]:
        return self.code.split("\n")

    def statements(self, start: int = 0, end: int | None = None) -> Iterator[tuple[int, str]]:
        """Pieces of `bare` between `;`, `{` and `}`: an `if` condition, a `require!`, a `let`."""
        stop = len(self.bare) if end is None else end
        for piece in re.finditer(r"[^;{}]+", self.bare[start:stop]):
            yield start + piece.start(), piece.group()

    def compared(self, pattern: str) -> bool:
        """Whether some statement both matches `pattern` and compares or requires something."""
        if self._compared is None:
            self._compared = ";".join(
                " ".join(text.split()) for _, text in self.statements() if _COMPARISON.search(text)
            )
        return re.search(pattern, self._compared) is not None

    def _parse_structs(self) -> None:
        bare = self.bare
        derives = {m.end(): m for m in _DERIVE_ACCOUNTS.finditer(bare) if "Accounts" in m[1]}
        for found in _STRUCT.finditer(bare):
            opening = bare.find("{", found.end())
            semicolon = bare.find(";", found.end())
            if opening < 0 or 0 <= semicolon < opening or "(" in bare[found.end() : opening]:
                continue
            body = (opening + 1, self._close(opening))
            derive = max((end for end in derives if end <= found.start()), default=-1)
            between = bare[derive : found.start()] if derive >= 0 else ""
            if derive >= 0 and not re.search(r"[;{}]", between):
                args = re.search(
                    r"#\s*\[\s*instruction\s*\(([^)]*)\)", self.code[derive : found.start()]
                )
                names = tuple(re.findall(r"(\w+)\s*:", args[1])) if args else ()
                fields = list(self._fields(*body))
                field_names = {f.name for f in fields}
                for item in fields:
                    words = set(re.findall(r"\b[A-Za-z_]\w*\b(?!\")", item.seeds or ""))
                    item.seeded_by_other = bool(words & (field_names - {item.name}))
                self.structs.append(
                    AccountsStruct(found[1], self.line(found.start()), fields, names)
                )
            else:
                self.data[found[1]] = [(f.name, f.type) for f in self._fields(*body)]

    def _fields(self, start: int, end: int) -> Iterator[AccountField]:
        bare, index, attributes, docs_from = self.bare, start, [], start
        while index < end:
            if bare[index].isspace() or bare[index] == ",":
                index += 1
            elif attribute := _ATTRIBUTE.match(bare, index):
                stop = self._close(attribute.end() - 1)
                for number, text in self._physical_lines(index, stop + 1):
                    attributes.append((number, text))
                index = stop + 1
            elif found := _FIELD.match(bare, index):
                stop, depth = found.end(), 0
                while stop < end and not (bare[stop] == "," and depth == 0):
                    if bare[stop] in "<([":
                        depth += 1
                    elif bare[stop] in ">)]" and bare[stop - 1] != "-":
                        depth -= 1
                    stop += 1
                first = bisect.bisect_left(self._doc_offsets, docs_from)
                last = bisect.bisect_left(self._doc_offsets, found.start())
                docs = " ".join(text for _, text in self._docs[first:last])
                kind = " ".join(self.code[found.end() : stop].split())
                yield AccountField(found[1], kind, self.line(found.start(1)), docs, attributes)
                attributes, index, docs_from = [], stop + 1, stop + 1
            else:
                index += 1

    def _physical_lines(self, start: int, end: int) -> Iterator[tuple[int, str]]:
        offset = start
        for piece in self.bare[start:end].split("\n"):
            if piece.strip():
                yield self.line(offset), " ".join(piece.split())
            offset += len(piece) + 1

    def _functions(self) -> Iterator[Function]:
        """Top-level and method bodies; a `fn` inside another's body stays part of it, so the
        bodies are disjoint and every rule reads each character once."""
        bare, covered = self.bare, 0
        for found in _FUNCTION.finditer(bare):
            if found.start() < covered:
                continue
            opening = bare.find("(", found.end())
            if opening < 0:
                continue
            params_end = self._close(opening)
            body_open = next(
                (i for i in range(params_end, len(bare)) if bare[i] in "{;"), len(bare)
            )
            if body_open >= len(bare) or bare[body_open] == ";":
                continue
            params = bare[opening + 1 : params_end]
            names = tuple(re.findall(r"(?:^|,)\s*(?:mut\s+)?(\w+)\s*:", params))
            context = re.search(r"\bContext\s*<\s*(?:'\w+\s*,\s*)*(\w+)", params)
            body_end = covered = self._close(body_open)
            yield Function(
                found[1],
                self.line(found.start()),
                names,
                body_open + 1,
                bare[body_open + 1 : body_end],
                context[1] if context else None,
            )
