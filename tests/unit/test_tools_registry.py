"""The tool registry: schemas from type hints, argument errors for the model, running tools."""

import asyncio
import json
import threading
from typing import Any, Literal

import pydantic
import pytest

from solcoder.llm.messages import ToolSpec
from solcoder.tools.registry import (
    Tool,
    ToolArgumentError,
    ToolOutput,
    ToolRegistry,
    ToolTimeoutError,
)
from solcoder.tools.toolkits import TOOLKIT_NAMES, default_registry, load_registry


class Step(pydantic.BaseModel):
    title: str
    weight: int = 1


class Tree(pydantic.BaseModel):
    label: str
    children: list["Tree"] = []


def build(
    name: str,
    steps: list[Step],
    tags: list[str],
    mode: Literal["fast", "safe"] = "safe",
    note: str | None = None,
    count: int = 3,
) -> dict[str, Any]:
    """Build something from steps.

    A second paragraph that is not part of the description.

    Args:
        name: What to call it.
        steps: The steps, in order;
            continued on a second line.
        tags: Free-form labels.
        mode: How careful to be.

    Returns:
        Whatever was built.
    """
    return {"name": name, "steps": [step.title for step in steps], "mode": mode}


def search(query: str, limit: int = 3) -> str:
    """Search for something.

    Args:
        query: Words to look for.
        limit: How many results.
    """
    return f"{query}:{limit}"


@pytest.fixture
def registry() -> ToolRegistry:
    registry = ToolRegistry()
    registry.register(build, toolkit="make", effect="read_only")
    registry.register(search, toolkit="find", effect="read_only")
    return registry


def _tool(registry: ToolRegistry, name: str) -> Tool:
    tool = registry.get(name)
    assert tool is not None
    return tool


# --- schema generation -------------------------------------------------------------------------


def test_schema_is_a_closed_object_with_required_and_optional_fields(registry: ToolRegistry):
    schema = _tool(registry, "build").json_schema
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name", "steps", "tags"]
    assert set(schema["properties"]) == {"name", "steps", "tags", "mode", "note", "count"}
    assert schema["properties"]["count"] == {"default": 3, "type": "integer"}
    assert schema["properties"]["tags"]["items"] == {"type": "string"}
    note = schema["properties"]["note"]
    assert note["default"] is None
    assert {"type": "null"} in note["anyOf"]


def test_literal_becomes_an_enum(registry: ToolRegistry):
    mode = _tool(registry, "build").json_schema["properties"]["mode"]
    assert mode["enum"] == ["fast", "safe"]
    assert mode["default"] == "safe"
    assert mode["description"] == "How careful to be."


def test_nested_models_are_inlined_and_closed_and_keep_a_property_named_title(
    registry: ToolRegistry,
):
    schema = _tool(registry, "build").json_schema
    text = json.dumps(schema)
    assert "$defs" not in text
    assert "$ref" not in text
    items = schema["properties"]["steps"]["items"]
    assert items["type"] == "object"
    assert items["additionalProperties"] is False
    assert items["required"] == ["title"]
    assert items["properties"]["title"] == {"type": "string"}  # a field, not a schema title


def test_docstring_gives_description_and_argument_descriptions(registry: ToolRegistry):
    tool = _tool(registry, "build")
    assert tool.description == "Build something from steps."
    properties = tool.json_schema["properties"]
    assert properties["name"]["description"] == "What to call it."
    assert properties["steps"]["description"] == "The steps, in order; continued on a second line."
    assert "description" not in properties["note"]
    assert "title" not in tool.json_schema


def test_recursive_model_keeps_defs_at_the_top_level():
    def grow(tree: Tree) -> str:
        """Grow a tree."""
        return tree.label

    schema = ToolRegistry().register(grow, toolkit="t", effect="read_only").json_schema
    assert set(schema["$defs"]) == {"Tree"}
    assert schema["properties"]["tree"] == {"$ref": "#/$defs/Tree"}
    assert schema["$defs"]["Tree"]["additionalProperties"] is False


