"""Progress lines in a pipe are printed once (issue 23 item 6).

The model-loading line ("loading model X… N s") was printed once a second when stderr was a
pipe or a log file; in a terminal it is rewritten in place, elsewhere it is now printed once
and its end ("loaded … in N s") once.
"""

from __future__ import annotations

import pytest

from solcoder.cli import notices
from solcoder.llm.transport.retry import WaitStatus


class Piped:
    """What reached stderr, captured as a pipe (not a terminal)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def getvalue(self) -> str:
        return self.capsys.readouterr().err


@pytest.fixture
def piped_stderr(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Piped:
    monkeypatch.setattr(notices._PipeProgress, "shown", None)
    return Piped(capsys)


def test_the_local_model_loading_line_is_printed_once_in_a_pipe(
    piped_stderr: Piped,
) -> None:
    for second in range(1, 30):
        notices.status(f"loading model SmolLM2… {second} s")
    notices.status("loaded model SmolLM2 in 29.4 s", done=True)
    assert piped_stderr.getvalue().splitlines() == [
        "loading model SmolLM2… 1 s",
        "loaded model SmolLM2 in 29.4 s",
    ]


def test_a_server_loading_its_model_is_one_line_and_its_end_another(
    piped_stderr: Piped,
) -> None:
    server = "http://127.0.0.1:8080"
    for waited in range(12):
        notices.text_notice(WaitStatus("llamacpp", server, float(waited), 600.0))
    notices.text_notice(WaitStatus("llamacpp", server, 12.0, 600.0, state="ready"))
    lines = piped_stderr.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert "is loading its model" in lines[0]
    assert "loaded its model in 12 s" in lines[1]


def test_a_second_wait_is_announced_again(piped_stderr: Piped) -> None:
    notices.status("loading model A… 1 s")
    notices.status("loaded model A in 1.0 s", done=True)
    notices.status("loading model A… 1 s")
    assert len(piped_stderr.getvalue().splitlines()) == 3


def test_other_lines_are_all_printed(piped_stderr: Piped) -> None:
    notices.status("Downloading the bundled model (98 MB, once)")
    notices.status("loading model A… 1 s")
    assert len(piped_stderr.getvalue().splitlines()) == 2
