"""The one terminal-safe form of outside text: controls removed, invisibles escaped, secrets
masked; JSON that stays the same text for a script but carries nothing a terminal acts on."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from solcoder.cli.reports import save_report
from solcoder.errors import ProtocolError
from solcoder.redact import default_redactor
from solcoder.terminal import clean, echo, safe, safe_json

KEY = "sk-test-terminal-unit-1a2b3c4d5e6f"


@pytest.fixture
def known_key(monkeypatch: pytest.MonkeyPatch) -> None:
    redactor = default_redactor()
    monkeypatch.setattr(redactor, "_known", redactor._known)
    monkeypatch.setattr(redactor, "_patterns", {})
    redactor.add_secret(KEY)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("title \x1b]0;pwned\x07 done", "title ]0;pwned done"),
        ("clip \x1b]52;c;aGk=\x07", "clip ]52;c;aGk="),
        ("clear \x1b[2J\x9b2J", "clear [2J2J"),
        ("tab\tnew\nline\r\n", "tab\tnew\nline\n"),
        ("del\x7f c1\x85\x90", "del c1"),
        ("rtl \u202eexe.gnp\u202c", "rtl <U+202E>exe.gnp<U+202C>"),
        ("iso \u2066x\u2069 \u2067y\u2068", "iso <U+2066>x<U+2069> <U+2067>y<U+2068>"),
        ("zw a\u200bb\u200cc\u200dd\u200ee\u200ff\u2060g\ufeffh", None),
        ("plain ünïcode ✓ and 日本", "plain ünïcode ✓ and 日本"),
    ],
)
def test_clean(text: str, shown: str | None) -> None:
    result = clean(text)
    if shown is not None:
        assert result == shown
    assert all(ord(char) >= 0x20 or char in "\n\t" for char in result)
    assert not any(0x7F <= ord(char) < 0xA0 for char in result)
    for code in (0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF):
        assert chr(code) not in result
        if chr(code) in text:
            assert f"<U+{code:04X}>" in result


def test_a_control_character_inside_a_key_does_not_hide_it(known_key: None) -> None:
    planted = KEY[:12] + "\x1b" + KEY[12:]
    assert "terminal-unit" not in safe(f"key: {planted}")


def test_safe_json_is_the_same_data_without_terminal_controls(known_key: None) -> None:
    data = {"text": "a\x1b]0;t\x07b\x9bc\u202ed\u2028e", "key": KEY, "n": [1, None]}
    text = safe_json(data, indent=2)
    assert all(ord(char) < 0x7F or ord(char) >= 0xA0 for char in text)
    assert "\u202e" not in text and "\u2028" not in text
    parsed = json.loads(text)
    assert parsed["text"] == data["text"]
    assert "terminal-unit" not in parsed["key"]


def test_echo_writes_one_safe_line(known_key: None) -> None:
    stream = io.StringIO()
    echo(f"\x1b[2Jthe key {KEY}\u202e", stream=stream)
    assert stream.getvalue() == "[2Jthe key sk-…5e6f<U+202E>\n"


def test_a_failure_report_shows_what_the_server_sent_escaped(
    known_key: None, tmp_path: Path
) -> None:
    error = ProtocolError(f"Malformed response \x1b[2J for {KEY}")
    error.excerpt = f"data: \x1b]0;pwned\x07 \u202eevil {KEY}"  # type: ignore[attr-defined]
    path = save_report(tmp_path, error, context={"base_url": "http://me:pw@127.0.0.1:9/v1"})
    assert path is not None
    saved = path.read_text(encoding="utf-8")
    assert "data: <U+001B>]0;pwned<U+0007> <U+202E>evil" in saved
    assert "Malformed response <U+001B>[2J for sk-…5e6f" in saved
    assert "terminal-unit" not in saved and "pw@" not in saved
    assert all(ord(char) >= 0x20 or char in "\n\t" for char in saved)


def test_the_toolbar_shows_a_hostile_model_name_safely() -> None:
    from types import SimpleNamespace

    from solcoder.ui.toolbar import toolbar_text

    conversation = SimpleNamespace(
        provider_name="evil\x1b]0;t\x07",
        model="m\u202eodel\x9b2J",
        session_id="s1",
        usage_summary=lambda: "0 tokens",
    )
    shown = toolbar_text(conversation)  # type: ignore[arg-type]
    assert "evil]0;t" in shown and "m<U+202E>odel2J" in shown
    assert all(ord(char) >= 0x20 and not 0x7F <= ord(char) < 0xA0 for char in shown)


def test_unicode_tag_characters_are_shown_not_hidden() -> None:
    """Issue 23 item 24: tag characters (U+E0000-E007F) render as nothing, so text could show
    one thing and tell the model another; they are escaped like other invisible characters."""
    import json

    from solcoder.terminal import evidence, safe, safe_json

    hidden = "ok" + "".join(chr(0xE0000 + ord(c)) for c in "rm -rf") + "!"
    shown = safe(hidden)
    assert "<U+E0072>" in shown
    assert not any(0xE0000 <= ord(c) <= 0xE007F for c in shown)
    assert "<U+E0072>" in evidence(hidden)
    encoded = safe_json({"text": hidden})
    assert not any(0xE0000 <= ord(c) <= 0xE007F for c in encoded)
    assert json.loads(encoded)["text"] == hidden