def test_tool_without_arguments_has_an_empty_object_schema():
    def ping() -> str:
        """Answer pong."""
        return "pong"

    tool = ToolRegistry().register(ping, toolkit="t", effect="read_only")
    assert tool.json_schema == {"additionalProperties": False, "properties": {}, "type": "object"}
    assert tool.parse_arguments("") == {}
    assert tool.parse_arguments("  {} ") == {}


def test_missing_docstring_falls_back_to_the_name():
    def do_thing(x: int) -> int:
        return x

    assert (
        ToolRegistry().register(do_thing, toolkit="t", effect="read_only").description == "do thing"
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def f(*items: int) -> None: ...", "keyword"),
        ("def f(value) -> None: ...", "type hint"),
        ("def f(_hidden: int) -> None: ...", "private"),
        (
            'def f(value: int) -> None:\n    """F.\n\n    Args:\n        other: Nope.\n    """',
            "other",
        ),
    ],
)
def test_bad_signatures_are_refused_at_registration(source: str, message: str):
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    with pytest.raises(TypeError, match=message):
        ToolRegistry().register(namespace["f"], toolkit="t", effect="read_only")


def test_bad_names_and_duplicates_are_refused(registry: ToolRegistry):
    with pytest.raises(ValueError, match="already registered"):
        registry.register(search, toolkit="other", effect="read_only")
    with pytest.raises(ValueError, match="must match"):
        registry.register(search, toolkit="t", effect="read_only", name="has space")
    with pytest.raises(ValueError, match="positive"):
        registry.register(search, toolkit="t", effect="read_only", name="s2", timeout=0)


# --- parse_arguments ---------------------------------------------------------------------------


def test_valid_arguments_are_returned_json_compatible_with_defaults(registry: ToolRegistry):
    arguments = _tool(registry, "build").parse_arguments(
        '{"name": "x", "steps": [{"title": "a"}], "tags": ["t"]}'
    )
    assert arguments == {
        "name": "x",
        "steps": [{"title": "a", "weight": 1}],
        "tags": ["t"],
        "mode": "safe",
        "note": None,
        "count": 3,
    }
    json.dumps(arguments)


def test_not_json(registry: ToolRegistry):
    with pytest.raises(ToolArgumentError) as caught:
        _tool(registry, "search").parse_arguments("{query: 'pda'}")
    message = str(caught.value)
    assert "`search`" in message
    assert "not valid JSON" in message
    assert "line 1 column 2" in message
    assert '{"query": ...}' in message
    assert "cut off" not in message


@pytest.mark.parametrize(
    "raw", ['{"query": "derive a p', '{"query": "pda", "limit": ', '{"a": [1, 2']
)
def test_truncated_json_says_the_arguments_were_probably_cut_off(registry: ToolRegistry, raw: str):
    with pytest.raises(ToolArgumentError, match="cut off"):
        _tool(registry, "search").parse_arguments(raw)


def test_extra_closing_bracket_is_not_called_truncation(registry: ToolRegistry):
    with pytest.raises(ToolArgumentError) as caught:
        _tool(registry, "search").parse_arguments('{"query": "x"}}')
    assert "cut off" not in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "kind"), [("[1]", "an array"), ('"pda"', "a string"), ("3", "a number")]
)
def test_arguments_must_be_an_object(registry: ToolRegistry, raw: str, kind: str):
    with pytest.raises(ToolArgumentError, match=f"must be a JSON object .* not {kind}"):
        _tool(registry, "search").parse_arguments(raw)


def test_double_encoded_object_is_accepted(registry: ToolRegistry):
    raw = json.dumps(json.dumps({"query": "pda"}))
    assert _tool(registry, "search").parse_arguments(raw) == {"query": "pda", "limit": 3}


def test_schema_failures_are_listed_field_by_field(registry: ToolRegistry):
    with pytest.raises(ToolArgumentError) as caught:
        _tool(registry, "search").parse_arguments('{"limit": "many", "colour": "red"}')
    message = str(caught.value)
    assert "Invalid arguments for tool `search`" in message
    assert "- query: required field is missing" in message
    assert "- limit: Input should be a valid integer" in message
    assert '(got "many")' in message
    assert "- colour: unknown field; this tool takes: query, limit" in message


