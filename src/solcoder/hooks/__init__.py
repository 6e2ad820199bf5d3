"""Hooks: the user's own commands run at fixed points of a session (docs/hooks.md).

`[[hooks.EVENT]]` tables (`config/hook_tables.py`) name a command for `session_start`,
`user_prompt`, `pre_tool_use`, `post_tool_use` or `stop`. Each run gets one JSON object on
stdin and answers with its exit code and, optionally, JSON on stdout: allow, deny with a reason,
or context for the model. The rooms here: `model` (what a run produced), `matching` (which
hooks apply to a call), `decisions` (exit code and output to a decision), `process` (running
one hook: timeout, process group, scrubbed environment, bounded output), `runner` (the
agent's `HookPoints`), `trust` (which project hooks the user approved).

Hooks can only deny or add context: an "allow" never skips an approval question.
"""
