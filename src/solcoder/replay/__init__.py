"""Recorded conversations as regression tests: replay a transcript, report what changed.

Each turn's user prompt is sent again through the real `Orchestrator` and tool registry, but
the model is a `ScriptedProvider` that answers with the assistant messages recorded in the
transcript, in order. Whatever the code under test does with those replies (which tools it
runs, with which arguments, what they return, when the loop stops) is compared with what the
transcript says happened. A difference means SolCoder now behaves differently on a
conversation it once had.

Compared per turn and step: tool calls (name and parsed arguments), tool results (`is_error`
and content, parsed as JSON when possible, minus `VARIABLE_FIELDS`), the number of model steps
and the turn's final text. Results of `VARIABLE_TOOLS` describe the machine they ran on and are
compared by their keys only.
"""

from solcoder.replay.compare import (
    VARIABLE_FIELDS,
    VARIABLE_TOOLS,
    Difference,
    compare_turn,
    content_differences,
    parse_arguments,
)
from solcoder.replay.engine import (
    DIFFERENCES_EXIT_CODE,
    RecordedTurn,
    ReplayExhaustedError,
    ReplayReport,
    load_turns,
    replay_file,
    replay_turns,
)

__all__ = [
    "DIFFERENCES_EXIT_CODE",
    "VARIABLE_FIELDS",
    "VARIABLE_TOOLS",
    "Difference",
    "RecordedTurn",
    "ReplayExhaustedError",
    "ReplayReport",
    "compare_turn",
    "content_differences",
    "load_turns",
    "parse_arguments",
    "replay_file",
    "replay_turns",
]
