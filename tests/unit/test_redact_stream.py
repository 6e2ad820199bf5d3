"""Streaming redaction: a known key split across deltas anywhere is masked, and only the
characters that could begin a key are held back."""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from solcoder.redact import Redactor
from solcoder.redact_stream import StreamRedactor, settle

KEY = "sk-test-stream-canary-0123456789"
OTHER = "CANARY_other_secret_value_42"


def redactor(*, shapes: bool = True) -> Redactor:
    redactor = Redactor(shapes=shapes)
    redactor.add_secret(KEY)
    redactor.add_secret(OTHER)
    return redactor


def stream(pieces: list[str], known: Redactor) -> tuple[str, list[str]]:
    streamer = StreamRedactor(known)
    shown = [streamer.feed(piece) for piece in pieces]
    shown.append(streamer.flush())
    return "".join(shown), shown


def test_a_key_split_at_every_position_is_masked() -> None:
    known = redactor()
    text = f"Your key is {KEY}, keep it safe."
    for cut in range(1, len(text)):
        joined, _ = stream([text[:cut], text[cut:]], known)
        assert KEY not in joined and "stream-canary" not in joined, cut
        assert joined == known.redact(text), cut


def test_a_key_dripped_one_character_at_a_time_is_masked() -> None:
    known = redactor()
    text = f"a {KEY} b {OTHER} c " + base64.b64encode(KEY.encode()).decode()
    joined, _ = stream(list(text), known)
    assert joined == known.redact(text)
    assert KEY not in joined and OTHER not in joined
    assert base64.b64encode(KEY.encode()).decode()[:-4] not in joined


def test_ordinary_text_is_not_held_back() -> None:
    known = redactor()
    streamer = StreamRedactor(known)
    for piece in ("Hello", " world", ", PDAs are derived", " from seeds.\n"):
        assert streamer.feed(piece) == piece
    assert streamer.flush() == ""


def test_only_a_possible_beginning_is_held_back() -> None:
    streamer = StreamRedactor(redactor())
    # "sk-te" could begin the key: held; "Hello " before it is not.
    assert streamer.feed("Hello sk-te") == "Hello "
    assert streamer.pending
    # It did not continue as the key: released at once.
    assert streamer.feed("a cup") == "sk-tea cup"
    assert not streamer.pending


def test_flush_releases_a_short_beginning_and_masks_a_long_one() -> None:
    streamer = StreamRedactor(redactor())
    assert streamer.feed("the end: sk-te") == "the end: "
    assert streamer.flush() == "sk-te"
    assert streamer.flush() == ""
    # The stream ended in the middle of the key: its first half is not shown either.
    assert streamer.feed("the end: sk-test-str") == "the end: "
    assert streamer.flush() == "****"


def test_settle_masks_a_text_cut_inside_a_key() -> None:
    known = redactor()
    assert settle(f"cut here {KEY[:20]}", known) == "cut here ****"
    assert settle(f"whole {KEY} and sk-", known) == f"whole {known.redact(KEY)} and sk-"
    assert settle("nothing to hide", known) == "nothing to hide"


def test_without_known_secrets_every_delta_passes_at_once() -> None:
    streamer = StreamRedactor(Redactor())
    assert streamer.feed("sk-") == "sk-"
    assert not streamer.pending


def test_a_key_that_overlaps_the_beginning_of_another_is_masked_whole() -> None:
    known = Redactor()
    first, second = "CANARY-aaaa-XYZW1234", "XYZW1234-bbbb-CANARY2"
    known.add_secret(first)
    known.add_secret(second)
    text = f"{first} and {second}."
    for cut in range(1, len(text)):
        joined, _ = stream([text[:cut], text[cut:]], known)
        assert first not in joined and second not in joined, cut
        assert "aaaa" not in joined and "bbbb" not in joined, cut


@settings(max_examples=300, deadline=None)
@given(
    before=st.text(alphabet="sk-tea 0123", max_size=12),
    after=st.sampled_from(["", " ok", "s", "sk-te", "sk-test-st", KEY[:-1]])
    | st.text(alphabet="sk-tea 0123", max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=80), max_size=6),
)
def test_any_split_of_any_text_with_a_key_is_masked(
    before: str, after: str, cuts: list[int]
) -> None:
    text = f"{before}{KEY}{after}"
    points = sorted({min(cut, len(text)) for cut in cuts})
    pieces = [
        text[start:end] for start, end in zip([0, *points], [*points, len(text)], strict=True)
    ]
    joined, _ = stream(pieces, redactor())
    assert KEY not in joined and "stream-canary" not in joined
    # With known values alone, streaming masks exactly what settling the whole text would
    # (key shapes may match a little differently at the edges of a delta).
    by_value = redactor(shapes=False)
    assert stream(pieces, by_value)[0] == settle(text, by_value)
