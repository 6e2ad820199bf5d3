"""Crash safety: a writer killed with SIGKILL at random points never loses a complete turn."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest

from solcoder.llm.messages import Message
from solcoder.redact import Redactor
from solcoder.sessions import SessionStore

KILLS = 200


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_never_loses_a_complete_turn(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "home", redactor=Redactor())
    session = store.create("openai", "gpt-4.1-mini")
    session_id = session.id
    session.close()
    rng = random.Random(2024)
    confirmed = 0  # the last turn the writer reported as ended (durable) before it was killed
    ended: set[int] = set()  # every such turn (a killed prompt still takes its number)
    torn_seen = 0
    for _ in range(KILLS):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: resume the session and write turns until killed
            try:
                os.close(read_end)
                child = store.open(session_id)
                turn = child.turn_count
                while True:
                    turn += 1
                    child.append_message(Message.user(f"prompt {turn} " + "p" * 100))
                    child.partial(f"reply {turn} partial")
                    child.append_message(Message.assistant(f"reply {turn} " + "r" * 200))
                    child.end_turn(stop_reason="end_turn")
                    os.write(write_end, f"{turn}\n".encode())
            except BaseException as error:
                os.write(write_end, f"error {error!r}\n".encode())
            finally:
                os._exit(0)
        os.close(write_end)
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with os.fdopen(read_end, "rb") as reader:
            output = reader.read().decode()
            reported = [int(line) for line in output.split() if line.isdigit()]
            assert "error" not in output, output
        if reported:
            confirmed = max(confirmed, reported[-1])
            ended.update(reported)
        resumed = store.read(session_id)
        torn_seen += any("cut off" in warning for warning in resumed.warnings)
        assert resumed.turn_count >= confirmed
        texts = {message.text for message in resumed.messages()}
        # Every turn the writer saw end is there in full: prompt and complete reply. (A turn
        # cut short is kept too, as far as it got; it is written again by the next writer.)
        for turn in sorted(ended):
            assert f"prompt {turn} " + "p" * 100 in texts
            assert f"reply {turn} " + "r" * 200 in texts
    final = store.open(session_id)  # repairs whatever the last kill left
    assert final.turn_count >= confirmed > 0
    final.close()
    assert store.open(session_id).warnings == []
    print(f"{KILLS} kills, {confirmed} confirmed turns, {torn_seen} torn tails set aside")
