"""`[approval]` settings: lists of tool-name patterns, validated with the key in the message."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solcoder.config import load_settings, set_user_value
from solcoder.config.schema import SETTINGS, format_value
from solcoder.config.values import InvalidValue
from solcoder.errors import ConfigError, UsageError

NAME_CHARACTERS = st.sampled_from("abcxyz019_-*?")
PATTERN = st.text(NAME_CHARACTERS, min_size=1, max_size=20)


def write(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text)


def test_lists_load_from_the_user_config(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write(home, '[approval]\nallow = ["time__*", "git__status"]\ndeny = ["deploy_program"]\n')
    settings = load_settings(home=home, cwd=tmp_path, environ={})
    assert settings.approval.allow == ("time__*", "git__status")
    assert settings.approval.deny == ("deploy_program",)
    assert settings.approval.ask == ()
    assert settings.source("approval.allow").startswith("user:")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('"time__*"', "must be a list of tool-name patterns"),
        ("[1, 2]", "must hold only patterns in quotes"),
        ('["rm -rf /"]', "is not a tool-name pattern"),
        ('[""]', "is not a tool-name pattern"),
    ],
)
def test_a_bad_value_is_reported_with_its_key_and_line_and_the_file_kept(
    tmp_path: Path, value: str, problem: str
) -> None:
    home = tmp_path / "home"
    text = f"[approval]\nask = []\ndeny = {value}\n"
    write(home, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(home=home, cwd=tmp_path, environ={})
    message = str(caught.value)
    assert "config.toml:3" in message and "approval.deny" in message and problem in message
    assert (home / "config.toml").read_text() == text  # reported, never reset


def test_the_environment_and_config_set_take_comma_separated_patterns(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = load_settings(
        home=home, cwd=tmp_path, environ={"SOLCODER_APPROVAL_ASK": "time__*, git__status"}
    )
    assert settings.approval.ask == ("time__*", "git__status")
    with pytest.raises(UsageError, match="SOLCODER_APPROVAL_ASK"):
        load_settings(home=home, cwd=tmp_path, environ={"SOLCODER_APPROVAL_ASK": "a b"})
    home.mkdir(parents=True)
    set_user_value(home, "approval.allow", "time__*,plan")
    assert 'allow = ["time__*", "plan"]' in (home / "config.toml").read_text()
    assert load_settings(home=home, cwd=tmp_path, environ={}).approval.allow == ("time__*", "plan")
    set_user_value(home, "approval.allow", "")
    assert load_settings(home=home, cwd=tmp_path, environ={}).approval.allow == ()


def test_a_project_config_may_ask_and_deny_but_not_allow(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write(home, '[approval]\nallow = ["plan"]\n')
    project = tmp_path / "repo"
    (project / ".solcoder").mkdir(parents=True)
    (project / ".solcoder" / "config.toml").write_text(
        '[approval]\nallow = ["*"]\ndeny = ["deploy_program"]\n'
    )
    settings = load_settings(home=home, cwd=project, environ={})
    assert settings.approval.allow == ("plan",)  # the user's, not the project's
    assert settings.approval.deny == ()  # the user's lists stay the user's ...
    assert settings.project_approval == {"deny": ("deploy_program",)}  # ... the project's apart
    assert any("cannot let tools run without asking" in w for w in settings.warnings)


@given(st.lists(PATTERN, max_size=8))
def test_valid_patterns_round_trip_through_text_and_toml(patterns: list[str]) -> None:
    spec = SETTINGS["approval.allow"]
    checked = spec.check(patterns)
    assert checked == tuple(dict.fromkeys(patterns))
    assert spec.parse_text(",".join(patterns)) == checked
    import tomllib

    assert tuple(tomllib.loads(f"x = {format_value(checked)}")["x"]) == checked


def test_too_many_patterns_are_refused() -> None:
    with pytest.raises(InvalidValue, match="at most"):
        SETTINGS["approval.deny"].check([f"t{n}" for n in range(300)])