def test_nested_and_literal_failures_name_the_path(registry: ToolRegistry):
    raw = '{"name": "x", "steps": [{"title": 5, "extra": 1}], "tags": [], "mode": "wild"}'
    with pytest.raises(ToolArgumentError) as caught:
        _tool(registry, "build").parse_arguments(raw)
    message = str(caught.value)
    assert "- steps.0.title: Input should be a valid string" in message
    assert "- mode: Input should be 'fast' or 'safe'" in message


def test_lax_numbers_are_coerced(registry: ToolRegistry):
    assert _tool(registry, "search").parse_arguments('{"query": "q", "limit": "5"}')["limit"] == 5


# --- running -----------------------------------------------------------------------------------


async def test_sync_tool_runs_in_a_worker_thread():
    seen: list[int] = []

    def where(label: str) -> str:
        """Record the thread."""
        seen.append(threading.get_ident())
        return label.upper()

    tool = ToolRegistry().register(where, toolkit="t", effect="read_only")
    output = await tool.run({"label": "ok"})
    assert output == ToolOutput("OK")
    assert seen
    assert seen[0] != threading.get_ident()


async def test_async_tool_runs_on_the_loop():
    seen: list[int] = []

    async def where() -> str:
        """Record the thread."""
        seen.append(threading.get_ident())
        await asyncio.sleep(0)
        return "done"

    output = await ToolRegistry().register(where, toolkit="t", effect="read_only").run({})
    assert output.content == "done"
    assert seen == [threading.get_ident()]


async def test_run_validates_and_passes_model_instances(registry: ToolRegistry):
    tool = _tool(registry, "build")
    arguments = tool.parse_arguments('{"name": "n", "steps": [{"title": "a"}], "tags": []}')
    output = await tool.run(arguments)
    assert output.data == {"name": "n", "steps": ["a"], "mode": "safe"}
    assert output.content == '{"name":"n","steps":["a"],"mode":"safe"}'
    with pytest.raises(ToolArgumentError):
        await tool.run({"name": "n"})


@pytest.mark.parametrize(
    ("value", "content"),
    [
        ("text", "text"),
        ([1, "two"], '[1,"two"]'),
        (Step(title="é"), '{"title":"é","weight":1}'),
        (None, "(no output)"),
        (ToolOutput("custom", data=1, is_error=True), "custom"),
    ],
)
async def test_return_values_become_tool_output(value: Any, content: str):
    def give() -> Any:
        """Return the value."""
        return value

    output = await ToolRegistry().register(give, toolkit="t", effect="read_only").run({})
    assert output.content == content
    if not isinstance(value, str | ToolOutput) and value is not None:
        assert output.data is value
    if isinstance(value, ToolOutput):
        assert output is value


async def test_exceptions_from_tools_propagate():
    def fail() -> str:
        """Fail."""
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await ToolRegistry().register(fail, toolkit="t", effect="read_only").run({})


async def test_timeout_raises_tool_timeout_error():
    async def slow() -> str:
        """Sleep."""
        await asyncio.sleep(5)
        return "late"

    tool = ToolRegistry().register(slow, toolkit="t", effect="read_only", timeout=0.05)
    with pytest.raises(ToolTimeoutError, match=r"`slow` did not finish within 0.05 s"):
        await tool.run({})


async def test_a_tools_own_timeout_error_is_not_relabelled():
    async def own() -> str:
        """Raise TimeoutError itself."""
        raise TimeoutError("upstream")

    tool = ToolRegistry().register(own, toolkit="t", effect="read_only", timeout=5)
    with pytest.raises(TimeoutError, match="upstream") as caught:
        await tool.run({})
    assert not isinstance(caught.value, ToolTimeoutError)


# --- the registry ------------------------------------------------------------------------------


