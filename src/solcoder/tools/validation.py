"""Arguments checked against a raw JSON Schema, with messages the model can act on.

A server's `inputSchema` is raw JSON Schema (any draft, any keyword), so it cannot become a
pydantic model like SolCoder's registered functions; `jsonschema` (a dependency of the MCP
SDK) checks it as written. The workspace tools declare their schemas the same way, so they
are offered without building (or importing) pydantic models at start-up. A schema that is
itself broken is not the model's fault: the call then goes to the server unchecked, and the
server answers for it.

Patterns (`pattern`, `patternProperties`) come from the server too, and Python's `re`
backtracks: `^(a+)+$` against forty `a`s and a `!` runs for hours, holding the interpreter
(a thread cannot stop it, a deadline cannot interrupt it). So a pattern is run only when its
cost is bounded: its parsed form is read and the number of backtracking states it could try
on the longest text of the arguments is estimated (the product of its repeats' ranges, and
the start positions of an unanchored search). A repeat inside a repeat (or an alternation or
backreference under one) has no such bound. A pattern over the budget is left out of the
check, never run; the server still checks the arguments itself.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Mapping
from typing import Any

from solcoder.llm.messages import ToolSpec

MAX_PROBLEMS = 8
PATTERN_BUDGET = 10_000_000
"""Backtracking states a pattern may cost on the arguments' longest text (about a second of
`re` at worst); a costlier pattern is not checked."""
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})
_UNBOUNDED = frozenset({"GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE", "GROUPREF_LOC_IGNORE"})
_UNBOUNDED |= frozenset({"GROUPREF_UNI_IGNORE"})
_ANCHORS = frozenset({"AT_BEGINNING", "AT_BEGINNING_STRING"})
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})
"""Schema keywords whose values are data, not schemas: never searched for patterns."""
_log = logging.getLogger(__name__)


def schema_problems(schema: Mapping[str, Any], arguments: Mapping[str, Any]) -> list[str]:
    """One line per problem (`- path: message`), empty when the arguments fit."""
    import jsonschema
    from jsonschema import validators

    schema = affordable_schema(schema, longest_text(arguments))
    try:
        cls = validators.validator_for(dict(schema), default=jsonschema.Draft202012Validator)
        cls.check_schema(dict(schema))
    except (jsonschema.SchemaError, TypeError):
        return []
    validator = cls(dict(schema))
    problems = []
    for error in sorted(validator.iter_errors(dict(arguments)), key=lambda e: list(e.path)):
        location = ".".join(str(part) for part in error.absolute_path) or "(arguments)"
        problems.append(f"- {location}: {_message(error)}")
        if len(problems) == MAX_PROBLEMS:
            break
    return problems


def _message(error: Any) -> str:
    text = str(error.message)
    if error.validator == "required":
        return text.replace("is a required property", "is required but missing")
    return text if len(text) <= 200 else text[:199] + "…"


def describe_problems(tool: str, problems: list[str]) -> str:
    return (
        f"Invalid arguments for tool `{tool}`:\n"
        + "\n".join(problems)
        + "\nFix these fields and call the tool again."
    )


def longest_text(value: Any) -> int:
    """The length of the longest string (a value or a key) in `value`."""
    longest, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            longest = max(longest, len(item))
        elif isinstance(item, Mapping):
            for key, inner in item.items():
                longest = max(longest, len(str(key)))
                stack.append(inner)
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return longest


def affordable_schema(schema: Mapping[str, Any], length: int) -> Mapping[str, Any]:
    """`schema` without the patterns too costly to run on texts of `length` characters.

    A costly `pattern` is removed; a costly key of `patternProperties` removes that keyword
    with `additionalProperties` and `unevaluatedProperties` of the same schema (they depend on
    which names the patterns match), so nothing is checked there rather than something wrong.
    The schema is copied only where something is removed."""
    result = _affordable(schema, length)
    return result if isinstance(result, Mapping) else schema


def _affordable(node: Any, length: int) -> Any:
    if isinstance(node, list):
        items = [_affordable(item, length) for item in node]
        return items if any(a is not b for a, b in zip(items, node, strict=True)) else node
    if not isinstance(node, Mapping):
        return node
    changed: dict[str, Any] = {}
    dropped: set[str] = set()
    for key, value in node.items():
        if key in _DATA_KEYWORDS:
            continue
        if key == "pattern" and isinstance(value, str):
            if not pattern_affordable(value, length):
                dropped.add(key)
            continue
        if (
            key == "patternProperties"
            and isinstance(value, Mapping)
            and not all(pattern_affordable(str(name), length) for name in value)
        ):
            dropped |= {"patternProperties", "additionalProperties", "unevaluatedProperties"}
            continue
        inner = _affordable(value, length)
        if inner is not value:
            changed[key] = inner
    if not changed and not dropped:
        return node
    for key in dropped & set(node):
        _log.debug("schema keyword %s not checked: its pattern could run without bound", key)
    return {k: changed.get(k, v) for k, v in node.items() if k not in dropped}


def pattern_affordable(pattern: str, length: int) -> bool:
    """Whether searching a text of `length` characters for `pattern` has a bounded cost
    within `PATTERN_BUDGET` (a pattern that does not compile: yes, `re` refuses it)."""
    shape = _shape(pattern)
    if shape is None:
        return True
    items, anchored = shape
    starts = 1 if anchored else length + 1
    return _cost(items, length) * starts <= PATTERN_BUDGET


@functools.lru_cache(maxsize=256)
def _shape(pattern: str) -> tuple[Any, bool] | None:
    """The parsed pattern and whether it is anchored at the start (None: it does not
    parse, or the parser is not the one this module reads)."""
    import re

    try:
        from re import _parser  # type: ignore[attr-defined]

        items = list(_parser.parse(pattern).data)
    except (re.error, ImportError, AttributeError, TypeError, ValueError, RecursionError):
        return None
    anchored = bool(items) and str(items[0][0]) == "AT" and str(items[0][1]) in _ANCHORS
    return items, anchored


def _cost(items: Any, length: int) -> float:
    """Backtracking states `items` can try on `length` characters (inf: no bound known)."""
    total = 1.0
    for code, value in items:
        name = str(code)
        if name in _REPEATS:
            _, high, inner = value
            inner_cost = _cost(inner, length)
            if high > 1 and (inner_cost > 1 or _has_repeat(inner)):
                return math.inf  # a repeat of something that can match in several ways
            total *= (min(high, length) + 1) * inner_cost
        elif name == "SUBPATTERN":
            total *= _cost(value[-1], length)
        elif name == "ATOMIC_GROUP":
            total *= _cost(value, length)
        elif name in ("ASSERT", "ASSERT_NOT"):
            total *= _cost(value[1], length)
        elif name == "BRANCH":
            total *= sum(_cost(branch, length) for branch in value[1])
        elif name in _UNBOUNDED:
            return math.inf
        if total > PATTERN_BUDGET * 1000:
            return math.inf
    return total


def _has_repeat(items: Any) -> bool:
    for code, value in items:
        name = str(code)
        if name in _REPEATS and value[1] > 1:
            return True
        if name == "SUBPATTERN" and _has_repeat(value[-1]):
            return True
        if name == "ATOMIC_GROUP" and _has_repeat(value):
            return True
        if name in ("ASSERT", "ASSERT_NOT") and _has_repeat(value[1]):
            return True
        if name == "BRANCH" and any(_has_repeat(branch) for branch in value[1]):
            return True
    return False


def checked_arguments(tool: str, raw: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The model's raw arguments for a tool declared by a raw JSON Schema (an MCP server's,
    or SolCoder's workspace and command tools): decoded, then checked against the schema;
    `ToolArgumentError` with every problem otherwise."""
    from solcoder.tools.arguments import ToolArgumentError, decode_arguments

    arguments = decode_arguments(tool, raw, schema)
    problems = schema_problems(schema, arguments)
    if problems:
        raise ToolArgumentError(describe_problems(tool, problems))
    return arguments


class DeclaredTool:
    """What a tool declared by a raw JSON Schema (SolCoder's workspace and command tools)
    shares: its spec, SolCoder's origin, and its arguments checked against the schema.
    Subclasses are slotted dataclasses with `name`, `description` and `json_schema`."""

    __slots__ = ()
    name: str
    description: str
    json_schema: Mapping[str, Any]

    @property
    def origin(self) -> str:
        from solcoder.tools.effects import BUILTIN_ORIGIN

        return BUILTIN_ORIGIN

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(self.name, self.description, self.json_schema)

    def parse_arguments(self, raw: str) -> dict[str, Any]:
        return checked_arguments(self.name, raw, self.json_schema)
