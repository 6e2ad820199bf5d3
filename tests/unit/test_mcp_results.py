"""Tool results from MCP servers as the model sees them, and argument checks against the
server's raw JSON Schema with messages the model can act on."""

from __future__ import annotations

import base64
import json

import pytest

from solcoder.mcp.results import MAX_RESULT_CHARS, format_size, map_result
from solcoder.mcp.tools import McpTool, input_schema
from solcoder.tools.arguments import ToolArgumentError
from solcoder.tools.validation import schema_problems


def test_text_blocks_are_joined() -> None:
    output = map_result({"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]})
    assert (output.content, output.is_error) == ("a\nb", False)


def test_structured_content_is_data_and_text_when_there_is_no_text() -> None:
    output = map_result({"content": [], "structuredContent": {"sum": 3}})
    assert json.loads(output.content) == {"sum": 3}
    assert output.data == {"sum": 3}


def test_is_error_makes_an_error_result() -> None:
    assert map_result({"content": [{"type": "text", "text": "no"}], "isError": True}).is_error
    assert "without details" in map_result({"content": [], "isError": True}).content


def test_binary_blocks_become_a_short_note() -> None:
    data = base64.b64encode(b"\0" * 12 * 1024).decode()
    output = map_result(
        {
            "content": [
                {"type": "image", "data": data, "mimeType": "image/png"},
                {"type": "audio", "data": "AAAA", "mimeType": "audio/wav"},
                {"type": "resource_link", "uri": "file:///a.rs", "name": "a.rs"},
                {"type": "resource", "resource": {"uri": "mem://x", "text": "hello"}},
                {"type": "resource", "resource": {"uri": "mem://y", "blob": data}},
            ]
        }
    )
    lines = output.content.splitlines()
    assert lines[0] == "[image: image/png, 12 KB]"
    assert lines[1] == "[audio: audio/wav, 3 B]"
    assert lines[2] == "[resource link: file:///a.rs (a.rs)]"
    assert lines[3:5] == ["[resource: mem://x]", "hello"]
    assert lines[5] == "[resource: mem://y, unknown type, 12 KB]"
    assert data not in output.content


def test_a_huge_result_is_cut_with_a_note() -> None:
    output = map_result({"content": [{"type": "text", "text": "x" * (MAX_RESULT_CHARS + 10)}]})
    assert len(output.content) < MAX_RESULT_CHARS + 100
    assert output.content.endswith("10 more characters cut by SolCoder]")


def test_sizes() -> None:
    assert format_size("") == "0 B"
    assert format_size(base64.b64encode(b"\0" * 3 * 1024 * 1024).decode()) == "3.0 MB"


SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {"message": {"type": "string"}, "count": {"type": "integer", "minimum": 1}},
    "required": ["message"],
    "additionalProperties": False,
}


def tool(schema: dict[str, object]) -> McpTool:
    return McpTool(
        name="ev__echo",
        server="ev",
        remote_name="echo",
        description="Echo",
        json_schema=input_schema({"inputSchema": schema}),
        manager=None,  # type: ignore[arg-type]  # parse_arguments never calls it
    )


def test_valid_arguments_pass_unchanged() -> None:
    assert tool(SCHEMA).parse_arguments('{"message": "hi", "count": 2}') == {
        "message": "hi",
        "count": 2,
    }


def test_schema_problems_are_sentences_with_their_place() -> None:
    with pytest.raises(ToolArgumentError) as caught:
        tool(SCHEMA).parse_arguments('{"count": 0, "extra": 1}')
    text = str(caught.value)
    assert text.startswith("Invalid arguments for tool `ev__echo`:")
    assert "'message' is required but missing" in text
    assert "- count: 0 is less than the minimum of 1" in text
    assert "'extra' was unexpected" in text
    assert text.endswith("Fix these fields and call the tool again.")


def test_bad_json_gets_the_same_message_as_solcoder_tools() -> None:
    with pytest.raises(ToolArgumentError, match="cut off"):
        tool(SCHEMA).parse_arguments('{"message": "hi')
    with pytest.raises(ToolArgumentError, match="must be a JSON object"):
        tool(SCHEMA).parse_arguments("[1]")


def test_a_broken_schema_lets_the_server_judge() -> None:
    assert schema_problems({"type": "object", "properties": {"a": {"type": 5}}}, {"a": 1}) == []


def test_a_schema_that_is_not_an_object_schema_is_offered_as_one() -> None:
    assert input_schema({"inputSchema": {"type": "string"}})["type"] == "object"
    assert input_schema({})["type"] == "object"


def test_a_huge_result_is_never_copied_whole() -> None:
    """Mapping keeps at most the cut: a 20 MB text block costs no 20 MB copy."""
    import tracemalloc

    block = {"type": "text", "text": "y" * 20_000_000}
    result = {"content": [block, {"type": "text", "text": "tail"}]}
    tracemalloc.start()
    try:
        output = map_result(result)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert output.content.startswith("y" * 1000)
    assert len(output.content) < MAX_RESULT_CHARS + 200
    assert "19900005 more characters cut" in output.content
    assert peak < 5_000_000