def test_decorator_registers_and_returns_the_function():
    registry = ToolRegistry()

    @registry.tool(toolkit="t", effect="read_only", name="renamed", timeout=2)
    def original(x: int) -> int:
        """Double."""
        return x * 2

    assert original(2) == 4
    tool = _tool(registry, "renamed")
    assert (tool.toolkit, tool.timeout) == ("t", 2)
    assert "renamed" in registry
    assert len(registry) == 1


def test_names_specs_and_toolkits(registry: ToolRegistry):
    assert registry.names() == ["build", "search"]
    specs = registry.specs()
    assert all(isinstance(spec, ToolSpec) for spec in specs)
    assert [spec.name for spec in specs] == ["build", "search"]
    assert [spec.name for spec in registry.specs(["find"])] == ["search"]
    assert {name: [t.name for t in tools] for name, tools in registry.toolkits().items()} == {
        "make": ["build"],
        "find": ["search"],
    }
    with pytest.raises(ValueError, match="unknown toolkits: nope"):
        registry.specs(["find", "nope"])
    assert registry.get("missing") is None
    assert [tool.name for tool in registry] == ["build", "search"]


@pytest.mark.parametrize(
    ("asked", "expected"),
    [("serch", "search"), ("SEARCH", "search"), ("functions.build", "build"), ("xyz", None)],
)
def test_closest_name(registry: ToolRegistry, asked: str, expected: str | None):
    assert registry.closest(asked) == expected


def test_default_registry_has_every_toolkit_with_documented_arguments():
    registry = default_registry()
    assert list(registry.toolkits()) == list(TOOLKIT_NAMES)
    assert {
        "plan",
        "explain_error",
        "review_code",
        "deploy_program",
        "environment",
        "search_notes",
        "read_note",
    } <= set(registry.names())
    for spec in registry.specs():
        json.dumps(spec.json_schema)
        assert spec.description
        assert len(spec.description) < 400
        assert spec.json_schema["type"] == "object"
        assert "$defs" not in spec.json_schema
        for name, schema in spec.json_schema["properties"].items():
            assert schema.get("description"), f"{spec.name}.{name} has no description"


def test_raw_control_characters_inside_strings_are_accepted() -> None:
    registry = ToolRegistry()

    @registry.tool(toolkit="test", effect="read_only")
    def echo(text: str) -> str:
        """Echo text."""
        return text

    tool = registry.get("echo")
    assert tool is not None
    assert tool.parse_arguments('{"text": "line one\nline\ttwo"}') == {
        "text": "line one\nline\ttwo"
    }


def test_the_snapshot_of_the_builtin_tools_is_what_the_tools_declare() -> None:
    """`specs.json` lets a conversation offer the tools without importing the toolkits, and
    `solcoder tools` list them; after changing a tool, renew it with `python -c "from
    solcoder.tools.builtin import write_snapshot; write_snapshot()"`."""
    from solcoder.tools.builtin import SNAPSHOT, builtin_tools, snapshot_of

    built = json.dumps(snapshot_of(builtin_tools()), indent=1, ensure_ascii=False) + "\n"
    assert SNAPSHOT.read_text(encoding="utf-8") == built


def test_the_baseline_registry_offers_its_tools_before_loading_them() -> None:
    registry = default_registry()
    assert registry.specs() == load_registry().specs()
    assert registry.specs(["plan"]) == load_registry().specs(["plan"])
    assert registry.names() == load_registry().names()
    assert "plan" in registry
    assert len(registry) == len(load_registry())
    with pytest.raises(ValueError, match="unknown toolkits: nope"):
        registry.specs(["nope"])
    tool = registry.get("plan")  # now loaded
    assert tool is not None
    assert tool.parse_arguments('{"goal": "a counter"}')["goal"] == "a counter"


def test_offering_the_baseline_tools_imports_no_pydantic() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from solcoder.tools.toolkits import default_registry\n"
        "assert default_registry().specs()\n"
        "assert 'pydantic' not in sys.modules, 'pydantic imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
