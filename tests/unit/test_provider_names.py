"""Provider names given by people: a typo in `config set llm.provider` is refused before it is
written (it would break every later command), and a name in another case means the provider."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from solcoder.cli.config_cmd import config_group
from solcoder.config import load_settings, set_project_value
from solcoder.errors import ConfigError
from solcoder.llm.catalog.providers import resolve_spec


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("SOLCODER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SOLCODER_HOME", str(tmp_path / "home"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


def run(*args: str) -> Result:
    return CliRunner().invoke(config_group, list(args), standalone_mode=False)


def test_config_set_refuses_an_unknown_provider_and_writes_nothing(tmp_path: Path) -> None:
    result = run("set", "llm.provider", "opnai")
    assert isinstance(result.exception, ConfigError)
    assert result.exception.exit_code == 2
    assert "Did you mean 'openai'?" in (result.exception.hint or "")
    assert "anthropic" in (result.exception.hint or "")  # the known providers
    assert not (tmp_path / "home" / "config.toml").exists()


def test_config_set_accepts_a_providers_table_and_any_case(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        '[providers.my-proxy]\napi = "chat"\nbase_url = "http://127.0.0.1:9/v1"\n'
    )
    assert run("set", "llm.provider", "my-proxy").exception is None
    assert load_settings().llm.provider == "my-proxy"
    assert run("set", "llm.provider", "OpenRouter").exception is None
    assert 'provider = "openrouter"' in (home / "config.toml").read_text()


def test_project_config_set_is_checked_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Unknown provider 'nosuch'"):
        set_project_value(tmp_path / "work" / ".solcoder" / "config.toml", "llm.provider", "nosuch")


def test_a_provider_flag_in_another_case_means_that_provider() -> None:
    assert load_settings(overrides={"llm.provider": "OpenAI"}).llm.provider == "openai"
    assert resolve_spec("Anthropic").name == "anthropic"


def test_an_unknown_provider_suggests_ignoring_case() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_spec("OpnAI")
    assert "Did you mean 'openai'?" in (caught.value.hint or "")
