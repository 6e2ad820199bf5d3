"""Rust source as a tree-sitter syntax tree, parsed once per distinct content.

tree-sitter is imported on the first parse, not with the package (start-up time of
`solcoder -p`). Trees are cached by a hash of the bytes, so reviewing a workspace again after
editing one file re-parses only that file. tree-sitter never raises on bad input: a garbled
file gives a tree with ERROR nodes, and the rules see whatever parsed.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

_CACHE_SIZE = 512
_cache: OrderedDict[bytes, SourceFile] = OrderedDict()


@cache
def _parser() -> Parser:
    import tree_sitter
    import tree_sitter_rust

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_rust.language()))


@cache
def _comment_query() -> Any:
    import tree_sitter
    import tree_sitter_rust

    language = tree_sitter.Language(tree_sitter_rust.language())
    return tree_sitter.Query(language, "[(line_comment) (block_comment)] @comment")


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One parsed Rust file: its text (as bytes, which node offsets index) and its tree."""

    data: bytes
    root: Any
    """The tree's root `Node` (typed loosely: tree-sitter ships no stubs for every version)."""
    key: bytes
    """A hash of `data`: equal keys, equal files (models are cached by it)."""
    comments: tuple[tuple[int, int], ...]
    """Byte ranges of every comment, in order (found once, by a tree-sitter query)."""

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def code(self, node: Node) -> str:
        """The node's text with comments blanked out (line breaks kept), so a constraint or a
        check written in a comment never counts."""
        start, end = node.start_byte, node.end_byte
        chunk = bytearray(self.data[start:end])
        first = bisect.bisect_left(self.comments, (start, -1))
        if first:
            first -= 1  # a comment may begin before the node and reach into it
        for comment_start, comment_end in self.comments[first:]:
            if comment_start >= end:
                break
            for index in range(max(comment_start, start) - start, min(comment_end, end) - start):
                if chunk[index] not in (0x0A, 0x0D):
                    chunk[index] = 0x20
        return chunk.decode("utf-8", "replace")


def parse(text: str) -> SourceFile:
    """The parsed file for `text`, from the cache when the same content was parsed before."""
    data = text.encode("utf-8", "surrogatepass")
    key = hashlib.blake2b(data, digest_size=16).digest()
    found = _cache.get(key)
    if found is not None:
        _cache.move_to_end(key)
        return found
    import tree_sitter

    root = _parser().parse(data).root_node
    captured = tree_sitter.QueryCursor(_comment_query()).captures(root).get("comment", [])
    ranges = tuple(sorted((node.start_byte, node.end_byte) for node in captured))
    parsed = SourceFile(data, root, key, ranges)
    _cache[key] = parsed
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return parsed


def clear_cache() -> None:
    """Forget every parsed file (benchmarks measure the cold path with it)."""
    _cache.clear()


def walk(node: Node, types: frozenset[str] | None = None) -> Iterator[Node]:
    """Every descendant of `node` (itself included) in source order, iteratively: deeply
    nested code must not hit Python's recursion limit."""
    stack = [node]
    while stack:
        current = stack.pop()
        if types is None or current.type in types:
            yield current
        stack.extend(reversed(current.children))


def line(node: Node) -> int:
    """1-based line of the node's start."""
    return int(node.start_point[0]) + 1


def attributes_before(node: Node) -> list[Node]:
    """The `attribute_item`s (and doc comments) directly above an item or a field, nearest
    last; tree-sitter keeps them as preceding siblings, not children."""
    found: list[Node] = []
    sibling = node.prev_sibling
    while sibling is not None and sibling.type in (
        "attribute_item",
        "line_comment",
        "block_comment",
    ):
        found.append(sibling)
        sibling = sibling.prev_sibling
    found.reverse()
    return found


def split_top_level(text: str) -> list[str]:
    """`a, b(c, d), [e, f]` -> ["a", "b(c, d)", "[e, f]"] (strings respected)."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    in_string = escaped = False
    for character in text:
        if in_string:
            current.append(character)
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
            continue
        if character == '"':
            in_string = True
        elif character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
        elif character == "," and depth <= 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(character)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


_STRING = re.compile(r'b?"(?:[^"\\]|\\.)*"')


def blank_strings(text: str) -> str:
    """String literals replaced by `""`, so their contents never look like code."""
    return _STRING.sub('""', text)
