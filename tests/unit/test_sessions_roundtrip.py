"""Messages survive serialisation and the transcript exactly, every part and all `meta`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solcoder.llm.messages import Message, Part, Text, Thinking, ToolCall, ToolResult
from solcoder.llm.serialize import message_from_dict, message_to_dict
from solcoder.redact import Redactor
from solcoder.sessions import SessionStore

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
metas = st.dictionaries(st.text(max_size=12), json_values, max_size=4)
texts = st.text(max_size=200)
reply_parts = st.one_of(
    st.builds(Text, texts),
    st.builds(Thinking, texts, st.booleans(), metas),
    st.builds(ToolResult, st.text(max_size=20), texts, st.booleans(), st.text(max_size=20)),
)
"""Parts of a message that needs no answer (no tool call)."""
parts = st.one_of(
    reply_parts,
    st.builds(ToolCall, st.text(max_size=20), st.text(max_size=20), texts, metas),
)
messages = st.builds(
    Message,
    st.sampled_from(["user", "assistant", "tool"]),
    st.lists(parts, max_size=5).map(tuple),
)


@given(messages)
def test_message_dict_round_trip(message: Message) -> None:
    encoded = json.dumps(message_to_dict(message))
    assert message_from_dict(json.loads(encoded)) == message


@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.lists(parts, max_size=4).map(tuple),
            st.lists(reply_parts, max_size=4).map(tuple),
        ),
        max_size=3,
    )
)
def test_transcript_round_trip(
    tmp_path: Path, exchanges: list[tuple[tuple[Part, ...], tuple[Part, ...]]]
) -> None:
    # Any valid history (the user first, then user and assistant in turn; tool pairing is
    # tested elsewhere) reads back exactly. No redaction here: the property is about the format.
    history = [Message.user("start"), Message.assistant("ready")]
    for asked, answered in exchanges:
        history += [Message("user", asked), Message("assistant", answered)]
    store = SessionStore(tmp_path / "home", redactor=Redactor(shapes=False))
    with store.create("openai", "m") as session:
        for message in history:
            session.append_message(message)
        session.end_turn()
    assert store.read(session.id).messages() == history


def test_thinking_signature_and_meta_kept_exactly() -> None:
    message = Message(
        "assistant",
        (
            Thinking("", redacted=True, meta={"data": "EqQBCgIYAhIM…", "n": [1, 2.5, None]}),
            Thinking("plan", meta={"signature": "sig==", "encrypted_content": "gAAAA"}),
            Text("answer"),
            ToolCall("toolu_1", "write_file", '{"path": "lib.rs"}', meta={"index": 0}),
        ),
    )
    assert message_from_dict(message_to_dict(message)) == message


@pytest.mark.parametrize(
    "bad",
    [
        {"role": "system", "parts": []},
        {"role": "user", "parts": [{"type": "image"}]},
        {"role": "user", "parts": [{"type": "text", "text": 3}]},
        {"role": "user", "parts": "text"},
        {
            "role": "tool",
            "parts": [{"type": "tool_result", "call_id": "a", "content": "b", "is_error": "yes"}],
        },
    ],
)
def test_malformed_dicts_are_value_errors(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        message_from_dict(bad)
