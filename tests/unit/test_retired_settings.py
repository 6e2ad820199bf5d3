"""`ui.theme` did nothing, so it is gone, with a clear word to whoever still sets it (issue 23
item 11): a config file's `[ui] theme`, `SOLCODER_UI_THEME` and `config set ui.theme` each say
it is no longer a setting and what to use instead, rather than being silently accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from solcoder.cli.config_cmd import config_group
from solcoder.config import SETTINGS, load_settings
from solcoder.errors import UsageError


def test_ui_theme_is_not_a_setting() -> None:
    assert "ui.theme" not in SETTINGS


def test_a_config_file_that_sets_it_is_told_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('[ui]\ntheme = "dark"\nshow_thinking = false\n')
    settings = load_settings(environ={}, cwd=tmp_path, home=home)
    assert settings.ui.show_thinking is False  # the rest of the table still applies
    (warning,) = settings.warnings
    assert "ui.theme is no longer a setting" in warning
    assert "NO_COLOR=1" in warning
    assert "did you mean" not in warning


def test_the_environment_variable_is_told_too(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"SOLCODER_UI_THEME": "light"}, cwd=tmp_path, home=tmp_path / "home"
    )
    assert any("SOLCODER_UI_THEME" in w and "no longer" in w for w in settings.warnings)


def test_config_set_refuses_it_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLCODER_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(config_group, ["set", "ui.theme", "dark"], standalone_mode=False)
    assert isinstance(result.exception, UsageError)
    assert "no longer a setting" in result.exception.message
    assert not (tmp_path / "home" / "config.toml").exists()
