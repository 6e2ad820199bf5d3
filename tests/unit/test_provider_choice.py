"""Which provider runs when nothing names one: a key you have, then the local model."""

from __future__ import annotations

from pathlib import Path

import pytest

from solcoder.cli.provider_choice import choose_provider
from solcoder.config import load_settings
from solcoder.credentials.store import open_store
from solcoder.secret import Secret


def settings_for(tmp_path: Path, environ: dict[str, str]) -> object:
    return load_settings(environ=environ, cwd=tmp_path, home=tmp_path / "home")


@pytest.fixture
def local_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    from solcoder.llm.providers.local import model

    monkeypatch.setattr(model, "server_installed", lambda: True)


def test_a_key_in_the_environment_picks_its_provider(tmp_path: Path) -> None:
    environ = {"ANTHROPIC_API_KEY": "sk-test-anthropic-0001", "GROQ_API_KEY": "sk-test-groq-0002"}
    chosen, notice = choose_provider(settings_for(tmp_path, environ), environ)
    assert chosen.llm.provider == "anthropic"  # earlier in the documented order than groq
    assert chosen.source("llm.provider") == "auto"
    assert notice is None


def test_a_key_in_the_store_picks_its_provider(tmp_path: Path) -> None:
    environ = {"SOLCODER_KEYRING": "0", "SOLCODER_CREDENTIALS_BACKEND": "plaintext-file"}
    settings = settings_for(tmp_path, environ)
    store = open_store(settings, insecure=True, environ=environ)
    store.set("openrouter", Secret("sk-test-openrouter-0003"))
    monkey_environ = {**environ}
    chosen, _ = choose_provider(settings, monkey_environ)
    assert chosen.llm.provider == "openrouter"


def test_no_key_picks_the_local_model_and_says_how_to_use_a_cloud_one(
    tmp_path: Path, local_installed: None
) -> None:
    chosen, notice = choose_provider(settings_for(tmp_path, {}), {})
    assert chosen.llm.provider == "local"
    assert notice is not None and "solcoder auth login" in notice


def test_without_the_extra_the_default_stands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from solcoder.llm.providers.local import model

    monkeypatch.setattr(model, "server_installed", lambda: False)
    chosen, notice = choose_provider(settings_for(tmp_path, {}), {})
    assert chosen.llm.provider == "openai"  # the key prompt or the missing-key message
    assert notice is None


@pytest.mark.parametrize(
    "environ",
    [
        {"SOLCODER_LLM_PROVIDER": "openai"},  # chosen explicitly
        {"SOLCODER_OFFLINE_MODE": "1"},
        {"SOLCODER_LLM_API_KEY": "sk-test-generic-0004"},  # a key for the default provider
    ],
)
def test_an_explicit_choice_is_never_second_guessed(
    tmp_path: Path, local_installed: None, environ: dict[str, str]
) -> None:
    settings = settings_for(tmp_path, environ)
    chosen, notice = choose_provider(settings, environ)
    assert chosen is settings
    assert notice is None


def test_the_order_is_the_documented_one() -> None:
    text = (Path(__file__).parents[2] / "docs" / "providers.md").read_text()
    from solcoder.llm.catalog.providers import AUTO_PICK_ORDER

    assert ", ".join(AUTO_PICK_ORDER) in text


def test_config_list_never_prompts_for_the_passphrase_of_saved_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_installed: None
) -> None:
    """`config list` names the provider a launch would run; with saved keys behind a
    passphrase it does not prompt for it (the launch will), and says so."""
    import getpass

    from solcoder.cli.provider_choice import resolve_choice
    from solcoder.credentials import encrypted_file
    from solcoder.credentials.encrypted_file import forget_cached_passphrases
    from tests.support.cheap_kdf import cheap_kdf

    environ = {"SOLCODER_KEYRING": "0", "SOLCODER_PASSPHRASE": "a long enough passphrase"}
    settings = settings_for(tmp_path, environ)
    forget_cached_passphrases()
    with cheap_kdf():
        open_store(settings, environ=environ).set("anthropic", Secret("sk-test-anthropic-07"))
        forget_cached_passphrases()
        monkeypatch.setattr(encrypted_file, "terminal_available", lambda: True)

        def no_prompt(*_args: object, **_kwargs: object) -> str:
            raise AssertionError("config list asked for the passphrase")

        monkeypatch.setattr(getpass, "getpass", no_prompt)
        locked = {"SOLCODER_KEYRING": "0"}
        choice = resolve_choice(settings_for(tmp_path, locked), locked, ask_passphrase=False)
        assert choice.provider == "openai"  # not `local`: a saved key may win at launch
        assert "checked at launch" in choice.reason
        unlocked = resolve_choice(settings, environ, ask_passphrase=False)
        assert unlocked.provider == "anthropic"
    forget_cached_passphrases()
