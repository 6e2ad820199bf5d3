"""The REPL's approval question: answers, what is shown, Ctrl-C and end of input."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from solcoder.agent.gate import ApprovalRequest
from solcoder.llm.messages import ToolCall
from solcoder.ui.approval_prompt import (
    MAX_ARGUMENTS,
    TerminalApprover,
    argument_lines,
    parse_answer,
)


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("y", "yes"),
        ("YES", "yes"),
        (" n ", "no"),
        ("", "no"),
        ("a", "always"),
        ("Always", "always"),
    ],
)
def test_answers(typed: str, answer: str) -> None:
    assert parse_answer(typed) == answer


def test_anything_else_is_not_an_answer() -> None:
    assert parse_answer("sure") is None
    assert parse_answer("yess") is None


def test_arguments_are_safe_cut_and_counted() -> None:
    lines = argument_lines({"path": "a\x1b[31mred\nnext", "n": 3, "big": "x" * 1000})
    assert lines[0].startswith("path: a") and "\x1b" not in lines[0] and "\n" not in lines[0]
    assert lines[1] == "n: 3"
    assert lines[2].endswith("… (1000 characters)") and len(lines[2]) < 300
    many = argument_lines({f"k{i}": i for i in range(MAX_ARGUMENTS + 5)})
    assert many[-1] == "… and 5 more arguments"
    assert argument_lines({}) == ["(no arguments)"]


def request() -> ApprovalRequest:
    call = ToolCall("c1", "deploy_program", '{"cluster": "devnet"}')
    return ApprovalRequest(call, "signs", "solcoder", {"cluster": "devnet"})


def make(replies: list[object]) -> tuple[TerminalApprover, io.StringIO, list[str]]:
    out = io.StringIO()
    interrupted: list[str] = []

    async def read(_prompt: str) -> str:
        reply = replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        assert isinstance(reply, str)
        return reply

    console = Console(file=out, width=100, color_system=None)
    return TerminalApprover(console, read, lambda: interrupted.append("x")), out, interrupted


async def test_shows_the_tool_its_effect_and_arguments_and_re_asks() -> None:
    approver, out, interrupted = make(["perhaps", "always"])
    assert await approver.ask(request()) == "always"
    shown = out.getvalue()
    assert "Run deploy_program? It signs with a keypair" in shown
    assert "cluster: devnet" in shown and "Answer yes, no or always." in shown
    assert interrupted == []


async def test_ctrl_c_is_no_and_cancels_the_turn_and_eof_is_no() -> None:
    approver, out, interrupted = make([KeyboardInterrupt()])
    assert await approver.ask(request()) == "no"
    assert interrupted == ["x"] and "no (cancelled)" in out.getvalue()
    approver, _, interrupted = make([EOFError()])
    assert await approver.ask(request()) == "no"
    assert interrupted == []


async def test_three_non_answers_are_no() -> None:
    approver, _, _ = make(["?", "?", "?"])
    assert await approver.ask(request()) == "no"
