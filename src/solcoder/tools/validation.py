"""Arguments checked against a raw JSON Schema, with messages the model can act on.

A server's `inputSchema` is raw JSON Schema (any draft, any keyword), so it cannot become a
pydantic model like SolCoder's registered functions; `jsonschema` (a dependency of the MCP
SDK) checks it as written. The workspace tools declare their schemas the same way, so they
are offered without building (or importing) pydantic models at start-up. A schema that is
itself broken is not the model's fault: the call then goes to the server unchecked, and the
server answers for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_PROBLEMS = 8


def schema_problems(schema: Mapping[str, Any], arguments: Mapping[str, Any]) -> list[str]:
    """One line per problem (`- path: message`), empty when the arguments fit."""
    import jsonschema
    from jsonschema import validators

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
