"""Function signature and docstring → the pydantic model and JSON Schema of a tool's arguments.

Kept apart from the registry because it is pure and provider-facing: the schema it emits must be
accepted by OpenAI function calling, Anthropic tool use and the OpenAI-compatible servers, which
agree on a plain object schema but differ on `$ref`, titles and open objects.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import pydantic

_DOCSTRING_SECTION = re.compile(
    r"^(Args|Arguments|Parameters|Returns?|Yields?|Raises|Examples?|Notes?|Attributes)\s*:\s*$"
)
_ARGUMENTS_SECTIONS = frozenset({"Args", "Arguments", "Parameters"})
_DOCSTRING_ENTRY = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
# Keys whose values are data, not sub-schemas: never rewrite inside them.
_DATA_KEYWORDS = frozenset({"default", "enum", "const", "examples"})


def parse_docstring(docstring: str) -> tuple[str, dict[str, str]]:
    """The first paragraph, and each argument's description from a Google-style `Args:`."""
    lines = docstring.splitlines()
    paragraph: list[str] = []
    for line in lines:
        if not line.strip() or _DOCSTRING_SECTION.match(line):
            break
        paragraph.append(line.strip())
    arguments: dict[str, str] = {}
    in_arguments = False
    current: str | None = None
    entry_indent: int | None = None
    for line in lines:
        section = _DOCSTRING_SECTION.match(line)
        if section:
            in_arguments = section.group(1) in _ARGUMENTS_SECTIONS
            current, entry_indent = None, None
            continue
        stripped = line.strip()
        if not in_arguments or not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        if indent == 0:
            in_arguments = False
            continue
        entry = _DOCSTRING_ENTRY.match(stripped)
        if entry and (entry_indent is None or indent <= entry_indent):
            entry_indent = indent
            current = entry.group(1)
            arguments[current] = entry.group(2).strip()
        elif current is not None:
            arguments[current] = f"{arguments[current]} {stripped}".strip()
    return " ".join(paragraph), arguments


def arguments_model(
    function: Callable[..., Any], tool_name: str, argument_docs: Mapping[str, str]
) -> type[pydantic.BaseModel]:
    """A pydantic model with one field per parameter, forbidding unknown fields."""
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except NameError as error:
        raise TypeError(f"cannot resolve the type hints of tool {tool_name!r}: {error}") from None
    parameters = inspect.signature(function).parameters
    unknown_docs = set(argument_docs) - set(parameters)
    if unknown_docs:
        raise TypeError(
            f"docstring of tool {tool_name!r} documents unknown arguments: "
            f"{', '.join(sorted(unknown_docs))}"
        )
    fields: dict[str, Any] = {}
    for parameter in parameters.values():
        if parameter.kind not in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
            raise TypeError(
                f"parameter {parameter.name!r} of tool {tool_name!r} must be passable by keyword"
            )
        if parameter.name.startswith("_"):
            raise TypeError(f"parameter {parameter.name!r} of tool {tool_name!r} is private")
        if parameter.name not in hints:
            raise TypeError(f"parameter {parameter.name!r} of tool {tool_name!r} needs a type hint")
        annotation = hints[parameter.name]
        if parameter.name in argument_docs:
            annotation = Annotated[
                annotation, pydantic.Field(description=argument_docs[parameter.name])
            ]
        default = ... if parameter.default is parameter.empty else parameter.default
        fields[parameter.name] = (annotation, default)
    config = pydantic.ConfigDict(extra="forbid", protected_namespaces=())
    model: type[pydantic.BaseModel] = pydantic.create_model(
        f"{tool_name}_arguments", __config__=config, **fields
    )
    return model


class _RecursiveSchema(Exception):
    """A model refers to itself, so its `$defs` cannot be inlined."""


def finish_schema(raw: dict[str, Any]) -> dict[str, Any]:
    """Provider-friendly schema: `$defs` inlined, no titles, closed objects.

    Not every OpenAI-compatible server resolves `$ref`, so references are inlined; only a
    self-referencing model keeps `$defs`, at the top level (where JSON Schema looks for them).
    """
    definitions = raw.pop("$defs", {})
    try:
        schema: dict[str, Any] = _rewrite(raw, definitions, inline=True, stack=())
    except _RecursiveSchema:
        schema = _rewrite(raw, definitions, inline=False, stack=())
        schema["$defs"] = {
            key: _rewrite(value, definitions, inline=False, stack=())
            for key, value in definitions.items()
        }
    schema.setdefault("properties", {})
    return schema


def _rewrite(
    node: Any, definitions: Mapping[str, Any], *, inline: bool, stack: tuple[str, ...]
) -> Any:
    if isinstance(node, list):
        return [_rewrite(item, definitions, inline=inline, stack=stack) for item in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    if inline and isinstance(reference, str) and reference.startswith("#/$defs/"):
        key = reference.removeprefix("#/$defs/")
        if key in stack:
            raise _RecursiveSchema(key)
        target = _rewrite(definitions[key], definitions, inline=True, stack=(*stack, key))
        siblings = {name: value for name, value in node.items() if name != "$ref"}
        return {**target, **_rewrite(siblings, definitions, inline=True, stack=stack)}
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" or key in _DATA_KEYWORDS:
            if key != "title":
                result[key] = value
            continue
        if key == "properties" and isinstance(value, dict):
            result[key] = {
                name: _rewrite(schema, definitions, inline=inline, stack=stack)
                for name, schema in value.items()
            }
        else:
            result[key] = _rewrite(value, definitions, inline=inline, stack=stack)
    if result.get("type") == "object" and "properties" in result:
        result.setdefault("additionalProperties", False)
    return result
