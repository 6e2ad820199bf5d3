"""A compaction summary is bounded where it enters (issue 23 item 26).

A server that ignores `max_tokens` turned a 5.2k-token conversation into a 4.5M-token
"summary" that was accepted (a 166 MB transcript in three turns). The summary is now read only
up to its bound and cut there; `/compact` still never reports a summary larger than what it
replaced (tests/unit/test_small_windows.py).
"""

from __future__ import annotations

from solcoder.agent.compaction import (
    CHARACTERS_PER_TOKEN_BOUND,
    CUT_MARK,
    CompactionOptions,
    Compactor,
)
from solcoder.agent.events import Compacted
from solcoder.llm.messages import Message, Request
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse


def long_history() -> list[Message]:
    history: list[Message] = []
    for turn in range(40):
        history.append(Message.user(f"question {turn}: " + "why does the vault fail? " * 20))
        history.append(Message.assistant(f"answer {turn}: " + "the signer is missing. " * 20))
    return history


async def test_a_runaway_summary_is_cut_at_its_bound() -> None:
    runaway = "word " * 1_000_000  # 5 MB: far past any 512-token summary
    provider = ScriptedProvider(
        summarizer=lambda _request: ScriptedResponse(text=runaway, chunk_size=50_000)
    )
    history = long_history()
    request = Request(model="m", messages=tuple(history))
    compactor = Compactor(CompactionOptions(summary_tokens=512))
    events = [e async for e in compactor.compact(provider, history, request, trigger="manual")]
    (compacted,) = [e for e in events if isinstance(e, Compacted)]
    assert compacted.after_tokens < compacted.before_tokens
    assert len(compacted.summary) <= 512 * CHARACTERS_PER_TOKEN_BOUND + len(CUT_MARK)
    assert compacted.summary.endswith(CUT_MARK.strip())
    assert sum(len(m.text) for m in history) < 20_000


async def test_a_summary_within_its_bound_is_kept_whole() -> None:
    summary = "The user is fixing a missing signer check in the vault program."
    provider = ScriptedProvider(summarizer=lambda _request: ScriptedResponse(text=summary))
    history = long_history()
    request = Request(model="m", messages=tuple(history))
    events = [e async for e in Compactor().compact(provider, history, request, trigger="manual")]
    (compacted,) = [e for e in events if isinstance(e, Compacted)]
    assert compacted.summary == summary
