"""A failed dry run says what to do next in dry-run terms, never REPL commands."""

from __future__ import annotations

from solcoder.cli.dry_run import dry_run_hint
from solcoder.errors import ContextTooLongError, LocalModelCrashedError, RateLimitError
from solcoder.llm.messages import Message
from solcoder.middleware.budget import fit_history


def test_context_overflow_advice_names_settings_not_repl_commands() -> None:
    try:
        fit_history(
            (Message.user("x " * 5000),),
            system="s",
            tools=(),
            window=1000,
            reserve_output=256,
            provider="local",
            model="SmolLM2",
        )
    except ContextTooLongError as error:
        hint = dry_run_hint(error)
    else:
        raise AssertionError("expected the history not to fit")
    assert hint is not None
    assert "/clear" not in hint and "--session" not in hint
    assert "llm.local_context" in hint


def test_repl_sentences_are_dropped_and_the_rest_kept() -> None:
    error = LocalModelCrashedError(
        "The local model process killed by signal SIGKILL while answering.",
        hint="Your conversation is kept: send your message again (/retry in the REPL) and "
        "SolCoder starts the model again. If it keeps crashing, see /tmp/log.",
    )
    hint = dry_run_hint(error)
    assert hint is not None and "/retry" not in hint
    assert "If it keeps crashing, see /tmp/log." in hint
    assert hint.endswith("Then run the dry run again.")


def test_other_advice_is_unchanged() -> None:
    error = RateLimitError("Slow down.", hint="Wait 20 s.")
    assert dry_run_hint(error) == "Wait 20 s."
